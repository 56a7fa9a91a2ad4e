//! `diff`: what separates two evaluated templates (two files, a file and a deployed stack, two stacks).
//! It owns the diff as data: the structural changes of every template section as JSON pointers with
//! before → after, the parameter, condition and output values that differ, and for each resource its
//! impact (create, update, replace, may replace, destroy, orphan) with the property changes behind it
//! and what the resource type's schema says they do. It never reads files or the state store, never
//! evaluates a template (callers pass both sides evaluated) and never renders.

mod impact;
mod mask;
mod structure;

use serde::{Deserialize, Serialize};

use crate::evaluate::Evaluated;

pub use impact::resource_diffs;
pub use mask::Secrets;
pub use structure::section_changes;

/// The version of the JSON shape of [`TemplateDiff`].
pub const DIFF_FORMAT: u32 = 1;

/// One side of a diff: its processed template (JSON, after transforms) and its evaluation.
pub struct Side<'a> {
    /// What the user named: a file path or `stack:NAME`.
    pub label: &'a str,
    pub template: &'a serde_json::Value,
    pub evaluated: &'a Evaluated,
}

/// Everything that differs from side `a` to side `b`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateDiff {
    pub format: u32,
    pub a: String,
    pub b: String,
    /// True when nothing below differs.
    pub equal: bool,
    /// Effective parameter values (given, stored or defaulted) that differ; `NoEcho` values masked.
    pub parameters: Vec<ValueChange>,
    /// Condition values that differ.
    pub conditions: Vec<ValueChange>,
    /// Output values (evaluated, in template form where known only after deployment) that differ,
    /// whether their definitions changed or the values they are computed from.
    pub outputs: Vec<ValueChange>,
    /// Structural changes of the processed templates, section by section (`Resources` included).
    pub sections: Vec<SectionChange>,
    /// Resources whose deployment would differ, `b`'s template order first, then those only `a` has.
    pub resources: Vec<ResourceDiff>,
    pub summary: Summary,
}

/// `add`, `remove` or `modify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Add,
    Remove,
    Modify,
}

impl ChangeKind {
    pub fn of<T>(before: &Option<T>, after: &Option<T>) -> ChangeKind {
        match (before, after) {
            (None, _) => ChangeKind::Add,
            (_, None) => ChangeKind::Remove,
            _ => ChangeKind::Modify,
        }
    }

    /// `+`, `-` or `~`.
    pub fn symbol(self) -> &'static str {
        match self {
            ChangeKind::Add => "+",
            ChangeKind::Remove => "-",
            ChangeKind::Modify => "~",
        }
    }
}

/// A named value (a parameter, a condition) on both sides; absent where a side does not have it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValueChange {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub before: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub after: Option<serde_json::Value>,
}

/// One structural change inside a template section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectionChange {
    /// The top-level key: `Parameters`, `Resources`, `Outputs`, `Transform`...
    pub section: String,
    /// JSON pointer in the template: `/Parameters/Env/Default`.
    pub path: String,
    pub change: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub before: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub after: Option<serde_json::Value>,
}

/// What deploying `b` instead of `a` does to one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Only `b` has it (or only there its condition holds).
    Create,
    /// Changed in place.
    Update,
    /// A change the schema says replaces it (create-only property, type without update handler).
    Replace,
    /// Replaced only if values known after deployment say so (a conditional create-only property, or a
    /// create-only one whose new value is not known yet).
    MayReplace,
    /// Only `a` has it: deleted.
    Destroy,
    /// Only `a` has it, with `DeletionPolicy: Retain`: kept in the cloud, no longer managed.
    Orphan,
}

impl Impact {
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Create => "create",
            Impact::Update => "update",
            Impact::Replace => "replace",
            Impact::MayReplace => "may replace",
            Impact::Destroy => "destroy",
            Impact::Orphan => "orphan",
        }
    }
}

/// `static`: the change is certain from the templates; `dynamic`: a value involved is only known after
/// a deployment (a reference to a resource), so the change may not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evaluation {
    Static,
    Dynamic,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceDiff {
    pub logical_id: String,
    pub resource_type: String,
    pub impact: Impact,
    /// Property and attribute changes, empty for create, destroy and orphan.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub changes: Vec<PropertyChange>,
}

/// One changed value of a resource, with what the schema says it does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PropertyChange {
    /// JSON pointer inside the resource: `/Properties/BucketName`, `/DeletionPolicy`, `/Type`.
    pub path: String,
    pub change: ChangeKind,
    /// Values in template form (what is known only after deployment as `Ref` / `Fn::GetAtt`...).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub before: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub after: Option<serde_json::Value>,
    /// `Never`, `Conditionally` or `Always` (CloudFormation's `RequiresRecreation`).
    pub requires_recreation: String,
    pub evaluation: Evaluation,
    /// For a change that follows from another resource's replacement: that resource.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub caused_by: Option<String>,
}

/// Resources by impact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub may_replace: usize,
    pub destroy: usize,
    pub orphan: usize,
}

/// The whole diff from `a` to `b`.
pub fn diff(a: &Side<'_>, b: &Side<'_>) -> TemplateDiff {
    let secrets = mask::Secrets::of(&[a.evaluated, b.evaluated]);
    let mut sections = section_changes(a.template, b.template);
    for s in &mut sections {
        secrets.mask_opt(&mut s.before);
        secrets.mask_opt(&mut s.after);
    }
    let mut resources = resource_diffs(a.evaluated, b.evaluated);
    for r in &mut resources {
        for c in &mut r.changes {
            secrets.mask_opt(&mut c.before);
            secrets.mask_opt(&mut c.after);
        }
    }
    let parameters = parameter_changes(a.evaluated, b.evaluated);
    let conditions = named_changes(
        a.evaluated
            .conditions
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::Bool(*v))),
        b.evaluated
            .conditions
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::Bool(*v))),
    );
    let output_values = |e: &Evaluated| -> Vec<(String, serde_json::Value)> {
        e.outputs
            .iter()
            .map(|(k, o)| (k.clone(), o.value.to_serde()))
            .collect()
    };
    let mut outputs = named_changes(
        output_values(a.evaluated).into_iter(),
        output_values(b.evaluated).into_iter(),
    );
    for o in &mut outputs {
        secrets.mask_opt(&mut o.before);
        secrets.mask_opt(&mut o.after);
    }
    let mut summary = Summary::default();
    for r in &resources {
        *match r.impact {
            Impact::Create => &mut summary.create,
            Impact::Update => &mut summary.update,
            Impact::Replace => &mut summary.replace,
            Impact::MayReplace => &mut summary.may_replace,
            Impact::Destroy => &mut summary.destroy,
            Impact::Orphan => &mut summary.orphan,
        } += 1;
    }
    TemplateDiff {
        format: DIFF_FORMAT,
        a: a.label.to_owned(),
        b: b.label.to_owned(),
        equal: parameters.is_empty()
            && conditions.is_empty()
            && outputs.is_empty()
            && sections.is_empty()
            && resources.is_empty(),
        parameters,
        conditions,
        outputs,
        sections,
        resources,
        summary,
    }
}

/// Effective parameter values, compared as CloudFormation passes them (text); `NoEcho` ones masked.
fn parameter_changes(a: &Evaluated, b: &Evaluated) -> Vec<ValueChange> {
    let shown = |e: &Evaluated| -> Vec<(String, serde_json::Value)> {
        e.parameters
            .values
            .iter()
            .map(|(k, v)| {
                let text = v.to_string();
                (k.clone(), serde_json::Value::String(text))
            })
            .collect()
    };
    let mut changes = named_changes(shown(a).into_iter(), shown(b).into_iter());
    let secret = |e: &Evaluated, name: &str| e.parameters.no_echo.contains(name);
    for c in &mut changes {
        if secret(a, &c.name) && c.before.is_some() {
            c.before = Some(serde_json::Value::String(crate::evaluate::MASK.to_owned()));
        }
        if secret(b, &c.name) && c.after.is_some() {
            c.after = Some(serde_json::Value::String(crate::evaluate::MASK.to_owned()));
        }
    }
    changes
}

/// Names whose values differ between the two lists, in `b`'s order then the names only `a` has.
fn named_changes(
    a: impl Iterator<Item = (String, serde_json::Value)>,
    b: impl Iterator<Item = (String, serde_json::Value)>,
) -> Vec<ValueChange> {
    let a: indexmap::IndexMap<String, serde_json::Value> = a.collect();
    let b: indexmap::IndexMap<String, serde_json::Value> = b.collect();
    let mut out = Vec::new();
    for (k, bv) in &b {
        match a.get(k) {
            Some(av) if av == bv => {}
            av => out.push(ValueChange {
                name: k.clone(),
                before: av.cloned(),
                after: Some(bv.clone()),
            }),
        }
    }
    for (k, av) in &a {
        if !b.contains_key(k) {
            out.push(ValueChange {
                name: k.clone(),
                before: Some(av.clone()),
                after: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
