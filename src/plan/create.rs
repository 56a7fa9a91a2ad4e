//! Create plans: every resource the template keeps is added, in dependency waves; if a wave fails, the
//! resources of earlier waves are deleted again, dependents first (those whose DeletionPolicy keeps them
//! are left).

use indexmap::IndexMap;

use crate::evaluate::{self, Evaluated, Inputs, Value};
use crate::graph::{self, DependencyGraph, NodeKind};
use crate::source::{Diagnostic, Document, SourceMap, Span};
use crate::state::{ExportRecord, ParameterRecord};
use crate::template::Template;

use super::codes;
use super::{Action, Change, Operation, PLAN_FORMAT, Plan, Rollback, Step, StepAction, Summary};

/// Answers whether `(type, id)` names something that exists in the account.
pub type Exists<'a> = &'a dyn Fn(&str, &str) -> bool;

pub struct CreateInputs<'a> {
    pub stack_name: &'a str,
    /// The processed template as loaded (what the stack records).
    pub document: &'a Document,
    /// Shared: the plan keeps it (apply evaluates with the model the plan was made from).
    pub template: &'a std::sync::Arc<Template>,
    pub sources: &'a SourceMap,
    pub inputs: &'a Inputs,
    /// Every export of the region (for `Fn::ImportValue` and export-name conflicts).
    pub exports: &'a [ExportRecord],
    /// Whether a value of an AWS-specific parameter type names something that exists in the account
    /// (`exists("AWS::EC2::VPC::Id", "vpc-...")`); `None` skips the check.
    pub exists: Option<Exists<'a>>,
}

/// Plans the creation of a new stack. Errors are template diagnostics (evaluation, cycles, exports).
pub fn plan_create(c: &CreateInputs<'_>) -> Result<Plan, Vec<Diagnostic>> {
    refuse_unexpanded(c.template)?;
    let mut inputs = c.inputs.clone();
    inputs.known.exports = Some(
        c.exports
            .iter()
            .map(|e| (e.name.clone(), e.value.clone()))
            .collect(),
    );
    let evaluated = evaluate::evaluate(c.template, &inputs)?;
    missing_aws_values(c, &evaluated)?;
    let graph = graph::build(c.template, &evaluated.conditions);
    let waves = graph
        .waves()
        .ok_or_else(|| graph.cycle_diagnostics(c.sources))?;
    export_conflicts(c, &evaluated)?;
    let mut steps = Vec::new();
    let mut changes = Vec::new();
    for (k, wave) in waves.iter().enumerate() {
        for id in wave {
            let r = &evaluated.resources[id];
            changes.push(Change::new(Action::Add, id, &r.resource_type));
            steps.push(Step {
                wave: k,
                action: StepAction::Create,
                logical_id: id.clone(),
                resource_type: r.resource_type.clone(),
                after: dependencies(&graph, id),
                properties: r.properties.to_serde(),
                snapshot: false,
            });
        }
    }
    let rollback = rollback_for(&waves, &evaluated);
    let summary = Summary {
        add: changes.len(),
        ..Summary::default()
    };
    Ok(Plan {
        format: PLAN_FORMAT,
        stack_name: c.stack_name.to_owned(),
        operation: Operation::Create,
        base: None,
        region: inputs.context.region.clone(),
        account_id: inputs.context.account_id.clone(),
        template: super::TemplateText::of_document(&c.document.root),
        parameters: parameter_records(&evaluated),
        imports: evaluated.imports.clone(),
        ssm: evaluated.ssm.clone().into_iter().collect(),
        changes,
        steps,
        cleanup: Vec::new(),
        stack_changes: Vec::new(),
        waves,
        rollback,
        summary,
        model: super::Model::of(c.template),
    })
}

/// A transform this version does not expand would deploy its unexpanded resources: refuse.
pub(super) fn refuse_unexpanded(t: &Template) -> Result<(), Vec<Diagnostic>> {
    if crate::check::names_are_final(t) {
        return Ok(());
    }
    let span = t
        .transform
        .first()
        .map_or(Span::new(t.file, 0, 0), |t| t.name.span);
    Err(vec![
        Diagnostic::error(
            crate::source::codes::TRANSFORM_NOT_EXPANDED,
            span,
            "the template needs a transform (or `Fn::ForEach`, `Fn::Transform`) this version of Cairn does not expand: it cannot be planned",
        )
        .with_help("`cairn validate` lists what is not expanded"),
    ])
}

/// The resources `id` needs, in graph order.
pub(super) fn dependencies(g: &DependencyGraph, id: &str) -> Vec<String> {
    let Some(i) = g.node(id) else {
        return Vec::new();
    };
    let mut v: Vec<String> = g
        .graph
        .neighbors_directed(i, petgraph::Direction::Outgoing)
        .filter(|&n| g.graph[n].kind == NodeKind::Resource)
        .map(|n| g.graph[n].id.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// For each wave k > 0: what a failure in wave k deletes (everything of earlier waves, dependents first).
fn rollback_for(waves: &[Vec<String>], e: &Evaluated) -> Vec<Rollback> {
    let retained = |id: &String| e.resources[id].deletion_policy.as_deref() == Some("Retain");
    (0..waves.len())
        .map(|k| {
            let before: Vec<&String> = waves[..k]
                .iter()
                .rev()
                .flat_map(|w| w.iter().rev())
                .collect();
            Rollback {
                if_wave_fails: k,
                restore: Vec::new(),
                delete: before
                    .iter()
                    .filter(|id| !retained(id))
                    .map(|s| (*s).clone())
                    .collect(),
                retained: before
                    .iter()
                    .filter(|id| retained(id))
                    .map(|s| (*s).clone())
                    .collect(),
            }
        })
        .collect()
}

/// Parameter values as the stack records them (lists comma-joined).
pub(super) fn parameter_records(e: &Evaluated) -> Vec<ParameterRecord> {
    e.parameters
        .values
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::List(items) => items
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            // An SSM parameter type records the name it was given, and what was read.
            let (value, resolved) = match e.parameters.from_ssm.get(k) {
                Some((name, _)) => (name.clone(), Some(text)),
                None => (text, None),
            };
            ParameterRecord {
                key: k.clone(),
                value,
                no_echo: e.parameters.is_no_echo(k),
                resolved,
            }
        })
        .collect()
}

/// Values of AWS-specific parameter types must name something that exists, as CloudFormation checks
/// before it creates anything.
pub(super) fn missing_aws_values(
    c: &CreateInputs<'_>,
    e: &Evaluated,
) -> Result<(), Vec<Diagnostic>> {
    use crate::template::ParameterType;
    let Some(exists) = c.exists else {
        return Ok(());
    };
    let mut errors = Vec::new();
    for (name, p) in &c.template.parameters {
        let Some((span, ty)) = &p.parameter_type else {
            continue;
        };
        let ty = match ty {
            ParameterType::SsmValue(inner) => inner.as_ref(),
            other => other,
        };
        let (ParameterType::Aws(t) | ParameterType::AwsList(t)) = ty else {
            continue;
        };
        let values: Vec<String> = match e.parameters.get(name) {
            Some(Value::List(items)) => items.iter().map(|v| v.to_string()).collect(),
            Some(v) => vec![v.to_string()],
            None => continue,
        };
        for v in values.iter().filter(|v| !v.is_empty()) {
            if !exists(t, v) {
                errors.push(
                    Diagnostic::error(
                        evaluate::codes::PARAMETER_CONSTRAINT,
                        p.key_span,
                        format!("Parameter validation failed: parameter value {v} for parameter name {name} does not exist"),
                    )
                    .with_label(*span, format!("`{t}` values are checked against the mock cloud's account")),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Export names must be unique in the region: refuse one another stack already exports.
pub(super) fn export_conflicts(c: &CreateInputs<'_>, e: &Evaluated) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut mine: IndexMap<String, Span> = IndexMap::new();
    for (name, o) in &e.outputs {
        let Some(export) = &o.export_name else {
            continue;
        };
        let span = c.template.outputs[name]
            .export_name
            .as_ref()
            .map_or(c.template.outputs[name].span, |x| x.span);
        let Value::String(export) = export else {
            errors.push(Diagnostic::error(
                codes::EXPORT_NOT_KNOWN,
                span,
                format!(
                    "the export name of output `{name}` must be known before any resource exists"
                ),
            ));
            continue;
        };
        if let Some(owner) = c
            .exports
            .iter()
            .find(|x| &x.name == export && x.stack_name != c.stack_name)
        {
            errors.push(
                Diagnostic::error(
                    codes::EXPORT_CONFLICT,
                    span,
                    format!(
                        "Export with name {export} is already exported by stack {}",
                        owner.stack_name
                    ),
                )
                .with_help("export names are unique in a region: choose another name"),
            );
        }
        if let Some(first) = mine.insert(export.clone(), span) {
            errors.push(
                Diagnostic::error(
                    codes::EXPORT_CONFLICT,
                    span,
                    format!("export `{export}` is declared twice in this template"),
                )
                .with_label(first, "first declared here"),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
