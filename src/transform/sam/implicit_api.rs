//! What functions and state machines pass on to the implicit APIs (`ServerlessRestApi`,
//! `ServerlessHttpApi`) their events create: their tags when they set `PropagateTags`, and their
//! `DeletionPolicy` and `UpdateReplacePolicy`. It only gathers them; the API files put them where each
//! API type carries them.
//!
//! Functions come first, then state machines, each in the order of their logical ids; when two of them
//! give one tag key different values, the first one's value is kept. Of the policies the most protective
//! one wins (`Retain`, then `Snapshot` for replacements, then `Delete`).

use crate::source::{Node, NodeKind};

use super::Ctx;
use super::build::{B, Obj, get};
use super::function::as_bool;

/// Which implicit API the tags are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Implicit {
    /// `ServerlessRestApi`: `Api` events without `RestApiId`.
    Rest,
    /// `ServerlessHttpApi`: `HttpApi` events without `ApiId`.
    Http,
}

impl Implicit {
    fn event_type(self) -> &'static str {
        match self {
            Implicit::Rest => "Api",
            Implicit::Http => "HttpApi",
        }
    }

    fn api_key(self) -> &'static str {
        match self {
            Implicit::Rest => "RestApiId",
            Implicit::Http => "ApiId",
        }
    }

    fn owners(self) -> &'static [&'static str] {
        match self {
            Implicit::Rest => &["AWS::Serverless::Function", "AWS::Serverless::StateMachine"],
            Implicit::Http => &["AWS::Serverless::Function"],
        }
    }
}

/// The owners of events on the implicit API of kind `which`, functions first, each kind in the order of
/// their logical ids, with their properties (globals merged).
fn owners<'a>(ctx: &'a Ctx, which: Implicit) -> Vec<(&'a Node, Node)> {
    let mut out = Vec::new();
    for ty in which.owners() {
        let mut owners: Vec<(&str, &Node)> = ctx
            .input
            .iter()
            .filter(|(_, e)| get(&e.value, "Type").and_then(Node::as_str) == Some(ty))
            .map(|(id, e)| (id, &e.value))
            .collect();
        owners.sort_by(|a, b| a.0.cmp(b.0));
        for (_, resource) in owners {
            let Some(props) = get(resource, "Properties").filter(|p| p.as_map().is_some()) else {
                continue;
            };
            let ignore = match get(resource, "IgnoreGlobals") {
                Some(attr) => super::ignored_globals(
                    &B::new(attr.span).map([("IgnoreGlobals", attr.clone())]),
                ),
                None => super::ignored_globals(props),
            };
            let props = ctx.globals.apply(ty, props, ignore.as_deref());
            if uses_implicit(&props, which) {
                out.push((resource, props));
            }
        }
    }
    out
}

/// The tags the implicit API of kind `which` takes on (empty when no owner propagates any).
pub(super) fn tags(ctx: &Ctx, which: Implicit) -> Obj {
    let mut out = Obj::new();
    for (_, props) in owners(ctx, which) {
        if get(&props, "PropagateTags").and_then(as_bool) != Some(true) {
            continue;
        }
        for (k, e) in get(&props, "Tags")
            .and_then(Node::as_map)
            .into_iter()
            .flat_map(|m| m.iter())
        {
            if !out.contains_key(k) {
                out.insert(k.to_owned(), e.value.clone());
            }
        }
    }
    out
}

/// The `DeletionPolicy` and `UpdateReplacePolicy` the implicit API of kind `which` (and the resources
/// generated for it) take on from the owners of its events.
pub(super) fn policies(ctx: &Ctx, which: Implicit) -> Obj {
    let owners = owners(ctx, which);
    let mut out = Obj::new();
    for (key, ranked) in [
        ("DeletionPolicy", &["Retain", "Delete"][..]),
        ("UpdateReplacePolicy", &["Retain", "Snapshot", "Delete"][..]),
    ] {
        let written: Vec<&Node> = owners.iter().filter_map(|(r, _)| get(r, key)).collect();
        if let Some(best) = ranked
            .iter()
            .find_map(|p| written.iter().find(|w| w.as_str() == Some(p)))
        {
            out.insert(key.to_owned(), (*best).clone());
        }
    }
    out
}

/// Whether one of the events in `props` attaches to the implicit API of kind `which`.
fn uses_implicit(props: &Node, which: Implicit) -> bool {
    let Some(events) = get(props, "Events").and_then(Node::as_map) else {
        return false;
    };
    events.iter().any(|(_, e)| {
        get(&e.value, "Type").and_then(Node::as_str) == Some(which.event_type())
            && match get(&e.value, "Properties") {
                Some(p) => matches!(p.kind, NodeKind::Map(_)) && get(p, which.api_key()).is_none(),
                None => which == Implicit::Http,
            }
    })
}

#[cfg(test)]
mod tests {
    use crate::source::{Document, emit};

    use super::super::build::get;

    use crate::transform::sam::test_support::expanded as run;

    fn tags_of(doc: &Document, id: &str) -> serde_json::Value {
        let r = get(get(&doc.root, "Resources").unwrap(), id).unwrap();
        get(get(r, "Properties").unwrap(), "Tags").map_or(serde_json::Value::Null, emit::to_serde)
    }

    fn function(id: &str, tags: &str, events: &str) -> String {
        format!(
            "  {id}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: s3://b/k\n      Handler: h\n      Runtime: python3.12\n      Tags: {tags}\n      Events:\n{events}"
        )
    }

    #[test]
    fn the_first_function_by_logical_id_wins_a_key_and_explicit_apis_get_nothing() {
        let events = "        R: {Type: Api, Properties: {Path: /x, Method: get}}\n        H: {Type: HttpApi}\n";
        let text = format!(
            "Globals:\n  Function:\n    PropagateTags: true\nResources:\n{}{}{}  X:\n    Type: AWS::Serverless::Api\n    Properties: {{StageName: s}}\n",
            function("Zed", "{A: z, Z: z}", events),
            function("Bee", "{A: b}", events),
            function(
                "Own",
                "{O: o}",
                "        R: {Type: Api, Properties: {Path: /o, Method: get, RestApiId: !Ref X}}\n"
            ),
        );
        let out = run(&text);
        let rest = serde_json::json!([{"Key": "A", "Value": "b"}, {"Key": "Z", "Value": "z"}]);
        assert_eq!(tags_of(&out, "ServerlessRestApi"), rest);
        assert_eq!(tags_of(&out, "ServerlessRestApiProdStage"), rest);
        assert_eq!(
            tags_of(&out, "ServerlessHttpApiApiGatewayDefaultStage"),
            serde_json::json!({"httpapi:createdBy": "SAM", "A": "b", "Z": "z"})
        );
        assert_eq!(tags_of(&out, "X"), serde_json::Value::Null);
    }

    #[test]
    fn without_propagate_tags_the_implicit_api_has_no_tags() {
        let text = format!(
            "Resources:\n{}",
            function(
                "F",
                "{A: a}",
                "        R: {Type: Api, Properties: {Path: /x, Method: get}}\n"
            )
        );
        let out = run(&text);
        assert_eq!(tags_of(&out, "ServerlessRestApi"), serde_json::Value::Null);
    }
}
