use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;

use super::*;

mod account;
mod lifecycle;
mod naming;
mod validation;

/// A directory removed on drop.
pub(super) struct Dir(pub(super) PathBuf);

impl Dir {
    pub(super) fn new() -> Dir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("cairn-mock-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Dir(path)
    }

    pub(super) fn db(&self) -> PathBuf {
        self.0.join("mock.db")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(super) fn open_with(options: MockOptions) -> (Dir, MockCloud) {
    let dir = Dir::new();
    let cloud = MockCloud::open(&dir.db(), options).unwrap();
    (dir, cloud)
}

pub(super) fn open() -> (Dir, MockCloud) {
    open_with(MockOptions::default())
}

pub(super) fn create_req(logical: &str, ty: &str, properties: Value) -> CreateRequest {
    CreateRequest {
        stack_name: "demo".into(),
        logical_id: logical.into(),
        resource_type: ty.into(),
        properties,
        token: format!("tok-{logical}"),
    }
}

pub(super) fn delete_req(state: &ResourceState, logical: &str) -> DeleteRequest {
    DeleteRequest {
        stack_name: "demo".into(),
        logical_id: logical.into(),
        resource_type: state.resource_type.clone(),
        physical_id: state.physical_id.clone(),
        snapshot: false,
        token: format!("del-{logical}"),
    }
}

pub(super) fn update_req(state: &ResourceState, logical: &str, properties: Value) -> UpdateRequest {
    UpdateRequest {
        stack_name: "demo".into(),
        logical_id: logical.into(),
        resource_type: state.resource_type.clone(),
        physical_id: state.physical_id.clone(),
        previous: state.properties.clone(),
        properties,
        token: format!("upd-{logical}"),
    }
}

pub(super) fn attr<'a>(state: &'a ResourceState, name: &str) -> &'a str {
    state.attributes[name].as_str().unwrap()
}

pub(super) fn invalid(cloud: &MockCloud, logical: &str, ty: &str, properties: Value) -> String {
    let err = cloud
        .create(&create_req(logical, ty, properties))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidRequest, "{err}");
    err.message
}

pub(super) fn is_hex_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|h| h.len() == 17 && h.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')))
}
