//! Opening a store: creation, the schema checks (too new, corrupt), and durability across handles and
//! across a killed process.

use std::process::Command;

use rusqlite::Connection;

use super::*;
use crate::state::sqlite::schema::{APPLICATION_ID, SUPPORTED};
use crate::state::{StateError, StateStore};

#[test]
fn open_creates_directories_and_a_wal_store() {
    let dir = TempDir::new("open");
    let path = dir.0.join("a/b/.cairn/state.db");
    let store = open(&path);
    assert!(path.is_file());
    assert_eq!(store.path(), path);
    assert!(store.stacks().unwrap().is_empty());

    let raw = Connection::open(&path).unwrap();
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    let version: i64 = raw
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let app: i64 = raw
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!(
        (mode.as_str(), version, app),
        ("wal", SUPPORTED, APPLICATION_ID)
    );
}

#[test]
fn opening_twice_keeps_the_schema() {
    let dir = TempDir::new("twice");
    open(&dir.db()).put_stack(&stack("a")).unwrap();
    let again = open(&dir.db());
    assert_eq!(again.stacks().unwrap().len(), 1);
}

#[test]
fn a_new_handle_sees_everything_written() {
    let dir = TempDir::new("durable");
    let first = open(&dir.db());
    first.put_stack(&stack("app")).unwrap();
    first.put_resource("app", &resource("Bucket")).unwrap();
    first.append_event(&event("app", 1)).unwrap();
    first
        .set_exports("app", &[export("app-url", "app")])
        .unwrap();
    first.lock(&lock("app", "op-1")).unwrap();

    // While the first handle is still open, and after it is gone.
    let check = |store: &SqliteStore| {
        assert_eq!(store.stack("app").unwrap(), Some(stack("app")));
        assert_eq!(store.resources("app").unwrap(), [resource("Bucket")]);
        assert_eq!(store.events("app").unwrap(), [event("app", 1)]);
        assert_eq!(store.exports().unwrap(), [export("app-url", "app")]);
        assert_eq!(store.lock_of("app").unwrap(), Some(lock("app", "op-1")));
    };
    check(&open(&dir.db()));
    drop(first);
    check(&open(&dir.db()));
}

const CRASH_ENV: &str = "CAIRN_STATE_CRASH_CHILD";

/// The child half of `writes_survive_the_process_being_killed`: does nothing unless its parent sets
/// `CAIRN_STATE_CRASH_CHILD` to a store path; then writes and aborts without running any destructor.
#[test]
fn crash_child() {
    let Some(path) = std::env::var_os(CRASH_ENV) else {
        return;
    };
    let store = open(Path::new(&path));
    store.put_stack(&stack("app")).unwrap();
    store.put_resource("app", &resource("Bucket")).unwrap();
    store.append_event(&event("app", 1)).unwrap();
    store.lock(&lock("app", "op-1")).unwrap();
    std::process::abort();
}

#[test]
fn writes_survive_the_process_being_killed() {
    let dir = TempDir::new("killed");
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "state::sqlite::tests::open::crash_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_ENV, dir.db())
        .output()
        .unwrap()
        .status;
    assert!(!status.success(), "the child was expected to abort");

    let store = open(&dir.db());
    assert_eq!(store.stack("app").unwrap(), Some(stack("app")));
    assert_eq!(store.resources("app").unwrap(), [resource("Bucket")]);
    assert_eq!(store.events("app").unwrap(), [event("app", 1)]);
    // The dead process's lock is still there, for `cairn unlock --force`.
    assert_eq!(store.lock_of("app").unwrap(), Some(lock("app", "op-1")));
    let err = store.lock(&lock("app", "op-2")).unwrap_err();
    assert!(
        matches!(&err, StateError::Locked(held) if held.operation_id == "op-1"),
        "{err}"
    );
}

#[test]
fn a_store_from_a_newer_cairn_is_too_new() {
    let dir = TempDir::new("too-new");
    let raw = Connection::open(dir.db()).unwrap();
    raw.pragma_update(None, "user_version", 99).unwrap();
    drop(raw);
    let err = SqliteStore::open(&dir.db()).err().unwrap();
    assert!(
        matches!(&err, StateError::TooNew { found: 99, supported, path } if *supported == SUPPORTED && *path == dir.db()),
        "{err}"
    );
    assert!(err.to_string().contains("schema 99"), "{err}");
}

#[test]
fn garbage_bytes_are_corrupt() {
    let dir = TempDir::new("garbage");
    std::fs::write(
        dir.db(),
        b"this is not a sqlite database, just text ".repeat(100),
    )
    .unwrap();
    let err = SqliteStore::open(&dir.db()).err().unwrap();
    assert!(matches!(&err, StateError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("file is not a database"), "{err}");
}

#[test]
fn a_foreign_sqlite_database_is_corrupt() {
    let dir = TempDir::new("foreign");
    let raw = Connection::open(dir.db()).unwrap();
    raw.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY)")
        .unwrap();
    drop(raw);
    let err = SqliteStore::open(&dir.db()).err().unwrap();
    assert!(
        matches!(&err, StateError::Corrupt { reason, .. } if reason.contains("`users`")),
        "{err}"
    );
    // The refused file was left as it was: not switched to WAL, no tables added.
    let raw = Connection::open(dir.db()).unwrap();
    let mode: String = raw
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
}

#[test]
fn another_applications_id_is_corrupt() {
    let dir = TempDir::new("app-id");
    let raw = Connection::open(dir.db()).unwrap();
    raw.pragma_update(None, "application_id", 7).unwrap();
    drop(raw);
    let err = SqliteStore::open(&dir.db()).err().unwrap();
    assert!(
        matches!(&err, StateError::Corrupt { reason, .. } if reason.contains("another application")),
        "{err}"
    );
}

#[test]
fn a_store_missing_its_tables_is_corrupt() {
    let dir = TempDir::new("missing");
    open(&dir.db());
    Connection::open(dir.db())
        .unwrap()
        .execute_batch("DROP TABLE locks")
        .unwrap();
    let err = SqliteStore::open(&dir.db()).err().unwrap();
    assert!(
        matches!(&err, StateError::Corrupt { reason, .. } if reason.contains("table `locks` is missing")),
        "{err}"
    );
}

#[test]
fn an_undecodable_row_is_corrupt() {
    let dir = TempDir::new("bad-row");
    let store = open(&dir.db());
    store.put_stack(&stack("app")).unwrap();
    store.put_resource("app", &resource("Bucket")).unwrap();
    let raw = Connection::open(dir.db()).unwrap();
    raw.execute_batch(
        "UPDATE stacks SET parameters = '{oops'; UPDATE resources SET status = 'SLEEPING'",
    )
    .unwrap();

    let err = store.stack("app").unwrap_err();
    assert!(matches!(&err, StateError::Corrupt { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("cannot read stack `app`: column `parameters` holds invalid json"),
        "{err}"
    );
    let err = store.resources("app").unwrap_err();
    assert!(
        err.to_string()
            .contains("column `status` holds unknown status `SLEEPING`"),
        "{err}"
    );
}

#[test]
fn an_unusable_path_is_an_io_error_in_lowercase() {
    let dir = TempDir::new("io");
    let file = dir.0.join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let err = SqliteStore::open(&file.join("state.db")).err().unwrap();
    let StateError::Io { reason, .. } = &err else {
        panic!("{err}")
    };
    assert!(reason.starts_with("cannot create directory `"), "{reason}");
    assert!(!reason.contains("Os {"), "{reason}");
    assert!(reason.chars().last().is_some_and(|c| c != '.'), "{reason}");
}

#[test]
fn a_version_1_store_is_migrated_keeping_its_records() {
    use crate::state::sqlite::schema::MIGRATIONS;
    let dir = TempDir::new("migrate");
    {
        let raw = Connection::open(dir.db()).unwrap();
        raw.execute_batch(MIGRATIONS[0]).unwrap();
        raw.pragma_update(None, "user_version", 1).unwrap();
        raw.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        raw.execute(
            "INSERT INTO resources (stack_name, logical_id, resource_type, physical_id, token,
                 properties, attributes, status, status_reason)
             VALUES ('app', 'Q', 'AWS::SQS::Queue', 'q-1', NULL, '{}', '{}', 'CREATE_COMPLETE', NULL)",
            [],
        )
        .unwrap();
    }
    let store = open(&dir.db());
    let r = &store.resources("app").unwrap()[0];
    assert_eq!(
        (r.physical_id.as_deref(), r.ref_text()),
        (Some("q-1"), Some("q-1"))
    );
    assert!(r.pending.is_empty());
    // The tables of version 2 work.
    let snapshot = crate::state::StackSnapshot {
        stack: stack("app"),
        resources: vec![resource("Bucket")],
    };
    store.put_snapshot("app", Some(&snapshot)).unwrap();
    assert_eq!(store.snapshot("app").unwrap(), Some(snapshot));
    store.put_snapshot("app", None).unwrap();
    assert_eq!(store.snapshot("app").unwrap(), None);
    let version: i64 = Connection::open(dir.db())
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SUPPORTED);
}

#[test]
fn a_version_2_store_is_migrated_keeping_order_events_and_pending_deletions() {
    use crate::state::sqlite::schema::MIGRATIONS;
    let dir = TempDir::new("migrate-v2");
    {
        let raw = Connection::open(dir.db()).unwrap();
        raw.execute_batch(MIGRATIONS[0]).unwrap();
        raw.execute_batch(MIGRATIONS[1]).unwrap();
        raw.pragma_update(None, "user_version", 2).unwrap();
        raw.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        for (id, pending) in [
            ("Zed", "[]"),
            (
                "Alpha",
                r#"[{"physical_id":"old-1","resource_type":"AWS::SQS::Queue","properties":{},"policy":"Delete"}]"#,
            ),
        ] {
            raw.execute(
                "INSERT INTO resources (stack_name, logical_id, resource_type, physical_id, token,
                     properties, attributes, status, status_reason, ref_value, pending)
                 VALUES ('app', ?1, 'AWS::SQS::Queue', 'q-' || ?1, NULL, '{}', '{}', 'CREATE_COMPLETE',
                     NULL, 'ref-' || ?1, ?2)",
                [id, pending],
            )
            .unwrap();
        }
        for (i, status) in ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"].iter().enumerate() {
            raw.execute(
                "INSERT INTO events (event_id, operation_id, stack_name, timestamp, logical_id,
                     physical_id, resource_type, status, status_reason)
                 VALUES (?1, 'op', 'app', '2026-01-01T00:00:00.000Z', 'Zed', NULL, 'AWS::SQS::Queue', ?2, NULL)",
                [format!("e{i}"), status.to_string()],
            )
            .unwrap();
        }
    }
    let store = open(&dir.db());
    let resources = store.resources("app").unwrap();
    let ids: Vec<&str> = resources.iter().map(|r| r.logical_id.as_str()).collect();
    assert_eq!(ids, ["Zed", "Alpha"], "the order first recorded is kept");
    assert_eq!(resources[1].ref_value.as_deref(), Some("ref-Alpha"));
    assert_eq!(resources[1].pending.len(), 1);
    assert_eq!(resources[1].pending[0].physical_id, "old-1");
    let statuses: Vec<String> = store
        .events("app")
        .unwrap()
        .into_iter()
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]);
    // New rows go after the old ones, and AUTOINCREMENT's bookkeeping is gone.
    store.put_resource("app", &resource("Middle")).unwrap();
    let ids: Vec<String> = store
        .resources("app")
        .unwrap()
        .into_iter()
        .map(|r| r.logical_id)
        .collect();
    assert_eq!(ids, ["Zed", "Alpha", "Middle"]);
    let raw = Connection::open(dir.db()).unwrap();
    let autoincrement: i64 = raw
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%AUTOINCREMENT%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(autoincrement, 0);
    let version: i64 = raw
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SUPPORTED);
}

#[test]
fn a_version_3_store_is_migrated_keeping_its_stacks_templates() {
    use crate::state::sqlite::schema::MIGRATIONS;
    let dir = TempDir::new("migrate-v3");
    {
        let raw = Connection::open(dir.db()).unwrap();
        for sql in &MIGRATIONS[..3] {
            raw.execute_batch(sql).unwrap();
        }
        raw.pragma_update(None, "user_version", 3).unwrap();
        raw.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        raw.execute(
            "INSERT INTO stacks (name, id, region, status, status_reason, template, parameters, outputs,
                 tags, imports, lineage, serial, created_at, updated_at)
             VALUES ('app', 'arn:app', 'us-east-1', 'CREATE_COMPLETE', NULL, '{\"Resources\":{}}', '[]',
                 '[]', '{}', '[]', 'l-1', 7, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
            [],
        )
        .unwrap();
    }
    let store = open(&dir.db());
    let found = store.stack("app").unwrap().expect("the stack is kept");
    assert_eq!(found.template, r#"{"Resources":{}}"#);
    assert_eq!((found.serial, found.lineage.as_str()), (7, "l-1"));
    // A status written afterwards keeps the template; a new template replaces it.
    let mut next = found.clone();
    next.status = crate::state::StackStatus::UPDATE_IN_PROGRESS;
    store.put_stack(&next).unwrap();
    assert_eq!(store.stack("app").unwrap(), Some(next.clone()));
    next.template = r#"{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}"#.into();
    store.put_stack(&next).unwrap();
    assert_eq!(store.stacks().unwrap(), vec![next.clone()]);
    // Forgetting a stack removes its template.
    let mut other = next.clone();
    other.name = "other".into();
    store.put_stack(&other).unwrap();
    store.forget_stack("other").unwrap();
    let raw = Connection::open(dir.db()).unwrap();
    let left: i64 = raw
        .query_row(
            "SELECT count(*) FROM templates WHERE stack_name = 'other'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "forgetting a stack removes its template");
    // A stack whose template row is gone is reported as damaged, naming the stack and the column.
    raw.execute("DELETE FROM templates", []).unwrap();
    let err = store.stack("app").unwrap_err();
    assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("stack `app`") && text.contains("`template`"),
        "{text}"
    );
    let columns: i64 = raw
        .query_row(
            "SELECT count(*) FROM pragma_table_info('stacks') WHERE name = 'template'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(columns, 0);
}
