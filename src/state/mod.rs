//! Stage `state`: where stacks live between commands. The [`StateStore`] trait (stacks, resources, events,
//! exports, locks) and its embedded default, SQLite through rusqlite (bundled). Every write is committed
//! when the call returns, so a process killed at any moment leaves a state the next command can resume or
//! roll back. The store knows nothing of templates, plans or providers.

mod model;
mod sqlite;

use std::fmt;
use std::path::PathBuf;

pub use model::*;
pub use sqlite::SqliteStore;
pub(crate) use sqlite::schema::{WAL_CHECKPOINT_PAGES, retry_busy, stable_plans};

/// The default location of the embedded store, relative to the current directory.
pub const DEFAULT_PATH: &str = ".cairn/state.db";

/// What can go wrong with the store itself (not with a stack).
#[derive(Debug)]
pub enum StateError {
    /// The stack is locked by another operation.
    Locked(LockRecord),
    /// The store was written by a newer Cairn (schema version `found`, this one knows `supported`).
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// The file is not a Cairn state store, or is damaged.
    Corrupt { path: PathBuf, reason: String },
    /// Any other I/O or database error.
    Io { path: PathBuf, reason: String },
    /// `set_exports` was given an export name that another stack (`owner`) already exports; export names
    /// are unique across the store. Nothing was written.
    ExportConflict { name: String, owner: String },
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Locked(l) => write!(
                f,
                "stack `{}` is locked by operation `{}` ({}, process {}) since {}; if that process is gone, run `cairn unlock {} --force`",
                l.stack_name, l.operation_id, l.operation, l.pid, l.since, l.stack_name
            ),
            StateError::TooNew {
                path,
                found,
                supported,
            } => write!(
                f,
                "the state store `{}` was written by a newer Cairn (schema {found}; this Cairn knows up to {supported}): upgrade Cairn",
                path.display()
            ),
            StateError::Corrupt { path, reason } => {
                write!(
                    f,
                    "the state store `{}` is damaged or not a Cairn store: {reason}",
                    path.display()
                )
            }
            StateError::Io { path, reason } => {
                write!(f, "state store `{}`: {reason}", path.display())
            }
            StateError::ExportConflict { name, owner } => {
                write!(f, "export `{name}` is already exported by stack `{owner}`")
            }
        }
    }
}

impl std::error::Error for StateError {}

pub type Result<T> = std::result::Result<T, StateError>;

/// A write that goes with an event: recorded together, atomically.
#[derive(Clone, Copy, Debug)]
pub enum Change<'a> {
    Stack(&'a StackRecord),
    /// The stack's record but its template, which is as the store already has it (a later status of an
    /// operation that recorded the template): a store may leave it as it is. Writing the whole record is
    /// also correct.
    StackStatus(&'a StackRecord),
    Resource(&'a str, &'a ResourceRecord),
    /// The resource's row with everything but its properties, which are as the row already has them (a
    /// COMPLETE after its IN_PROGRESS, a DELETE_IN_PROGRESS of a recorded resource): a store may leave
    /// them as they are. Writing the whole record is also correct.
    ResourceState(&'a str, &'a ResourceRecord),
    RemoveResource(&'a str, &'a str),
    /// Only the event.
    Nothing,
}

/// Persistent stack state. Implementations are safe to share between the threads of one apply; every
/// method commits before it returns.
pub trait StateStore: Send + Sync {
    fn stack(&self, name: &str) -> Result<Option<StackRecord>>;
    /// Every stack, by name (deleted stacks included: their status says DELETE_COMPLETE).
    fn stacks(&self) -> Result<Vec<StackRecord>>;
    /// The export names each stack that is not deleted imports, by stack name (without reading templates).
    fn imports(&self) -> Result<Vec<(String, Vec<String>)>>;
    /// Creates or replaces the stack record. The caller increments `serial`.
    fn put_stack(&self, stack: &StackRecord) -> Result<()>;
    /// Removes a stack and its resources, events and exports entirely (used to forget a stack).
    fn forget_stack(&self, name: &str) -> Result<()>;

    /// The stack's resources, in the order they were first recorded.
    fn resources(&self, stack: &str) -> Result<Vec<ResourceRecord>>;
    /// [`StateStore::resources`] without their properties (`Null`): what deleting them needs. A record
    /// read this way is written back with [`Change::ResourceState`] only. The default reads them whole.
    fn resource_states(&self, stack: &str) -> Result<Vec<ResourceRecord>> {
        self.resources(stack)
    }
    fn put_resource(&self, stack: &str, resource: &ResourceRecord) -> Result<()>;
    fn remove_resource(&self, stack: &str, logical_id: &str) -> Result<()>;

    fn append_event(&self, event: &EventRecord) -> Result<()>;
    /// Applies `change` and appends `event` as one commit: a status transition and its event are never
    /// recorded apart. The default does them one after the other.
    fn record(&self, change: Change<'_>, event: &EventRecord) -> Result<()> {
        match change {
            Change::Stack(s) | Change::StackStatus(s) => self.put_stack(s)?,
            Change::Resource(stack, r) | Change::ResourceState(stack, r) => {
                self.put_resource(stack, r)?
            }
            Change::RemoveResource(stack, id) => self.remove_resource(stack, id)?,
            Change::Nothing => {}
        }
        self.append_event(event)
    }
    /// Like [`StateStore::record`], but may return before the commit: the write is committed with the next
    /// write, before any read, or by [`StateStore::flush`], in the order recorded. For transitions that
    /// recovery can settle from the provider (a COMPLETE after the provider call returned), so that they
    /// share the commit of the next transition. The default records at once.
    fn record_deferred(&self, change: Change<'_>, event: &EventRecord) -> Result<()> {
        self.record(change, event)
    }
    /// Commits every deferred write: when it returns, every write recorded (by any thread) before the
    /// call is committed. The engine calls it before a provider call whose IN_PROGRESS it deferred.
    fn flush(&self) -> Result<()> {
        Ok(())
    }
    /// The stack's events, oldest first.
    fn events(&self, stack: &str) -> Result<Vec<EventRecord>>;

    /// Every export of the region, by name.
    fn exports(&self) -> Result<Vec<ExportRecord>>;
    /// Replaces the exports of one stack. Export names are unique across the store: if another stack
    /// already exports one of the names, nothing changes and the call fails with
    /// [`StateError::ExportConflict`].
    fn set_exports(&self, stack: &str, exports: &[ExportRecord]) -> Result<()>;
    /// Replaces the exports of one stack (as [`StateStore::set_exports`]) and records `change` with its
    /// event (as [`StateStore::record`]) in one commit: on a conflict neither is written. The default
    /// does them one after the other.
    fn record_with_exports(
        &self,
        stack: &str,
        exports: &[ExportRecord],
        change: Change<'_>,
        event: &EventRecord,
    ) -> Result<()> {
        self.set_exports(stack, exports)?;
        self.record(change, event)
    }

    /// Takes the stack's lock for an operation, or fails at once with [`StateError::Locked`].
    fn lock(&self, lock: &LockRecord) -> Result<()>;
    /// Releases the lock if `operation_id` holds it.
    fn unlock(&self, stack: &str, operation_id: &str) -> Result<()>;
    /// Releases the lock whoever holds it (`cairn unlock --force`); returns the lock that was held.
    fn force_unlock(&self, stack: &str) -> Result<Option<LockRecord>>;
    /// Replaces `stale` (a lock whose process is gone) with `lock` in one commit; fails with
    /// [`StateError::Locked`] when the lock held is no longer `stale` (another process took it over first).
    fn take_over(&self, stale: &LockRecord, lock: &LockRecord) -> Result<()>;
    fn lock_of(&self, stack: &str) -> Result<Option<LockRecord>>;

    /// The stack as it was when the update in progress began (what an update rollback restores).
    fn snapshot(&self, stack: &str) -> Result<Option<StackSnapshot>>;
    /// Saves (`Some`) or drops (`None`) the stack's update snapshot.
    fn put_snapshot(&self, stack: &str, snapshot: Option<&StackSnapshot>) -> Result<()>;

    /// The stack's change sets, oldest first.
    fn change_sets(&self, stack: &str) -> Result<Vec<ChangeSetRecord>>;
    /// Creates or replaces a change set.
    fn put_change_set(&self, change_set: &ChangeSetRecord) -> Result<()>;
    fn remove_change_set(&self, stack: &str, name: &str) -> Result<()>;
}
