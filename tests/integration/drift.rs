//! `cairn drift` through the binary: a stack in sync, a property changed behind Cairn's back with
//! `cairn mock set`, a resource deleted with `cairn mock delete`, a write-only property and a property
//! the cloud adds that are not drift, and the exit codes (0 in sync, 3 drifted).

use crate::sandbox::Sandbox;

const TEMPLATE: &str = "tests/fixtures/diff/drift.yaml";

/// A deployed stack `s` and the physical ids of its bucket and queue.
fn deployed(name: &str) -> (Sandbox, String, String) {
    let s = Sandbox::new(name);
    s.apply("s", TEMPLATE, &[]);
    let resources = s.json(&["resources", "s"]);
    let id = |logical: &str| {
        resources
            .as_array()
            .expect("a list")
            .iter()
            .find(|r| r["logical_id"] == logical)
            .and_then(|r| r["physical_id"].as_str())
            .expect("a physical id")
            .to_owned()
    };
    let (bucket, queue) = (id("Bucket"), id("Queue"));
    (s, bucket, queue)
}

/// The output with the run's random ids replaced by stable names.
fn stable(s: &Sandbox, text: &str, ids: &[(&str, &str)]) -> String {
    let stack = s.json(&["stacks"]);
    let stack_id = stack[0]["id"].as_str().expect("a stack id");
    let mut text = text.replace(stack_id, "[stack-id]");
    for (id, name) in ids {
        text = text.replace(id, name);
    }
    text
}

#[test]
fn a_fresh_stack_is_in_sync() {
    let (s, bucket, queue) = deployed("in-sync");
    let out = s.run(&["drift", "s"]);
    assert_eq!(out.status.code(), Some(0));
    let ids = [(bucket.as_str(), "[bucket]"), (queue.as_str(), "[queue]")];
    insta::assert_snapshot!("in-sync.text", stable(&s, &crate::stdout(&out), &ids));
}

#[test]
fn a_property_changed_behind_cairns_back_is_modified() {
    let (s, bucket, queue) = deployed("modified");
    s.ok(&["mock", "set", &queue, "DelaySeconds", "9"]);
    s.ok(&["mock", "set", &queue, "VisibilityTimeout", "null"]);
    s.ok(&[
        "mock",
        "set",
        &bucket,
        "Tags.1",
        r#"{"Key": "owner", "Value": "ops"}"#,
    ]);
    let out = s.run(&["drift", "s"]);
    assert_eq!(out.status.code(), Some(3), "a drifted stack exits 3");
    let ids = [(bucket.as_str(), "[bucket]"), (queue.as_str(), "[queue]")];
    insta::assert_snapshot!("modified.text", stable(&s, &crate::stdout(&out), &ids));
    let out = s.run(&["--output", "json", "drift", "s"]);
    assert_eq!(out.status.code(), Some(3));
    insta::assert_snapshot!("modified.json", stable(&s, &crate::stdout(&out), &ids));
}

#[test]
fn a_resource_deleted_behind_cairns_back_is_deleted() {
    let (s, bucket, queue) = deployed("deleted");
    s.ok(&["mock", "delete", &queue]);
    let out = s.run(&["--output", "json", "drift", "s"]);
    assert_eq!(out.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["StackDriftStatus"], "DRIFTED");
    assert_eq!(v["DriftedStackResourceCount"], 1);
    let drifts = &v["StackResourceDrifts"];
    assert_eq!(drifts[0]["LogicalResourceId"], "Bucket");
    assert_eq!(drifts[0]["PhysicalResourceId"], bucket.as_str());
    assert_eq!(drifts[0]["StackResourceDriftStatus"], "IN_SYNC");
    assert_eq!(drifts[1]["StackResourceDriftStatus"], "DELETED");
    assert!(drifts[1].get("ActualProperties").is_none(), "{v}");
}

#[test]
fn write_only_properties_and_values_the_cloud_adds_are_not_drift() {
    let (s, bucket, queue) = deployed("ignored");
    // `AccessControl` is write-only in the bucket's schema: a real cloud never returns it.
    s.ok(&["mock", "set", &bucket, "AccessControl", "PublicRead"]);
    // Properties the template never set.
    s.ok(&[
        "mock",
        "set",
        &bucket,
        "VersioningConfiguration",
        r#"{"Status": "Enabled"}"#,
    ]);
    s.ok(&["mock", "set", &queue, "MaximumMessageSize", "1024"]);
    let out = s.run(&["--output", "json", "drift", "s"]);
    assert_eq!(out.status.code(), Some(0), "{}", crate::stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["StackDriftStatus"], "IN_SYNC");
    let expected = v["StackResourceDrifts"][0]["ExpectedProperties"]
        .as_str()
        .expect("text");
    assert_eq!(expected, r#"{"Tags":[{"Key":"team","Value":"data"}]}"#);
}

#[test]
fn a_missing_stack_is_an_error() {
    let s = Sandbox::new("drift-missing");
    let out = s.run(&["drift", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: stack `nope` does not exist\n"
    );
}

#[test]
fn a_type_without_a_schema_is_not_checked() {
    let s = Sandbox::new("not-checked");
    s.apply("c", "tests/fixtures/diff/custom.yaml", &[]);
    let out = s.run(&["--output", "json", "drift", "c"]);
    assert_eq!(out.status.code(), Some(0), "not checked is not drift");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["StackDriftStatus"], "IN_SYNC");
    let thing = &v["StackResourceDrifts"][1];
    assert_eq!(thing["LogicalResourceId"], "Thing");
    assert_eq!(thing["StackResourceDriftStatus"], "NOT_CHECKED");
    assert_eq!(
        thing["DriftStatusReason"],
        "resource type `Custom::Thing` has no schema: drift cannot be detected"
    );
}
