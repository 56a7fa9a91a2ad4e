//! The partial evaluator of the transform: walks a node and resolves every intrinsic function whose inputs
//! are known when the transform runs, rebuilding the others around their resolved arguments. `Ref` to
//! parameters (given values, then defaults) and to known pseudo parameters, and `Fn::If` on decidable
//! conditions are handled here; the value functions live in `functions.rs` and `sub.rs`, the conditions in
//! `conditions.rs`. A result of `None` is `AWS::NoValue`: the enclosing entry or list item is removed.

use std::collections::HashMap;

use crate::source::{Diagnostic, Mapping, Node, NodeKind, SourceMap, Span};
use crate::template::ParameterType;

use super::codes;
use super::nodes::{call, rebuild, respan, seq, split_list, string};
use super::{ExpandOptions, PseudoValue};

/// Errors are boxed: they are rare, and the happy path stays small.
pub(super) type Res<T> = Result<T, Box<Diagnostic>>;

/// The template sections resolution reads, and what it has learned about conditions.
pub(super) struct Resolver<'a> {
    pub(super) parameters: Option<&'a Mapping>,
    pub(super) mappings: Option<&'a Mapping>,
    pub(super) conditions: Option<&'a Mapping>,
    pub(super) resources: Option<&'a Mapping>,
    pub(super) options: &'a ExpandOptions,
    pub(super) sources: &'a SourceMap,
    /// Conditions evaluated so far: `Some(b)` decided, `None` decided only at stack time.
    pub(super) truths: HashMap<String, Option<bool>>,
    /// Conditions being evaluated, innermost last: a guard against cycles.
    pub(super) visiting: Vec<String>,
}

pub(super) fn error(code: &'static str, span: Span, message: impl Into<String>) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(code, span, message))
}

impl<'a> Resolver<'a> {
    pub(super) fn new(
        root: &'a Mapping,
        options: &'a ExpandOptions,
        sources: &'a SourceMap,
    ) -> Resolver<'a> {
        let section = |name: &str| root.get(name).and_then(Node::as_map);
        Resolver {
            parameters: section("Parameters"),
            mappings: section("Mappings"),
            conditions: section("Conditions"),
            resources: section("Resources"),
            options,
            sources,
            truths: HashMap::new(),
            visiting: Vec::new(),
        }
    }

    /// Resolves `node`; `None` is `AWS::NoValue`.
    pub(super) fn resolve(&mut self, node: &Node) -> Res<Option<Node>> {
        if let Some((name, arg)) = call(node) {
            return self.function(node, name, arg);
        }
        Ok(Some(match &node.kind {
            NodeKind::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(r) = self.resolve(item)? {
                        out.push(r);
                    }
                }
                seq(node.span, out)
            }
            NodeKind::Map(m) => {
                let mut out = Mapping::with_capacity(m.len());
                for (k, e) in m.iter() {
                    if let Some(r) = self.resolve(&e.value)? {
                        let _ = out.insert(k.to_owned(), e.key_span, r);
                    }
                }
                Node::new(node.span, NodeKind::Map(out))
            }
            _ => node.clone(),
        }))
    }

    /// Resolves `node` where a failure must not stop the transform (a branch CloudFormation may never
    /// take): on error the node stays as written.
    pub(super) fn lenient(&mut self, node: &Node) -> Node {
        match self.resolve(node) {
            Ok(Some(r)) => r,
            _ => node.clone(),
        }
    }

    fn function(&mut self, node: &Node, name: &str, arg: &Node) -> Res<Option<Node>> {
        match name {
            "Ref" => self.reference(node, arg),
            "Fn::If" => self.if_(node, arg),
            "Fn::FindInMap" => self.find_in_map(node, arg),
            "Fn::Length" => self.length(node, arg).map(Some),
            "Fn::ToJsonString" => self.json_string(node, arg).map(Some),
            "Fn::Select" => self.select(node, arg).map(Some),
            "Fn::Join" => self.join(node, arg).map(Some),
            "Fn::Split" => self.split(node, arg).map(Some),
            "Fn::Sub" => self.sub(node, arg).map(Some),
            "Fn::Base64" => self.base64(node, arg).map(Some),
            // Left to CloudFormation, with their arguments resolved (a parameter in an import name...).
            "Fn::GetAtt" | "Fn::ImportValue" | "Fn::GetAZs" | "Fn::Cidr" => {
                let resolved = self.resolve(arg)?.unwrap_or_else(|| arg.clone());
                Ok(Some(rebuild(node, resolved)))
            }
            // Condition functions outside `Conditions`, `Fn::Transform` (another macro's input) and
            // functions this transform does not know stay exactly as written.
            _ => Ok(Some(node.clone())),
        }
    }

    /// `Ref`: a parameter's value or default, a known pseudo parameter, `AWS::NoValue`; anything else (a
    /// resource, a name without a value) stays. The name itself may be computed (`Ref: !If [...]`).
    fn reference(&mut self, node: &Node, arg: &Node) -> Res<Option<Node>> {
        let target = match call(arg) {
            Some(_) => match self.resolve(arg)? {
                Some(t) => t,
                None => {
                    return Err(error(
                        codes::BAD_LAYOUT,
                        arg.span,
                        "`Ref` takes a name, found `AWS::NoValue`",
                    ));
                }
            },
            None => arg.clone(),
        };
        let Some(name) = target.as_str() else {
            if call(&target).is_some() {
                return Ok(Some(rebuild(node, target)));
            }
            return Err(error(
                codes::BAD_LAYOUT,
                arg.span,
                format!("`Ref` takes a name, found {}", target.describe()),
            ));
        };
        if name == "AWS::NoValue" {
            return Ok(None);
        }
        if let Some(v) = self.parameter(name, node.span) {
            return Ok(Some(v));
        }
        if let Some(v) = self.pseudo(name, node.span) {
            return Ok(Some(v));
        }
        Ok(Some(rebuild(node, target)))
    }

    /// The value `Ref` to parameter `name` yields now: the given value, else the declared `Default` (lists
    /// split). Parameters whose value is secret (`NoEcho`) or read from SSM are never resolved here.
    pub(super) fn parameter(&self, name: &str, span: Span) -> Option<Node> {
        let decl = self
            .parameters
            .and_then(|p| p.get(name))
            .and_then(Node::as_map);
        let kind = decl
            .and_then(|d| d.get("Type"))
            .and_then(Node::as_str)
            .and_then(ParameterType::parse);
        if matches!(kind, Some(ParameterType::SsmValue(_))) || decl.is_some_and(is_no_echo) {
            return None;
        }
        let list = kind.as_ref().is_some_and(ParameterType::is_list);
        if let Some(v) = self.options.parameters.get(name) {
            return Some(if list {
                split_list(v, span)
            } else {
                string(span, v.as_str())
            });
        }
        let default = decl?.get("Default")?;
        Some(match default.as_str() {
            Some(text) if list => split_list(text, span),
            _ => respan(default, span),
        })
    }

    /// A pseudo parameter's value, when given.
    pub(super) fn pseudo(&self, name: &str, span: Span) -> Option<Node> {
        Some(match self.options.pseudo.value(name)? {
            PseudoValue::Text(t) => string(span, t),
            PseudoValue::List(items) => {
                seq(span, items.into_iter().map(|i| string(span, i)).collect())
            }
        })
    }

    /// True when `name` is a resource of the template.
    pub(super) fn is_resource(&self, name: &str) -> bool {
        self.resources.is_some_and(|r| r.get(name).is_some())
    }

    /// `Fn::If`: the chosen branch when the condition is decided now; otherwise the call stays, each
    /// branch resolved as far as it goes.
    fn if_(&mut self, node: &Node, arg: &Node) -> Res<Option<Node>> {
        let layout = || {
            error(
                codes::BAD_LAYOUT,
                arg.span,
                "`Fn::If` takes a condition name, a value if true and a value if false",
            )
        };
        let [cond, then, otherwise] = arg.as_seq().ok_or_else(layout)? else {
            return Err(layout());
        };
        let Some(name) = cond.as_str() else {
            return Err(layout());
        };
        match self.condition_named(name, cond.span)? {
            Some(true) => self.resolve(then),
            Some(false) => self.resolve(otherwise),
            None => {
                let branches = vec![cond.clone(), self.lenient(then), self.lenient(otherwise)];
                Ok(Some(rebuild(node, seq(arg.span, branches))))
            }
        }
    }
}

/// True when a parameter declaration says `NoEcho: true`.
pub(super) fn is_no_echo(decl: &Mapping) -> bool {
    decl.get("NoEcho").is_some_and(|n| match &n.kind {
        NodeKind::Bool(b) => *b,
        NodeKind::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::transform::tests::load;
    use crate::transform::{ExpandOptions, PseudoParameters};

    /// Resolves the `V` of the template's `Outputs.O` with `options`; `Ok(None)` is `AWS::NoValue`.
    pub(in crate::transform) fn resolve_with(
        preamble: &str,
        value: &str,
        options: &ExpandOptions,
    ) -> Result<Option<serde_json::Value>, String> {
        let text = format!("{preamble}\nOutputs:\n  O:\n    V: {value}\n");
        let (doc, sources) = load(&text);
        let root = doc.root.as_map().unwrap();
        let node = output_value(root);
        let mut r = Resolver::new(root, options, &sources);
        match r.resolve(node) {
            Ok(v) => Ok(v.map(|n| json(&n))),
            Err(d) => Err(format!("{}: {}", sources.snippet(d.span), d.message)),
        }
    }

    /// The node `Outputs.O.V` of a test template.
    fn output_value(root: &crate::source::Mapping) -> &Node {
        let o = root
            .get("Outputs")
            .unwrap()
            .as_map()
            .unwrap()
            .get("O")
            .unwrap();
        o.as_map().unwrap().get("V").unwrap()
    }

    /// A template the function tests resolve values against.
    pub(in crate::transform) const T: &str = "Parameters:\n  Names: {Type: CommaDelimitedList, Default: 'x,y,z'}\n  Bare: {Type: String}\nMappings:\n  M:\n    k1: {a: v1, n: null, l: [p, q]}\n    k2: {a: v2}\nConditions:\n  Yes: !Equals [a, a]\n  Later: !Equals [!Ref Bare, b]\nResources:\n  R: {Type: AWS::SQS::Queue}\n";

    /// `value` resolved against [`T`]; panics on an error.
    pub(in crate::transform) fn ok(value: &str) -> serde_json::Value {
        resolve(T, value)
            .unwrap_or_else(|e| panic!("{value}: {e}"))
            .expect("a value")
    }

    /// The error resolving `value` against [`T`] gives.
    pub(in crate::transform) fn err(value: &str) -> String {
        resolve(T, value).expect_err(value)
    }

    pub(in crate::transform) fn resolve(
        preamble: &str,
        value: &str,
    ) -> Result<Option<serde_json::Value>, String> {
        resolve_with(preamble, value, &ExpandOptions::default())
    }

    /// The value as JSON, numbers read from their lexeme.
    pub(in crate::transform) fn json(n: &Node) -> serde_json::Value {
        use serde_json::Value as J;
        match &n.kind {
            NodeKind::Null => J::Null,
            NodeKind::Bool(b) => J::Bool(*b),
            NodeKind::Number(t) => serde_json::from_str(t).unwrap_or_else(|_| J::String(t.clone())),
            NodeKind::String(s) => J::String(s.clone()),
            NodeKind::Seq(items) => J::Array(items.iter().map(json).collect()),
            NodeKind::Map(m) => J::Object(
                m.iter()
                    .map(|(k, e)| (k.to_owned(), json(&e.value)))
                    .collect(),
            ),
        }
    }

    const PARAMS: &str = "Parameters:\n  Env: {Type: String, Default: prod}\n  Zones: {Type: CommaDelimitedList, Default: 'a, b'}\n  Count: {Type: Number, Default: 1.50}\n  Secret: {Type: String, NoEcho: true, Default: pw}\n  Ami: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /ami}\n  Bare: {Type: String}\nResources:\n  R: {Type: AWS::SNS::Topic}\n";

    #[test]
    fn refs_to_parameters_use_values_then_defaults() {
        assert_eq!(resolve(PARAMS, "!Ref Env"), Ok(Some("prod".into())));
        assert_eq!(
            resolve(PARAMS, "!Ref Zones"),
            Ok(Some(serde_json::json!(["a", "b"])))
        );
        assert_eq!(
            resolve(PARAMS, "!Ref Count"),
            Ok(Some(serde_json::json!(1.5)))
        );
        let mut o = ExpandOptions::default();
        o.parameters.insert("Env".into(), "dev".into());
        o.parameters.insert("Undeclared".into(), "x".into());
        assert_eq!(resolve_with(PARAMS, "!Ref Env", &o), Ok(Some("dev".into())));
        assert_eq!(
            resolve_with(PARAMS, "!Ref Undeclared", &o),
            Ok(Some("x".into()))
        );
    }

    #[test]
    fn refs_that_wait_for_stack_time_stay() {
        for name in ["Bare", "Secret", "Ami", "R", "Unknown", "AWS::Region"] {
            let v = resolve(PARAMS, &format!("!Ref {name}")).unwrap().unwrap();
            assert_eq!(v, serde_json::json!({ "Ref": name }));
        }
        assert_eq!(resolve(PARAMS, "!Ref AWS::NoValue"), Ok(None));
    }

    #[test]
    fn pseudo_parameters_when_given() {
        let o = ExpandOptions {
            pseudo: PseudoParameters {
                region: Some("us-gov-west-1".into()),
                notification_arns: Some(vec!["arn:x".into()]),
                ..PseudoParameters::default()
            },
            ..ExpandOptions::default()
        };
        assert_eq!(
            resolve_with("", "!Ref AWS::Partition", &o),
            Ok(Some("aws-us-gov".into()))
        );
        assert_eq!(
            resolve_with("", "!Ref AWS::NotificationARNs", &o),
            Ok(Some(serde_json::json!(["arn:x"])))
        );
    }

    #[test]
    fn computed_ref_names() {
        let c = "Conditions:\n  Yes: !Equals [a, a]\n";
        assert_eq!(
            resolve(&format!("{PARAMS}{c}"), "{Ref: !If [Yes, Env, Bare]}"),
            Ok(Some("prod".into()))
        );
        assert!(
            resolve(PARAMS, "{Ref: [a]}")
                .unwrap_err()
                .contains("`Ref` takes a name")
        );
    }

    #[test]
    fn if_takes_the_decided_branch_only() {
        let c = "Conditions:\n  Yes: !Equals [a, a]\n  Later: !Equals [!Ref AWS::Region, x]\n";
        assert_eq!(
            resolve(c, "!If [Yes, ok, !Select [9, []]]"),
            Ok(Some("ok".into()))
        );
        assert_eq!(resolve(c, "!If [Yes, !Ref AWS::NoValue, b]"), Ok(None));
        assert_eq!(
            resolve(c, "!If [Later, !Sub 'a${!b}', !Select [9, []]]"),
            Ok(Some(
                serde_json::json!({"Fn::If": ["Later", "a${b}", {"Fn::Select": [9, []]}]})
            ))
        );
        assert!(
            resolve(c, "!If [Nope, a, b]")
                .unwrap_err()
                .starts_with("Nope: condition `Nope`")
        );
        assert!(
            resolve(c, "!If [Yes, a]")
                .unwrap_err()
                .contains("`Fn::If` takes")
        );
    }

    #[test]
    fn maps_and_lists_drop_novalue() {
        assert_eq!(
            resolve(
                "",
                "{a: !Ref AWS::NoValue, b: [1, !Ref AWS::NoValue, !GetAtt R.Arn]}"
            ),
            Ok(Some(
                serde_json::json!({"b": [1, {"Fn::GetAtt": ["R", "Arn"]}]})
            ))
        );
    }

    #[test]
    fn created_nodes_point_at_the_call() {
        let text = format!("{PARAMS}Outputs:\n  O:\n    V: !Ref Zones\n");
        let (doc, sources) = load(&text);
        let root = doc.root.as_map().unwrap();
        let node = output_value(root);
        let o = ExpandOptions::default();
        let r = Resolver::new(root, &o, &sources)
            .resolve(node)
            .unwrap()
            .unwrap();
        assert_eq!(sources.snippet(r.span), "!Ref Zones");
        assert_eq!(sources.snippet(r.as_seq().unwrap()[1].span), "!Ref Zones");
    }
}
