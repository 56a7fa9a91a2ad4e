//! What deploying one evaluated template instead of another does to each resource. Properties are
//! compared with the planner's differ (`plan::diff_properties`: key order ignored, sets from the schema)
//! and each change is weighed with `plan::requires_recreation`. A change is dynamic when a value it
//! involves is only known after deployment; a dynamic create-only change may replace, a certain one
//! replaces. A replaced resource makes the properties that reference it change too (dynamically), which
//! can cascade. This file never looks at template text (that is `structure`).

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::evaluate::{Deferred, Evaluated, EvaluatedResource, Value};
use crate::plan::{PropertyDiff, diff_properties, requires_recreation};
use crate::spec::ResourceType;

use super::structure::pointer;
use super::{ChangeKind, Evaluation, Impact, PropertyChange, ResourceDiff};

/// The resources whose deployment differs from `a` to `b`: `b`'s order, then those only `a` keeps.
pub fn resource_diffs(a: &Evaluated, b: &Evaluated) -> Vec<ResourceDiff> {
    let mut found: IndexMap<String, ResourceDiff> = IndexMap::new();
    for (id, br) in &b.resources {
        let entry = match a.resources.get(id) {
            None => Some(resource(id, br, Impact::Create, Vec::new())),
            Some(ar) if ar.resource_type != br.resource_type => {
                let change = PropertyChange {
                    path: "/Type".to_owned(),
                    change: ChangeKind::Modify,
                    before: Some(serde_json::Value::String(ar.resource_type.clone())),
                    after: Some(serde_json::Value::String(br.resource_type.clone())),
                    requires_recreation: "Always".to_owned(),
                    evaluation: Evaluation::Static,
                    caused_by: None,
                };
                Some(resource(id, br, Impact::Replace, vec![change]))
            }
            Some(ar) => {
                let changes = direct_changes(ar, br);
                (!changes.is_empty()).then(|| resource(id, br, impact_of(&changes), changes))
            }
        };
        if let Some(e) = entry {
            found.insert(id.clone(), e);
        }
    }
    cascade(a, b, &mut found);
    let mut out: Vec<ResourceDiff> = b
        .resources
        .keys()
        .filter_map(|id| found.shift_remove(id))
        .collect();
    for (id, ar) in &a.resources {
        if b.resources.contains_key(id) {
            continue;
        }
        let kept = matches!(
            ar.deletion_policy.as_deref(),
            Some("Retain" | "RetainExceptOnCreate")
        );
        let impact = if kept {
            Impact::Orphan
        } else {
            Impact::Destroy
        };
        out.push(resource(id, ar, impact, Vec::new()));
    }
    out
}

fn resource(
    id: &str,
    r: &EvaluatedResource,
    impact: Impact,
    changes: Vec<PropertyChange>,
) -> ResourceDiff {
    ResourceDiff {
        logical_id: id.to_owned(),
        resource_type: r.resource_type.clone(),
        impact,
        changes,
    }
}

/// The most intrusive impact of a resource's changes.
fn impact_of(changes: &[PropertyChange]) -> Impact {
    let always = |c: &&PropertyChange| c.requires_recreation == "Always";
    if changes
        .iter()
        .filter(always)
        .any(|c| c.evaluation == Evaluation::Static)
    {
        Impact::Replace
    } else if changes.iter().any(|c| c.requires_recreation != "Never") {
        Impact::MayReplace
    } else {
        Impact::Update
    }
}

/// Property and resource-attribute changes of a resource both sides have, with the same type.
fn direct_changes(a: &EvaluatedResource, b: &EvaluatedResource) -> Vec<PropertyChange> {
    let rt = crate::spec::resource_type(&b.resource_type);
    let mut diffs = diff_properties(rt, &a.properties, &b.properties);
    // The planner's differ counts every deferred value as a change (its `before` is always concrete);
    // here both sides are templates, and the same reference on both sides is no change.
    diffs.retain(|d| d.before != d.after);
    let mut out: Vec<PropertyChange> = diffs.iter().map(|d| property_change(rt, d)).collect();
    let text = |v: &Option<String>| v.clone().map(serde_json::Value::String);
    let data = |v: &Option<Value>| v.as_ref().map(Value::to_serde);
    let attributes = [
        (
            "DeletionPolicy",
            text(&a.deletion_policy),
            text(&b.deletion_policy),
        ),
        (
            "UpdateReplacePolicy",
            text(&a.update_replace_policy),
            text(&b.update_replace_policy),
        ),
        ("Metadata", data(&a.metadata), data(&b.metadata)),
        (
            "CreationPolicy",
            data(&a.creation_policy),
            data(&b.creation_policy),
        ),
        (
            "UpdatePolicy",
            data(&a.update_policy),
            data(&b.update_policy),
        ),
    ];
    for (name, before, after) in attributes {
        let same = match (&before, &after) {
            (Some(x), Some(y)) => super::structure::same(x, y),
            (None, None) => true,
            _ => false,
        };
        if !same {
            out.push(PropertyChange {
                path: format!("/{name}"),
                change: ChangeKind::of(&before, &after),
                before,
                after,
                requires_recreation: "Never".to_owned(),
                evaluation: Evaluation::Static,
                caused_by: None,
            });
        }
    }
    out
}

fn property_change(rt: Option<&ResourceType>, d: &PropertyDiff) -> PropertyChange {
    PropertyChange {
        path: d.pointer(),
        change: ChangeKind::of(&d.before, &d.after),
        before: d.before.as_ref().map(Value::to_serde),
        after: d.after.as_ref().map(Value::to_serde),
        requires_recreation: requires_recreation(rt, &d.path).to_owned(),
        evaluation: if certain(d) {
            Evaluation::Static
        } else {
            Evaluation::Dynamic
        },
        caused_by: None,
    }
}

/// A change is certain unless a value on either side is only known after deployment. A property that
/// appears or disappears is certain; so is a reference that now names another resource or attribute.
fn certain(d: &PropertyDiff) -> bool {
    let (Some(before), Some(after)) = (&d.before, &d.after) else {
        return true;
    };
    if !before.contains_deferred() && !after.contains_deferred() {
        return true;
    }
    let reference =
        |v: &Value| matches!(v, Value::Deferred(Deferred::Ref(_) | Deferred::GetAtt(..)));
    reference(before) && reference(after)
}

/// Properties that reference a replaced (or maybe replaced) resource change once it is replaced: a new
/// physical id, new attributes. Repeated until no resource gains a change, so replacements cascade.
fn cascade(a: &Evaluated, b: &Evaluated, found: &mut IndexMap<String, ResourceDiff>) {
    // Each round adds at least one change, and there are finitely many properties.
    loop {
        let replaced: HashSet<String> = found
            .values()
            .filter(|r| matches!(r.impact, Impact::Replace | Impact::MayReplace))
            .map(|r| r.logical_id.clone())
            .collect();
        let surely: HashSet<String> = found
            .values()
            .filter(|r| r.impact == Impact::Replace)
            .map(|r| r.logical_id.clone())
            .collect();
        let mut changed = false;
        for (id, br) in &b.resources {
            let Some(ar) = a.resources.get(id) else {
                continue;
            };
            if ar.resource_type != br.resource_type {
                continue;
            }
            let Value::Map(props) = &br.properties else {
                continue;
            };
            let rt = crate::spec::resource_type(&br.resource_type);
            let mut added = Vec::new();
            for (name, v) in props {
                let path = pointer(&["Properties".to_owned(), name.clone()]);
                let known = found.get(id).is_some_and(|r| {
                    r.changes
                        .iter()
                        .any(|c| c.path == path || c.path.starts_with(&format!("{path}/")))
                });
                if known {
                    continue;
                }
                let mut cause = None;
                v.for_each_resource(&mut |r| {
                    if cause.is_none() && r != id && replaced.contains(r) {
                        cause = Some(r.to_owned());
                    }
                });
                let Some(cause) = cause else {
                    continue;
                };
                let before = match &ar.properties {
                    Value::Map(m) => m.get(name).map(Value::to_serde),
                    _ => None,
                };
                added.push(PropertyChange {
                    path,
                    change: ChangeKind::Modify,
                    before,
                    after: Some(v.to_serde()),
                    requires_recreation: requires_recreation(rt, std::slice::from_ref(name))
                        .to_owned(),
                    evaluation: Evaluation::Dynamic,
                    caused_by: Some(cause),
                });
            }
            if added.is_empty() {
                continue;
            }
            changed = true;
            // A create-only property naming a resource that is surely replaced surely changes: a new
            // physical id, a new ARN.
            let forced = added.iter().any(|c| {
                c.requires_recreation == "Always"
                    && c.caused_by.as_deref().is_some_and(|r| surely.contains(r))
            });
            let entry = found
                .entry(id.clone())
                .or_insert_with(|| resource(id, br, Impact::Update, Vec::new()));
            entry.changes.extend(added);
            entry.impact = if forced || entry.impact == Impact::Replace {
                Impact::Replace
            } else {
                impact_of(&entry.changes)
            };
        }
        if !changed {
            break;
        }
    }
}
