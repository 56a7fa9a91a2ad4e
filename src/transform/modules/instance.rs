//! Expanding one module use: load the module file, bind its parameters, move its content into the using
//! template's namespace (`rewrite.rs`), fold what became known (`fold.rs`), apply the use's `Overrides`, and
//! hand back the resources, conditions, mappings, outputs and inner module uses it produced.
//!
//! It never touches the using template: `mod.rs` merges the result and resolves references to outputs.

use indexmap::IndexMap;

use crate::source::{Diagnostic, Mapping, Node, NodeKind, SourceMap, Span, suggest};
use crate::transform::codes;
use crate::transform::nodes::string;

use super::bind::bind;
use super::files::Files;
use super::fold::{Conditions, reduce};
use super::overrides::{self, Moved};
use super::rewrite::{self, Locals, Scope};
use super::uses::{self, Groups, Link, Use};

/// How deep modules may nest.
pub(super) const MAX_DEPTH: usize = 16;

const DECLARATION_KEYS: &[&str] = &[
    "Source",
    "Properties",
    "Overrides",
    "Condition",
    "DependsOn",
];

/// What one module use adds to the template.
#[derive(Default)]
pub(super) struct Expansion {
    pub resources: Vec<Moved>,
    pub conditions: Vec<(String, Span, Node)>,
    pub mappings: Vec<(String, Span, Node)>,
    pub outputs: IndexMap<String, Node>,
    pub uses: Vec<Use>,
    pub transforms: Vec<Node>,
}

/// Expands use `u`. `parameters` are the top-level template's (for loops over `!Ref Parameter`).
pub(super) fn expand(
    u: &Use,
    files: &mut Files,
    sources: &mut SourceMap,
    parameters: Option<&Mapping>,
    globals: &IndexMap<String, Node>,
    groups: &mut Groups,
) -> Result<Expansion, Vec<Diagnostic>> {
    let used_here =
        |d: Diagnostic| d.with_label(u.key_span, format!("module `{}` used here", u.name));
    let decl = declaration(u).map_err(|d| vec![*d])?;
    let (source, source_span) = decl.source;
    let found = files
        .resolve(&u.dir, source, source_span)
        .map_err(|d| vec![*d])?;
    if let Some(at) = u.chain.iter().position(|l| l.real == found.key()) {
        let mut names: Vec<&str> = u.chain[at..].iter().map(|l| l.shown.as_str()).collect();
        let shown = found.shown.display().to_string();
        names.push(&shown);
        return Err(vec![Diagnostic::error(
            codes::MODULE_CYCLE,
            source_span,
            format!("module `{}` uses itself: {}", u.name, names.join(" -> ")),
        )]);
    }
    if u.chain.len() > MAX_DEPTH {
        let names: Vec<&str> = u.chain.iter().map(|l| l.shown.as_str()).collect();
        return Err(vec![Diagnostic::error(
            codes::MODULE_TOO_DEEP,
            source_span,
            format!(
                "modules nest more than {MAX_DEPTH} deep: {}",
                names.join(" -> ")
            ),
        )]);
    }
    // A snippet takes the use's Properties as its inputs; a module file binds them to its Parameters.
    let snippet = found.real.extension().is_some_and(|e| e == "j2");
    let loaded = if snippet {
        let none = Mapping::new();
        files.snippet(
            &found,
            decl.properties.unwrap_or(&none),
            source_span,
            sources,
        )
    } else {
        files.module(&found, sources)
    };
    let doc = loaded.map_err(|ds| ds.into_iter().map(used_here).collect::<Vec<_>>())?;
    let properties = if snippet { None } else { decl.properties };
    let Some(root) = doc.root.as_map() else {
        return Err(vec![used_here(Diagnostic::error(
            codes::MODULE_LAYOUT,
            doc.root.span,
            "a module must be a mapping of sections",
        ))]);
    };
    let lifted = super::legacy::lift(root);
    let root = lifted.as_ref().unwrap_or(root);
    let section = |name: &str| root.get(name).and_then(Node::as_map);
    let mut errors = Vec::new();
    let params = bind(&u.name, section("Parameters"), properties, &mut errors);
    let dir = found.dir();
    let (constants, errs) = rewrite::all_constants(root, globals, &dir, files);
    errors.extend(errs);
    let locals = locals(root);
    let mut scope = Scope {
        prefix: &u.name,
        params: &params,
        constants: &constants,
        locals: &locals,
        dir: &dir,
        files,
        errors: Vec::new(),
    };
    let prefixed = |k: &str| format!("{}{k}", u.name);
    let mut resources: Vec<Moved> = section("Resources")
        .map(|m| {
            m.iter()
                .map(|(k, e)| match k.strip_prefix("Fn::ForEach::") {
                    Some(group) => Moved {
                        local: k.to_owned(),
                        name: format!("Fn::ForEach::{}", prefixed(group)),
                        key_span: e.key_span,
                        node: for_each(&mut scope, &e.value, |s, n| s.resource(n)),
                    },
                    None => {
                        let (name, node) =
                            super::legacy::extension(&u.name, k, scope.resource(&e.value));
                        Moved {
                            local: k.to_owned(),
                            name,
                            key_span: e.key_span,
                            node,
                        }
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let conditions: Vec<(String, Span, Node)> = section("Conditions")
        .map(|m| {
            m.iter()
                .map(|(k, e)| (prefixed(k), e.key_span, scope.value(&e.value)))
                .collect()
        })
        .unwrap_or_default();
    let outputs: Vec<(String, Node)> = section("Outputs")
        .map(|m| {
            m.iter()
                .filter_map(|(k, e)| {
                    Some((k.to_owned(), scope.value(e.value.as_map()?.get("Value")?)))
                })
                .collect()
        })
        .unwrap_or_default();
    let inner = section("Modules").map(|m| inner_modules(&mut scope, m));
    errors.append(&mut scope.errors);

    resources.retain_mut(|r| super::legacy::if_param(&mut r.node, &params));
    let mut conds = Conditions::new(conditions.iter().map(|(k, _, v)| (k.as_str(), v)));
    let mut out = Expansion::default();
    resources.retain_mut(|r| fold_resource(&mut conds, r));
    out.outputs = outputs
        .into_iter()
        .filter_map(|(k, v)| Some((k, conds.fold(&v, 0)?)))
        .collect();
    for (k, s, v) in &conditions {
        if conds.get(k).is_none() {
            out.conditions.push((k.clone(), *s, reduce(&mut conds, v)));
        }
    }
    let inner = inner.map(|m| fold_declarations(&mut conds, &m));
    if let Some(o) = decl.overrides {
        let declared = section("Resources")
            .map(|m| m.keys().collect::<Vec<_>>())
            .unwrap_or_default();
        let written = overrides::Written {
            resources: section("Resources"),
            properties,
        };
        overrides::apply(
            &u.name,
            o,
            &mut resources,
            declared.iter().copied(),
            &written,
            &mut errors,
        );
    }
    for r in &mut resources {
        attach(r, decl.condition, decl.depends_on);
    }
    out.resources = resources;
    out.mappings = section("Mappings")
        .map(|m| {
            m.iter()
                .map(|(k, e)| (prefixed(k), e.key_span, e.value.clone()))
                .collect()
        })
        .unwrap_or_default();
    if let Some(m) = inner.as_ref().and_then(Node::as_map) {
        let mut chain = u.chain.clone();
        chain.push(Link {
            real: found.key(),
            shown: found.shown.display().to_string(),
        });
        out.uses = uses::read(m, &dir, &chain, parameters, groups, &mut errors);
    }
    out.transforms = match root.get("Transform") {
        Some(t) => match &t.kind {
            NodeKind::Seq(items) => items.clone(),
            _ => vec![t.clone()],
        },
        None => Vec::new(),
    };
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors
            .into_iter()
            .map(|d| {
                if d.span.file == source_span.file {
                    d
                } else {
                    used_here(d)
                }
            })
            .collect())
    }
}

struct Declaration<'a> {
    source: (&'a str, Span),
    properties: Option<&'a Mapping>,
    overrides: Option<&'a Node>,
    condition: Option<&'a Node>,
    depends_on: Option<&'a Node>,
}

fn declaration(u: &Use) -> Result<Declaration<'_>, Box<Diagnostic>> {
    let Some(m) = u.decl.as_map() else {
        return Err(Box::new(Diagnostic::error(
            codes::MODULE_LAYOUT,
            u.decl.span,
            format!(
                "module `{}` must be a mapping with a `Source`, found {}",
                u.name,
                u.decl.describe()
            ),
        )));
    };
    if let Some((k, e)) = m.iter().find(|(k, _)| !DECLARATION_KEYS.contains(k)) {
        return Err(Box::new(
            Diagnostic::error(
                codes::MODULE_LAYOUT,
                e.key_span,
                format!("unknown key `{k}` in module `{}`", u.name),
            )
            .with_help_opt(suggest(k, DECLARATION_KEYS.iter().copied())),
        ));
    }
    let source = match m.get_entry("Source") {
        Some(e) => match e.value.as_str() {
            Some(s) => (s, e.value.span),
            None => {
                return Err(Box::new(Diagnostic::error(
                    codes::MODULE_LAYOUT,
                    e.value.span,
                    format!("a module `Source` is a path, found {}", e.value.describe()),
                )));
            }
        },
        None => {
            return Err(Box::new(
                Diagnostic::error(
                    codes::MODULE_LAYOUT,
                    u.key_span,
                    format!("module `{}` has no `Source`", u.name),
                )
                .with_help("add `Source: ./modules/name.yaml`"),
            ));
        }
    };
    let properties = match m.get("Properties") {
        None => None,
        Some(p) => Some(p.as_map().ok_or_else(|| {
            Box::new(Diagnostic::error(
                codes::MODULE_LAYOUT,
                p.span,
                format!(
                    "module `Properties` must be a mapping, found {}",
                    p.describe()
                ),
            ))
        })?),
    };
    Ok(Declaration {
        source,
        properties,
        overrides: m.get("Overrides"),
        condition: m.get("Condition"),
        depends_on: m.get("DependsOn"),
    })
}

fn locals(root: &Mapping) -> Locals {
    let keys = |name: &str| -> std::collections::HashSet<String> {
        root.get(name)
            .and_then(Node::as_map)
            .map(|m| {
                m.keys()
                    .map(|k| k.strip_prefix("Fn::ForEach::").unwrap_or(k).to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    Locals {
        resources: keys("Resources"),
        conditions: keys("Conditions"),
        mappings: keys("Mappings"),
        modules: keys("Modules"),
    }
}

/// The module's own `Modules:` section, moved: names prefixed, values rewritten. `Overrides` keys name the
/// inner module's resources and stay; their values are this module's.
fn inner_modules(scope: &mut Scope<'_>, m: &Mapping) -> Node {
    let mut out = Mapping::with_capacity(m.len());
    for (k, e) in m.iter() {
        let (key, value) = match k.strip_prefix("Fn::ForEach::") {
            Some(group) => (
                format!("Fn::ForEach::{}{group}", scope.prefix),
                for_each(scope, &e.value, declaration_value),
            ),
            None => (
                format!("{}{k}", scope.prefix),
                declaration_value(scope, &e.value),
            ),
        };
        let _ = out.insert(key, e.key_span, value);
    }
    Node::new(Span::default(), NodeKind::Map(out))
}

/// A `Fn::ForEach` loop of the module (over inner modules, or resources): its collection and body moved,
/// the output key prefixed.
fn for_each(
    scope: &mut Scope<'_>,
    node: &Node,
    body_value: fn(&mut Scope<'_>, &Node) -> Node,
) -> Node {
    let Some([id, coll, body]) = node.as_seq() else {
        return node.clone();
    };
    let mut b = Mapping::new();
    if let Some(m) = body.as_map() {
        for (k, e) in m.iter() {
            let (name, value) =
                super::legacy::extension(scope.prefix, k, body_value(scope, &e.value));
            let _ = b.insert(name, e.key_span, value);
        }
    }
    let items = vec![
        id.clone(),
        scope.value(coll),
        Node::new(body.span, NodeKind::Map(b)),
    ];
    Node::new(node.span, NodeKind::Seq(items))
}

fn declaration_value(scope: &mut Scope<'_>, node: &Node) -> Node {
    let Some(m) = node.as_map() else {
        return node.clone();
    };
    let mut out = Mapping::with_capacity(m.len());
    for (k, e) in m.iter() {
        let v = match k {
            "Source" => e.value.clone(),
            "Condition" => match e.value.as_str() {
                Some(c) => string(e.value.span, scope.condition(c)),
                None => scope.value(&e.value),
            },
            "DependsOn" => scope.depends_on(&e.value),
            "Overrides" => match e.value.as_map() {
                Some(o) => {
                    let mut ov = Mapping::with_capacity(o.len());
                    for (r, x) in o.iter() {
                        let _ = ov.insert(r.to_owned(), x.key_span, scope.resource(&x.value));
                    }
                    Node::new(e.value.span, NodeKind::Map(ov))
                }
                None => e.value.clone(),
            },
            _ => scope.value(&e.value),
        };
        let _ = out.insert(k.to_owned(), e.key_span, v);
    }
    Node::new(node.span, NodeKind::Map(out))
}

/// Folds a moved resource; `false` when its condition is known false (the resource goes away).
fn fold_resource(conds: &mut Conditions<'_>, r: &mut Moved) -> bool {
    let Some(m) = r.node.as_map() else {
        return true;
    };
    let known = m
        .get("Condition")
        .and_then(Node::as_str)
        .map(|c| conds.get(c));
    if known == Some(Some(false)) {
        return false;
    }
    let mut out = Mapping::with_capacity(m.len());
    for (k, e) in m.iter() {
        if k == "Condition" && known == Some(Some(true)) {
            continue;
        }
        if let Some(v) = conds.fold(&e.value, 0) {
            let _ = out.insert(k.to_owned(), e.key_span, v);
        }
    }
    r.node = Node::new(r.node.span, NodeKind::Map(out));
    true
}

/// Inner module declarations with their conditions folded: a false one is dropped, a true one loses it.
fn fold_declarations(conds: &mut Conditions<'_>, section: &Node) -> Node {
    let Some(m) = section.as_map() else {
        return section.clone();
    };
    let mut out = Mapping::with_capacity(m.len());
    for (k, e) in m.iter() {
        let mut moved = Moved {
            local: k.to_owned(),
            name: k.to_owned(),
            key_span: e.key_span,
            node: e.value.clone(),
        };
        let keep = if k.starts_with("Fn::ForEach::") {
            true
        } else {
            fold_resource(conds, &mut moved)
        };
        if keep {
            let _ = out.insert(k.to_owned(), e.key_span, moved.node);
        }
    }
    Node::new(section.span, NodeKind::Map(out))
}

/// A condition or `DependsOn` written on the module use applies to each of its resources.
fn attach(r: &mut Moved, condition: Option<&Node>, depends_on: Option<&Node>) {
    let Some(m) = r.node.as_map() else {
        return;
    };
    if condition.is_none() && depends_on.is_none() {
        return;
    }
    let mut out = m.clone();
    if let Some(c) = condition
        && out.get("Condition").is_none()
    {
        let _ = out.insert("Condition".to_owned(), c.span, c.clone());
    }
    if let Some(d) = depends_on {
        let merged = match out.get("DependsOn") {
            Some(old) => overrides::merge(&as_list(old), &as_list(d)),
            None => d.clone(),
        };
        let mut rebuilt = Mapping::with_capacity(out.len() + 1);
        for (k, e) in out.iter().filter(|(k, _)| *k != "DependsOn") {
            let _ = rebuilt.insert(k.to_owned(), e.key_span, e.value.clone());
        }
        let _ = rebuilt.insert("DependsOn".to_owned(), d.span, merged);
        out = rebuilt;
    }
    r.node = Node::new(r.node.span, NodeKind::Map(out));
}

fn as_list(n: &Node) -> Node {
    match n.kind {
        NodeKind::Seq(_) => n.clone(),
        _ => Node::new(n.span, NodeKind::Seq(vec![n.clone()])),
    }
}
