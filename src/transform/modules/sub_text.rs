//! Rewriting the variables of an `Fn::Sub` string: each `${Name}` (never a `${!Literal}`) is kept, renamed,
//! replaced by text, or bound in the variable map. It knows nothing of modules: callers decide per name.

use crate::source::{Mapping, Node, NodeKind};
use crate::transform::nodes::{call, rebuild, string};

/// What becomes of one `${Name}`.
pub(super) enum Var {
    Keep,
    /// Replaced by this text (a name in `${...}` form, or plain text).
    Text(String),
    /// Kept as `${Name}`, with `Name` bound to the node in the variable map.
    Bind(Node),
}

/// How a value taking the place of a variable reads inside a `Fn::Sub` string: a scalar as its text, a
/// `Ref` or `Fn::GetAtt` as `${Name}` / `${Name.Attribute}`, a `Fn::Sub` without variables as its string.
/// `None` for anything else (it has to be bound in the variable map).
pub(super) fn inline(value: &Node) -> Option<String> {
    if let Some(t) = value.scalar_text() {
        return Some(t.into_owned());
    }
    match call(value)? {
        ("Ref", arg) => arg.as_str().map(|n| format!("${{{n}}}")),
        ("Fn::GetAtt", arg) => match &arg.kind {
            NodeKind::String(s) => Some(format!("${{{s}}}")),
            NodeKind::Seq(items) if items.len() == 2 => {
                let (r, a) = (items[0].as_str()?, items[1].as_str()?);
                Some(format!("${{{r}.{a}}}"))
            }
            _ => None,
        },
        ("Fn::Sub", arg) => arg.as_str().map(str::to_owned),
        _ => None,
    }
}

/// The names of the `${...}` variables of `text`, in order (no `${!...}` literals).
pub(super) fn vars(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if !name.starts_with('!') {
            out.push(name.trim());
        }
        rest = &after[close + 1..];
    }
    out
}

/// Rewrites `text` with `decide` called for each variable not bound in `shadow`. Returns the new text, the
/// bindings to add to the variable map, and whether anything changed.
pub(super) fn rewrite(
    text: &str,
    shadow: Option<&Mapping>,
    mut decide: impl FnMut(&str) -> Var,
) -> (String, Vec<(String, Node)>, bool) {
    let mut out = String::with_capacity(text.len());
    let mut binds = Vec::new();
    let mut changed = false;
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let raw = &after[..close];
        let name = raw.trim();
        let shadowed = shadow.is_some_and(|m| m.get(name).is_some());
        let var = if raw.starts_with('!') || shadowed {
            Var::Keep
        } else {
            decide(name)
        };
        match var {
            Var::Keep => out.push_str(&rest[i..i + 3 + close]),
            Var::Text(t) => {
                out.push_str(&t);
                changed = true;
            }
            Var::Bind(node) => {
                out.push_str(&rest[i..i + 3 + close]);
                if !binds.iter().any(|(n, _)| n == name) {
                    binds.push((name.to_owned(), node));
                }
                changed = true;
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    (out, binds, changed)
}

/// Rewrites a whole `Fn::Sub` call (`sub_call` is the call node, `arg` its argument) with `decide`, and walks
/// the variable map's values with `walk`. When it changed and no variable is left, the call becomes its
/// string.
pub(super) fn rewrite_call(
    sub_call: &Node,
    arg: &Node,
    decide: impl FnMut(&str) -> Var,
    mut walk: impl FnMut(&Node) -> Node,
) -> Node {
    let (text_node, map) = match &arg.kind {
        NodeKind::String(_) => (arg, None),
        NodeKind::Seq(items) if items.len() == 2 && items[0].as_str().is_some() => {
            (&items[0], items[1].as_map().map(|m| (&items[1], m)))
        }
        _ => return rebuild(sub_call, walk(arg)),
    };
    let text = text_node.as_str().unwrap_or_default();
    let (new_text, binds, changed) = rewrite(text, map.map(|(_, m)| m), decide);
    let mut vars = Mapping::new();
    if let Some((_, m)) = map {
        for (k, e) in m.iter() {
            let _ = vars.insert(k.to_owned(), e.key_span, walk(&e.value));
        }
    }
    for (k, v) in binds {
        let _ = vars.insert(k, v.span, v);
    }
    let text_node = string(text_node.span, new_text);
    if vars.is_empty() {
        if changed && self::vars(text_node.as_str().unwrap_or_default()).is_empty() {
            return Node::new(sub_call.span, text_node.kind);
        }
        return rebuild(sub_call, text_node);
    }
    let map_span = map.map_or(sub_call.span, |(n, _)| n.span);
    let seq = Node::new(
        arg.span,
        NodeKind::Seq(vec![text_node, Node::new(map_span, NodeKind::Map(vars))]),
    );
    rebuild(sub_call, seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_rewritten_and_literals_kept() {
        let (t, b, changed) = rewrite("a-${X}-${!Y}-${Z.Arn}", None, |n| match n {
            "X" => Var::Text("x".into()),
            _ => Var::Keep,
        });
        assert_eq!(t, "a-x-${!Y}-${Z.Arn}");
        assert!(b.is_empty() && changed);
        assert_eq!(vars(&t), ["Z.Arn"]);
    }

    #[test]
    fn an_unclosed_variable_stays_text() {
        let (t, _, changed) = rewrite("a-${X", None, |_| Var::Text("no".into()));
        assert_eq!(t, "a-${X");
        assert!(!changed);
    }
}
