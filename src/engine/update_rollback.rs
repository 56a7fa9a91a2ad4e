//! Rolling an update back to the stack saved when it began: UPDATE_ROLLBACK_IN_PROGRESS puts every
//! resource the update touched back to its previous properties and physical resource (dependencies
//! first), then UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS deletes what the update created (new
//! resources, the new halves of replacements), then UPDATE_ROLLBACK_COMPLETE. Only the saved records are
//! used: templates and snippets are not read again. A failure while restoring ends in
//! UPDATE_ROLLBACK_FAILED; `continue_rollback` retries, skipping resources the user names, as
//! CloudFormation's ContinueUpdateRollback does. `rollback` returns a stack an update left in
//! UPDATE_FAILED (or a create left in CREATE_FAILED) to its last stable state.

use std::collections::HashMap;

use crate::provider::{CreateRequest, UpdateRequest};
use crate::state::{
    Change, PendingDelete, ResourceRecord, ResourceStatus, StackRecord, StackSnapshot, StackStatus,
};

use super::create::exports_of;
use super::{Engine, EngineError, Op, Options, Outcome, Result};

const SKIPPED: &str = "Resource skipped during continue-update-rollback";

impl Engine<'_> {
    /// Rolls the update back from wherever it stopped. `stack` ends UPDATE_ROLLBACK_COMPLETE or
    /// UPDATE_ROLLBACK_FAILED.
    pub(super) fn update_rollback(
        &self,
        op: &Op<'_, '_>,
        stack: &mut StackRecord,
        snapshot: &StackSnapshot,
        why: String,
        options: &Options,
    ) -> Result<Vec<(String, String)>> {
        stack.template = snapshot.stack.template.clone();
        stack.parameters = snapshot.stack.parameters.clone();
        stack.imports = snapshot.stack.imports.clone();
        if stack.status != StackStatus::UPDATE_ROLLBACK_IN_PROGRESS {
            op.stack_status(stack, StackStatus::UPDATE_ROLLBACK_IN_PROGRESS, Some(why))?;
        }
        let failed = self.restore(op, stack, snapshot)?;
        if !failed.is_empty() {
            let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
            op.stack_status(
                stack,
                StackStatus::UPDATE_ROLLBACK_FAILED,
                Some(format!(
                    "The following resource(s) failed to update: [{}]. ",
                    names.join(", ")
                )),
            )?;
            return Ok(failed);
        }
        op.stack_status(
            stack,
            StackStatus::UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS,
            None,
        )?;
        self.rollback_cleanup(op, stack, snapshot, options)?;
        stack.outputs = snapshot.stack.outputs.clone();
        op.store()
            .set_exports(&stack.name, &exports_of(&stack.name, &stack.outputs))?;
        op.stack_status(stack, StackStatus::UPDATE_ROLLBACK_COMPLETE, None)?;
        op.store().put_snapshot(&stack.name, None)?;
        Ok(Vec::new())
    }

    /// Puts each resource the update changed back as the snapshot has it; dependencies first (the order
    /// they were first recorded in). Returns the resources that could not be restored.
    fn restore(
        &self,
        op: &Op<'_, '_>,
        stack: &StackRecord,
        snapshot: &StackSnapshot,
    ) -> Result<Vec<(String, String)>> {
        let before: HashMap<&str, &ResourceRecord> = snapshot
            .resources
            .iter()
            .map(|r| (r.logical_id.as_str(), r))
            .collect();
        let mut failed = Vec::new();
        for current in op.store().resources(&stack.name)? {
            let Some(old) = before.get(current.logical_id.as_str()) else {
                continue; // created by the update: deleted in the cleanup
            };
            if let Err(reason) = self.restore_one(op, stack, current, old)? {
                failed.push(reason);
            }
        }
        Ok(failed)
    }

    fn restore_one(
        &self,
        op: &Op<'_, '_>,
        stack: &StackRecord,
        mut current: ResourceRecord,
        old: &ResourceRecord,
    ) -> Result<std::result::Result<(), (String, String)>> {
        let id = current.logical_id.clone();
        let same_physical = current.physical_id == old.physical_id;
        let untouched = same_physical
            && current.properties == old.properties
            && current.status == old.status
            && current.pending.is_empty();
        if untouched {
            return Ok(Ok(()));
        }
        let mut restored = old.clone();
        restored.pending = current
            .pending
            .iter()
            .filter(|p| Some(&p.physical_id) != old.physical_id.as_ref())
            .cloned()
            .collect();
        if same_physical {
            // A resource whose update was in flight when Cairn stopped may hold the new values in the
            // cloud. (A call that failed changed nothing: see `Provider`.)
            let unsure = current.status == ResourceStatus::UPDATE_IN_PROGRESS;
            if current.properties != old.properties || unsure {
                current.status = ResourceStatus::UPDATE_IN_PROGRESS;
                op.record(
                    Change::Resource(&stack.name, &current),
                    &id,
                    current.physical_id.as_deref(),
                    &current.resource_type,
                    "UPDATE_IN_PROGRESS",
                    None,
                )?;
                let request = UpdateRequest {
                    stack_name: stack.name.clone(),
                    logical_id: id.clone(),
                    resource_type: current.resource_type.clone(),
                    physical_id: current.physical_id.clone().unwrap_or_default(),
                    previous: current.properties.clone(),
                    properties: old.properties.clone(),
                    token: format!("{}:{id}:restore", op.id),
                };
                match op.provider().update(&request) {
                    Ok(state) => {
                        restored.attributes =
                            serde_json::Value::Object(state.attributes.into_iter().collect());
                        restored.ref_value = Some(state.ref_value);
                    }
                    Err(e) => return self.rollback_failed(op, stack, current, e.message),
                }
            }
        } else {
            // Replaced: the new physical resource joins the cleanup; the old one comes back, or is made
            // again when the replacement deleted it first.
            if let Some(new) = &current.physical_id {
                restored.pending.push(PendingDelete {
                    physical_id: new.clone(),
                    resource_type: current.resource_type.clone(),
                    properties: current.properties.clone(),
                    policy: "Delete".into(),
                });
            }
            let old_exists = match &old.physical_id {
                Some(p) => op
                    .provider()
                    .read(&old.resource_type, p)
                    .map_err(|e| EngineError::Refused(e.message))?
                    .is_some(),
                None => false,
            };
            if !old_exists {
                let request = CreateRequest {
                    stack_name: stack.name.clone(),
                    logical_id: id.clone(),
                    resource_type: old.resource_type.clone(),
                    properties: old.properties.clone(),
                    token: format!("{}:{id}:recreate", op.id),
                };
                current.token = Some(request.token.clone());
                op.store().put_resource(&stack.name, &current)?;
                match op.provider().create(&request) {
                    Ok(state) => {
                        restored.physical_id = Some(state.physical_id);
                        restored.ref_value = Some(state.ref_value);
                        restored.attributes =
                            serde_json::Value::Object(state.attributes.into_iter().collect());
                    }
                    Err(e) => return self.rollback_failed(op, stack, current, e.message),
                }
            }
        }
        restored.status = ResourceStatus::UPDATE_COMPLETE;
        restored.status_reason = None;
        op.record(
            Change::Resource(&stack.name, &restored),
            &id,
            restored.physical_id.as_deref(),
            &restored.resource_type,
            "UPDATE_COMPLETE",
            None,
        )?;
        Ok(Ok(()))
    }

    fn rollback_failed(
        &self,
        op: &Op<'_, '_>,
        stack: &StackRecord,
        mut current: ResourceRecord,
        reason: String,
    ) -> Result<std::result::Result<(), (String, String)>> {
        current.status = ResourceStatus::UPDATE_FAILED;
        current.status_reason = Some(reason.clone());
        op.record(
            Change::Resource(&stack.name, &current),
            &current.logical_id,
            current.physical_id.as_deref(),
            &current.resource_type,
            "UPDATE_FAILED",
            Some(&reason),
        )?;
        Ok(Err((current.logical_id, reason)))
    }

    /// Finishes a rollback interrupted in its cleanup phase.
    pub(super) fn finish_rollback_cleanup(
        &self,
        op: &Op<'_, '_>,
        stack: &mut StackRecord,
        snapshot: &StackSnapshot,
        options: &Options,
    ) -> Result<()> {
        self.rollback_cleanup(op, stack, snapshot, options)?;
        stack.outputs = snapshot.stack.outputs.clone();
        op.store()
            .set_exports(&stack.name, &exports_of(&stack.name, &stack.outputs))?;
        op.stack_status(stack, StackStatus::UPDATE_ROLLBACK_COMPLETE, None)?;
        op.store().put_snapshot(&stack.name, None)?;
        Ok(())
    }

    /// Deletes what the update created: new resources (newest first) and the new halves of replacements.
    fn rollback_cleanup(
        &self,
        op: &Op<'_, '_>,
        stack: &StackRecord,
        snapshot: &StackSnapshot,
        options: &Options,
    ) -> Result<()> {
        let before: std::collections::HashSet<&str> = snapshot
            .resources
            .iter()
            .map(|r| r.logical_id.as_str())
            .collect();
        self.delete_in_reverse(op, stack, |r| {
            if before.contains(r.logical_id.as_str()) {
                None
            } else if options.retain.contains(&r.logical_id) {
                Some(super::delete::Disposal::Retain)
            } else {
                Some(super::delete::Disposal::Delete { snapshot: false })
            }
        })
    }

    /// `cairn continue-rollback`: finishes an update rollback that failed (UPDATE_ROLLBACK_FAILED).
    /// `skip` names resources whose restore failed: they are taken as restored without calling the cloud.
    pub fn continue_rollback(
        &self,
        stack_name: &str,
        skip: &[String],
        options: &Options,
    ) -> Result<Outcome> {
        let op = Op::begin(self, stack_name, "continue-rollback")?;
        let result = self.continue_locked(&op, stack_name, skip, options);
        op.finish()?;
        result
    }

    fn continue_locked(
        &self,
        op: &Op<'_, '_>,
        stack_name: &str,
        skip: &[String],
        options: &Options,
    ) -> Result<Outcome> {
        let mut stack = self.stack_in(stack_name, &[StackStatus::UPDATE_ROLLBACK_FAILED])?;
        let snapshot = self.snapshot_of(&stack)?;
        let records = op.store().resources(stack_name)?;
        for id in skip {
            let Some(r) = records.iter().find(|r| &r.logical_id == id) else {
                return Err(EngineError::Refused(format!(
                    "stack `{stack_name}` has no resource `{id}`"
                )));
            };
            if r.status != ResourceStatus::UPDATE_FAILED {
                return Err(EngineError::Refused(format!(
                    "resource `{id}` is {}: only resources that failed to roll back (UPDATE_FAILED) can be skipped",
                    r.status
                )));
            }
        }
        for id in skip {
            let Some(old) = snapshot.resources.iter().find(|r| &r.logical_id == id) else {
                continue;
            };
            let mut restored = old.clone();
            restored.status = ResourceStatus::UPDATE_COMPLETE;
            restored.status_reason = Some(SKIPPED.into());
            op.record(
                Change::Resource(stack_name, &restored),
                id,
                restored.physical_id.as_deref(),
                &restored.resource_type,
                "UPDATE_COMPLETE",
                Some(SKIPPED),
            )?;
        }
        stack.status = StackStatus::UPDATE_ROLLBACK_FAILED;
        let failed = self.update_rollback(
            op,
            &mut stack,
            &snapshot,
            "Continue update rollback requested by user.".into(),
            options,
        )?;
        Ok(Outcome {
            goal: StackStatus::UPDATE_ROLLBACK_COMPLETE,
            stack,
            operation_id: op.id.clone(),
            failed,
            cancelled: Vec::new(),
        })
    }

    /// `cairn rollback`: returns a stack left in UPDATE_FAILED (or CREATE_FAILED) by `--on-failure
    /// do-nothing` to its last stable state.
    pub fn rollback(&self, stack_name: &str, options: &Options) -> Result<Outcome> {
        let op = Op::begin(self, stack_name, "rollback")?;
        let result = self.rollback_locked(&op, stack_name, options);
        op.finish()?;
        result
    }

    fn rollback_locked(
        &self,
        op: &Op<'_, '_>,
        stack_name: &str,
        options: &Options,
    ) -> Result<Outcome> {
        let mut stack = self.stack_in(
            stack_name,
            &[StackStatus::UPDATE_FAILED, StackStatus::CREATE_FAILED],
        )?;
        if stack.status == StackStatus::CREATE_FAILED {
            op.stack_status(
                &mut stack,
                StackStatus::ROLLBACK_IN_PROGRESS,
                Some("Rollback requested by user.".into()),
            )?;
            let s = self.delete_resources(op, &stack, options, true)?;
            let status = if s.failed.is_empty() {
                StackStatus::ROLLBACK_COMPLETE
            } else {
                StackStatus::ROLLBACK_FAILED
            };
            op.stack_status(&mut stack, status, None)?;
            return Ok(Outcome {
                goal: StackStatus::ROLLBACK_COMPLETE,
                stack,
                operation_id: op.id.clone(),
                failed: s.failed,
                cancelled: Vec::new(),
            });
        }
        let snapshot = self.snapshot_of(&stack)?;
        let failed = self.update_rollback(
            op,
            &mut stack,
            &snapshot,
            "Rollback requested by user.".into(),
            options,
        )?;
        Ok(Outcome {
            goal: StackStatus::UPDATE_ROLLBACK_COMPLETE,
            stack,
            operation_id: op.id.clone(),
            failed,
            cancelled: Vec::new(),
        })
    }

    fn stack_in(&self, name: &str, allowed: &[StackStatus]) -> Result<StackRecord> {
        let Some(stack) = self.store.stack(name)? else {
            return Err(EngineError::Refused(format!(
                "stack `{name}` does not exist"
            )));
        };
        if !allowed.contains(&stack.status) {
            let list: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            return Err(EngineError::Refused(format!(
                "stack `{name}` is {}: this needs a stack in {}",
                stack.status,
                list.join(" or ")
            )));
        }
        Ok(stack)
    }

    pub(super) fn snapshot_of(&self, stack: &StackRecord) -> Result<StackSnapshot> {
        self.store.snapshot(&stack.name)?.ok_or_else(|| {
            EngineError::Refused(format!(
                "stack `{}` has no record of its state before the update: it cannot be rolled back",
                stack.name
            ))
        })
    }
}
