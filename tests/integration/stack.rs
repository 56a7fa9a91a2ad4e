//! Stacks end to end through the binary, each test in its own state directory: the lifecycle, saved
//! plans, the fault matrix (a failure at each position of a ten-resource create), crashes at random
//! points (kill -9) recovered with zero orphans, concurrent applies, imports blocking deletes and export
//! changes (checked again when a saved plan is applied), DELETE_FAILED retried with --retain, and a
//! locked stack refusing creates and change sets (through the library).

use std::process::{Output, Stdio};

use crate::sandbox::Sandbox;

const TEN: &str = "tests/fixtures/stack/ten.yaml";

/// Standard output, then standard error.
fn output(o: &Output) -> String {
    format!("{}{}", crate::stdout(o), stderr(o))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn lifecycle_plan_apply_outputs_destroy() {
    let s = Sandbox::new("lifecycle");
    let plan = s.run(&["plan", "ten", "-t", TEN, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(2), "{}", stderr(&plan));
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(
        text.contains("Plan: 10 to add, 0 to change, 0 to destroy."),
        "{text}"
    );
    let apply = s.run(&["apply", "ten", "-t", TEN, "--yes", "--mock-latency", "0"]);
    assert!(apply.status.success(), "{}", stderr(&apply));
    assert_eq!(s.status("ten"), "CREATE_COMPLETE");
    let outputs = s.json(&["outputs", "ten"]);
    assert!(
        outputs[0]["value"]
            .as_str()
            .unwrap_or_default()
            .starts_with("arn:aws:sns:us-east-1:123456789012:")
    );
    assert_eq!(s.json(&["exports"])[0]["name"], "ten-topic");
    s.assert_no_orphans("ten");
    let (cloud, _) = s.cloud_and_state("ten");
    assert_eq!(cloud.len(), 10);
    // Applying the same template again is an update with nothing to do: success, nothing touched.
    let again = s.run(&["apply", "ten", "-t", TEN, "--yes", "--mock-latency", "0"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("No updates are to be performed"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert_eq!(s.status("ten"), "CREATE_COMPLETE");
    let destroy = s.run(&["destroy", "ten", "--yes", "--mock-latency", "0"]);
    assert!(destroy.status.success(), "{}", stderr(&destroy));
    assert_eq!(s.status("ten"), "DELETE_COMPLETE");
    assert!(s.cloud_and_state("ten").0.is_empty());
    assert!(s.json(&["exports"]).as_array().expect("a list").is_empty());
    let events = s.json(&["events", "ten"]);
    let statuses: Vec<&str> = events
        .as_array()
        .expect("a list")
        .iter()
        .filter(|e| e["logical_id"] == "ten")
        .map(|e| e["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        statuses,
        [
            "CREATE_IN_PROGRESS",
            "CREATE_COMPLETE",
            "DELETE_IN_PROGRESS",
            "DELETE_COMPLETE"
        ]
    );
}

#[test]
fn a_saved_plan_is_applied_exactly_and_refused_when_stale() {
    let s = Sandbox::new("saved");
    let plan_file = s.dir.join("plan.json").display().to_string();
    let out = s.run(&["plan", "ten", "-t", TEN, "--out", &plan_file]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The same create plan, saved twice: the second is refused once the first made the stack, and the
    // refusal leaves the stack unlocked.
    let twice = s.dir.join("plan-2.json").display().to_string();
    std::fs::copy(&plan_file, &twice).unwrap();
    let apply = s.apply_plan("ten", &plan_file);
    assert!(apply.status.success(), "{}", stderr(&apply));
    let again = s.apply_plan("ten", &twice);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("stack `ten` already exists (CREATE_COMPLETE)"),
        "{}",
        stderr(&again)
    );
    assert_eq!(s.status("ten"), "CREATE_COMPLETE");
    s.assert_no_orphans("ten");
    // A delete plan made now, then the stack changes (destroyed and created again): the plan is stale.
    let del = s.dir.join("delete.json").display().to_string();
    assert!(
        s.run(&["plan", "ten", "--destroy", "--out", &del])
            .status
            .success()
    );
    assert!(
        s.run(&["destroy", "ten", "--yes", "--mock-latency", "0"])
            .status
            .success()
    );
    assert!(
        s.run(&["apply", "ten", "-t", TEN, "--yes", "--mock-latency", "0"])
            .status
            .success()
    );
    let stale = s.apply_plan("ten", &del);
    assert_eq!(stale.status.code(), Some(1));
    assert!(stderr(&stale).contains("plan again"), "{}", stderr(&stale));
    assert_eq!(s.status("ten"), "CREATE_COMPLETE");
}

#[test]
fn fault_matrix_rolls_back_every_position_with_zero_orphans() {
    let s = Sandbox::new("faults");
    for i in 0..10 {
        let stack = format!("f{i}");
        let fail = format!("R{i}:create");
        let out = s.run(&[
            "apply",
            &stack,
            "-t",
            TEN,
            "--yes",
            "--mock-latency",
            "0",
            "--mock-fail",
            &fail,
        ]);
        assert_eq!(out.status.code(), Some(1), "{stack}");
        assert_eq!(s.status(&stack), "ROLLBACK_COMPLETE", "{stack}");
        let events = s.json(&["events", &stack]);
        let failed: Vec<&str> = events
            .as_array()
            .expect("a list")
            .iter()
            .filter(|e| e["status"] == "CREATE_FAILED")
            .map(|e| e["logical_id"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(failed, [format!("R{i}")], "{stack}");
        assert!(
            s.cloud_and_state(&stack).0.is_empty(),
            "{stack}: resources left in the cloud"
        );
        // A stack in ROLLBACK_COMPLETE can only be deleted.
        let again = s.run(&["apply", &stack, "-t", TEN, "--yes", "--mock-latency", "0"]);
        assert!(
            stderr(&again).contains("ROLLBACK_COMPLETE"),
            "{}",
            stderr(&again)
        );
        assert!(s.run(&["destroy", &stack, "--yes"]).status.success());
        assert_eq!(s.status(&stack), "DELETE_COMPLETE");
    }
}

#[test]
fn on_failure_do_nothing_and_delete() {
    let s = Sandbox::new("onfailure");
    let out = s.run(&[
        "apply",
        "keep",
        "-t",
        TEN,
        "--yes",
        "--mock-latency",
        "0",
        "--mock-fail",
        "R6",
        "--on-failure",
        "do-nothing",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(s.status("keep"), "CREATE_FAILED");
    s.assert_no_orphans("keep");
    assert!(!s.cloud_and_state("keep").0.is_empty());
    let out = s.run(&[
        "apply",
        "gone",
        "-t",
        TEN,
        "--yes",
        "--mock-latency",
        "0",
        "--mock-fail",
        "R6",
        "--on-failure",
        "delete",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(s.status("gone"), "DELETE_COMPLETE");
    assert!(s.cloud_and_state("gone").0.is_empty());
}

#[test]
fn delete_failed_is_retried_with_retain() {
    let s = Sandbox::new("retain");
    assert!(
        s.run(&["apply", "ten", "-t", TEN, "--yes", "--mock-latency", "0"])
            .status
            .success()
    );
    let properties_of_r3 = || {
        let resources = s.json(&["resources", "ten"]);
        let r3 = resources
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["logical_id"] == "R3");
        r3.expect("R3 is recorded")["properties"].clone()
    };
    let before = properties_of_r3();
    assert!(before["RedrivePolicy"].is_object(), "{before}");
    let out = s.run(&[
        "destroy",
        "ten",
        "--yes",
        "--mock-latency",
        "0",
        "--mock-fail",
        "R3:delete",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(s.status("ten"), "DELETE_FAILED");
    s.assert_no_orphans("ten");
    assert_eq!(
        properties_of_r3(),
        before,
        "DELETE_FAILED keeps what was applied"
    );
    let out = s.run(&[
        "destroy",
        "ten",
        "--yes",
        "--mock-latency",
        "0",
        "--retain",
        "R3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(s.status("ten"), "DELETE_COMPLETE");
    let (cloud, _) = s.cloud_and_state("ten");
    assert_eq!(cloud.len(), 1, "only the retained R3 is left: {cloud:?}");
}

#[test]
fn an_imported_export_blocks_the_delete() {
    let s = Sandbox::new("imports");
    assert!(
        s.run(&["apply", "ten", "-t", TEN, "--yes", "--mock-latency", "0"])
            .status
            .success()
    );
    // A destroy plan, and an update plan that drops the export, saved before anything imports it.
    let early = s.dir.join("destroy.json").display().to_string();
    assert!(
        s.run(&["plan", "ten", "--destroy", "--out", &early])
            .status
            .success()
    );
    let text = std::fs::read_to_string(TEN).unwrap();
    let no_export = s.dir.join("no-export.yaml");
    std::fs::write(&no_export, &text[..text.find("Outputs:").unwrap()]).unwrap();
    let drop_export = s.dir.join("drop-export.json").display().to_string();
    let out = s.run(&[
        "plan",
        "ten",
        "-t",
        &no_export.display().to_string(),
        "--out",
        &drop_export,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let importer = s.file("importer.yaml", "Resources:\n  Sub:\n    Type: AWS::SNS::Subscription\n    Properties:\n      TopicArn: !ImportValue ten-topic\n      Protocol: email\n      Endpoint: a@example.com\n");
    let out = s.run(&[
        "apply",
        "user",
        "-t",
        &importer,
        "--yes",
        "--mock-latency",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = s.run(&["destroy", "ten", "--yes", "--mock-latency", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("in use by user"), "{}", stderr(&out));
    assert_eq!(s.status("ten"), "CREATE_COMPLETE");
    // The saved plans are checked again when applied: the import that came since refuses the destroy,
    // and fails the update (rolled back) when it comes to replace the exports.
    let out = s.apply_plan("ten", &early);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("in use by user"), "{}", stderr(&out));
    assert_eq!(s.status("ten"), "CREATE_COMPLETE");
    let out = s.apply_plan("ten", &drop_export);
    assert_eq!(out.status.code(), Some(1));
    let all = output(&out);
    assert!(
        all.contains("Cannot delete export ten-topic as it is in use by user."),
        "{all}"
    );
    assert_eq!(s.status("ten"), "UPDATE_ROLLBACK_COMPLETE");
    let exports = s.json(&["exports"]);
    assert!(exports.to_string().contains("ten-topic"), "{exports}");
    s.assert_no_orphans("ten");
    // An import of an export that does not exist fails at plan time with CloudFormation's message.
    std::fs::write(s.dir.join("bad.yaml"), "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: !ImportValue nope\n").unwrap();
    let out = s.run(&[
        "plan",
        "x",
        "-t",
        &s.dir.join("bad.yaml").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("No export named nope found."),
        "{}",
        stderr(&out)
    );
}

#[test]
fn concurrent_applies_on_one_stack_exactly_one_runs() {
    let s = Sandbox::new("concurrent");
    let children: Vec<_> = (0..3)
        .map(|_| {
            s.command(&["apply", "ten", "-t", TEN, "--yes", "--mock-latency", "20"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    let ok = outs.iter().filter(|o| o.status.success()).count();
    assert_eq!(ok, 1, "{:?}", outs.iter().map(stderr).collect::<Vec<_>>());
    for o in outs.iter().filter(|o| !o.status.success()) {
        let e = stderr(o);
        assert!(
            e.contains("is locked by operation") || e.contains("already exists"),
            "{e}"
        );
    }
    assert_eq!(s.status("ten"), "CREATE_COMPLETE");
    s.assert_no_orphans("ten");
    assert_eq!(s.cloud_and_state("ten").0.len(), 10);
}

#[test]
fn planning_a_stack_another_process_is_applying_names_the_lock() {
    // A stack in CREATE_IN_PROGRESS whose operation is running is locked, not interrupted.
    let s = Sandbox::new("busy");
    let mut child = s
        .command(&["apply", "ten", "-t", TEN, "--yes", "--mock-latency", "300"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = std::time::Instant::now();
    while s.status("ten") != "CREATE_IN_PROGRESS" {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let out = s.run(&["plan", "ten", "-t", TEN]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is locked by operation"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("interrupted"), "{}", stderr(&out));
    assert!(child.wait().expect("wait").success());
    assert_eq!(s.status("ten"), "CREATE_COMPLETE");
}

#[test]
fn an_export_name_taken_since_the_plan_fails_the_create_or_update_and_rolls_it_back() {
    // Two stacks export the same name; both planned before either exists, so planning cannot see the
    // clash. The second create fails with CloudFormation's message and rolls back, leaving nothing behind.
    let s = Sandbox::new("export-race");
    let file = s.file(
        "exporter.yaml",
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\nOutputs:\n  Arn:\n    Value: !Ref T\n    Export:\n      Name: shared-topic\n",
    );
    let plan = |stack: &str| {
        let out = s.dir.join(format!("{stack}.json")).display().to_string();
        let planned = s.run(&["plan", stack, "-t", &file, "--out", &out]);
        assert!(planned.status.success(), "{}", stderr(&planned));
        out
    };
    // Applying the saved plan fails on the name `first` holds.
    let taken = |stack: &str, plan: &str| {
        let out = s.apply_plan(stack, plan);
        assert_eq!(out.status.code(), Some(1));
        let all = output(&out);
        assert!(
            all.contains("Export with name shared-topic is already exported by stack first"),
            "{all}"
        );
    };
    let (first, second) = (plan("first"), plan("second"));
    assert!(s.apply_plan("first", &first).status.success());
    taken("second", &second);
    assert_eq!(s.status("second"), "ROLLBACK_COMPLETE");
    s.assert_no_orphans("second");
    assert_eq!(s.status("first"), "CREATE_COMPLETE");
    // The same for an update that adds the export: planned while the name was free, applied after
    // `first` took it again (its earlier owner destroyed and recreated).
    let plain = s.file(
        "plain.yaml",
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n",
    );
    s.apply("third", &plain, &[]);
    s.ok(&["destroy", "first", "--yes", "--mock-latency", "0"]);
    let add_export = plan("third");
    s.apply("first", &file, &[]);
    taken("third", &add_export);
    assert_eq!(s.status("third"), "UPDATE_ROLLBACK_COMPLETE");
    s.assert_no_orphans("third");
}

#[test]
fn a_kill_at_any_moment_is_recovered_with_zero_orphans() {
    let s = Sandbox::new("crash");
    // Kill points spread over the create and, with a failing last resource, over the rollback.
    let points = [5u64, 25, 45, 70, 95, 120, 150, 185, 220, 260];
    for (n, ms) in points.iter().enumerate() {
        let stack = format!("c{n}");
        let mut args = vec![
            "apply",
            stack.as_str(),
            "-t",
            TEN,
            "--yes",
            "--mock-latency",
            "15",
        ];
        if n % 2 == 1 {
            args.extend(["--mock-fail", "R9:create"]);
        }
        s.kill_after(&args, *ms);
        // The next command that touches the stack recovers it.
        let out = s.run(&["destroy", &stack, "--yes", "--mock-latency", "0"]);
        let status = s.status(&stack);
        assert!(
            status.is_empty() || status == "DELETE_COMPLETE",
            "{stack} killed after {ms} ms ended {status}: {}",
            stderr(&out)
        );
        assert!(
            s.cloud_and_state(&stack).0.is_empty(),
            "{stack}: resources left in the cloud after {ms} ms"
        );
    }
}

#[test]
fn aws_specific_parameters_must_exist_in_the_account() {
    let s = Sandbox::new("awsparams");
    let file = "tests/fixtures/stack/network-params.yaml";
    let out = s.run(&[
        "plan",
        "net",
        "-t",
        file,
        "-p",
        "VpcId=vpc-0123456789abcdef0",
        "-p",
        "Subnets=subnet-0123456789abcdef0",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(
        e.contains("parameter value vpc-0123456789abcdef0 for parameter name VpcId does not exist"),
        "{e}"
    );
    assert!(e.contains("parameter name Subnets does not exist"), "{e}");
    // The account's default VPC and subnets exist.
    let listed = s.json(&["mock", "list"]);
    let ids = |ty: &str| -> Vec<String> {
        listed
            .as_array()
            .expect("a list")
            .iter()
            .filter(|r| r["resource_type"] == ty)
            .map(|r| r["physical_id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let vpc = format!("VpcId={}", ids("AWS::EC2::VPC")[0]);
    let subnets = format!("Subnets={}", ids("AWS::EC2::Subnet").join(","));
    let out = s.run(&[
        "apply",
        "net",
        "-t",
        file,
        "-p",
        &vpc,
        "-p",
        &subnets,
        "--yes",
        "--mock-latency",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_template_with_a_transform_not_expanded_is_not_planned() {
    let s = Sandbox::new("transform");
    let out = s.run(&[
        "plan",
        "sam",
        "-t",
        "tests/fixtures/validate/bad/transform_pending.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot be planned"),
        "{}",
        stderr(&out)
    );
}

/// Resources go to the cloud in batches, yet never more than `--parallelism` are in progress at once, and
/// each one's IN_PROGRESS comes before its COMPLETE: with and without latency, for the create and the
/// delete.
#[test]
fn batches_keep_parallelism_and_event_order() {
    let s = Sandbox::new("batches");
    // 40 ms: long enough that the second worker starts its resource while the first one waits, however
    // loaded the machine.
    for (n, latency) in ["0", "40"].iter().enumerate() {
        let stack = format!("b{n}");
        let apply = s.run(&[
            "apply",
            &stack,
            "-t",
            TEN,
            "--yes",
            "--mock-latency",
            latency,
            "--parallelism",
            "2",
        ]);
        assert!(apply.status.success(), "{}", stderr(&apply));
        let destroy = s.run(&[
            "destroy",
            &stack,
            "--yes",
            "--mock-latency",
            latency,
            "--parallelism",
            "2",
        ]);
        assert!(destroy.status.success(), "{}", stderr(&destroy));
        let events = s.json(&["events", &stack]);
        let mut in_progress = std::collections::HashSet::new();
        let mut most = 0;
        let mut finished = 0;
        for e in events.as_array().expect("a list") {
            let (id, status) = (
                e["logical_id"].as_str().unwrap_or_default(),
                e["status"].as_str().unwrap_or_default(),
            );
            if id == stack {
                continue;
            }
            if status.ends_with("_IN_PROGRESS") {
                assert!(in_progress.insert(id.to_owned()), "{id} started twice");
                most = most.max(in_progress.len());
            } else {
                assert!(in_progress.remove(id), "{id} {status} before it started");
                finished += 1;
            }
        }
        assert!(in_progress.is_empty(), "{in_progress:?} never finished");
        assert_eq!(finished, 20, "ten created and ten deleted");
        assert!(most <= 2, "{most} resources in progress at once");
        if *latency != "0" {
            // While the first two wait for the cloud, both are in progress (without latency, whether two
            // overlap depends on how the two workers interleave).
            assert_eq!(most, 2, "independent resources run side by side");
        }
    }
}

/// Through the library: while another live operation holds a stack's lock, neither a create nor a change
/// set touches the stack; once the lock is released, both may proceed.
#[test]
fn a_locked_stack_refuses_creates_and_change_sets() {
    use cairn::engine::{Engine, Options, Silent};
    use cairn::state::{LockRecord, StateStore};

    let s = Sandbox::new("locked-lib");
    let plan = crate::planned::library_plan(TEN, "ten").expect("plans");
    let (store, cloud) = crate::planned::library_backend(&s.dir);
    let engine = Engine {
        store: &store,
        provider: &cloud,
        hook: &Silent,
    };
    // This test process is alive: its lock is not stale.
    store
        .lock(&LockRecord {
            stack_name: "ten".into(),
            operation_id: "other".into(),
            operation: "apply".into(),
            since: "2026-01-01T00:00:00.000Z".into(),
            pid: std::process::id(),
        })
        .unwrap();
    let options = Options {
        parallelism: 0,
        ..Options::default()
    };
    let refused = [
        engine.create_change_set(&plan, "cs", None).err(),
        engine.apply(&plan, &options).err(),
    ];
    for e in refused {
        let e = e.expect("refused while locked").to_string();
        assert!(e.contains("is locked by operation `other`"), "{e}");
    }
    assert!(store.stack("ten").unwrap().is_none(), "nothing was written");
    store.unlock("ten", "other").unwrap();
    engine.create_change_set(&plan, "cs", None).unwrap();
    let stack = store.stack("ten").unwrap().expect("in review");
    assert_eq!(stack.status.as_str(), "REVIEW_IN_PROGRESS");
    assert!(
        store.lock_of("ten").unwrap().is_none(),
        "the lock is released"
    );
}

#[test]
fn ssm_parameters_and_dynamic_references_apply_as_planned() {
    // A parameter of an SSM type, a dynamic reference in a property and in an output: the plan reads the
    // parameter store, the apply uses what the plan read (it ran out of values before: `no longer
    // evaluates`, or the output failed), the stack records the parameter's name and the value read.
    let s = Sandbox::new("ssm");
    let file = s.file(
        "ssm.yaml",
        "Parameters:\n  Name:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /app/name\nConditions:\n  Never: !Equals [!Ref Name, none]\nResources:\n  T:\n    Type: AWS::SNS::Topic\n    DeletionPolicy: !If [Never, Delete, Retain]\n    Properties:\n      DisplayName: !Ref Name\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags:\n        - {Key: from, Value: '{{resolve:ssm:/app/name}}'}\nOutputs:\n  Read:\n    Value: '{{resolve:ssm:/app/name}}'\n",
    );
    s.ok(&["mock", "ssm", "put", "/app/name", "first"]);
    s.apply("s", &file, &[]);
    assert_eq!(s.status("s"), "CREATE_COMPLETE");
    let properties = |id: &str| {
        let resources = s.json(&["resources", "s"]);
        let r = resources
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["logical_id"] == id);
        r.expect("recorded")["properties"].clone()
    };
    assert_eq!(properties("T")["DisplayName"], "first");
    assert_eq!(properties("Q")["Tags"][0]["Value"], "first");
    let stacks = s.json(&["stacks"]);
    let stack = &stacks.as_array().unwrap()[0];
    assert_eq!(stack["outputs"][0]["value"], "first");
    assert_eq!(
        stack["parameters"][0],
        serde_json::json!({"key": "Name", "value": "/app/name", "no_echo": false, "resolved": "first"})
    );
    // A new value in the store is a change to plan and apply, as CloudFormation reads it again.
    s.ok(&["mock", "ssm", "put", "/app/name", "second"]);
    let out = s.run(&["plan", "s", "-t", &file, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", output(&out));
    s.apply("s", &file, &[]);
    assert_eq!(s.status("s"), "UPDATE_COMPLETE");
    assert_eq!(properties("T")["DisplayName"], "second");
    // The destroy evaluates the DeletionPolicy with the parameter as deployed: T is kept.
    s.ok(&["destroy", "s", "--yes", "--mock-latency", "0"]);
    assert_eq!(s.status("s"), "DELETE_COMPLETE");
    assert_eq!(s.cloud_and_state("s").0.len(), 1, "the retained topic");
}
