//! `Api` events, the function's side: the permission for API Gateway to invoke the function from the
//! event's path and method. The API's side (the definition, deployment and stage) is `api.rs`.

use crate::source::{Node, NodeKind};

use super::super::api::{IMPLICIT, api_of};
use super::super::build::{Res, get};
use super::super::function::Target;
use super::super::{Ctx, Serverless};
use super::Event;

/// Event properties this version does not expand yet.
const UNSUPPORTED: &[&str] = &["RequestParameters", "TimeoutInMillis"];

pub(in super::super) fn api(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &Target,
    ev: &Event,
) -> Result<(), String> {
    let b = ev.b();
    if let Some(n) = ev.prop("RestApiId")
        && n.as_str().is_none()
        && get(n, "Ref").and_then(Node::as_str).is_none()
    {
        return Err("Property 'RestApiId' should be a string.".into());
    }
    let path = match ev.prop("Path") {
        Some(Node {
            kind: NodeKind::String(s),
            ..
        }) => s.clone(),
        Some(_) => return Err("Property 'Path' should be a string.".into()),
        None => return Err("Property 'Path' is required.".into()),
    };
    let method = match ev.prop("Method") {
        Some(Node {
            kind: NodeKind::String(s),
            ..
        }) => s.to_ascii_lowercase(),
        Some(_) => return Err("Property 'Method' should be a string.".into()),
        None => return Err("Property 'Method' is required.".into()),
    };
    let api = api_of(ev.props).unwrap_or_else(|| IMPLICIT.to_owned());
    if api != IMPLICIT && ctx.input_type(&api) != Some("AWS::Serverless::Api") {
        return Err(
            "RestApiId must be a valid reference to an 'AWS::Serverless::Api' resource in same template."
                .into(),
        );
    }
    if let Some(key) = UNSUPPORTED.iter().find(|k| ev.prop(k).is_some()) {
        ctx.errors.push(super::super::errors::SamError::unsupported(
            r.id,
            ev.span,
            format!("Api event property {key} is not expanded yet"),
        ));
        return Ok(());
    }
    let api_ref = match ev.prop("RestApiId") {
        Some(n) => n.clone(),
        None => b.r#ref(IMPLICIT),
    };
    let verb = if method == "any" {
        "*".to_owned()
    } else {
        method.to_ascii_uppercase()
    };
    let arn_path: String = path
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                "*"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let source = b.call(
        "Fn::Sub",
        b.seq(vec![
            b.s(format!(
                "arn:{}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{__ApiId__}}/${{__Stage__}}/{verb}{arn_path}",
                ctx.partition
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
    let suffix = super::super::api::stage_suffix(ctx, &api);
    ctx.add(
        r.id,
        format!("{}{}Permission{suffix}", target.id, ev.name),
        p,
    );
    Ok(())
}
