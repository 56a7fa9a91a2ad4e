//! `Value`: what an expression evaluates to. Concrete data (strings, numbers as written, lists, maps in
//! source order) or a [`Deferred`] placeholder for what only exists once resources are created. This file
//! owns the shape of values and their conversions (from document nodes, back to CloudFormation's template
//! form, to text); it never evaluates anything.

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;

use crate::source::{Mapping, Node, NodeKind, Span};

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number exactly as written in the template (`0755` stays `0755`).
    Number(String),
    String(String),
    List(Vec<Value>),
    /// A mapping in source order. `Ref AWS::NoValue` entries are already removed.
    Map(IndexMap<String, Value>),
    Deferred(Deferred),
}

/// A value that only exists once resources are created. Each variant converts back to the template form
/// CloudFormation would resolve later ([`Deferred::to_template`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Deferred {
    /// `Ref` to a resource of this stack: what the resource type's `Ref` returns (usually its physical id).
    Ref(String),
    /// `Fn::GetAtt` on a resource of this stack: `(resource, attribute)`.
    GetAtt(String, String),
    /// `Fn::ImportValue`: the export of another stack, by its (resolved) name.
    ImportValue(String),
    /// `Fn::Sub` with at least one deferred variable. Known parts are already substituted into
    /// `template` (with literal `${` escaped as `${!`); every `${name}` left in it has its value in `vars`.
    Sub {
        template: String,
        vars: IndexMap<String, Value>,
    },
    /// `Fn::Join` with at least one deferred item; `items` are the remaining items (NoValue removed).
    Join {
        delimiter: String,
        items: Vec<Value>,
    },
    /// `Fn::GetStackOutput`: an output of another stack.
    StackOutput {
        stack_name: String,
        output_name: String,
        region: Option<String>,
        role_arn: Option<String>,
    },
    /// Any other function whose argument is deferred (`Fn::Base64` of a deferred `Fn::Sub`, `Fn::Select`
    /// from a deferred list...): `function` is its long name, `args` the argument as the template writes it,
    /// with everything known already evaluated.
    Call {
        function: &'static str,
        args: Box<Value>,
    },
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A scalar as CloudFormation reads it into a string: strings, numbers and booleans.
    pub fn as_text(&self) -> Option<Cow<'_, str>> {
        match self {
            Value::String(s) | Value::Number(s) => Some(Cow::Borrowed(s)),
            Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            _ => None,
        }
    }

    pub fn is_deferred(&self) -> bool {
        matches!(self, Value::Deferred(_))
    }

    /// True when this value or any value inside it is deferred.
    pub fn contains_deferred(&self) -> bool {
        match self {
            Value::Deferred(_) => true,
            Value::List(items) => items.iter().any(Value::contains_deferred),
            Value::Map(m) => m.values().any(Value::contains_deferred),
            _ => false,
        }
    }

    /// What kind of value this is, for messages: "a string", "a list", ...
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Deferred(_) => "a value known only once resources exist",
        }
    }

    /// Converts plain document data (a mapping value, a parameter default) into a value.
    pub fn from_node(node: &Node) -> Value {
        match &node.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Number(n) => Value::Number(n.clone()),
            NodeKind::String(s) => Value::String(s.clone()),
            NodeKind::Seq(items) => Value::List(items.iter().map(Value::from_node).collect()),
            NodeKind::Map(m) => Value::Map(
                m.iter()
                    .map(|(k, e)| (k.to_owned(), Value::from_node(&e.value)))
                    .collect(),
            ),
        }
    }

    /// The value as a document node in CloudFormation's template form (deferred values in long form),
    /// every node carrying `span`: the origin of the value in the template.
    pub fn to_node(&self, span: Span) -> Node {
        let kind = match self {
            Value::Null => NodeKind::Null,
            Value::Bool(b) => NodeKind::Bool(*b),
            Value::Number(n) => NodeKind::Number(n.clone()),
            Value::String(s) => NodeKind::String(s.clone()),
            Value::List(items) => NodeKind::Seq(items.iter().map(|v| v.to_node(span)).collect()),
            Value::Map(m) => {
                let mut map = Mapping::with_capacity(m.len());
                for (k, v) in m {
                    let _ = map.insert(k.clone(), span, v.to_node(span));
                }
                NodeKind::Map(map)
            }
            Value::Deferred(d) => return d.to_template().to_node(span),
        };
        Node::new(span, kind)
    }

    /// The value as JSON data: deferred values in their long template form, numbers as JSON numbers when
    /// they are valid JSON numbers (`0755` stays the string "0755").
    pub fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => match serde_json::from_str::<serde_json::Number>(n) {
                Ok(x) => J::Number(x),
                Err(_) => J::String(n.clone()),
            },
            Value::String(s) => J::String(s.clone()),
            Value::List(items) => J::Array(items.iter().map(Value::to_serde).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_serde())).collect()),
            Value::Deferred(d) => d.to_template().to_serde(),
        }
    }

    /// JSON data as a value (never deferred).
    pub fn from_serde(v: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Number(n.to_string()),
            J::String(s) => Value::String(s.clone()),
            J::Array(items) => Value::List(items.iter().map(Value::from_serde).collect()),
            J::Object(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), Value::from_serde(v)))
                    .collect(),
            ),
        }
    }

    /// Calls `f` with the logical id of every resource this value waits for, in order.
    pub fn for_each_resource<'a>(&'a self, f: &mut impl FnMut(&'a str)) {
        match self {
            Value::List(items) => items.iter().for_each(|v| v.for_each_resource(f)),
            Value::Map(m) => m.values().for_each(|v| v.for_each_resource(f)),
            Value::Deferred(d) => d.for_each_resource(f),
            _ => {}
        }
    }

    /// Compact JSON text (no spaces, key order preserved), as `Fn::ToJsonString` produces. Deferred values
    /// are written in their template form.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        super::json::write(self, &mut out);
        out
    }
}

impl Deferred {
    /// The value as CloudFormation's template form, e.g. `{"Fn::GetAtt": ["Bucket", "Arn"]}`.
    pub fn to_template(&self) -> Value {
        let call = |name: &str, arg: Value| {
            let mut m = IndexMap::with_capacity(1);
            m.insert(name.to_owned(), arg);
            Value::Map(m)
        };
        let s = |x: &str| Value::String(x.to_owned());
        match self {
            Deferred::Ref(r) => call("Ref", s(r)),
            Deferred::GetAtt(r, a) => call("Fn::GetAtt", Value::List(vec![s(r), s(a)])),
            Deferred::ImportValue(n) => call("Fn::ImportValue", s(n)),
            Deferred::Sub { template, vars } => {
                let explicit: IndexMap<String, Value> = vars
                    .iter()
                    .filter(|(k, v)| !is_implicit(k, v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if explicit.is_empty() {
                    call("Fn::Sub", s(template))
                } else {
                    call(
                        "Fn::Sub",
                        Value::List(vec![s(template), Value::Map(explicit)]),
                    )
                }
            }
            Deferred::Join { delimiter, items } => call(
                "Fn::Join",
                Value::List(vec![s(delimiter), Value::List(items.clone())]),
            ),
            Deferred::StackOutput {
                stack_name,
                output_name,
                region,
                role_arn,
            } => {
                let mut m = IndexMap::new();
                m.insert("StackName".to_owned(), s(stack_name));
                m.insert("OutputName".to_owned(), s(output_name));
                if let Some(r) = region {
                    m.insert("Region".to_owned(), s(r));
                }
                if let Some(r) = role_arn {
                    m.insert("RoleArn".to_owned(), s(r));
                }
                call("Fn::GetStackOutput", Value::Map(m))
            }
            Deferred::Call { function, args } => call(function, (**args).clone()),
        }
    }

    /// Calls `f` with the logical id of every resource this placeholder waits for.
    pub fn for_each_resource<'a>(&'a self, f: &mut impl FnMut(&'a str)) {
        match self {
            Deferred::Ref(r) | Deferred::GetAtt(r, _) => f(r),
            Deferred::ImportValue(_) | Deferred::StackOutput { .. } => {}
            Deferred::Sub { vars, .. } => vars.values().for_each(|v| v.for_each_resource(f)),
            Deferred::Join { items, .. } => items.iter().for_each(|v| v.for_each_resource(f)),
            Deferred::Call { args, .. } => args.for_each_resource(f),
        }
    }
}

/// A `Fn::Sub` variable that the template string names by itself (`${Bucket}`, `${Bucket.Arn}`).
fn is_implicit(name: &str, v: &Value) -> bool {
    match v {
        Value::Deferred(Deferred::Ref(r)) => r == name,
        Value::Deferred(Deferred::GetAtt(r, a)) => {
            name.split_once('.') == Some((r.as_str(), a.as_str()))
        }
        _ => false,
    }
}

/// Strings and numbers print as they are; everything else prints as compact JSON.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_text() {
            Some(t) => f.write_str(&t),
            None => f.write_str(&self.to_json()),
        }
    }
}

impl fmt::Display for Deferred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_template().to_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_scalars() {
        assert_eq!(Value::Number("0755".into()).as_text().unwrap(), "0755");
        assert_eq!(Value::Bool(true).as_text().unwrap(), "true");
        assert!(Value::List(vec![]).as_text().is_none());
    }

    #[test]
    fn deferred_values_print_in_template_form() {
        let d = Deferred::GetAtt("Bucket".into(), "Arn".into());
        assert_eq!(d.to_string(), r#"{"Fn::GetAtt":["Bucket","Arn"]}"#);
        let mut vars = IndexMap::new();
        vars.insert(
            "Bucket".to_owned(),
            Value::Deferred(Deferred::Ref("Bucket".into())),
        );
        let sub = Deferred::Sub {
            template: "arn:aws:s3:::${Bucket}".into(),
            vars,
        };
        assert_eq!(sub.to_string(), r#"{"Fn::Sub":"arn:aws:s3:::${Bucket}"}"#);
    }

    #[test]
    fn resources_waited_for() {
        let v = Value::List(vec![
            Value::string("x"),
            Value::Deferred(Deferred::Join {
                delimiter: ",".into(),
                items: vec![Value::Deferred(Deferred::GetAtt("A".into(), "B".into()))],
            }),
        ]);
        let mut seen = Vec::new();
        v.for_each_resource(&mut |r| seen.push(r));
        assert_eq!(seen, ["A"]);
        assert!(v.contains_deferred());
    }
}
