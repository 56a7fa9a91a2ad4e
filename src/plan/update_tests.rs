//! Unit tests of update plans: a stack "deployed" by evaluating a template with made-up physical ids and
//! attributes, then planned against a new template.

use std::collections::BTreeMap;

use crate::evaluate::{self, Context, Inputs, KnownResource};
use crate::source::{Document, Format, SourceMap, emit, load_text};
use crate::state::{
    ExportRecord, OutputRecord, ResourceRecord, ResourceStatus, StackRecord, StackStatus,
};
use crate::template::Template;

use super::{Action, CreateInputs, Plan, StepAction, UpdateInputs, codes, plan_update};

struct Loaded {
    sources: SourceMap,
    doc: Document,
    template: std::sync::Arc<Template>,
}

fn load(text: &str) -> Loaded {
    let mut sources = SourceMap::new();
    let f = sources.add("t.yaml", text);
    let doc = load_text(f, text, Format::Yaml, &Default::default())
        .document
        .expect("loads");
    let (template, diags) = crate::template::lower(&doc, &sources);
    assert!(diags.is_empty(), "{diags:?}");
    Loaded {
        sources,
        doc,
        template: std::sync::Arc::new(template),
    }
}

fn inputs(parameters: &[(&str, &str)]) -> Inputs {
    Inputs {
        parameters: parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        context: Context {
            stack_name: "s".into(),
            ..Context::default()
        },
        ..Inputs::default()
    }
}

/// The stack as if `text` had been applied with `parameters`: physical id `<id>-1`, every attribute
/// `<id>.<attribute>`.
fn deployed(text: &str, parameters: &[(&str, &str)]) -> (StackRecord, Vec<ResourceRecord>) {
    let l = load(text);
    let mut inputs = inputs(parameters);
    let evaluated = evaluate::evaluate(&l.template, &inputs).expect("evaluates");
    let prepared = evaluate::prepare(&l.template, &inputs).expect("prepares");
    let graph = crate::graph::build(&l.template, &prepared.conditions);
    let mut records = Vec::new();
    for id in graph.waves().expect("no cycle").into_iter().flatten() {
        let r = prepared
            .resource(&l.template, &inputs, &id)
            .expect("resource");
        let attributes: serde_json::Map<String, serde_json::Value> =
            crate::spec::resource_type(&r.resource_type)
                .map(|t| {
                    t.attributes()
                        .keys()
                        .map(|a| (a.clone(), format!("{id}.{a}").into()))
                        .collect()
                })
                .unwrap_or_default();
        let attributes = serde_json::Value::Object(attributes);
        inputs.known.resources.insert(
            id.clone(),
            KnownResource::recorded(&format!("{id}-1"), &attributes),
        );
        records.push(ResourceRecord {
            logical_id: id.clone(),
            resource_type: r.resource_type.clone(),
            physical_id: Some(format!("{id}-1")),
            token: None,
            properties: r.properties.to_serde(),
            attributes,
            status: ResourceStatus::CREATE_COMPLETE,
            status_reason: None,
            ref_value: None,
            pending: Vec::new(),
        });
    }
    let outputs = prepared
        .outputs(&l.template, &inputs)
        .expect("outputs")
        .into_iter()
        .map(|(k, o)| OutputRecord {
            key: k,
            value: o.value.to_serde(),
            description: o.description,
            export_name: o.export_name.map(|e| e.to_string()),
        })
        .collect();
    let stack = StackRecord {
        name: "s".into(),
        id: "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1".into(),
        region: "us-east-1".into(),
        status: StackStatus::CREATE_COMPLETE,
        status_reason: None,
        template: emit::to_serde(&l.doc.root).to_string(),
        parameters: super::create::parameter_records(&evaluated),
        outputs,
        tags: BTreeMap::new(),
        imports: Vec::new(),
        lineage: "l".into(),
        serial: 3,
        created_at: String::new(),
        updated_at: String::new(),
    };
    (stack, records)
}

/// Plans `old` (applied with `old_parameters`) to `new` with `parameters`.
fn plan(
    old: &str,
    new: &str,
    parameters: &[(&str, &str)],
    imported: &[(String, String)],
    exists: Option<super::create::Exists<'_>>,
) -> Result<Plan, Vec<crate::source::Diagnostic>> {
    let (stack, records) = deployed(old, &[]);
    let l = load(new);
    let inputs = inputs(parameters);
    let exports: Vec<ExportRecord> = Vec::new();
    let c = CreateInputs {
        stack_name: "s",
        document: &l.doc,
        template: &l.template,
        sources: &l.sources,
        inputs: &inputs,
        exports: &exports,
        exists,
    };
    plan_update(&UpdateInputs {
        stack: &stack,
        resources: &records,
        new: &c,
        imported,
    })
}

const BASE: &str = "Parameters:
  Secret: {Type: String, NoEcho: true, Default: a}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      DelaySeconds: 5
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !GetAtt Queue.Arn
  Param:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: !Ref Secret
Outputs:
  QueueArn:
    Value: !GetAtt Queue.Arn
    Export: {Name: queue-arn}
";

#[test]
fn the_same_template_changes_nothing() {
    let p = plan(BASE, BASE, &[], &[], None).expect("plans");
    assert!(!p.has_changes(), "{:?}", p.changes);
    assert!(p.steps.is_empty() && p.cleanup.is_empty());
}

#[test]
fn an_in_place_change_leaves_dependents_alone_when_their_inputs_are_known() {
    let p = plan(
        BASE,
        &BASE.replace("DelaySeconds: 5", "DelaySeconds: 6"),
        &[],
        &[],
        None,
    )
    .expect("plans");
    // The queue changes in place; the topic reads the queue's Arn, which may change: a dynamic Modify.
    assert_eq!(p.changes.len(), 2);
    assert_eq!(p.changes[0].logical_resource_id, "Queue");
    assert_eq!(p.changes[0].replacement.as_deref(), Some("False"));
    let topic = &p.changes[1];
    assert_eq!(topic.details[0].evaluation, "Dynamic");
    assert_eq!(topic.details[0].change_source, "ResourceAttribute");
    assert_eq!(
        topic.details[0].causing_entity.as_deref(),
        Some("Queue.Arn")
    );
    assert_eq!(p.steps[1].after, ["Queue"]);
}

#[test]
fn no_echo_values_are_masked_in_details() {
    let p = plan(BASE, BASE, &[("Secret", "b")], &[], None).expect("plans");
    let d = &p.changes[0].details;
    assert_eq!(p.changes[0].logical_resource_id, "Param");
    assert_eq!(d[0].target.before_value, Some("****".into()));
    assert_eq!(d[0].target.after_value, Some("****".into()));
    assert_eq!(d[1].causing_entity.as_deref(), Some("Secret"));
}

#[test]
fn metadata_and_policies_are_scopes_of_their_own() {
    let new = BASE.replace(
        "  Topic:\n    Type: AWS::SNS::Topic\n",
        "  Topic:\n    Type: AWS::SNS::Topic\n    DeletionPolicy: Retain\n    Metadata: {Owner: me}\n",
    );
    let p = plan(BASE, &new, &[], &[], None).expect("plans");
    let topic = &p.changes[0];
    assert_eq!(topic.scope, ["Metadata", "DeletionPolicy"]);
    assert_eq!(topic.replacement.as_deref(), Some("False"));
    assert_eq!(p.steps[0].action, StepAction::Update);
}

#[test]
fn a_removed_resource_is_deleted_in_the_cleanup_phase_by_its_policy() {
    let old = BASE.replace(
        "  Param:\n    Type: AWS::SSM::Parameter\n",
        "  Param:\n    Type: AWS::SSM::Parameter\n    DeletionPolicy: Retain\n",
    );
    let new = old.replace(
        "  Param:\n    Type: AWS::SSM::Parameter\n    DeletionPolicy: Retain\n    Properties:\n      Type: String\n      Value: !Ref Secret\n",
        "",
    );
    let p = plan(&old, &new, &[], &[], None).expect("plans");
    assert_eq!(p.changes[0].action, Action::Remove);
    assert_eq!(p.changes[0].policy_action.as_deref(), Some("Retain"));
    assert_eq!(p.cleanup[0].action, StepAction::Retain);
}

#[test]
fn predicted_failures_are_errors_at_the_resource() {
    // A new type for the same logical id.
    let new = BASE.replace("Type: AWS::SNS::Topic", "Type: AWS::SQS::Queue");
    let e = plan(BASE, &new, &[], &[], None).expect_err("refused");
    assert_eq!(e[0].code, codes::TYPE_CHANGED);
    // An export another stack imports may not change.
    let imported = [("queue-arn".to_owned(), "consumer".to_owned())];
    let new = BASE.replace(
        "      DelaySeconds: 5\n",
        "      DelaySeconds: 5\n      FifoQueue: true\n",
    );
    let e = plan(BASE, &new, &[], &imported, None).expect_err("refused");
    assert_eq!(e[0].code, codes::EXPORT_IN_USE);
    assert!(
        e[0].message
            .contains("Cannot update export queue-arn as it is in use by consumer")
    );
    let new = BASE.replace("    Export: {Name: queue-arn}\n", "");
    let e = plan(BASE, &new, &[], &imported, None).expect_err("refused");
    assert!(e[0].message.contains("Cannot delete export queue-arn"));
    // A new name the account already has.
    let new = BASE.replace(
        "      DelaySeconds: 5\n",
        "      DelaySeconds: 5\n      QueueName: taken\n",
    );
    let exists = |_: &str, name: &str| name == "taken";
    let e = plan(BASE, &new, &[], &[], Some(&exists)).expect_err("refused");
    assert_eq!(e[0].code, codes::NAME_TAKEN);
    assert_eq!(e[0].message, "taken already exists");
}

#[test]
fn a_condition_turning_false_removes_and_true_adds() {
    let text = "Parameters:
  On: {Type: String, Default: 'yes'}
Conditions:
  Yes: !Equals [!Ref On, 'yes']
  No: !Not [!Condition Yes]
Resources:
  A:
    Type: AWS::SNS::Topic
    Condition: Yes
  B:
    Type: AWS::SNS::Topic
    Condition: No
";
    let p = plan(text, text, &[("On", "no")], &[], None).expect("plans");
    let actions: Vec<(Action, &str)> = p
        .changes
        .iter()
        .map(|c| (c.action, c.logical_resource_id.as_str()))
        .collect();
    assert_eq!(actions, [(Action::Add, "B"), (Action::Remove, "A")]);
}
