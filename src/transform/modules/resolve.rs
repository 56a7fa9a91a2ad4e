//! The last pass over the expanded template: references to module outputs (`!GetAtt Name.Output`,
//! `${Name.Output}` in `Fn::Sub`, `Name[0]`, `Name[key]` and `Name[]` for loops over modules) become the
//! output's value, `DependsOn` on a module becomes its resources, and `Fn::Invoke` runs a module with other
//! properties for one of its outputs.
//!
//! It never loads or moves modules itself, except for the throw-away expansion an `Fn::Invoke` asks for.

use std::collections::HashMap;

use indexmap::IndexMap;

use crate::source::{Diagnostic, Mapping, Node, NodeKind, SourceMap, suggest};
use crate::transform::codes;
use crate::transform::nodes::{call, rebuild, string};

use super::files::Files;
use super::instance;
use super::sub_text::{self, Var};
use super::uses::{Groups, Use};

/// An expanded module use, as the rest of the template sees it.
pub(super) struct Registered {
    pub outputs: IndexMap<String, Node>,
    pub resources: Vec<String>,
    pub used: Use,
}

/// How many output references may chain (an output naming another module's output, ...).
const MAX_CHAIN: usize = 64;

pub(super) struct Resolver<'a> {
    pub modules: &'a HashMap<String, Registered>,
    pub groups: &'a Groups,
    pub files: &'a mut Files,
    pub sources: &'a mut SourceMap,
    pub parameters: Option<&'a Mapping>,
    pub globals: &'a IndexMap<String, Node>,
    pub errors: Vec<Diagnostic>,
    depth: usize,
}

enum Target<'r> {
    One(&'r Registered),
    All(Vec<&'r Registered>),
}

impl<'a> Resolver<'a> {
    pub fn new(
        modules: &'a HashMap<String, Registered>,
        groups: &'a Groups,
        files: &'a mut Files,
        sources: &'a mut SourceMap,
        parameters: Option<&'a Mapping>,
        globals: &'a IndexMap<String, Node>,
    ) -> Resolver<'a> {
        Resolver {
            modules,
            groups,
            files,
            sources,
            parameters,
            globals,
            errors: Vec::new(),
            depth: 0,
        }
    }

    /// A resource: `DependsOn` entries that name a module become that module's resources.
    pub fn resource(&mut self, node: &Node) -> Node {
        let Some(m) = node.as_map() else {
            return self.value(node);
        };
        let mut out = Mapping::with_capacity(m.len());
        for (k, e) in m.iter() {
            let v = if k == "DependsOn" {
                self.depends_on(&e.value)
            } else {
                self.value(&e.value)
            };
            let _ = out.insert(k.to_owned(), e.key_span, v);
        }
        Node::new(node.span, NodeKind::Map(out))
    }

    fn depends_on(&self, node: &Node) -> Node {
        let names: Vec<&Node> = match &node.kind {
            NodeKind::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        if !names
            .iter()
            .any(|n| n.as_str().is_some_and(|s| self.modules.contains_key(s)))
        {
            return node.clone();
        }
        let mut out = Vec::new();
        for n in names {
            match n.as_str().and_then(|s| self.modules.get(s)) {
                Some(r) => out.extend(r.resources.iter().map(|name| string(n.span, name.clone()))),
                None => out.push(n.clone()),
            }
        }
        Node::new(node.span, NodeKind::Seq(out))
    }

    pub fn value(&mut self, node: &Node) -> Node {
        if let Some((name, arg)) = call(node) {
            return match name {
                "Fn::GetAtt" => self.get_att(node, arg),
                "Fn::Sub" => self.sub(node, arg),
                "Fn::Invoke" => self.invoke(node, arg),
                _ => rebuild(node, self.value(arg)),
            };
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

    /// The module (or modules) `target` names: `Name`, `Name[0]`, `Name[key]`, `Name[]`. `None` when it
    /// names no module (a resource, most often).
    fn target(&mut self, target: &str, at: &Node) -> Option<Target<'a>> {
        let modules = self.modules;
        let Some((base, index)) = target.strip_suffix(']').and_then(|t| t.split_once('[')) else {
            return modules.get(target).map(Target::One);
        };
        let members = self.groups.get(base)?;
        let by_name = |n: &String| modules.get(n);
        if index.is_empty() {
            return Some(Target::All(
                members.iter().filter_map(|(_, n)| by_name(n)).collect(),
            ));
        }
        let found = match index.parse::<usize>() {
            Ok(i) if i < members.len() => Some(&members[i].1),
            _ => members.iter().find(|(id, _)| id == index).map(|(_, n)| n),
        };
        match found.and_then(by_name) {
            Some(r) => Some(Target::One(r)),
            None => {
                self.errors.push(
                    Diagnostic::error(
                        codes::MODULE_UNKNOWN_OUTPUT,
                        at.span,
                        format!("module loop `{base}` has no instance `{index}`"),
                    )
                    .with_help_opt(suggest(index, members.iter().map(|(id, _)| id.as_str()))),
                );
                None
            }
        }
    }

    /// Output `name` of module `r`, its own references resolved.
    fn output(&mut self, r: &Registered, name: &str, at: &Node) -> Option<Node> {
        let Some(v) = r.outputs.get(name) else {
            self.errors.push(
                Diagnostic::error(
                    codes::MODULE_UNKNOWN_OUTPUT,
                    at.span,
                    format!("module `{}` has no output `{name}`", r.used.name),
                )
                .with_help_opt(suggest(name, r.outputs.keys().map(String::as_str))),
            );
            return None;
        };
        if self.depth >= MAX_CHAIN {
            self.errors.push(Diagnostic::error(
                codes::MODULE_CYCLE,
                at.span,
                format!(
                    "output `{name}` of module `{}` refers back to itself",
                    r.used.name
                ),
            ));
            return None;
        }
        self.depth += 1;
        let v = self.value(v);
        self.depth -= 1;
        Some(v)
    }

    fn get_att(&mut self, node: &Node, arg: &Node) -> Node {
        let parts = match &arg.kind {
            NodeKind::String(s) => s.split_once('.').map(|(t, a)| (t.to_owned(), a.to_owned())),
            NodeKind::Seq(items) if items.len() == 2 => items[0]
                .as_str()
                .zip(items[1].as_str())
                .map(|(t, a)| (t.to_owned(), a.to_owned())),
            _ => None,
        };
        let Some((t, a)) = parts else {
            return rebuild(node, self.value(arg));
        };
        match self.target(&t, node) {
            None => node.clone(),
            Some(Target::One(r)) => self.output(r, &a, node).unwrap_or_else(|| node.clone()),
            Some(Target::All(rs)) => {
                let items = rs
                    .into_iter()
                    .filter_map(|r| self.output(r, &a, node))
                    .collect();
                Node::new(node.span, NodeKind::Seq(items))
            }
        }
    }

    fn sub(&mut self, node: &Node, arg: &Node) -> Node {
        let text = match &arg.kind {
            NodeKind::String(s) => s.as_str(),
            NodeKind::Seq(items) => items.first().and_then(Node::as_str).unwrap_or_default(),
            _ => "",
        };
        let mut found: HashMap<String, Node> = HashMap::new();
        for var in sub_text::vars(text) {
            let Some((t, a)) = var.split_once('.') else {
                continue;
            };
            if let Some(Target::One(r)) = self.target(t, node)
                && let Some(v) = self.output(r, a, node)
            {
                found.insert(var.to_owned(), v);
            }
        }
        if found.is_empty() {
            // No module output in the text: only the variable map may hold references.
            return match &arg.kind {
                NodeKind::Seq(_) => rebuild(node, self.value(arg)),
                _ => node.clone(),
            };
        }
        let decide = |name: &str| match found.get(name) {
            Some(v) => sub_text::inline(v).map_or_else(|| Var::Bind(v.clone()), Var::Text),
            None => Var::Keep,
        };
        let walked = match &arg.kind {
            NodeKind::Seq(items) if items.len() == 2 => Node::new(
                arg.span,
                NodeKind::Seq(vec![items[0].clone(), self.value(&items[1])]),
            ),
            _ => arg.clone(),
        };
        let out = sub_text::rewrite_call(node, &walked, decide, Node::clone);
        rename_bound(out)
    }

    fn invoke(&mut self, node: &Node, arg: &Node) -> Node {
        let parts = match arg.as_seq() {
            Some([m, props, out]) => m.as_str().zip(props.as_map()).zip(out.as_str()),
            _ => None,
        };
        let Some(((module, props), output)) = parts else {
            self.errors.push(
                Diagnostic::error(
                    codes::MODULE_FUNCTION,
                    arg.span,
                    "`Fn::Invoke` takes a module name, a mapping of properties and an output name",
                )
                .with_help("write `!Invoke [Module, {Property: value}, Output]`"),
            );
            return node.clone();
        };
        let Some(r) = self.modules.get(module) else {
            self.errors.push(
                Diagnostic::error(
                    codes::MODULE_UNKNOWN_OUTPUT,
                    arg.span,
                    format!("no module `{module}` to invoke"),
                )
                .with_help_opt(suggest(module, self.modules.keys().map(String::as_str))),
            );
            return node.clone();
        };
        let props = self.value(&Node::new(arg.span, NodeKind::Map(props.clone())));
        let mut used = r.used.clone();
        used.decl = with_properties(&used.decl, &props);
        let mut scratch = Groups::new();
        match instance::expand(
            &used,
            self.files,
            self.sources,
            self.parameters,
            self.globals,
            &mut scratch,
        ) {
            Ok(x) => {
                let invoked = Registered {
                    outputs: x.outputs,
                    resources: Vec::new(),
                    used,
                };
                self.output(&invoked, output, node)
                    .unwrap_or_else(|| node.clone())
            }
            Err(ds) => {
                self.errors.extend(ds);
                node.clone()
            }
        }
    }
}

/// A declaration whose `Properties` are overlaid with `props`.
fn with_properties(decl: &Node, props: &Node) -> Node {
    let Some(m) = decl.as_map() else {
        return decl.clone();
    };
    let mut out = Mapping::with_capacity(m.len() + 1);
    let mut seen = false;
    for (k, e) in m.iter() {
        let v = if k == "Properties" {
            seen = true;
            super::overrides::merge(&e.value, props)
        } else {
            e.value.clone()
        };
        let _ = out.insert(k.to_owned(), e.key_span, v);
    }
    if !seen {
        let _ = out.insert("Properties".to_owned(), props.span, props.clone());
    }
    Node::new(decl.span, NodeKind::Map(out))
}

/// Variables bound for `${Module.Output}` must be plain names in CloudFormation: `Module.Output` becomes
/// `ModuleOutput` in the text and the map.
fn rename_bound(node: Node) -> Node {
    let Some(("Fn::Sub", arg)) = call(&node) else {
        return node;
    };
    let Some([text, vars]) = arg.as_seq() else {
        return node;
    };
    let (Some(t), Some(m)) = (text.as_str(), vars.as_map()) else {
        return node;
    };
    if !m.keys().any(|k| k.contains(['.', '[', ']'])) {
        return node;
    }
    let plain = |k: &str| {
        k.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    };
    let mut new_text = t.to_owned();
    let mut new_vars = Mapping::with_capacity(m.len());
    for (k, e) in m.iter() {
        new_text = new_text.replace(&format!("${{{k}}}"), &format!("${{{}}}", plain(k)));
        let _ = new_vars.insert(plain(k), e.key_span, e.value.clone());
    }
    let seq = vec![
        string(text.span, new_text),
        Node::new(vars.span, NodeKind::Map(new_vars)),
    ];
    rebuild(&node, Node::new(arg.span, NodeKind::Seq(seq)))
}
