//! The desired stack's entries: resources and outputs with their conditions applied (entries whose
//! condition is false are dropped) and every attribute evaluated. Also refuses references to dropped
//! resources, as CloudFormation does. Ordering and dependency graphs are the `graph` stage's job.

use indexmap::IndexMap;

use crate::source::{Diagnostic, Span};
use crate::template::{Expr, Name};

use super::codes;
use super::intrinsics::{Eval, Evaluator};
use super::value::Value;

/// A resource as it will be created: properties with `AWS::NoValue` removed, attributes evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct EvaluatedResource {
    pub resource_type: String,
    /// A mapping (empty when the template gives no `Properties`).
    pub properties: Value,
    /// Explicit `DependsOn`, in source order. Dependencies through `Ref` and `Fn::GetAtt` are in
    /// `properties` as deferred values.
    pub depends_on: Vec<String>,
    /// The condition that kept this resource, if it has one.
    pub condition: Option<String>,
    pub deletion_policy: Option<String>,
    pub update_replace_policy: Option<String>,
    pub creation_policy: Option<Value>,
    pub update_policy: Option<Value>,
    pub metadata: Option<Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EvaluatedOutput {
    pub value: Value,
    pub export_name: Option<Value>,
    pub description: Option<String>,
}

impl Evaluator<'_> {
    /// Evaluates the resources whose condition holds (conditions must be evaluated already).
    pub fn evaluate_resources(
        &mut self,
        conditions: &IndexMap<String, bool>,
    ) -> IndexMap<String, EvaluatedResource> {
        let t = self.template;
        let mut out = IndexMap::new();
        for (name, r) in &t.resources {
            if !self.kept(r.condition.as_ref(), conditions) {
                continue;
            }
            if let Some(e) = self.evaluate_resource(r) {
                out.insert(name.clone(), e);
            }
        }
        out
    }

    /// Evaluates one resource's properties and attributes; `None` when an error was reported.
    pub fn evaluate_resource(
        &mut self,
        r: &crate::template::Resource,
    ) -> Option<EvaluatedResource> {
        let properties = match &r.properties {
            // `Properties: !If [C, {...}, !Ref AWS::NoValue]` leaves no properties at all.
            Some(p) => self
                .eval(p)
                .map(|v| v.unwrap_or_else(|| Value::Map(IndexMap::new()))),
            None => Ok(Value::Map(IndexMap::new())),
        };
        let deletion_policy = self.optional_text(r.deletion_policy.as_ref(), "`DeletionPolicy`");
        let update_replace_policy =
            self.optional_text(r.update_replace_policy.as_ref(), "`UpdateReplacePolicy`");
        let creation_policy = self.optional(r.creation_policy.as_ref());
        let update_policy = self.optional(r.update_policy.as_ref());
        let metadata = self.optional(r.metadata.as_ref());
        let (
            Ok(properties),
            Ok(deletion_policy),
            Ok(update_replace_policy),
            Ok(creation_policy),
            Ok(update_policy),
            Ok(metadata),
        ) = (
            properties,
            deletion_policy,
            update_replace_policy,
            creation_policy,
            update_policy,
            metadata,
        )
        else {
            return None;
        };
        Some(EvaluatedResource {
            resource_type: r
                .resource_type
                .as_ref()
                .map(|n| n.value.clone())
                .unwrap_or_default(),
            properties,
            depends_on: r.depends_on.iter().map(|d| d.value.clone()).collect(),
            condition: r.condition.as_ref().map(|c| c.value.clone()),
            deletion_policy,
            update_replace_policy,
            creation_policy,
            update_policy,
            metadata,
        })
    }

    /// Evaluates the outputs whose condition holds.
    pub fn evaluate_outputs(
        &mut self,
        conditions: &IndexMap<String, bool>,
    ) -> IndexMap<String, EvaluatedOutput> {
        let t = self.template;
        let mut out = IndexMap::new();
        for (name, o) in &t.outputs {
            if !self.kept(o.condition.as_ref(), conditions) {
                continue;
            }
            let value = match &o.value {
                Some(v) => self.value(v),
                None => Err(self.fail(
                    codes::NOT_EVALUABLE,
                    o.key_span,
                    format!("output `{name}` has no `Value`"),
                )),
            };
            let export_name = match &o.export_name {
                Some(e) => self.value(e).map(Some),
                None => Ok(None),
            };
            let description =
                self.optional_text(o.description.as_ref(), "the `Description` of an output");
            if let (Ok(value), Ok(export_name), Ok(description)) = (value, export_name, description)
            {
                out.insert(
                    name.clone(),
                    EvaluatedOutput {
                        value,
                        export_name,
                        description,
                    },
                );
            }
        }
        out
    }

    /// Refuses `DependsOn`, `Ref` and `Fn::GetAtt` to resources dropped by their condition, with
    /// CloudFormation's message.
    pub fn check_kept_references(
        &mut self,
        resources: &IndexMap<String, EvaluatedResource>,
        outputs: &IndexMap<String, EvaluatedOutput>,
    ) {
        let t = self.template;
        let dropped = |n: &str| t.resources.contains_key(n) && !resources.contains_key(n);
        for (name, r) in resources {
            let decl = &t.resources[name];
            let mut missing: Vec<&str> = Vec::new();
            let mut first_span: Option<Span> = None;
            for d in &decl.depends_on {
                if dropped(&d.value) && !missing.contains(&d.value.as_str()) {
                    missing.push(&d.value);
                    first_span.get_or_insert(d.span);
                }
            }
            for v in [&r.properties]
                .into_iter()
                .chain(r.metadata.as_ref())
                .chain(r.creation_policy.as_ref())
                .chain(r.update_policy.as_ref())
            {
                v.for_each_resource(&mut |n| {
                    if dropped(n) && !missing.contains(&n) {
                        missing.push(n);
                    }
                });
            }
            if !missing.is_empty() {
                let span = first_span.unwrap_or(decl.key_span);
                self.report(dropped_error(&missing, "Resources", span, name));
            }
        }
        for (name, o) in outputs {
            let mut missing: Vec<&str> = Vec::new();
            for v in [&o.value].into_iter().chain(o.export_name.as_ref()) {
                v.for_each_resource(&mut |n| {
                    if dropped(n) && !missing.contains(&n) {
                        missing.push(n);
                    }
                });
            }
            if !missing.is_empty() {
                let span = t.outputs[name].key_span;
                self.report(dropped_error(&missing, "Outputs", span, name));
            }
        }
    }

    fn kept(&mut self, condition: Option<&Name>, conditions: &IndexMap<String, bool>) -> bool {
        match condition {
            None => true,
            Some(c) => match conditions.get(&c.value) {
                Some(b) => *b,
                // Unknown or failed: report (once, for an unknown name) and drop.
                None => {
                    let _ = self.condition(c);
                    false
                }
            },
        }
    }

    fn optional(&mut self, e: Option<&Expr>) -> Eval<Option<Value>> {
        match e {
            Some(e) => self.eval(e),
            None => Ok(None),
        }
    }

    /// A resource's `DeletionPolicy` alone (its properties are not evaluated); `None` when it has none
    /// or it does not evaluate to text (an error is reported).
    pub fn deletion_policy(&mut self, r: &crate::template::Resource) -> Option<String> {
        self.optional_text(r.deletion_policy.as_ref(), "`DeletionPolicy`")
            .ok()
            .flatten()
    }

    fn optional_text(&mut self, e: Option<&Expr>, what: &str) -> Eval<Option<String>> {
        match e {
            Some(e) => match self.eval(e)? {
                Some(v) => self.text_of(e.span, &v, what).map(Some),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }
}

fn dropped_error(missing: &[&str], block: &str, span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        codes::EXCLUDED_RESOURCE,
        span,
        format!(
            "Unresolved resource dependencies [{}] in the {block} block of the template",
            missing.join(", ")
        ),
    )
    .with_note(format!(
        "`{name}` refers to resources whose condition is false, so they are not created"
    ))
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use super::super::test_support::{inputs, pointed, run, template};
    use super::super::value::Deferred;
    use super::*;

    const T: &str = "Parameters:\n  Env:\n    Type: String\n    Default: prod\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n  IsDev: !Not [!Condition IsProd]\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Condition: IsProd\n    DeletionPolicy: !If [IsProd, Retain, Delete]\n    Properties:\n      QueueName: !Sub '${Env}-queue'\n      DelaySeconds: !If [IsProd, 5, !Ref AWS::NoValue]\n  Topic:\n    Type: AWS::SNS::Topic\n    DependsOn: [Queue]\n    Properties:\n      Subscription: !If\n        - IsProd\n        - - Endpoint: !GetAtt Queue.Arn\n            Protocol: sqs\n        - !Ref AWS::NoValue\nOutputs:\n  QueueUrl:\n    Condition: IsProd\n    Value: !Ref Queue\n    Export:\n      Name: !Sub '${AWS::StackName}-queue'\n    Description: the queue\n  Env:\n    Value: !Ref Env\n";

    #[test]
    fn resources_and_outputs_with_conditions() {
        let e = run(T, &[]).unwrap();
        assert_eq!(e.resources.keys().collect::<Vec<_>>(), ["Queue", "Topic"]);
        let q = &e.resources["Queue"];
        assert_eq!(q.resource_type, "AWS::SQS::Queue");
        assert_eq!(q.deletion_policy.as_deref(), Some("Retain"));
        assert_eq!(q.condition.as_deref(), Some("IsProd"));
        let Value::Map(p) = &q.properties else {
            panic!()
        };
        assert_eq!(p["QueueName"], Value::string("prod-queue"));
        assert_eq!(p["DelaySeconds"], Value::Number("5".into()));
        assert_eq!(e.resources["Topic"].depends_on, ["Queue"]);
        let o = &e.outputs["QueueUrl"];
        assert_eq!(o.value, Value::Deferred(Deferred::Ref("Queue".into())));
        assert_eq!(o.export_name, Some(Value::string("cairn-stack-queue")));
        assert_eq!(o.description.as_deref(), Some("the queue"));
    }

    #[test]
    fn false_conditions_drop_entries_and_if_branches() {
        let text = T.replace("    DependsOn: [Queue]\n", "");
        let e = run(&text, &[("Env", "dev")]).unwrap();
        assert_eq!(e.resources.keys().collect::<Vec<_>>(), ["Topic"]);
        assert_eq!(e.resources["Topic"].properties, Value::Map(IndexMap::new()));
        assert_eq!(e.outputs.keys().collect::<Vec<_>>(), ["Env"]);
        assert!(e.conditions["IsDev"]);
    }

    #[test]
    fn depends_on_a_dropped_resource_is_an_error() {
        let (t, src) = template(T);
        let e = evaluate(&t, &inputs(&[("Env", "dev")])).unwrap_err();
        assert_eq!(
            e[0].message,
            "Unresolved resource dependencies [Queue] in the Resources block of the template"
        );
        assert_eq!(pointed(&src, &e[0]), "Queue");
    }

    #[test]
    fn ref_to_a_dropped_resource_is_an_error() {
        let text = "Conditions:\n  No: !Equals [a, b]\nResources:\n  A:\n    Type: AWS::SNS::Topic\n    Condition: No\n  B:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !GetAtt A.TopicName\nOutputs:\n  O:\n    Value: !Ref A\n";
        let e = run(text, &[]).unwrap_err();
        let messages: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Unresolved resource dependencies [A] in the Resources block of the template",
                "Unresolved resource dependencies [A] in the Outputs block of the template"
            ]
        );
    }
}
