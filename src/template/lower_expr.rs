//! Lowering of document nodes into [`Expr`]s. Lowering checks the shape of each intrinsic call (how many
//! arguments, of which form) and reports what it cannot read; it never evaluates anything and never decides
//! whether a call is allowed where it stands (that is the `check` stage's job).

use crate::source::{Diagnostic, Node, NodeKind, SourceMap, Span, codes, suggest};

use super::expr::{
    DynamicPart, DynamicReference, Expr, ExprKind, ExprMap, FUNCTIONS, Name, SubCall, SubPart,
};

pub struct Lowerer<'a> {
    pub sources: &'a SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    /// `AWS::LanguageExtensions` is declared: `Ref` and `Fn::GetAtt` may take computed names.
    pub language_extensions: bool,
}

impl<'a> Lowerer<'a> {
    pub fn new(sources: &'a SourceMap) -> Lowerer<'a> {
        Lowerer {
            sources,
            diagnostics: Vec::new(),
            language_extensions: false,
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) -> ExprKind {
        self.diagnostics
            .push(Diagnostic::error(codes::BAD_ARGUMENTS, span, message));
        ExprKind::Invalid
    }

    /// Lowers a value in a data position (Properties, Outputs, Metadata...).
    pub fn value(&mut self, node: &Node) -> Expr {
        self.lower(node, false)
    }

    /// Lowers a value in a condition position (Conditions, the arguments of And/Or/Not, Rules), where a
    /// one-key `Condition: Name` mapping is a reference to a condition.
    pub fn condition(&mut self, node: &Node) -> Expr {
        self.lower(node, true)
    }

    fn lower(&mut self, node: &Node, in_condition: bool) -> Expr {
        let kind = match &node.kind {
            NodeKind::Null => ExprKind::Null,
            NodeKind::Bool(b) => ExprKind::Bool(*b),
            NodeKind::Number(n) => ExprKind::Number(n.clone()),
            NodeKind::String(s) => self.string(s, node.span),
            NodeKind::Seq(items) => {
                ExprKind::List(items.iter().map(|n| self.lower(n, in_condition)).collect())
            }
            NodeKind::Map(m) => {
                if let Some((key, entry)) = m.single()
                    && let Some(kind) =
                        self.call(key, entry.key_span, &entry.value, node.span, in_condition)
                {
                    kind
                } else {
                    let mut out = ExprMap::with_capacity(m.len());
                    for (k, e) in m.iter() {
                        let value = if let Some(name) = k.strip_prefix("Fn::ForEach::") {
                            Expr::new(
                                e.value.span,
                                ExprKind::ForEach {
                                    name: name.to_owned(),
                                    body: Box::new(self.lower(&e.value, in_condition)),
                                },
                            )
                        } else {
                            self.lower(&e.value, in_condition)
                        };
                        out.insert(k.to_owned(), (e.key_span, value));
                    }
                    ExprKind::Map(out)
                }
            }
        };
        Expr::new(node.span, kind)
    }

    fn string(&mut self, s: &str, span: Span) -> ExprKind {
        if !s.contains("{{resolve:") {
            return ExprKind::String(s.to_owned());
        }
        match parse_dynamic(s) {
            Ok(parts) => ExprKind::Dynamic(parts),
            Err(msg) => {
                self.diagnostics.push(
                    Diagnostic::error(codes::BAD_DYNAMIC_REFERENCE, span, msg)
                        .with_help("the form is `{{resolve:ssm:NAME}}`, `{{resolve:ssm-secure:NAME}}` or `{{resolve:secretsmanager:ID}}`"),
                );
                ExprKind::String(s.to_owned())
            }
        }
    }

    /// Lowers a one-key mapping that may be a function call. `None`: plain data.
    fn call(
        &mut self,
        key: &str,
        key_span: Span,
        arg: &Node,
        span: Span,
        in_condition: bool,
    ) -> Option<ExprKind> {
        let boxed = |l: &mut Self, n: &Node| Box::new(l.lower(n, false));
        // An argument that is itself `Fn::Transform` is replaced by the transform's output before
        // CloudFormation reads the call: keep the call as data around the transform.
        if key != "Fn::Transform" && is_transform_call(arg) {
            let mut m = ExprMap::with_capacity(1);
            m.insert(key.to_owned(), (key_span, self.lower(arg, in_condition)));
            return Some(ExprKind::Map(m));
        }
        // With AWS::LanguageExtensions, `Ref` and `Fn::GetAtt` may compute the name (inside Fn::ForEach).
        if self.language_extensions
            && (key == "Ref" && arg.as_map().is_some()
                || key == "Fn::GetAtt"
                    && arg
                        .as_seq()
                        .and_then(|s| s.first())
                        .is_some_and(|n| n.as_map().is_some()))
        {
            let mut m = ExprMap::with_capacity(1);
            m.insert(key.to_owned(), (key_span, self.lower(arg, in_condition)));
            return Some(ExprKind::Map(m));
        }
        let kind = match key {
            "Ref" => match arg.as_str() {
                Some(name) if !name.is_empty() => ExprKind::Ref(Name::new(arg.span, name)),
                _ => self.error(
                    arg.span,
                    format!(
                        "`Ref` takes the name of a parameter or resource, found {}",
                        arg.describe()
                    ),
                ),
            },
            "Condition" if in_condition => match arg.as_str() {
                Some(name) => ExprKind::Condition(Name::new(arg.span, name)),
                None => self.error(
                    arg.span,
                    format!(
                        "`Condition` takes a condition name, found {}",
                        arg.describe()
                    ),
                ),
            },
            "Condition" => return None,
            "Fn::GetAtt" => self.getatt(arg),
            "Fn::Sub" => self.sub(arg),
            "Fn::Join" => match self.args(key, arg, 2, 2) {
                Some(a) => ExprKind::Join {
                    delimiter: boxed(self, &a[0]),
                    list: boxed(self, &a[1]),
                },
                None => ExprKind::Invalid,
            },
            "Fn::Select" => match self.args(key, arg, 2, 2) {
                Some(a) => ExprKind::Select {
                    index: boxed(self, &a[0]),
                    list: boxed(self, &a[1]),
                },
                None => ExprKind::Invalid,
            },
            "Fn::Split" => match self.args(key, arg, 2, 2) {
                Some(a) => ExprKind::Split {
                    delimiter: boxed(self, &a[0]),
                    source: boxed(self, &a[1]),
                },
                None => ExprKind::Invalid,
            },
            "Fn::FindInMap" => self.find_in_map(arg),
            "Fn::Base64" => ExprKind::Base64(boxed(self, arg)),
            "Fn::Cidr" => match self.args(key, arg, 3, 3) {
                Some(a) => ExprKind::Cidr {
                    block: boxed(self, &a[0]),
                    count: boxed(self, &a[1]),
                    bits: boxed(self, &a[2]),
                },
                None => ExprKind::Invalid,
            },
            "Fn::GetAZs" => ExprKind::GetAZs(boxed(self, arg)),
            "Fn::ImportValue" => ExprKind::ImportValue(boxed(self, arg)),
            "Fn::If" => match self.args(key, arg, 3, 3) {
                Some(a) => match a[0].as_str() {
                    Some(c) => ExprKind::If {
                        condition: Name::new(a[0].span, c),
                        then: Box::new(self.lower(&a[1], in_condition)),
                        otherwise: Box::new(self.lower(&a[2], in_condition)),
                    },
                    None => self.error(
                        a[0].span,
                        format!(
                            "the first argument of `Fn::If` is a condition name, found {}",
                            a[0].describe()
                        ),
                    ),
                },
                None => ExprKind::Invalid,
            },
            "Fn::Equals" => match self.args(key, arg, 2, 2) {
                Some(a) => ExprKind::Equals(
                    Box::new(self.lower(&a[0], true)),
                    Box::new(self.lower(&a[1], true)),
                ),
                None => ExprKind::Invalid,
            },
            "Fn::And" | "Fn::Or" => match self.args(key, arg, 2, 10) {
                Some(a) => {
                    let items = a.iter().map(|n| self.lower(n, true)).collect();
                    if key == "Fn::And" {
                        ExprKind::And(items)
                    } else {
                        ExprKind::Or(items)
                    }
                }
                None => ExprKind::Invalid,
            },
            "Fn::Not" => match self.args(key, arg, 1, 1) {
                Some(a) => ExprKind::Not(Box::new(self.lower(&a[0], true))),
                None => ExprKind::Invalid,
            },
            "Fn::Transform" if arg.as_seq().is_some() => {
                // A list of transforms, applied in order.
                let items = arg.as_seq().unwrap_or_default();
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    let mut m = crate::source::Mapping::new();
                    let _ = m.insert("Fn::Transform".to_owned(), key_span, item.clone());
                    let wrapped = Node::new(item.span, NodeKind::Map(m));
                    list.push(self.lower(&wrapped, false));
                }
                ExprKind::List(list)
            }
            "Fn::Transform" => match arg.as_map() {
                Some(m) => match m.get("Name") {
                    Some(name) => ExprKind::Transform {
                        name: boxed(self, name),
                        parameters: m.get("Parameters").map(|p| boxed(self, p)),
                    },
                    None => self.error(arg.span, "`Fn::Transform` needs a `Name`"),
                },
                None => self.error(
                    arg.span,
                    format!(
                        "`Fn::Transform` takes a mapping with `Name` and `Parameters`, found {}",
                        arg.describe()
                    ),
                ),
            },
            "Fn::Length" => ExprKind::Length(boxed(self, arg)),
            "Fn::ToJsonString" => ExprKind::ToJsonString(boxed(self, arg)),
            "Fn::GetStackOutput" => self.get_stack_output(arg),
            "Fn::Contains" => match self.args(key, arg, 2, 2) {
                Some(a) => ExprKind::Contains {
                    list: boxed(self, &a[0]),
                    value: boxed(self, &a[1]),
                },
                None => ExprKind::Invalid,
            },
            "Fn::EachMemberEquals" => match self.args(key, arg, 2, 2) {
                Some(a) => ExprKind::EachMemberEquals {
                    list: boxed(self, &a[0]),
                    value: boxed(self, &a[1]),
                },
                None => ExprKind::Invalid,
            },
            "Fn::EachMemberIn" => match self.args(key, arg, 2, 2) {
                Some(a) => ExprKind::EachMemberIn {
                    list: boxed(self, &a[0]),
                    values: boxed(self, &a[1]),
                },
                None => ExprKind::Invalid,
            },
            "Fn::RefAll" => ExprKind::RefAll(boxed(self, arg)),
            "Fn::ValueOf" => match self.args(key, arg, 2, 2) {
                Some(a) => ExprKind::ValueOf {
                    parameter: boxed(self, &a[0]),
                    attribute: boxed(self, &a[1]),
                },
                None => ExprKind::Invalid,
            },
            "Fn::ValueOfAll" => match self.args(key, arg, 2, 2) {
                Some(a) => ExprKind::ValueOfAll {
                    parameter_type: boxed(self, &a[0]),
                    attribute: boxed(self, &a[1]),
                },
                None => ExprKind::Invalid,
            },
            _ if key.starts_with("Fn::ForEach::") => return None,
            _ if key.starts_with("Fn::") => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::UNKNOWN_FUNCTION,
                        key_span,
                        format!("unknown intrinsic function `{key}`"),
                    )
                    .with_help_opt(suggest(key, FUNCTIONS.iter().copied())),
                );
                ExprKind::Invalid
            }
            _ => return None,
        };
        let _ = span;
        Some(kind)
    }

    /// The list arguments of `func`, checking their count.
    fn args<'n>(
        &mut self,
        func: &str,
        arg: &'n Node,
        min: usize,
        max: usize,
    ) -> Option<&'n [Node]> {
        let count = if min == max {
            format!("{min}")
        } else {
            format!("{min} to {max}")
        };
        match arg.as_seq() {
            Some(items) if (min..=max).contains(&items.len()) => Some(items),
            Some(items) => {
                self.error(
                    arg.span,
                    format!("`{func}` takes {count} arguments, found {}", items.len()),
                );
                None
            }
            None => {
                self.error(
                    arg.span,
                    format!(
                        "`{func}` takes a list of {count} arguments, found {}",
                        arg.describe()
                    ),
                );
                None
            }
        }
    }

    fn getatt(&mut self, arg: &Node) -> ExprKind {
        // `Fn::GetAtt: Resource.Attribute` (string form) is accepted as its short form is.
        if let Some(s) = arg.as_str() {
            return match s.split_once('.') {
                Some((r, a)) if !r.is_empty() && !a.is_empty() => ExprKind::GetAtt {
                    resource: Name::new(arg.span, r),
                    attribute: Box::new(Expr::new(arg.span, ExprKind::String(a.to_owned()))),
                },
                _ => self.error(arg.span, format!("`Fn::GetAtt` takes `[Resource, Attribute]` or `Resource.Attribute`, found `{s}`")),
            };
        }
        let Some(a) = self.args("Fn::GetAtt", arg, 2, 2) else {
            return ExprKind::Invalid;
        };
        let Some(resource) = a[0].as_str() else {
            return self.error(
                a[0].span,
                format!(
                    "the resource of `Fn::GetAtt` must be a literal logical id, found {}",
                    a[0].describe()
                ),
            );
        };
        ExprKind::GetAtt {
            resource: Name::new(a[0].span, resource),
            attribute: Box::new(self.lower(&a[1], false)),
        }
    }

    fn sub(&mut self, arg: &Node) -> ExprKind {
        let (template, vars) = match &arg.kind {
            NodeKind::String(_) => (arg, None),
            NodeKind::Seq(items) if items.len() == 2 => (&items[0], Some(&items[1])),
            NodeKind::Seq(items) if items.len() == 1 => (&items[0], None),
            _ => {
                return self.error(
                    arg.span,
                    format!(
                        "`Fn::Sub` takes a string or `[String, {{Variables}}]`, found {}",
                        arg.describe()
                    ),
                );
            }
        };
        let Some(text) = template.as_str() else {
            self.diagnostics.push(
                Diagnostic::error(codes::SUB_NOT_LITERAL, template.span, format!("the template of `Fn::Sub` must be a literal string, found {}", template.describe()))
                    .with_help("CloudFormation does not evaluate functions in the template string; use variables: `!Sub ['${Var}', {Var: !Ref X}]`"),
            );
            return ExprKind::Invalid;
        };
        let mut variables = ExprMap::new();
        if let Some(v) = vars {
            match v.as_map() {
                Some(m) => {
                    for (k, e) in m.iter() {
                        variables.insert(k.to_owned(), (e.key_span, self.lower(&e.value, false)));
                    }
                }
                None => {
                    return self.error(
                        v.span,
                        format!(
                            "the variables of `Fn::Sub` must be a mapping, found {}",
                            v.describe()
                        ),
                    );
                }
            }
        }
        let parts = parse_sub(text, template.span, self.sources.snippet(template.span));
        ExprKind::Sub(Box::new(SubCall {
            template: Name::new(template.span, text),
            parts,
            variables,
        }))
    }

    fn find_in_map(&mut self, arg: &Node) -> ExprKind {
        let Some(a) = self.args("Fn::FindInMap", arg, 3, 4) else {
            return ExprKind::Invalid;
        };
        let default = match a.get(3) {
            None => None,
            Some(d) => match d
                .as_map()
                .and_then(|m| m.get("DefaultValue").filter(|_| m.len() == 1))
            {
                Some(v) => Some(Box::new(self.lower(v, false))),
                None => {
                    return self.error(
                        d.span,
                        "the fourth argument of `Fn::FindInMap` must be `{DefaultValue: ...}`",
                    );
                }
            },
        };
        ExprKind::FindInMap {
            map: Box::new(self.lower(&a[0], false)),
            top_key: Box::new(self.lower(&a[1], false)),
            second_key: Box::new(self.lower(&a[2], false)),
            default,
        }
    }

    fn get_stack_output(&mut self, arg: &Node) -> ExprKind {
        let Some(m) = arg.as_map() else {
            return self.error(arg.span, format!("`Fn::GetStackOutput` takes a mapping with `StackName` and `OutputName`, found {}", arg.describe()));
        };
        for (k, e) in m.iter() {
            if !["StackName", "OutputName", "Region", "RoleArn"].contains(&k) {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::BAD_ARGUMENTS,
                        e.key_span,
                        format!("unknown key `{k}` in `Fn::GetStackOutput`"),
                    )
                    .with_help_opt(suggest(k, ["StackName", "OutputName", "Region", "RoleArn"])),
                );
            }
        }
        let (Some(stack), Some(output)) = (m.get("StackName"), m.get("OutputName")) else {
            return self.error(
                arg.span,
                "`Fn::GetStackOutput` needs `StackName` and `OutputName`",
            );
        };
        ExprKind::GetStackOutput {
            stack_name: Box::new(self.lower(stack, false)),
            output_name: Box::new(self.lower(output, false)),
            region: m.get("Region").map(|n| Box::new(self.lower(n, false))),
            role_arn: m.get("RoleArn").map(|n| Box::new(self.lower(n, false))),
        }
    }
}

fn is_transform_call(n: &Node) -> bool {
    n.as_map()
        .and_then(|m| m.single())
        .is_some_and(|(k, _)| k == "Fn::Transform")
}

/// Splits a `Fn::Sub` template into text and `${Var}` parts. `${!Literal}` is the literal text `${Literal}`;
/// an unclosed `${` is literal text, as CloudFormation reads it. `source` is the source text under `span`
/// (empty when unknown), used to give each variable its own span.
pub fn parse_sub(text: &str, span: Span, source: &str) -> Vec<SubPart> {
    let mut search_from = 0usize;
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        literal.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(close) = after.find('}') else {
            literal.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let inner = &after[..close];
        if let Some(lit) = inner.strip_prefix('!') {
            literal.push_str("${");
            literal.push_str(lit);
            literal.push('}');
        } else {
            if !literal.is_empty() {
                parts.push(SubPart::Text(std::mem::take(&mut literal)));
            }
            let name = inner.trim();
            // Locate `${name}` in the source text for a precise span; fall back to the whole string.
            let needle = format!("${{{inner}}}");
            let var_span = match source.get(search_from..).and_then(|s| s.find(&needle)) {
                Some(pos) => {
                    let at = span.start as usize + search_from + pos + 2;
                    search_from += pos + needle.len();
                    Span::new(span.file, at, at + inner.len())
                }
                None => span,
            };
            parts.push(SubPart::Var {
                name: name.to_owned(),
                span: var_span,
            });
        }
        rest = &after[close + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(SubPart::Text(literal));
    }
    parts
}

/// Splits a string holding `{{resolve:...}}` references.
pub fn parse_dynamic(s: &str) -> Result<Vec<DynamicPart>, String> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("{{resolve:") {
        if i > 0 {
            parts.push(DynamicPart::Text(rest[..i].to_owned()));
        }
        let after = &rest[i + "{{resolve:".len()..];
        let Some(close) = after.find("}}") else {
            return Err("unclosed dynamic reference: `{{resolve:` without `}}`".to_owned());
        };
        let body = &after[..close];
        let (service, reference) = body.split_once(':').unwrap_or((body, ""));
        if !["ssm", "ssm-secure", "secretsmanager"].contains(&service) {
            return Err(format!(
                "unknown dynamic reference service `{service}`: expected `ssm`, `ssm-secure` or `secretsmanager`"
            ));
        }
        if reference.is_empty() {
            return Err(format!(
                "dynamic reference `{{{{resolve:{service}:}}}}` names no parameter or secret"
            ));
        }
        parts.push(DynamicPart::Resolve(DynamicReference {
            service: service.to_owned(),
            reference: reference.to_owned(),
        }));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        parts.push(DynamicPart::Text(rest.to_owned()));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn sub(text: &str) -> Vec<SubPart> {
        let mut sources = SourceMap::new();
        let f = sources.add("t", format!("\"{text}\""));
        let span = Span::new(f, 0, text.len() + 2);
        parse_sub(text, span, sources.snippet(span))
    }

    #[test]
    fn sub_variables_and_literals() {
        let parts = sub("arn:${AWS::Partition}:s3:::${Bucket}/${!Literal}");
        assert_eq!(parts.len(), 5);
        assert_eq!(
            parts[1],
            SubPart::Var {
                name: "AWS::Partition".into(),
                span: Span::new(FileId(0), 7, 21)
            }
        );
        assert_eq!(parts[4], SubPart::Text("/${Literal}".into()));
    }

    #[test]
    fn sub_unclosed_is_literal() {
        assert_eq!(sub("a ${b"), vec![SubPart::Text("a ${b".into())]);
    }

    #[test]
    fn dynamic_references() {
        let p = parse_dynamic("pre-{{resolve:ssm:/app/name:1}}-post").unwrap();
        assert_eq!(p.len(), 3);
        assert!(parse_dynamic("{{resolve:vault:x}}").is_err());
        assert!(parse_dynamic("{{resolve:ssm:x").is_err());
    }
}
