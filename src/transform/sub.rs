//! `Fn::Sub` in the transform: substitutes the variables known now (variables given in the call,
//! parameters with a value or default, pseudo parameters given) and keeps the others. When some variable
//! waits for the stack (a resource, `${Resource.Attribute}`, a parameter without a value), the result is a
//! smaller `Fn::Sub` whose template holds the known text, literal `${` escaped again as `${!`.

use indexmap::IndexMap;

use crate::source::{Mapping, Node, NodeKind, Span};
use crate::template::{SubPart, parse_sub};

use super::codes;
use super::nodes::{call, rebuild, seq, string};
use super::resolver::{Res, Resolver, error};

impl Resolver<'_> {
    pub(super) fn sub(&mut self, node: &Node, arg: &Node) -> Res<Node> {
        let layout = || {
            error(
                codes::BAD_LAYOUT,
                arg.span,
                "`Fn::Sub` takes a string, or a list of a string and a mapping of variables",
            )
        };
        let (text_node, vars_node) = match &arg.kind {
            NodeKind::String(_) => (arg, None),
            NodeKind::Seq(items) => match items.as_slice() {
                [t, v] if t.as_str().is_some() && v.as_map().is_some() => (t, v.as_map()),
                _ => return Err(layout()),
            },
            _ => return Err(layout()),
        };
        let text = text_node.as_str().unwrap_or_default();
        let mut vars: IndexMap<&str, (Span, Option<Node>)> = IndexMap::new();
        for (k, e) in vars_node.into_iter().flat_map(Mapping::iter) {
            if matches!(e.value.kind, NodeKind::Null) {
                return Err(error(
                    codes::WRONG_KIND,
                    e.value.span,
                    format!("`Fn::Sub` variable `{k}` is null"),
                ));
            }
            vars.insert(k, (e.key_span, self.resolve(&e.value)?));
        }
        let parts = parse_sub(text, text_node.span, self.sources.snippet(text_node.span));
        let mut done = String::new();
        let mut escaped = String::new();
        let mut complete = true;
        // Given variables still used by the smaller `Fn::Sub`.
        let mut kept: Vec<&str> = Vec::new();
        for part in &parts {
            let (name, span) = match part {
                SubPart::Text(t) => {
                    done.push_str(t);
                    escaped.push_str(&t.replace("${", "${!"));
                    continue;
                }
                SubPart::Var { name, span } => (name.as_str(), *span),
            };
            let value = match vars.get(name) {
                Some((_, Some(v))) => Some(v.clone()),
                Some((_, None)) => {
                    return Err(error(
                        codes::WRONG_KIND,
                        span,
                        format!("`Fn::Sub` variable `{name}` is `AWS::NoValue`"),
                    ));
                }
                None if name.contains('.') => None,
                None => self
                    .parameter(name, span)
                    .or_else(|| self.pseudo(name, span)),
            };
            match value {
                Some(v) if v.scalar_text().is_some() => {
                    let t = v.scalar_text().unwrap_or_default();
                    done.push_str(&t);
                    escaped.push_str(&t.replace("${", "${!"));
                }
                Some(v) if call(&v).is_none() => {
                    return Err(error(
                        codes::WRONG_KIND,
                        span,
                        format!(
                            "`Fn::Sub` variable `{name}` is {}; only strings can be substituted",
                            v.describe()
                        ),
                    ));
                }
                _ => {
                    escaped.push_str(&format!("${{{name}}}"));
                    complete = false;
                    if let Some((k, _)) = vars.get_key_value(name) {
                        kept.push(*k);
                    }
                }
            }
        }
        if complete {
            return Ok(string(node.span, done));
        }
        let mut remaining = Mapping::new();
        for (k, (key_span, v)) in &vars {
            if let (true, Some(v)) = (kept.contains(k), v) {
                let _ = remaining.insert((*k).to_owned(), *key_span, v.clone());
            }
        }
        let template = string(text_node.span, escaped);
        Ok(if remaining.is_empty() {
            rebuild(node, template)
        } else {
            let vars_span = arg.as_seq().map_or(arg.span, |s| s[1].span);
            rebuild(
                node,
                seq(
                    arg.span,
                    vec![template, Node::new(vars_span, NodeKind::Map(remaining))],
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::transform::resolver::tests::{resolve, resolve_with};
    use crate::transform::{ExpandOptions, PseudoParameters};

    const P: &str = "Parameters:\n  name: {Type: String, Default: myname}\n  Bare: {Type: String}\n  Zones: {Type: CommaDelimitedList, Default: 'a,b'}\nResources:\n  Q: {Type: AWS::SQS::Queue}\n";

    #[test]
    fn known_variables_are_substituted() {
        assert_eq!(
            resolve(P, "!Sub ['topic-${prefix}-${name}', {prefix: bla}]"),
            Ok(Some(json!("topic-bla-myname")))
        );
        assert_eq!(
            resolve(P, "!Sub 'bucketname'"),
            Ok(Some(json!("bucketname")))
        );
        assert_eq!(
            resolve(P, "!Sub '${!Literal}-${name}'"),
            Ok(Some(json!("${Literal}-myname")))
        );
        let o = ExpandOptions {
            pseudo: PseudoParameters {
                region: Some("eu-west-1".into()),
                ..PseudoParameters::default()
            },
            ..ExpandOptions::default()
        };
        assert_eq!(
            resolve_with(P, "!Sub 'arn:${AWS::Partition}:${AWS::Region}'", &o),
            Ok(Some(json!("arn:aws:eu-west-1")))
        );
    }

    #[test]
    fn unknown_variables_keep_a_smaller_sub() {
        assert_eq!(
            resolve(P, "!Sub '${!Keep}-${name}-${Q}-${Q.Arn}-${AWS::Region}'"),
            Ok(Some(
                json!({"Fn::Sub": "${!Keep}-myname-${Q}-${Q.Arn}-${AWS::Region}"})
            ))
        );
        assert_eq!(
            resolve(P, "!Sub ['${a}/${b}', {a: !GetAtt Q.Arn, b: !Ref name}]"),
            Ok(Some(
                json!({"Fn::Sub": ["${a}/myname", {"a": {"Fn::GetAtt": ["Q", "Arn"]}}]})
            ))
        );
        assert_eq!(
            resolve(P, "!Sub '${Bare}'"),
            Ok(Some(json!({"Fn::Sub": "${Bare}"})))
        );
    }

    #[test]
    fn sub_errors() {
        assert!(
            resolve(P, "!Sub '${Zones}'")
                .unwrap_err()
                .contains("is a list")
        );
        assert!(
            resolve(P, "!Sub ['${a}', {a: null}]")
                .unwrap_err()
                .contains("is null")
        );
        assert!(
            resolve(P, "!Sub [a, b, c]")
                .unwrap_err()
                .contains("`Fn::Sub` takes")
        );
    }
}
