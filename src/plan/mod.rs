//! Stage `plan`: compares the desired stack with the stored one and produces a [`Plan`] — plain data
//! that serializes to JSON, can be saved, reviewed and applied exactly later (refused when the stack's
//! lineage or serial moved since). A plan holds CloudFormation's change records, the ordered steps in
//! waves, and the rollback that would run if a step failed. This stage never calls a provider and never
//! writes state.

pub mod codes;
mod create;
mod delete;
mod diff;
mod update;
mod update_checks;
mod update_details;
mod update_order;
#[cfg(test)]
mod update_tests;

use serde::{Deserialize, Serialize};

use crate::state::ParameterRecord;

pub use create::{CreateInputs, plan_create};
pub use delete::{DeleteRefused, plan_delete};
pub use diff::{PropertyDiff, diff_properties, requires_recreation};
pub use update::{UpdateInputs, plan_update, update_allowed};

/// The version of the plan file format.
pub const PLAN_FORMAT: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

/// The stack state a plan was made against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Base {
    pub lineage: String,
    pub serial: u64,
}

/// CloudFormation's change actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Add,
    Modify,
    Remove,
    Dynamic,
}

/// One change record, in CloudFormation's terms (`ResourceChange`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Change {
    pub action: Action,
    pub logical_resource_id: String,
    pub resource_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_resource_id: Option<String>,
    /// `True` / `False` / `Conditional` for Modify; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    /// What happens to the physical resource because of DeletionPolicy or UpdateReplacePolicy:
    /// `Delete`, `Retain`, `Snapshot` (Remove) or `ReplaceAndDelete`, `ReplaceAndRetain`,
    /// `ReplaceAndSnapshot` (a replacement).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub policy_action: Option<String>,
    /// For Modify: which parts of the resource change (`Properties`, `Metadata`, `DeletionPolicy`,
    /// `UpdateReplacePolicy`, `CreationPolicy`, `UpdatePolicy`, `Tags`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub scope: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub details: Vec<Detail>,
}

/// What changes about one part of a resource, and why (CloudFormation's `ResourceChangeDetail`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Detail {
    pub target: Target,
    /// `Static`: the new value is known now; `Dynamic`: it is known only when the update runs.
    pub evaluation: String,
    /// `DirectModification`, `ParameterReference`, `ResourceReference` or `ResourceAttribute`.
    pub change_source: String,
    /// The parameter, resource or `Resource.Attribute` that causes the change.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub causing_entity: Option<String>,
}

/// The part of a resource a detail changes (CloudFormation's `ResourceTargetDefinition`), with the values
/// before and after (NoEcho parameter values masked).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Target {
    /// `Properties`, `Metadata`, `DeletionPolicy`, `UpdateReplacePolicy`, `CreationPolicy`,
    /// `UpdatePolicy` or `Tags`.
    pub attribute: String,
    /// For properties: the top-level property name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// JSON pointer of the changed value inside the resource (`/Properties/VersioningConfiguration/Status`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
    /// `Never`, `Conditionally` or `Always`.
    pub requires_recreation: String,
    /// `Add`, `Remove` or `Modify`.
    pub attribute_change_type: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub before_value: Option<serde_json::Value>,
    /// For a dynamic change: the value in template form, with what is known only later as `Ref`/`Fn::GetAtt`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub after_value: Option<serde_json::Value>,
}

impl Change {
    /// A change with no details (Add, Remove).
    pub fn new(action: Action, logical_id: &str, resource_type: &str) -> Change {
        Change {
            action,
            logical_resource_id: logical_id.to_owned(),
            resource_type: resource_type.to_owned(),
            physical_resource_id: None,
            replacement: None,
            policy_action: None,
            scope: Vec::new(),
            details: Vec::new(),
        }
    }

    /// Property paths whose change forces the replacement (`RequiresRecreation: Always`, known now).
    pub fn forcing_replacement(&self) -> impl Iterator<Item = &Detail> {
        self.details
            .iter()
            .filter(|d| d.target.requires_recreation != "Never")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepAction {
    Create,
    /// Update in place; apply decides from the values known then whether a conditional replacement is
    /// needed after all.
    Update,
    /// Create a new physical resource for the logical id (the old one is deleted in the cleanup phase, or
    /// first when the type's replacement strategy is delete-then-create).
    Replace,
    Delete,
    /// Keep the physical resource and forget it (DeletionPolicy Retain): DELETE_SKIPPED.
    Retain,
}

/// One provider operation, in the order apply runs them. Steps of one wave may run in parallel; a step
/// starts as soon as the steps it needs are done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub wave: usize,
    pub action: StepAction,
    pub logical_id: String,
    pub resource_type: String,
    /// Logical ids this step waits for (dependencies for creates, dependents for deletes).
    pub after: Vec<String>,
    /// The properties to apply, with what only exists at apply time in long form (`Ref`, `Fn::GetAtt`...).
    #[serde(skip_serializing_if = "serde_json::Value::is_null", default)]
    pub properties: serde_json::Value,
    /// Snapshot before deleting (DeletionPolicy Snapshot).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub snapshot: bool,
}

/// What apply would undo if the steps of `wave` failed: the resources created before, deleted in this
/// order (resources whose policy keeps them are listed in `retained`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rollback {
    pub if_wave_fails: usize,
    /// For updates: resources changed by earlier waves, put back to their previous properties and
    /// physical resources.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub restore: Vec<String>,
    pub delete: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub retained: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub add: usize,
    pub modify: usize,
    pub remove: usize,
}

/// A plan: everything apply needs to make the stack match, decided in advance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format: u32,
    pub stack_name: String,
    pub operation: Operation,
    /// The stored stack the plan was made against (`None` for a new stack). Apply refuses the plan when
    /// the stack's lineage or serial no longer match.
    pub base: Option<Base>,
    pub region: String,
    pub account_id: String,
    /// The processed template (JSON) the stack will record; rollback and later updates start from it.
    /// `null` in a delete plan.
    pub template: TemplateText,
    pub parameters: Vec<ParameterRecord>,
    /// Export names of other stacks this stack imports.
    #[serde(default)]
    pub imports: Vec<String>,
    /// The SSM parameters the plan read (`AWS::SSM::Parameter::Value<...>` parameters and
    /// `{{resolve:ssm:...}}`) with the values read: apply evaluates with these, as reviewed.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub ssm: std::collections::BTreeMap<String, String>,
    pub changes: Vec<Change>,
    pub steps: Vec<Step>,
    /// For updates: the cleanup phase after every step succeeded (old physical resources of replaced
    /// resources, then removed resources), dependents first.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub cleanup: Vec<Step>,
    /// For updates: what changes at the stack level without touching a resource (outputs, parameters).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub stack_changes: Vec<String>,
    /// Steps by wave: `waves[k]` are the logical ids of wave k.
    pub waves: Vec<Vec<String>>,
    pub rollback: Vec<Rollback>,
    pub summary: Summary,
    /// The model of `template`, when the plan was made in this process (it is not saved with the plan).
    #[serde(skip)]
    pub model: Model,
}

/// A plan's template as JSON text: written into a saved plan as JSON, and recorded by the stack as it
/// is (kept as text, it is not built into a value at plan time only to be printed again at apply).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TemplateText(Box<serde_json::value::RawValue>);

impl TemplateText {
    /// The compact JSON text of a template document.
    pub fn of_document(root: &crate::source::Node) -> TemplateText {
        TemplateText::of_text(crate::source::emit::to_json_compact(root))
    }

    pub fn of_value(value: &serde_json::Value) -> TemplateText {
        TemplateText::of_text(value.to_string())
    }

    /// A delete plan's: `null`.
    pub fn null() -> TemplateText {
        TemplateText::of_text("null".to_owned())
    }

    fn of_text(text: String) -> TemplateText {
        TemplateText(
            serde_json::value::RawValue::from_string(text)
                .expect("the text is JSON: this is a bug"),
        )
    }

    pub fn text(&self) -> &str {
        self.0.get()
    }
}

impl PartialEq for TemplateText {
    /// The same JSON, whatever the spacing of the text (a plan read back from a file is spaced as written).
    fn eq(&self, other: &TemplateText) -> bool {
        self.text() == other.text()
            || serde_json::from_str::<serde_json::Value>(self.text()).ok()
                == serde_json::from_str::<serde_json::Value>(other.text()).ok()
    }
}

/// The model a plan was made from, carried with the plan in memory: apply evaluates with the very model
/// the plan was made from instead of building it again from the plan's JSON (a saved plan, read back,
/// has none and apply builds it). Not part of what the plan says: plans compare equal without it.
#[derive(Clone, Default)]
pub struct Model(Option<std::sync::Arc<crate::template::Template>>);

impl Model {
    pub fn of(template: &std::sync::Arc<crate::template::Template>) -> Model {
        Model(Some(template.clone()))
    }

    pub fn get(&self) -> Option<std::sync::Arc<crate::template::Template>> {
        self.0.clone()
    }
}

impl PartialEq for Model {
    fn eq(&self, _: &Model) -> bool {
        true
    }
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Model(built)"
        } else {
            "Model(none)"
        })
    }
}

impl Plan {
    /// Whether applying the plan changes anything: creating or deleting a stack always does (even
    /// without resources); an update when a resource or the stack's parameters, outputs or template change.
    pub fn has_changes(&self) -> bool {
        match self.operation {
            Operation::Update => !self.changes.is_empty() || !self.stack_changes.is_empty(),
            Operation::Create | Operation::Delete => true,
        }
    }
}
