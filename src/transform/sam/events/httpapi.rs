//! `HttpApi` events, the function's side: the permission for API Gateway to invoke the function from the
//! event's route. The API's side is `httpapi.rs`.

use crate::source::{Mapping, Node, NodeKind};

use super::super::build::{Res, get};
use super::super::errors::SamError;
use super::super::function::Target;
use super::super::httpapi::{IMPLICIT, api_of};
use super::super::{Ctx, Serverless};
use super::Event;

pub(in super::super) fn httpapi(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &Target,
    ev: &Event,
) -> Result<(), String> {
    let b = ev.b();
    if let Some(n) = ev.prop("ApiId")
        && n.as_str().is_none()
        && get(n, "Ref").and_then(Node::as_str).is_none()
    {
        return Err("Property 'ApiId' should be a string.".into());
    }
    let route = match (ev.prop("Path"), ev.prop("Method")) {
        (None, None) => None,
        (
            Some(Node {
                kind: NodeKind::String(p),
                ..
            }),
            Some(Node {
                kind: NodeKind::String(m),
                ..
            }),
        ) => Some((p.clone(), m.to_ascii_uppercase())),
        (Some(_), None) => return Err("Property 'Method' is required.".into()),
        (None, Some(_)) => return Err("Property 'Path' is required.".into()),
        _ => return Err("Property 'Path' should be a string.".into()),
    };
    let api = api_of(ev.props).unwrap_or_else(|| IMPLICIT.to_owned());
    if api != IMPLICIT && ctx.input_type(&api) != Some("AWS::Serverless::HttpApi") {
        return Err(
            "ApiId must be a valid reference to an 'AWS::Serverless::HttpApi' resource in same template."
                .into(),
        );
    }
    // A default-route event's permission covers every route of the API: others of the function add none.
    if route.is_some() && has_default_route(r, &api) {
        return Ok(());
    }
    let api_ref = match ev.prop("ApiId") {
        Some(n) => n.clone(),
        None => b.r#ref(IMPLICIT),
    };
    let tail = match route {
        None => "*".to_owned(),
        Some((path, method)) => {
            let verb = if method == "ANY" {
                "*".to_owned()
            } else {
                method
            };
            format!("{verb}{}", arn_path(&path))
        }
    };
    let source = b.call(
        "Fn::Sub",
        b.seq(vec![
            b.s(format!(
                "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{__ApiId__}}/${{__Stage__}}/{tail}"
            )),
            b.map([("__ApiId__", api_ref), ("__Stage__", b.s("*"))]),
        ]),
    );
    let mut p = Res::new("AWS::Lambda::Permission", ev.span)
        .prop("Action", b.s("lambda:InvokeFunction"))
        .prop("FunctionName", target.name.clone())
        .prop("Principal", b.s("apigateway.amazonaws.com"))
        .prop("SourceArn", source);
    p.attrs = target.attrs.clone();
    ctx.add(r.id, format!("{}{}Permission", target.id, ev.name), p);
    Ok(())
}

/// True when function `r` has an `HttpApi` event without path and method on `api`.
fn has_default_route(r: &Serverless, api: &str) -> bool {
    let Some(events) = r.prop("Events").and_then(Node::as_map) else {
        return false;
    };
    events.iter().any(|(_, e)| {
        let props = get(&e.value, "Properties");
        get(&e.value, "Type").and_then(Node::as_str) == Some("HttpApi")
            && props.is_none_or(|p| get(p, "Path").is_none() && get(p, "Method").is_none())
            && props.map_or(Some(IMPLICIT.to_owned()), api_of).as_deref() == Some(api)
    })
}

/// A route's path as its permission's source ARN matches it: each `{parameter}` (letters, digits, `.`,
/// `_`, `-`) and `{proxy+}` becomes `*`; other greedy parameters stay as written.
fn arn_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close)
                if &after[..close] == "proxy+"
                    || (close > 0
                        && after[..close].chars().all(|c| {
                            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
                        })) =>
            {
                out.push('*');
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The checks of every function's `HttpApi` events made before any resource is expanded: an event's
/// `Properties` must be a mapping, `ApiId` must name a resource of the template, `Path` and `Method` go
/// together as strings, `RouteSettings` must be a mapping. The first problem of each function is an
/// error; when there is any, the translator reports these errors only.
pub(in super::super) fn check_all(input: &Mapping) -> Vec<SamError> {
    super::first_bad_events(
        input,
        &["AWS::Serverless::Function"],
        "HttpApi",
        check_event,
    )
}

/// The problem [`check_all`] finds with one event's `props`, with where it is.
fn check_event(input: &Mapping, props: &Node) -> Result<(), (crate::source::Span, &'static str)> {
    if props.as_map().is_none() {
        return Err((props.span, "Properties should be a map."));
    }
    super::check_reference(
        input,
        props,
        "ApiId",
        "Property 'ApiId' should be a string.",
        "ApiId must be a valid reference to an 'AWS::Serverless::HttpApi' resource in same template.",
    )?;
    match (get(props, "Path"), get(props, "Method")) {
        (Some(p), _) if p.as_str().is_none() => {
            return Err((p.span, "Property 'Path' should be a string."));
        }
        (Some(_), Some(m)) if m.as_str().is_none() => {
            return Err((m.span, "Property 'Method' should be a string."));
        }
        (Some(p), None) => return Err((p.span, "Property 'Method' is required.")),
        (None, Some(m)) => return Err((m.span, "Property 'Path' is required.")),
        _ => {}
    }
    if let Some(s) = get(props, "RouteSettings")
        && s.as_map().is_none()
    {
        return Err((s.span, "Property 'RouteSettings' should be a map."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{arn_path, check_all};
    use crate::transform::sam::test_support::{loaded, positions};

    #[test]
    fn the_first_bad_http_event_of_each_function_is_reported_at_its_value() {
        let text = "A:\n  Type: AWS::Serverless::Function\n  Properties:\n    Events:\n      E: {Type: HttpApi, Properties: {Path: /x, Method: get, RouteSettings: 5}}\n      F: {Type: HttpApi, Properties: ''}\nB:\n  Type: AWS::Serverless::Function\n  Properties:\n    Events:\n      E: {Type: HttpApi, Properties: {ApiId: Nope}}\n";
        let doc = loaded(text);
        let errors = check_all(doc.root.as_map().expect("a mapping"));
        let spans = positions(&errors);
        let five = text.find("RouteSettings: 5").unwrap() + 15;
        let nope = text.find("Nope").unwrap();
        assert_eq!(
            spans,
            [
                (five, five + 1, "Property 'RouteSettings' should be a map."),
                (
                    nope,
                    nope + 4,
                    "ApiId must be a valid reference to an 'AWS::Serverless::HttpApi' resource in same template."
                ),
            ]
        );
    }

    #[test]
    fn parameters_and_the_proxy_become_wildcards_but_other_greedy_ones_stay() {
        assert_eq!(arn_path("/a/{proxy+}"), "/a/*");
        assert_eq!(arn_path("/b/{y+}/x{z}w/{a.b-c_d}"), "/b/{y+}/x*w/*");
        assert_eq!(arn_path("/c/{}/{"), "/c/{}/{");
    }
}
