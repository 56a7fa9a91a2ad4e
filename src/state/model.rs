//! The records the state store keeps: stacks, resources, events, exports and locks. Plain data with
//! serde derives; statuses are CloudFormation's, spelled as CloudFormation spells them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! statuses {
    ($(#[$m:meta])* $name:ident { $($v:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[allow(non_camel_case_types)]
        pub enum $name { $($v),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => stringify!($v)),* }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $(stringify!($v) => Some($name::$v),)* _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

statuses! {
    /// A stack's status, as CloudFormation reports it.
    StackStatus {
        REVIEW_IN_PROGRESS,
        CREATE_IN_PROGRESS,
        CREATE_FAILED,
        CREATE_COMPLETE,
        ROLLBACK_IN_PROGRESS,
        ROLLBACK_FAILED,
        ROLLBACK_COMPLETE,
        DELETE_IN_PROGRESS,
        DELETE_FAILED,
        DELETE_COMPLETE,
        UPDATE_IN_PROGRESS,
        UPDATE_COMPLETE_CLEANUP_IN_PROGRESS,
        UPDATE_COMPLETE,
        UPDATE_FAILED,
        UPDATE_ROLLBACK_IN_PROGRESS,
        UPDATE_ROLLBACK_FAILED,
        UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS,
        UPDATE_ROLLBACK_COMPLETE,
    }
}

statuses! {
    /// A resource's status, as CloudFormation reports it.
    ResourceStatus {
        CREATE_IN_PROGRESS,
        CREATE_FAILED,
        CREATE_COMPLETE,
        DELETE_IN_PROGRESS,
        DELETE_FAILED,
        DELETE_COMPLETE,
        DELETE_SKIPPED,
        UPDATE_IN_PROGRESS,
        UPDATE_FAILED,
        UPDATE_COMPLETE,
        ROLLBACK_IN_PROGRESS,
        ROLLBACK_FAILED,
        ROLLBACK_COMPLETE,
        UPDATE_ROLLBACK_IN_PROGRESS,
        UPDATE_ROLLBACK_FAILED,
        UPDATE_ROLLBACK_COMPLETE,
    }
}

impl StackStatus {
    /// A status no operation is running in: the stack can be read, and (unless it says otherwise) changed.
    pub fn is_stable(self) -> bool {
        use StackStatus::*;
        matches!(
            self,
            CREATE_COMPLETE
                | CREATE_FAILED
                | ROLLBACK_COMPLETE
                | ROLLBACK_FAILED
                | DELETE_COMPLETE
                | DELETE_FAILED
                | UPDATE_COMPLETE
                | UPDATE_FAILED
                | UPDATE_ROLLBACK_COMPLETE
                | UPDATE_ROLLBACK_FAILED
                | REVIEW_IN_PROGRESS
        )
    }

    /// An operation was running when Cairn stopped (or is running now, under a lock).
    pub fn is_in_progress(self) -> bool {
        self.as_str().ends_with("_IN_PROGRESS") && self != StackStatus::REVIEW_IN_PROGRESS
    }
}

/// A parameter value as the stack was last deployed with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterRecord {
    pub key: String,
    /// Stored as given, also for `NoEcho` parameters; views show `****` for those. For an
    /// `AWS::SSM::Parameter::Value<...>` type, the name of the SSM parameter.
    pub value: String,
    pub no_echo: bool,
    /// For an `AWS::SSM::Parameter::Value<...>` type: the value read from the parameter store when the
    /// stack was deployed (CloudFormation's `ResolvedValue`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputRecord {
    pub key: String,
    pub value: serde_json::Value,
    pub description: Option<String>,
    pub export_name: Option<String>,
}

/// A stack and everything about it except its resources and events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StackRecord {
    pub name: String,
    /// CloudFormation's stack ARN.
    pub id: String,
    pub region: String,
    pub status: StackStatus,
    pub status_reason: Option<String>,
    /// The template as processed (after transforms), as JSON text: what rollback and updates start from.
    pub template: String,
    pub parameters: Vec<ParameterRecord>,
    pub outputs: Vec<OutputRecord>,
    pub tags: BTreeMap<String, String>,
    /// Names of other stacks' exports this stack imports (`Fn::ImportValue`).
    pub imports: Vec<String>,
    /// Random at creation; a saved plan records it with `serial` and is refused when either moved.
    pub lineage: String,
    /// Incremented by every committed change to the stack.
    pub serial: u64,
    /// RFC 3339 timestamps.
    pub created_at: String,
    pub updated_at: String,
}

/// A resource of a stack as last applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceRecord {
    pub logical_id: String,
    pub resource_type: String,
    /// None until the provider has created it.
    pub physical_id: Option<String>,
    /// The idempotency token of the provider call in flight or last made for this resource, so that a
    /// crash between the provider's commit and ours can be recovered without orphans.
    pub token: Option<String>,
    /// Properties as applied (resolved), JSON.
    pub properties: serde_json::Value,
    /// Attributes the provider returned (what `Fn::GetAtt` reads), JSON object.
    pub attributes: serde_json::Value,
    pub status: ResourceStatus,
    pub status_reason: Option<String>,
    /// What `Ref` returns for the resource (the physical id when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_value: Option<String>,
    /// Other physical resources of this logical id waiting to be deleted in a cleanup phase: the old one
    /// after a replacement, or the new one after an update rollback restored the old.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingDelete>,
}

impl ResourceRecord {
    /// What `Ref` returns for the resource, once it exists.
    pub fn ref_text(&self) -> Option<&str> {
        self.ref_value.as_deref().or(self.physical_id.as_deref())
    }
}

/// A physical resource a cleanup phase deletes (or keeps, by policy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingDelete {
    pub physical_id: String,
    pub resource_type: String,
    pub properties: serde_json::Value,
    /// `Retain`, `Snapshot` or `Delete`: the UpdateReplacePolicy that applies to it.
    pub policy: String,
}

/// A stack as it was when an update began: what an update rollback restores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StackSnapshot {
    pub stack: StackRecord,
    pub resources: Vec<ResourceRecord>,
}

/// A change set: a plan saved under a name, to be reviewed and executed later (CloudFormation's statuses).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeSetRecord {
    pub stack_name: String,
    pub name: String,
    /// CloudFormation's change set ARN.
    pub id: String,
    /// `CREATE` for a new stack, `UPDATE` for an existing one.
    pub change_set_type: String,
    /// `CREATE_COMPLETE`, `FAILED` or `DELETE_COMPLETE`.
    pub status: String,
    /// `AVAILABLE`, `UNAVAILABLE`, `EXECUTE_IN_PROGRESS`, `EXECUTE_COMPLETE`, `EXECUTE_FAILED` or `OBSOLETE`.
    pub execution_status: String,
    pub status_reason: Option<String>,
    pub description: Option<String>,
    /// The plan as JSON: executed exactly.
    pub plan: serde_json::Value,
    pub created_at: String,
}

/// One line of a stack's event log, with CloudFormation's event fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub event_id: String,
    /// The operation (one apply, destroy, rollback...) the event belongs to.
    pub operation_id: String,
    pub stack_name: String,
    pub timestamp: String,
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub resource_type: String,
    /// A stack or resource status.
    pub status: String,
    pub status_reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRecord {
    pub name: String,
    pub value: String,
    pub stack_name: String,
}

/// Who holds a stack's lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockRecord {
    pub stack_name: String,
    pub operation_id: String,
    /// What the operation is (`apply`, `destroy`...).
    pub operation: String,
    pub since: String,
    pub pid: u32,
}
