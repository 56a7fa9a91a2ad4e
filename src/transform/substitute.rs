//! One iteration of a loop: the identifiers bound to one item's values, substituted into a copy of the
//! loop's output mapping. `${Id}` becomes the value and `&{Id}` the value without its non-alphanumeric
//! characters, in keys and in every string (plain strings and `Fn::Sub` templates alike: `${!Id}` stays a
//! literal); `{Ref: Id}` becomes the value as a string. Every copied node keeps the span of the template node
//! it comes from, so diagnostics on the expansion point into the loop.

use crate::source::{Diagnostic, Mapping, Node, NodeKind};

use super::codes;
use super::nodes::string;

/// Identifiers and the text each stands for in one iteration.
pub(super) struct Bindings<'a> {
    items: Vec<Binding<'a>>,
}

struct Binding<'a> {
    identifier: &'a str,
    value: String,
    /// The value with every character that is not an ASCII letter or digit removed, for `&{Id}`.
    stripped: String,
}

impl<'a> Bindings<'a> {
    pub(super) fn new(pairs: impl IntoIterator<Item = (&'a str, String)>) -> Bindings<'a> {
        let items = pairs
            .into_iter()
            .map(|(identifier, value)| Binding {
                identifier,
                stripped: value.chars().filter(char::is_ascii_alphanumeric).collect(),
                value,
            })
            .collect();
        Bindings { items }
    }

    /// `text` with every `${Id}` and `&{Id}` replaced.
    pub(super) fn text(&self, text: &str) -> String {
        if !text.contains('{') {
            return text.to_owned();
        }
        let mut out = text.to_owned();
        for b in &self.items {
            out = out
                .replace(&format!("${{{}}}", b.identifier), &b.value)
                .replace(&format!("&{{{}}}", b.identifier), &b.stripped);
        }
        out
    }

    /// A copy of `node` with the identifiers substituted. Two keys of one mapping that become equal are
    /// reported, and the first kept.
    pub(super) fn apply(&self, node: &Node, diags: &mut Vec<Diagnostic>) -> Node {
        let kind = match &node.kind {
            NodeKind::String(s) => NodeKind::String(self.text(s)),
            NodeKind::Seq(items) => {
                NodeKind::Seq(items.iter().map(|i| self.apply(i, diags)).collect())
            }
            NodeKind::Map(m) => {
                if let Some(b) = self.referenced(m) {
                    return string(node.span, b.value.clone());
                }
                let mut out = Mapping::with_capacity(m.len());
                for (k, e) in m.iter() {
                    let key = self.text(k);
                    if let Err(first) =
                        out.insert(key.clone(), e.key_span, self.apply(&e.value, diags))
                    {
                        diags.push(
                            Diagnostic::error(
                                codes::FOREACH_KEY_COLLISION,
                                e.key_span,
                                format!("`{k}` becomes `{key}`, a key this mapping already has"),
                            )
                            .with_label(first, "the key it repeats"),
                        );
                    }
                }
                NodeKind::Map(out)
            }
            other => other.clone(),
        };
        Node::new(node.span, kind)
    }

    /// The binding a `{Ref: Id}` mapping names.
    fn referenced(&self, m: &Mapping) -> Option<&Binding<'a>> {
        let (k, e) = m.single()?;
        let name = e.value.as_str().filter(|_| k == "Ref")?;
        self.items.iter().find(|b| b.identifier == name)
    }
}

/// The first `${Name}` or `&{Name}` left in `text`, as `(placeholder, Name)`: after substitution, a name
/// that no enclosing loop binds.
pub(super) fn leftover_placeholder(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    for (i, w) in bytes.windows(2).enumerate() {
        if (w == b"${" || w == b"&{")
            && let Some(len) = text[i + 2..].find('}')
        {
            let name = &text[i + 2..i + 2 + len];
            if !name.is_empty() && !name.starts_with('!') {
                return Some((&text[i..i + 3 + len], name));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::resolver::tests::json;
    use crate::transform::tests::load;
    use serde_json::json;

    fn value(text: &str) -> (Node, crate::source::SourceMap) {
        let (doc, sources) = load(text);
        (
            doc.root.as_map().unwrap().get("V").unwrap().clone(),
            sources,
        )
    }

    #[test]
    fn identifiers_are_substituted_in_keys_strings_and_refs() {
        let (v, sources) = value(
            "V:\n  T${Name}&{Name}:\n    a: !Sub 'x-${Name}-${!Name}-${Other}'\n    b: [!Ref Name, !Ref Other, '&{Name}']\n    c: 3\n",
        );
        let b = Bindings::new([("Name", "a.b-1".to_owned())]);
        let mut diags = Vec::new();
        let out = b.apply(&v, &mut diags);
        assert!(diags.is_empty());
        assert_eq!(
            json(&out),
            json!({"Ta.b-1ab1": {
                "a": {"Fn::Sub": "x-a.b-1-${!Name}-${Other}"},
                "b": ["a.b-1", {"Ref": "Other"}, "ab1"],
                "c": 3
            }})
        );
        // The value replacing `!Ref Name` points at the `Ref` it replaces.
        let t = out.as_map().unwrap().get("Ta.b-1ab1").unwrap();
        let r = &t.as_map().unwrap().get("b").unwrap().as_seq().unwrap()[0];
        assert_eq!(sources.snippet(r.span), "!Ref Name");
        let key_span = out
            .as_map()
            .unwrap()
            .get_entry("Ta.b-1ab1")
            .unwrap()
            .key_span;
        assert_eq!(sources.snippet(key_span), "T${Name}&{Name}");
    }

    #[test]
    fn several_identifiers_at_once() {
        let b = Bindings::new([("A", "1".to_owned()), ("AB", "2".to_owned())]);
        assert_eq!(b.text("${A}${AB}&{A}"), "121");
    }

    #[test]
    fn keys_made_equal_are_reported() {
        let (v, sources) = value("V: {a1: x, 'a${N}': y}\n");
        let mut diags = Vec::new();
        let out = Bindings::new([("N", "1".to_owned())]).apply(&v, &mut diags);
        assert_eq!(json(&out), json!({"a1": "x"}));
        assert_eq!(diags[0].code, codes::FOREACH_KEY_COLLISION);
        assert_eq!(sources.snippet(diags[0].span), "'a${N}'");
        assert_eq!(sources.snippet(diags[0].labels[0].span), "a1");
    }

    #[test]
    fn leftover_placeholders() {
        assert_eq!(
            leftover_placeholder("T1${Other}"),
            Some(("${Other}", "Other"))
        );
        assert_eq!(leftover_placeholder("T&{X}y"), Some(("&{X}", "X")));
        assert_eq!(leftover_placeholder("T${!X}"), None);
        assert_eq!(leftover_placeholder("T${"), None);
        assert_eq!(leftover_placeholder("Topic1"), None);
    }
}
