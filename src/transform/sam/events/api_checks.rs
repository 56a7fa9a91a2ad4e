//! The checks of every `Api` event (of functions and state machines) made before any resource is
//! expanded: `Properties` must be a mapping (when given), `RestApiId` must name a resource of the
//! template, `Path` and `Method` are required strings.
//! The first problem of each owner is an error; when there is any, the translator reports these errors
//! only (before the checks of `HttpApi` events). Building the API is `api.rs`'s job, not this file's.

use crate::source::{Mapping, Node, NodeKind, Span};

use super::super::build::get;
use super::super::errors::SamError;

/// The resource types whose `Api` events are checked.
const OWNERS: &[&str] = &["AWS::Serverless::Function", "AWS::Serverless::StateMachine"];

pub(in super::super) fn check_all(input: &Mapping) -> Vec<SamError> {
    super::first_bad_events(input, OWNERS, "Api", check_event)
}

/// The problem [`check_all`] finds with one event's `props`, with where it is (`Properties` the
/// translator reads as not given pass).
fn check_event(input: &Mapping, props: &Node) -> Result<(), (Span, &'static str)> {
    if empty(props) {
        return Ok(());
    }
    if props.as_map().is_none() {
        return Err((props.span, "Properties should be a map."));
    }
    super::check_reference(
        input,
        props,
        "RestApiId",
        "Property 'RestApiId' should be a string.",
        "RestApiId must be a valid reference to an 'AWS::Serverless::Api' resource in same template.",
    )?;
    match get(props, "Path") {
        None => return Err((props.span, "Property 'Path' is required.")),
        Some(p) if p.as_str().is_none() => {
            return Err((p.span, "Property 'Path' should be a string."));
        }
        Some(_) => {}
    }
    match get(props, "Method") {
        None => Err((props.span, "Property 'Method' is required.")),
        Some(m) if m.as_str().is_none() => Err((m.span, "Property 'Method' should be a string.")),
        Some(_) => Ok(()),
    }
}

/// `Properties` the translator reads as not given: null, `false`, `0`, `""` or an empty list.
fn empty(props: &Node) -> bool {
    match &props.kind {
        NodeKind::Null | NodeKind::Bool(false) => true,
        NodeKind::Number(n) => n.parse::<f64>() == Ok(0.0),
        NodeKind::String(s) => s.is_empty(),
        NodeKind::Seq(items) => items.is_empty(),
        NodeKind::Map(_) | NodeKind::Bool(true) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::check_all;
    use crate::transform::sam::test_support::{loaded, positions};

    #[test]
    fn empty_properties_are_skipped_and_the_first_problem_is_reported_at_its_value() {
        let text = "A:\n  Type: AWS::Serverless::StateMachine\n  Properties:\n    Events:\n      E: {Type: Api, Properties: ''}\n      F: {Type: Api, Properties: {RestApiId: 5, Path: [x]}}\nB:\n  Type: AWS::Serverless::Function\n  Properties:\n    Events:\n      E: {Type: Api, Properties: /x}\n";
        let doc = loaded(text);
        let errors = check_all(doc.root.as_map().expect("a mapping"));
        let got = positions(&errors);
        let five = text.find("RestApiId: 5").unwrap() + 11;
        let x = text.find("/x}").unwrap();
        assert_eq!(
            got,
            [
                (five, five + 1, "Property 'RestApiId' should be a string."),
                (x, x + 2, "Properties should be a map."),
            ]
        );
    }
}
