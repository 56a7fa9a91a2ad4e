//! A loop's collection, resolved when the transform runs: a list written in the template, or a function
//! that resolves now to one (a `Ref` to a `CommaDelimitedList` parameter with a value or a default,
//! `Fn::FindInMap`, `Fn::Split`, a decided `Fn::If`...). Each item is a string, a number or a boolean, or,
//! when the loop's identifier is a list, a list of one such value per identifier; items become text, as
//! CloudFormation substitutes them. A collection known only at stack time (a resource, a `NoEcho`
//! parameter, `Fn::GetAZs`) is an error: the keys it would generate cannot be known.

use crate::source::{Diagnostic, Node, NodeKind, Span};

use super::codes;
use super::loop_header::Header;
use super::nodes::call;
use super::resolver::{Res, Resolver, is_no_echo};

impl Resolver<'_> {
    /// The values of each item of the loop's collection, as text: one per identifier. Every item that is
    /// wrong is reported.
    pub(super) fn loop_collection(
        &mut self,
        h: &Header,
    ) -> Result<Vec<Vec<String>>, Vec<Diagnostic>> {
        let node = h.collection;
        let wrong_kind = |span: Span, found: &str| {
            Diagnostic::error(
                codes::FOREACH_COLLECTION,
                span,
                format!(
                    "the collection of `{}` must be a list, found {found}",
                    h.key
                ),
            )
            .with_help("write a list, or a `Ref` to a `CommaDelimitedList` parameter")
        };
        if !matches!(node.kind, NodeKind::Seq(_) | NodeKind::Map(_)) {
            return Err(vec![wrong_kind(node.span, node.describe())]);
        }
        let resolved = match self.resolve(node) {
            Ok(Some(n)) => n,
            Ok(None) => return Err(vec![wrong_kind(node.span, "`AWS::NoValue`")]),
            Err(d) => return Err(vec![*d]),
        };
        let Some(items) = resolved.as_seq() else {
            return Err(vec![match call(&resolved) {
                Some(_) => self.unresolved_collection(h, &resolved),
                None => wrong_kind(node.span, resolved.describe()),
            }]);
        };
        let mut out = Vec::with_capacity(items.len());
        let mut errors = Vec::new();
        for item in items {
            match self.loop_item(h, item) {
                Ok(values) => out.push(values),
                Err(d) => errors.push(*d),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// One item of a resolved collection: a scalar, or a list of one scalar per identifier.
    fn loop_item(&self, h: &Header, item: &Node) -> Res<Vec<String>> {
        let n = h.identifiers.len();
        let values: Vec<&Node> = if h.listed {
            match item.as_seq() {
                Some(values) if values.len() == n => values.iter().collect(),
                _ if call(item).is_some() => {
                    return Err(Box::new(self.unresolved_collection(h, item)));
                }
                found => {
                    return Err(Box::new(Diagnostic::error(
                        codes::FOREACH_COLLECTION,
                        item.span,
                        format!(
                            "each item of the collection of `{}` must be a list of {n} value{} (one per identifier), found {}",
                            h.key,
                            if n == 1 { "" } else { "s" },
                            match found {
                                Some(v) => format!("a list of {}", v.len()),
                                None => item.describe().to_owned(),
                            }
                        ),
                    )));
                }
            }
        } else {
            vec![item]
        };
        let mut texts = Vec::with_capacity(values.len());
        for v in values {
            if let Some(t) = v.scalar_text() {
                texts.push(t.into_owned());
            } else if call(v).is_some() {
                return Err(Box::new(self.unresolved_collection(h, v)));
            } else {
                return Err(Box::new(Diagnostic::error(
                    codes::FOREACH_COLLECTION,
                    v.span,
                    format!(
                        "an item of the collection of `{}` must be a string, a number or a boolean, found {}",
                        h.key,
                        v.describe()
                    ),
                )));
            }
        }
        Ok(texts)
    }

    /// The diagnostic for a collection, or an item of one, that is a call left for stack time.
    fn unresolved_collection(&self, h: &Header, call_node: &Node) -> Diagnostic {
        let reason = match call(call_node) {
            Some(("Ref", target)) => {
                let name = target.as_str().unwrap_or_default();
                let decl = self
                    .parameters
                    .and_then(|p| p.get(name))
                    .and_then(Node::as_map);
                match decl {
                    Some(d) if is_no_echo(d) => format!(
                        "parameter `{name}` is `NoEcho`, and its values would show in the expanded template"
                    ),
                    Some(_) => format!("parameter `{name}` has no value and no default"),
                    None if self.is_resource(name) => {
                        format!("`{name}` is a resource, known only at stack time")
                    }
                    None => format!("`{name}` is not a parameter of the template"),
                }
            }
            Some((f, _)) => format!("`{f}` is resolved only at stack time"),
            None => "it is known only at stack time".to_owned(),
        };
        Diagnostic::error(
            codes::FOREACH_UNRESOLVED,
            call_node.span,
            format!(
                "the collection of `{}` must be known when the transform runs: {reason}",
                h.key
            ),
        )
        .with_help("use a list of values, or a `Ref` to a `CommaDelimitedList` parameter with a value or a default")
    }
}

#[cfg(test)]
mod tests {
    use crate::transform::ExpandOptions;
    use crate::transform::codes;
    use crate::transform::for_each::tests::{run, run_with};

    #[test]
    fn collections_from_parameters_mappings_and_functions() {
        let t = "Parameters:\n  L: {Type: CommaDelimitedList}\nMappings:\n  M: {k: {v: [m1, m2]}}\nResources:\n  Fn::ForEach::A: [N, !Ref L, {'A${N}': {Type: AWS::SNS::Topic}}]\n  Fn::ForEach::B: [N, !FindInMap [M, k, v], {'B${N}': {Type: AWS::SNS::Topic}}]\n  Fn::ForEach::C: [N, !Split [',', 'c1,c2'], {'C${N}': {Type: AWS::SNS::Topic}}]\n";
        let mut o = ExpandOptions::default();
        o.parameters.insert("L".into(), "p1, p2".into());
        let out = run_with(t, &o).unwrap();
        let keys: Vec<&String> = out["Resources"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["Ap1", "Ap2", "Bm1", "Bm2", "Cc1", "Cc2"]);
        let e = run(t).unwrap_err();
        assert_eq!(e[0].0, codes::FOREACH_UNRESOLVED);
        assert_eq!(e[0].1, "!Ref L");
        assert!(
            e[0].2
                .ends_with("parameter `L` has no value and no default"),
            "{e:?}"
        );
    }

    #[test]
    fn scalars_of_every_kind_and_empty_strings() {
        let out = run("Resources:\n  Fn::ForEach::Loop: [N, [1, true, ''], {'A${N}': {Type: AWS::SNS::Topic, Properties: {V: !Ref N}}}]\n").unwrap();
        assert_eq!(out["Resources"]["A1"]["Properties"]["V"], "1");
        assert_eq!(out["Resources"]["Atrue"]["Properties"]["V"], "true");
        assert_eq!(out["Resources"]["A"]["Properties"]["V"], "");
    }

    #[test]
    fn collection_errors() {
        let loop_with = |collection: &str| {
            run(&format!(
                "Parameters:\n  Secret: {{Type: CommaDelimitedList, NoEcho: true}}\n  S: {{Type: String, Default: x}}\nResources:\n  R: {{Type: AWS::SNS::Topic}}\n  Fn::ForEach::A: [N, {collection}, {{'A${{N}}': {{Type: AWS::SNS::Topic}}}}]\n"
            ))
            .unwrap_err()
            .remove(0)
        };
        for (collection, code, at, says) in [
            (
                "'a,b'",
                codes::FOREACH_COLLECTION,
                "'a,b'",
                "must be a list, found a string",
            ),
            ("null", codes::FOREACH_COLLECTION, "null", "found null"),
            (
                "!Ref S",
                codes::FOREACH_COLLECTION,
                "!Ref S",
                "found a string",
            ),
            (
                "[a, {}]",
                codes::FOREACH_COLLECTION,
                "{}",
                "found a mapping",
            ),
            ("[a, null]", codes::FOREACH_COLLECTION, "null", "found null"),
            (
                "[a, !Ref Nope]",
                codes::FOREACH_UNRESOLVED,
                "!Ref Nope",
                "`Nope` is not a parameter",
            ),
            (
                "!Ref Secret",
                codes::FOREACH_UNRESOLVED,
                "!Ref Secret",
                "is `NoEcho`",
            ),
            (
                "!Ref R",
                codes::FOREACH_UNRESOLVED,
                "!Ref R",
                "is a resource",
            ),
            (
                "!GetAZs ''",
                codes::FOREACH_UNRESOLVED,
                "!GetAZs ''",
                "`Fn::GetAZs` is resolved only",
            ),
        ] {
            let d = loop_with(collection);
            assert_eq!((d.0, d.1.as_str()), (code, at), "{collection}: {d:?}");
            assert!(d.2.contains(says), "{collection}: {d:?}");
        }
        let d = run("Resources:\n  Fn::ForEach::A: [[X, Y], [[a, b], [c]], {'A${X}': {Type: AWS::SNS::Topic}}]\n").unwrap_err();
        assert_eq!(d[0].1, "[c]");
        assert!(
            d[0].2
                .contains("a list of 2 values (one per identifier), found a list of 1")
        );
        let d =
            run("Resources:\n  Fn::ForEach::A: [[X], [a], {'A${X}': {Type: AWS::SNS::Topic}}]\n")
                .unwrap_err();
        assert!(d[0].2.contains("found a string"), "{d:?}");
    }
}
