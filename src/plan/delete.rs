//! Delete plans: every resource of a stack, dependents first (the creation waves reversed), honouring
//! DeletionPolicy (Retain and RetainExceptOnCreate keep the physical resource, Snapshot snapshots it first)
//! and `--retain` for resources whose delete failed before. A stack whose export another stack imports
//! cannot be deleted.

use std::collections::HashSet;

use crate::graph::DependencyGraph;
use crate::state::{ResourceRecord, StackRecord};

use super::{Action, Base, Change, Operation, PLAN_FORMAT, Plan, Step, StepAction, Summary};

/// Why a stack cannot be deleted now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeleteRefused {
    /// `export` of this stack is imported by `importer`.
    Imported { export: String, importer: String },
}

impl std::fmt::Display for DeleteRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeleteRefused::Imported { export, importer } => write!(
                f,
                "Export {export} cannot be deleted as it is in use by {importer}: delete or update stack `{importer}` first"
            ),
        }
    }
}

/// Plans deleting `stack`. `graph` is the stored template's graph (conditions as deployed) and
/// `policies` each resource's DeletionPolicy as deployed; `retain` are logical ids the user asks to keep;
/// `importers` pairs each export of this stack with the stacks that import it.
pub fn plan_delete(
    stack: &StackRecord,
    resources: &[ResourceRecord],
    graph: &DependencyGraph,
    policies: &dyn Fn(&str) -> Option<String>,
    retain: &[String],
    importers: &[(String, String)],
) -> Result<Plan, DeleteRefused> {
    if let Some((export, importer)) = importers.first() {
        return Err(DeleteRefused::Imported {
            export: export.clone(),
            importer: importer.clone(),
        });
    }
    // Dependents first: the graph's deletion order, then anything recorded but absent from the graph.
    let recorded: HashSet<&str> = resources.iter().map(|r| r.logical_id.as_str()).collect();
    let ordered: Vec<String> = graph
        .deletion_order()
        .unwrap_or_default()
        .into_iter()
        .filter(|id| recorded.contains(id.as_str()))
        .collect();
    let in_graph: HashSet<&str> = ordered.iter().map(String::as_str).collect();
    let mut order: Vec<String> = resources
        .iter()
        .filter(|r| !in_graph.contains(r.logical_id.as_str()))
        .map(|r| r.logical_id.clone())
        .collect();
    order.extend(ordered.iter().cloned());
    let by_id: std::collections::HashMap<&str, &ResourceRecord> = resources
        .iter()
        .map(|r| (r.logical_id.as_str(), r))
        .collect();
    let waves = delete_waves(graph, &order);
    let mut steps = Vec::new();
    let mut changes = Vec::new();
    for (k, wave) in waves.iter().enumerate() {
        for id in wave {
            let r = by_id[id.as_str()];
            let policy = policies(id);
            let keep = retain.contains(id)
                || matches!(policy.as_deref(), Some("Retain" | "RetainExceptOnCreate"));
            let snapshot = !keep && policy.as_deref() == Some("Snapshot");
            let mut change = Change::new(Action::Remove, id, &r.resource_type);
            change.physical_resource_id = r.physical_id.clone();
            change.policy_action = if keep {
                Some("Retain".into())
            } else if snapshot {
                Some("Snapshot".into())
            } else {
                None
            };
            changes.push(change);
            steps.push(Step {
                wave: k,
                action: if keep {
                    StepAction::Retain
                } else {
                    StepAction::Delete
                },
                logical_id: id.clone(),
                resource_type: r.resource_type.clone(),
                after: dependents(graph, id, &recorded),
                properties: serde_json::Value::Null,
                snapshot,
            });
        }
    }
    let summary = Summary {
        remove: changes.len(),
        ..Summary::default()
    };
    Ok(Plan {
        format: PLAN_FORMAT,
        stack_name: stack.name.clone(),
        operation: Operation::Delete,
        base: Some(Base {
            lineage: stack.lineage.clone(),
            serial: stack.serial,
        }),
        region: stack.region.clone(),
        account_id: String::new(),
        // The stack records no template once deleted (and reading its recorded one back is not free).
        template: super::TemplateText::null(),
        parameters: stack.parameters.clone(),
        imports: stack.imports.clone(),
        ssm: Default::default(),
        changes,
        steps,
        cleanup: Vec::new(),
        stack_changes: Vec::new(),
        waves,
        rollback: Vec::new(),
        summary,
        model: super::Model::default(),
    })
}

/// The resources that need `id` (they are deleted before it).
fn dependents(g: &DependencyGraph, id: &str, recorded: &HashSet<&str>) -> Vec<String> {
    let Some(i) = g.node(id) else {
        return Vec::new();
    };
    let mut v: Vec<String> = g
        .graph
        .neighbors_directed(i, petgraph::Direction::Incoming)
        .map(|n| g.graph[n].id.clone())
        .filter(|n| recorded.contains(n.as_str()))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Deletion waves: wave 0 has what nothing else needs; a resource comes after all its dependents.
fn delete_waves(g: &DependencyGraph, order: &[String]) -> Vec<Vec<String>> {
    let recorded: HashSet<&str> = order.iter().map(String::as_str).collect();
    let mut wave_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for id in order {
        let w = dependents(g, id, &recorded)
            .iter()
            .filter_map(|d| wave_of.get(d.as_str()).map(|w| w + 1))
            .max()
            .unwrap_or(0);
        wave_of.insert(id.as_str(), w);
    }
    let max = wave_of.values().copied().max().map_or(0, |m| m + 1);
    let mut waves = vec![Vec::new(); max];
    for id in order {
        waves[wave_of[id.as_str()]].push(id.clone());
    }
    waves
}
