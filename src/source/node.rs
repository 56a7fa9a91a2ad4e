//! The spanned document tree every loader produces and every later stage reads. Short-form YAML tags are
//! already in long form here (`!Ref X` is the mapping `{Ref: X}`), so nothing after the loader knows which
//! syntax a template used.

use super::small_map::SmallMap;
use super::span::Span;

/// One node of a loaded document.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    /// A number exactly as written (`0755`, `1.50`, `1e3`): CloudFormation passes numbers on as text, so
    /// the lexeme is kept rather than a float that would lose it.
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Mapping),
}

/// A mapping in source order. Keys are unique (the loader rejects duplicates).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Mapping {
    entries: SmallMap<Entry>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key_span: Span,
    pub value: Node,
}

impl Mapping {
    pub fn new() -> Mapping {
        Mapping::default()
    }

    pub fn with_capacity(n: usize) -> Mapping {
        Mapping {
            entries: SmallMap::with_capacity(n),
        }
    }

    /// Inserts a key; returns the span of an earlier identical key, leaving the first in place, if any.
    pub fn insert(&mut self, key: String, key_span: Span, value: Node) -> Result<(), Span> {
        if let Some(first) = self.entries.get(&key) {
            return Err(first.key_span);
        }
        self.entries.insert(key, Entry { key_span, value });
        Ok(())
    }

    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries.get(key).map(|e| &e.value)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries.get_mut(key).map(|e| &mut e.value)
    }

    pub fn get_entry(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(k, e)| (k.as_str(), e))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The single `(key, entry)` of a one-key mapping.
    pub fn single(&self) -> Option<(&str, &Entry)> {
        if self.entries.len() == 1 {
            self.entries.first().map(|(k, e)| (k.as_str(), e))
        } else {
            None
        }
    }

    pub fn into_entries(self) -> impl Iterator<Item = (String, Entry)> {
        self.entries.into_iter()
    }
}

impl Node {
    pub fn new(span: Span, kind: NodeKind) -> Node {
        Node { span, kind }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as CloudFormation would read a scalar into a string: strings, numbers and booleans.
    pub fn scalar_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match &self.kind {
            NodeKind::String(s) | NodeKind::Number(s) => Some(std::borrow::Cow::Borrowed(s)),
            NodeKind::Bool(b) => Some(std::borrow::Cow::Borrowed(if *b {
                "true"
            } else {
                "false"
            })),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// What kind of value this is, for messages: "a string", "a list", ...
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Number(_) => "a number",
            NodeKind::String(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(m) => match m.single() {
                Some((k, _)) if k == "Ref" || k.starts_with("Fn::") || k == "Condition" => {
                    "a function call"
                }
                _ => "a mapping",
            },
        }
    }

    /// Number of nodes in this subtree (itself included); used for alias-expansion limits.
    pub fn size(&self) -> usize {
        1 + match &self.kind {
            NodeKind::Seq(items) => items.iter().map(Node::size).sum(),
            NodeKind::Map(m) => m.entries.values().map(|e| e.value.size()).sum(),
            _ => 0,
        }
    }
}

/// A loaded file: its root node.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub root: Node,
}

impl Document {
    /// The JSON-pointer path (`/Resources/Bucket/Properties/BucketName`) of the deepest node or key whose
    /// span contains `span`, for machine-readable diagnostics. Empty when the span is outside the document.
    pub fn path_to(&self, span: Span) -> String {
        let mut path = String::new();
        let mut node = &self.root;
        if span.file != node.span.file {
            // A span in an included file: its nodes sit somewhere below, inside nodes of other files.
            let mut keys = Vec::new();
            if deepest(node, span, &mut keys) {
                for k in keys.iter().rev() {
                    path.push('/');
                    path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                }
            }
            return path;
        }
        'descend: loop {
            match &node.kind {
                NodeKind::Map(m) => {
                    for (k, e) in m.iter() {
                        let inside_key =
                            e.key_span.start <= span.start && span.end <= e.key_span.end;
                        let inside_value =
                            e.value.span.start <= span.start && span.end <= e.value.span.end;
                        if inside_key || inside_value {
                            path.push('/');
                            path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                            if inside_key && !inside_value {
                                break 'descend;
                            }
                            node = &e.value;
                            continue 'descend;
                        }
                    }
                    break;
                }
                NodeKind::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if item.span.start <= span.start && span.end <= item.span.end {
                            path.push('/');
                            path.push_str(&i.to_string());
                            node = item;
                            continue 'descend;
                        }
                    }
                    break;
                }
                _ => break,
            }
        }
        path
    }
}

/// Finds the deepest node or key of `span`'s file that contains it, pushing the keys (and list indexes) of
/// the way there in reverse order. True when found.
fn deepest(node: &Node, span: Span, keys: &mut Vec<String>) -> bool {
    let contains = |s: Span| s.file == span.file && s.start <= span.start && span.end <= s.end;
    match &node.kind {
        NodeKind::Map(m) => {
            for (k, e) in m.iter() {
                if deepest(&e.value, span, keys) || contains(e.key_span) {
                    keys.push(k.to_owned());
                    return true;
                }
            }
        }
        NodeKind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                if deepest(item, span, keys) {
                    keys.push(i.to_string());
                    return true;
                }
            }
        }
        _ => {}
    }
    contains(node.span)
}
