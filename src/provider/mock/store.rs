//! The mock cloud's SQLite file: live resources (scoped by account and region), snapshots and SSM parameters.
//! Only storage: every function takes the connection or transaction it runs in; deciding what to write is
//! the cloud's job. A schema version in `PRAGMA user_version` guards against newer or foreign files.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use crate::provider::{ErrorKind, ProviderError, Result};

pub(crate) const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE resources (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    physical_id TEXT NOT NULL,
    logical_id TEXT NOT NULL,
    stack_name TEXT,
    name TEXT,
    properties TEXT NOT NULL,
    attributes TEXT NOT NULL,
    ref_value TEXT NOT NULL,
    token TEXT NOT NULL,
    object_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account, region, resource_type, physical_id)
);
CREATE INDEX resources_token ON resources (token);
CREATE INDEX resources_name ON resources (resource_type, name);
CREATE TABLE snapshots (
    snapshot_id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    source_physical_id TEXT NOT NULL,
    properties TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE ssm_parameters (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
);
CREATE TABLE account_defaults (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    PRIMARY KEY (account, region)
);
";

/// One stored resource.
#[derive(Clone, Debug)]
pub(crate) struct Record {
    pub resource_type: String,
    pub physical_id: String,
    pub logical_id: String,
    pub stack_name: Option<String>,
    /// The physical name, for uniqueness (`None` for types named by an id).
    pub name: Option<String>,
    pub properties: Value,
    pub attributes: BTreeMap<String, Value>,
    pub ref_value: String,
    /// The token of the create that made it.
    pub token: String,
    pub object_count: i64,
    pub created_at: String,
}

pub(crate) fn internal(context: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError {
        kind: ErrorKind::Internal,
        message: format!("mock cloud store: {context}: {e}"),
    }
}

/// Opens (creating if needed) and migrates the store.
pub(crate) fn open(path: &Path) -> Result<Connection> {
    let shown = path.display();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| internal(&format!("cannot create `{}`", parent.display()), e))?;
    }
    let conn =
        Connection::open(path).map_err(|e| internal(&format!("cannot open `{shown}`"), e))?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(|e| internal("busy timeout", e))?;
    // Every statement of the store stays prepared (the default cache of 16 evicts some on each create).
    conn.set_prepared_statement_cache_capacity(64);
    crate::state::stable_plans(&conn).map_err(|e| internal("configure the connection", e))?;
    let corrupt = |e: rusqlite::Error| {
        internal(
            &format!("`{shown}` is not a mock cloud store or is corrupt"),
            e,
        )
    };
    crate::state::retry_busy(|| conn.pragma_update(None, "journal_mode", "WAL"))
        .map_err(corrupt)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(corrupt)?;
    conn.pragma_update(
        None,
        "wal_autocheckpoint",
        crate::state::WAL_CHECKPOINT_PAGES,
    )
    .map_err(corrupt)?;
    // Read and create in one write transaction: another process may open the same new file at once, and
    // must see either no schema or the whole schema with its version.
    let create = || -> Result<()> {
        conn.execute_batch("BEGIN IMMEDIATE").map_err(corrupt)?;
        let result = (|| {
            let version: i64 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(corrupt)?;
            if version > SCHEMA_VERSION {
                return Err(internal(
                    &format!("`{shown}` has schema version {version}"),
                    format!("this cairn understands up to {SCHEMA_VERSION}; upgrade cairn"),
                ));
            }
            if version == 0 {
                let tables: i64 = conn
                    .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                    .map_err(corrupt)?;
                if tables > 0 {
                    return Err(internal(
                        &format!("`{shown}` is not a mock cloud store"),
                        "it holds tables of another program",
                    ));
                }
                conn.execute_batch(&format!("{SCHEMA} PRAGMA user_version = {SCHEMA_VERSION};"))
                    .map_err(|e| internal("cannot create the schema", e))?;
            }
            Ok(())
        })();
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        conn.execute_batch(end)
            .map_err(|e| internal("cannot finish opening the store", e))?;
        result
    };
    create()?;
    Ok(conn)
}

const COLUMNS: &str = "resource_type, physical_id, logical_id, stack_name, name, properties, attributes, \
                       ref_value, token, object_count, created_at";

fn record(row: &Row<'_>) -> rusqlite::Result<Record> {
    let json = |i: usize| -> rusqlite::Result<Value> {
        let text: String = row.get(i)?;
        serde_json::from_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
    };
    let attributes = match json(6)? {
        Value::Object(map) => map.into_iter().collect(),
        _ => BTreeMap::new(),
    };
    Ok(Record {
        resource_type: row.get(0)?,
        physical_id: row.get(1)?,
        logical_id: row.get(2)?,
        stack_name: row.get(3)?,
        name: row.get(4)?,
        properties: json(5)?,
        attributes,
        ref_value: row.get(7)?,
        token: row.get(8)?,
        object_count: row.get(9)?,
        created_at: row.get(10)?,
    })
}

/// Where resources live: one account in one region.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub account: &'a str,
    pub region: &'a str,
}

fn query(
    conn: &Connection,
    scope: Scope<'_>,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Record>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM resources WHERE account = ?1 AND region = ?2 {filter} ORDER BY rowid"
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(|e| internal("query", e))?;
    let mut all: Vec<&dyn rusqlite::ToSql> = vec![&scope.account, &scope.region];
    all.extend_from_slice(args);
    let rows = stmt
        .query_map(all.as_slice(), record)
        .map_err(|e| internal("query", e))?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| internal("read", e))
}

pub(crate) fn get(
    conn: &Connection,
    scope: Scope<'_>,
    resource_type: &str,
    physical_id: &str,
) -> Result<Option<Record>> {
    Ok(query(
        conn,
        scope,
        "AND resource_type = ?3 AND physical_id = ?4",
        &[&resource_type, &physical_id],
    )?
    .pop())
}

/// Whether a resource of the type has this physical id (its columns are not read).
pub(crate) fn exists(
    conn: &Connection,
    scope: Scope<'_>,
    resource_type: &str,
    physical_id: &str,
) -> Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM resources WHERE account = ?1 AND region = ?2 AND resource_type = ?3 \
         AND physical_id = ?4",
    )?
    .exists(params![
        scope.account,
        scope.region,
        resource_type,
        physical_id
    ])
    .map_err(|e| internal("query", e))
}

/// What deleting a resource needs to know of it: its JSON columns are not read.
pub(crate) struct Brief {
    pub resource_type: String,
    pub physical_id: String,
    pub name: Option<String>,
    pub ref_value: String,
    pub object_count: i64,
}

pub(crate) fn brief(
    conn: &Connection,
    scope: Scope<'_>,
    resource_type: &str,
    physical_id: &str,
) -> Result<Option<Brief>> {
    conn.prepare_cached(
        "SELECT name, ref_value, object_count FROM resources WHERE account = ?1 AND region = ?2 \
         AND resource_type = ?3 AND physical_id = ?4",
    )?
    .query_row(
        params![scope.account, scope.region, resource_type, physical_id],
        |r| {
            Ok(Brief {
                resource_type: resource_type.to_owned(),
                physical_id: physical_id.to_owned(),
                name: r.get(0)?,
                ref_value: r.get(1)?,
                object_count: r.get(2)?,
            })
        },
    )
    .optional()
    .map_err(|e| internal("query", e))
}

/// The resources with this physical id, whatever their type (for the `cairn mock` commands).
pub(crate) fn by_physical_id(
    conn: &Connection,
    scope: Scope<'_>,
    physical_id: &str,
) -> Result<Vec<Record>> {
    query(conn, scope, "AND physical_id = ?3", &[&physical_id])
}

pub(crate) fn by_token(conn: &Connection, scope: Scope<'_>, token: &str) -> Result<Option<Record>> {
    Ok(query(conn, scope, "AND token = ?3", &[&token])?.pop())
}

pub(crate) fn all(conn: &Connection, scope: Scope<'_>) -> Result<Vec<Record>> {
    query(conn, scope, "", &[])
}

/// Whether a live resource of the type already has this name. S3 bucket names are global: any account, any
/// region.
pub(crate) fn name_taken(
    conn: &Connection,
    scope: Scope<'_>,
    resource_type: &str,
    name: &str,
) -> Result<bool> {
    let global = resource_type == "AWS::S3::Bucket";
    let sql = "SELECT count(*) FROM resources WHERE resource_type = ?1 AND name = ?2 \
               AND (?3 OR (account = ?4 AND region = ?5))";
    let n: i64 = conn
        .prepare_cached(sql)?
        .query_row(
            params![resource_type, name, global, scope.account, scope.region],
            |r| r.get(0),
        )
        .map_err(|e| internal("query", e))?;
    Ok(n > 0)
}

/// Live resources whose properties mention `id` as a whole string value somewhere.
pub(crate) fn referencing(
    conn: &Connection,
    scope: Scope<'_>,
    id: &str,
    except: &str,
) -> Result<Vec<Record>> {
    let like = format!("%\"{}\"%", id.replace('%', ""));
    let candidates = query(
        conn,
        scope,
        "AND physical_id != ?3 AND properties LIKE ?4",
        &[&except, &like],
    )?;
    Ok(candidates
        .into_iter()
        .filter(|r| mentions(&r.properties, id))
        .collect())
}

fn mentions(value: &Value, id: &str) -> bool {
    match value {
        Value::String(s) => s == id,
        Value::Array(items) => items.iter().any(|v| mentions(v, id)),
        Value::Object(map) => map.values().any(|v| mentions(v, id)),
        _ => false,
    }
}

fn text(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("JSON values serialize: this is a bug")
}

pub(crate) fn insert(conn: &Connection, scope: Scope<'_>, r: &Record) -> Result<()> {
    let sql = format!(
        "INSERT INTO resources (account, region, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    );
    conn.prepare_cached(&sql)?
        .execute(params![
            scope.account,
            scope.region,
            r.resource_type,
            r.physical_id,
            r.logical_id,
            r.stack_name,
            r.name,
            text(&r.properties),
            text(&r.attributes),
            r.ref_value,
            r.token,
            r.object_count,
            r.created_at
        ])
        .map_err(|e| internal("insert", e))?;
    Ok(())
}

/// Rewrites the mutable parts of a stored resource.
pub(crate) fn save(conn: &Connection, scope: Scope<'_>, r: &Record) -> Result<()> {
    conn.prepare_cached(
        "UPDATE resources SET properties = ?1, attributes = ?2, object_count = ?3 \
         WHERE account = ?4 AND region = ?5 AND resource_type = ?6 AND physical_id = ?7",
    )?
    .execute(params![
        text(&r.properties),
        text(&r.attributes),
        r.object_count,
        scope.account,
        scope.region,
        r.resource_type,
        r.physical_id
    ])
    .map_err(|e| internal("update", e))?;
    Ok(())
}

pub(crate) fn remove(
    conn: &Connection,
    scope: Scope<'_>,
    resource_type: &str,
    physical_id: &str,
) -> Result<()> {
    conn.prepare_cached("DELETE FROM resources WHERE account = ?1 AND region = ?2 AND resource_type = ?3 AND physical_id = ?4")?.execute(params![scope.account, scope.region, resource_type, physical_id])
    .map_err(|e| internal("delete", e))?;
    Ok(())
}

pub(crate) fn insert_snapshot(
    conn: &Connection,
    scope: Scope<'_>,
    s: &super::Snapshot,
    properties: &Value,
) -> Result<()> {
    conn.prepare_cached("INSERT INTO snapshots (snapshot_id, account, region, resource_type, source_physical_id, properties, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![s.snapshot_id, scope.account, scope.region, s.resource_type, s.source_physical_id, text(properties), s.created_at])
    .map_err(|e| internal("snapshot", e))?;
    Ok(())
}

pub(crate) fn snapshots(conn: &Connection, scope: Scope<'_>) -> Result<Vec<super::Snapshot>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT snapshot_id, source_physical_id, resource_type, created_at FROM snapshots \
             WHERE account = ?1 AND region = ?2 ORDER BY rowid",
        )
        .map_err(|e| internal("query", e))?;
    let rows = stmt
        .query_map(params![scope.account, scope.region], |r| {
            Ok(super::Snapshot {
                snapshot_id: r.get(0)?,
                source_physical_id: r.get(1)?,
                resource_type: r.get(2)?,
                created_at: r.get(3)?,
            })
        })
        .map_err(|e| internal("query", e))?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| internal("read", e))
}

pub(crate) fn ssm_put(conn: &Connection, scope: Scope<'_>, name: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO ssm_parameters (account, region, name, value) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (account, region, name) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![scope.account, scope.region, name, value])
    .map_err(|e| internal("ssm put", e))?;
    Ok(())
}

pub(crate) fn ssm_delete(conn: &Connection, scope: Scope<'_>, name: &str) -> Result<()> {
    conn.prepare_cached(
        "DELETE FROM ssm_parameters WHERE account = ?1 AND region = ?2 AND name = ?3",
    )?
    .execute(params![scope.account, scope.region, name])
    .map_err(|e| internal("ssm delete", e))?;
    Ok(())
}

pub(crate) fn ssm_get(conn: &Connection, scope: Scope<'_>, name: &str) -> Result<Option<String>> {
    conn.prepare_cached(
        "SELECT value FROM ssm_parameters WHERE account = ?1 AND region = ?2 AND name = ?3",
    )?
    .query_row(params![scope.account, scope.region, name], |r| r.get(0))
    .optional()
    .map_err(|e| internal("ssm get", e))
}

pub(crate) fn ssm_list(conn: &Connection, scope: Scope<'_>) -> Result<Vec<(String, String)>> {
    let mut stmt = conn
        .prepare_cached("SELECT name, value FROM ssm_parameters WHERE account = ?1 AND region = ?2 ORDER BY name")
        .map_err(|e| internal("query", e))?;
    let rows = stmt
        .query_map(params![scope.account, scope.region], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(|e| internal("query", e))?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| internal("read", e))
}

/// Marks the account's default resources as made; false when they already were.
pub(crate) fn claim_defaults(conn: &Connection, scope: Scope<'_>) -> Result<bool> {
    let n = conn
        .prepare_cached("INSERT OR IGNORE INTO account_defaults (account, region) VALUES (?1, ?2)")?
        .execute(params![scope.account, scope.region])
        .map_err(|e| internal("defaults", e))?;
    Ok(n > 0)
}

/// A statement that cannot be prepared is the store's own failure.
impl From<rusqlite::Error> for crate::provider::ProviderError {
    fn from(e: rusqlite::Error) -> Self {
        internal("prepare a statement", e)
    }
}
