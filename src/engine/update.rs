//! Updating a stack: UPDATE_IN_PROGRESS, the plan's creates, in-place updates and replacements in
//! dependency order (each resource evaluated when what it needs is done, so it points at the new physical
//! resources), then UPDATE_COMPLETE_CLEANUP_IN_PROGRESS deleting the old halves of replacements and the
//! removed resources, dependents first, then UPDATE_COMPLETE. The stack as it was is saved first: on a
//! failure the update rolls back to it (`update_rollback.rs`), or stops in UPDATE_FAILED when asked to.

use std::collections::HashSet;

use crate::evaluate::{KnownResource, Value};
use crate::plan::{Plan, StepAction, diff_properties, requires_recreation, update_allowed};
use crate::provider::{CreateRequest, DeleteRequest, UpdateRequest};
use crate::spec::ReplacementStrategy;
use crate::state::{
    Change, PendingDelete, ResourceRecord, ResourceStatus, StackRecord, StackSnapshot, StackStatus,
};

use super::create::Run;
use super::delete::Disposal;
use super::schedule::{self, StepResult};
use super::{Engine, EngineError, OnFailure, Op, Options, Outcome, Result};

impl Engine<'_> {
    pub(super) fn update(&self, plan: &Plan, options: &Options) -> Result<Outcome> {
        let op = Op::begin(self, &plan.stack_name, "update")?;
        let result = self.update_locked(&op, plan, options);
        op.finish()?;
        result
    }

    fn update_locked(&self, op: &Op<'_, '_>, plan: &Plan, options: &Options) -> Result<Outcome> {
        let Some(mut stack) = self.store.stack(&plan.stack_name)? else {
            return Err(EngineError::Refused(format!(
                "stack `{}` does not exist",
                plan.stack_name
            )));
        };
        super::check_base(plan, &stack)?;
        update_allowed(&stack).map_err(EngineError::Refused)?;
        let resources = self.store.resources(&stack.name)?;
        // Saved before the status moves: a crash from here on finds it and rolls back to it.
        let snapshot = StackSnapshot {
            stack: stack.clone(),
            resources: resources.clone(),
        };
        self.store.put_snapshot(&stack.name, Some(&snapshot))?;
        stack.template = plan.template.text().to_owned();
        stack.parameters = plan.parameters.clone();
        stack.imports = plan.imports.clone();
        op.stack_status(
            &mut stack,
            StackStatus::UPDATE_IN_PROGRESS,
            Some("User Initiated".into()),
        )?;
        let mut run = Run::new(op, plan, &stack)?;
        // Each step changes only its own record: the records as they were are what it starts from.
        run.recorded = resources
            .iter()
            .map(|r| (r.logical_id.clone(), r.clone()))
            .collect();
        {
            let known = &mut run.known.write().expect("lock").resources;
            for r in &resources {
                if let Some(ref_value) = r.ref_text() {
                    known.insert(
                        r.logical_id.clone(),
                        KnownResource::recorded(ref_value, &r.attributes),
                    );
                }
            }
        }
        let ids: Vec<String> = plan.steps.iter().map(|s| s.logical_id.clone()).collect();
        let after: Vec<Vec<String>> = plan.steps.iter().map(|s| s.after.clone()).collect();
        let schedule = schedule::run(&ids, &after, options.parallelism, |id| {
            let step = run.steps[id];
            match step.action {
                StepAction::Create => run.create_one(id),
                _ => run.settle(run.try_update(id)),
            }
        });
        if let Some(e) = run.store_error.take() {
            return Err(e.into());
        }
        let mut failed = schedule.failed;
        if failed.is_empty() {
            let recorded = match run.final_outputs(&stack, false)? {
                Ok(outputs) => op.stack_status_with_outputs(
                    &mut stack,
                    StackStatus::UPDATE_COMPLETE_CLEANUP_IN_PROGRESS,
                    outputs,
                )?,
                Err(reason) => Err(reason),
            };
            match recorded {
                Ok(()) => {
                    self.cleanup(op, &stack, &snapshot, options)?;
                    op.stack_status(&mut stack, StackStatus::UPDATE_COMPLETE, None)?;
                    self.store.put_snapshot(&stack.name, None)?;
                    return Ok(Outcome {
                        goal: StackStatus::UPDATE_COMPLETE,
                        stack,
                        operation_id: op.id.clone(),
                        failed: Vec::new(),
                        cancelled: Vec::new(),
                    });
                }
                Err(reason) => failed.push((stack.name.clone(), reason)),
            }
        }
        let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
        let why = format!(
            "The following resource(s) failed to update: [{}]. ",
            names.join(", ")
        );
        if options.on_failure == OnFailure::DoNothing {
            op.stack_status(&mut stack, StackStatus::UPDATE_FAILED, Some(why))?;
        } else {
            self.update_rollback(op, &mut stack, &snapshot, why, options)?;
        }
        Ok(Outcome {
            goal: StackStatus::UPDATE_COMPLETE,
            stack,
            operation_id: op.id.clone(),
            failed,
            cancelled: schedule.not_started,
        })
    }

    /// The cleanup phase of a successful update: the old physical resources of replacements (by their
    /// UpdateReplacePolicy) and the resources the new template no longer has (by their DeletionPolicy),
    /// dependents first. A failure here does not undo the update: the resource stays recorded as
    /// DELETE_FAILED (CloudFormation completes the update too).
    pub(super) fn cleanup(
        &self,
        op: &Op<'_, '_>,
        stack: &StackRecord,
        snapshot: &StackSnapshot,
        options: &Options,
    ) -> Result<()> {
        let kept = kept_ids(stack).ok_or_else(|| {
            EngineError::Refused(format!(
                "the recorded template of stack `{}` does not load: its cleanup cannot tell which resources to keep",
                stack.name
            ))
        })?;
        let old: serde_json::Value =
            serde_json::from_str(&snapshot.stack.template).unwrap_or_default();
        // Dependents first: later-recorded resources can only depend on earlier ones, and the old
        // template's order is the order the removed ones were created in.
        self.delete_in_reverse(op, stack, |r| {
            if kept.contains(r.logical_id.as_str()) {
                return None;
            }
            Some(match deletion_policy(&old, &r.logical_id) {
                Some("Retain" | "RetainExceptOnCreate") => Disposal::Retain,
                _ if options.retain.contains(&r.logical_id) => Disposal::Retain,
                Some("Snapshot") => Disposal::Delete { snapshot: true },
                _ => Disposal::Delete { snapshot: false },
            })
        })
    }

    /// Newest record first: deletes the physical resources waiting in each record's `pending`, then the
    /// resource itself when `remove` gives a disposal for it.
    pub(super) fn delete_in_reverse(
        &self,
        op: &Op<'_, '_>,
        stack: &StackRecord,
        remove: impl Fn(&ResourceRecord) -> Option<Disposal>,
    ) -> Result<()> {
        let records = op.store().resources(&stack.name)?;
        for r in records.into_iter().rev() {
            let current = if r.pending.is_empty() {
                r
            } else {
                self.delete_pending(op, stack, &r)?
            };
            if let Some(disposal) = remove(&current) {
                super::delete::delete_one(op, stack, current, disposal)?;
            }
        }
        Ok(())
    }

    /// Deletes (or keeps, by policy) the physical resources waiting in `r.pending`, one commit each; returns
    /// the record as it is then (what failed to delete is still pending).
    pub(super) fn delete_pending(
        &self,
        op: &Op<'_, '_>,
        stack: &StackRecord,
        r: &ResourceRecord,
    ) -> Result<ResourceRecord> {
        let mut record = r.clone();
        for p in r.pending.clone() {
            let physical = p.physical_id.clone();
            if p.policy == "Retain" {
                record.pending.retain(|x| x.physical_id != physical);
                op.record(
                    Change::Resource(&stack.name, &record),
                    &r.logical_id,
                    Some(&physical),
                    &r.resource_type,
                    "DELETE_SKIPPED",
                    Some("UpdateReplacePolicy Retain keeps the replaced resource"),
                )?;
                continue;
            }
            op.record(
                Change::Nothing,
                &r.logical_id,
                Some(&physical),
                &p.resource_type,
                "DELETE_IN_PROGRESS",
                None,
            )?;
            let request = DeleteRequest {
                stack_name: stack.name.clone(),
                logical_id: r.logical_id.clone(),
                resource_type: p.resource_type.clone(),
                physical_id: physical.clone(),
                snapshot: p.policy == "Snapshot",
                token: format!("{}:{}:{physical}:delete", op.id, r.logical_id),
            };
            match op.provider().delete(&request) {
                Ok(()) => {}
                Err(e) if e.kind == crate::provider::ErrorKind::NotFound => {}
                Err(e) => {
                    op.record(
                        Change::Nothing,
                        &r.logical_id,
                        Some(&physical),
                        &p.resource_type,
                        "DELETE_FAILED",
                        Some(&e.message),
                    )?;
                    continue;
                }
            }
            record.pending.retain(|x| x.physical_id != physical);
            op.record(
                Change::Resource(&stack.name, &record),
                &r.logical_id,
                Some(&physical),
                &p.resource_type,
                "DELETE_COMPLETE",
                None,
            )?;
        }
        Ok(record)
    }
}

impl Run<'_, '_, '_> {
    /// An update step: in place, or a replacement when a create-only value changes (or the plan says so).
    pub(super) fn try_update(&self, id: &str) -> Result<StepResult> {
        let step = self.steps[id];
        let Some(mut record) = self.recorded.get(id).cloned() else {
            return Err(EngineError::Refused(format!(
                "resource `{id}` of stack `{}` is not recorded: plan again",
                self.op.stack_name
            )));
        };
        let evaluated = match self.evaluate(id) {
            Ok(e) => e,
            Err(reason) => return self.update_failed(record, reason),
        };
        let rt = crate::spec::resource_type(&record.resource_type);
        let before = Value::from_serde(&record.properties);
        let diffs = diff_properties(rt, &before, &evaluated.properties);
        if diffs.is_empty() && step.action == StepAction::Update {
            // Only template attributes changed (or a dynamic value turned out the same): nothing to call.
            for status in ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"] {
                self.op.record(
                    Change::Nothing,
                    id,
                    record.physical_id.as_deref(),
                    &record.resource_type,
                    status,
                    None,
                )?;
            }
            return Ok(StepResult::Done);
        }
        let replace = step.action == StepAction::Replace
            || diffs
                .iter()
                .any(|d| requires_recreation(rt, &d.path) != "Never");
        let properties = evaluated.properties.to_serde();
        if !replace {
            return self.update_in_place(record, properties);
        }
        if let Some(np) = rt.and_then(|t| t.name_property())
            && record.properties.get(np).is_some()
            && record.properties.get(np) == properties.get(np)
        {
            return self.update_failed(
                record,
                format!(
                    "CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename {id} and update the stack again."
                ),
            );
        }
        let policy = evaluated
            .update_replace_policy
            .clone()
            .unwrap_or_else(|| "Delete".into());
        let delete_first =
            rt.is_some_and(|t| t.replacement_strategy() == ReplacementStrategy::DeleteThenCreate);
        record.status = ResourceStatus::UPDATE_IN_PROGRESS;
        record.status_reason = Some(
            "Requested update requires the creation of a new physical resource; hence creating one."
                .into(),
        );
        record.token = Some(format!("{}:{id}:replace", self.op.id));
        self.op.record(
            Change::Resource(&self.op.stack_name, &record),
            id,
            record.physical_id.as_deref(),
            &record.resource_type,
            "UPDATE_IN_PROGRESS",
            record.status_reason.as_deref(),
        )?;
        let old = record.physical_id.clone().map(|physical_id| PendingDelete {
            physical_id,
            resource_type: record.resource_type.clone(),
            properties: record.properties.clone(),
            policy: policy.clone(),
        });
        if delete_first && let Some(old) = &old {
            // The type cannot hold two at once: the old one goes first (it cannot be restored as is).
            let request = DeleteRequest {
                stack_name: self.op.stack_name.clone(),
                logical_id: id.to_owned(),
                resource_type: record.resource_type.clone(),
                physical_id: old.physical_id.clone(),
                snapshot: policy == "Snapshot",
                token: format!("{}:{id}:delete-first", self.op.id),
            };
            if policy != "Retain"
                && let Err(e) = self.op.provider().delete(&request)
                && e.kind != crate::provider::ErrorKind::NotFound
            {
                return self.update_failed(record, e.message);
            }
            record.physical_id = None;
            record.ref_value = None;
            self.op.store().put_resource(&self.op.stack_name, &record)?;
        }
        let request = CreateRequest {
            stack_name: self.op.stack_name.clone(),
            logical_id: id.to_owned(),
            resource_type: record.resource_type.clone(),
            properties: properties.clone(),
            token: record.token.clone().unwrap_or_default(),
        };
        match self.op.provider().create(&request) {
            Ok(state) => {
                super::create::take_state(&mut record, &state, ResourceStatus::UPDATE_COMPLETE);
                record.properties = properties;
                if !delete_first && let Some(old) = old {
                    record.pending.push(old);
                }
                record.status_reason = None;
                self.op.record(
                    Change::Resource(&self.op.stack_name, &record),
                    id,
                    Some(&state.physical_id),
                    &record.resource_type,
                    "UPDATE_COMPLETE",
                    None,
                )?;
                self.learn(id, &state);
                Ok(StepResult::Done)
            }
            Err(e) => self.update_failed(record, e.message),
        }
    }

    fn update_in_place(
        &self,
        mut record: ResourceRecord,
        properties: serde_json::Value,
    ) -> Result<StepResult> {
        let id = record.logical_id.clone();
        record.status = ResourceStatus::UPDATE_IN_PROGRESS;
        record.status_reason = None;
        self.op.record(
            Change::Resource(&self.op.stack_name, &record),
            &id,
            record.physical_id.as_deref(),
            &record.resource_type,
            "UPDATE_IN_PROGRESS",
            None,
        )?;
        let request = UpdateRequest {
            stack_name: self.op.stack_name.clone(),
            logical_id: id.clone(),
            resource_type: record.resource_type.clone(),
            physical_id: record.physical_id.clone().unwrap_or_default(),
            previous: record.properties.clone(),
            properties: properties.clone(),
            token: format!("{}:{id}:update", self.op.id),
        };
        match self.op.provider().update(&request) {
            Ok(state) => {
                record.properties = properties;
                super::create::take_state(&mut record, &state, ResourceStatus::UPDATE_COMPLETE);
                self.op.record(
                    Change::Resource(&self.op.stack_name, &record),
                    &id,
                    Some(&state.physical_id),
                    &record.resource_type,
                    "UPDATE_COMPLETE",
                    None,
                )?;
                self.learn(&id, &state);
                Ok(StepResult::Done)
            }
            Err(e) => self.update_failed(record, e.message),
        }
    }

    fn learn(&self, id: &str, state: &crate::provider::ResourceState) {
        let attributes = serde_json::Value::Object(state.attributes.clone().into_iter().collect());
        self.known.write().expect("lock").resources.insert(
            id.to_owned(),
            KnownResource::recorded(&state.ref_value, &attributes),
        );
    }

    fn update_failed(&self, mut record: ResourceRecord, reason: String) -> Result<StepResult> {
        record.status = ResourceStatus::UPDATE_FAILED;
        record.status_reason = Some(reason.clone());
        self.op.record(
            Change::Resource(&self.op.stack_name, &record),
            &record.logical_id,
            record.physical_id.as_deref(),
            &record.resource_type,
            "UPDATE_FAILED",
            Some(&reason),
        )?;
        Ok(StepResult::Failed(reason))
    }
}

/// The logical ids the stack's (new) template keeps with its recorded parameters: resources in
/// `Resources` whose condition holds.
pub(super) fn kept_ids(stack: &StackRecord) -> Option<HashSet<String>> {
    let template = super::create::template_of(&stack.template, &stack.name).ok()?;
    let inputs = super::create::inputs_of(stack, "");
    let conditions = crate::evaluate::conditions(&template, &inputs).ok()?;
    let kept = template
        .resources
        .iter()
        .filter(|(_, r)| {
            r.condition
                .as_ref()
                .is_none_or(|c| conditions.get(&c.value).copied().unwrap_or(true))
        })
        .map(|(k, _)| k.clone())
        .collect();
    Some(kept)
}

/// A resource's DeletionPolicy in a recorded template (JSON).
fn deletion_policy<'j>(template: &'j serde_json::Value, id: &str) -> Option<&'j str> {
    template
        .get("Resources")?
        .get(id)?
        .get("DeletionPolicy")?
        .as_str()
}
