//! `HttpApi` events, the function's side: the permission for API Gateway to invoke the function from the
//! event's route. The API's side is `httpapi.rs`.

use crate::source::{Node, NodeKind};

use super::super::build::{Res, get};
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

#[cfg(test)]
mod tests {
    use super::arn_path;

    #[test]
    fn parameters_and_the_proxy_become_wildcards_but_other_greedy_ones_stay() {
        assert_eq!(arn_path("/a/{proxy+}"), "/a/*");
        assert_eq!(arn_path("/b/{y+}/x{z}w/{a.b-c_d}"), "/b/{y+}/x*w/*");
        assert_eq!(arn_path("/c/{}/{"), "/c/{}/{");
    }
}
