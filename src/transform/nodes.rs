//! Small helpers over document nodes for the transform: recognizing a function call, telling data known
//! now from data that still holds calls, and building nodes that carry the span of their origin.

use crate::source::{Mapping, Node, NodeKind, Span};

/// The function name and argument of a call: a one-key mapping whose key is `Ref`, `Fn::...`, or
/// `Condition` with a name.
pub(super) fn call(node: &Node) -> Option<(&str, &Node)> {
    let (k, e) = node.as_map()?.single()?;
    let is_call = k == "Ref"
        || k.starts_with("Fn::")
        || (k == "Condition" && matches!(e.value.kind, NodeKind::String(_)));
    is_call.then_some((k, &e.value))
}

/// True when the node holds no function call anywhere: it is plain data, known now.
pub(super) fn is_known(node: &Node) -> bool {
    if call(node).is_some() {
        return false;
    }
    match &node.kind {
        NodeKind::Seq(items) => items.iter().all(is_known),
        NodeKind::Map(m) => m.iter().all(|(_, e)| is_known(&e.value)),
        _ => true,
    }
}

/// True when some item of a list is an `Fn::If` left undecided: it may still vanish (`AWS::NoValue`), so
/// the list's length and positions are not known yet.
pub(super) fn has_undecided_item(items: &[Node]) -> bool {
    items.iter().any(|i| matches!(call(i), Some(("Fn::If", _))))
}

/// The same call with a new argument; the key and its span stay those of `call`.
pub(super) fn rebuild(call: &Node, arg: Node) -> Node {
    let (k, e) = call
        .as_map()
        .and_then(Mapping::single)
        .expect("this is a bug: rebuild on a node that is not a call");
    let mut m = Mapping::with_capacity(1);
    let _ = m.insert(k.to_owned(), e.key_span, arg);
    Node::new(call.span, NodeKind::Map(m))
}

/// A deep copy of `node` whose every span (keys included) is `span`: data copied from elsewhere in the
/// template (a parameter default, a mapping value) is attributed to the call that brought it here.
pub(super) fn respan(node: &Node, span: Span) -> Node {
    let kind = match &node.kind {
        NodeKind::Seq(items) => NodeKind::Seq(items.iter().map(|i| respan(i, span)).collect()),
        NodeKind::Map(m) => {
            let mut out = Mapping::with_capacity(m.len());
            for (k, e) in m.iter() {
                let _ = out.insert(k.to_owned(), span, respan(&e.value, span));
            }
            NodeKind::Map(out)
        }
        other => other.clone(),
    };
    Node::new(span, kind)
}

pub(super) fn string(span: Span, s: impl Into<String>) -> Node {
    Node::new(span, NodeKind::String(s.into()))
}

pub(super) fn seq(span: Span, items: Vec<Node>) -> Node {
    Node::new(span, NodeKind::Seq(items))
}

/// `{"Ref": "AWS::NoValue"}` at `span`.
pub(super) fn no_value(span: Span) -> Node {
    let mut m = Mapping::with_capacity(1);
    let _ = m.insert("Ref".to_owned(), span, string(span, "AWS::NoValue"));
    Node::new(span, NodeKind::Map(m))
}

/// A list parameter's text split at commas, each item trimmed, as CloudFormation reads it.
pub(super) fn split_list(text: &str, span: Span) -> Node {
    seq(
        span,
        text.split(',').map(|s| string(span, s.trim())).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::tests::load;

    fn resource_value(text: &str) -> Node {
        let (doc, _) = load(text);
        doc.root.as_map().unwrap().get("V").unwrap().clone()
    }

    #[test]
    fn calls_and_known_data() {
        let v = resource_value("V: !Ref X\n");
        assert_eq!(call(&v).map(|(k, _)| k), Some("Ref"));
        assert!(!is_known(&v));
        let v = resource_value("V: {Condition: {StringEquals: {a: b}}}\n");
        assert!(call(&v).is_none() && is_known(&v));
        let v = resource_value("V: [a, {b: [1, !Sub x]}]\n");
        assert!(!is_known(&v));
    }

    #[test]
    fn respan_reaches_every_node_and_key() {
        let v = resource_value("V: {a: [1, {b: c}]}\n");
        let s = Span::new(v.span.file, 1, 2);
        let r = respan(&v, s);
        let inner = &r.as_map().unwrap().get("a").unwrap().as_seq().unwrap()[1];
        assert_eq!(inner.span, s);
        assert_eq!(inner.as_map().unwrap().get_entry("b").unwrap().key_span, s);
    }

    #[test]
    fn list_parameters_split_and_trim() {
        let s = Span::default();
        let l = split_list("a, b ,c", s);
        let items: Vec<&str> = l
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(items, ["a", "b", "c"]);
    }
}
