//! The implicit REST API, `ServerlessRestApi`: the API that `Api` events without a `RestApiId` share,
//! built as an `AWS::Serverless::Api` with the `Api` globals and stage `Prod`, and expanded like any
//! other (`api.rs`), in place of any resource written under that name. It takes from the functions and state machines that use it their `DeletionPolicy`
//! and `UpdateReplacePolicy` (the most protective), their condition (`api_conditions.rs`) and, when they
//! propagate them, their tags. It never expands an API itself.

use crate::source::{Node, Span};

use super::api::{ApiEvent, IMPLICIT, expand};
use super::build::{B, Obj, get};
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
    if let Some(tags) = propagated_tags(ctx, events, b) {
        let mut o = super::build::to_obj(&props);
        o.insert("Tags".into(), tags);
        o.insert("PropagateTags".into(), b.bool(true));
        props = b.obj(o);
    }
    let mut top = Obj::new();
    top.insert("Type".into(), b.s("AWS::Serverless::Api"));
    top.insert("Properties".into(), props.clone());
    // The implicit API keeps what its functions keep: `Retain` if any of them does, then `Snapshot`
    // (replacement only), then `Delete`.
    for (key, ranked) in [
        ("DeletionPolicy", &["Retain", "Delete"][..]),
        ("UpdateReplacePolicy", &["Retain", "Snapshot", "Delete"][..]),
    ] {
        let written: Vec<&str> = events
            .iter()
            .filter_map(|e| e.policies.get(key).and_then(Node::as_str))
            .collect();
        if let Some(p) = ranked.iter().find(|p| written.contains(p)) {
            top.insert(key.into(), b.s(*p));
        }
    }
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

/// The tags the implicit API takes from the functions and state machines using it that propagate their
/// tags (`PropagateTags` and `Tags` of the resource, or of its `Globals` section); none when none does.
fn propagated_tags(ctx: &Ctx, events: &[ApiEvent], b: B) -> Option<Node> {
    let mut tags = Obj::new();
    let mut seen: Vec<&str> = Vec::new();
    for e in events {
        let id = e.owner.0.as_str();
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let Some(r) = ctx.input.get(id) else {
            continue;
        };
        let ty = get(r, "Type").and_then(Node::as_str).unwrap_or_default();
        let own = get(r, "Properties");
        let globals = ctx.globals.apply(ty, &b.map::<&str>([]), Some(&[]));
        let setting = |k: &str| {
            own.and_then(|p| get(p, k))
                .filter(|v| !super::api_policy::is_empty(v))
                .or_else(|| get(&globals, k).filter(|v| !super::api_policy::is_empty(v)))
        };
        let propagate = setting("PropagateTags").and_then(super::function::as_bool) == Some(true);
        if let (true, Some(m)) = (propagate, setting("Tags").and_then(Node::as_map)) {
            for (k, v) in m.iter() {
                tags.insert(k.to_owned(), v.value.clone());
            }
        }
    }
    (!tags.is_empty()).then(|| b.obj(tags))
}

#[cfg(test)]
mod tests {
    use crate::source::{Document, Format, Limits, Node, SourceMap, load_text};
    use crate::transform::ExpandOptions;

    use super::super::build::get;
    use super::super::expand;

    fn run(text: &str) -> Document {
        let mut sources = SourceMap::new();
        let f = sources.add("t.yaml", text);
        let doc = load_text(f, text, Format::Yaml, &Limits::default())
            .document
            .expect("loads");
        expand(&doc, &sources, &ExpandOptions::default()).expect("expands")
    }

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
