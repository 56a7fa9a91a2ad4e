//! rain's older module directive: a resource whose `Type` is `!Rain::Module path` (or `$package/path`, a
//! module in a folder named in `Rain: {Packages}`) is a module use, the same
//! as a `Modules:` entry of that name with the resource's `Properties` and `Overrides`. Resources of such a
//! module marked `Metadata: {Rain: {IfParam: P}}` (or `IfNotParam`) exist only when parameter `P` has (or
//! has not) a value.
//!
//! It only moves declarations and filters resources; expansion is the same as for `Modules:`.

use indexmap::IndexMap;

use crate::source::{Mapping, Node, NodeKind};

/// `root` with every `Type: !Rain::Module` resource moved from `Resources` into `Modules`. `None` when there
/// is none.
pub(super) fn lift(root: &Mapping) -> Option<Mapping> {
    let resources = root.get("Resources")?.as_map()?;
    let is_module = |n: &Node| source(n).is_some();
    if !resources.iter().any(|(_, e)| is_module(&e.value)) {
        return None;
    }
    let mut kept = Mapping::with_capacity(resources.len());
    let mut modules = root
        .get("Modules")
        .and_then(Node::as_map)
        .cloned()
        .unwrap_or_default();
    for (k, e) in resources.iter() {
        if !is_module(&e.value) {
            let _ = kept.insert(k.to_owned(), e.key_span, e.value.clone());
            continue;
        }
        let mut decl = Mapping::new();
        for (attr, x) in e.value.as_map().into_iter().flat_map(Mapping::iter) {
            let value = match attr {
                "Type" => (
                    "Source",
                    source(&e.value).cloned().unwrap_or_else(|| x.value.clone()),
                ),
                _ => (attr, x.value.clone()),
            };
            let _ = decl.insert(value.0.to_owned(), x.key_span, value.1);
        }
        let _ = modules.insert(
            k.to_owned(),
            e.key_span,
            Node::new(e.value.span, NodeKind::Map(decl)),
        );
    }
    let mut out = Mapping::with_capacity(root.len() + 1);
    for (k, e) in root.iter().filter(|(k, _)| *k != "Modules") {
        let v = if k == "Resources" {
            Node::new(e.value.span, NodeKind::Map(kept.clone()))
        } else {
            e.value.clone()
        };
        let _ = out.insert(k.to_owned(), e.key_span, v);
    }
    let span = root
        .get_entry("Resources")
        .map(|e| e.key_span)
        .unwrap_or_default();
    let _ = out.insert(
        "Modules".to_owned(),
        span,
        Node::new(span, NodeKind::Map(modules)),
    );
    Some(out)
}

/// The module path of a resource whose `Type` is `!Rain::Module path`, or `$package/path` (a module in one
/// of rain's package folders).
fn source(resource: &Node) -> Option<&Node> {
    let t = resource.as_map()?.get("Type")?;
    match t.as_str() {
        Some(s) if s.starts_with('$') && s.contains('/') => Some(t),
        Some(_) => None,
        None => t.as_map()?.get("Rain::Module"),
    }
}

/// False when the resource's `Metadata.Rain.IfParam` names a parameter without a value (or `IfNotParam` one
/// with a value). The markers are removed from the resource.
pub(super) fn if_param(resource: &mut Node, params: &IndexMap<String, Option<Node>>) -> bool {
    let rain = resource
        .as_map()
        .and_then(|m| m.get("Metadata"))
        .and_then(Node::as_map)
        .and_then(|m| m.get("Rain"))
        .and_then(Node::as_map);
    let Some(rain) = rain else {
        return true;
    };
    let has = |key: &str| {
        rain.get(key)
            .and_then(Node::as_str)
            .map(|p| params.get(p).is_some_and(Option::is_some))
    };
    let keep = has("IfParam").unwrap_or(true) && !has("IfNotParam").unwrap_or(false);
    if rain.get("IfParam").is_none() && rain.get("IfNotParam").is_none() {
        return keep;
    }
    *resource = without_markers(resource);
    keep
}

fn without_markers(resource: &Node) -> Node {
    let filter =
        |m: &Mapping, skip: &dyn Fn(&str, &Node) -> bool, map: &dyn Fn(&str, &Node) -> Node| {
            let mut out = Mapping::with_capacity(m.len());
            for (k, e) in m.iter().filter(|(k, e)| !skip(k, &e.value)) {
                let _ = out.insert(k.to_owned(), e.key_span, map(k, &e.value));
            }
            out
        };
    let empty = |n: &Node| n.as_map().is_some_and(Mapping::is_empty);
    let Some(m) = resource.as_map() else {
        return resource.clone();
    };
    let rain = |n: &Node| match n.as_map() {
        Some(r) => Node::new(
            n.span,
            NodeKind::Map(filter(
                r,
                &|k, _| k == "IfParam" || k == "IfNotParam",
                &|_, v| v.clone(),
            )),
        ),
        None => n.clone(),
    };
    let metadata = |n: &Node| match n.as_map() {
        Some(md) => Node::new(
            n.span,
            NodeKind::Map(filter(
                md,
                &|k, v| k == "Rain" && empty(&rain(v)),
                &|k, v| {
                    if k == "Rain" { rain(v) } else { v.clone() }
                },
            )),
        ),
        None => n.clone(),
    };
    let out = filter(
        m,
        &|k, v| k == "Metadata" && empty(&metadata(v)),
        &|k, v| {
            if k == "Metadata" {
                metadata(v)
            } else {
                v.clone()
            }
        },
    );
    Node::new(resource.span, NodeKind::Map(out))
}

/// The name and definition of a module resource: `{module}{name}`, except rain's `ModuleExtension...`
/// resources, which take the module's own name (with the rest of theirs) and the type their
/// `Metadata.Extends` gives.
pub(super) fn extension(module: &str, name: &str, node: Node) -> (String, Node) {
    let Some(rest) = name.strip_prefix("ModuleExtension") else {
        return (format!("{module}{name}"), node);
    };
    let Some(m) = node.as_map() else {
        return (format!("{module}{rest}"), node);
    };
    let extends = m
        .get("Metadata")
        .and_then(Node::as_map)
        .and_then(|md| md.get_entry("Extends"));
    let mut out = Mapping::with_capacity(m.len() + 1);
    if let Some(e) = extends {
        let _ = out.insert("Type".to_owned(), e.key_span, e.value.clone());
    }
    for (k, e) in m.iter() {
        let value = match (k, e.value.as_map()) {
            ("Metadata", Some(md)) => {
                let mut kept = Mapping::with_capacity(md.len());
                for (mk, me) in md.iter().filter(|(mk, _)| *mk != "Extends") {
                    let _ = kept.insert(mk.to_owned(), me.key_span, me.value.clone());
                }
                if kept.is_empty() {
                    continue;
                }
                Node::new(e.value.span, NodeKind::Map(kept))
            }
            _ => e.value.clone(),
        };
        let _ = out.insert(k.to_owned(), e.key_span, value);
    }
    (
        format!("{module}{rest}"),
        Node::new(node.span, NodeKind::Map(out)),
    )
}
