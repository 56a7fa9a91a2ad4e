//! The failures CloudFormation would only meet while updating, predicted at plan time: replacing a
//! custom-named resource, a new name the account already has, an export another stack imports that the
//! update removes or changes.

use std::collections::HashMap;

use indexmap::IndexMap;

use crate::evaluate::{self, Value};
use crate::source::{Diagnostic, Span};

use super::codes;
use super::create::CreateInputs;
use super::update::{Fate, UpdateInputs};
use super::update_details;

/// A custom-named resource cannot be replaced: the new resource would need the name the old one holds.
pub(super) fn custom_name_replaced(
    id: &str,
    span: Span,
    rt: Option<&crate::spec::ResourceType>,
    before: &Value,
    after: &Value,
    errors: &mut Vec<Diagnostic>,
) {
    let Some(np) = rt.and_then(|t| t.name_property()) else {
        return;
    };
    let name = |v: &Value| match v {
        Value::Map(m) => m.get(np).cloned(),
        _ => None,
    };
    if let (Some(b), Some(a)) = (name(before), name(after))
        && b == a
    {
        errors.push(
            Diagnostic::error(
                codes::CUSTOM_NAME_REPLACED,
                span,
                format!(
                    "CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename {id} and update the stack again."
                ),
            )
            .with_help(format!(
                "`{np}` stays `{}`, and a replacement is created before the old resource is deleted: change `{np}` (or remove it to let a name be generated)",
                a.as_text().unwrap_or_default()
            )),
        );
    }
}

/// A new physical name (added resource, or a replacement with another name) that the account already has.
pub(super) fn name_taken(
    c: &CreateInputs<'_>,
    id: &str,
    span: Span,
    after: &Value,
    before: Option<&Value>,
    errors: &mut Vec<Diagnostic>,
) {
    let (Some(exists), Value::Map(props)) = (c.exists, after) else {
        return;
    };
    let ty = match c
        .template
        .resources
        .get(id)
        .and_then(|r| r.resource_type.as_ref())
    {
        Some(t) => t.value.as_str(),
        None => return,
    };
    let Some(np) = crate::spec::resource_type(ty).and_then(|t| t.name_property()) else {
        return;
    };
    let Some(Value::String(name)) = props.get(np) else {
        return;
    };
    let old = before.and_then(|b| match b {
        Value::Map(m) => m.get(np),
        _ => None,
    });
    if old == Some(&Value::String(name.clone())) {
        return;
    }
    if exists(ty, name) {
        errors.push(
            Diagnostic::error(
                codes::NAME_TAKEN,
                span,
                format!("{name} already exists"),
            )
            .with_help(format!(
                "a `{ty}` named `{name}` exists in the mock cloud's account and region: choose another `{np}`"
            )),
        );
    }
}

/// Exports other stacks import may be neither removed nor changed.
pub(super) fn exports_in_use(
    u: &UpdateInputs<'_>,
    e: &evaluate::Evaluated,
    outputs: &IndexMap<String, evaluate::EvaluatedOutput>,
    fates: &HashMap<String, Fate>,
    errors: &mut Vec<Diagnostic>,
) {
    let c = u.new;
    for (export, importer) in u.imported {
        let current = u
            .stack
            .outputs
            .iter()
            .find(|o| o.export_name.as_deref() == Some(export.as_str()));
        let new = e
            .outputs
            .iter()
            .find(|(_, o)| matches!(&o.export_name, Some(Value::String(n)) if n == export));
        let Some((name, _)) = new else {
            let span = c
                .template
                .outputs
                .values()
                .next()
                .map_or(Span::new(c.template.file, 0, 0), |o| o.span);
            errors.push(
                Diagnostic::error(
                    codes::EXPORT_IN_USE,
                    span,
                    format!("Cannot delete export {export} as it is in use by {importer}."),
                )
                .with_help(format!(
                    "update stack `{importer}` to stop importing it first"
                )),
            );
            continue;
        };
        let value = outputs.get(name).map(|o| &o.value);
        let old_value = current.map(|o| Value::from_serde(&o.value));
        let changes = match value {
            Some(v) if v.contains_deferred() => update_details::deferred_targets(v)
                .iter()
                .any(|t| matches!(fates.get(t.as_str()), Some(Fate::Replaced | Fate::Added))),
            Some(v) => old_value
                .as_ref()
                .is_some_and(|o| o.as_text() != v.as_text()),
            None => false,
        };
        if changes {
            let span = c.template.outputs[name].span;
            errors.push(
                Diagnostic::error(
                    codes::EXPORT_IN_USE,
                    span,
                    format!("Cannot update export {export} as it is in use by {importer}."),
                )
                .with_help(format!(
                    "update stack `{importer}` to stop importing it first"
                )),
            );
        }
    }
}
