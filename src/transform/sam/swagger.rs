//! An API definition under construction. Parts written in the template are kept as they are (Python's
//! translator sees them as unicode text); parts the transform generates remember that they are its own
//! constants, because the deployment id hashes the definition as Python 2.7 printed it (`u'x'` versus `'x'`).
//! It converts to an output node and to that hashed text; it never decides what goes into a definition.

use crate::source::{Node, NodeKind, Span};

use super::build::B;
use super::py27;

/// A value of an API definition.
#[derive(Clone, Debug)]
pub(super) enum Sw {
    /// Text; `true` when it counts as unicode (written in the template, or built from it).
    Text(String, bool),
    /// A value written in the template, kept whole.
    Written(Node),
    Map(Vec<(String, bool, Sw)>),
    /// A mapping the translator held as a plain dictionary: printed in insertion order.
    Ordered(Vec<(String, bool, Sw)>),
    Seq(Vec<Sw>),
    /// The value of a key deleted from its mapping once the mapping had this many entries; kept so the
    /// mapping's Python 2.7 iteration order can account for the deletion.
    Gone(usize),
}

impl Sw {
    /// A constant of the transform.
    pub fn c(text: &str) -> Sw {
        Sw::Text(text.to_owned(), false)
    }

    /// A mapping of constants' keys.
    pub fn map(entries: Vec<(&str, Sw)>) -> Sw {
        Sw::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), false, v))
                .collect(),
        )
    }

    /// A plain dictionary of constants' keys, printed in insertion order.
    pub fn ordered(entries: Vec<(&str, Sw)>) -> Sw {
        Sw::Ordered(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), false, v))
                .collect(),
        )
    }

    /// A template value, opened up so parts can be added inside it.
    pub fn from_node(node: &Node) -> Sw {
        match &node.kind {
            NodeKind::Map(m) => Sw::Map(
                m.iter()
                    .map(|(k, e)| (k.to_owned(), true, Sw::from_node(&e.value)))
                    .collect(),
            ),
            NodeKind::Seq(items) => Sw::Seq(items.iter().map(Sw::from_node).collect()),
            _ => Sw::Written(node.clone()),
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Sw> {
        match self {
            Sw::Map(entries) | Sw::Ordered(entries) => entries
                .iter_mut()
                .find(|(k, _, v)| k == key && !matches!(v, Sw::Gone(_)))
                .map(|(_, _, v)| v),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Sw> {
        match self {
            Sw::Map(entries) | Sw::Ordered(entries) => entries
                .iter()
                .find(|(k, _, v)| k == key && !matches!(v, Sw::Gone(_)))
                .map(|(_, _, v)| v),
            _ => None,
        }
    }

    /// Deletes `key` and returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Sw> {
        let Sw::Map(entries) = self else {
            return None;
        };
        let count = entries.len();
        let entry = entries
            .iter_mut()
            .find(|(k, _, v)| k == key && !matches!(v, Sw::Gone(_)))?;
        Some(std::mem::replace(&mut entry.2, Sw::Gone(count)))
    }

    /// Sets `key` (appended when new); `unicode` says how the key counts.
    pub fn set(&mut self, key: &str, unicode: bool, value: Sw) {
        if let Sw::Map(entries) | Sw::Ordered(entries) = self {
            match entries
                .iter_mut()
                .find(|(k, _, v)| k == key && !matches!(v, Sw::Gone(_)))
            {
                Some(e) => e.2 = value,
                None => entries.push((key.to_owned(), unicode, value)),
            }
        }
    }

    /// The mapping at `key`, created empty when absent.
    pub fn entry(&mut self, key: &str, unicode: bool) -> Option<&mut Sw> {
        if self.get(key).is_none() {
            self.set(key, unicode, Sw::Map(Vec::new()));
        }
        self.get_mut(key)
    }

    /// The live keys of a mapping in the order the translator iterated them (Python 2.7's for a mapping,
    /// insertion order for a plain dictionary); none for another value.
    pub fn keys_in_order(&self) -> Vec<&str> {
        match self {
            Sw::Map(entries) => iteration_order(entries)
                .into_iter()
                .filter(|i| !matches!(entries[*i].2, Sw::Gone(_)))
                .map(|i| entries[i].0.as_str())
                .collect(),
            Sw::Ordered(entries) => entries.iter().map(|(k, _, _)| k.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// The path items a path of `paths` stands for: the path itself, or the mapping branches of an
    /// `Fn::If` written in its place (a `Ref: AWS::NoValue` branch stands for none).
    pub fn path_items_mut(&mut self) -> Vec<&mut Sw> {
        let is_if =
            matches!(self, Sw::Map(e) | Sw::Ordered(e) if e.len() == 1 && e[0].0 == "Fn::If");
        if !is_if {
            return vec![self];
        }
        match self.get_mut("Fn::If") {
            Some(Sw::Seq(items)) if items.len() == 3 => items
                .iter_mut()
                .skip(1)
                .filter(|i| matches!(i, Sw::Map(_) | Sw::Ordered(_)) && i.get("Ref").is_none())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The definitions of method `method` of path `path`, through the `Fn::If`s written or generated in
    /// place of the path or the method.
    pub fn method_defs_mut(&mut self, path: &str, method: &str) -> Vec<&mut Sw> {
        let Some(item) = self.get_mut("paths").and_then(|p| p.get_mut(path)) else {
            return Vec::new();
        };
        item.path_items_mut()
            .into_iter()
            .filter_map(|i| i.get_mut(method))
            .flat_map(Sw::path_items_mut)
            .collect()
    }

    /// `{"Fn::If": [condition, value, {"Ref": "AWS::NoValue"}]}` as the translator builds it (a plain
    /// dictionary); `unicode` says whether the condition's name came from the template.
    pub fn only_if(condition: &str, unicode: bool, value: Sw) -> Sw {
        Sw::ordered(vec![(
            "Fn::If",
            Sw::Seq(vec![
                Sw::Text(condition.to_owned(), unicode),
                value,
                Sw::ordered(vec![("Ref", Sw::c("AWS::NoValue"))]),
            ]),
        )])
    }

    pub fn node(&self, span: Span) -> Node {
        let b = B::new(span);
        match self {
            Sw::Text(t, _) => b.s(t.as_str()),
            Sw::Written(n) => n.clone(),
            Sw::Map(entries) | Sw::Ordered(entries) => b.map(
                entries
                    .iter()
                    .filter(|(_, _, v)| !matches!(v, Sw::Gone(_)))
                    .map(|(k, _, v)| (k.as_str(), v.node(span))),
            ),
            Sw::Gone(_) => Node::new(span, crate::source::NodeKind::Null),
            Sw::Seq(items) => b.seq(items.iter().map(|i| i.node(span)).collect()),
        }
    }

    /// The mapping as a copy of it: its keys inserted again in its Python 2.7 iteration order, deleted
    /// keys forgotten (a copy's iteration order can differ from the original's).
    pub fn recopy(&mut self) {
        if let Sw::Map(entries) = self {
            let order = iteration_order(entries);
            let mut old: Vec<Option<(String, bool, Sw)>> =
                std::mem::take(entries).into_iter().map(Some).collect();
            *entries = order
                .into_iter()
                .filter_map(|i| old.get_mut(i).and_then(Option::take))
                .filter(|(_, _, v)| !matches!(v, Sw::Gone(_)))
                .collect();
        }
    }

    /// Python 2.7's `repr` of the value as the translator held it.
    pub fn repr(&self, out: &mut String) {
        match self {
            Sw::Text(t, unicode) => text_repr(t, *unicode, out),
            Sw::Written(n) => py27::repr(n, out),
            Sw::Seq(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.repr(out);
                }
                out.push(']');
            }
            Sw::Gone(_) => {}
            Sw::Map(entries) => {
                let order = printed_order(entries);
                out.push('{');
                for (n, i) in order.into_iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    let (k, unicode, v) = &entries[i];
                    text_repr(k, *unicode, out);
                    out.push_str(": ");
                    v.repr(out);
                }
                out.push('}');
            }
            Sw::Ordered(entries) => {
                out.push('{');
                for (n, (k, unicode, v)) in entries.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    text_repr(k, *unicode, out);
                    out.push_str(": ");
                    v.repr(out);
                }
                out.push('}');
            }
        }
    }
}

/// The indexes of a mapping's live entries in the order the translator's hashed text prints them. Every
/// step of the translator works on a copy of the definition and returns a copy, and a copy inserts the
/// keys again in the order the copied dictionary iterates them, which can change the order where keys
/// collide: a mapping is printed as built and copied twice. A mapping with deleted keys is printed as it
/// iterates; the copies that matter for it are made explicitly ([`Sw::recopy`]). Both observed from the
/// reference translator's deployment ids.
fn printed_order(entries: &[(String, bool, Sw)]) -> Vec<usize> {
    let mut order = iteration_order(entries);
    if entries.iter().any(|(_, _, v)| matches!(v, Sw::Gone(_))) {
        return order;
    }
    for _ in 0..2 {
        let keys: Vec<&str> = order.iter().map(|i| entries[*i].0.as_str()).collect();
        order = py27::iteration_order(&keys)
            .into_iter()
            .map(|j| order[j])
            .collect();
    }
    order
}

/// The indexes of a mapping's live entries in its Python 2.7 iteration order.
fn iteration_order(entries: &[(String, bool, Sw)]) -> Vec<usize> {
    let keys: Vec<&str> = entries.iter().map(|(k, _, _)| k.as_str()).collect();
    if !entries.iter().any(|(_, _, v)| matches!(v, Sw::Gone(_))) {
        return py27::iteration_order(&keys);
    }
    let mut ops = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        ops.push(py27::Op::Insert(i, k));
        for (key, _, v) in entries {
            if matches!(v, Sw::Gone(n) if *n == i + 1) {
                ops.push(py27::Op::Delete(key));
            }
        }
    }
    py27::iteration_order_with_deletions(&ops)
}

fn text_repr(text: &str, unicode: bool, out: &mut String) {
    let mut s = String::new();
    py27::unicode_repr(text, &mut s);
    if unicode {
        out.push_str(&s);
    } else {
        out.push_str(&s[1..]);
    }
}

#[cfg(test)]
mod tests {
    use super::Sw;

    fn branch(method: &str) -> Sw {
        Sw::map(vec![(method, Sw::map(vec![]))])
    }

    #[test]
    fn a_path_written_as_fn_if_stands_for_its_mapping_branches() {
        let no_value = Sw::map(vec![("Ref", Sw::c("AWS::NoValue"))]);
        let mut path = Sw::map(vec![(
            "Fn::If",
            Sw::Seq(vec![Sw::c("Cond"), branch("get"), no_value]),
        )]);
        let items = path.path_items_mut();
        assert_eq!(items.len(), 1);
        assert!(items[0].get("get").is_some());
    }

    #[test]
    fn a_copy_forgets_deleted_keys_and_keeps_the_live_ones() {
        let mut m = Sw::map(vec![
            ("a", Sw::c("1")),
            ("b", Sw::c("2")),
            ("c", Sw::c("3")),
        ]);
        let _ = m.remove("b");
        m.recopy();
        let Sw::Map(entries) = &m else {
            panic!("a mapping stays a mapping");
        };
        let mut keys: Vec<&str> = entries.iter().map(|(k, _, _)| k.as_str()).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["a", "c"]);
        assert!(entries.iter().all(|(_, _, v)| !matches!(v, Sw::Gone(_))));
    }

    #[test]
    fn a_plain_path_is_its_own_item() {
        let mut path = branch("post");
        let items = path.path_items_mut();
        assert_eq!(items.len(), 1);
        assert!(items[0].get("post").is_some());
    }

    #[test]
    fn a_mapping_prints_as_the_translator_copied_it() {
        // Keys that collide in a Python 2.7 dictionary: the reference translator's hashed text lists
        // this written parameter as `required, type, description, name, in`.
        let m = Sw::Map(
            ["name", "in", "description", "type", "required"]
                .iter()
                .map(|k| ((*k).to_owned(), true, Sw::c("x")))
                .collect(),
        );
        let mut text = String::new();
        m.repr(&mut text);
        let keys: Vec<&str> = text
            .split("u'")
            .skip(1)
            .map(|p| p.split('\'').next().unwrap_or_default())
            .collect();
        assert_eq!(keys, ["required", "type", "description", "name", "in"]);
    }
}
