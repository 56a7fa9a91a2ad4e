//! The SQLite store's schema: the connection's pragmas, the checks that a file is a Cairn store this code
//! can read, and the migrations that bring an older (or empty) store up to date. It owns the table layout;
//! it never reads or writes records.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::{db_error, lowercase_first};
use crate::state::{Result, StateError};

/// `PRAGMA application_id` of a Cairn store ("CARN"), so a foreign SQLite file is told apart from ours.
pub(super) const APPLICATION_ID: i64 = 0x4341_524E;

/// How long a statement waits for another connection's write transaction to end before failing with
/// "database is locked". Write transactions are a handful of statements, so a few seconds is plenty; stack
/// locks never wait on it (see `SqliteStore::lock`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Migration `i` takes the schema from version `i` to version `i + 1`. Append only: a released migration
/// never changes, and no migration loses a table listed in [`TABLES`] (one may rebuild it under its name).
pub(super) const MIGRATIONS: &[&str] = &[V1, V2, V3, V4];

/// The schema version this code writes and the newest it can read.
pub(super) const SUPPORTED: i64 = MIGRATIONS.len() as i64;

/// The tables every store of version 1 or later has.
const TABLES: &[&str] = &["stacks", "resources", "events", "exports", "locks"];

/// The tables every store of version 2 or later has besides [`TABLES`].
const TABLES_V2: &[&str] = &["snapshots", "changesets"];

/// The tables every store of version 4 or later has besides [`TABLES`] and [`TABLES_V2`].
const TABLES_V4: &[&str] = &["templates"];

/// Version 4: a stack's template moves out of its row into `templates`. The stack's row is written at
/// every stack status (four times in a create and destroy, more in an update); with the template in it,
/// each write copied the whole processed template (0.2 MB for 500 resources) into the WAL again, since
/// SQLite rewrites a row as a whole. The template is now written only when it changes.
const V4: &str = "
CREATE TABLE templates (
    stack_name TEXT PRIMARY KEY NOT NULL,
    template   TEXT NOT NULL
) STRICT;
INSERT INTO templates (stack_name, template) SELECT name, template FROM stacks;
ALTER TABLE stacks DROP COLUMN template;
";

/// Version 3: `resources.ordinal` and `events.seq` become plain integer keys instead of AUTOINCREMENT. A
/// new row still gets one more than the largest key, so both keep their order; what AUTOINCREMENT added
/// was a write to `sqlite_sequence` in every commit that inserts a row (a fifth of the pages an engine
/// transition writes). The two tables are rebuilt with the same columns and rows.
const V3: &str = "
CREATE TABLE resources_v3 (
    ordinal       INTEGER PRIMARY KEY,
    stack_name    TEXT NOT NULL,
    logical_id    TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    physical_id   TEXT,
    token         TEXT,
    properties    TEXT NOT NULL,
    attributes    TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_reason TEXT,
    ref_value     TEXT,
    pending       TEXT NOT NULL DEFAULT '[]',
    UNIQUE (stack_name, logical_id)
) STRICT;
INSERT INTO resources_v3 (ordinal, stack_name, logical_id, resource_type, physical_id, token, properties,
    attributes, status, status_reason, ref_value, pending)
SELECT ordinal, stack_name, logical_id, resource_type, physical_id, token, properties, attributes, status,
    status_reason, ref_value, pending FROM resources;
DROP TABLE resources;
ALTER TABLE resources_v3 RENAME TO resources;

CREATE TABLE events_v3 (
    seq           INTEGER PRIMARY KEY,
    event_id      TEXT NOT NULL,
    operation_id  TEXT NOT NULL,
    stack_name    TEXT NOT NULL,
    timestamp     TEXT NOT NULL,
    logical_id    TEXT NOT NULL,
    physical_id   TEXT,
    resource_type TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_reason TEXT
) STRICT;
INSERT INTO events_v3 (seq, event_id, operation_id, stack_name, timestamp, logical_id, physical_id,
    resource_type, status, status_reason)
SELECT seq, event_id, operation_id, stack_name, timestamp, logical_id, physical_id, resource_type, status,
    status_reason FROM events;
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE INDEX events_by_stack ON events (stack_name, seq);
";

/// Version 2: updates. A resource records what `Ref` returns and the physical resources its cleanup
/// phase deletes; a stack being updated keeps a snapshot of itself for the update rollback; change sets.
const V2: &str = "
ALTER TABLE resources ADD COLUMN ref_value TEXT;
ALTER TABLE resources ADD COLUMN pending TEXT NOT NULL DEFAULT '[]';

CREATE TABLE snapshots (
    stack_name TEXT PRIMARY KEY NOT NULL,
    snapshot   TEXT NOT NULL
) STRICT;

CREATE TABLE changesets (
    stack_name       TEXT NOT NULL,
    name             TEXT NOT NULL,
    record           TEXT NOT NULL,
    PRIMARY KEY (stack_name, name)
) STRICT;
";

/// Version 1. JSON columns hold the serde form of the record's field. `ordinal` and `seq` are
/// AUTOINCREMENT so they only grow: resources keep the order they were first recorded in, events the order
/// they were appended. There are no foreign keys: `forget_stack` deletes from every table explicitly.
const V1: &str = "
CREATE TABLE stacks (
    name          TEXT PRIMARY KEY NOT NULL,
    id            TEXT NOT NULL,
    region        TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_reason TEXT,
    template      TEXT NOT NULL,
    parameters    TEXT NOT NULL,
    outputs       TEXT NOT NULL,
    tags          TEXT NOT NULL,
    imports       TEXT NOT NULL,
    lineage       TEXT NOT NULL,
    serial        INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE resources (
    ordinal       INTEGER PRIMARY KEY AUTOINCREMENT,
    stack_name    TEXT NOT NULL,
    logical_id    TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    physical_id   TEXT,
    token         TEXT,
    properties    TEXT NOT NULL,
    attributes    TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_reason TEXT,
    UNIQUE (stack_name, logical_id)
) STRICT;

CREATE TABLE events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      TEXT NOT NULL,
    operation_id  TEXT NOT NULL,
    stack_name    TEXT NOT NULL,
    timestamp     TEXT NOT NULL,
    logical_id    TEXT NOT NULL,
    physical_id   TEXT,
    resource_type TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_reason TEXT
) STRICT;
CREATE INDEX events_by_stack ON events (stack_name, seq);

CREATE TABLE exports (
    name       TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    stack_name TEXT NOT NULL
) STRICT;
CREATE INDEX exports_by_stack ON exports (stack_name);

CREATE TABLE locks (
    stack_name   TEXT PRIMARY KEY NOT NULL,
    operation_id TEXT NOT NULL,
    operation    TEXT NOT NULL,
    since        TEXT NOT NULL,
    pid          INTEGER NOT NULL
) STRICT;
";

/// Checks that the file is a Cairn store this code can read, switches it to WAL and migrates it. Nothing is
/// written to a file that fails the checks.
pub(super) fn prepare(conn: &mut Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| db_error(path, "set the busy timeout", e))?;
    stable_plans(conn).map_err(|e| db_error(path, "configure the connection", e))?;
    let found = retry_busy(|| inspect(conn)).map_err(|e| db_error(path, "read the schema", e))?;
    found.check(path)?;
    configure(conn, path)?;
    if found.version < SUPPORTED {
        migrate(conn, path)?;
    }
    Ok(())
}

/// Turns on SQLite's query planner stability guarantee. The bundled SQLite is built with STAT4, which lets
/// the planner look at bound values: a statement whose parameter could steer the plan is then prepared again
/// each time a new value is bound (every look-up by token or physical id was parsed and planned anew, a
/// sixth of an apply's time). With the guarantee, a cached statement keeps its plan.
pub(crate) fn stable_plans(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map(drop)
}

/// What a file says about itself before Cairn touches it.
struct Found {
    version: i64,
    application_id: i64,
    tables: Vec<String>,
}

/// Reads the version, the application id and the tables in one read transaction: another process may be
/// migrating the file at the same moment, and separate reads could see its tables but not yet its version.
fn inspect(conn: &Connection) -> rusqlite::Result<Found> {
    conn.execute_batch("BEGIN DEFERRED")?;
    let read = || -> rusqlite::Result<Found> {
        let version = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let application_id = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
        let mut tables = conn.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")?;
        let tables = tables
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Found {
            version,
            application_id,
            tables,
        })
    };
    let found = read();
    conn.execute_batch("COMMIT")?;
    found
}

impl Found {
    fn check(&self, path: &Path) -> Result<()> {
        let corrupt = |reason: String| {
            Err(StateError::Corrupt {
                path: path.to_owned(),
                reason,
            })
        };
        if self.application_id != 0 && self.application_id != APPLICATION_ID {
            return corrupt(format!(
                "the file belongs to another application (sqlite application id {:#x})",
                self.application_id
            ));
        }
        if self.version > SUPPORTED {
            return Err(StateError::TooNew {
                path: path.to_owned(),
                found: self.version,
                supported: SUPPORTED,
            });
        }
        if self.version < 0 {
            return corrupt(format!("invalid schema version {}", self.version));
        }
        if self.version == 0 {
            // A fresh file has no tables; one with tables but no version is some other program's database.
            return match self.tables.iter().find(|t| !t.starts_with("sqlite_")) {
                Some(table) => {
                    corrupt(format!("found table `{table}` but no cairn schema version"))
                }
                None => Ok(()),
            };
        }
        let v2: &[&str] = if self.version >= 2 { TABLES_V2 } else { &[] };
        let v4: &[&str] = if self.version >= 4 { TABLES_V4 } else { &[] };
        match TABLES
            .iter()
            .chain(v2)
            .chain(v4)
            .find(|t| !self.tables.iter().any(|have| have == *t))
        {
            Some(missing) => corrupt(format!(
                "table `{missing}` is missing (schema version {})",
                self.version
            )),
            None => Ok(()),
        }
    }
}

/// Runs `f` again while SQLite reports the database busy or locked, for up to five seconds.
pub(crate) fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// Pragmas that belong to the connection (or, for `journal_mode`, to the file) rather than the schema.
fn configure(conn: &Connection, path: &Path) -> Result<()> {
    // WAL: readers never block the writer, and several processes can share the file.
    // Switching a new file to WAL takes an exclusive lock, and SQLite answers SQLITE_BUSY at once (without
    // the busy handler) while another process opens the same new file: retry for a few seconds.
    let mode: String =
        retry_busy(|| conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)))
            .map_err(|e| db_error(path, "enable write-ahead logging", e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StateError::Io {
            path: path.to_owned(),
            reason: format!("cannot enable write-ahead logging: the journal mode stays `{mode}`"),
        });
    }
    // NORMAL, not FULL: in WAL mode a commit is appended to the WAL file before the call returns, so it
    // survives the process being killed at any point (kill -9, panic, abort), which is the store's
    // contract. What NORMAL gives up is fsync on every commit, so a power loss or kernel crash may lose
    // the last commits, never consistency. FULL would fsync the WAL on each of the engine's many small
    // commits for a guarantee the contract does not ask for.
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(|e| db_error(path, "set synchronous mode", e))?;
    // A checkpoint (copying the WAL back into the file, with two fsyncs) every 4,000 pages written rather
    // than SQLite's 1,000: an apply of a large stack writes thousands of small commits, and each checkpoint
    // costs more than the commits between two of them.
    conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
        .map_err(|e| db_error(path, "set the checkpoint interval", e))?;
    Ok(())
}

/// Pages written to the WAL between two automatic checkpoints (16 MB with 4 KiB pages).
pub(crate) const WAL_CHECKPOINT_PAGES: i64 = 4000;

/// Runs every pending migration in one write transaction, re-reading the version inside it: another
/// process may have migrated the file since `inspect`.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let fail = |e| db_error(path, "migrate the schema", e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(fail)?;
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(fail)?;
    if version > SUPPORTED {
        return Err(StateError::TooNew {
            path: path.to_owned(),
            found: version,
            supported: SUPPORTED,
        });
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        tx.execute_batch(sql).map_err(|e| {
            let reason = format!(
                "cannot migrate the schema to version {}: {}",
                from + 1,
                lowercase_first(&e)
            );
            StateError::Io {
                path: path.to_owned(),
                reason,
            }
        })?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(fail)?;
    tx.pragma_update(None, "user_version", SUPPORTED)
        .map_err(fail)?;
    tx.commit().map_err(fail)
}
