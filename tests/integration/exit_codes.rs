//! Each exit code, pinned by one process-level test.

use crate::Cairn;

#[test]
fn exit_0_when_valid() {
    let out = Cairn::new()
        .args(["validate", "templates/web-bucket.yaml"])
        .run();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn exit_0_with_warnings_only() {
    let out = Cairn::new()
        .args([
            "validate",
            "tests/fixtures/validate/bad/transform_pending.yaml",
        ])
        .run();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn exit_1_on_errors() {
    let out = Cairn::new()
        .args(["validate", "tests/fixtures/validate/bad/references.yaml"])
        .run();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn exit_1_on_a_missing_file_naming_it() {
    let out = Cairn::new()
        .args(["validate", "no/such/template.yaml"])
        .run();
    assert_eq!(out.status.code(), Some(1));
    assert!(crate::stdout(&out).contains("cannot read `no/such/template.yaml`: no such file"));
}

#[test]
fn exit_1_on_a_directory() {
    let out = Cairn::new().args(["validate", "tests"]).run();
    assert_eq!(out.status.code(), Some(1));
    assert!(crate::stdout(&out).contains("`tests` is a directory"));
}

#[test]
fn exit_64_on_usage_errors() {
    assert_eq!(Cairn::new().arg("validate").run().status.code(), Some(64));
    assert_eq!(Cairn::new().arg("frobnicate").run().status.code(), Some(64));
    assert_eq!(
        Cairn::new()
            .args(["validate", "--output", "xml", "x.yaml"])
            .run()
            .status
            .code(),
        Some(64)
    );
}

#[test]
fn exit_0_for_help_and_version() {
    assert_eq!(Cairn::new().arg("--help").run().status.code(), Some(0));
    assert_eq!(Cairn::new().arg("--version").run().status.code(), Some(0));
}

#[test]
fn exit_3_when_a_stack_drifted() {
    let s = crate::sandbox::Sandbox::new("exit-3");
    s.apply("s", "tests/fixtures/diff/drift.yaml", &[]);
    assert_eq!(s.run(&["drift", "s"]).status.code(), Some(0));
    let resources = s.json(&["resources", "s"]);
    let queue = resources
        .as_array()
        .expect("a list")
        .iter()
        .find(|r| r["logical_id"] == "Queue")
        .and_then(|r| r["physical_id"].as_str())
        .expect("an id");
    s.ok(&["mock", "delete", queue]);
    assert_eq!(s.run(&["drift", "s"]).status.code(), Some(3));
}
