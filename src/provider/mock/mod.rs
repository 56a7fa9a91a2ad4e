//! The mock cloud: a simulated AWS account in one region, kept in its own SQLite file, that implements
//! [`Provider`] for every type of the resource spec. It validates properties like the resource handlers, names
//! resources and shapes their attributes like the services, enforces name uniqueness, EC2 dependency
//! violations and non-empty buckets, answers after a configurable latency and fails on request.
//!
//! It knows nothing of templates or plans: a request's stack name is only used for naming and ownership.
//! Every change is committed before the call returns, so a process killed at any moment never leaves a
//! resource the store does not know. Ids come from a hash of the seed and the request's token, never from the
//! clock, so a seed replays the same cloud.

mod account;
mod admin;
mod arn;
mod attributes;
mod naming;
mod operations;
mod options;
mod shared;
mod store;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{
    CreateRequest, DeleteRequest, Done, ErrorKind, Provider, ProviderError, ResourceState, Result,
    UpdateRequest,
};
use crate::spec::{self, ResourceType};

use attributes::{Shape, is_custom, service_id};
use naming::{Rng, ec2_id, generated_name, id_prefix, now_rfc3339};
use store::{Record, Scope};

pub use options::{FailRule, Latency, MockOptions, Operation};

/// One resource of the mock cloud, as `cairn mock list` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MockResource {
    pub resource_type: String,
    pub physical_id: String,
    pub logical_id: String,
    /// `None` for the account's own resources (the default VPC and its subnets).
    pub stack_name: Option<String>,
    pub properties: Value,
    pub attributes: BTreeMap<String, Value>,
    pub ref_value: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// A snapshot taken by a delete with `snapshot: true` (`DeletionPolicy: Snapshot`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub snapshot_id: String,
    pub source_physical_id: String,
    pub resource_type: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// The simulated cloud. Shared between threads: an operation writes at once, then waits out its latency
/// without holding the store.
pub struct MockCloud {
    db: shared::Shared,
    options: MockOptions,
    /// Requests seen per `--mock-fail` rule with a `#N`.
    seen: Mutex<std::collections::HashMap<String, u32>>,
}

/// What a new resource is made from.
struct Make<'a> {
    resource_type: &'a str,
    logical_id: &'a str,
    stack_name: Option<&'a str>,
    properties: &'a Map<String, Value>,
    token: &'a str,
    seed: u64,
}

fn error(kind: ErrorKind, message: impl Into<String>) -> ProviderError {
    ProviderError {
        kind,
        message: message.into(),
    }
}

fn not_found(resource_type: &str, id: &str) -> ProviderError {
    error(
        ErrorKind::NotFound,
        format!("Resource of type '{resource_type}' with identifier '{id}' was not found."),
    )
}

/// The request's properties as an object (`null` counts as none).
fn object(properties: &Value) -> Result<Map<String, Value>> {
    match properties {
        Value::Null => Ok(Map::new()),
        Value::Object(map) => Ok(map.clone()),
        _ => Err(error(
            ErrorKind::InvalidRequest,
            "Properties validation failed: properties must be a JSON object",
        )),
    }
}

/// The spec of a type the mock validates; custom resources and unknown types are taken as they are.
fn schema(resource_type: &str) -> Option<&'static ResourceType> {
    if is_custom(resource_type) {
        return None;
    }
    spec::resource_type(resource_type)
}

fn validate(resource_type: &str, logical_id: &str, properties: &Map<String, Value>) -> Result<()> {
    let Some(ty) = schema(resource_type) else {
        return Ok(());
    };
    let violations = validate::violations(ty, properties);
    if violations.is_empty() {
        return Ok(());
    }
    Err(error(
        ErrorKind::InvalidRequest,
        validate::message(logical_id, &violations),
    ))
}

/// The type's service-assigned id (EC2 prefix or other), derived from the seed and key.
fn assigned_id(resource_type: &str, seed: u64, key: &str) -> Option<String> {
    let mut rng = Rng::new(seed, &[key, resource_type, "id"]);
    match id_prefix(resource_type) {
        Some(prefix) => Some(ec2_id(prefix, &mut rng)),
        None => service_id(resource_type, &mut rng),
    }
}

fn has_assigned_id(resource_type: &str) -> bool {
    assigned_id(resource_type, 0, "").is_some()
}

fn state(r: Record) -> ResourceState {
    ResourceState {
        physical_id: r.physical_id,
        resource_type: r.resource_type,
        properties: r.properties,
        attributes: r.attributes,
        ref_value: r.ref_value,
    }
}

impl MockCloud {
    /// Opens the store at `path` (creating it, with the account's default VPC, if needed).
    pub fn open(path: &Path, options: MockOptions) -> Result<MockCloud> {
        if !(0.0..=1.0).contains(&options.fail_rate) {
            return Err(error(
                ErrorKind::InvalidRequest,
                format!(
                    "the mock fail rate must be between 0 and 1, got {}",
                    options.fail_rate
                ),
            ));
        }
        let conn = store::open(path)?;
        let cloud = MockCloud {
            db: shared::Shared::new(conn),
            options,
            seen: Mutex::new(std::collections::HashMap::new()),
        };
        cloud.ensure_defaults()?;
        Ok(cloud)
    }

    pub fn options(&self) -> &MockOptions {
        &self.options
    }

    fn scope(&self) -> Scope<'_> {
        Scope {
            account: &self.options.account_id,
            region: &self.options.region,
        }
    }

    /// The connection, for reads and single statements.
    fn lock(&self) -> shared::Guard<'_> {
        self.db.lock()
    }

    fn inject(&self, logical_id: &str, operation: Operation, token: &str) -> Result<()> {
        match self
            .options
            .injected(logical_id, operation, token, &self.seen)
        {
            None => Ok(()),
            Some(reason) => Err(error(
                ErrorKind::Injected,
                format!("Resource handler returned message: \"injected failure ({reason})\""),
            )),
        }
    }

    fn shape<'a>(
        &'a self,
        make: &'a Make<'a>,
        name: &'a str,
        id: Option<&'a str>,
        key: &'a str,
        vpc: &'a str,
        revision: u32,
    ) -> Shape<'a> {
        Shape {
            resource_type: make.resource_type,
            spec: spec::resource_type(make.resource_type),
            properties: make.properties,
            name,
            id,
            account: &self.options.account_id,
            region: &self.options.region,
            seed: make.seed,
            key,
            vpc,
            revision,
        }
    }

    /// Names a new resource and shapes its attributes, refusing a custom name already taken.
    fn make(&self, conn: &Connection, m: &Make<'_>) -> Result<Record> {
        let scope = self.scope();
        let ty = schema(m.resource_type);
        let custom = ty
            .and_then(|t| t.name_property())
            .and_then(|n| m.properties.get(n))
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
        let named = !has_assigned_id(m.resource_type);
        let taken = |name: &str| -> ProviderError {
            error(
                ErrorKind::AlreadyExists,
                format!(
                    "Resource of type '{}' with identifier '{name}' already exists.",
                    m.resource_type
                ),
            )
        };
        if let Some(name) = &custom
            && named
            && store::name_taken(conn, scope, m.resource_type, name)?
        {
            return Err(taken(name));
        }
        let fifo = ["FifoQueue", "FifoTopic"]
            .iter()
            .any(|k| m.properties.get(*k).and_then(validate::boolean) == Some(true));
        let vpc = self.vpc_of(conn, m.properties)?;
        for attempt in 0..100 {
            let key = match attempt {
                0 => m.token.to_string(),
                n => format!("{}#{n}", m.token),
            };
            let mut rng = Rng::new(m.seed, &[&key, m.resource_type, "name"]);
            let stack = m.stack_name.unwrap_or("account");
            let name = custom.clone().unwrap_or_else(|| {
                generated_name(ty, m.resource_type, stack, m.logical_id, fifo, &mut rng)
            });
            let id = assigned_id(m.resource_type, m.seed, &key);
            // Versioned types take the next number when the previous one is taken.
            let shape = self.shape(m, &name, id.as_deref(), &key, &vpc, attempt + 1);
            let physical_id = shape.primary();
            let clash = store::exists(conn, scope, m.resource_type, &physical_id)?
                || (named && store::name_taken(conn, scope, m.resource_type, &name)?);
            if clash && custom.is_some() && named {
                return Err(taken(&name));
            }
            if clash {
                continue;
            }
            return Ok(Record {
                resource_type: m.resource_type.to_string(),
                ref_value: ref_of(m.resource_type, &physical_id),
                physical_id,
                logical_id: m.logical_id.to_string(),
                stack_name: m.stack_name.map(String::from),
                attributes: shape.attributes(),
                name: Some(name),
                properties: Value::Object(m.properties.clone()),
                token: m.token.to_string(),
                object_count: 0,
                created_at: now_rfc3339(),
            });
        }
        Err(store::internal(
            "naming",
            "no free physical id after 100 attempts",
        ))
    }

    /// Recomputes a stored resource's attributes from its (changed) properties; random parts stay the same.
    fn reshape(
        &self,
        conn: &Connection,
        record: &Record,
        properties: &Map<String, Value>,
    ) -> Result<BTreeMap<String, Value>> {
        let seed = if account::is_default(record) {
            0
        } else {
            self.options.seed
        };
        let make = Make {
            resource_type: &record.resource_type,
            logical_id: &record.logical_id,
            stack_name: record.stack_name.as_deref(),
            properties,
            token: &record.token,
            seed,
        };
        let vpc = self.vpc_of(conn, properties)?;
        let name = record
            .name
            .clone()
            .unwrap_or_else(|| record.physical_id.clone());
        let id = has_assigned_id(&record.resource_type).then_some(record.physical_id.as_str());
        let revision = record
            .physical_id
            .rsplit(':')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        Ok(self
            .shape(&make, &name, id, &record.token, &vpc, revision)
            .attributes())
    }
}

/// What `Ref` returns: the physical id, except for types whose identifier is composite but whose `Ref`
/// is one part (a CodeDeploy deployment group's `Ref` is its name, not `application|group`).
fn ref_of(resource_type: &str, physical_id: &str) -> String {
    match resource_type {
        "AWS::CodeDeploy::DeploymentGroup" => physical_id
            .rsplit('|')
            .next()
            .unwrap_or(physical_id)
            .to_owned(),
        _ => physical_id.to_owned(),
    }
}
