//! Stage `engine`: executes a [`Plan`] through a [`Provider`], recording every transition in a
//! [`StateStore`] before the next provider call. Follows CloudFormation's stack and resource statuses,
//! runs independent resources in parallel, rolls back on failure, honours DeletionPolicy, recovers an
//! operation a crash interrupted, and reports progress through a [`Hook`]. It never prints.

mod change_set;
mod create;
mod delete;
mod recover;
mod schedule;
mod update;
mod update_rollback;

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::plan::Plan;
use crate::provider::Provider;
use crate::state::{
    Change, EventRecord, LockRecord, OutputRecord, StackRecord, StackStatus, StateError, StateStore,
};

pub use change_set::NO_CHANGES;
pub use create::inputs_of as deployed_inputs;
pub use delete::importers;
pub use schedule::{Schedule, StepResult};

/// What to do when a create fails (CloudFormation's `--on-failure`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum OnFailure {
    #[default]
    Rollback,
    Delete,
    DoNothing,
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub on_failure: OnFailure,
    /// Steps in flight at once; 0 means unlimited.
    pub parallelism: usize,
    /// Logical ids to keep instead of deleting (`destroy --retain`).
    pub retain: Vec<String>,
}

/// Receives every event as it is recorded (the CLI's progress display). Called from worker threads.
pub trait Hook: Send + Sync {
    fn event(&self, event: &EventRecord);
}

/// A hook that ignores events.
pub struct Silent;

impl Hook for Silent {
    fn event(&self, _: &EventRecord) {}
}

/// The result of an operation that ran: the stack as it ended (which may be a failure status).
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub stack: StackRecord,
    /// The status the operation aimed at (CREATE_COMPLETE for a create, DELETE_COMPLETE for a delete,
    /// ROLLBACK_COMPLETE for the recovery of an interrupted create).
    pub goal: StackStatus,
    pub operation_id: String,
    /// Resources whose operation failed, with the reason.
    pub failed: Vec<(String, String)>,
    /// Resources never started because something they needed failed.
    pub cancelled: Vec<String>,
}

impl Outcome {
    /// True when the stack reached the status the operation aimed at.
    pub fn succeeded(&self) -> bool {
        self.stack.status == self.goal
    }
}

/// Why an operation did not run (nothing was changed), or the store failed.
#[derive(Debug)]
pub enum EngineError {
    State(StateError),
    /// The stack is not in a state that allows the operation, or the plan is stale.
    Refused(String),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::State(e) => e.fmt(f),
            EngineError::Refused(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for EngineError {}

impl From<StateError> for EngineError {
    fn from(e: StateError) -> Self {
        EngineError::State(e)
    }
}

pub type Result<T> = std::result::Result<T, EngineError>;

/// Executes plans against one store and one provider.
pub struct Engine<'a> {
    pub store: &'a dyn StateStore,
    pub provider: &'a dyn Provider,
    pub hook: &'a dyn Hook,
}

impl Engine<'_> {
    /// Applies a create, update or delete plan. A plan made against another state of the stack is refused.
    pub fn apply(&self, plan: &Plan, options: &Options) -> Result<Outcome> {
        match plan.operation {
            crate::plan::Operation::Create => self.create(plan, options),
            crate::plan::Operation::Delete => self.delete(plan, options),
            crate::plan::Operation::Update => self.update(plan, options),
        }
    }
}

/// The first state-store failure of a run: it stops the run (the state must not silently diverge).
#[derive(Default)]
pub(crate) struct StoreError(std::sync::Mutex<Option<StateError>>);

impl StoreError {
    /// Keeps a store failure (the first one) and turns any error into the step's failure.
    pub fn settle(&self, r: Result<StepResult>) -> StepResult {
        match r {
            Ok(r) => r,
            Err(e) => {
                let reason = e.to_string();
                if let EngineError::State(s) = e {
                    self.0.lock().expect("lock").get_or_insert(s);
                }
                StepResult::Failed(reason)
            }
        }
    }

    /// The store failure kept, if any.
    pub fn take(&self) -> Option<StateError> {
        self.0.lock().expect("lock").take()
    }
}

/// One running operation on one stack: holds the lock and records events.
pub(crate) struct Op<'e, 'a> {
    pub engine: &'e Engine<'a>,
    pub id: String,
    pub stack_name: String,
    events: AtomicU64,
    /// The template this operation last recorded for its stack: a later status with the same template
    /// leaves it as recorded ([`Change::StackStatus`]) instead of writing it again.
    recorded_template: std::sync::Mutex<Option<String>>,
}

impl<'e, 'a> Op<'e, 'a> {
    /// Takes the stack's lock (a stale lock of a process that no longer runs is taken over).
    pub fn begin(engine: &'e Engine<'a>, stack_name: &str, operation: &str) -> Result<Op<'e, 'a>> {
        let id = new_id();
        let lock = LockRecord {
            stack_name: stack_name.to_owned(),
            operation_id: id.clone(),
            operation: operation.to_owned(),
            since: now(),
            pid: std::process::id(),
        };
        match engine.store.lock(&lock) {
            Ok(()) => {}
            // Taken over only if it is still that stale lock: two processes finding the same stale lock
            // cannot both take it.
            Err(StateError::Locked(held)) if !process_alive(held.pid) => {
                engine.store.take_over(&held, &lock)?;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(Op {
            engine,
            id,
            stack_name: stack_name.to_owned(),
            events: AtomicU64::new(0),
            recorded_template: std::sync::Mutex::new(None),
        })
    }

    pub fn store(&self) -> &dyn StateStore {
        self.engine.store
    }

    pub fn provider(&self) -> &dyn Provider {
        self.engine.provider
    }

    /// Applies `change` and records its event in one commit, then reports the event.
    pub fn record(
        &self,
        change: Change<'_>,
        logical_id: &str,
        physical_id: Option<&str>,
        resource_type: &str,
        status: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        let e = self.event(logical_id, physical_id, resource_type, status, reason);
        self.store().record(change, &e)?;
        self.engine.hook.event(&e);
        Ok(())
    }

    /// Like [`Op::record`] for a transition recovery can settle from the provider (a resource's COMPLETE
    /// once the provider returned, a removal that needed no provider call): it is committed with the next
    /// transition recorded, which is before the next provider call.
    pub fn record_deferred(
        &self,
        change: Change<'_>,
        logical_id: &str,
        physical_id: Option<&str>,
        resource_type: &str,
        status: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        let e = self.event(logical_id, physical_id, resource_type, status, reason);
        self.store().record_deferred(change, &e)?;
        self.engine.hook.event(&e);
        Ok(())
    }

    fn event(
        &self,
        logical_id: &str,
        physical_id: Option<&str>,
        resource_type: &str,
        status: &str,
        reason: Option<&str>,
    ) -> EventRecord {
        let n = self.events.fetch_add(1, Ordering::SeqCst);
        EventRecord {
            event_id: format!("{}-{n:05}", self.id),
            operation_id: self.id.clone(),
            stack_name: self.stack_name.clone(),
            timestamp: now(),
            logical_id: logical_id.to_owned(),
            physical_id: physical_id.map(str::to_owned),
            resource_type: resource_type.to_owned(),
            status: status.to_owned(),
            status_reason: reason.map(str::to_owned),
        }
    }

    /// Moves the stack to `status`, committing it (serial incremented) and recording the stack event.
    pub fn stack_status(
        &self,
        stack: &mut StackRecord,
        status: StackStatus,
        reason: Option<String>,
    ) -> Result<()> {
        self.move_stack(stack, status, reason, false)
    }

    /// Like [`Op::stack_status`], committed with the next transition recorded (at the latest before the
    /// next provider call, as [`Op::record_deferred`]).
    pub fn stack_status_deferred(
        &self,
        stack: &mut StackRecord,
        status: StackStatus,
        reason: Option<String>,
    ) -> Result<()> {
        self.move_stack(stack, status, reason, true)
    }

    fn move_stack(
        &self,
        stack: &mut StackRecord,
        status: StackStatus,
        reason: Option<String>,
        deferred: bool,
    ) -> Result<()> {
        moved(stack, status, reason);
        let record = if deferred {
            Op::record_deferred
        } else {
            Op::record
        };
        let (change, new_template) = self.stack_change(stack);
        record(
            self,
            change,
            &stack.name,
            Some(&stack.id),
            STACK_TYPE,
            status.as_str(),
            stack.status_reason.as_deref(),
        )?;
        self.template_recorded(new_template);
        Ok(())
    }

    /// How to record `stack`: without its template when this operation recorded that template already;
    /// else whole, with the template to remember once it is recorded.
    fn stack_change<'s>(&self, stack: &'s StackRecord) -> (Change<'s>, Option<String>) {
        let recorded = self.recorded_template.lock().expect("lock");
        if recorded.as_deref() == Some(stack.template.as_str()) {
            (Change::StackStatus(stack), None)
        } else {
            (Change::Stack(stack), Some(stack.template.clone()))
        }
    }

    fn template_recorded(&self, template: Option<String>) {
        if template.is_some() {
            *self.recorded_template.lock().expect("lock") = template;
        }
    }

    /// Moves the stack to `status` with its outputs and its exports replaced, in one commit.
    /// `Ok(Err(reason))` when another stack exports one of the names (CloudFormation's message): then
    /// nothing is written and the stack is as it was.
    pub fn stack_status_with_outputs(
        &self,
        stack: &mut StackRecord,
        status: StackStatus,
        outputs: Vec<OutputRecord>,
    ) -> Result<std::result::Result<(), String>> {
        let exports = create::exports_of(&stack.name, &outputs);
        let mut next = stack.clone();
        next.outputs = outputs;
        moved(&mut next, status, None);
        let e = self.event(
            &next.name,
            Some(&next.id),
            STACK_TYPE,
            status.as_str(),
            None,
        );
        let (change, new_template) = self.stack_change(&next);
        match self
            .store()
            .record_with_exports(&next.name, &exports, change, &e)
        {
            Ok(()) => {
                self.template_recorded(new_template);
                *stack = next;
                self.engine.hook.event(&e);
                Ok(Ok(()))
            }
            Err(StateError::ExportConflict { name, owner }) => Ok(Err(format!(
                "Export with name {name} is already exported by stack {owner}"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub fn finish(self) -> Result<()> {
        self.store().flush()?;
        self.store().unlock(&self.stack_name, &self.id)?;
        Ok(())
    }
}

/// The resource type of a stack's own events.
const STACK_TYPE: &str = "AWS::CloudFormation::Stack";

/// `stack` moved to `status` (serial incremented, updated now).
fn moved(stack: &mut StackRecord, status: StackStatus, reason: Option<String>) {
    stack.status = status;
    stack.status_reason = reason;
    stack.serial += 1;
    stack.updated_at = now();
}

/// Refuses a plan made against another state of the stack (its lineage or serial moved since).
pub(crate) fn check_base(plan: &Plan, stack: &StackRecord) -> Result<()> {
    match &plan.base {
        Some(base) if base.lineage != stack.lineage || base.serial != stack.serial => {
            Err(EngineError::Refused(format!(
                "the plan was made for stack `{}` at serial {}, which is now at serial {}: plan again",
                stack.name, base.serial, stack.serial
            )))
        }
        _ => Ok(()),
    }
}

/// A random identifier (hex), unique enough for operations and lineages.
pub fn new_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::SeqCst));
    h.write_u32(std::process::id());
    let a = h.finish();
    h.write_u64(a);
    format!("{a:016x}{:016x}", h.finish())
}

/// The current time as RFC 3339 (UTC, milliseconds).
pub fn now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// Tunes the process for runs whose provider calls wait (`calls_wait`: a real cloud, or the mock cloud
/// with latency) or not. Waiting runs turn transparent huge pages off and ask for exact timers:
/// - the allocator asks for huge pages, and on a virtual machine the kernel zeroing a fresh 2 MiB page can
///   stall a worker for milliseconds, which a waiting run feels at every level of its graph (the critical
///   path); with small pages the same memory is faulted in 4 KiB at a time;
/// - Linux lets a sleep end up to 50 µs late by default (timer slack, to batch wake-ups): the mock cloud's
///   simulated latency then overshoots at every level of the graph.
///
/// Runs that do not wait keep both defaults: there, fewer faults mean more throughput. Threads started
/// afterwards inherit the timer setting. Best effort: nothing changes where the system refuses or has
/// no such settings.
pub fn tune_for(calls_wait: bool) {
    #[cfg(target_os = "linux")]
    {
        let _ = rustix::thread::disable_transparent_huge_pages(calls_wait);
        let slack = calls_wait.then_some(std::num::NonZeroU64::MIN);
        let _ = rustix::thread::set_current_timer_slack(slack);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = calls_wait;
}

/// Whether a process with this id is running (on systems without /proc, assume it is).
pub(crate) fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = std::path::Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// CloudFormation's stack ARN shape.
pub fn stack_arn(region: &str, account: &str, name: &str, id: &str) -> String {
    let partition = crate::evaluate::partition(region);
    let id = format!("{id:0<32}");
    let uuid = format!(
        "{}-{}-{}-{}-{}",
        &id[0..8],
        &id[8..12],
        &id[12..16],
        &id[16..20],
        &id[20..32]
    );
    format!("arn:{partition}:cloudformation:{region}:{account}:stack/{name}/{uuid}")
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn tuning_for_waiting_runs_sets_and_restores_the_process_settings() {
        use rustix::thread::{current_timer_slack, transparent_huge_pages_are_disabled};
        // Kernels without these settings (or sandboxes refusing them) are left as they are.
        let (Ok(default_slack), Ok(false)) =
            (current_timer_slack(), transparent_huge_pages_are_disabled())
        else {
            return;
        };
        super::tune_for(true);
        assert!(transparent_huge_pages_are_disabled().unwrap());
        assert_eq!(current_timer_slack().unwrap(), 1);
        super::tune_for(false);
        assert!(!transparent_huge_pages_are_disabled().unwrap());
        assert_eq!(current_timer_slack().unwrap(), default_slack);
    }
}
