//! Drift of a recorded stack against a fake cloud: each status, and masking of `NoEcho` values.

use std::collections::HashMap;

use serde_json::json;

use super::*;
use crate::provider::{CreateRequest, DeleteRequest, ResourceState, UpdateRequest};
use crate::state::{ParameterRecord, StackStatus};

/// A cloud that only reads: physical id → properties.
struct Fake(HashMap<String, serde_json::Value>);

impl Provider for Fake {
    fn create(&self, _: &CreateRequest) -> crate::provider::Result<ResourceState> {
        unreachable!("drift only reads")
    }
    fn read(&self, ty: &str, id: &str) -> crate::provider::Result<Option<ResourceState>> {
        Ok(self.0.get(id).map(|p| ResourceState {
            physical_id: id.to_owned(),
            resource_type: ty.to_owned(),
            properties: p.clone(),
            attributes: Default::default(),
            ref_value: id.to_owned(),
        }))
    }
    fn update(&self, _: &UpdateRequest) -> crate::provider::Result<ResourceState> {
        unreachable!("drift only reads")
    }
    fn delete(&self, _: &DeleteRequest) -> crate::provider::Result<()> {
        unreachable!("drift only reads")
    }
    fn find_by_token(&self, _: &str) -> crate::provider::Result<Option<ResourceState>> {
        Ok(None)
    }
}

fn stack() -> StackRecord {
    StackRecord {
        name: "s".into(),
        id: "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1".into(),
        region: "us-east-1".into(),
        status: StackStatus::CREATE_COMPLETE,
        status_reason: None,
        template: "{}".into(),
        parameters: vec![ParameterRecord {
            key: "Secret".into(),
            value: "hunter22".into(),
            no_echo: true,
            resolved: None,
        }],
        outputs: Vec::new(),
        tags: Default::default(),
        imports: Vec::new(),
        lineage: "l".into(),
        serial: 1,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

fn record(
    id: &str,
    ty: &str,
    physical: Option<&str>,
    properties: serde_json::Value,
) -> ResourceRecord {
    ResourceRecord {
        logical_id: id.into(),
        resource_type: ty.into(),
        physical_id: physical.map(str::to_owned),
        token: None,
        properties,
        attributes: json!({}),
        status: ResourceStatus::CREATE_COMPLETE,
        status_reason: None,
        ref_value: None,
        pending: Vec::new(),
    }
}

#[test]
fn each_status_and_the_stack_status() {
    let cloud = Fake(HashMap::from([
        ("q1".to_owned(), json!({"DelaySeconds": 5, "Extra": 1})),
        ("q2".to_owned(), json!({"DelaySeconds": 6})),
    ]));
    let resources = [
        record(
            "Same",
            "AWS::SQS::Queue",
            Some("q1"),
            json!({"DelaySeconds": "5"}),
        ),
        record(
            "Changed",
            "AWS::SQS::Queue",
            Some("q2"),
            json!({"DelaySeconds": 5}),
        ),
        record("Gone", "AWS::SQS::Queue", Some("q3"), json!({})),
        record("Never", "AWS::SQS::Queue", None, json!({})),
    ];
    let d = detect(&stack(), &resources, &cloud);
    let statuses: Vec<&str> = d
        .stack_resource_drifts
        .iter()
        .map(|r| r.stack_resource_drift_status.as_str())
        .collect();
    assert_eq!(statuses, ["IN_SYNC", "MODIFIED", "DELETED", "NOT_CHECKED"]);
    assert_eq!(d.stack_drift_status, StackDriftStatus::DRIFTED);
    assert_eq!(d.drifted_stack_resource_count, 2);
    assert_eq!(
        d.stack_resource_drifts[0].actual_properties.as_deref(),
        Some(r#"{"DelaySeconds":5}"#),
        "only the properties the template set are shown"
    );
}

#[test]
fn no_echo_values_are_compared_but_not_shown() {
    let cloud = Fake(HashMap::from([(
        "t".to_owned(),
        json!({"DisplayName": "hunter23"}),
    )]));
    let resources = [record(
        "Topic",
        "AWS::SNS::Topic",
        Some("t"),
        json!({"DisplayName": "hunter22"}),
    )];
    let d = detect(&stack(), &resources, &cloud);
    let r = &d.stack_resource_drifts[0];
    assert_eq!(r.stack_resource_drift_status, ResourceDriftStatus::MODIFIED);
    assert_eq!(r.property_differences[0].expected_value, "****");
    assert_eq!(r.property_differences[0].actual_value, "hunter23");
    assert_eq!(
        r.expected_properties.as_deref(),
        Some(r#"{"DisplayName":"****"}"#)
    );
}

#[test]
fn resources_come_in_template_order() {
    let mut s = stack();
    s.template = r#"{"Resources": {"B": {}, "A": {}}}"#.into();
    let cloud = Fake(HashMap::new());
    let resources = [
        record("Z", "AWS::SQS::Queue", None, json!({})),
        record("A", "AWS::SQS::Queue", None, json!({})),
        record("B", "AWS::SQS::Queue", None, json!({})),
    ];
    let d = detect(&s, &resources, &cloud);
    let ids: Vec<&str> = d
        .stack_resource_drifts
        .iter()
        .map(|r| r.logical_resource_id.as_str())
        .collect();
    assert_eq!(ids, ["B", "A", "Z"]);
}
