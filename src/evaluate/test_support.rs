//! Test helpers: build a [`Template`] from YAML text and evaluate it with given parameter values.

use indexmap::IndexMap;

use crate::source::Diagnostic;
use crate::template::Template;

use super::{Evaluated, Inputs, evaluate};

/// Loads and lowers YAML text; returns the template and the text (to slice diagnostic spans with).
pub fn template(text: &str) -> (Template, String) {
    let mut sources = crate::source::SourceMap::new();
    let f = sources.add("t.yaml", text);
    let r = crate::source::load_text(f, text, crate::source::Format::Yaml, &Default::default());
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let (t, diags) = crate::template::lower(r.document.as_ref().expect("a document"), &sources);
    assert!(diags.is_empty(), "{diags:?}");
    (t, text.to_owned())
}

pub fn inputs(parameters: &[(&str, &str)]) -> Inputs {
    Inputs {
        parameters: parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ssm: IndexMap::from([
            ("/app/name".to_owned(), "cairn".to_owned()),
            ("/ami/latest".to_owned(), "ami-0abc1234".to_owned()),
        ]),
        ..Inputs::default()
    }
}

pub fn run(text: &str, parameters: &[(&str, &str)]) -> Result<Evaluated, Vec<Diagnostic>> {
    let (t, _) = template(text);
    evaluate(&t, &inputs(parameters))
}

/// The source text a diagnostic points at.
pub fn pointed<'t>(text: &'t str, d: &Diagnostic) -> &'t str {
    &text[d.span.start as usize..d.span.end as usize]
}

/// Evaluates `Value` of output `Out` of a template holding one resource `R` (a topic) and the given
/// extra sections, prefixed to `Resources`.
pub fn output(sections: &str, value: &str) -> Result<super::Value, Vec<Diagnostic>> {
    let text = format!(
        "{sections}Resources:\n  R:\n    Type: AWS::SNS::Topic\nOutputs:\n  Out:\n    Value: {value}\n"
    );
    run(&text, &[]).map(|e| e.outputs["Out"].value.clone())
}

/// Like [`output`], for an expected failure: the messages and the text each diagnostic points at.
pub fn output_error(sections: &str, value: &str) -> Vec<(String, String)> {
    let text = format!(
        "{sections}Resources:\n  R:\n    Type: AWS::SNS::Topic\nOutputs:\n  Out:\n    Value: {value}\n"
    );
    let e = run(&text, &[]).expect_err("an error");
    e.iter()
        .map(|d| (d.message.clone(), pointed(&text, d).to_owned()))
        .collect()
}

/// A string value.
pub fn s(x: &str) -> super::Value {
    super::Value::string(x)
}

/// A list of string values.
pub fn list(items: &[&str]) -> super::Value {
    super::Value::List(items.iter().map(|x| s(x)).collect())
}
