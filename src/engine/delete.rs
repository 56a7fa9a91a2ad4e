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

/// This stack's exports other stacks import: `(export name, importing stack)`.
pub fn importers(
    store: &dyn crate::state::StateStore,
    stack: &StackRecord,
) -> std::result::Result<Vec<(String, String)>, crate::state::StateError> {
    let mine: Vec<&str> = stack
        .outputs
        .iter()
        .filter_map(|o| o.export_name.as_deref())
        .collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (other, imports) in store.imports()? {
        if other == stack.name {
            continue;
        }
        for import in imports {
            if mine.contains(&import.as_str()) {
                out.push((import, other.clone()));
            }
        }
    }
    Ok(out)
}

/// The deletes of one run: the resources in order (dependents first), what each waits for, what to do
/// with each, and the stack's resources as recorded (read once, under the lock).
struct Deletes<'a> {
    ids: &'a [String],
    after: &'a [Vec<String>],
    dispositions: &'a HashMap<String, Disposal>,
    resources: HashMap<String, ResourceRecord>,
}

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
        // Checked again under the lock: a stack may have started importing an export since the plan
        // was made (a saved plan may be old).
        if let Some((export, importer)) = importers(self.store, &stack)?.into_iter().next() {
            return Err(EngineError::Refused(
                crate::plan::DeleteRefused::Imported { export, importer }.to_string(),
            ));
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
        let deletes = Deletes {
            ids: &ids,
            after: &after,
            dispositions: &dispositions,
            resources: self
                .store
                .resource_states(&stack.name)?
                .into_iter()
                .map(|r| (r.logical_id.clone(), r))
                .collect(),
        };
        let schedule = self.run_deletes(op, &stack, deletes, options.parallelism)?;
        if schedule.failed.is_empty() {
            // The exports go with DELETE_COMPLETE, in one commit (no export can clash).
            if let Err(reason) =
                op.stack_status_with_outputs(&mut stack, StackStatus::DELETE_COMPLETE, Vec::new())?
            {
                return Err(EngineError::Refused(reason));
            }
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
        let resources = op.store().resource_states(&stack.name)?;
        let template = super::create::template_of(&stack.template, &stack.name)
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
                .and_then(|p| p.deletion_policy(&template, &inputs, id));
            let d = match policy.as_deref() {
                Some("Retain") => Disposal::Retain,
                Some("RetainExceptOnCreate") if !rollback => Disposal::Retain,
                Some("Snapshot") => Disposal::Delete { snapshot: true },
                _ if options.retain.contains(id) => Disposal::Retain,
                _ => Disposal::Delete { snapshot: false },
            };
            dispositions.insert(id.clone(), d);
        }
        let resources = resources.into_iter().map(|r| (r.logical_id.clone(), r));
        let deletes = Deletes {
            ids: &ids,
            after: &after,
            dispositions: &dispositions,
            resources: resources.collect(),
        };
        self.run_deletes(op, stack, deletes, options.parallelism)
    }

    fn run_deletes(
        &self,
        op: &Op<'_, '_>,
        stack: &StackRecord,
        deletes: Deletes<'_>,
        parallelism: usize,
    ) -> Result<Schedule> {
        let Deletes {
            ids,
            after,
            dispositions,
            resources,
        } = deletes;
        let store_error = super::StoreError::default();
        let pool = schedule::Pool {
            parallelism,
            batch: op.provider().batch_limit(),
            calls_wait: op.provider().calls_wait(),
        };
        let schedule = schedule::run_batched(ids, after, pool, |batch, done| {
            let mut work = Vec::with_capacity(batch.len());
            for (i, id) in batch.iter().enumerate() {
                match resources.get(id) {
                    // No record: nothing to delete.
                    None => done(vec![(i, StepResult::Done)]),
                    Some(record) => {
                        let disposal = dispositions
                            .get(id)
                            .copied()
                            .unwrap_or(Disposal::Delete { snapshot: false });
                        work.push((i, record.clone(), disposal));
                    }
                }
            }
            delete_batch(op, stack, work, &|results| {
                done(
                    results
                        .into_iter()
                        .map(|(i, r)| (i, store_error.settle(r)))
                        .collect(),
                );
            });
        });
        if let Some(e) = store_error.take() {
            return Err(e.into());
        }
        Ok(schedule)
    }
}

pub(super) fn delete_one(
    op: &Op<'_, '_>,
    stack: &StackRecord,
    record: ResourceRecord,
    disposal: Disposal,
) -> Result<StepResult> {
    let result = std::sync::Mutex::new(None);
    delete_batch(op, stack, vec![(0, record, disposal)], &|mut r| {
        *result.lock().expect("lock") = r.pop().map(|(_, r)| r);
    });
    result
        .into_inner()
        .expect("lock")
        .expect("the delete reported its result")
}

/// Deletes the resources of `work` (all ready; each with the index `done` reports it under) together:
/// every DELETE_IN_PROGRESS committed in one commit before the provider is called, then one provider
/// call for all of them ([`crate::provider::Provider::delete_many`]). Each result goes to `done` as soon
/// as the provider reports it.
fn delete_batch(
    op: &Op<'_, '_>,
    stack: &StackRecord,
    work: Vec<(usize, ResourceRecord, Disposal)>,
    done: &dyn Fn(Vec<(usize, Result<StepResult>)>),
) {
    let mut begun: Vec<(usize, ResourceRecord, DeleteRequest)> = Vec::new();
    for (i, record, disposal) in work {
        match begin_delete(op, stack, record, disposal) {
            Ok(Begun::Finished(r)) => done(vec![(i, Ok(r))]),
            Ok(Begun::Call(call)) => {
                let (record, request) = *call;
                begun.push((i, record, request));
            }
            Err(e) => done(vec![(i, Err(e))]),
        }
    }
    if begun.is_empty() {
        return;
    }
    if let Err(e) = op.store().flush() {
        // The first carries the store's error (it stops the run), the others its message.
        let reason = e.to_string();
        let mut results = vec![(begun[0].0, Err(e.into()))];
        for (i, _, _) in &begun[1..] {
            results.push((*i, Ok(StepResult::Failed(reason.clone()))));
        }
        done(results);
        return;
    }
    let requests: Vec<DeleteRequest> = begun.iter().map(|(_, _, r)| r.clone()).collect();
    let finish = |results: Vec<(usize, crate::provider::Result<()>)>| {
        let results = results
            .into_iter()
            .map(|(k, result)| {
                let (i, record, _) = &begun[k];
                (*i, finish_delete(op, stack, record.clone(), result))
            })
            .collect();
        done(results);
    };
    match requests.as_slice() {
        [one] => finish(vec![(0, op.provider().delete(one))]),
        many => op.provider().delete_many(many, &finish),
    }
}

/// A delete about to be sent to the provider, or one settled without it.
enum Begun {
    Finished(StepResult),
    Call(Box<(ResourceRecord, DeleteRequest)>),
}

/// Settles what needs no provider call (a resource never created, a retained one) or queues the
/// DELETE_IN_PROGRESS (committed by the caller's flush, before the provider call). Physical resources
/// an update replaced and did not clean up yet are deleted first.
fn begin_delete(
    op: &Op<'_, '_>,
    stack: &StackRecord,
    mut record: ResourceRecord,
    disposal: Disposal,
) -> Result<Begun> {
    let ty = record.resource_type.clone();
    let lid = record.logical_id.clone();
    if !record.pending.is_empty() {
        record = op.engine.delete_pending(op, stack, &record)?;
        if !record.pending.is_empty() {
            return Ok(Begun::Finished(StepResult::Failed(format!(
                "a physical resource `{lid}` replaced earlier failed to delete"
            ))));
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
        return Ok(Begun::Finished(StepResult::Done));
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
        return Ok(Begun::Finished(StepResult::Done));
    }
    record.status = ResourceStatus::DELETE_IN_PROGRESS;
    record.status_reason = None;
    record.token = Some(format!("{}:{lid}:delete", op.id));
    // The properties are the row's: the record was read from it.
    op.record_deferred(
        Change::ResourceState(&stack.name, &record),
        &lid,
        Some(&physical),
        &ty,
        "DELETE_IN_PROGRESS",
        None,
    )?;
    let request = DeleteRequest {
        stack_name: stack.name.clone(),
        logical_id: lid,
        resource_type: ty,
        physical_id: physical,
        snapshot: matches!(disposal, Disposal::Delete { snapshot: true }),
        token: record.token.clone().unwrap_or_default(),
    };
    Ok(Begun::Call(Box::new((record, request))))
}

/// Records what the provider's delete returned: DELETE_COMPLETE (committed with the next transition; a
/// resource the cloud no longer has counts as deleted) or DELETE_FAILED.
fn finish_delete(
    op: &Op<'_, '_>,
    stack: &StackRecord,
    mut record: ResourceRecord,
    result: crate::provider::Result<()>,
) -> Result<StepResult> {
    let ty = record.resource_type.clone();
    let lid = record.logical_id.clone();
    let physical = record.physical_id.clone().unwrap_or_default();
    match result {
        Ok(()) => {}
        Err(e) if e.kind == ErrorKind::NotFound => {}
        Err(e) => {
            record.status = ResourceStatus::DELETE_FAILED;
            record.status_reason = Some(e.message.clone());
            op.record(
                Change::ResourceState(&stack.name, &record),
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
