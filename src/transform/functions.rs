//! The value functions the transform resolves: `Fn::Length`, `Fn::ToJsonString`, and `Fn::Select`,
//! `Fn::Join`, `Fn::Split`, `Fn::Base64`. Each computes its result when its inputs are known now, and
//! otherwise stays a call over its resolved arguments for CloudFormation. `Fn::FindInMap` is in
//! `find_in_map.rs`, `Fn::Sub` in `sub.rs`.

use crate::evaluate::Value;
use crate::source::{Node, NodeKind};

use super::codes;
use super::nodes::{call, has_undecided_item, is_known, rebuild, seq, string};
use super::resolver::{Res, Resolver, error};

impl Resolver<'_> {
    /// `Fn::Length`: the number of items of a list (after `AWS::NoValue` items are dropped).
    pub(super) fn length(&mut self, node: &Node, arg: &Node) -> Res<Node> {
        let Some(r) = self.resolve(arg)? else {
            return Err(error(
                codes::BAD_LAYOUT,
                arg.span,
                "`Fn::Length` takes a list, found `AWS::NoValue`",
            ));
        };
        if let NodeKind::Seq(items) = &r.kind {
            if has_undecided_item(items) {
                return Ok(rebuild(node, r));
            }
            return Ok(Node::new(
                node.span,
                NodeKind::Number(items.len().to_string()),
            ));
        }
        if call(&r).is_some() {
            return Ok(rebuild(node, r));
        }
        Err(error(
            codes::BAD_LAYOUT,
            arg.span,
            format!("`Fn::Length` takes a list, found {}", r.describe()),
        ))
    }

    /// `Fn::ToJsonString`: compact JSON text of a mapping or list, once everything in it is known.
    pub(super) fn json_string(&mut self, node: &Node, arg: &Node) -> Res<Node> {
        if !matches!(arg.kind, NodeKind::Seq(_) | NodeKind::Map(_)) {
            return Err(error(
                codes::BAD_LAYOUT,
                arg.span,
                format!(
                    "`Fn::ToJsonString` takes a mapping or a list, found {}",
                    arg.describe()
                ),
            ));
        }
        refuse_in_json(arg)?;
        let Some(resolved) = self.resolve(arg)? else {
            return Err(error(
                codes::BAD_LAYOUT,
                arg.span,
                "`Fn::ToJsonString` takes a mapping or a list, found `AWS::NoValue`",
            ));
        };
        unresolved_lists_in_json(&resolved)?;
        if !matches!(resolved.kind, NodeKind::Seq(_) | NodeKind::Map(_)) {
            return Err(error(
                codes::BAD_LAYOUT,
                arg.span,
                format!(
                    "`Fn::ToJsonString` takes a mapping or a list, found {}",
                    resolved.describe()
                ),
            ));
        }
        if is_known(&resolved) {
            Ok(string(node.span, Value::from_node(&resolved).to_json()))
        } else {
            Ok(rebuild(node, resolved))
        }
    }

    /// `Fn::Select`: the item at a whole-number index (a number or numeric string).
    pub(super) fn select(&mut self, node: &Node, arg: &Node) -> Res<Node> {
        let [index, list] = two(arg, "Fn::Select", "an index and a list")?;
        let (i, l) = (
            self.required(index, "Fn::Select")?,
            self.required(list, "Fn::Select")?,
        );
        let waits =
            call(&i).is_some() || call(&l).is_some() || l.as_seq().is_some_and(has_undecided_item);
        if waits {
            return Ok(rebuild(node, seq(arg.span, vec![i, l])));
        }
        let text = i.scalar_text().unwrap_or_default().trim().to_owned();
        let Ok(at) = text.parse::<usize>() else {
            return Err(error(
                codes::WRONG_KIND,
                index.span,
                format!(
                    "the index of `Fn::Select` must be a whole number, found {}",
                    i.describe()
                ),
            ));
        };
        let Some(items) = l.as_seq() else {
            return Err(error(
                codes::WRONG_KIND,
                list.span,
                format!("`Fn::Select` selects from a list, found {}", l.describe()),
            ));
        };
        match items.get(at) {
            Some(item) => Ok(item.clone()),
            None => Err(error(
                codes::INDEX_OUT_OF_RANGE,
                index.span,
                format!(
                    "index {at} is out of range for `Fn::Select`: the list has {} item{}",
                    items.len(),
                    if items.len() == 1 { "" } else { "s" }
                ),
            )),
        }
    }

    /// `Fn::Join`: the items' text joined with the delimiter, once every item is known.
    pub(super) fn join(&mut self, node: &Node, arg: &Node) -> Res<Node> {
        let [delimiter, list] = two(arg, "Fn::Join", "a delimiter and a list")?;
        let (d, l) = (
            self.required(delimiter, "Fn::Join")?,
            self.required(list, "Fn::Join")?,
        );
        let Some(items) = l.as_seq() else {
            if call(&l).is_some() {
                return Ok(rebuild(node, seq(arg.span, vec![d, l])));
            }
            return Err(error(
                codes::WRONG_KIND,
                list.span,
                format!("`Fn::Join` joins a list, found {}", l.describe()),
            ));
        };
        if let Some(bad) = items
            .iter()
            .find(|i| i.scalar_text().is_none() && call(i).is_none())
        {
            return Err(error(
                codes::WRONG_KIND,
                list.span,
                format!(
                    "`Fn::Join` joins strings, found {} in its list",
                    bad.describe()
                ),
            ));
        }
        match d.scalar_text() {
            Some(sep) if is_known(&l) => {
                let texts: Vec<String> = items
                    .iter()
                    .filter_map(|i| i.scalar_text().map(|t| t.into_owned()))
                    .collect();
                Ok(string(node.span, texts.join(&*sep)))
            }
            _ if call(&d).is_some() || !is_known(&l) => {
                Ok(rebuild(node, seq(arg.span, vec![d, l])))
            }
            _ => Err(error(
                codes::WRONG_KIND,
                delimiter.span,
                format!(
                    "the delimiter of `Fn::Join` must be a string, found {}",
                    d.describe()
                ),
            )),
        }
    }

    /// `Fn::Split`: a string cut at every occurrence of a non-empty delimiter.
    pub(super) fn split(&mut self, node: &Node, arg: &Node) -> Res<Node> {
        let [delimiter, source] = two(arg, "Fn::Split", "a delimiter and a string")?;
        let (d, s) = (
            self.required(delimiter, "Fn::Split")?,
            self.required(source, "Fn::Split")?,
        );
        if call(&d).is_some() || call(&s).is_some() {
            return Ok(rebuild(node, seq(arg.span, vec![d, s])));
        }
        let (Some(sep), Some(text)) = (d.scalar_text(), s.scalar_text()) else {
            let (at, found) = if d.scalar_text().is_none() {
                (delimiter, &d)
            } else {
                (source, &s)
            };
            return Err(error(
                codes::WRONG_KIND,
                at.span,
                format!(
                    "`Fn::Split` takes a delimiter and a string, found {}",
                    found.describe()
                ),
            ));
        };
        if sep.is_empty() {
            return Err(error(
                codes::BAD_LAYOUT,
                delimiter.span,
                "the delimiter of `Fn::Split` is empty",
            ));
        }
        let items = text
            .split(sep.as_ref())
            .map(|p| string(node.span, p))
            .collect();
        Ok(seq(node.span, items))
    }

    /// `Fn::Base64`: the standard (padded) base64 encoding of the string's UTF-8 bytes.
    pub(super) fn base64(&mut self, node: &Node, arg: &Node) -> Res<Node> {
        let v = self.required(arg, "Fn::Base64")?;
        if call(&v).is_some() {
            return Ok(rebuild(node, v));
        }
        match v.scalar_text() {
            Some(t) => Ok(string(node.span, encode_base64(t.as_bytes()))),
            None => Err(error(
                codes::WRONG_KIND,
                arg.span,
                format!("`Fn::Base64` encodes a string, found {}", v.describe()),
            )),
        }
    }

    /// Resolves an argument that must have a value.
    pub(super) fn required(&mut self, arg: &Node, function: &str) -> Res<Node> {
        self.resolve(arg)?.ok_or_else(|| {
            error(
                codes::WRONG_KIND,
                arg.span,
                format!("an argument of `{function}` is `AWS::NoValue`"),
            )
        })
    }
}

/// The two items of a function's argument list.
fn two<'n>(arg: &'n Node, function: &str, what: &str) -> Res<&'n [Node; 2]> {
    arg.as_seq()
        .and_then(|items| items.try_into().ok())
        .ok_or_else(|| {
            error(
                codes::BAD_LAYOUT,
                arg.span,
                format!("`{function}` takes {what}"),
            )
        })
}

/// Functions `Fn::ToJsonString` refuses inside its argument, before anything is resolved.
fn refuse_in_json(node: &Node) -> Res<()> {
    if let Some((f, arg)) = call(node) {
        if ["Fn::And", "Fn::Or", "Fn::Not", "Fn::Equals"].contains(&f) {
            return Err(error(
                codes::FUNCTION_NOT_SUPPORTED,
                node.span,
                format!("`{f}` is not supported inside `Fn::ToJsonString`"),
            ));
        }
        if f == "Ref" && arg.as_str() == Some("AWS::NotificationARNs") {
            return Err(error(
                codes::FUNCTION_NOT_SUPPORTED,
                node.span,
                "`AWS::NotificationARNs` is not supported inside `Fn::ToJsonString`",
            ));
        }
    }
    match &node.kind {
        NodeKind::Seq(items) => items.iter().try_for_each(refuse_in_json),
        NodeKind::Map(m) => m.iter().try_for_each(|(_, e)| refuse_in_json(&e.value)),
        _ => Ok(()),
    }
}

/// A list-valued function left unresolved cannot be written as JSON text: `Fn::Split` must resolve.
fn unresolved_lists_in_json(node: &Node) -> Res<()> {
    if let Some(("Fn::Split", NodeKind::Seq(_))) = call(node).map(|(f, a)| (f, &a.kind)) {
        return Err(error(
            codes::FUNCTION_NOT_SUPPORTED,
            node.span,
            "`Fn::Split` inside `Fn::ToJsonString` must resolve when the transform runs",
        ));
    }
    match &node.kind {
        NodeKind::Seq(items) => items.iter().try_for_each(unresolved_lists_in_json),
        NodeKind::Map(m) => m
            .iter()
            .try_for_each(|(_, e)| unresolved_lists_in_json(&e.value)),
        _ => Ok(()),
    }
}

fn encode_base64(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::encode_base64;
    use crate::transform::resolver::tests::{err, ok};

    #[test]
    fn length_counts_resolved_lists() {
        assert_eq!(ok("!Length [a, b, c]"), json!(3));
        assert_eq!(
            ok("!Length [a, !Ref AWS::NoValue, !If [Yes, b, c], !Base64 q]"),
            json!(3)
        );
        assert_eq!(ok("!Length {Ref: Names}"), json!(3));
        assert_eq!(ok("!Length [!Ref R, !GetAtt R.Arn]"), json!(2));
        assert_eq!(
            ok("!Length [a, !If [Later, b, !Ref AWS::NoValue]]")["Fn::Length"][0],
            "a"
        );
        assert_eq!(
            ok("!Length {Ref: Bare}"),
            json!({"Fn::Length": {"Ref": "Bare"}})
        );
        assert_eq!(
            err("!Length q1"),
            "q1: `Fn::Length` takes a list, found a string"
        );
    }

    #[test]
    fn to_json_string_writes_known_values_compactly() {
        assert_eq!(
            ok("{'Fn::ToJsonString': {z: 1, a: [true, !Ref Names]}}"),
            json!(r#"{"z":1,"a":[true,["x","y","z"]]}"#)
        );
        assert_eq!(
            ok("{'Fn::ToJsonString': {arn: !GetAtt R.Arn, gone: !Ref AWS::NoValue}}"),
            json!({"Fn::ToJsonString": {"arn": {"Fn::GetAtt": ["R", "Arn"]}}})
        );
        assert!(
            err("{'Fn::ToJsonString': ''}").contains("takes a mapping or a list, found a string")
        );
        assert!(
            err("{'Fn::ToJsonString': {a: !And [!Condition Yes, true]}}")
                .contains("`Fn::And` is not supported")
        );
        assert!(
            err("{'Fn::ToJsonString': [!Ref AWS::NotificationARNs]}")
                .contains("`AWS::NotificationARNs`")
        );
        assert!(
            err("{'Fn::ToJsonString': {s: !Split ['|', !Ref Nope]}}")
                .contains("`Fn::Split` inside")
        );
    }

    #[test]
    fn select_join_split_base64() {
        assert_eq!(ok("!Select ['1', !Split [',', 'a,b']]"), json!("b"));
        assert_eq!(
            ok("!Select [1, !Ref Unknown]"),
            json!({"Fn::Select": [1, {"Ref": "Unknown"}]})
        );
        assert_eq!(
            err("!Select [2, [a, b]]"),
            "2: index 2 is out of range for `Fn::Select`: the list has 2 items"
        );
        assert_eq!(ok("!Join ['', [a, !Select [0, ['0']], 1]]"), json!("a01"));
        assert_eq!(
            ok("!Join [':', [a, !Ref R]]"),
            json!({"Fn::Join": [":", ["a", {"Ref": "R"}]]})
        );
        assert!(err("!Join [',', [a, [b]]]").contains("found a list in its list"));
        assert!(err("!Split ['', abc]").contains("is empty"));
        assert_eq!(
            ok("!Base64 \"echo 'Hello World'\""),
            json!("ZWNobyAnSGVsbG8gV29ybGQn")
        );
        assert_eq!(encode_base64(b"ab"), "YWI=");
        assert_eq!(encode_base64(b""), "");
    }
}
