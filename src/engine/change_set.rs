//! Change sets: a plan saved under a name for review, executed exactly later. Creating one for a stack
//! that does not exist puts the stack in REVIEW_IN_PROGRESS (type CREATE). A change set with no changes
//! ends FAILED with CloudFormation's reason. Executing one runs its plan (refused when the stack moved
//! since: the change set is then OBSOLETE) and makes the stack's other change sets OBSOLETE.

use std::collections::BTreeMap;

use crate::plan::{Operation, Plan};
use crate::state::{ChangeSetRecord, StackRecord, StackStatus};

use super::{Engine, EngineError, Options, Outcome, Result, new_id, now, stack_arn};

/// CloudFormation's reason for a change set that changes nothing.
pub const NO_CHANGES: &str = "The submitted information didn't contain changes. Submit different information to create a change set.";

impl Engine<'_> {
    /// Saves `plan` as change set `name` of its stack.
    pub fn create_change_set(
        &self,
        plan: &Plan,
        name: &str,
        description: Option<String>,
    ) -> Result<ChangeSetRecord> {
        // Under the stack's lock: a stack another process is creating or changing is not overwritten
        // with REVIEW_IN_PROGRESS (CloudFormation refuses change sets for a stack in progress too).
        let op = super::Op::begin(self, &plan.stack_name, "create-change-set")?;
        let result = self.create_change_set_locked(plan, name, description);
        op.finish()?;
        result
    }

    fn create_change_set_locked(
        &self,
        plan: &Plan,
        name: &str,
        description: Option<String>,
    ) -> Result<ChangeSetRecord> {
        let stack_name = &plan.stack_name;
        if self
            .store
            .change_sets(stack_name)?
            .iter()
            .any(|c| c.name == name)
        {
            return Err(EngineError::Refused(format!(
                "change set `{name}` of stack `{stack_name}` already exists: delete it or choose another name"
            )));
        }
        let stack = match self.store.stack(stack_name)? {
            Some(s) if s.status != StackStatus::DELETE_COMPLETE => s,
            _ => {
                let stack = review_stack(plan);
                self.store.put_stack(&stack)?;
                stack
            }
        };
        let change_set_type = if plan.operation == Operation::Create {
            "CREATE"
        } else {
            "UPDATE"
        };
        let (status, execution, reason) = if plan.has_changes() {
            ("CREATE_COMPLETE", "AVAILABLE", None)
        } else {
            ("FAILED", "UNAVAILABLE", Some(NO_CHANGES.to_owned()))
        };
        let arn_tail = format!("changeSet/{name}/{}", new_id());
        let record = ChangeSetRecord {
            stack_name: stack_name.clone(),
            name: name.to_owned(),
            id: stack
                .id
                .split(":stack/")
                .next()
                .map(|prefix| format!("{prefix}:{arn_tail}"))
                .unwrap_or(arn_tail),
            change_set_type: change_set_type.into(),
            status: status.into(),
            execution_status: execution.into(),
            status_reason: reason,
            description,
            plan: serde_json::to_value(plan).expect("plans serialize: this is a bug"),
            created_at: now(),
        };
        self.store.put_change_set(&record)?;
        Ok(record)
    }

    /// Executes change set `name`: its plan exactly, or a refusal when it is stale or not available.
    pub fn execute_change_set(
        &self,
        stack_name: &str,
        name: &str,
        options: &Options,
    ) -> Result<Outcome> {
        let mut record = self.change_set(stack_name, name)?;
        if record.execution_status != "AVAILABLE" {
            return Err(EngineError::Refused(format!(
                "change set `{name}` is {} ({}){}: it cannot be executed",
                record.execution_status,
                record.status,
                record
                    .status_reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            )));
        }
        let plan: Plan = serde_json::from_value(record.plan.clone()).map_err(|e| {
            EngineError::Refused(format!("change set `{name}` holds no readable plan: {e}"))
        })?;
        let stack = self.store.stack(stack_name)?;
        let stale = match (&plan.base, &stack) {
            (Some(base), Some(s)) => base.lineage != s.lineage || base.serial != s.serial,
            (None, Some(s)) => s.status != StackStatus::REVIEW_IN_PROGRESS,
            (_, None) => true,
        };
        if stale {
            record.execution_status = "OBSOLETE".into();
            self.store.put_change_set(&record)?;
            return Err(EngineError::Refused(format!(
                "change set `{name}` was made for an earlier state of stack `{stack_name}` (the stack changed since): it is obsolete; create a new one"
            )));
        }
        record.execution_status = "EXECUTE_IN_PROGRESS".into();
        self.store.put_change_set(&record)?;
        let outcome = self.apply(&plan, options);
        record.execution_status = match &outcome {
            Ok(o) if o.succeeded() => "EXECUTE_COMPLETE",
            _ => "EXECUTE_FAILED",
        }
        .into();
        self.store.put_change_set(&record)?;
        for mut other in self.store.change_sets(stack_name)? {
            if other.name != name && other.execution_status == "AVAILABLE" {
                other.execution_status = "OBSOLETE".into();
                self.store.put_change_set(&other)?;
            }
        }
        outcome
    }

    pub fn change_set(&self, stack_name: &str, name: &str) -> Result<ChangeSetRecord> {
        self.store
            .change_sets(stack_name)?
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| {
                EngineError::Refused(format!(
                    "ChangeSet [{name}] does not exist (stack `{stack_name}`)"
                ))
            })
    }

    /// Deletes change set `name`; one being executed cannot be.
    pub fn delete_change_set(&self, stack_name: &str, name: &str) -> Result<()> {
        let record = self.change_set(stack_name, name)?;
        if record.execution_status == "EXECUTE_IN_PROGRESS" {
            return Err(EngineError::Refused(format!(
                "change set `{name}` is being executed: it cannot be deleted"
            )));
        }
        self.store.remove_change_set(stack_name, name)?;
        Ok(())
    }
}

/// The record of a stack that exists only to hold a CREATE change set.
fn review_stack(plan: &Plan) -> StackRecord {
    let id = new_id();
    StackRecord {
        name: plan.stack_name.clone(),
        id: stack_arn(&plan.region, &plan.account_id, &plan.stack_name, &id),
        region: plan.region.clone(),
        status: StackStatus::REVIEW_IN_PROGRESS,
        status_reason: None,
        template: "{}".into(),
        parameters: Vec::new(),
        outputs: Vec::new(),
        tags: BTreeMap::new(),
        imports: Vec::new(),
        lineage: new_id(),
        serial: 0,
        created_at: now(),
        updated_at: now(),
    }
}
