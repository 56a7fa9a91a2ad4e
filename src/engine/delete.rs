//! Deleting resources, dependents first: `cairn destroy` (DELETE_IN_PROGRESS → DELETE_COMPLETE or
//! DELETE_FAILED) and the delete phase of a rollback. DeletionPolicy Retain keeps the physical resource
//! (DELETE_SKIPPED); RetainExceptOnCreate keeps it except when rolling back its own creation; Snapshot
//! snapshots before deleting. A resource the cloud no longer has counts as deleted.

use std::collections::HashMap;

use crate::plan::{Plan, StepAction};
use crate::provider::{DeleteRequest, ErrorKind};
use crate::state::{Change, ResourceRecord, ResourceStatus, StackRecord, StackStatus};

use super::schedule::{self, Schedule, StepResult};
use super::{Engine, EngineError, Op, Options, Outcome, Result};

/// What to do with one resource.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Disposal {
    Delete { snapshot: bool },
    Retain,
}

impl Engine<'_> {
    pub(super) fn delete(&self, plan: &Plan, options: &Options) -> Result<Outcome> {
        let op = super::Op::begin(self, &plan.stack_name, "destroy")?;
        let result = self.delete_locked(&op, plan, options);
        op.finish()?;
        result
    }

    fn delete_locked(&self, op: &Op<'_, '_>, plan: &Plan, options: &Options) -> Result<Outcome> {
        let Some(mut stack) = self.store.stack(&plan.stack_name)? else {
            return Err(EngineError::Refused(format!(
                "stack `{}` does not exist",
                plan.stack_name
            )));
        };
        super::check_base(plan, &stack)?;
        if stack.status == StackStatus::DELETE_COMPLETE {
            return Err(EngineError::Refused(format!(
                "stack `{}` is already deleted",
                stack.name
            )));
        }
        op.stack_status(
            &mut stack,
            StackStatus::DELETE_IN_PROGRESS,
            Some("User Initiated".into()),
        )?;
        let mut dispositions: HashMap<String, Disposal> = HashMap::new();
        for s in &plan.steps {
            let d = if s.action == StepAction::Retain || options.retain.contains(&s.logical_id) {
                Disposal::Retain
            } else {
                Disposal::Delete {
                    snapshot: s.snapshot,
                }
            };
            dispositions.insert(s.logical_id.clone(), d);
        }
        let ids: Vec<String> = plan.steps.iter().map(|s| s.logical_id.clone()).collect();
        let after: Vec<Vec<String>> = plan.steps.iter().map(|s| s.after.clone()).collect();
        let schedule =
            self.run_deletes(op, &stack, &ids, &after, &dispositions, options.parallelism)?;
        if schedule.failed.is_empty() {
            op.store().set_exports(&stack.name, &[])?;
            stack.outputs.clear();
            op.stack_status(&mut stack, StackStatus::DELETE_COMPLETE, None)?;
        } else {
            let names: Vec<&str> = schedule.failed.iter().map(|(n, _)| n.as_str()).collect();
            op.stack_status(
                &mut stack,
                StackStatus::DELETE_FAILED,
                Some(format!(
                    "The following resource(s) failed to delete: [{}]. ",
                    names.join(", ")
                )),
            )?;
        }
        Ok(Outcome {
            goal: StackStatus::DELETE_COMPLETE,
            stack,
            operation_id: op.id.clone(),
            failed: schedule.failed,
            cancelled: schedule.not_started,
        })
    }

    /// Deletes every recorded resource of `stack`, dependents first (the rollback of a create when
    /// `rollback`), honouring the recorded template's DeletionPolicy.
    pub(super) fn delete_resources(
        &self,
        op: &Op<'_, '_>,
        stack: &StackRecord,
        options: &Options,
        rollback: bool,
    ) -> Result<Schedule> {
        let resources = op.store().resources(&stack.name)?;
        let template = super::create::template_of(
            &serde_json::from_str(&stack.template).unwrap_or(serde_json::Value::Null),
            &stack.name,
        )
        .map_err(EngineError::Refused)?;
        let inputs = super::create::inputs_of(stack, "");
        let prepared = crate::evaluate::prepare(&template, &inputs).ok();
        let graph = match &prepared {
            Some(p) => crate::graph::build(&template, &p.conditions),
            None => crate::graph::build_all(&template),
        };
        let order = graph.deletion_order().unwrap_or_default();
        let recorded_ids: std::collections::HashSet<&str> =
            resources.iter().map(|r| r.logical_id.as_str()).collect();
        let ordered: Vec<String> = order
            .into_iter()
            .filter(|id| recorded_ids.contains(id.as_str()))
            .collect();
        let in_graph: std::collections::HashSet<&str> =
            ordered.iter().map(String::as_str).collect();
        let mut ids: Vec<String> = resources
            .iter()
            .filter(|r| !in_graph.contains(r.logical_id.as_str()))
            .map(|r| r.logical_id.clone())
            .collect();
        ids.extend(ordered.iter().cloned());
        let recorded: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        let after: Vec<Vec<String>> = ids
            .iter()
            .map(|id| match graph.node(id) {
                Some(i) => graph
                    .graph
                    .neighbors_directed(i, petgraph::Direction::Incoming)
                    .map(|n| graph.graph[n].id.clone())
                    .filter(|n| recorded.contains(n.as_str()))
                    .collect(),
                None => Vec::new(),
            })
            .collect();
        let mut dispositions = HashMap::new();
        for id in &ids {
            let policy = prepared
                .as_ref()
                .filter(|_| template.resources.contains_key(id))
                .and_then(|p| p.resource(&template, &inputs, id).ok())
                .and_then(|r| r.deletion_policy);
            let d = match policy.as_deref() {
                Some("Retain") => Disposal::Retain,
                Some("RetainExceptOnCreate") if !rollback => Disposal::Retain,
                Some("Snapshot") => Disposal::Delete { snapshot: true },
                _ if options.retain.contains(id) => Disposal::Retain,
                _ => Disposal::Delete { snapshot: false },
            };
            dispositions.insert(id.clone(), d);
        }
        self.run_deletes(op, stack, &ids, &after, &dispositions, options.parallelism)
    }

    fn run_deletes(
        &self,
        op: &Op<'_, '_>,
        stack: &StackRecord,
        ids: &[String],
        after: &[Vec<String>],
        dispositions: &HashMap<String, Disposal>,
        parallelism: usize,
    ) -> Result<Schedule> {
        let resources: HashMap<String, ResourceRecord> = op
            .store()
            .resources(&stack.name)?
            .into_iter()
            .map(|r| (r.logical_id.clone(), r))
            .collect();
        let store_error = std::sync::Mutex::new(None);
        let schedule = schedule::run(ids, after, parallelism, |id| {
            let Some(record) = resources.get(id) else {
                return StepResult::Done;
            };
            let disposal = dispositions
                .get(id)
                .copied()
                .unwrap_or(Disposal::Delete { snapshot: false });
            match delete_one(op, stack, record.clone(), disposal) {
                Ok(r) => r,
                Err(e) => {
                    let reason = e.to_string();
                    if let EngineError::State(s) = e {
                        store_error.lock().expect("lock").get_or_insert(s);
                    }
                    StepResult::Failed(reason)
                }
            }
        });
        if let Some(e) = store_error.into_inner().expect("lock") {
            return Err(e.into());
        }
        Ok(schedule)
    }
}

pub(super) fn delete_one(
    op: &Op<'_, '_>,
    stack: &StackRecord,
    mut record: ResourceRecord,
    disposal: Disposal,
) -> Result<StepResult> {
    let ty = record.resource_type.clone();
    let lid = record.logical_id.clone();
    if !record.pending.is_empty() {
        // Physical resources an update replaced and did not clean up yet go first.
        record = op.engine.delete_pending(op, stack, &record)?;
        if !record.pending.is_empty() {
            return Ok(StepResult::Failed(format!(
                "a physical resource `{lid}` replaced earlier failed to delete"
            )));
        }
    }
    let Some(physical) = record.physical_id.clone() else {
        // Never created (its create failed or never ran): nothing to delete in the cloud.
        op.record_deferred(
            Change::RemoveResource(&stack.name, &lid),
            &lid,
            None,
            &ty,
            "DELETE_COMPLETE",
            None,
        )?;
        return Ok(StepResult::Done);
    };
    if disposal == Disposal::Retain {
        op.record_deferred(
            Change::RemoveResource(&stack.name, &lid),
            &lid,
            Some(&physical),
            &ty,
            "DELETE_SKIPPED",
            None,
        )?;
        return Ok(StepResult::Done);
    }
    record.status = ResourceStatus::DELETE_IN_PROGRESS;
    record.status_reason = None;
    record.token = Some(format!("{}:{lid}:delete", op.id));
    op.record(
        Change::Resource(&stack.name, &record),
        &lid,
        Some(&physical),
        &ty,
        "DELETE_IN_PROGRESS",
        None,
    )?;
    let request = DeleteRequest {
        stack_name: stack.name.clone(),
        logical_id: lid.clone(),
        resource_type: ty.clone(),
        physical_id: physical.clone(),
        snapshot: matches!(disposal, Disposal::Delete { snapshot: true }),
        token: record.token.clone().unwrap_or_default(),
    };
    match op.provider().delete(&request) {
        Ok(()) => {}
        Err(e) if e.kind == ErrorKind::NotFound => {}
        Err(e) => {
            record.status = ResourceStatus::DELETE_FAILED;
            record.status_reason = Some(e.message.clone());
            op.record(
                Change::Resource(&stack.name, &record),
                &lid,
                Some(&physical),
                &ty,
                "DELETE_FAILED",
                Some(&e.message),
            )?;
            return Ok(StepResult::Failed(e.message));
        }
    }
    op.record_deferred(
        Change::RemoveResource(&stack.name, &lid),
        &lid,
        Some(&physical),
        &ty,
        "DELETE_COMPLETE",
        None,
    )?;
    Ok(StepResult::Done)
}
