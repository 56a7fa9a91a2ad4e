//! `cairn diff` through the binary: snapshots of the text and JSON output for each kind of change
//! (in place, replacement, may-replace, added and removed resources, a retained orphan, section changes),
//! file against deployed stack, equal templates, and the exit codes with and without `--fail`.

use crate::sandbox::Sandbox;

const BASE: &str = "tests/fixtures/diff/base.yaml";

fn diff(args: &[&str]) -> (String, i32) {
    let sandbox = Sandbox::new("files");
    let mut a = vec!["diff"];
    a.extend_from_slice(args);
    let out = sandbox.run(&a);
    assert!(
        out.stderr.is_empty(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (crate::stdout(&out), out.status.code().unwrap_or(-1))
}

fn fixture(name: &str) -> String {
    format!("tests/fixtures/diff/{name}.yaml")
}

/// The text and the JSON output of `cairn diff base.yaml NAME.yaml`, snapshotted.
fn snapshot_both(name: &str) {
    let b = fixture(name);
    let (text, code) = diff(&[BASE, &b]);
    assert_eq!(code, 0, "without --fail a diff exits 0");
    insta::assert_snapshot!(format!("{name}.text"), text);
    let (json, _) = diff(&["--output", "json", BASE, &b]);
    insta::assert_snapshot!(format!("{name}.json"), json);
}

#[test]
fn in_place_change() {
    snapshot_both("in-place");
}

#[test]
fn replacement_and_its_cascade() {
    snapshot_both("replace");
}

#[test]
fn a_value_known_only_after_deployment_may_replace() {
    snapshot_both("may-replace");
}

#[test]
fn added_removed_and_orphaned_resources_and_section_changes() {
    snapshot_both("add-remove");
}

#[test]
fn parameter_values_for_one_side() {
    let (text, code) = diff(&[BASE, BASE, "--b-param", "Env=prod", "--fail"]);
    assert_eq!(code, 1, "--fail exits 1 when the sides differ");
    insta::assert_snapshot!("b-param.text", text);
    // `-p` applies to both file sides: no difference.
    let (text, code) = diff(&[BASE, BASE, "-p", "Env=prod", "--fail"]);
    assert_eq!(code, 0);
    assert!(text.contains("No differences."), "{text}");
}

#[test]
fn equal_templates_exit_0_even_with_fail() {
    let (text, code) = diff(&[BASE, BASE, "--fail"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("equal.text", text);
    let (json, _) = diff(&["--output", "json", BASE, BASE]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["equal"], true);
    assert_eq!(v["resources"], serde_json::json!([]));
}

#[test]
fn a_file_against_a_deployed_stack() {
    let s = Sandbox::new("stack");
    s.apply("app", BASE, &["-p", "Env=prod"]);
    // The stack was deployed with Env=prod: the same file with its default (dev) replaces the queue.
    let out = s.run(&["diff", "stack:app", BASE, "--fail"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("stack-vs-file.text", crate::stdout(&out));
    // With the deployed value for the file side, nothing differs.
    let out = s.run(&["diff", "stack:app", BASE, "--b-param", "Env=prod", "--fail"]);
    assert_eq!(out.status.code(), Some(0), "{}", crate::stdout(&out));
    // Two stacks.
    s.apply("other", &fixture("in-place"), &[]);
    let v = s.json(&["diff", "stack:app", "stack:other"]);
    assert_eq!(v["a"], "stack:app");
    assert_eq!(v["parameters"][0]["name"], "Env");
    assert_eq!(v["summary"]["replace"], 3, "{v}");
}

#[test]
fn a_missing_stack_is_an_error() {
    let s = Sandbox::new("missing");
    let out = s.run(&["diff", "stack:nope", BASE]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: stack `nope` does not exist\n"
    );
}
