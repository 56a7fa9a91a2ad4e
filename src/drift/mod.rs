//! `drift`: compares each resource of a stack as last applied (the state store's record) with the
//! resource as the cloud holds it now (the provider's `read`), in CloudFormation's drift detection
//! terms: a resource is `IN_SYNC`, `MODIFIED` (with its property differences), `DELETED`, or
//! `NOT_CHECKED` (a type without a schema, a resource never created, a read that failed); the stack is
//! `DRIFTED` when any resource is modified or deleted. It only reads: it never changes the cloud or the
//! state store, and never renders.

mod compare;

use serde::{Deserialize, Serialize};

use crate::provider::Provider;
use crate::state::{ResourceRecord, ResourceStatus, StackRecord};

pub use compare::{comparable, differences};

/// A stack's drift: CloudFormation's `DescribeStackDriftDetectionStatus` and
/// `DescribeStackResourceDrifts` answers in one value (its JSON uses CloudFormation's field names).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StackDrift {
    pub stack_name: String,
    pub stack_id: String,
    pub stack_drift_status: StackDriftStatus,
    /// Resources `MODIFIED` or `DELETED`.
    pub drifted_stack_resource_count: usize,
    pub stack_resource_drifts: Vec<StackResourceDrift>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(non_camel_case_types)]
pub enum StackDriftStatus {
    DRIFTED,
    IN_SYNC,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(non_camel_case_types)]
pub enum ResourceDriftStatus {
    IN_SYNC,
    MODIFIED,
    DELETED,
    NOT_CHECKED,
}

impl ResourceDriftStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceDriftStatus::IN_SYNC => "IN_SYNC",
            ResourceDriftStatus::MODIFIED => "MODIFIED",
            ResourceDriftStatus::DELETED => "DELETED",
            ResourceDriftStatus::NOT_CHECKED => "NOT_CHECKED",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(non_camel_case_types)]
pub enum DifferenceType {
    /// An item the cloud added to an array.
    ADD,
    /// A value the template set that the cloud no longer has.
    REMOVE,
    NOT_EQUAL,
}

/// One resource's drift (CloudFormation's `StackResourceDrift`, without its timestamp).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StackResourceDrift {
    pub stack_id: String,
    pub logical_resource_id: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub physical_resource_id: Option<String>,
    pub resource_type: String,
    /// The properties as applied, write-only ones left out, as JSON text (as CloudFormation gives it).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expected_properties: Option<String>,
    /// The cloud's values of the same top-level properties, as JSON text; absent when `DELETED` or
    /// `NOT_CHECKED`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub actual_properties: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub property_differences: Vec<PropertyDifference>,
    pub stack_resource_drift_status: ResourceDriftStatus,
    /// Why a resource was `NOT_CHECKED`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub drift_status_reason: Option<String>,
}

/// CloudFormation's `PropertyDifference`: values as text (scalars as they are, others as JSON, `null`
/// for the side that has none).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PropertyDifference {
    /// JSON pointer inside the resource: `/Properties/Tags/0/Value`.
    pub property_path: String,
    pub expected_value: String,
    pub actual_value: String,
    pub difference_type: DifferenceType,
}

/// Checks every resource of `stack` (as recorded in `resources`) against `cloud`, in the order of the
/// stack's template.
/// Values of `NoEcho` parameters are masked in what it shows (compared unmasked).
pub fn detect(
    stack: &StackRecord,
    resources: &[ResourceRecord],
    cloud: &dyn Provider,
) -> StackDrift {
    let secrets = crate::diff::Secrets::new(
        stack
            .parameters
            .iter()
            .filter(|p| p.no_echo)
            .map(|p| p.value.clone()),
    );
    // Template order: the records' order is the order creates finished in, which varies.
    let template: serde_json::Value =
        serde_json::from_str(&stack.template).unwrap_or(serde_json::Value::Null);
    let index: std::collections::HashMap<&str, usize> = template
        .get("Resources")
        .and_then(serde_json::Value::as_object)
        .map(|m| m.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect())
        .unwrap_or_default();
    let position = |id: &str| index.get(id).copied().unwrap_or(usize::MAX);
    let mut ordered: Vec<&ResourceRecord> = resources.iter().collect();
    ordered.sort_by_key(|r| position(&r.logical_id));
    let drifts: Vec<StackResourceDrift> = ordered
        .into_iter()
        .filter(|r| {
            !matches!(
                r.status,
                ResourceStatus::DELETE_COMPLETE | ResourceStatus::DELETE_SKIPPED
            )
        })
        .map(|r| {
            let mut d = resource_drift(stack, r, cloud);
            mask(&mut d, &secrets);
            d
        })
        .collect();
    let drifted = drifts
        .iter()
        .filter(|d| {
            matches!(
                d.stack_resource_drift_status,
                ResourceDriftStatus::MODIFIED | ResourceDriftStatus::DELETED
            )
        })
        .count();
    StackDrift {
        stack_name: stack.name.clone(),
        stack_id: stack.id.clone(),
        stack_drift_status: if drifted > 0 {
            StackDriftStatus::DRIFTED
        } else {
            StackDriftStatus::IN_SYNC
        },
        drifted_stack_resource_count: drifted,
        stack_resource_drifts: drifts,
    }
}

fn resource_drift(
    stack: &StackRecord,
    r: &ResourceRecord,
    cloud: &dyn Provider,
) -> StackResourceDrift {
    let rt = crate::spec::resource_type(&r.resource_type);
    let expected = comparable(rt, &r.properties);
    let mut drift = StackResourceDrift {
        stack_id: stack.id.clone(),
        logical_resource_id: r.logical_id.clone(),
        physical_resource_id: r.physical_id.clone(),
        resource_type: r.resource_type.clone(),
        expected_properties: Some(expected.to_string()),
        actual_properties: None,
        property_differences: Vec::new(),
        stack_resource_drift_status: ResourceDriftStatus::NOT_CHECKED,
        drift_status_reason: None,
    };
    let not_checked = |mut d: StackResourceDrift, reason: String| {
        d.drift_status_reason = Some(reason);
        d
    };
    if rt.is_none() {
        return not_checked(
            drift,
            format!(
                "resource type `{}` has no schema: drift cannot be detected",
                r.resource_type
            ),
        );
    }
    let Some(physical_id) = r.physical_id.as_deref() else {
        return not_checked(drift, "the resource was never created".to_owned());
    };
    let live = match cloud.read(&r.resource_type, physical_id) {
        Ok(live) => live,
        Err(e) => return not_checked(drift, format!("reading the resource failed: {e}")),
    };
    let Some(live) = live else {
        drift.stack_resource_drift_status = ResourceDriftStatus::DELETED;
        return drift;
    };
    let actual = only_expected_keys(&expected, &live.properties);
    drift.property_differences = differences(rt, &expected, &live.properties);
    drift.actual_properties = Some(actual.to_string());
    drift.stack_resource_drift_status = if drift.property_differences.is_empty() {
        ResourceDriftStatus::IN_SYNC
    } else {
        ResourceDriftStatus::MODIFIED
    };
    drift
}

fn mask(d: &mut StackResourceDrift, secrets: &crate::diff::Secrets) {
    for text in [&mut d.expected_properties, &mut d.actual_properties]
        .into_iter()
        .flatten()
    {
        if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(text) {
            secrets.mask(&mut v);
            *text = v.to_string();
        }
    }
    for p in &mut d.property_differences {
        p.expected_value = secrets.mask_text(&p.expected_value);
        p.actual_value = secrets.mask_text(&p.actual_value);
    }
}

/// The cloud's values of the top-level properties the template set (what CloudFormation shows as
/// `ActualProperties`).
fn only_expected_keys(
    expected: &serde_json::Value,
    actual: &serde_json::Value,
) -> serde_json::Value {
    let (Some(e), Some(a)) = (expected.as_object(), actual.as_object()) else {
        return serde_json::Value::Object(serde_json::Map::new());
    };
    serde_json::Value::Object(
        a.iter()
            .filter(|(k, _)| e.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

#[cfg(test)]
mod tests;
