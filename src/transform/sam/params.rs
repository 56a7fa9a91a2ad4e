//! Template parameter values as the translator sees them: the values given for the run, or a parameter's
//! `Default`. The translator substitutes them (never resources or pseudo parameters) in the few places it
//! resolves itself, such as the data a version's hashed logical id covers. It never evaluates other functions.

use indexmap::IndexMap;

use crate::source::{Mapping, Node, NodeKind};
use crate::transform::ExpandOptions;

use super::build::B;
use super::errors::SamError;

/// Known parameter values by name.
#[derive(Debug, Default)]
pub(super) struct Params {
    values: IndexMap<String, Node>,
    declared: Vec<String>,
    partition: Option<String>,
    region: Option<String>,
    /// The template's `Mappings` section, for the `Fn::FindInMap` the translator resolves itself.
    mappings: Option<Node>,
}

impl Params {
    pub fn new(root: &Mapping, options: &ExpandOptions) -> Result<Params, Vec<SamError>> {
        for section in ["Parameters", "Mappings"] {
            if let Some(n) = root.get(section)
                && n.as_map().is_none()
            {
                return Err(vec![SamError::structure(
                    n.span,
                    "'Mappings' or 'Parameters' is either null or not a valid dictionary.",
                )]);
            }
        }
        let mut values = IndexMap::new();
        let mut declared = Vec::new();
        if let Some(decls) = root.get("Parameters").and_then(Node::as_map) {
            for (name, e) in decls.iter() {
                declared.push(name.to_owned());
                // The translator substitutes only single values, never lists.
                let ty = e
                    .value
                    .as_map()
                    .and_then(|m| m.get("Type"))
                    .and_then(Node::as_str);
                if ty.is_some_and(|t| t.contains("List")) {
                    continue;
                }
                let b = B::new(e.value.span);
                if let Some(v) = options.parameters.get(name) {
                    values.insert(name.to_owned(), b.s(v.as_str()));
                } else if let Some(d) = e.value.as_map().and_then(|m| m.get("Default")) {
                    values.insert(name.to_owned(), d.clone());
                }
            }
        }
        // The translator also knows the region and partition it runs for.
        let span = root
            .iter()
            .next()
            .map_or_else(Default::default, |(_, e)| e.key_span);
        let b = B::new(span);
        if let Some(region) = &options.pseudo.region {
            values.insert("AWS::Region".to_owned(), b.s(region.as_str()));
            let partition = options
                .pseudo
                .partition
                .clone()
                .unwrap_or_else(|| crate::evaluate::partition(region).to_owned());
            values.insert("AWS::Partition".to_owned(), b.s(partition));
        }
        Ok(Params {
            values,
            declared,
            partition: options.pseudo.partition.clone(),
            region: options.pseudo.region.clone(),
            mappings: root.get("Mappings").cloned(),
        })
    }

    /// The partition of ARNs the transform writes (`aws` unless the options say otherwise).
    pub fn partition(&self) -> String {
        self.partition.clone().unwrap_or_else(|| {
            self.region
                .as_deref()
                .map_or("aws", crate::evaluate::partition)
                .to_owned()
        })
    }

    /// True when the template declares parameter `name`.
    pub fn declares(&self, name: &str) -> bool {
        self.declared.iter().any(|d| d == name)
    }

    /// `node` with every `Ref` to a known parameter replaced by its value, and known parameters substituted
    /// into `Fn::Sub` strings.
    pub fn resolve(&self, node: &Node) -> Node {
        self.resolve_with(node, true)
    }

    /// The value `Fn::FindInMap: [map, top, second]` selects, its three names resolved first: `Ok(None)`
    /// when a name or the entry is not known, an error when the mapping is not a two-level map.
    pub fn find_in_map(&self, args: &Node) -> Result<Option<Node>, String> {
        let Some(items) = args.as_seq().filter(|i| i.len() == 3) else {
            return Ok(None);
        };
        let names: Vec<Option<String>> = items
            .iter()
            .map(|i| self.resolve(i).as_str().map(str::to_owned))
            .collect();
        let [Some(map), Some(top), Some(second)] = names.as_slice() else {
            return Ok(None);
        };
        let Some(mapping) = self
            .mappings
            .as_ref()
            .and_then(|m| super::build::get(m, map))
        else {
            return Ok(None);
        };
        let two_level = mapping.as_map().is_some_and(|m| {
            m.iter()
                .all(|(_, e)| matches!(e.value.kind, NodeKind::Map(_)))
        });
        if !two_level {
            return Err(format!(
                "Cannot use Fn::FindInMap on Mapping '{map}' which is not a a two-level map."
            ));
        }
        Ok(super::build::get(mapping, top)
            .and_then(|t| super::build::get(t, second))
            .cloned())
    }

    /// [`Params::resolve`] for template parameters only (pseudo parameters left as written).
    pub fn resolve_template_parameters(&self, node: &Node) -> Node {
        self.resolve_with(node, false)
    }

    fn resolve_with(&self, node: &Node, pseudo: bool) -> Node {
        let known = |name: &str| -> Option<&Node> {
            if !pseudo && name.starts_with("AWS::") {
                return None;
            }
            self.values.get(name)
        };
        match &node.kind {
            NodeKind::Map(m) => {
                if let Some((k, e)) = m.single() {
                    if k == "Ref"
                        && let Some(v) = e.value.as_str().and_then(known)
                    {
                        return v.clone();
                    }
                    if k == "Fn::Sub"
                        && let Some(text) = e.value.as_str()
                    {
                        let b = B::new(e.value.span);
                        return b.call("Fn::Sub", b.s(self.substitute(text, pseudo)));
                    }
                }
                let mut out = Mapping::new();
                for (k, e) in m.iter() {
                    let _ = out.insert(
                        k.to_owned(),
                        e.key_span,
                        self.resolve_with(&e.value, pseudo),
                    );
                }
                Node::new(node.span, NodeKind::Map(out))
            }
            NodeKind::Seq(items) => Node::new(
                node.span,
                NodeKind::Seq(items.iter().map(|i| self.resolve_with(i, pseudo)).collect()),
            ),
            _ => node.clone(),
        }
    }

    /// `${Name}` placeholders of known parameters replaced by their text.
    fn substitute(&self, text: &str, pseudo: bool) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) => {
                    let name = &after[..end];
                    let known = pseudo || !name.starts_with("AWS::");
                    match self
                        .values
                        .get(name)
                        .filter(|_| known)
                        .and_then(|v| v.scalar_text())
                    {
                        Some(v) if !name.starts_with('!') => out.push_str(&v),
                        _ => {
                            out.push_str("${");
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}
