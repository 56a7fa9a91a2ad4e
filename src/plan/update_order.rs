//! The order of an update's phases: the cleanup steps (old halves of replacements, removed resources,
//! dependents first in the stored template's graph), the rollback each wave would need, the stack-level
//! changes, and the waves.

use std::collections::HashMap;

use indexmap::IndexMap;

use crate::evaluate::{self, Value};
use crate::state::{ResourceRecord, StackRecord};

use super::update::{Fate, Old, UpdateInputs};
use super::{Rollback, Step, StepAction};

/// The cleanup phase: old physical resources of replacements (unless deleted first) and removed
/// resources, dependents first in the stored template's graph.
pub(super) fn cleanup_steps(
    u: &UpdateInputs<'_>,
    old: &Old,
    fates: &HashMap<String, Fate>,
    removed: &[&ResourceRecord],
    e: &evaluate::Evaluated,
    replaced_first: &[String],
) -> Vec<Step> {
    let mut set: IndexMap<String, (String, bool, bool)> = IndexMap::new();
    for r in removed {
        let policy = old.deletion_policy(&r.logical_id);
        let keep = matches!(policy.as_deref(), Some("Retain" | "RetainExceptOnCreate"));
        let snapshot = policy.as_deref() == Some("Snapshot");
        set.insert(
            r.logical_id.clone(),
            (r.resource_type.clone(), keep, snapshot),
        );
    }
    for r in u.resources {
        let fate = fates.get(&r.logical_id).copied();
        if !matches!(fate, Some(Fate::Replaced | Fate::MaybeReplaced))
            || replaced_first.contains(&r.logical_id)
        {
            continue;
        }
        let policy = e.resources[&r.logical_id].update_replace_policy.as_deref();
        set.insert(
            r.logical_id.clone(),
            (
                r.resource_type.clone(),
                policy == Some("Retain"),
                policy == Some("Snapshot"),
            ),
        );
    }
    let graph = old.graph(u.stack);
    let order: Vec<String> = match graph.as_ref().and_then(|g| g.deletion_order()) {
        Some(o) => {
            let mut v: Vec<String> = set.keys().filter(|k| !o.contains(k)).cloned().collect();
            v.extend(o.into_iter().filter(|k| set.contains_key(k)));
            v
        }
        None => set.keys().cloned().collect(),
    };
    let mut wave_of: HashMap<String, usize> = HashMap::new();
    let mut steps = Vec::new();
    for id in &order {
        let (ty, keep, snapshot) = &set[id];
        let after: Vec<String> = match graph.as_ref().and_then(|g| g.node(id).map(|i| (g, i))) {
            Some((g, i)) => {
                let mut v: Vec<String> = g
                    .graph
                    .neighbors_directed(i, petgraph::Direction::Incoming)
                    .map(|n| g.graph[n].id.clone())
                    .filter(|n| set.contains_key(n) && n != id)
                    .collect();
                v.sort();
                v.dedup();
                v
            }
            None => Vec::new(),
        };
        let wave = after
            .iter()
            .filter_map(|a| wave_of.get(a))
            .map(|w| w + 1)
            .max()
            .unwrap_or(0);
        wave_of.insert(id.clone(), wave);
        steps.push(Step {
            wave,
            action: if *keep {
                StepAction::Retain
            } else {
                StepAction::Delete
            },
            logical_id: id.clone(),
            resource_type: ty.clone(),
            after,
            properties: serde_json::Value::Null,
            snapshot: *snapshot,
        });
    }
    steps
}

/// What changes at the stack level besides resources.
pub(super) fn stack_changes(
    stack: &StackRecord,
    changed_parameters: &[String],
    template_only: bool,
    outputs: &IndexMap<String, evaluate::EvaluatedOutput>,
) -> Vec<String> {
    let mut out = Vec::new();
    for p in changed_parameters {
        out.push(format!("parameter `{p}`"));
    }
    for (k, o) in outputs {
        let old = stack.outputs.iter().find(|x| &x.key == k);
        let same = old.is_some_and(|x| {
            !o.value.contains_deferred()
                && Value::from_serde(&x.value) == o.value
                && x.export_name == o.export_name.as_ref().map(|e| e.to_string())
        });
        if !same {
            out.push(format!("output `{k}`"));
        }
    }
    for o in &stack.outputs {
        if !outputs.contains_key(&o.key) {
            out.push(format!("output `{}` (removed)", o.key));
        }
    }
    if out.is_empty() && template_only {
        out.push("template".to_owned());
    }
    out
}

/// If wave k fails: the updates and replacements of waves up to k are restored, its creates deleted.
pub(super) fn rollback_for(steps: &[Step], waves: usize) -> Vec<Rollback> {
    (0..waves)
        .map(|k| {
            let upto = steps.iter().filter(|s| s.wave <= k).rev();
            let (mut restore, mut delete) = (Vec::new(), Vec::new());
            for s in upto {
                match s.action {
                    StepAction::Create => delete.push(s.logical_id.clone()),
                    _ => restore.push(s.logical_id.clone()),
                }
            }
            Rollback {
                if_wave_fails: k,
                restore,
                delete,
                retained: Vec::new(),
            }
        })
        .collect()
}

/// Steps by wave, renumbered so no wave is empty.
pub(super) fn steps_waves(steps: &[Step]) -> Vec<Vec<String>> {
    let mut waves: Vec<Vec<String>> = Vec::new();
    for s in steps {
        if waves.len() <= s.wave {
            waves.resize(s.wave + 1, Vec::new());
        }
        waves[s.wave].push(s.logical_id.clone());
    }
    waves.retain(|w| !w.is_empty());
    waves
}
