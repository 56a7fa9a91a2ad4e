//! Folding what a module use makes known: its conditions (once parameters are in place many compare
//! constants), the `Fn::If` branches they pick, `AWS::NoValue` removals, and `Fn::Join`, `Fn::Select` and
//! `Fn::Merge` over known values. Whatever depends on the stack (a pseudo parameter, a template parameter, a
//! resource) stays as written.
//!
//! It never renames or substitutes: it runs on content `rewrite.rs` has already moved.

use std::collections::HashMap;

use crate::source::{Mapping, Node, NodeKind};
use crate::transform::nodes::{call, is_known, rebuild, string};

/// The conditions of one module use: their definitions and what is known of each.
pub(super) struct Conditions<'a> {
    defs: HashMap<&'a str, &'a Node>,
    known: HashMap<String, Option<bool>>,
}

impl<'a> Conditions<'a> {
    pub fn new(defs: impl IntoIterator<Item = (&'a str, &'a Node)>) -> Conditions<'a> {
        let mut c = Conditions {
            defs: defs.into_iter().collect(),
            known: HashMap::new(),
        };
        let names: Vec<&str> = c.defs.keys().copied().collect();
        for n in names {
            c.named(n, 0);
        }
        c
    }

    /// The value of condition `name`: `Some` when known now, `None` when it depends on the stack or is not
    /// one of these conditions.
    pub fn get(&self, name: &str) -> Option<bool> {
        self.known.get(name).copied().flatten()
    }

    fn named(&mut self, name: &str, depth: usize) -> Option<bool> {
        if let Some(v) = self.known.get(name) {
            return *v;
        }
        let def = *self.defs.get(name)?;
        if depth > 64 {
            return None;
        }
        // A cycle reads as unknown; `check` reports it on the template.
        self.known.insert(name.to_owned(), None);
        let v = self.eval(def, depth + 1);
        self.known.insert(name.to_owned(), v);
        v
    }

    /// Evaluates a condition expression as far as it is known.
    pub fn eval(&mut self, node: &Node, depth: usize) -> Option<bool> {
        let (name, arg) = call(node)?;
        let items = arg.as_seq().unwrap_or_default();
        match name {
            "Condition" => self.named(arg.as_str()?, depth),
            "Fn::Equals" => match items {
                [a, b] => {
                    let (a, b) = (self.fold(a, depth)?, self.fold(b, depth)?);
                    if !is_known(&a) || !is_known(&b) {
                        return None;
                    }
                    Some(match (a.scalar_text(), b.scalar_text()) {
                        (Some(x), Some(y)) => x == y,
                        _ => crate::source::emit::same_tree(&a, &b),
                    })
                }
                _ => None,
            },
            "Fn::Not" => match items {
                [x] => self.eval(x, depth).map(|v| !v),
                _ => None,
            },
            "Fn::And" | "Fn::Or" => {
                let decisive = name == "Fn::Or";
                let mut all_known = true;
                for i in items {
                    match self.eval(i, depth) {
                        Some(v) if v == decisive => return Some(decisive),
                        Some(_) => {}
                        None => all_known = false,
                    }
                }
                all_known.then_some(!decisive)
            }
            _ => None,
        }
    }

    /// A value with what is known folded in; `None` when it is `AWS::NoValue` (the key or item goes away).
    pub fn fold(&mut self, node: &Node, depth: usize) -> Option<Node> {
        if let Some((name, arg)) = call(node) {
            return self.fold_call(node, name, arg, depth);
        }
        Some(match &node.kind {
            NodeKind::Seq(items) => Node::new(
                node.span,
                NodeKind::Seq(items.iter().filter_map(|i| self.fold(i, depth)).collect()),
            ),
            NodeKind::Map(m) => {
                let mut out = Mapping::with_capacity(m.len());
                for (k, e) in m.iter() {
                    if let Some(v) = self.fold(&e.value, depth) {
                        let _ = out.insert(k.to_owned(), e.key_span, v);
                    }
                }
                Node::new(node.span, NodeKind::Map(out))
            }
            _ => node.clone(),
        })
    }

    fn fold_call(&mut self, node: &Node, name: &str, arg: &Node, depth: usize) -> Option<Node> {
        let items = arg.as_seq().unwrap_or_default();
        match (name, items) {
            ("Ref", _) if arg.as_str() == Some("AWS::NoValue") => None,
            ("Fn::If", [c, yes, no]) => {
                let known = match c.as_str() {
                    Some(n) => self.named(n, depth),
                    None => self.eval(c, depth),
                };
                match known {
                    Some(true) => self.fold(yes, depth),
                    Some(false) => self.fold(no, depth),
                    None => {
                        let keep =
                            |s: &mut Self, n: &Node| s.fold(n, depth).unwrap_or_else(|| n.clone());
                        let items = vec![c.clone(), keep(self, yes), keep(self, no)];
                        Some(rebuild(node, Node::new(arg.span, NodeKind::Seq(items))))
                    }
                }
            }
            ("Fn::Join", [d, list]) => {
                let list = self.fold(list, depth)?;
                if let (Some(d), Some(parts)) = (d.scalar_text(), list.as_seq()) {
                    let texts: Option<Vec<_>> = parts.iter().map(Node::scalar_text).collect();
                    if let Some(texts) = texts {
                        return Some(string(node.span, texts.join(d.as_ref())));
                    }
                }
                let items = vec![d.clone(), list];
                Some(rebuild(node, Node::new(arg.span, NodeKind::Seq(items))))
            }
            ("Fn::Select", [a, b]) => {
                let (a, b) = (self.fold(a, depth)?, self.fold(b, depth)?);
                let pick = |i: &Node, l: &Node| {
                    let i: usize = i.scalar_text()?.trim().parse().ok()?;
                    let l = l.as_seq()?;
                    l.get(i).filter(|v| is_known(v)).cloned()
                };
                if let Some(v) = pick(&a, &b).or_else(|| pick(&b, &a)) {
                    return Some(v);
                }
                Some(rebuild(
                    node,
                    Node::new(arg.span, NodeKind::Seq(vec![a, b])),
                ))
            }
            ("Fn::Merge", _) => {
                let folded: Vec<Node> = items.iter().filter_map(|i| self.fold(i, depth)).collect();
                Some(
                    merge(node, &folded).unwrap_or_else(|| {
                        rebuild(node, Node::new(arg.span, NodeKind::Seq(folded)))
                    }),
                )
            }
            _ => Some(rebuild(
                node,
                self.fold(arg, depth).unwrap_or_else(|| arg.clone()),
            )),
        }
    }
}

/// `Fn::Merge` of known lists (concatenated) or mappings (later keys win); `None` while an operand is not
/// plain data.
fn merge(node: &Node, items: &[Node]) -> Option<Node> {
    if items.is_empty() || items.iter().any(|i| call(i).is_some()) {
        return None;
    }
    if items.iter().all(|i| i.as_seq().is_some()) {
        let all = items
            .iter()
            .flat_map(|i| i.as_seq().unwrap_or_default().iter().cloned());
        return Some(Node::new(node.span, NodeKind::Seq(all.collect())));
    }
    if items.iter().all(|i| i.as_map().is_some()) {
        let mut out: Vec<(String, crate::source::Span, Node)> = Vec::new();
        for m in items.iter().filter_map(Node::as_map) {
            for (k, e) in m.iter() {
                match out.iter_mut().find(|(n, _, _)| n == k) {
                    Some(slot) => slot.2 = e.value.clone(),
                    None => out.push((k.to_owned(), e.key_span, e.value.clone())),
                }
            }
        }
        let mut m = Mapping::with_capacity(out.len());
        for (k, s, v) in out {
            let _ = m.insert(k, s, v);
        }
        return Some(Node::new(node.span, NodeKind::Map(m)));
    }
    None
}

/// A condition expression with the known conditions it names taken out (`Fn::And` drops true operands,
/// `Fn::Or` false ones), so it never names a condition that was folded away.
pub(super) fn reduce(conds: &mut Conditions<'_>, node: &Node) -> Node {
    let Some((name, arg)) = call(node) else {
        return node.clone();
    };
    let items = arg.as_seq().unwrap_or_default();
    match name {
        "Fn::And" | "Fn::Or" => {
            let neutral = name == "Fn::And";
            let mut kept: Vec<Node> = Vec::new();
            for i in items {
                if conds.eval(i, 0) != Some(neutral) {
                    kept.push(reduce(conds, i));
                }
            }
            match kept.as_slice() {
                [one] => one.clone(),
                _ => rebuild(node, Node::new(arg.span, NodeKind::Seq(kept))),
            }
        }
        "Fn::Not" => rebuild(
            node,
            Node::new(
                arg.span,
                NodeKind::Seq(items.iter().map(|i| reduce(conds, i)).collect()),
            ),
        ),
        _ => conds.fold(node, 0).unwrap_or_else(|| node.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::tests::load;

    fn node(text: &str) -> Node {
        let (doc, _) = load(&format!("V: {text}\n"));
        doc.root.as_map().unwrap().get("V").unwrap().clone()
    }

    fn yaml(n: &Node) -> String {
        crate::source::emit::to_yaml(n).trim_end().to_owned()
    }

    #[test]
    fn conditions_are_known_when_their_operands_are() {
        let defs = [
            ("A", node("!Equals [x, x]")),
            ("B", node("!And [!Condition A, !Equals [!Ref P, y]]")),
            ("C", node("!Or [!Condition A, !Equals [!Ref P, y]]")),
            ("D", node("!Not [!Equals [!If [!Equals [a, a], x, y], y]]")),
        ];
        let c = Conditions::new(defs.iter().map(|(k, v)| (*k, v)));
        assert_eq!(c.get("A"), Some(true));
        assert_eq!(c.get("B"), None);
        assert_eq!(c.get("C"), Some(true));
        assert_eq!(c.get("D"), Some(true));
    }

    #[test]
    fn known_branches_and_functions_fold_and_no_value_goes_away() {
        let defs = [("T", node("!Equals [1, 1]"))];
        let mut c = Conditions::new(defs.iter().map(|(k, v)| (*k, v)));
        let folded = c
            .fold(
                &node("{a: !If [T, !Join ['-', [x, !Ref AWS::NoValue, y]], z], b: !If [T, !Ref AWS::NoValue, 1], c: !Select [1, [p, q]], d: {Fn::Merge: [[1], [2]]}, e: {Fn::Merge: [{k: 1}, {k: 2, l: 3}]}}"),
                0,
            )
            .unwrap();
        assert_eq!(
            yaml(&folded),
            "a: x-y\nc: q\nd:\n  - 1\n  - 2\ne:\n  k: 2\n  l: 3"
        );
    }

    #[test]
    fn unknown_conditions_keep_both_branches_and_reduce() {
        let defs = [
            ("K", node("!Equals [1, 1]")),
            ("U", node("!And [!Condition K, !Equals [!Ref P, y]]")),
        ];
        let mut c = Conditions::new(defs.iter().map(|(k, v)| (*k, v)));
        let folded = c.fold(&node("!If [U, !Ref AWS::NoValue, 1]"), 0).unwrap();
        assert_eq!(
            yaml(&folded),
            "Fn::If:\n  - U\n  - Ref: AWS::NoValue\n  - 1"
        );
        let reduced = reduce(&mut c, &defs[1].1);
        assert_eq!(yaml(&reduced), "Fn::Equals:\n  - Ref: P\n  - y");
    }
}
