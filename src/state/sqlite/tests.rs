//! Tests of the SQLite store, by concern; the fixtures they share are here.

mod locks;
mod open;
mod records;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use super::SqliteStore;
use crate::state::{
    EventRecord, ExportRecord, LockRecord, OutputRecord, ParameterRecord, ResourceRecord,
    ResourceStatus, StackRecord, StackStatus,
};

/// A directory under the system temp dir, unique to this process and test, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("cairn-state-{}-{n}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn db(&self) -> PathBuf {
        self.0.join("state.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path).unwrap_or_else(|e| panic!("{e}"))
}

fn stack(name: &str) -> StackRecord {
    StackRecord {
        name: name.to_owned(),
        id: format!("arn:aws:cloudformation:eu-west-1:123456789012:stack/{name}/0001"),
        region: "eu-west-1".to_owned(),
        status: StackStatus::CREATE_COMPLETE,
        status_reason: Some("user initiated".to_owned()),
        template: r#"{"Resources":{}}"#.to_owned(),
        parameters: vec![
            ParameterRecord {
                key: "Env".to_owned(),
                value: "prod".to_owned(),
                no_echo: false,
                resolved: None,
            },
            ParameterRecord {
                key: "Secret".to_owned(),
                value: "hunter2".to_owned(),
                no_echo: true,
                resolved: Some("read from the store".to_owned()),
            },
        ],
        outputs: vec![OutputRecord {
            key: "Url".to_owned(),
            value: json!({"nested": [1, 2.5, "é"]}),
            description: None,
            export_name: Some(format!("{name}-url")),
        }],
        tags: BTreeMap::from([("team".to_owned(), "core".to_owned())]),
        imports: vec!["shared-vpc".to_owned()],
        lineage: "5f0c".to_owned(),
        serial: 7,
        created_at: "2026-01-02T03:04:05Z".to_owned(),
        updated_at: "2026-01-02T03:04:06Z".to_owned(),
    }
}

fn resource(logical_id: &str) -> ResourceRecord {
    ResourceRecord {
        logical_id: logical_id.to_owned(),
        resource_type: "AWS::S3::Bucket".to_owned(),
        physical_id: Some(format!("{}-abc123", logical_id.to_lowercase())),
        token: Some("token-1".to_owned()),
        properties: json!({"BucketName": logical_id, "Tags": [{"Key": "a", "Value": "b"}]}),
        attributes: json!({"Arn": format!("arn:aws:s3:::{logical_id}")}),
        status: ResourceStatus::CREATE_COMPLETE,
        status_reason: None,
        ref_value: Some(logical_id.to_lowercase()),
        pending: vec![crate::state::PendingDelete {
            physical_id: "old-1".to_owned(),
            resource_type: "AWS::S3::Bucket".to_owned(),
            properties: json!({}),
            policy: "Delete".to_owned(),
        }],
    }
}

fn event(stack: &str, n: usize) -> EventRecord {
    EventRecord {
        event_id: format!("event-{n}"),
        operation_id: "op-1".to_owned(),
        stack_name: stack.to_owned(),
        timestamp: format!("2026-01-02T03:04:{n:02}Z"),
        logical_id: format!("Res{n}"),
        physical_id: n.is_multiple_of(2).then(|| format!("phys-{n}")),
        resource_type: "AWS::SQS::Queue".to_owned(),
        status: "CREATE_IN_PROGRESS".to_owned(),
        status_reason: None,
    }
}

fn export(name: &str, stack: &str) -> ExportRecord {
    ExportRecord {
        name: name.to_owned(),
        value: format!("value of {name}"),
        stack_name: stack.to_owned(),
    }
}

fn lock(stack: &str, operation_id: &str) -> LockRecord {
    LockRecord {
        stack_name: stack.to_owned(),
        operation_id: operation_id.to_owned(),
        operation: "apply".to_owned(),
        since: "2026-01-02T03:04:05Z".to_owned(),
        pid: 4242,
    }
}
