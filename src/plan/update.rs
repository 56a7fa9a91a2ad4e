//! Update plans: the stored stack (its processed template, parameters and resources as applied) against a
//! new template and parameters, in CloudFormation's change-set terms. Each resource the new template
//! keeps is evaluated in dependency order with what is known now: resources that do not change resolve to
//! their recorded values, so only references to resources that change stay dynamic. A difference becomes
//! a Modify with details (what, why, before and after) and the schema says whether it replaces the
//! resource. Removed resources and the old halves of replacements are deleted in the cleanup phase.
//! Failures CloudFormation would only meet while updating (replacing a custom-named resource, a name
//! taken, an export in use) are reported here, before anything runs.

use std::collections::{HashMap, HashSet};

use crate::evaluate::{self, Deferred, KnownResource, Value};
use crate::graph::{self, DependencyGraph};
use crate::source::{Diagnostic, emit};
use crate::state::{ResourceRecord, StackRecord, StackStatus};

use super::codes;
use super::create::{self, CreateInputs};
use super::diff;
use super::update_checks::{custom_name_replaced, exports_in_use, name_taken};
use super::update_details::{self, Causes};
use super::update_order::{cleanup_steps, rollback_for, stack_changes, steps_waves};
use super::{Action, Base, Change, Operation, PLAN_FORMAT, Plan, Step, StepAction, Summary};

pub struct UpdateInputs<'a> {
    /// The stack as stored.
    pub stack: &'a StackRecord,
    pub resources: &'a [ResourceRecord],
    /// The new template and parameters (`new.stack_name` is the stack's name).
    pub new: &'a CreateInputs<'a>,
    /// This stack's exports that other stacks import: `(export name, importing stack)`.
    pub imported: &'a [(String, String)],
}

/// Whether a stack in this status may be updated; the error says what to do instead.
pub fn update_allowed(stack: &StackRecord) -> Result<(), String> {
    use StackStatus::*;
    match stack.status {
        CREATE_COMPLETE | UPDATE_COMPLETE | UPDATE_ROLLBACK_COMPLETE | UPDATE_FAILED => Ok(()),
        ROLLBACK_COMPLETE => Err(format!(
            "Stack:{} is in ROLLBACK_COMPLETE state and can not be updated: delete it (`cairn destroy {}`) and create it again",
            stack.id, stack.name
        )),
        UPDATE_ROLLBACK_FAILED => Err(format!(
            "Stack:{} is in UPDATE_ROLLBACK_FAILED state and can not be updated: finish the rollback first (`cairn continue-rollback {}`)",
            stack.id, stack.name
        )),
        CREATE_FAILED | ROLLBACK_FAILED | DELETE_FAILED => Err(format!(
            "Stack:{} is in {} state and can not be updated: delete it (`cairn destroy {}`)",
            stack.id, stack.status, stack.name
        )),
        s => Err(format!(
            "Stack:{} is in {s} state and can not be updated",
            stack.id
        )),
    }
}

/// What happens to one resource the new template keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fate {
    Unchanged,
    /// Updated in place (or only its template attributes change).
    InPlace,
    /// Updated, replaced if the values known at apply time require it.
    MaybeReplaced,
    Replaced,
    Added,
}

/// Plans updating `u.stack` to the new template and parameters.
pub fn plan_update(u: &UpdateInputs<'_>) -> Result<Plan, Vec<Diagnostic>> {
    let c = u.new;
    create::refuse_unexpanded(c.template)?;
    let mut inputs = c.inputs.clone();
    inputs.known.exports = Some(
        c.exports
            .iter()
            .map(|e| (e.name.clone(), e.value.clone()))
            .collect(),
    );
    // The whole template once without resources: every error it has, and the imports.
    let evaluated = evaluate::evaluate(c.template, &inputs)?;
    create::missing_aws_values(c, &evaluated)?;
    let graph = graph::build(c.template, &evaluated.conditions);
    let waves = graph
        .waves()
        .ok_or_else(|| graph.cycle_diagnostics(c.sources))?;
    create::export_conflicts(c, &evaluated)?;
    let prepared = evaluate::prepare(c.template, &inputs)?;
    let old = Old::load(u);
    let new_json = emit::to_serde(&c.document.root);
    let records: HashMap<&str, &ResourceRecord> = u
        .resources
        .iter()
        .filter(|r| r.physical_id.is_some())
        .map(|r| (r.logical_id.as_str(), r))
        .collect();
    let changed_parameters = changed_parameters(u.stack, &evaluated);
    let no_echo: HashSet<String> = evaluated.parameters.no_echo.iter().cloned().collect();

    let mut errors = Vec::new();
    let mut fates: HashMap<String, Fate> = HashMap::new();
    let mut changes = Vec::new();
    let mut steps = Vec::new();
    let mut replaced_first = Vec::new();
    for (k, wave) in waves.iter().enumerate() {
        for id in wave {
            let new_r = match prepared.resource(c.template, &inputs, id) {
                Ok(r) => r,
                Err(ds) => {
                    errors.extend(ds);
                    continue;
                }
            };
            let span = c.template.resources[id].key_span;
            let Some(rec) = records.get(id.as_str()) else {
                fates.insert(id.clone(), Fate::Added);
                name_taken(c, id, span, &new_r.properties, None, &mut errors);
                changes.push(Change::new(Action::Add, id, &new_r.resource_type));
                steps.push(step(k, StepAction::Create, id, &new_r, &graph));
                continue;
            };
            if rec.resource_type != new_r.resource_type {
                errors.push(Diagnostic::error(
                    codes::TYPE_CHANGED,
                    span,
                    format!(
                        "Update of resource type is not permitted. The new template modifies resource type of the following resources: [{id}] (`{}` to `{}`)",
                        rec.resource_type, new_r.resource_type
                    ),
                ).with_help("give the new resource another logical id: the old one is then removed"));
                continue;
            }
            let rt = crate::spec::resource_type(&new_r.resource_type);
            let before = Value::from_serde(&rec.properties);
            let diffs = diff::diff_properties(rt, &before, &new_r.properties);
            let ctx = update_details::Context {
                id,
                rt,
                old_json: &old.json,
                new_json: &new_json,
                template: c.template,
                changed_parameters: &changed_parameters,
                no_echo: &no_echo,
                fates_replaced: &|dep: &str| {
                    matches!(fates.get(dep), Some(Fate::Replaced | Fate::Added))
                },
            };
            let (details, causes) = update_details::property_details(&ctx, &diffs);
            let mut change = Change::new(Action::Modify, id, &new_r.resource_type);
            change.physical_resource_id = rec.physical_id.clone();
            change.details = details;
            change
                .details
                .extend(update_details::attribute_details(&ctx));
            change.scope = update_details::scopes(&change.details);
            if change.scope.is_empty() {
                fates.insert(id.clone(), Fate::Unchanged);
                inputs.known.resources.insert(id.clone(), known(rec, false));
                continue;
            }
            let replacement = update_details::replacement(&change.details);
            change.replacement = Some(replacement.to_owned());
            let fate = match (replacement, causes) {
                ("True", _) | ("Conditional", Causes::CertainReplacement) => Fate::Replaced,
                ("Conditional", _) => Fate::MaybeReplaced,
                _ => Fate::InPlace,
            };
            fates.insert(id.clone(), fate);
            let policy = new_r.update_replace_policy.as_deref().unwrap_or("Delete");
            if fate != Fate::InPlace {
                change.policy_action = Some(format!("ReplaceAnd{policy}"));
            }
            if fate == Fate::Replaced {
                custom_name_replaced(id, span, rt, &before, &new_r.properties, &mut errors);
                name_taken(c, id, span, &new_r.properties, Some(&before), &mut errors);
                if rt.is_some_and(|t| {
                    t.replacement_strategy() == crate::spec::ReplacementStrategy::DeleteThenCreate
                }) {
                    replaced_first.push(id.clone());
                }
            }
            if fate == Fate::InPlace {
                inputs.known.resources.insert(id.clone(), known(rec, true));
            }
            let action = if fate == Fate::Replaced {
                StepAction::Replace
            } else {
                StepAction::Update
            };
            steps.push(step(k, action, id, &new_r, &graph));
            changes.push(change);
        }
    }
    // Removed resources: absent from the new template, or their condition turned false.
    // In the stored template's order (the records' order depends on which create finished first).
    let position = |id: &str| {
        old.json
            .get("Resources")
            .and_then(|r| r.as_object())
            .and_then(|m| m.keys().position(|k| k == id))
            .unwrap_or(usize::MAX)
    };
    let mut removed: Vec<&ResourceRecord> = u
        .resources
        .iter()
        .filter(|r| !evaluated.resources.contains_key(&r.logical_id))
        .collect();
    removed.sort_by_key(|r| (position(&r.logical_id), r.logical_id.clone()));
    for r in &removed {
        let mut change = Change::new(Action::Remove, &r.logical_id, &r.resource_type);
        change.physical_resource_id = r.physical_id.clone();
        change.policy_action = old.deletion_policy(&r.logical_id).filter(|p| p != "Delete");
        changes.push(change);
    }
    let outputs = prepared.outputs(c.template, &inputs).unwrap_or_default();
    exports_in_use(u, &evaluated, &outputs, &fates, &mut errors);
    if !errors.is_empty() {
        errors.sort_by_key(|d| (d.span.file, d.span.start));
        return Err(errors);
    }
    let cleanup = cleanup_steps(u, &old, &fates, &removed, &evaluated, &replaced_first);
    let template_only = changes.is_empty() && old.json != new_json;
    let stack_changes = stack_changes(u.stack, &changed_parameters, template_only, &outputs);
    let summary = Summary {
        add: changes.iter().filter(|c| c.action == Action::Add).count(),
        modify: changes
            .iter()
            .filter(|c| c.action == Action::Modify)
            .count(),
        remove: changes
            .iter()
            .filter(|c| c.action == Action::Remove)
            .count(),
    };
    let rollback = rollback_for(&steps, waves.len());
    Ok(Plan {
        format: PLAN_FORMAT,
        stack_name: u.stack.name.clone(),
        operation: Operation::Update,
        base: Some(Base {
            lineage: u.stack.lineage.clone(),
            serial: u.stack.serial,
        }),
        region: inputs.context.region.clone(),
        account_id: inputs.context.account_id.clone(),
        template: super::TemplateText::of_value(&new_json),
        parameters: create::parameter_records(&evaluated),
        imports: evaluated.imports.clone(),
        ssm: evaluated.ssm.clone().into_iter().collect(),
        changes,
        waves: steps_waves(&steps),
        steps,
        cleanup,
        stack_changes,
        rollback,
        summary,
        model: super::Model::of(c.template),
    })
}

/// What a recorded resource is known to be; `pending` when it changes in place (attributes unknown).
fn known(rec: &ResourceRecord, pending: bool) -> KnownResource {
    let mut k = KnownResource::recorded(rec.ref_text().unwrap_or_default(), &rec.attributes);
    k.attributes_pending = pending;
    k
}

fn step(
    wave: usize,
    action: StepAction,
    id: &str,
    r: &evaluate::EvaluatedResource,
    graph: &DependencyGraph,
) -> Step {
    Step {
        wave,
        action,
        logical_id: id.to_owned(),
        resource_type: r.resource_type.clone(),
        after: create::dependencies(graph, id),
        properties: r.properties.to_serde(),
        snapshot: false,
    }
}

/// The stored stack's template, for comparisons and its policies.
pub(super) struct Old {
    pub json: serde_json::Value,
}

impl Old {
    fn load(u: &UpdateInputs<'_>) -> Old {
        Old {
            json: serde_json::from_str(&u.stack.template).unwrap_or(serde_json::Value::Null),
        }
    }

    /// A resource attribute of the stored template, as text (`DeletionPolicy`, `UpdateReplacePolicy`).
    fn attribute(&self, id: &str, name: &str) -> Option<String> {
        self.json
            .get("Resources")?
            .get(id)?
            .get(name)?
            .as_str()
            .map(str::to_owned)
    }

    pub(super) fn deletion_policy(&self, id: &str) -> Option<String> {
        self.attribute(id, "DeletionPolicy")
    }

    /// The stored template's dependency graph (every branch counts: conditions may have changed).
    pub(super) fn graph(&self, stack: &StackRecord) -> Option<DependencyGraph> {
        let t = crate::template::recorded_value(&self.json, &stack.name)?;
        Some(graph::build_all(&t))
    }
}

/// Parameters whose value differs from the stored one (a parameter new or gone counts too).
fn changed_parameters(stack: &StackRecord, e: &evaluate::Evaluated) -> Vec<String> {
    let new = create::parameter_records(e);
    let mut out: Vec<String> = new
        .iter()
        .filter(|p| {
            stack
                .parameters
                .iter()
                .find(|o| o.key == p.key)
                .is_none_or(|o| o.value != p.value)
        })
        .map(|p| p.key.clone())
        .collect();
    out.extend(
        stack
            .parameters
            .iter()
            .filter(|o| !new.iter().any(|p| p.key == o.key))
            .map(|o| o.key.clone()),
    );
    out
}

/// Deferred values inside `v` name these resources.
pub(super) fn referenced(v: &Value) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    collect(v, &mut out);
    out
}

fn collect(v: &Value, out: &mut Vec<(String, Option<String>)>) {
    match v {
        Value::Deferred(d) => match d {
            Deferred::Ref(r) => out.push((r.clone(), None)),
            Deferred::GetAtt(r, a) => out.push((r.clone(), Some(a.clone()))),
            Deferred::Sub { vars, .. } => vars.values().for_each(|v| collect(v, out)),
            Deferred::Join { items, .. } => items.iter().for_each(|v| collect(v, out)),
            Deferred::Call { args, .. } => collect(args, out),
            Deferred::ImportValue(_) | Deferred::StackOutput { .. } => {}
        },
        Value::List(items) => items.iter().for_each(|v| collect(v, out)),
        Value::Map(m) => m.values().for_each(|v| collect(v, out)),
        _ => {}
    }
}
