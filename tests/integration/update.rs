//! Stack updates end to end: the plan for each kind of change (snapshots), the update applied with its
//! cleanup phase, the fault matrix (a failure at each step rolls back to the exact previous state),
//! a failure during the rollback finished with continue-rollback, `--on-failure do-nothing` then
//! `rollback`, change sets through their lifecycle, and kills at random points during updates.

use std::collections::BTreeMap;
use std::process::Output;

use serde_json::Value;

use crate::sandbox::Sandbox;

const DIR: &str = "tests/fixtures/update";

fn file(name: &str) -> String {
    format!("{DIR}/{name}.yaml")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Physical ids carry random parts: the snapshots show them as `…`.
fn normalized(text: &str) -> String {
    let ids = regex::Regex::new(r"\b(vpc|subnet)-[0-9a-f]{17}\b|-[A-Z0-9]{13}\b|-[a-z0-9]{13}\b")
        .expect("regex");
    ids.replace_all(text, |c: &regex::Captures<'_>| match c.get(1) {
        Some(kind) => format!("{}-…", kind.as_str()),
        None => "-…".to_owned(),
    })
    .into_owned()
}

/// A sandbox with stack `u` created from the base template.
fn deployed(name: &str) -> Sandbox {
    let s = Sandbox::new(name);
    let out = s.run(&[
        "apply",
        "u",
        "-t",
        &file("base"),
        "--yes",
        "--mock-latency",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    s
}

/// Each resource's physical id and properties as recorded.
fn recorded(s: &Sandbox) -> BTreeMap<String, (Value, Value)> {
    s.json(&["resources", "u"])
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| {
            (
                r["logical_id"].as_str().unwrap_or_default().to_owned(),
                (r["physical_id"].clone(), r["properties"].clone()),
            )
        })
        .collect()
}

/// The template stack `u` records (JSON text).
fn recorded_template(s: &Sandbox) -> String {
    let stacks = s.json(&["stacks"]);
    let u = stacks
        .as_array()
        .expect("a list")
        .iter()
        .find(|st| st["name"] == "u")
        .expect("stack u");
    u["template"].as_str().expect("text").to_owned()
}

#[test]
fn plans_for_each_kind_of_change() {
    let s = deployed("plans");
    let cases: &[(&str, &str, &[&str])] = &[
        ("no_op", "base", &[]),
        ("in_place", "in_place", &[]),
        ("replacement", "replacement", &[]),
        ("add_remove", "add_remove", &[]),
        ("parameter", "base", &["-p", "Env=prod"]),
        ("cascade", "base", &["-p", "Cidr=10.1.0.0/16"]),
        ("condition_flip", "base", &["-p", "WithAlarm=yes"]),
        ("custom_name", "custom_name", &[]),
    ];
    for (name, template, extra) in cases {
        let f = file(template);
        let mut args = vec!["plan", "u", "-t", f.as_str()];
        args.extend_from_slice(extra);
        let out = s.run(&args);
        let text = format!("{}{}", stdout(&out), stderr(&out));
        insta::assert_snapshot!(format!("update_plan_{name}"), normalized(&text));
    }
}

#[test]
fn plan_json_has_cloudformation_change_records() {
    let s = deployed("records");
    let plan = s.json(&["plan", "u", "-t", &file("base"), "-p", "Env=prod"]);
    let queue = &plan["changes"][0];
    assert_eq!(queue["Action"], "Modify");
    assert_eq!(queue["LogicalResourceId"], "Queue");
    assert_eq!(queue["Replacement"], "False");
    assert_eq!(queue["Scope"], serde_json::json!(["Tags"]));
    // A changed parameter: the dynamic direct modification, and the parameter as the static cause.
    let details = queue["Details"].as_array().expect("details");
    assert_eq!(details.len(), 2);
    assert_eq!(details[0]["Evaluation"], "Dynamic");
    assert_eq!(details[0]["ChangeSource"], "DirectModification");
    assert_eq!(details[1]["Evaluation"], "Static");
    assert_eq!(details[1]["ChangeSource"], "ParameterReference");
    assert_eq!(details[1]["CausingEntity"], "Env");
    assert_eq!(details[1]["Target"]["Path"], "/Properties/Tags");
    assert_eq!(details[1]["Target"]["BeforeValue"][0]["Value"], "dev");
    assert_eq!(details[1]["Target"]["AfterValue"][0]["Value"], "prod");
    // The cascade: the subnet's VpcId refers to the replaced VPC.
    let plan = s.json(&["plan", "u", "-t", &file("base"), "-p", "Cidr=10.1.0.0/16"]);
    let subnet = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["LogicalResourceId"] == "Subnet")
        .expect("subnet changes");
    assert_eq!(subnet["Replacement"], "Conditional");
    let vpc_id = subnet["Details"]
        .as_array()
        .expect("details")
        .iter()
        .find(|d| d["Target"]["Name"] == "VpcId")
        .expect("VpcId detail");
    assert_eq!(vpc_id["Evaluation"], "Dynamic");
    assert_eq!(vpc_id["ChangeSource"], "ResourceReference");
    assert_eq!(vpc_id["CausingEntity"], "Vpc");
    assert_eq!(vpc_id["Target"]["RequiresRecreation"], "Always");
}

#[test]
fn no_changes_exits_zero_even_with_detailed_exitcode() {
    let s = deployed("noop");
    let out = s.run(&["plan", "u", "-t", &file("base"), "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("No updates are to be performed"));
    let out = s.run(&["plan", "u", "-t", &file("in_place"), "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn updates_apply_with_replacement_cleanup_and_cascade() {
    let s = deployed("apply");
    let before = recorded(&s);
    let out = s.run(&[
        "apply",
        "u",
        "-t",
        &file("base"),
        "-p",
        "Cidr=10.1.0.0/16",
        "--yes",
        "--mock-latency",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(s.status("u"), "UPDATE_COMPLETE");
    let after = recorded(&s);
    assert_ne!(before["Vpc"].0, after["Vpc"].0, "the VPC is replaced");
    assert_ne!(
        before["Subnet"].0, after["Subnet"].0,
        "the subnet follows it"
    );
    assert_eq!(after["Subnet"].1["VpcId"], after["Vpc"].0);
    assert_eq!(after["Subnet"].1["CidrBlock"], "10.1.0.0/24");
    assert_eq!(before["Queue"], after["Queue"]);
    s.assert_no_orphans("u");
    // The old VPC and subnet are gone from the cloud: only the new ones are left.
    assert_eq!(s.cloud_and_state("u").0.len(), before.len());
    // Removed and added resources, and the events of the cleanup phase.
    let out = s.run(&[
        "apply",
        "u",
        "-t",
        &file("add_remove"),
        "--yes",
        "--mock-latency",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<String> = recorded(&s).into_keys().collect();
    assert!(ids.contains(&"Logs".to_owned()) && !ids.contains(&"Topic".to_owned()));
    let events = s.json(&["events", "u"]);
    let statuses: Vec<&str> = events
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["logical_id"] == "u")
        .map(|e| e["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        &statuses[statuses.len() - 3..],
        [
            "UPDATE_IN_PROGRESS",
            "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
            "UPDATE_COMPLETE"
        ]
    );
    s.assert_no_orphans("u");
}

#[test]
fn a_failure_at_any_step_rolls_back_to_the_previous_state() {
    // The cascade update touches the VPC (replaced) then the subnet (replaced); the in-place one the queue
    // and the topic; the add/remove one adds a log group.
    let cases: &[(&str, &[&str], &str)] = &[
        ("base", &["-p", "Cidr=10.1.0.0/16"], "Vpc:create"),
        ("base", &["-p", "Cidr=10.1.0.0/16"], "Subnet:create"),
        ("in_place", &[], "Queue:update"),
        ("in_place", &[], "Topic:update"),
        ("add_remove", &[], "Logs:create"),
        ("replacement", &[], "Queue:create"),
    ];
    for (n, (template, extra, fail)) in cases.iter().enumerate() {
        let s = deployed(&format!("matrix{n}"));
        let before = recorded(&s);
        let template_before = recorded_template(&s);
        let f = file(template);
        let mut args = vec![
            "apply",
            "u",
            "-t",
            f.as_str(),
            "--yes",
            "--mock-latency",
            "0",
        ];
        args.extend_from_slice(extra);
        args.extend(["--mock-fail", fail]);
        let out = s.run(&args);
        assert_eq!(out.status.code(), Some(1), "{fail}: {}", stdout(&out));
        assert_eq!(s.status("u"), "UPDATE_ROLLBACK_COMPLETE", "{fail}");
        assert_eq!(recorded(&s), before, "{fail}: the state is back as it was");
        assert_eq!(
            recorded_template(&s),
            template_before,
            "{fail}: and so is the template"
        );
        s.assert_no_orphans("u");
        assert_eq!(s.cloud_and_state("u").0.len(), before.len(), "{fail}");
    }
}

#[test]
fn a_failed_rollback_is_finished_by_continue_rollback() {
    let s = deployed("continue");
    let out = s.run(&[
        "apply",
        "u",
        "-t",
        &file("in_place"),
        "--yes",
        "--mock-latency",
        "0",
        "--parallelism",
        "1",
        "--mock-fail",
        "Topic:update",
        "--mock-fail",
        "Queue:update#2",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(s.status("u"), "UPDATE_ROLLBACK_FAILED");
    // The stack cannot be updated until the rollback is finished.
    let refused = s.run(&["plan", "u", "-t", &file("base")]);
    assert!(
        stderr(&refused).contains("continue-rollback"),
        "{}",
        stderr(&refused)
    );
    // Only a resource whose rollback failed can be skipped.
    let wrong = s.run(&["continue-rollback", "u", "--skip", "Topic"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stderr(&wrong).contains("only resources that failed to roll back"));
    let out = s.run(&["continue-rollback", "u", "--skip", "Queue"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(s.status("u"), "UPDATE_ROLLBACK_COMPLETE");
    s.assert_no_orphans("u");
}

#[test]
fn do_nothing_leaves_update_failed_and_rollback_returns() {
    let s = deployed("donothing");
    let before = recorded(&s);
    let out = s.run(&[
        "apply",
        "u",
        "-t",
        &file("replacement"),
        "--yes",
        "--mock-latency",
        "0",
        "--on-failure",
        "do-nothing",
        "--mock-fail",
        "Queue:create",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(s.status("u"), "UPDATE_FAILED");
    let out = s.run(&["rollback", "u"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(s.status("u"), "UPDATE_ROLLBACK_COMPLETE");
    assert_eq!(recorded(&s), before);
    s.assert_no_orphans("u");
}

#[test]
fn change_sets_are_reviewed_then_executed() {
    let s = Sandbox::new("changesets");
    // A change set for a new stack: type CREATE, the stack waits in REVIEW_IN_PROGRESS.
    let cs = s.json(&["changeset", "create", "u", "first", "-t", &file("base")]);
    assert_eq!(cs["ChangeSetType"], "CREATE");
    assert_eq!(cs["Status"], "CREATE_COMPLETE");
    assert_eq!(cs["ExecutionStatus"], "AVAILABLE");
    assert_eq!(s.status("u"), "REVIEW_IN_PROGRESS");
    let out = s.run(&["changeset", "execute", "u", "first", "--mock-latency", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(s.status("u"), "CREATE_COMPLETE");
    // Two update change sets; executing one makes the other obsolete.
    let a = s.json(&["changeset", "create", "u", "a", "-t", &file("in_place")]);
    assert_eq!(a["ChangeSetType"], "UPDATE");
    assert_eq!(a["Changes"][0]["Type"], "Resource");
    assert_eq!(a["Changes"][0]["ResourceChange"]["Action"], "Modify");
    s.json(&["changeset", "create", "u", "b", "-t", &file("replacement")]);
    // A change set with no changes fails with CloudFormation's reason.
    let none = s.json(&["changeset", "create", "u", "none", "-t", &file("base")]);
    assert_eq!(none["Status"], "FAILED");
    assert!(
        none["StatusReason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("The submitted information didn't contain changes")
    );
    let dup = s.run(&["changeset", "create", "u", "a", "-t", &file("in_place")]);
    assert!(stderr(&dup).contains("already exists"));
    let out = s.run(&["changeset", "execute", "u", "a", "--mock-latency", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(s.status("u"), "UPDATE_COMPLETE");
    let list = s.json(&["changeset", "list", "u"]);
    let status = |name: &str| {
        list["Summaries"]
            .as_array()
            .expect("summaries")
            .iter()
            .find(|c| c["ChangeSetName"] == name)
            .map(|c| c["ExecutionStatus"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(status("a"), "EXECUTE_COMPLETE");
    assert_eq!(status("b"), "OBSOLETE");
    assert_eq!(status("none"), "UNAVAILABLE");
    let stale = s.run(&["changeset", "execute", "u", "b"]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        stderr(&stale).contains("cannot be executed"),
        "{}",
        stderr(&stale)
    );
    // A change set made before the stack changed is stale.
    s.json(&["changeset", "create", "u", "c", "-t", &file("base")]);
    let out = s.run(&[
        "apply",
        "u",
        "-t",
        &file("base"),
        "-p",
        "Env=qa",
        "--yes",
        "--mock-latency",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stale = s.run(&["changeset", "execute", "u", "c"]);
    assert!(stderr(&stale).contains("obsolete"), "{}", stderr(&stale));
    let out = s.run(&["changeset", "delete", "u", "c"]);
    assert!(out.status.success());
    let missing = s.run(&["changeset", "describe", "u", "c"]);
    assert!(stderr(&missing).contains("does not exist"));
    s.assert_no_orphans("u");
}

#[test]
fn a_kill_during_an_update_is_recovered_with_zero_orphans() {
    let s = Sandbox::new("update-crash");
    let points = [5u64, 20, 40, 60, 90, 120];
    for (n, ms) in points.iter().enumerate() {
        let stack = format!("k{n}");
        let out = s.run(&[
            "apply",
            &stack,
            "-t",
            &file("base"),
            "--yes",
            "--mock-latency",
            "0",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let before = recorded_of(&s, &stack);
        let f = file("base");
        let mut args = vec![
            "apply",
            stack.as_str(),
            "-t",
            f.as_str(),
            "-p",
            "Cidr=10.1.0.0/16",
            "--yes",
            "--mock-latency",
            "15",
        ];
        if n % 2 == 1 {
            args.extend(["--mock-fail", "Subnet:create"]);
        }
        s.kill_after(&args, *ms);
        // The next command recovers the stack: a finished update, or a rollback to where it was.
        let out = s.run(&["plan", &stack, "-t", &f, "-p", "Cidr=10.1.0.0/16"]);
        let recovered = s.run(&[
            "apply",
            &stack,
            "-t",
            &f,
            "--yes",
            "--mock-latency",
            "0",
            "-p",
            "Cidr=10.0.0.0/16",
        ]);
        let status = s.status(&stack);
        assert!(
            [
                "UPDATE_COMPLETE",
                "UPDATE_ROLLBACK_COMPLETE",
                "CREATE_COMPLETE"
            ]
            .contains(&status.as_str()),
            "{stack} killed after {ms} ms ended {status}: {} {}",
            stderr(&out),
            stderr(&recovered)
        );
        s.assert_no_orphans(&stack);
        // Back on the original parameters, the stack has exactly its resources again.
        assert_eq!(recorded_of(&s, &stack).len(), before.len());
        assert_eq!(
            s.cloud_and_state(&stack).0.len(),
            before.len(),
            "{stack} after {ms} ms"
        );
    }
}

fn recorded_of(s: &Sandbox, stack: &str) -> BTreeMap<String, Value> {
    s.json(&["resources", stack])
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| {
            (
                r["logical_id"].as_str().unwrap_or_default().to_owned(),
                r["physical_id"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_stack_without_resources_is_created_then_updated() {
    let s = Sandbox::new("empty");
    let f = "tests/fixtures/stack/no_resources.yaml";
    let plan = s.run(&["plan", "e", "-t", f, "--detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(2),
        "creating the stack is a change"
    );
    s.apply("e", f, &[]);
    assert_eq!(s.status("e"), "CREATE_COMPLETE");
    assert_eq!(s.json(&["outputs", "e"])[0]["value"], "us-east-1");
    let again = s.run(&["plan", "e", "-t", f, "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0));
    // The condition turns true: the topic is added.
    s.apply("e", f, &["-p", "On=yes"]);
    assert_eq!(s.status("e"), "UPDATE_COMPLETE");
    assert_eq!(
        s.json(&["resources", "e"]).as_array().map(Vec::len),
        Some(1)
    );
    s.assert_no_orphans("e");
}
