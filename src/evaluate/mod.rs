//! Stage `evaluate`: given a [`Template`] and parameter values, computes what CloudFormation would: the
//! parameters' values, every condition, and each resource and output with its intrinsic functions
//! resolved. What only exists once resources are created (`Ref` to a resource, `Fn::GetAtt`,
//! `Fn::ImportValue`, and `Fn::Sub`/`Fn::Join`/... over them) stays a typed [`Deferred`] placeholder.
//! This stage never talks to a cloud, never orders resources (that is `graph`) and never renders.
//!
//! Diagnostics of this stage:
//!
//! | code | meaning |
//! | --- | --- |
//! | `E5001` | parameters without a value and without a `Default` |
//! | `E5002` | parameter values given for names the template does not declare |
//! | `E5003` | a parameter value that violates its type or constraints |
//! | `E5004` | an SSM parameter (a parameter type or `{{resolve:ssm:...}}`) missing from the store |
//! | `E5005` | a name that resolves to nothing (Ref, Sub variable, GetAtt resource, condition) |
//! | `E5006` | a function argument of the wrong kind (a list where a string is expected...) |
//! | `E5007` | `Fn::Select` with an index outside the list |
//! | `E5008` | `Fn::Split` with an empty delimiter |
//! | `E5009` | `Fn::FindInMap` on a missing mapping or key, without `DefaultValue` |
//! | `E5010` | `Fn::Cidr` with a bad block, count or bit size |
//! | `E5011` | `Ref AWS::NoValue` where a value is required |
//! | `E5012` | a value needed before resources exist (a condition, an import name) depends on one |
//! | `E5013` | a construct not evaluated by this version (`Fn::Transform`, `Fn::ForEach`, a malformed call) |
//! | `E5014` | a rule assertion that is false (the message is its `AssertDescription`) |
//! | `E5015` | `Fn::ValueOf` / `Fn::ValueOfAll`: attributes that only a provider could read |
//! | `E5016` | `DependsOn`, `Ref` or `Fn::GetAtt` to a resource whose condition is false |
//! | `E5017` | a parameter file in neither the aws cli format nor a plain map |
//!
//! Condition cycles, normally rejected by `check`, are reported with `check`'s own code (`E3005`).

mod aws_types;
mod cidr;
pub mod codes;
mod conditions;
mod constraints;
mod functions;
mod inputs;
mod intrinsics;
mod json;
mod lists;
mod parameters;
mod pseudo;
mod resolved;
mod resources;
mod rules;
mod sub;
#[cfg(test)]
mod test_support;
mod value;

use indexmap::IndexMap;

use crate::source::Diagnostic;
use crate::template::Template;

pub use cidr::subnets as cidr_subnets;
pub use conditions::equal;
pub use inputs::{parse_assignment, read_parameter_file};
pub use parameters::{MASK, ResolvedParameters};
pub use pseudo::{Context, Pseudo, partition};
pub use resolved::resolved_document;
pub use resources::{EvaluatedOutput, EvaluatedResource};
pub use value::{Deferred, Value};

/// What a stack is evaluated with.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inputs {
    /// Parameter values by name, as text (lists comma-separated), as CloudFormation receives them.
    pub parameters: IndexMap<String, String>,
    pub context: Context,
    /// The SSM parameter store: name → value, read by SSM parameter types and `{{resolve:ssm:...}}`.
    pub ssm: IndexMap<String, String>,
    /// Resources that exist already and the exports that can be imported (for apply); empty at plan time.
    pub known: Known,
    /// Show `NoEcho` parameters as `****` wherever their values reach resources and outputs (for
    /// output meant for people). Rules and conditions still see the real values.
    pub mask_no_echo: bool,
}

/// What exists when a stack is applied: created resources (their `Ref` value and attributes) and the
/// region's exports. Evaluating with them turns deferred values concrete.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Known {
    pub resources: IndexMap<String, KnownResource>,
    /// `None`: imports stay deferred (`Fn::ImportValue`); `Some`: they resolve, or fail as
    /// CloudFormation does when the export does not exist.
    pub exports: Option<IndexMap<String, String>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct KnownResource {
    pub ref_value: String,
    pub attributes: IndexMap<String, Value>,
    /// The resource exists but is about to change in place: `Ref` is known, its attributes are not
    /// (`Fn::GetAtt` stays deferred).
    pub attributes_pending: bool,
}

impl KnownResource {
    /// What a stored resource is known to be: its `Ref` value and recorded attributes.
    pub fn recorded(ref_value: &str, attributes: &serde_json::Value) -> KnownResource {
        KnownResource {
            ref_value: ref_value.to_owned(),
            attributes: match attributes {
                serde_json::Value::Object(m) => m
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from_serde(v)))
                    .collect(),
                _ => IndexMap::new(),
            },
            attributes_pending: false,
        }
    }
}

/// The desired stack: everything a template yields for given inputs, before any resource exists.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluated {
    pub parameters: ResolvedParameters,
    /// Every condition, in declaration order.
    pub conditions: IndexMap<String, bool>,
    /// Resources whose condition holds, in template order.
    pub resources: IndexMap<String, EvaluatedResource>,
    /// Outputs whose condition holds, in template order.
    pub outputs: IndexMap<String, EvaluatedOutput>,
    /// Export names the stack imports with `Fn::ImportValue`.
    pub imports: Vec<String>,
    /// The SSM parameters read (by `AWS::SSM::Parameter::Value<...>` parameters and
    /// `{{resolve:ssm:...}}`), by name as referenced, with the values read.
    pub ssm: IndexMap<String, String>,
}

/// Evaluates `template` for `inputs`. Parameter errors stop evaluation (everything depends on them);
/// failed rule assertions stop it too, as CloudFormation refuses the stack before creating anything.
/// Otherwise every error found is returned, sorted by position.
pub fn evaluate(template: &Template, inputs: &Inputs) -> Result<Evaluated, Vec<Diagnostic>> {
    let parameters = parameters::resolve(template, &inputs.parameters, &inputs.ssm)?;
    let mut ev = intrinsics::Evaluator::new(template, &parameters, &inputs.context, &inputs.ssm);
    ev.known = Some(&inputs.known);
    ev.evaluate_rules();
    if !ev.diagnostics.is_empty() {
        return Err(sorted(ev.diagnostics));
    }
    let conditions = ev.evaluate_conditions();
    let masked;
    if inputs.mask_no_echo && !parameters.no_echo.is_empty() {
        masked = parameters.masked();
        let mut shown = intrinsics::Evaluator::new(template, &masked, &inputs.context, &inputs.ssm);
        shown.known = Some(&inputs.known);
        shown.diagnostics = std::mem::take(&mut ev.diagnostics);
        shown.ssm_read = std::mem::take(&mut ev.ssm_read);
        ev = shown;
    }
    let resources = ev.evaluate_resources(&conditions);
    let outputs = ev.evaluate_outputs(&conditions);
    if ev.diagnostics.is_empty() {
        ev.check_kept_references(&resources, &outputs);
    }
    let diagnostics = ev.diagnostics;
    let imports = ev.imports;
    let mut ssm = ev.ssm_read;
    for (name, value) in parameters.from_ssm.values() {
        ssm.entry(name.clone()).or_insert_with(|| value.clone());
    }
    if !diagnostics.is_empty() {
        return Err(sorted(diagnostics));
    }
    Ok(Evaluated {
        parameters,
        conditions,
        resources,
        outputs,
        imports,
        ssm,
    })
}

/// Parameters and conditions resolved once, for evaluating resources one at a time as they become
/// creatable (apply): each call sees `inputs.known` as it is then.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub parameters: ResolvedParameters,
    pub conditions: IndexMap<String, bool>,
}

/// Resolves parameters, rules and conditions.
pub fn prepare(template: &Template, inputs: &Inputs) -> Result<Prepared, Vec<Diagnostic>> {
    let parameters = parameters::resolve(template, &inputs.parameters, &inputs.ssm)?;
    let mut ev = intrinsics::Evaluator::new(template, &parameters, &inputs.context, &inputs.ssm);
    ev.known = Some(&inputs.known);
    ev.evaluate_rules();
    let conditions = ev.evaluate_conditions();
    if !ev.diagnostics.is_empty() {
        return Err(sorted(ev.diagnostics));
    }
    Ok(Prepared {
        parameters,
        conditions,
    })
}

impl Prepared {
    fn evaluator<'a>(
        &'a self,
        template: &'a Template,
        inputs: &'a Inputs,
        known: &'a Known,
    ) -> intrinsics::Evaluator<'a> {
        let mut ev =
            intrinsics::Evaluator::new(template, &self.parameters, &inputs.context, &inputs.ssm);
        ev.known = Some(known);
        ev.settled = Some(&self.conditions);
        ev
    }

    /// One resource, with what `inputs.known` holds resolved and the rest deferred.
    pub fn resource(
        &self,
        template: &Template,
        inputs: &Inputs,
        name: &str,
    ) -> Result<EvaluatedResource, Vec<Diagnostic>> {
        self.resource_with(template, inputs, &inputs.known, name)
    }

    /// [`Prepared::resource`] with `known` in place of `inputs.known` (what an apply learns as it goes,
    /// read where it is kept rather than copied into the inputs of each resource).
    pub fn resource_with(
        &self,
        template: &Template,
        inputs: &Inputs,
        known: &Known,
        name: &str,
    ) -> Result<EvaluatedResource, Vec<Diagnostic>> {
        let r = template
            .resources
            .get(name)
            .expect("the resource is in the template: this is a bug");
        let mut ev = self.evaluator(template, inputs, known);
        match ev.evaluate_resource(r) {
            Some(e) if ev.diagnostics.is_empty() => Ok(e),
            _ => Err(sorted(ev.diagnostics)),
        }
    }

    /// A resource's properties as a plan recorded them (evaluated, with what waited for resources still
    /// in template form: `Ref`, `Fn::GetAtt`, `Fn::Sub`... of resources), with those parts evaluated
    /// now with `known`; everything else is as planned. What [`Prepared::resource_with`] yields for the
    /// same resource when the plan was made with these inputs, for a fraction of the work.
    pub fn planned_with(
        &self,
        template: &Template,
        inputs: &Inputs,
        known: &Known,
        planned: &serde_json::Value,
    ) -> Result<serde_json::Value, Vec<Diagnostic>> {
        let mut ev = self.evaluator(template, inputs, known);
        match resolve_residues(&mut ev, planned) {
            Ok(Resolved::Same) => Ok(planned.clone()),
            Ok(Resolved::Now(v)) if ev.diagnostics.is_empty() => {
                Ok(v.unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new())))
            }
            _ => Err(sorted(ev.diagnostics)),
        }
    }

    /// The `DeletionPolicy` of resource `name` as evaluated for `inputs`, without evaluating its
    /// properties (what deleting it needs to know); `None` when it has none or it does not evaluate.
    pub fn deletion_policy(
        &self,
        template: &Template,
        inputs: &Inputs,
        name: &str,
    ) -> Option<String> {
        let r = template.resources.get(name)?;
        r.deletion_policy.as_ref()?;
        self.evaluator(template, inputs, &inputs.known)
            .deletion_policy(r)
    }

    /// The outputs whose condition holds.
    pub fn outputs(
        &self,
        template: &Template,
        inputs: &Inputs,
    ) -> Result<IndexMap<String, EvaluatedOutput>, Vec<Diagnostic>> {
        self.outputs_with(template, inputs, &inputs.known)
    }

    /// [`Prepared::outputs`] with `known` in place of `inputs.known` (as [`Prepared::resource_with`]).
    pub fn outputs_with(
        &self,
        template: &Template,
        inputs: &Inputs,
        known: &Known,
    ) -> Result<IndexMap<String, EvaluatedOutput>, Vec<Diagnostic>> {
        let mut ev = self.evaluator(template, inputs, known);
        let out = ev.evaluate_outputs(&self.conditions);
        if ev.diagnostics.is_empty() {
            Ok(out)
        } else {
            Err(sorted(ev.diagnostics))
        }
    }
}

/// A part of a plan's properties still in template form: a one-key mapping naming a function (the plan
/// writes nothing else that way: a value that was known is plain data).
fn is_residue(v: &serde_json::Value) -> bool {
    matches!(v, serde_json::Value::Object(m) if m.len() == 1
        && m.keys().next().is_some_and(|k| k == "Ref" || k.starts_with("Fn::")))
}

/// What resolving the residues of a value changed: nothing, or the value (`None`: `AWS::NoValue`, the
/// property or item goes).
enum Resolved {
    Same,
    Now(Option<serde_json::Value>),
}

/// Evaluates the residues in `v`, in one pass; parts without any are left as they are (copied once, by
/// the caller that needs a copy).
fn resolve_residues(
    ev: &mut intrinsics::Evaluator<'_>,
    v: &serde_json::Value,
) -> intrinsics::Eval<Resolved> {
    use serde_json::Value as Json;
    if is_residue(v) {
        let expr = crate::template::recorded_expr(v).map_err(|d| ev.report(*d))?;
        return Ok(Resolved::Now(ev.eval(&expr)?.map(|v| v.to_serde())));
    }
    match v {
        Json::Object(m) => {
            let mut changed = Vec::new();
            for (k, x) in m {
                if let Resolved::Now(x) = resolve_residues(ev, x)? {
                    changed.push((k, x));
                }
            }
            if changed.is_empty() {
                return Ok(Resolved::Same);
            }
            let mut out = m.clone();
            for (k, x) in changed {
                match x {
                    Some(x) => out[k.as_str()] = x,
                    None => {
                        out.shift_remove(k.as_str());
                    }
                }
            }
            Ok(Resolved::Now(Some(Json::Object(out))))
        }
        Json::Array(items) => {
            let mut changed = Vec::new();
            for (i, x) in items.iter().enumerate() {
                if let Resolved::Now(x) = resolve_residues(ev, x)? {
                    changed.push((i, x));
                }
            }
            if changed.is_empty() {
                return Ok(Resolved::Same);
            }
            let mut out = items.clone();
            // From the end, so that removals leave the earlier indexes in place.
            for (i, x) in changed.into_iter().rev() {
                match x {
                    Some(x) => out[i] = x,
                    None => {
                        out.remove(i);
                    }
                }
            }
            Ok(Resolved::Now(Some(Json::Array(out))))
        }
        _ => Ok(Resolved::Same),
    }
}

/// The value of every condition for `inputs` (parameters and pseudo parameters only; nothing else is
/// evaluated): what the dependency graph needs to know which resources and branches exist.
pub fn conditions(
    template: &Template,
    inputs: &Inputs,
) -> Result<IndexMap<String, bool>, Vec<Diagnostic>> {
    let parameters = parameters::resolve(template, &inputs.parameters, &inputs.ssm)?;
    let mut ev = intrinsics::Evaluator::new(template, &parameters, &inputs.context, &inputs.ssm);
    ev.known = Some(&inputs.known);
    let conditions = ev.evaluate_conditions();
    if ev.diagnostics.is_empty() {
        Ok(conditions)
    } else {
        Err(sorted(ev.diagnostics))
    }
}

fn sorted(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut d = crate::source::Diagnostics::new();
    d.extend(diagnostics);
    d.sort();
    d.into_vec()
}

#[cfg(test)]
mod tests {
    use super::test_support::{pointed, run, template};
    use super::*;

    #[test]
    fn the_ssm_parameters_read_are_listed_with_their_values() {
        let e = run(
            "Parameters:\n  Ami:\n    Type: AWS::SSM::Parameter::Value<String>\n    Default: /ami/latest\nResources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: '{{resolve:ssm:/app/name}}'\n      TopicName: !Ref Ami\n",
            &[],
        )
        .unwrap();
        let read: Vec<(&str, &str)> = e
            .ssm
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            read,
            [("/app/name", "cairn"), ("/ami/latest", "ami-0abc1234")]
        );
    }

    #[test]
    fn planned_properties_resolve_to_the_resource_s_evaluation() {
        let (t, _) = template(
            "Parameters:\n  Env: {Type: String, Default: dev}\nConditions:\n  Never: !Equals [a, b]\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub '${Env}-${Q.QueueName}-${!Literal}'\n      DisplayName: !If [Never, x, !Ref AWS::NoValue]\n      Tags:\n        - {Key: a, Value: !Join [',', [!Ref Q, x, !GetAtt Q.Arn]]}\n        - {Key: b, Value: !Select [5, !Split [':', !GetAtt Q.Arn]]}\n        - {Key: c, Value: plain}\n  Bad:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: !GetAtt Q.Missing\n",
        );
        let inputs = test_support::inputs(&[]);
        let prepared = prepare(&t, &inputs).unwrap();
        // As a create plan shows them: nothing of the stack exists yet.
        let plan = |id: &str| {
            prepared
                .resource_with(&t, &inputs, &Known::default(), id)
                .unwrap()
                .properties
                .to_serde()
        };
        let planned = plan("T");
        assert_eq!(
            planned["TopicName"],
            serde_json::json!({"Fn::Sub": "dev-${Q.QueueName}-${!Literal}"})
        );
        let mut known = Known::default();
        known.resources.insert(
            "Q".into(),
            KnownResource::recorded(
                "https://sqs/q1",
                &serde_json::json!({"QueueName": "q1", "Arn": "arn:aws:sqs:us-east-1:1:q1"}),
            ),
        );
        let now = prepared
            .planned_with(&t, &inputs, &known, &planned)
            .unwrap();
        let full = prepared.resource_with(&t, &inputs, &known, "T").unwrap();
        assert_eq!(now, full.properties.to_serde());
        assert_eq!(
            now,
            serde_json::json!({
                "TopicName": "dev-q1-${Literal}",
                "Tags": [
                    {"Key": "a", "Value": "https://sqs/q1,x,arn:aws:sqs:us-east-1:1:q1"},
                    {"Key": "b", "Value": "q1"},
                    {"Key": "c", "Value": "plain"}
                ]
            })
        );
        // Nothing left to resolve: the plan's own properties.
        assert_eq!(
            prepared.planned_with(&t, &inputs, &known, &now).unwrap(),
            now
        );
        // What fails fails alike.
        let message = |d: Vec<Diagnostic>| d[0].message.clone();
        assert_eq!(
            message(
                prepared
                    .planned_with(&t, &inputs, &known, &plan("Bad"))
                    .unwrap_err()
            ),
            message(
                prepared
                    .resource_with(&t, &inputs, &known, "Bad")
                    .unwrap_err()
            )
        );
    }

    #[test]
    fn parameter_errors_stop_evaluation() {
        let text = "Parameters:\n  A:\n    Type: Number\nResources:\n  R:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Select [5, []]\n";
        let e = run(text, &[("A", "x"), ("B", "y")]).unwrap_err();
        let codes: Vec<&str> = e.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [codes::UNKNOWN_PARAMETERS, codes::PARAMETER_CONSTRAINT]
        );
    }

    #[test]
    fn every_error_is_reported_in_source_order() {
        let text = "Resources:\n  R:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Split ['', x]\n      DisplayName: !Select [2, [a]]\nOutputs:\n  O:\n    Value: !Ref Nope\n";
        let (t, src) = template(text);
        let e = evaluate(&t, &Inputs::default()).unwrap_err();
        let found: Vec<(&str, &str)> = e.iter().map(|d| (d.code, pointed(&src, d))).collect();
        assert_eq!(
            found,
            [
                (codes::EMPTY_DELIMITER, "''"),
                (codes::INDEX_OUT_OF_RANGE, "2"),
                (codes::UNRESOLVED_NAME, "Nope")
            ]
        );
    }

    #[test]
    fn a_deletion_policy_evaluates_without_the_properties() {
        let text = "Transform: AWS::LanguageExtensions\nParameters:\n  Keep:\n    Type: String\nConditions:\n  Keeping: !Equals [!Ref Keep, 'yes']\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: !If [Keeping, Retain, Delete]\n    Properties:\n      QueueName: !Select [3, [a]]\n  R:\n    Type: AWS::SNS::Topic\n";
        let (t, _) = template(text);
        let inputs = |keep: &str| Inputs {
            parameters: [("Keep".to_owned(), keep.to_owned())].into_iter().collect(),
            ..Inputs::default()
        };
        for (keep, policy) in [("yes", "Retain"), ("no", "Delete")] {
            let inputs = inputs(keep);
            let p = prepare(&t, &inputs).unwrap();
            // Q's properties do not evaluate (index out of range); its policy still does.
            assert!(p.resource(&t, &inputs, "Q").is_err());
            assert_eq!(p.deletion_policy(&t, &inputs, "Q").as_deref(), Some(policy));
            assert_eq!(p.deletion_policy(&t, &inputs, "R"), None);
            assert_eq!(p.deletion_policy(&t, &inputs, "Missing"), None);
        }
    }

    #[test]
    fn an_empty_template_evaluates_to_an_empty_stack() {
        let e = run("Resources:\n  R:\n    Type: AWS::SNS::Topic\n", &[]).unwrap();
        assert!(e.conditions.is_empty() && e.outputs.is_empty());
        assert_eq!(e.resources["R"].properties, Value::Map(IndexMap::new()));
        assert_eq!(e.resources["R"].deletion_policy, None);
    }
}
