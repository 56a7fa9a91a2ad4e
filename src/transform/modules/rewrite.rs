//! The one walk that moves a module's content into the template using it: parameter references become the
//! values the module use gives, constants (`Constants:`, `!Ref Const::x`, `${Const::x}`, and rain's
//! `Rain: {Constants}` with `${Rain::x}` and `!Rain::Constant x`) are put in place, `Fn::InsertFile` (or
//! `!Rain::Embed`) reads its file, and names local to the module (resources, conditions, mappings, inner
//! modules) get the module's name as a prefix wherever they are referenced. The same walk with no prefix and
//! no parameters applies a template's own constants and inserted files.
//!
//! It never evaluates conditions or folds functions (`fold.rs` does), and never looks at other modules.

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::source::{Diagnostic, Mapping, Node, NodeKind};
use crate::transform::codes;
use crate::transform::nodes::{call, rebuild, string};

use super::files::{Files, Found};
use super::sub_text::{self, Var};

/// The names a module declares, renamed when referenced from inside it.
#[derive(Default)]
pub(super) struct Locals {
    pub resources: HashSet<String>,
    pub conditions: HashSet<String>,
    pub mappings: HashSet<String>,
    pub modules: HashSet<String>,
}

/// Everything the walk needs about the module being moved.
pub(super) struct Scope<'a> {
    pub prefix: &'a str,
    /// Parameter values; `None` for a parameter given no property and no default.
    pub params: &'a IndexMap<String, Option<Node>>,
    pub constants: &'a IndexMap<String, Node>,
    pub locals: &'a Locals,
    pub dir: &'a Found,
    pub files: &'a Files,
    pub errors: Vec<Diagnostic>,
}

impl Scope<'_> {
    fn local_name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// A resource or module reference (`Bucket`, `Sub`, `Sub[0]`), prefixed when it names a local one.
    pub fn target(&self, t: &str) -> String {
        let base = t.split('[').next().unwrap_or(t);
        if self.locals.resources.contains(base) || self.locals.modules.contains(base) {
            self.local_name(t)
        } else {
            t.to_owned()
        }
    }

    pub fn condition(&self, name: &str) -> String {
        if self.locals.conditions.contains(name) {
            self.local_name(name)
        } else {
            name.to_owned()
        }
    }

    /// A resource definition: `Condition` and `DependsOn` name local things; the rest is walked as values.
    pub fn resource(&mut self, node: &Node) -> Node {
        let Some(m) = node.as_map() else {
            return self.value(node);
        };
        let mut out = Mapping::with_capacity(m.len());
        for (k, e) in m.iter() {
            let v = match k {
                "Condition" => self.rename_scalar(&e.value, |s, n| s.condition(n)),
                "DependsOn" => self.depends_on(&e.value),
                _ => self.value(&e.value),
            };
            let _ = out.insert(k.to_owned(), e.key_span, v);
        }
        Node::new(node.span, NodeKind::Map(out))
    }

    pub fn depends_on(&mut self, node: &Node) -> Node {
        match &node.kind {
            NodeKind::Seq(items) => Node::new(
                node.span,
                NodeKind::Seq(
                    items
                        .iter()
                        .map(|i| self.rename_scalar(i, |s, n| s.target(n)))
                        .collect(),
                ),
            ),
            _ => self.rename_scalar(node, |s, n| s.target(n)),
        }
    }

    fn rename_scalar(&mut self, node: &Node, f: impl Fn(&Self, &str) -> String) -> Node {
        match node.as_str() {
            Some(n) => string(node.span, f(self, n)),
            None => self.value(node),
        }
    }

    /// Any value: properties, outputs, conditions, module properties.
    pub fn value(&mut self, node: &Node) -> Node {
        if let Some((name, arg)) = call(node) {
            return self.call(node, name, arg);
        }
        if let Some((name, e)) = node.as_map().and_then(Mapping::single) {
            match (name, e.value.as_str()) {
                ("Rain::Constant", Some(c)) => {
                    if let Some(v) = self.constants.get(&format!("Rain::{c}")) {
                        return v.clone();
                    }
                }
                ("Rain::Embed", _) => {
                    // rain embeds the file's text without its final line break.
                    let mut out = self.insert_file(node, &e.value);
                    if let NodeKind::String(t) = &mut out.kind {
                        let trimmed = t.trim_end_matches(['\n', '\r']).len();
                        t.truncate(trimmed);
                    }
                    return out;
                }
                _ => {}
            }
        }
        match &node.kind {
            NodeKind::Seq(items) => Node::new(
                node.span,
                NodeKind::Seq(items.iter().map(|i| self.value(i)).collect()),
            ),
            NodeKind::Map(m) => {
                let mut out = Mapping::with_capacity(m.len());
                for (k, e) in m.iter() {
                    let _ = out.insert(k.to_owned(), e.key_span, self.value(&e.value));
                }
                Node::new(node.span, NodeKind::Map(out))
            }
            _ => node.clone(),
        }
    }

    fn call(&mut self, node: &Node, name: &str, arg: &Node) -> Node {
        match name {
            "Ref" => match arg.as_str() {
                Some(n) => self.reference(node, n),
                None => rebuild(node, self.value(arg)),
            },
            "Condition" => rebuild(node, self.rename_scalar(arg, |s, n| s.condition(n))),
            "Fn::GetAtt" => rebuild(node, self.get_att(arg)),
            "Fn::If" => match arg.as_seq() {
                Some([c, rest @ ..]) => {
                    let mut items = vec![self.rename_scalar(c, |s, n| s.condition(n))];
                    items.extend(rest.iter().map(|i| self.value(i)));
                    rebuild(node, Node::new(arg.span, NodeKind::Seq(items)))
                }
                _ => rebuild(node, self.value(arg)),
            },
            "Fn::FindInMap" => match arg.as_seq() {
                Some([m, rest @ ..]) => {
                    let mut items = vec![self.rename_scalar(m, |s, n| {
                        if s.locals.mappings.contains(n) {
                            s.local_name(n)
                        } else {
                            n.to_owned()
                        }
                    })];
                    items.extend(rest.iter().map(|i| self.value(i)));
                    rebuild(node, Node::new(arg.span, NodeKind::Seq(items)))
                }
                _ => rebuild(node, self.value(arg)),
            },
            "Fn::Sub" => self.sub(node, arg),
            "Fn::InsertFile" => self.insert_file(node, arg),
            _ => rebuild(node, self.value(arg)),
        }
    }

    fn reference(&mut self, node: &Node, name: &str) -> Node {
        if let Some(v) = self.constants.get(name) {
            return v.clone();
        }
        match self.params.get(name) {
            Some(Some(v)) => v.clone(),
            Some(None) => {
                self.errors.push(missing(node, name));
                node.clone()
            }
            None => {
                let renamed = self.target(name);
                rebuild(node, string(node.span, renamed))
            }
        }
    }

    fn get_att(&mut self, arg: &Node) -> Node {
        match &arg.kind {
            NodeKind::String(s) => string(arg.span, self.target(s)),
            NodeKind::Seq(items) if !items.is_empty() => {
                let mut out = vec![self.rename_scalar(&items[0], |s, n| s.target(n))];
                out.extend(items[1..].iter().map(|i| self.value(i)));
                Node::new(arg.span, NodeKind::Seq(out))
            }
            _ => self.value(arg),
        }
    }

    /// True when variable `name` of a `Fn::Sub` is one this walk rewrites.
    fn touches(&self, name: &str) -> bool {
        if self.constants.contains_key(name) || self.params.contains_key(name) {
            return true;
        }
        let target = name.split_once('.').map_or(name, |(t, _)| t);
        self.target(target) != target
    }

    fn sub(&mut self, node: &Node, arg: &Node) -> Node {
        let text = match &arg.kind {
            NodeKind::String(s) => s.as_str(),
            NodeKind::Seq(items) => items.first().and_then(Node::as_str).unwrap_or_default(),
            _ => "",
        };
        if !sub_text::vars(text).iter().any(|v| self.touches(v)) {
            // Nothing to rewrite in the text: only the variable map may hold references.
            return match &arg.kind {
                NodeKind::Seq(_) => rebuild(node, self.value(arg)),
                _ => node.clone(),
            };
        }
        // The variable map's values belong to the module too; they are walked before the text.
        let (text_arg, map) = match &arg.kind {
            NodeKind::Seq(items) if items.len() == 2 => (&items[0], Some(&items[1])),
            _ => (arg, None),
        };
        let walked_map = map.map(|m| self.value(m));
        let rebuilt_arg = match walked_map {
            Some(m) => Node::new(arg.span, NodeKind::Seq(vec![text_arg.clone(), m])),
            None => arg.clone(),
        };
        let mut missing_names = Vec::new();
        let decide = |name: &str| -> Var {
            if let Some(v) = self.constants.get(name) {
                return sub_text::inline(v).map_or_else(|| Var::Bind(v.clone()), Var::Text);
            }
            match self.params.get(name) {
                Some(Some(v)) => {
                    sub_text::inline(v).map_or_else(|| Var::Bind(v.clone()), Var::Text)
                }
                Some(None) => {
                    missing_names.push(name.to_owned());
                    Var::Keep
                }
                None => {
                    let (target, attr) = match name.split_once('.') {
                        Some((t, a)) => (t, Some(a)),
                        None => (name, None),
                    };
                    let renamed = self.target(target);
                    if renamed == target {
                        return Var::Keep;
                    }
                    Var::Text(match attr {
                        Some(a) => format!("${{{renamed}.{a}}}"),
                        None => format!("${{{renamed}}}"),
                    })
                }
            }
        };
        let out = sub_text::rewrite_call(node, &rebuilt_arg, decide, Node::clone);
        for name in missing_names {
            self.errors.push(missing(node, &name));
        }
        out
    }

    fn insert_file(&mut self, node: &Node, arg: &Node) -> Node {
        let Some(path) = arg.as_str() else {
            self.errors.push(Diagnostic::error(
                codes::MODULE_FUNCTION,
                arg.span,
                format!(
                    "`Fn::InsertFile` takes a file path, found {}",
                    arg.describe()
                ),
            ));
            return node.clone();
        };
        let read = self
            .files
            .resolve(self.dir, path, arg.span)
            .and_then(|found| self.files.text(&found, arg.span));
        match read {
            Ok(text) => string(node.span, text),
            Err(d) => {
                self.errors.push(*d);
                node.clone()
            }
        }
    }
}

fn missing(node: &Node, name: &str) -> Diagnostic {
    Diagnostic::error(
        codes::MODULE_MISSING_PROPERTY,
        node.span,
        format!("module parameter `{name}` has no value"),
    )
    .with_help(format!(
        "give the module a property `{name}`, or the parameter a `Default`"
    ))
}

/// Resolves a constants section in order, each constant named `{prefix}{name}` (`Const::` for a
/// `Constants:` section, `Rain::` for rain's `Rain: {Constants: ...}`); a constant may use the ones before it
/// and those `inherited` (`${Const::x}` inside a string, `!Ref Const::x`, `!Sub`).
pub(super) fn constants(
    section: Option<&Node>,
    prefix: &str,
    inherited: &IndexMap<String, Node>,
    dir: &Found,
    files: &Files,
) -> (IndexMap<String, Node>, Vec<Diagnostic>) {
    let mut out: IndexMap<String, Node> = inherited.clone();
    let mut errors = Vec::new();
    let Some(m) = section.and_then(Node::as_map) else {
        return (out, errors);
    };
    let (params, locals) = (IndexMap::new(), Locals::default());
    for (k, e) in m.iter() {
        let value = match &e.value.kind {
            NodeKind::String(s) if s.contains("${") => {
                let (t, _, _) = sub_text::rewrite(s, None, |name| {
                    match out.get(name).and_then(sub_text::inline) {
                        Some(t) => Var::Text(t),
                        None => Var::Keep,
                    }
                });
                string(e.value.span, t)
            }
            _ => {
                let mut scope = Scope {
                    prefix: "",
                    params: &params,
                    constants: &out,
                    locals: &locals,
                    dir,
                    files,
                    errors: Vec::new(),
                };
                let v = scope.value(&e.value);
                errors.extend(scope.errors);
                v
            }
        };
        out.insert(format!("{prefix}{k}"), value);
    }
    (out, errors)
}

/// The constants of a template or module: its `Constants:` and rain's `Rain: {Constants: ...}`, after the
/// `inherited` ones (rain's constants reach into modules).
pub(super) fn all_constants(
    root: &Mapping,
    inherited: &IndexMap<String, Node>,
    dir: &Found,
    files: &Files,
) -> (IndexMap<String, Node>, Vec<Diagnostic>) {
    let rain = root
        .get("Rain")
        .and_then(Node::as_map)
        .and_then(|m| m.get("Constants"));
    let (with_rain, mut errors) = constants(rain, "Rain::", inherited, dir, files);
    let (all, more) = constants(root.get("Constants"), "Const::", &with_rain, dir, files);
    errors.extend(more);
    (all, errors)
}

/// The constants rain lets modules see: those named `Rain::x`.
pub(super) fn global(constants: &IndexMap<String, Node>) -> IndexMap<String, Node> {
    constants
        .iter()
        .filter(|(k, _)| k.starts_with("Rain::"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
