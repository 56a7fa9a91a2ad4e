//! [`SqliteStore`]: the embedded [`StateStore`], one SQLite file (WAL mode) that several processes and the
//! threads of one process can share. Every method is one statement or one `BEGIN IMMEDIATE` transaction,
//! committed before it returns; none holds a transaction across calls. The schema and its migrations live
//! in `schema`, the row mapping in `rows`.

mod group;
mod rows;
pub(crate) mod schema;
#[cfg(test)]
mod tests;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use super::{
    ChangeSetRecord, EventRecord, ExportRecord, LockRecord, ResourceRecord, Result, StackRecord,
    StackSnapshot, StateError, StateStore,
};
use rows::{serial_to_sql, to_json};

/// The embedded state store. Cheap to share behind an `Arc`: calls from several threads are serialized on
/// one connection, and other processes coordinate through SQLite's file locks.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// Transitions recorded at once from several threads share one commit.
    group: group::Group,
}

impl std::fmt::Debug for group::Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Group")
    }
}

/// Why a write transaction stopped: a database error (mapped with the call's context) or a refusal that
/// is already a [`StateError`] (a held lock, an export conflict).
enum Fail {
    Db(rusqlite::Error),
    State(StateError),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Self {
        Fail::Db(e)
    }
}

impl SqliteStore {
    /// Opens the store at `path`, creating its directory and an empty store when missing, and migrating an
    /// older one. Fails with [`StateError::TooNew`] for a store written by a newer Cairn and
    /// [`StateError::Corrupt`] for a file that is not a Cairn store.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| StateError::Io {
                path: path.to_owned(),
                reason: format!(
                    "cannot create directory `{}`: {}",
                    dir.display(),
                    lowercase_first(&e)
                ),
            })?;
        }
        let mut conn = Connection::open(path).map_err(|e| db_error(path, "open the file", e))?;
        conn.set_prepared_statement_cache_capacity(64);
        schema::prepare(&mut conn, path)?;
        Ok(SqliteStore {
            path: path.to_owned(),
            conn: Mutex::new(conn),
            group: group::Group::default(),
        })
    }

    /// The file the store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the guard rolled its transaction back when the transaction was dropped, so
        // the connection is still sound.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one read statement (a single statement reads one consistent snapshot).
    fn read<T>(
        &self,
        doing: &str,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        self.flush_deferred()?;
        f(&self.conn()).map_err(|e| db_error(&self.path, doing, e))
    }

    /// Commits the deferred transitions first, so that every read and write sees them and no write
    /// overtakes them. (A batch another thread is committing holds the connection, so reads and writes
    /// wait for it anyway.)
    fn flush_deferred(&self) -> Result<()> {
        if !self.group.has_deferred() {
            return Ok(());
        }
        self.commit_deferred()
    }

    /// Commits the deferred transitions, and waits for any batch being committed now.
    fn commit_deferred(&self) -> Result<()> {
        self.group
            .flush(|batch| self.commit_batch(batch))
            .map_err(|reason| StateError::Io {
                path: self.path.clone(),
                reason,
            })
    }

    /// Commits a batch of queued transitions in one transaction.
    fn commit_batch(&self, batch: &[group::Item]) -> std::result::Result<(), String> {
        let stack = batch
            .iter()
            .find_map(|(_, _, e)| e.as_ref().map(|e| e.stack_name.as_str()))
            .unwrap_or_default();
        self.write_now(&format!("record the events of stack `{stack}`"), |tx| {
            self.write_items(tx, batch)
        })
        .map_err(|e| batch_failure(&e))
    }

    /// Writes a batch of queued transitions (inside the caller's transaction).
    fn write_items(&self, tx: &Connection, batch: &[group::Item]) -> std::result::Result<(), Fail> {
        let mut statements = Statements::new(tx);
        for (_, w, ev) in batch {
            self.write_one(&mut statements, w, ev.as_ref())?;
        }
        Ok(())
    }

    /// The store is not as its writes expect (a row they update is missing).
    fn corrupt(&self, reason: String) -> Fail {
        Fail::State(StateError::Corrupt {
            path: self.path.clone(),
            reason,
        })
    }

    /// Writes one transition and its event (inside the caller's transaction).
    fn write_one(
        &self,
        st: &mut Statements<'_>,
        w: &group::Write,
        ev: Option<&EventRecord>,
    ) -> std::result::Result<(), Fail> {
        use group::Write;
        let tx = st.tx;
        match w {
            Write::Stack(s) => write_stack(tx, s)?,
            Write::StackStatus(s) => {
                if !write_stack_status(tx, s)? {
                    return Err(self.corrupt(format!("stack `{}` has no template to keep", s.name)));
                }
            }
            Write::Resource(stack, r) => write_resource(st, stack, r)?,
            Write::ResourceState(stack, r) => {
                if !write_resource_state(st, stack, r)? {
                    return Err(self.corrupt(format!(
                        "resource `{}` of stack `{stack}` has no row to update",
                        r.logical_id
                    )));
                }
            }
            Write::RemoveResource(stack, id) => delete_resource(tx, stack, id)?,
            Write::Nothing => {}
        }
        if let Some(ev) = ev {
            insert_event(st, ev)?;
        }
        Ok(())
    }

    /// Runs `f` in a write transaction and commits it. The deferred transitions are committed first, in
    /// the same transaction when there are any (one commit instead of two); when `f` fails, they are
    /// committed on their own and `f`'s error is returned.
    fn write<T>(
        &self,
        doing: &str,
        f: impl FnOnce(&Connection) -> std::result::Result<T, Fail>,
    ) -> Result<T> {
        if !self.group.has_deferred() {
            return self.write_now(doing, f);
        }
        self.group.lead(|batch| {
            if batch.is_empty() {
                return (Ok(()), self.write_now(doing, f));
            }
            let mut f = Some(f);
            let merged = self.write_now(doing, |tx| {
                self.write_items(tx, batch)?;
                f.take().expect("the write runs once")(tx)
            });
            match merged {
                Ok(out) => (Ok(()), Ok(out)),
                // `f` ran and failed (or the commit did): the transitions go on their own.
                Err(e) if f.is_none() => (self.commit_batch(batch), Err(e)),
                // The transitions failed: `f` never ran.
                Err(e) => (Err(batch_failure(&e)), Err(e)),
            }
        })
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction and commits it (or rolls it back when `f` fails),
    /// without the deferred transitions (the group commit's own transaction, or a store without any).
    /// IMMEDIATE takes the write lock up front, so a busy file is waited for (up to the busy timeout)
    /// instead of failing halfway.
    fn write_now<T>(
        &self,
        doing: &str,
        f: impl FnOnce(&Connection) -> std::result::Result<T, Fail>,
    ) -> Result<T> {
        let conn = self.conn();
        let run = || -> std::result::Result<T, Fail> {
            // A transaction left open (only a panic halfway through `f` can leave one) is rolled back.
            if !conn.is_autocommit() {
                cached(&conn, "ROLLBACK")?;
            }
            cached(&conn, "BEGIN IMMEDIATE")?;
            let out = f(&conn).and_then(|out| Ok(cached(&conn, "COMMIT").map(|()| out)?));
            if out.is_err() && !conn.is_autocommit() {
                let _ = cached(&conn, "ROLLBACK");
            }
            out
        };
        run().map_err(|e| match e {
            Fail::Db(e) => db_error(&self.path, doing, e),
            Fail::State(e) => e,
        })
    }
}

/// How a failed batch of transitions is reported to the callers waiting for it.
fn batch_failure(e: &StateError) -> String {
    match e {
        StateError::Io { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

/// Runs one statement without arguments, prepared once per connection: the transaction statements run
/// on every commit.
fn cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

fn write_stack(tx: &Connection, s: &StackRecord) -> std::result::Result<(), Fail> {
    stack_row(tx, s)?;
    tx.prepare_cached(rows::UPSERT_TEMPLATE)?
        .execute(params![s.name, s.template])?;
    Ok(())
}

/// Writes the stack's row but not its template (the one recorded stays); `false` when the stack has
/// no template recorded.
fn write_stack_status(tx: &Connection, s: &StackRecord) -> std::result::Result<bool, Fail> {
    let has_template = tx
        .prepare_cached("SELECT 1 FROM templates WHERE stack_name = ?1")?
        .exists([&s.name])?;
    if has_template {
        stack_row(tx, s)?;
    }
    Ok(has_template)
}

fn stack_row(tx: &Connection, s: &StackRecord) -> std::result::Result<(), Fail> {
    tx.prepare_cached(rows::UPSERT_STACK)?.execute(params![
        s.name,
        s.id,
        s.region,
        s.status.as_str(),
        s.status_reason,
        to_json(&s.parameters)?,
        to_json(&s.outputs)?,
        to_json(&s.tags)?,
        to_json(&s.imports)?,
        s.lineage,
        serial_to_sql(s.serial)?,
        s.created_at,
        s.updated_at,
    ])?;
    Ok(())
}

/// The statements a batch of transitions runs for each of its items, each prepared once per batch
/// (looking a statement up in the connection's cache hashes its SQL text).
struct Statements<'c> {
    tx: &'c Connection,
    upsert_resource: Option<rusqlite::CachedStatement<'c>>,
    update_resource_state: Option<rusqlite::CachedStatement<'c>>,
    insert_event: Option<rusqlite::CachedStatement<'c>>,
}

impl<'c> Statements<'c> {
    fn new(tx: &'c Connection) -> Statements<'c> {
        Statements {
            tx,
            upsert_resource: None,
            update_resource_state: None,
            insert_event: None,
        }
    }
}

/// The statement in `slot`, prepared (from the connection's cache) the first time.
fn prepared<'s, 'c>(
    tx: &'c Connection,
    slot: &'s mut Option<rusqlite::CachedStatement<'c>>,
    sql: &str,
) -> rusqlite::Result<&'s mut rusqlite::CachedStatement<'c>> {
    if slot.is_none() {
        *slot = Some(tx.prepare_cached(sql)?);
    }
    Ok(slot.as_mut().expect("prepared just now"))
}

fn write_resource(
    st: &mut Statements<'_>,
    stack: &str,
    r: &ResourceRecord,
) -> std::result::Result<(), Fail> {
    let properties = to_json(&r.properties)?;
    let statement = prepared(st.tx, &mut st.upsert_resource, rows::UPSERT_RESOURCE)?;
    resource_row(statement, stack, r, Some(properties)).map(drop)
}

/// Updates the resource's row but its properties; `false` when it has no row.
fn write_resource_state(
    st: &mut Statements<'_>,
    stack: &str,
    r: &ResourceRecord,
) -> std::result::Result<bool, Fail> {
    let statement = prepared(
        st.tx,
        &mut st.update_resource_state,
        rows::UPDATE_RESOURCE_STATE,
    )?;
    Ok(resource_row(statement, stack, r, None)? == 1)
}

/// Runs `statement` (numbered as [`rows::UPSERT_RESOURCE`]) for the record; how many rows it changed.
fn resource_row(
    statement: &mut rusqlite::Statement<'_>,
    stack: &str,
    r: &ResourceRecord,
    properties: Option<String>,
) -> std::result::Result<usize, Fail> {
    Ok(statement.execute(params![
        stack,
        r.logical_id,
        r.resource_type,
        r.physical_id,
        r.token,
        properties,
        to_json(&r.attributes)?,
        r.status.as_str(),
        r.status_reason,
        r.ref_value,
        to_json(&r.pending)?,
    ])?)
}

fn delete_resource(
    tx: &Connection,
    stack: &str,
    logical_id: &str,
) -> std::result::Result<(), Fail> {
    tx.prepare_cached("DELETE FROM resources WHERE stack_name = ?1 AND logical_id = ?2")?
        .execute([stack, logical_id])?;
    Ok(())
}

fn insert_event(st: &mut Statements<'_>, e: &EventRecord) -> std::result::Result<(), Fail> {
    prepared(st.tx, &mut st.insert_event, rows::INSERT_EVENT)?.execute(params![
        e.event_id,
        e.operation_id,
        e.stack_name,
        e.timestamp,
        e.logical_id,
        e.physical_id,
        e.resource_type,
        e.status,
        e.status_reason,
    ])?;
    Ok(())
}

/// Replaces the exports of `stack`, or fails with [`StateError::ExportConflict`] when another stack
/// exports one of the names or a name comes twice (the first such export in order; the caller's
/// transaction is then rolled back). Names are the table's key: the insert itself finds a clash.
fn write_exports(
    tx: &Connection,
    stack: &str,
    exports: &[ExportRecord],
) -> std::result::Result<(), Fail> {
    tx.prepare_cached("DELETE FROM exports WHERE stack_name = ?1")?
        .execute([stack])?;
    let mut insert =
        tx.prepare_cached("INSERT INTO exports (name, value, stack_name) VALUES (?1, ?2, ?3)")?;
    for export in exports {
        match insert.execute(params![export.name, export.value, stack]) {
            Ok(_) => {}
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                let owner = tx
                    .prepare_cached("SELECT stack_name FROM exports WHERE name = ?1")?
                    .query_row([&export.name], |r| r.get(0))?;
                return Err(Fail::State(StateError::ExportConflict {
                    name: export.name.clone(),
                    owner,
                }));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Inserts `lock`, or fails with [`StateError::Locked`] naming the lock held.
fn insert_lock(tx: &Connection, lock: &LockRecord) -> std::result::Result<(), Fail> {
    let inserted = tx.prepare_cached(rows::INSERT_LOCK)?.execute(params![
        lock.stack_name,
        lock.operation_id,
        lock.operation,
        lock.since,
        lock.pid
    ])?;
    if inserted == 1 {
        return Ok(());
    }
    let held = read_lock(tx, &lock.stack_name)?
        .expect("this is a bug: the lock row that refused the insert is gone");
    Err(Fail::State(StateError::Locked(held)))
}

fn read_lock(conn: &Connection, stack: &str) -> rusqlite::Result<Option<LockRecord>> {
    conn.prepare_cached(rows::SELECT_LOCK)?
        .query_row([stack], rows::lock)
        .optional()
}

impl Drop for SqliteStore {
    /// Deferred transitions are committed when the store is closed; if that fails, recovery settles the
    /// resources they were about.
    fn drop(&mut self) {
        let _ = self.flush_deferred();
    }
}

impl StateStore for SqliteStore {
    fn stack(&self, name: &str) -> Result<Option<StackRecord>> {
        self.read(&format!("read stack `{name}`"), |c| {
            c.prepare_cached(rows::SELECT_STACK)?
                .query_row([name], rows::stack)
                .optional()
        })
    }

    fn stacks(&self) -> Result<Vec<StackRecord>> {
        self.read("list stacks", |c| {
            c.prepare_cached(rows::SELECT_STACKS)?
                .query_map([], rows::stack)?
                .collect()
        })
    }

    fn imports(&self) -> Result<Vec<(String, Vec<String>)>> {
        self.read("read the stacks' imports", |c| {
            c.prepare_cached(
                "SELECT name, imports FROM stacks WHERE status != 'DELETE_COMPLETE' ORDER BY name",
            )?
            .query_map([], |r| Ok((r.get(0)?, rows::json_column(r, 1, "imports")?)))?
            .collect()
        })
    }

    fn put_stack(&self, s: &StackRecord) -> Result<()> {
        self.write(&format!("write stack `{}`", s.name), |tx| {
            write_stack(tx, s)
        })
    }

    fn record(&self, change: super::Change<'_>, e: &EventRecord) -> Result<()> {
        self.group
            .submit(group::Write::of(change), e.clone(), |batch| {
                self.commit_batch(batch)
            })
            .map_err(|reason| StateError::Io {
                path: self.path.clone(),
                reason,
            })
    }

    fn record_deferred(&self, change: super::Change<'_>, e: &EventRecord) -> Result<()> {
        self.group.defer(group::Write::of(change), e.clone());
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        self.commit_deferred()
    }

    /// Deletes the stack's record, resources, events and exports. Its lock, if any, stays: it belongs to
    /// the operation that holds it.
    fn forget_stack(&self, name: &str) -> Result<()> {
        self.write(&format!("forget stack `{name}`"), |tx| {
            for table in [
                "resources",
                "events",
                "exports",
                "snapshots",
                "changesets",
                "templates",
            ] {
                tx.prepare_cached(&format!("DELETE FROM {table} WHERE stack_name = ?1"))?
                    .execute([name])?;
            }
            tx.prepare_cached("DELETE FROM stacks WHERE name = ?1")?
                .execute([name])?;
            Ok(())
        })
    }

    fn resources(&self, stack: &str) -> Result<Vec<ResourceRecord>> {
        self.read(&format!("read the resources of stack `{stack}`"), |c| {
            c.prepare_cached(rows::SELECT_RESOURCES)?
                .query_map([stack], rows::resource)?
                .collect()
        })
    }

    fn resource_states(&self, stack: &str) -> Result<Vec<ResourceRecord>> {
        self.read(&format!("read the resources of stack `{stack}`"), |c| {
            c.prepare_cached(rows::SELECT_RESOURCE_STATES)?
                .query_map([stack], rows::resource)?
                .collect()
        })
    }

    /// Inserts the resource, or updates it in place: an update keeps the position it was first recorded at.
    fn put_resource(&self, stack: &str, r: &ResourceRecord) -> Result<()> {
        self.write(
            &format!("write resource `{}` of stack `{stack}`", r.logical_id),
            |tx| write_resource(&mut Statements::new(tx), stack, r),
        )
    }

    fn remove_resource(&self, stack: &str, logical_id: &str) -> Result<()> {
        self.write(
            &format!("remove resource `{logical_id}` of stack `{stack}`"),
            |tx| delete_resource(tx, stack, logical_id),
        )
    }

    fn append_event(&self, e: &EventRecord) -> Result<()> {
        self.write(
            &format!("record an event of stack `{}`", e.stack_name),
            |tx| insert_event(&mut Statements::new(tx), e),
        )
    }

    fn events(&self, stack: &str) -> Result<Vec<EventRecord>> {
        self.read(&format!("read the events of stack `{stack}`"), |c| {
            c.prepare_cached(rows::SELECT_EVENTS)?
                .query_map([stack], rows::event)?
                .collect()
        })
    }

    fn exports(&self) -> Result<Vec<ExportRecord>> {
        self.read("list exports", |c| {
            c.prepare_cached("SELECT name, value, stack_name FROM exports ORDER BY name")?
                .query_map([], rows::export)?
                .collect()
        })
    }

    /// The exports are recorded as owned by `stack`; the records' own `stack_name` is not consulted. A name
    /// given twice is a conflict with `stack` itself.
    fn set_exports(&self, stack: &str, exports: &[ExportRecord]) -> Result<()> {
        self.write(&format!("write the exports of stack `{stack}`"), |tx| {
            write_exports(tx, stack, exports)
        })
    }

    fn record_with_exports(
        &self,
        stack: &str,
        exports: &[ExportRecord],
        change: super::Change<'_>,
        e: &EventRecord,
    ) -> Result<()> {
        let write = group::Write::of(change);
        self.write(&format!("write the exports of stack `{stack}`"), |tx| {
            write_exports(tx, stack, exports)?;
            self.write_one(&mut Statements::new(tx), &write, Some(e))
        })
    }

    /// The insert and the read of the holder are one transaction, so exactly one of two racing callers
    /// (threads or processes) wins, and the other learns who did. The busy timeout only covers the few
    /// milliseconds another writer's transaction lasts; a held lock is reported at once.
    fn lock(&self, lock: &LockRecord) -> Result<()> {
        self.write(&format!("lock stack `{}`", lock.stack_name), |tx| {
            insert_lock(tx, lock)
        })
    }

    fn take_over(&self, stale: &LockRecord, lock: &LockRecord) -> Result<()> {
        self.write(
            &format!("take over the lock of stack `{}`", lock.stack_name),
            |tx| {
                tx.prepare_cached("DELETE FROM locks WHERE stack_name = ?1 AND operation_id = ?2")?
                    .execute([&stale.stack_name, &stale.operation_id])?;
                insert_lock(tx, lock)
            },
        )
    }

    /// A no-op when the stack is unlocked or another operation holds the lock.
    fn unlock(&self, stack: &str, operation_id: &str) -> Result<()> {
        self.write(&format!("unlock stack `{stack}`"), |tx| {
            tx.prepare_cached("DELETE FROM locks WHERE stack_name = ?1 AND operation_id = ?2")?
                .execute([stack, operation_id])?;
            Ok(())
        })
    }

    fn force_unlock(&self, stack: &str) -> Result<Option<LockRecord>> {
        self.write(&format!("force-unlock stack `{stack}`"), |tx| {
            let held = read_lock(tx, stack)?;
            tx.prepare_cached("DELETE FROM locks WHERE stack_name = ?1")?
                .execute([stack])?;
            Ok(held)
        })
    }

    fn lock_of(&self, stack: &str) -> Result<Option<LockRecord>> {
        self.read(&format!("read the lock of stack `{stack}`"), |c| {
            read_lock(c, stack)
        })
    }

    fn snapshot(&self, stack: &str) -> Result<Option<StackSnapshot>> {
        self.read(
            &format!("read the update snapshot of stack `{stack}`"),
            |c| {
                c.prepare_cached("SELECT snapshot FROM snapshots WHERE stack_name = ?1")?
                    .query_map([stack], |r| rows::json_column(r, 0, "snapshot"))?
                    .next()
                    .transpose()
            },
        )
    }

    fn put_snapshot(&self, stack: &str, snapshot: Option<&StackSnapshot>) -> Result<()> {
        self.write(
            &format!("write the update snapshot of stack `{stack}`"),
            |tx| {
                match snapshot {
                    Some(s) => tx
                        .prepare_cached(
                            "INSERT INTO snapshots (stack_name, snapshot) VALUES (?1, ?2)
                             ON CONFLICT (stack_name) DO UPDATE SET snapshot = excluded.snapshot",
                        )?
                        .execute(params![stack, to_json(s)?])?,
                    None => tx
                        .prepare_cached("DELETE FROM snapshots WHERE stack_name = ?1")?
                        .execute([stack])?,
                };
                Ok(())
            },
        )
    }

    fn change_sets(&self, stack: &str) -> Result<Vec<ChangeSetRecord>> {
        self.read(&format!("read the change sets of stack `{stack}`"), |c| {
            c.prepare_cached("SELECT record FROM changesets WHERE stack_name = ?1 ORDER BY rowid")?
                .query_map([stack], |r| rows::json_column(r, 0, "record"))?
                .collect()
        })
    }

    fn put_change_set(&self, cs: &ChangeSetRecord) -> Result<()> {
        self.write(
            &format!(
                "write change set `{}` of stack `{}`",
                cs.name, cs.stack_name
            ),
            |tx| {
                tx.prepare_cached(
                    "INSERT INTO changesets (stack_name, name, record) VALUES (?1, ?2, ?3)
                     ON CONFLICT (stack_name, name) DO UPDATE SET record = excluded.record",
                )?
                .execute(params![cs.stack_name, cs.name, to_json(cs)?])?;
                Ok(())
            },
        )
    }

    fn remove_change_set(&self, stack: &str, name: &str) -> Result<()> {
        self.write(
            &format!("remove change set `{name}` of stack `{stack}`"),
            |tx| {
                tx.prepare_cached("DELETE FROM changesets WHERE stack_name = ?1 AND name = ?2")?
                    .execute([stack, name])?;
                Ok(())
            },
        )
    }
}

/// Maps a database error met while `doing` something: damage and undecodable values are
/// [`StateError::Corrupt`], anything else [`StateError::Io`].
fn db_error(path: &Path, doing: &str, e: rusqlite::Error) -> StateError {
    let corrupt = match &e {
        rusqlite::Error::SqliteFailure(f, _) => {
            matches!(f.code, ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
        }
        rusqlite::Error::FromSqlConversionFailure(..) | rusqlite::Error::InvalidColumnType(..) => {
            true
        }
        _ => false,
    };
    let detail = match &e {
        rusqlite::Error::FromSqlConversionFailure(_, _, inner) => lowercase_first(inner),
        rusqlite::Error::InvalidColumnType(_, column, found) => {
            format!(
                "column `{column}` holds a value of type {}",
                found.to_string().to_lowercase()
            )
        }
        other => lowercase_first(other),
    };
    let path = path.to_owned();
    let reason = format!("cannot {doing}: {detail}");
    if corrupt {
        StateError::Corrupt { path, reason }
    } else {
        StateError::Io { path, reason }
    }
}

/// An error's message with its first letter lowercased, as Cairn's messages are ("Permission denied" from
/// the OS becomes "permission denied").
fn lowercase_first(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_uppercase() && !chars.next().is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text,
    }
}
