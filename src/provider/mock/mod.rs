//! The mock cloud: a simulated AWS account in one region, kept in its own SQLite file, that implements
//! [`Provider`] for every type of the resource spec. It validates properties like the resource handlers, names
//! resources and shapes their attributes like the services, enforces name uniqueness, EC2 dependency
//! violations and non-empty buckets, sleeps a configurable latency and fails on request.
//!
//! It knows nothing of templates or plans: a request's stack name is only used for naming and ownership.
//! Every change is committed before the call returns, so a process killed at any moment never leaves a
//! resource the store does not know. Ids come from a hash of the seed and the request's token, never from the
//! clock, so a seed replays the same cloud.

mod attributes;
mod naming;
mod options;
mod store;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{
    CreateRequest, DeleteRequest, ErrorKind, Provider, ProviderError, ResourceState, Result,
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

/// The simulated cloud. Shared between threads: operations sleep their latency without holding the store.
pub struct MockCloud {
    conn: Mutex<Connection>,
    options: MockOptions,
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

const DEFAULT_TOKEN: &str = "cairn-mock-default";

impl MockCloud {
    /// Opens the store at `path` (creating it, with the account's default VPC, if needed).
    pub fn open(path: &Path, options: MockOptions) -> Result<MockCloud> {
        let conn = store::open(path)?;
        let cloud = MockCloud {
            conn: Mutex::new(conn),
            options,
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

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-written transaction (SQLite rolls it back).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn pause(&self, resource_type: &str) {
        let d = self.options.latency.for_type(resource_type);
        if !d.is_zero() {
            std::thread::sleep(d);
        }
    }

    fn inject(&self, logical_id: &str, operation: Operation, token: &str) -> Result<()> {
        match self.options.injected(logical_id, operation, token) {
            None => Ok(()),
            Some(reason) => Err(error(
                ErrorKind::Injected,
                format!("Resource handler returned message: \"injected failure ({reason})\""),
            )),
        }
    }

    fn default_token(&self, logical_id: &str) -> String {
        let o = &self.options;
        format!("{DEFAULT_TOKEN}/{}/{}/{logical_id}", o.account_id, o.region)
    }

    /// The id of the account's default VPC in this region.
    pub fn default_vpc_id(&self) -> String {
        assigned_id("AWS::EC2::VPC", 0, &self.default_token("DefaultVpc"))
            .expect("VPCs have ids: this is a bug")
    }

    /// Creates the default VPC, its three subnets and its security group on first use of an account and
    /// region. Their ids derive from the account and region only, not from the seed.
    fn ensure_defaults(&self) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn
            .transaction()
            .map_err(|e| store::internal("begin", e))?;
        if !store::claim_defaults(&tx, self.scope())? {
            return Ok(());
        }
        let vpc = self.default_vpc_id();
        let mut defaults = vec![(
            "DefaultVpc",
            "AWS::EC2::VPC",
            serde_json::json!({"CidrBlock": "172.31.0.0/16", "EnableDnsSupport": true, "EnableDnsHostnames": true}),
        )];
        for (i, zone) in ["a", "b", "c"].iter().enumerate() {
            let logical = ["DefaultSubnetA", "DefaultSubnetB", "DefaultSubnetC"][i];
            defaults.push((
                logical,
                "AWS::EC2::Subnet",
                serde_json::json!({
                    "VpcId": vpc,
                    "CidrBlock": format!("172.31.{}.0/20", i * 16),
                    "AvailabilityZone": format!("{}{zone}", self.options.region),
                    "MapPublicIpOnLaunch": true,
                }),
            ));
        }
        defaults.push((
            "DefaultSecurityGroup",
            "AWS::EC2::SecurityGroup",
            serde_json::json!({"GroupName": "default", "GroupDescription": "default VPC security group", "VpcId": vpc}),
        ));
        for (logical, resource_type, properties) in defaults {
            let token = self.default_token(logical);
            let properties = object(&properties)?;
            let make = Make {
                resource_type,
                logical_id: logical,
                stack_name: None,
                properties: &properties,
                token: &token,
                seed: 0,
            };
            let record = self.make(&tx, &make)?;
            store::insert(&tx, self.scope(), &record)?;
        }
        tx.commit().map_err(|e| store::internal("commit", e))
    }

    /// The VPC a resource lives in: its `VpcId`, its (first) subnet's VPC, or the default VPC.
    fn vpc_of(&self, conn: &Connection, properties: &Map<String, Value>) -> Result<String> {
        if let Some(vpc) = properties.get("VpcId").and_then(Value::as_str) {
            return Ok(vpc.to_string());
        }
        let subnet = properties
            .get("SubnetId")
            .and_then(Value::as_str)
            .or_else(|| {
                properties
                    .get("SubnetIds")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .and_then(Value::as_str)
            });
        if let Some(subnet) = subnet
            && let Some(record) = store::get(conn, self.scope(), "AWS::EC2::Subnet", subnet)?
            && let Some(vpc) = record.properties.get("VpcId").and_then(Value::as_str)
        {
            return Ok(vpc.to_string());
        }
        Ok(self.default_vpc_id())
    }

    fn shape<'a>(
        &'a self,
        make: &'a Make<'a>,
        name: &'a str,
        id: Option<&'a str>,
        key: &'a str,
        vpc: &'a str,
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
            let shape = self.shape(m, &name, id.as_deref(), &key, &vpc);
            let physical_id = shape.primary();
            let clash = store::physical_id_taken(conn, scope, &physical_id)?
                || (named && store::name_taken(conn, scope, m.resource_type, &name)?);
            if clash && custom.is_some() && named {
                return Err(taken(&name));
            }
            if clash {
                continue;
            }
            return Ok(Record {
                resource_type: m.resource_type.to_string(),
                ref_value: physical_id.clone(),
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
        let seed = if record.token.starts_with(DEFAULT_TOKEN) {
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
        Ok(self
            .shape(&make, &name, id, &record.token, &vpc)
            .attributes())
    }

    /// Every resource of this account and region, in creation order.
    pub fn list(&self) -> Result<Vec<MockResource>> {
        let records = store::all(&self.lock(), self.scope())?;
        Ok(records
            .into_iter()
            .map(|r| MockResource {
                resource_type: r.resource_type,
                physical_id: r.physical_id,
                logical_id: r.logical_id,
                stack_name: r.stack_name,
                properties: r.properties,
                attributes: r.attributes,
                ref_value: r.ref_value,
                created_at: r.created_at,
            })
            .collect())
    }

    /// The snapshots taken by deletes, oldest first.
    pub fn snapshots(&self) -> Result<Vec<Snapshot>> {
        store::snapshots(&self.lock(), self.scope())
    }

    fn one_by_physical_id(&self, conn: &Connection, physical_id: &str) -> Result<Record> {
        store::by_physical_id(conn, self.scope(), physical_id)?
            .into_iter()
            .next()
            .ok_or_else(|| not_found("resource", physical_id))
    }

    /// Changes a resource behind Cairn's back (for drift demos): sets the property at the dotted `path`
    /// (`Tags.0.Value`; `null` removes it). On a bucket, `ObjectCount` sets the number of objects in it.
    pub fn set_property(&self, physical_id: &str, path: &str, value: Value) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn
            .transaction()
            .map_err(|e| store::internal("begin", e))?;
        let mut record = self.one_by_physical_id(&tx, physical_id)?;
        if path == "ObjectCount" && record.resource_type == "AWS::S3::Bucket" {
            let count = validate::integer(&value)
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    error(
                        ErrorKind::InvalidRequest,
                        "`ObjectCount` must be a non-negative integer",
                    )
                })?;
            record.object_count = count;
        } else {
            let mut target = Value::Object(object(&record.properties)?);
            let steps: Vec<&str> = path.split('.').collect();
            set_path(&mut target, &steps, value).map_err(|()| {
                error(
                    ErrorKind::InvalidRequest,
                    format!("cannot set property path `{path}`"),
                )
            })?;
            let properties = object(&target)?;
            record.attributes = self.reshape(&tx, &record, &properties)?;
            record.properties = Value::Object(properties);
            self.sync_ssm(&tx, &record, false)?;
        }
        store::save(&tx, self.scope(), &record)?;
        tx.commit().map_err(|e| store::internal("commit", e))
    }

    /// Puts `count` objects in a bucket (0 empties it).
    pub fn set_object_count(&self, physical_id: &str, count: u64) -> Result<()> {
        self.set_property(physical_id, "ObjectCount", Value::from(count))
    }

    /// Deletes a resource behind Cairn's back, with no dependency or emptiness check.
    pub fn delete_behind_back(&self, physical_id: &str) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn
            .transaction()
            .map_err(|e| store::internal("begin", e))?;
        let record = self.one_by_physical_id(&tx, physical_id)?;
        store::remove(
            &tx,
            self.scope(),
            &record.resource_type,
            &record.physical_id,
        )?;
        self.sync_ssm(&tx, &record, true)?;
        tx.commit().map_err(|e| store::internal("commit", e))
    }

    /// Keeps the parameter store in step with `AWS::SSM::Parameter` resources.
    fn sync_ssm(&self, conn: &Connection, record: &Record, deleted: bool) -> Result<()> {
        if record.resource_type != "AWS::SSM::Parameter" {
            return Ok(());
        }
        let name = &record.physical_id;
        if deleted {
            return store::ssm_delete(conn, self.scope(), name);
        }
        let value = match record.properties.get("Value") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        store::ssm_put(conn, self.scope(), name, &value)
    }

    pub fn ssm_put(&self, name: &str, value: &str) -> Result<()> {
        store::ssm_put(&self.lock(), self.scope(), name, value)
    }

    pub fn ssm_get(&self, name: &str) -> Result<Option<String>> {
        store::ssm_get(&self.lock(), self.scope(), name)
    }

    /// Every parameter, by name.
    pub fn ssm_list(&self) -> Result<Vec<(String, String)>> {
        store::ssm_list(&self.lock(), self.scope())
    }

    /// Whether `id` names something that exists, for a resource type (`AWS::EC2::VPC`) or an AWS-specific
    /// parameter type (`AWS::EC2::VPC::Id`, `AWS::EC2::Subnet::Id`, `AWS::SSM::Parameter::Name`,
    /// `AWS::EC2::AvailabilityZone::Name`, `AWS::EC2::Image::Id`, ...). A store failure answers false.
    pub fn exists(&self, resource_type_or_parameter_type: &str, id: &str) -> bool {
        let region = &self.options.region;
        match resource_type_or_parameter_type {
            "AWS::EC2::AvailabilityZone::Name" => {
                return id.len() == region.len() + 1
                    && id.starts_with(region.as_str())
                    && id.ends_with(|c| ('a'..='f').contains(&c));
            }
            "AWS::EC2::Image::Id" => {
                return id.strip_prefix("ami-").is_some_and(|h| {
                    matches!(h.len(), 8 | 17) && h.chars().all(|c| c.is_ascii_hexdigit())
                });
            }
            "AWS::SSM::Parameter::Name" => return matches!(self.ssm_get(id), Ok(Some(_))),
            _ => {}
        }
        let segments: Vec<&str> = resource_type_or_parameter_type.split("::").collect();
        let (resource_type, by_name) = match segments.as_slice() {
            [a, b, c, field] => (format!("{a}::{b}::{c}"), field.ends_with("Name")),
            _ => (resource_type_or_parameter_type.to_string(), false),
        };
        let Ok(records) = store::all(&self.lock(), self.scope()) else {
            return false;
        };
        records
            .iter()
            .filter(|r| r.resource_type == resource_type)
            .any(|r| {
                if by_name {
                    r.name.as_deref() == Some(id)
                } else {
                    r.physical_id == id || r.ref_value == id
                }
            })
    }

    /// Why the resource cannot be deleted now, if it cannot.
    fn delete_conflict(&self, conn: &Connection, record: &Record) -> Result<Option<String>> {
        if record.resource_type == "AWS::S3::Bucket" && record.object_count > 0 {
            return Ok(Some(
                "The bucket you tried to delete is not empty".to_string(),
            ));
        }
        if !record.resource_type.starts_with("AWS::EC2::") {
            return Ok(None);
        }
        let id = &record.physical_id;
        let mut users = store::referencing(conn, self.scope(), id, id)?;
        if record.ref_value != *id {
            users.extend(store::referencing(
                conn,
                self.scope(),
                &record.ref_value,
                id,
            )?);
        }
        if users.is_empty() {
            return Ok(None);
        }
        let segment = record
            .resource_type
            .rsplit("::")
            .next()
            .unwrap_or("resource");
        let noun = if segment.chars().all(|c| c.is_ascii_uppercase()) {
            segment.to_ascii_lowercase()
        } else {
            let mut chars = segment.chars();
            chars.next().map_or(String::new(), |c| {
                c.to_ascii_lowercase().to_string() + chars.as_str()
            })
        };
        Ok(Some(format!(
            "DependencyViolation: The {noun} '{id}' has dependencies and cannot be deleted."
        )))
    }
}

/// Sets `value` at the `steps` inside `target` (numeric steps index arrays); `null` removes it.
fn set_path(target: &mut Value, steps: &[&str], value: Value) -> std::result::Result<(), ()> {
    let (first, rest) = steps.split_first().ok_or(())?;
    if target.is_null() {
        *target = Value::Object(Map::new());
    }
    let next = match target {
        Value::Object(map) if rest.is_empty() => {
            if value.is_null() {
                map.remove(*first);
            } else {
                map.insert(first.to_string(), value);
            }
            return Ok(());
        }
        Value::Object(map) => map.entry(first.to_string()).or_insert(Value::Null),
        Value::Array(items) => {
            let i: usize = first.parse().map_err(|_| ())?;
            if rest.is_empty() && value.is_null() {
                if i < items.len() {
                    items.remove(i);
                }
                return Ok(());
            }
            let item = items.get_mut(i).ok_or(())?;
            if rest.is_empty() {
                *item = value;
                return Ok(());
            }
            item
        }
        _ => return Err(()),
    };
    set_path(next, rest, value)
}

impl Provider for MockCloud {
    fn create(&self, request: &CreateRequest) -> Result<ResourceState> {
        let properties = object(&request.properties)?;
        if let Some(found) = store::by_token(&self.lock(), self.scope(), &request.token)? {
            return Ok(state(found));
        }
        validate(&request.resource_type, &request.logical_id, &properties)?;
        self.pause(&request.resource_type);
        self.inject(&request.logical_id, Operation::Create, &request.token)?;
        let mut conn = self.lock();
        let tx = conn
            .transaction()
            .map_err(|e| store::internal("begin", e))?;
        if let Some(found) = store::by_token(&tx, self.scope(), &request.token)? {
            return Ok(state(found));
        }
        let make = Make {
            resource_type: &request.resource_type,
            logical_id: &request.logical_id,
            stack_name: Some(&request.stack_name),
            properties: &properties,
            token: &request.token,
            seed: self.options.seed,
        };
        let record = self.make(&tx, &make)?;
        store::insert(&tx, self.scope(), &record)?;
        self.sync_ssm(&tx, &record, false)?;
        tx.commit().map_err(|e| store::internal("commit", e))?;
        Ok(state(record))
    }

    fn read(&self, resource_type: &str, physical_id: &str) -> Result<Option<ResourceState>> {
        let record = store::get(&self.lock(), self.scope(), resource_type, physical_id)?;
        Ok(record.map(state))
    }

    fn update(&self, request: &UpdateRequest) -> Result<ResourceState> {
        let properties = object(&request.properties)?;
        let (resource_type, physical_id) = (&request.resource_type, &request.physical_id);
        let existing = store::get(&self.lock(), self.scope(), resource_type, physical_id)?
            .ok_or_else(|| not_found(resource_type, physical_id))?;
        validate(resource_type, &request.logical_id, &properties)?;
        if let Some(np) = schema(resource_type).and_then(|t| t.name_property())
            && existing.properties.get(np) != properties.get(np)
        {
            return Err(error(
                ErrorKind::InvalidRequest,
                format!(
                    "Resource handler returned message: \"Invalid request provided: {np} cannot be \
                     updated in place; changing it requires replacement\""
                ),
            ));
        }
        self.pause(resource_type);
        self.inject(&request.logical_id, Operation::Update, &request.token)?;
        let mut conn = self.lock();
        let tx = conn
            .transaction()
            .map_err(|e| store::internal("begin", e))?;
        let mut record = store::get(&tx, self.scope(), resource_type, physical_id)?
            .ok_or_else(|| not_found(resource_type, physical_id))?;
        record.attributes = self.reshape(&tx, &record, &properties)?;
        record.properties = Value::Object(properties);
        store::save(&tx, self.scope(), &record)?;
        self.sync_ssm(&tx, &record, false)?;
        tx.commit().map_err(|e| store::internal("commit", e))?;
        Ok(state(record))
    }

    fn delete(&self, request: &DeleteRequest) -> Result<()> {
        let (resource_type, physical_id) = (&request.resource_type, &request.physical_id);
        if store::get(&self.lock(), self.scope(), resource_type, physical_id)?.is_none() {
            return Err(not_found(resource_type, physical_id));
        }
        self.pause(resource_type);
        self.inject(&request.logical_id, Operation::Delete, &request.token)?;
        let mut conn = self.lock();
        let tx = conn
            .transaction()
            .map_err(|e| store::internal("begin", e))?;
        let record = store::get(&tx, self.scope(), resource_type, physical_id)?
            .ok_or_else(|| not_found(resource_type, physical_id))?;
        if let Some(reason) = self.delete_conflict(&tx, &record)? {
            return Err(error(ErrorKind::ResourceConflict, reason));
        }
        if request.snapshot {
            let mut rng = Rng::new(
                self.options.seed,
                &[&request.token, resource_type, "snapshot"],
            );
            let snapshot_id = if resource_type == "AWS::EC2::Volume" {
                ec2_id("snap", &mut rng)
            } else {
                let base = record.name.as_deref().unwrap_or(physical_id);
                format!("{}-snapshot-{}", base.to_ascii_lowercase(), rng.lower(8))
            };
            let snapshot = Snapshot {
                snapshot_id,
                source_physical_id: record.physical_id.clone(),
                resource_type: record.resource_type.clone(),
                created_at: now_rfc3339(),
            };
            store::insert_snapshot(&tx, self.scope(), &snapshot, &record.properties)?;
        }
        store::remove(&tx, self.scope(), resource_type, physical_id)?;
        self.sync_ssm(&tx, &record, true)?;
        tx.commit().map_err(|e| store::internal("commit", e))
    }

    fn find_by_token(&self, token: &str) -> Result<Option<ResourceState>> {
        Ok(store::by_token(&self.lock(), self.scope(), token)?.map(state))
    }
}
