//! Stage `template`: the typed model of a CloudFormation template ([`Template`]) and the lowering that
//! builds it from a loaded [`Document`](crate::source::Document). Intrinsic calls are typed [`Expr`]s.
//! This stage checks shapes (what must be a mapping, which attributes exist); it resolves no reference and
//! evaluates nothing.

mod expr;
mod lower;
mod lower_expr;
mod model;
mod parameter_type;

pub use expr::{
    DynamicPart, DynamicReference, Expr, ExprKind, ExprMap, FUNCTIONS, Name, SubCall, SubPart,
};
pub(crate) use lower::PARALLEL_RESOURCES;
pub use lower::{
    OUTPUT_ATTRIBUTES, PARAMETER_ATTRIBUTES, RESOURCE_ATTRIBUTES, SAM_TRANSFORM, SECTIONS,
    attribute, lower,
};
pub use lower_expr::{parse_dynamic, parse_sub};
pub use model::*;
pub use parameter_type::{AWS_TYPES, ParameterType};

/// The model of a template as a stack records it (processed, JSON text): what updates, rollbacks and
/// deletes read back. `None` when the text does not load (a damaged record). The source is named after the
/// stack, so any later diagnostic says whose record it is.
pub fn recorded(text: &str, stack_name: &str) -> Option<Template> {
    let mut sources = crate::source::SourceMap::new();
    let f = sources.add(format!("stack `{stack_name}` (recorded template)"), text);
    let limits = crate::source::Limits {
        max_bytes: u64::MAX,
        ..crate::source::Limits::default()
    };
    let doc = crate::source::load_text(f, text, crate::source::Format::Json, &limits).document?;
    Some(lower(&doc, &sources).0)
}

/// [`recorded`] for a template already parsed (the JSON value a plan carries): the same model, without
/// printing the value and parsing the text again. `None` when the value is not a mapping.
pub fn recorded_value(value: &serde_json::Value, stack_name: &str) -> Option<Template> {
    if !value.is_object() {
        return None;
    }
    let mut sources = crate::source::SourceMap::new();
    let f = sources.add(format!("stack `{stack_name}` (recorded template)"), "");
    let root = json_node(value, crate::source::Span::new(f, 0, 0));
    Some(lower(&crate::source::Document { root }, &sources).0)
}

/// A value in template form given as JSON (a plan's properties, where what exists only at apply time is
/// still `Ref`, `Fn::GetAtt`, `Fn::Sub`...) as an expression; `Err` with the first problem when it
/// does not lower.
pub fn recorded_expr(value: &serde_json::Value) -> Result<Expr, Box<crate::source::Diagnostic>> {
    let mut sources = crate::source::SourceMap::new();
    let f = sources.add("plan", "");
    let node = json_node(value, crate::source::Span::new(f, 0, 0));
    let mut lowerer = lower_expr::Lowerer::new(&sources);
    let expr = lowerer.value(&node);
    match lowerer.diagnostics.into_iter().next() {
        None => Ok(expr),
        Some(d) => Err(Box::new(d)),
    }
}

/// A JSON value as a document node, every part at `span`.
fn json_node(value: &serde_json::Value, span: crate::source::Span) -> crate::source::Node {
    use crate::source::{Mapping, Node, NodeKind};
    let kind = match value {
        serde_json::Value::Null => NodeKind::Null,
        serde_json::Value::Bool(b) => NodeKind::Bool(*b),
        serde_json::Value::Number(n) => NodeKind::Number(n.to_string()),
        serde_json::Value::String(s) => NodeKind::String(s.clone()),
        serde_json::Value::Array(items) => {
            NodeKind::Seq(items.iter().map(|v| json_node(v, span)).collect())
        }
        serde_json::Value::Object(map) => {
            let mut m = Mapping::with_capacity(map.len());
            for (k, v) in map {
                // JSON objects have unique keys.
                let _ = m.insert(k.clone(), span, json_node(v, span));
            }
            NodeKind::Map(m)
        }
    };
    Node { span, kind }
}

#[cfg(test)]
mod recorded_tests {
    #[test]
    fn a_parsed_record_gives_the_model_its_text_gives() {
        let value = serde_json::json!({
            "Parameters": {"Size": {"Type": "Number", "Default": 1.50}},
            "Conditions": {"Big": {"Fn::Equals": [{"Ref": "Size"}, "2"]}},
            "Resources": {
                "Q": {"Type": "AWS::SQS::Queue", "Condition": "Big",
                      "Properties": {"DelaySeconds": {"Fn::If": ["Big", 5, 0]},
                                     "QueueName": {"Fn::Sub": "${AWS::StackName}-q"}}},
                "T": {"Type": "AWS::SNS::Topic", "DependsOn": ["Q"]}
            },
            "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["T", "TopicArn"]}}}
        });
        let from_value = super::recorded_value(&value, "s").expect("loads");
        let from_text = super::recorded(&value.to_string(), "s").expect("loads");
        // Spans differ (the text has positions); everything else is the same.
        let strip = |t: &super::Template| without_positions(&format!("{t:?}"));
        assert_eq!(strip(&from_value), strip(&from_text));
        assert!(super::recorded_value(&serde_json::json!([1]), "s").is_none());
    }

    /// The debug text without span positions.
    fn without_positions(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find("start: ") {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            let end = tail.find(" }").unwrap_or(tail.len());
            rest = &tail[end..];
        }
        out.push_str(rest);
        out
    }
}
