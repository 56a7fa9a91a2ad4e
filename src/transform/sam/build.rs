//! Building output nodes: every node the SAM transform creates is made here, with the span of the SAM
//! resource or property it comes from. It never decides what to build, only how.

use indexmap::IndexMap;

use crate::source::{Mapping, Node, NodeKind, Span};

/// An ordered object under construction (a resource's properties, a policy document...).
pub(super) type Obj = IndexMap<String, Node>;

/// Makes nodes that all carry one span.
#[derive(Clone, Copy, Debug)]
pub(super) struct B {
    pub span: Span,
}

impl B {
    pub fn new(span: Span) -> B {
        B { span }
    }

    pub fn s(self, text: impl Into<String>) -> Node {
        Node::new(self.span, NodeKind::String(text.into()))
    }

    pub fn bool(self, value: bool) -> Node {
        Node::new(self.span, NodeKind::Bool(value))
    }

    pub fn num(self, value: impl ToString) -> Node {
        Node::new(self.span, NodeKind::Number(value.to_string()))
    }

    pub fn seq(self, items: Vec<Node>) -> Node {
        Node::new(self.span, NodeKind::Seq(items))
    }

    pub fn strs(self, items: &[&str]) -> Node {
        self.seq(items.iter().map(|i| self.s(*i)).collect())
    }

    pub fn map<K: Into<String>>(self, entries: impl IntoIterator<Item = (K, Node)>) -> Node {
        let mut m = Mapping::new();
        for (k, v) in entries {
            let _ = m.insert(k.into(), self.span, v);
        }
        Node::new(self.span, NodeKind::Map(m))
    }

    pub fn obj(self, obj: Obj) -> Node {
        self.map(obj)
    }

    pub fn call(self, name: &str, argument: Node) -> Node {
        self.map([(name, argument)])
    }

    pub fn r#ref(self, name: &str) -> Node {
        self.call("Ref", self.s(name))
    }

    pub fn get_att(self, id: &str, attribute: &str) -> Node {
        self.call("Fn::GetAtt", self.strs(&[id, attribute]))
    }

    /// `{"Key": k, "Value": v}`.
    pub fn tag(self, key: Node, value: Node) -> Node {
        self.map([("Key", key), ("Value", value)])
    }
}

/// The entries of a mapping node as an ordered object (empty for other nodes).
pub(super) fn to_obj(node: &Node) -> Obj {
    match node.as_map() {
        Some(m) => m
            .iter()
            .map(|(k, e)| (k.to_owned(), e.value.clone()))
            .collect(),
        None => Obj::new(),
    }
}

/// The value at `key` of a mapping node.
pub(super) fn get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    node.as_map().and_then(|m| m.get(key))
}

/// True when `node` is a one-key mapping whose key is an intrinsic function (`Ref`, `Fn::...`).
pub(super) fn is_intrinsic(node: &Node) -> bool {
    node.as_map()
        .and_then(|m| m.single())
        .is_some_and(|(k, _)| k == "Ref" || k.starts_with("Fn::") || k == "Condition")
}

/// The logical id a `Ref` or `Fn::GetAtt` names, if `node` is one.
pub(super) fn referenced_id(node: &Node) -> Option<&str> {
    let (k, e) = node.as_map()?.single()?;
    match k {
        "Ref" => e.value.as_str(),
        "Fn::GetAtt" => match &e.value.kind {
            NodeKind::Seq(items) => items.first().and_then(Node::as_str),
            NodeKind::String(s) => s.split('.').next(),
            _ => None,
        },
        _ => None,
    }
}

/// A JSON value (from the embedded data files) as a node with span `b`.
pub(super) fn from_json(b: B, value: &serde_json::Value) -> Node {
    use serde_json::Value;
    match value {
        Value::Null => Node::new(b.span, NodeKind::Null),
        Value::Bool(v) => b.bool(*v),
        Value::Number(n) => b.num(n),
        Value::String(s) => b.s(s.as_str()),
        Value::Array(items) => b.seq(items.iter().map(|i| from_json(b, i)).collect()),
        Value::Object(m) => b.map(m.iter().map(|(k, v)| (k.as_str(), from_json(b, v)))),
    }
}

/// A generated resource: its type, properties and resource attributes (`Condition`, `DependsOn`...).
#[derive(Clone, Debug)]
pub(super) struct Res {
    pub ty: String,
    pub props: Obj,
    pub attrs: Obj,
    pub span: Span,
}

impl Res {
    pub fn new(ty: &str, span: Span) -> Res {
        Res {
            ty: ty.to_owned(),
            props: Obj::new(),
            attrs: Obj::new(),
            span,
        }
    }

    pub fn prop(mut self, key: &str, value: Node) -> Res {
        self.props.insert(key.to_owned(), value);
        self
    }

    pub fn node(self) -> Node {
        let b = B::new(self.span);
        let mut top = Obj::new();
        top.insert("Type".into(), b.s(self.ty));
        top.insert("Properties".into(), b.obj(self.props));
        for (k, v) in self.attrs {
            top.insert(k, v);
        }
        b.obj(top)
    }
}
