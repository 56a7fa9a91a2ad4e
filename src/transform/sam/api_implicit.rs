//! The implicit REST API, `ServerlessRestApi`: the API that `Api` events without a `RestApiId` share,
//! built as an `AWS::Serverless::Api` with the `Api` globals and stage `Prod`, and expanded like any
//! other (`api.rs`), in place of any resource written under that name. It takes from the functions and
//! state machines that use it (gathered by `implicit_api.rs`) their `DeletionPolicy`
//! and `UpdateReplacePolicy` (the most protective), their condition (`api_conditions.rs`) and, when they
//! propagate them, their tags. It never expands an API itself.

use crate::source::Span;

use super::api::{IMPLICIT, expand};
use super::build::{B, Obj};
use super::{Ctx, Serverless};

/// Adds the implicit API when functions have `Api` events without `RestApiId`: an API with the `Api`
/// globals and stage `Prod`.
pub(super) fn finish(ctx: &mut Ctx) {
    let Some(events) = ctx.api_events.get(IMPLICIT) else {
        return;
    };
    let span = events.first().map_or_else(Span::default, |e| e.span);
    let b = B::new(span);
    let mut props = ctx.globals.apply(
        "AWS::Serverless::Api",
        &b.map([("StageName", b.s("Prod"))]),
        Some(&[]),
    );
    let tags = super::implicit_api::tags(ctx, super::implicit_api::Implicit::Rest);
    if !tags.is_empty() {
        let mut o = super::build::to_obj(&props);
        o.insert("Tags".into(), b.obj(tags));
        o.insert("PropagateTags".into(), b.bool(true));
        props = b.obj(o);
    }
    let mut top = Obj::new();
    top.insert("Type".into(), b.s("AWS::Serverless::Api"));
    top.insert("Properties".into(), props.clone());
    top.extend(super::implicit_api::policies(
        ctx,
        super::implicit_api::Implicit::Rest,
    ));
    let events = events.clone();
    if let Some(c) =
        super::api_conditions::implicit_api_condition(IMPLICIT, &events, &mut ctx.conditions, b)
    {
        top.insert("Condition".into(), b.s(c));
    }
    let node = b.obj(top);
    let r = Serverless {
        id: IMPLICIT,
        node: &node,
        props: &props,
    };
    expand(ctx, &r);
}

#[cfg(test)]
mod tests {
    use crate::source::{Document, Node};

    use super::super::build::get;

    use crate::transform::sam::test_support::expanded as run;

    fn function(id: &str, extra: &str, path: &str) -> String {
        format!(
            "  {id}:\n    Type: AWS::Serverless::Function\n{extra}    Properties:\n      Handler: i.h\n      Runtime: python3.12\n      CodeUri: s3://bucket/k.zip\n      Tags: {{team: {id}}}\n      Events:\n        E:\n          Type: Api\n          Properties:\n            Path: {path}\n            Method: get\n"
        )
    }

    fn api(out: &Document) -> &Node {
        get(get(&out.root, "Resources").unwrap(), "ServerlessRestApi").unwrap()
    }

    #[test]
    fn the_most_protective_policy_of_its_functions_wins() {
        let text = format!(
            "Resources:\n{}{}",
            function("F", "    DeletionPolicy: Delete\n", "/a"),
            function(
                "G",
                "    DeletionPolicy: Retain\n    UpdateReplacePolicy: Snapshot\n",
                "/b"
            )
        );
        let out = run(&text);
        assert_eq!(
            get(api(&out), "DeletionPolicy").and_then(Node::as_str),
            Some("Retain")
        );
        assert_eq!(
            get(api(&out), "UpdateReplacePolicy").and_then(Node::as_str),
            Some("Snapshot")
        );
    }

    #[test]
    fn tags_reach_the_implicit_api_only_from_functions_that_propagate_them() {
        let text = format!(
            "Resources:\n{}{}",
            function("F", "", "/a")
                .replace("      Tags:", "      PropagateTags: true\n      Tags:"),
            function("G", "", "/b")
        );
        let out = run(&text);
        let tags = get(get(api(&out), "Properties").unwrap(), "Tags").unwrap();
        let keys: Vec<&str> = tags
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(|t| get(t, "Value").and_then(Node::as_str))
            .collect();
        assert_eq!(keys, ["F"]);
    }

    #[test]
    fn the_implicit_api_replaces_a_resource_written_under_its_name() {
        let text = format!(
            "Resources:\n{}  ServerlessRestApi:\n    Type: AWS::SNS::Topic\n",
            function("F", "", "/a")
        );
        let out = run(&text);
        assert_eq!(
            get(api(&out), "Type").and_then(Node::as_str),
            Some("AWS::ApiGateway::RestApi")
        );
    }
}
