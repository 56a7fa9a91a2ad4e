//! Stage `provider`: the [`Provider`] trait — create, read, update and delete one resource — and the mock
//! cloud that implements it. A provider knows resource types, properties and physical ids; it knows
//! nothing of templates, stacks' plans or state stores.

mod mock;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use mock::{FailRule, Latency, MockCloud, MockOptions, MockResource, Operation, Snapshot};

/// One create call. `token` makes it idempotent: a second call with the same token returns the resource
/// the first one made (this is how a crash between the provider's commit and the state store's is
/// recovered without an orphan).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateRequest {
    pub stack_name: String,
    pub logical_id: String,
    pub resource_type: String,
    /// Resolved properties, JSON object.
    pub properties: serde_json::Value,
    pub token: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpdateRequest {
    pub stack_name: String,
    pub logical_id: String,
    pub resource_type: String,
    pub physical_id: String,
    pub previous: serde_json::Value,
    pub properties: serde_json::Value,
    pub token: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeleteRequest {
    pub stack_name: String,
    pub logical_id: String,
    pub resource_type: String,
    pub physical_id: String,
    /// `DeletionPolicy: Snapshot`: record a snapshot before deleting.
    pub snapshot: bool,
    pub token: String,
}

/// What the provider returns for a live resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    pub physical_id: String,
    pub resource_type: String,
    /// The properties as the cloud holds them now (for drift).
    pub properties: serde_json::Value,
    /// Read-only attributes: what `Fn::GetAtt` returns, by attribute name.
    pub attributes: BTreeMap<String, serde_json::Value>,
    /// What `Ref` returns.
    pub ref_value: String,
}

/// Why a provider call failed, in the words the cloud would use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderError {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// Properties failed the type's schema.
    InvalidRequest,
    /// A resource with that name already exists.
    AlreadyExists,
    NotFound,
    /// The resource cannot be deleted or changed now (e.g. a non-empty bucket, a resource in use).
    ResourceConflict,
    /// A failure injected by `--mock-fail` or `--mock-fail-rate`.
    Injected,
    /// The provider's own store failed.
    Internal,
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProviderError {}

pub type Result<T> = std::result::Result<T, ProviderError>;

/// Where [`Provider::create_many`] and [`Provider::delete_many`] report results: request index and result,
/// for the requests that completed together.
pub type Done<'a, T> = &'a dyn Fn(Vec<(usize, Result<T>)>);

/// A cloud: one resource at a time. Implementations are shared between the threads of one apply. A call
/// that returns an error has changed nothing (the engine relies on it: a failed update needs no undo).
pub trait Provider: Send + Sync {
    fn create(&self, request: &CreateRequest) -> Result<ResourceState>;
    fn read(&self, resource_type: &str, physical_id: &str) -> Result<Option<ResourceState>>;
    fn update(&self, request: &UpdateRequest) -> Result<ResourceState>;
    fn delete(&self, request: &DeleteRequest) -> Result<()>;
    /// The resource a create with this token made, if the provider committed it: used to recover after
    /// a crash.
    fn find_by_token(&self, token: &str) -> Result<Option<ResourceState>>;

    /// How many creates or deletes the engine may hand over in one [`Provider::create_many`] or
    /// [`Provider::delete_many`] call. The default, 1, means one call per resource.
    fn batch_limit(&self) -> usize {
        1
    }
    /// Whether calls wait for the cloud (a real one, or the mock cloud with latency). The engine then
    /// keeps starting threads for work that becomes ready while calls wait; when calls are pure work
    /// (the mock cloud without latency), it runs no more threads than the machine has cores.
    fn calls_wait(&self) -> bool {
        true
    }
    /// Creates several resources, reporting results to `done` with their requests' indexes as they
    /// complete, those that complete together in one report (each as [`Provider::create`] would give it:
    /// one failing does not undo the others, a resource reported is committed). Returns once every
    /// request is reported.
    fn create_many(&self, requests: &[CreateRequest], done: Done<'_, ResourceState>) {
        for (i, r) in requests.iter().enumerate() {
            done(vec![(i, self.create(r))]);
        }
    }
    /// Deletes several resources, as [`Provider::create_many`] creates them.
    fn delete_many(&self, requests: &[DeleteRequest], done: Done<'_, ()>) {
        for (i, r) in requests.iter().enumerate() {
            done(vec![(i, self.delete(r))]);
        }
    }
}
