//! `Overrides`: a module use's changes to the module's resources, deep-merged into them. Mappings merge key
//! by key, lists are extended, anything else (a scalar, a function call) replaces what the module wrote.
//!
//! It never renames: overrides are written in the namespace of the template that uses the module.

use crate::source::{Diagnostic, Mapping, Node, NodeKind, suggest};
use crate::transform::codes;
use crate::transform::nodes::call;

/// A resource of the module being expanded: its name in the module, and its definition once moved.
pub(super) struct Moved {
    pub local: String,
    pub name: String,
    pub key_span: crate::source::Span,
    pub node: Node,
}

/// The module's resources as written, and the properties the use gives: an override may not replace a
/// value the module takes from a property (both would set it).
pub(super) struct Written<'a> {
    pub resources: Option<&'a Mapping>,
    pub properties: Option<&'a Mapping>,
}

/// Applies `overrides` (the `Overrides` of a module use) to `resources`. `declared` are the module's own
/// resource names, so an override of a resource folded away by a false condition is no error.
pub(super) fn apply<'a>(
    module: &str,
    overrides: &Node,
    resources: &mut [Moved],
    declared: impl Iterator<Item = &'a str> + Clone,
    written: &Written<'_>,
    errors: &mut Vec<Diagnostic>,
) {
    let Some(m) = overrides.as_map() else {
        errors.push(Diagnostic::error(
            codes::MODULE_LAYOUT,
            overrides.span,
            format!(
                "`Overrides` must map resource names to changes, found {}",
                overrides.describe()
            ),
        ));
        return;
    };
    for (name, e) in m.iter() {
        match resources.iter_mut().find(|r| r.local == name) {
            Some(r) => {
                let original = written.resources.and_then(|m| m.get(name));
                if let Some(original) = original {
                    conflicts(original, &e.value, written.properties, name, errors);
                }
                r.node = merge(&r.node, &e.value);
            }
            None if declared.clone().any(|d| d == name) => {}
            None => errors.push(
                Diagnostic::error(
                    codes::MODULE_UNKNOWN_OVERRIDE,
                    e.key_span,
                    format!("module `{module}` has no resource `{name}` to override"),
                )
                .with_help_opt(suggest(name, declared.clone())),
            ),
        }
    }
}

/// Reports each place where `over` replaces a `!Ref Parameter` of `original` whose parameter the use sets
/// with a property.
fn conflicts(
    original: &Node,
    over: &Node,
    properties: Option<&Mapping>,
    path: &str,
    errors: &mut Vec<Diagnostic>,
) {
    match (original.as_map(), over.as_map()) {
        (Some(o), Some(v)) if call(original).is_none() && call(over).is_none() => {
            for (k, e) in v.iter() {
                if let Some(orig) = o.get(k) {
                    conflicts(orig, &e.value, properties, &format!("{path}.{k}"), errors);
                }
            }
        }
        _ if original.as_seq().is_some() && over.as_seq().is_some() => {}
        _ => {
            let param = match call(original) {
                Some(("Ref", p)) => p.as_str(),
                _ => None,
            };
            if let Some(p) = param.filter(|p| properties.is_some_and(|m| m.get(p).is_some())) {
                errors.push(
                    Diagnostic::error(
                        codes::MODULE_OVERRIDE_CONFLICT,
                        over.span,
                        format!("the override of `{path}` replaces the value property `{p}` sets"),
                    )
                    .with_label(original.span, format!("the module sets it from `{p}` here"))
                    .with_help(format!("set it with property `{p}`, or drop the override")),
                );
            }
        }
    }
}

/// `over` deep-merged into `base`.
pub(super) fn merge(base: &Node, over: &Node) -> Node {
    match (&base.kind, &over.kind) {
        (NodeKind::Map(b), NodeKind::Map(o)) if call(base).is_none() && call(over).is_none() => {
            let mut out = Mapping::with_capacity(b.len() + o.len());
            for (k, e) in b.iter() {
                let v = match o.get(k) {
                    Some(ov) => merge(&e.value, ov),
                    None => e.value.clone(),
                };
                let _ = out.insert(k.to_owned(), e.key_span, v);
            }
            for (k, e) in o.iter().filter(|(k, _)| b.get(k).is_none()) {
                let _ = out.insert(k.to_owned(), e.key_span, e.value.clone());
            }
            Node::new(base.span, NodeKind::Map(out))
        }
        (NodeKind::Seq(b), NodeKind::Seq(o)) => Node::new(
            base.span,
            NodeKind::Seq(b.iter().chain(o).cloned().collect()),
        ),
        _ => over.clone(),
    }
}
