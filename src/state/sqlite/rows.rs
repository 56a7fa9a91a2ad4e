//! Records to and from table rows: the statements and their column lists, JSON and status columns. A value that cannot
//! be decoded is reported as a [`BadColumn`], which the store turns into `StateError::Corrupt`.

use std::error::Error;
use std::fmt;

use rusqlite::Row;
use rusqlite::types::Type;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::state::{
    EventRecord, ExportRecord, LockRecord, ResourceRecord, ResourceStatus, StackRecord, StackStatus,
};

// Each record's column list is written once, in the order its reader below expects, and spliced into
// the statements with `concat!`.
// A stack's template lives in `templates` (schema version 4), so the stack statements join it (a LEFT JOIN:
// a stack whose template row is missing is reported as damaged rather than silently left out).
macro_rules! stack_columns {
    () => {
        "s.name, s.id, s.region, s.status, s.status_reason, t.template, s.parameters, s.outputs, \
         s.tags, s.imports, s.lineage, s.serial, s.created_at, s.updated_at"
    };
}
macro_rules! stack_row_columns {
    () => {
        "name, id, region, status, status_reason, parameters, outputs, tags, imports, lineage, \
         serial, created_at, updated_at"
    };
}
macro_rules! resource_columns {
    () => {
        "logical_id, resource_type, physical_id, token, properties, attributes, status, \
         status_reason, ref_value, pending"
    };
}
macro_rules! event_columns {
    () => {
        "event_id, operation_id, stack_name, timestamp, logical_id, physical_id, resource_type, \
         status, status_reason"
    };
}
macro_rules! lock_columns {
    () => {
        "stack_name, operation_id, operation, since, pid"
    };
}

pub(super) const SELECT_STACK: &str = concat!(
    "SELECT ",
    stack_columns!(),
    " FROM stacks s LEFT JOIN templates t ON t.stack_name = s.name WHERE s.name = ?1"
);
pub(super) const SELECT_STACKS: &str = concat!(
    "SELECT ",
    stack_columns!(),
    " FROM stacks s LEFT JOIN templates t ON t.stack_name = s.name ORDER BY s.name"
);
pub(super) const UPSERT_STACK: &str = concat!(
    "INSERT INTO stacks (",
    stack_row_columns!(),
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
     ON CONFLICT (name) DO UPDATE SET id = excluded.id, region = excluded.region,
         status = excluded.status, status_reason = excluded.status_reason,
         parameters = excluded.parameters, outputs = excluded.outputs, tags = excluded.tags,
         imports = excluded.imports, lineage = excluded.lineage, serial = excluded.serial,
         created_at = excluded.created_at, updated_at = excluded.updated_at"
);
/// Writes the template only when it changed: a stack's status changes far more often than its template.
pub(super) const UPSERT_TEMPLATE: &str =
    "INSERT INTO templates (stack_name, template) VALUES (?1, ?2)
     ON CONFLICT (stack_name) DO UPDATE SET template = excluded.template
     WHERE template != excluded.template";

pub(super) const SELECT_RESOURCES: &str = concat!(
    "SELECT ",
    resource_columns!(),
    " FROM resources WHERE stack_name = ?1 ORDER BY ordinal"
);
/// [`SELECT_RESOURCES`] with `null` read for the properties (the same columns, in the same places).
pub(super) const SELECT_RESOURCE_STATES: &str = "SELECT logical_id, resource_type, physical_id, token, \
     'null', attributes, status, status_reason, ref_value, pending \
     FROM resources WHERE stack_name = ?1 ORDER BY ordinal";
/// An update leaves `ordinal` alone, so the resource keeps the place it was first recorded at.
pub(super) const UPSERT_RESOURCE: &str = concat!(
    "INSERT INTO resources (stack_name, ",
    resource_columns!(),
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
     ON CONFLICT (stack_name, logical_id) DO UPDATE SET
         resource_type = excluded.resource_type, physical_id = excluded.physical_id,
         token = excluded.token, properties = excluded.properties,
         attributes = excluded.attributes, status = excluded.status,
         status_reason = excluded.status_reason, ref_value = excluded.ref_value,
         pending = excluded.pending"
);

/// [`UPSERT_RESOURCE`] for a row that exists, leaving its properties (`?6`, unused) as they are.
pub(super) const UPDATE_RESOURCE_STATE: &str = "UPDATE resources SET
         resource_type = ?3, physical_id = ?4, token = ?5, attributes = ?7, status = ?8,
         status_reason = ?9, ref_value = ?10, pending = ?11
     WHERE stack_name = ?1 AND logical_id = ?2";

pub(super) const SELECT_EVENTS: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE stack_name = ?1 ORDER BY seq"
);
pub(super) const INSERT_EVENT: &str = concat!(
    "INSERT INTO events (",
    event_columns!(),
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
);

pub(super) const SELECT_LOCK: &str = concat!(
    "SELECT ",
    lock_columns!(),
    " FROM locks WHERE stack_name = ?1"
);
/// Inserts nothing (one changed row becomes zero) when the stack is already locked.
pub(super) const INSERT_LOCK: &str = concat!(
    "INSERT INTO locks (",
    lock_columns!(),
    ") VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (stack_name) DO NOTHING"
);

/// A stored value this code cannot read back: the file was damaged or written by something else.
#[derive(Debug)]
pub(super) struct BadColumn {
    column: &'static str,
    reason: String,
}

impl fmt::Display for BadColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column `{}` holds {}", self.column, self.reason)
    }
}

impl Error for BadColumn {}

fn bad(idx: usize, column: &'static str, reason: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        idx,
        Type::Text,
        Box::new(BadColumn { column, reason }),
    )
}

/// Encodes a field for a JSON column.
pub(super) fn to_json<T: Serialize + ?Sized>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// Reads a JSON column of any query.
pub(super) fn json_column<T: DeserializeOwned>(
    row: &Row<'_>,
    idx: usize,
    column: &'static str,
) -> rusqlite::Result<T> {
    json(row, idx, column)
}

fn json<T: DeserializeOwned>(
    row: &Row<'_>,
    idx: usize,
    column: &'static str,
) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text).map_err(|e| bad(idx, column, format!("invalid json: {e}")))
}

fn status<T>(row: &Row<'_>, idx: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    parse(&text).ok_or_else(|| bad(idx, "status", format!("unknown status `{text}`")))
}

/// SQLite integers are signed: a serial is stored as an `i64`, which it will not outgrow.
pub(super) fn serial_to_sql(serial: u64) -> rusqlite::Result<i64> {
    i64::try_from(serial).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn serial(row: &Row<'_>, idx: usize) -> rusqlite::Result<u64> {
    let value: i64 = row.get(idx)?;
    u64::try_from(value).map_err(|_| bad(idx, "serial", format!("negative serial {value}")))
}

/// Reads a row selected by [`SELECT_STACK`] or [`SELECT_STACKS`].
pub(super) fn stack(row: &Row<'_>) -> rusqlite::Result<StackRecord> {
    Ok(StackRecord {
        name: row.get(0)?,
        id: row.get(1)?,
        region: row.get(2)?,
        status: status(row, 3, StackStatus::parse)?,
        status_reason: row.get(4)?,
        template: row.get(5)?,
        parameters: json(row, 6, "parameters")?,
        outputs: json(row, 7, "outputs")?,
        tags: json(row, 8, "tags")?,
        imports: json(row, 9, "imports")?,
        lineage: row.get(10)?,
        serial: serial(row, 11)?,
        created_at: row.get(12)?,
        updated_at: row.get(13)?,
    })
}

/// Reads a row selected by [`SELECT_RESOURCES`].
pub(super) fn resource(row: &Row<'_>) -> rusqlite::Result<ResourceRecord> {
    Ok(ResourceRecord {
        logical_id: row.get(0)?,
        resource_type: row.get(1)?,
        physical_id: row.get(2)?,
        token: row.get(3)?,
        properties: json(row, 4, "properties")?,
        attributes: json(row, 5, "attributes")?,
        status: status(row, 6, ResourceStatus::parse)?,
        status_reason: row.get(7)?,
        ref_value: row.get(8)?,
        pending: json(row, 9, "pending")?,
    })
}

/// Reads a row selected by [`SELECT_EVENTS`].
pub(super) fn event(row: &Row<'_>) -> rusqlite::Result<EventRecord> {
    Ok(EventRecord {
        event_id: row.get(0)?,
        operation_id: row.get(1)?,
        stack_name: row.get(2)?,
        timestamp: row.get(3)?,
        logical_id: row.get(4)?,
        physical_id: row.get(5)?,
        resource_type: row.get(6)?,
        status: row.get(7)?,
        status_reason: row.get(8)?,
    })
}

/// Reads a row selected as `name, value, stack_name`.
pub(super) fn export(row: &Row<'_>) -> rusqlite::Result<ExportRecord> {
    Ok(ExportRecord {
        name: row.get(0)?,
        value: row.get(1)?,
        stack_name: row.get(2)?,
    })
}

/// Reads a row selected by [`SELECT_LOCK`].
pub(super) fn lock(row: &Row<'_>) -> rusqlite::Result<LockRecord> {
    Ok(LockRecord {
        stack_name: row.get(0)?,
        operation_id: row.get(1)?,
        operation: row.get(2)?,
        since: row.get(3)?,
        pid: row.get(4)?,
    })
}
