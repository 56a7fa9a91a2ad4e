//! Modules: the `Modules:` section (the form rain and the aws cli's `cloudformation package` share). A
//! module is a template file with `Parameters`, `Conditions`, `Mappings`, `Resources`, `Outputs` and its
//! own `Modules`; each use of it (`Name: {Source, Properties, Overrides}`) inserts its resources under the
//! use's name as a prefix, with parameters bound from `Properties`, what became known folded, `Overrides`
//! deep-merged, and references to its outputs from the rest of the template resolved. Loops over modules
//! (`ForEach:` on a declaration, `Fn::ForEach::Name` in the section), `Constants`, `Fn::InsertFile`,
//! `Fn::Merge` and `Fn::Invoke` work as in rain.
//!
//! rain's older form (`Type: !Rain::Module path`, `Rain: {Constants, Packages}`) is read by `legacy.rs`,
//! module packages (zip archives) by `zip.rs`.
//!
//! What this module owns: the driver (a queue of module uses, inner modules queued with their names already
//! prefixed, so the expansion is iterative and nesting is bounded by the chain of files, not the stack) and
//! the merge into the template. Each step has its own file. It runs before CloudFormation's transforms and
//! never evaluates anything that depends on the stack.

mod bind;
mod files;
mod fold;
mod instance;
mod legacy;
mod overrides;
mod resolve;
mod rewrite;
mod sub_text;
mod uses;
mod zip;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

use indexmap::IndexMap;

use crate::source::{Diagnostic, Document, Mapping, Node, NodeKind, SourceMap, Span};
use crate::transform::ProjectOptions;
use crate::transform::codes;

use files::{Files, Found};
use resolve::{Registered, Resolver};
use rewrite::{Locals, Scope};
use uses::{Groups, Link};

/// How many module uses one template may expand to (loops inside loops multiply).
const MAX_USES: usize = 10_000;

/// Sections of the using template that exist only for modules, dropped from the result.
const MODULE_SECTIONS: &[&str] = &["Modules", "Constants", "Packages", "Rain"];

/// Expands the modules `doc` uses. A document that uses none (no `Modules`, `Constants`, `Fn::InsertFile`
/// or `Fn::Invoke`) comes back unchanged.
pub(crate) fn expand(
    doc: Document,
    sources: &mut SourceMap,
    options: &ProjectOptions,
) -> Result<Document, Vec<Diagnostic>> {
    let Some(root) = doc.root.as_map() else {
        return Ok(doc);
    };
    let lifted = legacy::lift(root);
    let root = lifted.as_ref().unwrap_or(root);
    // The text is searched first: a tree walk of a large template costs more than a substring search.
    let text = &sources.file(doc.root.span.file).text;
    let may_use = ["InsertFile", "Invoke", "Rain::Embed"]
        .iter()
        .any(|f| text.contains(f));
    let uses_modules = MODULE_SECTIONS.iter().any(|s| root.get(s).is_some())
        || (may_use && uses_functions(&doc.root));
    if !uses_modules {
        return Ok(doc);
    }
    let mut files = Files::new(options);
    let shown = PathBuf::from(sources.name(doc.root.span.file));
    let real = shown.canonicalize().unwrap_or_else(|_| shown.clone());
    let top = Found::file(shown, real);
    let dir = top.dir();
    let mut errors = Vec::new();

    errors.extend(files.set_packages(root.get("Packages"), &dir));
    let rain_packages = root
        .get("Rain")
        .and_then(Node::as_map)
        .and_then(|m| m.get("Packages"));
    errors.extend(files.set_packages(rain_packages, &dir));
    // The template's own constants and inserted files.
    let (constants, errs) = rewrite::all_constants(root, &IndexMap::new(), &dir, &files);
    let globals = rewrite::global(&constants);
    errors.extend(errs);
    let (params, locals) = (IndexMap::new(), Locals::default());
    let mut scope = Scope {
        prefix: "",
        params: &params,
        constants: &constants,
        locals: &locals,
        dir: &dir,
        files: &files,
        errors: Vec::new(),
    };
    // Without constants or inserted files, the walk would copy the template unchanged.
    let walk = !constants.is_empty() || uses_functions(&doc.root);
    let mut sections: Vec<(String, Span, Node)> = root
        .iter()
        .filter(|(k, _)| *k != "Constants" && *k != "Rain")
        .map(|(k, e)| {
            let v = if walk {
                scope.value(&e.value)
            } else {
                e.value.clone()
            };
            (k.to_owned(), e.key_span, v)
        })
        .collect();
    errors.append(&mut scope.errors);

    // Every module use, inner ones queued after their parent.
    let parameters = root.get("Parameters").and_then(Node::as_map);
    let mut groups = Groups::new();
    let chain = [Link {
        real: top.key(),
        shown: top.shown.display().to_string(),
    }];
    let mut queue: VecDeque<_> = section(&sections, "Modules")
        .and_then(Node::as_map)
        .map(|m| uses::read(m, &dir, &chain, parameters, &mut groups, &mut errors))
        .unwrap_or_default()
        .into();
    let mut added = Added::default();
    let mut modules: HashMap<String, Registered> = HashMap::new();
    let mut expanded = 0usize;
    while let Some(u) = queue.pop_front() {
        expanded += 1;
        if expanded > MAX_USES {
            errors.push(
                Diagnostic::error(
                    codes::MODULE_TOO_DEEP,
                    u.key_span,
                    format!("modules expand to more than {MAX_USES} module uses"),
                )
                .with_help(
                    "loops over modules that use loops multiply: check the `ForEach` collections",
                ),
            );
            break;
        }
        match instance::expand(&u, &mut files, sources, parameters, &globals, &mut groups) {
            Ok(x) => {
                let names = x.resources.iter().map(|r| r.name.clone()).collect();
                added.resources.extend(
                    x.resources
                        .into_iter()
                        .map(|r| (r.name, r.key_span, r.node)),
                );
                added.conditions.extend(x.conditions);
                added.mappings.extend(x.mappings);
                added.transforms.extend(x.transforms);
                queue.extend(x.uses);
                modules.insert(
                    u.name.clone(),
                    Registered {
                        outputs: x.outputs,
                        resources: names,
                        used: u,
                    },
                );
            }
            Err(ds) => errors.extend(ds),
        }
    }

    sections.retain(|(k, _, _)| !MODULE_SECTIONS.contains(&k.as_str()));
    let modules_span = root
        .get_entry("Modules")
        .map_or(doc.root.span, |e| e.key_span);
    merge_section(
        &mut sections,
        "Resources",
        added.resources,
        modules_span,
        &mut errors,
    );
    merge_section(
        &mut sections,
        "Conditions",
        added.conditions,
        modules_span,
        &mut errors,
    );
    merge_section(
        &mut sections,
        "Mappings",
        added.mappings,
        modules_span,
        &mut errors,
    );
    merge_transforms(&mut sections, added.transforms, modules_span);

    let mut resolver = Resolver::new(&modules, &groups, &mut files, sources, parameters, &globals);
    let mut out = Mapping::with_capacity(sections.len());
    for (k, span, v) in sections {
        let v = if k == "Resources" {
            match v.as_map() {
                Some(m) => {
                    let mut r = Mapping::with_capacity(m.len());
                    for (name, e) in m.iter() {
                        let _ = r.insert(name.to_owned(), e.key_span, resolver.resource(&e.value));
                    }
                    Node::new(v.span, NodeKind::Map(r))
                }
                None => v,
            }
        } else {
            resolver.value(&v)
        };
        let _ = out.insert(k, span, v);
    }
    errors.append(&mut resolver.errors);
    if errors.is_empty() {
        Ok(Document {
            root: Node::new(doc.root.span, NodeKind::Map(out)),
        })
    } else {
        Err(errors)
    }
}

#[derive(Default)]
struct Added {
    resources: Vec<(String, Span, Node)>,
    conditions: Vec<(String, Span, Node)>,
    mappings: Vec<(String, Span, Node)>,
    transforms: Vec<Node>,
}

fn section<'s>(sections: &'s [(String, Span, Node)], name: &str) -> Option<&'s Node> {
    sections
        .iter()
        .find(|(k, _, _)| k == name)
        .map(|(_, _, v)| v)
}

/// Adds module entries to section `name` of the template (created when absent); a name the section has
/// already is an error.
fn merge_section(
    sections: &mut Vec<(String, Span, Node)>,
    name: &str,
    entries: Vec<(String, Span, Node)>,
    modules_span: Span,
    errors: &mut Vec<Diagnostic>,
) {
    if entries.is_empty() {
        return;
    }
    let at = match sections.iter().position(|(k, _, _)| k == name) {
        Some(i) => i,
        None => {
            sections.push((
                name.to_owned(),
                modules_span,
                Node::new(modules_span, NodeKind::Map(Mapping::new())),
            ));
            sections.len() - 1
        }
    };
    let old = &sections[at].2;
    let mut m = old.as_map().cloned().unwrap_or_default();
    for (k, span, v) in entries {
        if let Err(first) = m.insert(k.clone(), span, v) {
            errors.push(
                Diagnostic::error(
                    codes::MODULE_NAME_CONFLICT,
                    span,
                    format!("a module adds `{k}` to `{name}`, which has it already"),
                )
                .with_label(first, "already defined here"),
            );
        }
    }
    sections[at].2 = Node::new(old.span, NodeKind::Map(m));
}

/// The module files' `Transform` names join the template's, each once, in order.
fn merge_transforms(
    sections: &mut Vec<(String, Span, Node)>,
    extra: Vec<Node>,
    modules_span: Span,
) {
    if extra.is_empty() {
        return;
    }
    let mut all: Vec<Node> = match section(sections, "Transform") {
        Some(t) => match &t.kind {
            NodeKind::Seq(items) => items.clone(),
            _ => vec![t.clone()],
        },
        None => Vec::new(),
    };
    for t in extra {
        if !all
            .iter()
            .any(|a| a.as_str().is_some() && a.as_str() == t.as_str())
        {
            all.push(t);
        }
    }
    let node = match all.as_slice() {
        [one] => one.clone(),
        _ => Node::new(modules_span, NodeKind::Seq(all)),
    };
    match sections.iter_mut().find(|(k, _, _)| k == "Transform") {
        Some(slot) => slot.2 = Node::new(slot.2.span, node.kind),
        None => sections.insert(0, ("Transform".to_owned(), modules_span, node)),
    }
}

/// True when `Fn::InsertFile` or `Fn::Invoke` appears anywhere.
fn uses_functions(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Seq(items) => items.iter().any(uses_functions),
        NodeKind::Map(m) => m.iter().any(|(k, e)| {
            k == "Fn::InsertFile"
                || k == "Fn::Invoke"
                || k == "Rain::Embed"
                || uses_functions(&e.value)
        }),
        _ => false,
    }
}
