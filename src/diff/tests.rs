//! The diff of small templates: impacts from the schema, dynamic values, cascades, orphans, masking.

use super::*;
use crate::evaluate::{Inputs, evaluate};

fn side(text: &str, params: &[(&str, &str)]) -> (serde_json::Value, Evaluated) {
    let mut sources = crate::source::SourceMap::new();
    let f = sources.add("t.yaml", text);
    let r = crate::source::load_text(f, text, crate::source::Format::Yaml, &Default::default());
    let doc = r.document.expect("a document");
    let (t, diags) = crate::template::lower(&doc, &sources);
    assert!(diags.is_empty(), "{diags:?}");
    let inputs = Inputs {
        parameters: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Inputs::default()
    };
    let e = evaluate(&t, &inputs).expect("evaluates");
    (crate::source::emit::to_serde(&doc.root), e)
}

fn run(a: &str, b: &str) -> TemplateDiff {
    run_with(a, &[], b, &[])
}

fn run_with(a: &str, ap: &[(&str, &str)], b: &str, bp: &[(&str, &str)]) -> TemplateDiff {
    let (aj, ae) = side(a, ap);
    let (bj, be) = side(b, bp);
    diff(
        &Side {
            label: "a",
            template: &aj,
            evaluated: &ae,
        },
        &Side {
            label: "b",
            template: &bj,
            evaluated: &be,
        },
    )
}

fn impacts(d: &TemplateDiff) -> Vec<(String, &'static str)> {
    d.resources
        .iter()
        .map(|r| (r.logical_id.clone(), r.impact.as_str()))
        .collect()
}

const BUCKET: &str =
    "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: one\n";

#[test]
fn equal_templates_are_equal_whatever_the_key_order() {
    let b = "Resources:\n  B:\n    Properties:\n      BucketName: one\n    Type: AWS::S3::Bucket\n";
    let d = run(BUCKET, b);
    assert!(d.equal, "{d:?}");
    assert_eq!(d.summary, Summary::default());
}

#[test]
fn a_create_only_change_replaces_and_an_ordinary_one_updates() {
    let b = BUCKET.replace("one", "two");
    let d = run(BUCKET, &b);
    assert_eq!(impacts(&d), [("B".to_owned(), "replace")]);
    let c = &d.resources[0].changes[0];
    assert_eq!(c.path, "/Properties/BucketName");
    assert_eq!(c.requires_recreation, "Always");
    assert_eq!(c.evaluation, Evaluation::Static);
    assert_eq!(d.sections[0].path, "/Resources/B/Properties/BucketName");

    let b = format!("{BUCKET}      VersioningConfiguration:\n        Status: Enabled\n");
    let d = run(BUCKET, &b);
    assert_eq!(impacts(&d), [("B".to_owned(), "update")]);
    assert_eq!(d.resources[0].changes[0].change, ChangeKind::Add);
}

#[test]
fn a_create_only_value_known_only_after_deployment_may_replace_and_cascades() {
    let a = "Resources:\n  T:\n    Type: AWS::SNS::Topic\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: fixed\n";
    let b = "Resources:\n  T:\n    Type: AWS::SNS::Topic\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !GetAtt T.TopicName\n";
    let d = run(a, b);
    assert_eq!(impacts(&d), [("B".to_owned(), "may replace")]);
    assert_eq!(d.resources[0].changes[0].evaluation, Evaluation::Dynamic);

    // A queue whose name changes is replaced; the topic policy naming its ARN changes with it.
    let q = |name: &str| {
        format!(
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: {name}\n  P:\n    Type: AWS::SQS::QueuePolicy\n    Properties:\n      Queues: [!Ref Q]\n      PolicyDocument: {{}}\n"
        )
    };
    let d = run(&q("one"), &q("two"));
    assert_eq!(
        impacts(&d),
        [("Q".to_owned(), "replace"), ("P".to_owned(), "update")]
    );
    let c = &d.resources[1].changes[0];
    assert_eq!(c.path, "/Properties/Queues");
    assert_eq!(c.caused_by.as_deref(), Some("Q"));
    assert_eq!(c.evaluation, Evaluation::Dynamic);
}

#[test]
fn removed_resources_are_destroyed_unless_retained() {
    let a = format!(
        "{BUCKET}  Logs:\n    Type: AWS::S3::Bucket\n    DeletionPolicy: Retain\n  T:\n    Type: AWS::SNS::Topic\n"
    );
    let b = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: one\n  Q:\n    Type: AWS::SQS::Queue\n";
    let d = run(&a, b);
    assert_eq!(
        impacts(&d),
        [
            ("Q".to_owned(), "create"),
            ("Logs".to_owned(), "orphan"),
            ("T".to_owned(), "destroy"),
        ]
    );
    assert_eq!(
        (d.summary.create, d.summary.orphan, d.summary.destroy),
        (1, 1, 1)
    );
}

#[test]
fn parameters_drive_impacts_and_no_echo_values_are_masked() {
    let t = "Parameters:\n  Name:\n    Type: String\n  Secret:\n    Type: String\n    NoEcho: true\nConditions:\n  Long: !Equals [!Ref Name, long]\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Name\n      Tags:\n        - Key: s\n          Value: !Ref Secret\n";
    let d = run_with(
        t,
        &[("Name", "short"), ("Secret", "hunter22")],
        t,
        &[("Name", "long"), ("Secret", "hunter33")],
    );
    assert!(d.sections.is_empty());
    assert_eq!(impacts(&d), [("Q".to_owned(), "replace")]);
    let names: Vec<&str> = d.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Name", "Secret"]);
    assert_eq!(d.parameters[1].after, Some(serde_json::json!("****")));
    assert_eq!(d.conditions[0].name, "Long");
    let text = serde_json::to_string(&d).expect("serializes");
    assert!(!text.contains("hunter"), "{text}");
}

#[test]
fn a_type_change_replaces() {
    let a = "Resources:\n  X:\n    Type: AWS::SNS::Topic\n";
    let b = "Resources:\n  X:\n    Type: AWS::SQS::Queue\n";
    let d = run(a, b);
    assert_eq!(impacts(&d), [("X".to_owned(), "replace")]);
    assert_eq!(d.resources[0].changes[0].path, "/Type");
}

#[test]
fn output_values_follow_parameters() {
    let t = "Parameters:\n  Env:\n    Type: String\nResources:\n  T:\n    Type: AWS::SNS::Topic\nOutputs:\n  Name:\n    Value: !Sub ${Env}-x\n  Topic:\n    Value: !Ref T\n";
    let d = run_with(t, &[("Env", "dev")], t, &[("Env", "prod")]);
    assert_eq!(d.outputs.len(), 1, "{:?}", d.outputs);
    assert_eq!(d.outputs[0].name, "Name");
    assert_eq!(d.outputs[0].before, Some(serde_json::json!("dev-x")));
    assert_eq!(d.outputs[0].after, Some(serde_json::json!("prod-x")));
    assert!(d.resources.is_empty());
}
