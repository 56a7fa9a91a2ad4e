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

/// Applies `overrides` (the `Overrides` of a module use) to `resources`. `declared` are the module's own
/// resource names, so an override of a resource folded away by a false condition is no error.
pub(super) fn apply<'a>(
    module: &str,
    overrides: &Node,
    resources: &mut [Moved],
    declared: impl Iterator<Item = &'a str> + Clone,
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
            Some(r) => r.node = merge(&r.node, &e.value),
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
