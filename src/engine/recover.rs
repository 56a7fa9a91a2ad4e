//! Recovering an operation a crash (or a kill) interrupted. The state store records every transition
//! before the provider is called, and the provider's creates are idempotent by token, so the next command
//! can settle each resource — adopt what the provider made, forget what it never made — and then finish
//! the stack's operation the safe way: an interrupted create or rollback rolls back, an interrupted delete
//! deletes. No physical resource is left untracked.

use crate::state::{Change, ResourceStatus, StackRecord, StackStatus};

use super::{Engine, EngineError, Op, Options, Outcome, Result};

impl Engine<'_> {
    /// Recovers `stack` if an operation was interrupted; `None` when there was nothing to recover.
    pub fn recover(&self, stack_name: &str, options: &Options) -> Result<Option<Outcome>> {
        let Some(stack) = self.store.stack(stack_name)? else {
            return Ok(None);
        };
        if !stack.status.is_in_progress() {
            return Ok(None);
        }
        // A live lock means the operation is still running in another process.
        let op = Op::begin(self, stack_name, "recover")?;
        // Read again under the lock: the operation seen in progress may have finished in the meantime.
        let result = match self.store.stack(stack_name) {
            Ok(Some(stack)) if stack.status.is_in_progress() => {
                self.recover_locked(&op, stack, options).map(Some)
            }
            Ok(_) => Ok(None),
            Err(e) => Err(e.into()),
        };
        op.finish()?;
        result
    }

    fn recover_locked(
        &self,
        op: &Op<'_, '_>,
        mut stack: StackRecord,
        options: &Options,
    ) -> Result<Outcome> {
        self.settle_resources(op, &stack)?;
        let interrupted = format!(
            "Cairn stopped during {}; recovered by operation {}",
            stack.status, op.id
        );
        if let Some(outcome) = self.recover_update(op, &mut stack, &interrupted, options)? {
            return Ok(outcome);
        }
        let delete = matches!(stack.status, StackStatus::DELETE_IN_PROGRESS);
        if delete {
            // Finish the delete.
            stack.status_reason = Some(interrupted);
            let s = self.delete_resources(op, &stack, options, false)?;
            if s.failed.is_empty() {
                op.store().set_exports(&stack.name, &[])?;
                stack.outputs.clear();
                op.stack_status(&mut stack, StackStatus::DELETE_COMPLETE, None)?;
            } else {
                op.stack_status(
                    &mut stack,
                    StackStatus::DELETE_FAILED,
                    Some(failed_to_delete(&s.failed)),
                )?;
            }
            return Ok(Outcome {
                goal: StackStatus::DELETE_COMPLETE,
                stack,
                operation_id: op.id.clone(),
                failed: s.failed,
                cancelled: Vec::new(),
            });
        }
        // An interrupted create, rollback (or update, whose recovery is a rollback too): roll back.
        if stack.status != StackStatus::ROLLBACK_IN_PROGRESS {
            op.stack_status(
                &mut stack,
                StackStatus::ROLLBACK_IN_PROGRESS,
                Some(interrupted),
            )?;
        }
        let s = self.delete_resources(op, &stack, options, true)?;
        if s.failed.is_empty() {
            op.stack_status(&mut stack, StackStatus::ROLLBACK_COMPLETE, None)?;
        } else {
            op.stack_status(
                &mut stack,
                StackStatus::ROLLBACK_FAILED,
                Some(failed_to_delete(&s.failed)),
            )?;
        }
        Ok(Outcome {
            goal: StackStatus::ROLLBACK_COMPLETE,
            stack,
            operation_id: op.id.clone(),
            failed: s.failed,
            cancelled: Vec::new(),
        })
    }

    /// An interrupted update rolls back; an interrupted cleanup phase is finished. `None` when the stack
    /// was not updating.
    fn recover_update(
        &self,
        op: &Op<'_, '_>,
        stack: &mut StackRecord,
        interrupted: &str,
        options: &Options,
    ) -> Result<Option<Outcome>> {
        use StackStatus::*;
        if !matches!(
            stack.status,
            UPDATE_IN_PROGRESS
                | UPDATE_ROLLBACK_IN_PROGRESS
                | UPDATE_COMPLETE_CLEANUP_IN_PROGRESS
                | UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS
        ) {
            return Ok(None);
        }
        let snapshot = self.snapshot_of(stack)?;
        let (goal, failed) = match stack.status {
            UPDATE_COMPLETE_CLEANUP_IN_PROGRESS => {
                self.cleanup(op, stack, &snapshot, options)?;
                op.stack_status(stack, UPDATE_COMPLETE, None)?;
                op.store().put_snapshot(&stack.name, None)?;
                (UPDATE_COMPLETE, Vec::new())
            }
            UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS => {
                self.finish_rollback_cleanup(op, stack, &snapshot, options)?;
                (UPDATE_ROLLBACK_COMPLETE, Vec::new())
            }
            _ => {
                let failed =
                    self.update_rollback(op, stack, &snapshot, interrupted.to_owned(), options)?;
                (UPDATE_ROLLBACK_COMPLETE, failed)
            }
        };
        Ok(Some(Outcome {
            goal,
            stack: stack.clone(),
            operation_id: op.id.clone(),
            failed,
            cancelled: Vec::new(),
        }))
    }

    /// Settles every resource left in progress: what the provider made is adopted, what it never made
    /// is forgotten, what it already deleted is removed.
    fn settle_resources(&self, op: &Op<'_, '_>, stack: &StackRecord) -> Result<()> {
        for mut r in op.store().resources(&stack.name)? {
            match r.status {
                ResourceStatus::CREATE_IN_PROGRESS => {
                    let found = match &r.token {
                        Some(t) => op
                            .provider()
                            .find_by_token(t)
                            .map_err(|e| EngineError::Refused(e.message))?,
                        None => None,
                    };
                    match found {
                        Some(state) => {
                            r.physical_id = Some(state.physical_id.clone());
                            r.attributes =
                                serde_json::Value::Object(state.attributes.into_iter().collect());
                            r.status = ResourceStatus::CREATE_COMPLETE;
                            r.status_reason = Some("adopted after an interrupted operation".into());
                            op.record(
                                Change::Resource(&stack.name, &r),
                                &r.logical_id,
                                Some(&state.physical_id),
                                &r.resource_type,
                                "CREATE_COMPLETE",
                                r.status_reason.as_deref(),
                            )?;
                        }
                        None => {
                            r.status = ResourceStatus::CREATE_FAILED;
                            r.status_reason = Some("Resource creation cancelled".into());
                            op.record(
                                Change::Resource(&stack.name, &r),
                                &r.logical_id,
                                None,
                                &r.resource_type,
                                "CREATE_FAILED",
                                r.status_reason.as_deref(),
                            )?;
                        }
                    }
                }
                ResourceStatus::UPDATE_IN_PROGRESS => {
                    // A replacement's create may have happened: its new resource joins the cleanup.
                    let found = match &r.token {
                        Some(t) if t.ends_with(":replace") => op
                            .provider()
                            .find_by_token(t)
                            .map_err(|e| EngineError::Refused(e.message))?,
                        _ => None,
                    };
                    if let Some(state) = found
                        && Some(&state.physical_id) != r.physical_id.as_ref()
                    {
                        r.pending.push(crate::state::PendingDelete {
                            physical_id: state.physical_id.clone(),
                            resource_type: r.resource_type.clone(),
                            properties: state.properties.clone(),
                            policy: "Delete".into(),
                        });
                        op.store().put_resource(&stack.name, &r)?;
                    }
                }
                ResourceStatus::DELETE_IN_PROGRESS => {
                    let live = match &r.physical_id {
                        Some(p) => op
                            .provider()
                            .read(&r.resource_type, p)
                            .map_err(|e| EngineError::Refused(e.message))?
                            .is_some(),
                        None => false,
                    };
                    if live {
                        r.status = ResourceStatus::DELETE_FAILED;
                        r.status_reason = Some("interrupted; the delete is retried".into());
                        op.store().put_resource(&stack.name, &r)?;
                    } else {
                        op.record(
                            Change::RemoveResource(&stack.name, &r.logical_id),
                            &r.logical_id,
                            r.physical_id.as_deref(),
                            &r.resource_type,
                            "DELETE_COMPLETE",
                            None,
                        )?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn failed_to_delete(failed: &[(String, String)]) -> String {
    let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
    format!(
        "The following resource(s) failed to delete: [{}]. ",
        names.join(", ")
    )
}
