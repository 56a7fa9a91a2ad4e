//! Reading a `Modules:` section into module uses: one per plain declaration, one per item of a
//! declaration's `ForEach` (instances `Name0`, `Name1`, ... with `$Identifier` and `$Index` put in place) or
//! of a `Fn::ForEach::Loop` entry (names from the key, `${Id}` and `&{Id}` put in place). Each loop is
//! remembered as a group, so `Name[0]`, `Name[key]` and `Name[]` can name its instances.
//!
//! It never loads a module file: `instance.rs` does, per use.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::source::{Diagnostic, Mapping, Node, NodeKind, Span};
use crate::transform::codes;

use super::files::Found;

/// One module file on the way from the template to a use: cycles and depth are checked against it.
#[derive(Clone, Debug)]
pub(super) struct Link {
    pub real: PathBuf,
    pub shown: String,
}

/// One use of a module, its declaration already in the namespace of the top-level template.
#[derive(Clone, Debug)]
pub(super) struct Use {
    pub name: String,
    pub key_span: Span,
    pub decl: Node,
    /// The folder of the file that declares it.
    pub dir: Found,
    pub chain: Vec<Link>,
}

/// Loops over modules: group name -> (identifier, instance name) in order.
pub(super) type Groups = HashMap<String, Vec<(String, String)>>;

/// The uses declared by `section`. `parameters` are the top-level template's, for a `ForEach` over
/// `!Ref Parameter` (its default).
pub(super) fn read(
    section: &Mapping,
    dir: &Found,
    chain: &[Link],
    parameters: Option<&Mapping>,
    groups: &mut Groups,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Use> {
    let mut out = Vec::new();
    let one = |name: String, key_span: Span, decl: Node| Use {
        name,
        key_span,
        decl,
        dir: dir.clone(),
        chain: chain.to_vec(),
    };
    for (key, e) in section.iter() {
        if let Some(group) = key.strip_prefix("Fn::ForEach::") {
            let Some((id, items, template, decl)) = for_each_layout(&e.value, parameters, errors)
            else {
                continue;
            };
            let mut members = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let alnum: String = item.chars().filter(char::is_ascii_alphanumeric).collect();
                let pairs = [
                    (format!("${{{id}}}"), item.clone()),
                    (format!("&{{{id}}}"), alnum),
                ];
                let mut name = replace(template.0, &pairs);
                if name == template.0 {
                    name = format!("{name}{i}");
                }
                members.push((item.clone(), name.clone()));
                out.push(one(name, template.1, replace_in(decl, &pairs)));
            }
            groups.insert(group.to_owned(), members);
            continue;
        }
        let Some(m) = e.value.as_map() else {
            errors.push(Diagnostic::error(
                codes::MODULE_LAYOUT,
                e.value.span,
                format!(
                    "module `{key}` must be a mapping with a `Source`, found {}",
                    e.value.describe()
                ),
            ));
            continue;
        };
        let Some(coll) = m.get("ForEach") else {
            out.push(one(key.to_owned(), e.key_span, e.value.clone()));
            continue;
        };
        let Some(items) = collection(coll, parameters, errors) else {
            continue;
        };
        let mut rest = Mapping::with_capacity(m.len());
        for (k, x) in m.iter().filter(|(k, _)| *k != "ForEach") {
            let _ = rest.insert(k.to_owned(), x.key_span, x.value.clone());
        }
        let rest = Node::new(e.value.span, NodeKind::Map(rest));
        let mut members = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let name = format!("{key}{i}");
            let pairs = [
                ("$Identifier".to_owned(), item.clone()),
                ("$Index".to_owned(), i.to_string()),
            ];
            members.push((item.clone(), name.clone()));
            out.push(one(name, e.key_span, replace_in(&rest, &pairs)));
        }
        groups.insert(key.to_owned(), members);
    }
    out
}

type LoopParts<'a> = (&'a str, Vec<String>, (&'a str, Span), &'a Node);

fn for_each_layout<'a>(
    node: &'a Node,
    parameters: Option<&Mapping>,
    errors: &mut Vec<Diagnostic>,
) -> Option<LoopParts<'a>> {
    let parts = match node.as_seq() {
        Some([id, coll, body]) => id.as_str().zip(body.as_map()).and_then(|(id, body)| {
            let (k, e) = body.single()?;
            Some((id, coll, (k, e.key_span), &e.value))
        }),
        _ => None,
    };
    let Some((id, coll, template, decl)) = parts else {
        errors.push(
            Diagnostic::error(
                codes::MODULE_FOREACH,
                node.span,
                "a `Fn::ForEach` over modules takes an identifier, a collection and one module declaration",
            )
            .with_help("write `Fn::ForEach::Name: [Id, [a, b], {Module${Id}: {Source: ...}}]`"),
        );
        return None;
    };
    let items = collection(coll, parameters, errors)?;
    Some((id, items, template, decl))
}

/// The items of a module loop: a list, a comma-separated string, or `!Ref` to a top-level parameter with a
/// default.
fn collection(
    node: &Node,
    parameters: Option<&Mapping>,
    errors: &mut Vec<Diagnostic>,
) -> Option<Vec<String>> {
    let resolved = match crate::transform::nodes::call(node) {
        Some(("Ref", arg)) => arg
            .as_str()
            .and_then(|p| parameters?.get(p)?.as_map()?.get("Default")),
        _ => Some(node),
    };
    let items = resolved.and_then(|n| match &n.kind {
        NodeKind::Seq(items) => items
            .iter()
            .map(|i| i.scalar_text().map(|t| t.into_owned()))
            .collect(),
        NodeKind::String(s) => Some(s.split(',').map(|s| s.trim().to_owned()).collect()),
        _ => None,
    });
    if items.is_none() {
        errors.push(
            Diagnostic::error(
                codes::MODULE_FOREACH,
                node.span,
                format!(
                    "a module `ForEach` needs a list of names, found {}",
                    node.describe()
                ),
            )
            .with_help(
                "give a list, a comma-separated string, or `!Ref` a parameter that has a default",
            ),
        );
    }
    items
}

fn replace(text: &str, pairs: &[(String, String)]) -> String {
    let mut s = text.to_owned();
    for (from, to) in pairs {
        if s.contains(from.as_str()) {
            s = s.replace(from.as_str(), to);
        }
    }
    s
}

/// A copy of `node` with every string (keys too) rewritten by `pairs`.
fn replace_in(node: &Node, pairs: &[(String, String)]) -> Node {
    let kind = match &node.kind {
        NodeKind::String(s) => NodeKind::String(replace(s, pairs)),
        NodeKind::Seq(items) => NodeKind::Seq(items.iter().map(|i| replace_in(i, pairs)).collect()),
        NodeKind::Map(m) => {
            let mut out = Mapping::with_capacity(m.len());
            for (k, e) in m.iter() {
                let _ = out.insert(replace(k, pairs), e.key_span, replace_in(&e.value, pairs));
            }
            NodeKind::Map(out)
        }
        other => other.clone(),
    };
    Node::new(node.span, kind)
}
