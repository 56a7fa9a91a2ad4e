//! `Fn::FindInMap` in the transform: the mapping value, or the `DefaultValue` (an `AWS::LanguageExtensions`
//! addition) when the mapping, a key or the value is missing. The map name and keys may be computed by the
//! functions the transform accepts there; they must resolve to text, or to a call CloudFormation resolves
//! before resources exist, in which case the lookup stays for CloudFormation.

use crate::source::{Diagnostic, Node, NodeKind, suggest};

use super::codes;
use super::nodes::{call, rebuild, respan, seq, string};
use super::resolver::{Res, Resolver, error};

/// Functions `Fn::FindInMap` accepts for its map name and keys.
const FIND_IN_MAP_FUNCTIONS: &[&str] = &[
    "Ref",
    "Fn::FindInMap",
    "Fn::Join",
    "Fn::Sub",
    "Fn::If",
    "Fn::Select",
    "Fn::Length",
    "Fn::ToJsonString",
    "Fn::Split",
];

/// A map name or key of `Fn::FindInMap`: known text, or a call CloudFormation resolves later.
enum Key {
    Text(String),
    Later(Node),
}

impl Key {
    fn text(&self) -> &str {
        match self {
            Key::Text(t) => t,
            Key::Later(_) => panic!("this is a bug: the keys of `Fn::FindInMap` are known here"),
        }
    }
}

impl Resolver<'_> {
    /// `Fn::FindInMap`: the mapping value, or the `DefaultValue` when the mapping, a key or the value is
    /// missing (a null value counts as missing).
    pub(super) fn find_in_map(&mut self, node: &Node, arg: &Node) -> Res<Option<Node>> {
        let layout = || {
            error(
                codes::BAD_LAYOUT,
                arg.span,
                "`Fn::FindInMap` takes a mapping name, a top-level key, a second-level key and optionally `{DefaultValue: ...}`",
            )
        };
        let args = arg
            .as_seq()
            .filter(|a| (3..=4).contains(&a.len()))
            .ok_or_else(layout)?;
        let default = match args.get(3) {
            None => None,
            Some(options) => match options.as_map() {
                Some(m) => m.get("DefaultValue"),
                None => return Err(layout()),
            },
        };
        let whats = [
            "the mapping name",
            "the top-level key",
            "the second-level key",
        ];
        let mut keys = Vec::with_capacity(3);
        for (a, what) in args.iter().zip(whats) {
            keys.push(self.map_key(a, what)?);
        }
        if keys.iter().any(|k| matches!(k, Key::Later(_))) {
            let mut rebuilt: Vec<Node> = keys
                .into_iter()
                .zip(args)
                .map(|(k, a)| match k {
                    Key::Text(t) => string(a.span, t),
                    Key::Later(n) => n,
                })
                .collect();
            if let Some(options) = args.get(3) {
                rebuilt.push(self.lenient(options));
            }
            return Ok(Some(rebuild(node, seq(arg.span, rebuilt))));
        }
        let (m, top, second) = (keys[0].text(), keys[1].text(), keys[2].text());
        let missing = match self.lookup(m, top, second) {
            Ok(found) => return Ok(Some(respan(found, node.span))),
            Err(missing) => missing,
        };
        match default {
            Some(d) => self.resolve(d),
            None => {
                let (at, message, help) = missing;
                Err(Box::new(
                    Diagnostic::error(codes::MAPPING_KEY_MISSING, args[at].span, message)
                        .with_help_opt(help),
                ))
            }
        }
    }

    /// The value at `m / top / second`; when missing, which argument is at fault, the message and a
    /// "did you mean".
    fn lookup(
        &self,
        m: &str,
        top: &str,
        second: &str,
    ) -> Result<&Node, (usize, String, Option<String>)> {
        let maps = self.mappings;
        let Some(map) = maps.and_then(|ms| ms.get(m)).and_then(Node::as_map) else {
            let help = suggest(m, maps.into_iter().flat_map(|ms| ms.keys()));
            return Err((0, format!("mapping `{m}` does not exist"), help));
        };
        let Some(entry) = map.get(top).and_then(Node::as_map) else {
            let help = suggest(top, map.keys());
            return Err((1, format!("mapping `{m}` has no key `{top}`"), help));
        };
        match entry.get(second) {
            Some(v) if !matches!(v.kind, NodeKind::Null) => Ok(v),
            Some(_) => Err((
                2,
                format!("key `{top}` of mapping `{m}` holds null for `{second}`"),
                None,
            )),
            None => {
                let help = suggest(second, entry.keys());
                Err((
                    2,
                    format!("key `{top}` of mapping `{m}` has no `{second}`"),
                    help,
                ))
            }
        }
    }

    /// A map name or key: functions the transform does not accept there are refused, and the value must
    /// resolve to text, or to a call CloudFormation resolves before resources exist.
    fn map_key(&mut self, arg: &Node, what: &str) -> Res<Key> {
        if let Some((f, _)) = call(arg)
            && !FIND_IN_MAP_FUNCTIONS.contains(&f)
        {
            return Err(error(
                codes::FUNCTION_NOT_SUPPORTED,
                arg.span,
                format!("`{f}` is not supported in {what} of `Fn::FindInMap`"),
            ));
        }
        let Some(v) = self.resolve(arg)? else {
            return Err(error(
                codes::WRONG_KIND,
                arg.span,
                format!("{what} of `Fn::FindInMap` is `AWS::NoValue`"),
            ));
        };
        if let Some(t) = v.scalar_text() {
            return Ok(Key::Text(t.into_owned()));
        }
        match call(&v) {
            Some(("Ref", target)) if target.as_str().is_some_and(|t| self.is_resource(t)) => {
                Err(error(
                    codes::FUNCTION_NOT_SUPPORTED,
                    arg.span,
                    format!(
                        "{what} of `Fn::FindInMap` must be known before resources are created, found `Ref` to resource `{}`",
                        target.as_str().unwrap_or_default()
                    ),
                ))
            }
            Some(_) => Ok(Key::Later(v)),
            None => Err(error(
                codes::WRONG_KIND,
                arg.span,
                format!(
                    "{what} of `Fn::FindInMap` must resolve to a string, found {}",
                    v.describe()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::transform::resolver::tests::{err, ok};

    #[test]
    fn find_in_map_values_defaults_and_errors() {
        assert_eq!(ok("!FindInMap [M, k1, a]"), json!("v1"));
        assert_eq!(ok("!FindInMap [M, !Select [1, [k1, k2]], a]"), json!("v2"));
        assert_eq!(ok("!FindInMap [M, k1, l]"), json!(["p", "q"]));
        assert_eq!(ok("!FindInMap [M, k3, a, {DefaultValue: d}]"), json!("d"));
        assert_eq!(
            ok("!FindInMap [M, k1, n, {DefaultValue: !Join ['-', [a, b]]}]"),
            json!("a-b")
        );
        assert_eq!(
            ok("!FindInMap [M, k1, b, {DefaultValue: !Ref R}]"),
            json!({"Ref": "R"})
        );
        assert_eq!(
            ok("!FindInMap [M, !Ref Bare, a]"),
            json!({"Fn::FindInMap": ["M", {"Ref": "Bare"}, "a"]})
        );
        assert_eq!(
            err("!FindInMap [M, k3, a]"),
            "k3: mapping `M` has no key `k3`"
        );
        assert_eq!(
            err("!FindInMap [N, k1, a]"),
            "N: mapping `N` does not exist"
        );
        assert!(err("!FindInMap [M, k1, n]").contains("holds null"));
        assert!(
            err("!FindInMap [M, !Split [., a.b], a, {DefaultValue: d}]")
                .contains("must resolve to a string, found a list")
        );
        assert!(
            err("!FindInMap [M, k1, !GetAtt R.Arn, {DefaultValue: d}]")
                .contains("`Fn::GetAtt` is not supported")
        );
        assert!(err("!FindInMap [M, !Ref R, a]").contains("found `Ref` to resource `R`"));
        assert!(err("!FindInMap [M, k1]").contains("takes a mapping name"));
    }
}
