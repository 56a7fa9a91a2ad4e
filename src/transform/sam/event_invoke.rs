//! `EventInvokeConfig`: an `AWS::Lambda::EventInvokeConfig` (`<Function>EventInvokeConfig`) for the
//! function's alias or `$LATEST`, with `OnSuccess` / `OnFailure` destinations (a queue or topic the transform
//! creates when none is named) and the role policies that let the function send to them.

use crate::source::Node;

use super::build::{B, Obj, Res, get};
use super::errors::SamError;
use super::function::Target;
use super::{Ctx, Serverless};

const TYPES: &[&str] = &["SQS", "SNS", "EventBridge", "Lambda", "S3Bucket"];

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless, target: &mut Target) {
    let Some(config) = r.prop("EventInvokeConfig") else {
        return;
    };
    let b = B::new(config.span);
    let id = format!("{}EventInvokeConfig", r.id);
    let mut props = Obj::new();
    if let Some(d) = get(config, "DestinationConfig") {
        if d.as_map().is_none() {
            ctx.errors.push(SamError::resource(
                r.id,
                d.span,
                "Property 'EventInvokeConfig.DestinationConfig' should be a map.",
            ));
            return;
        }
        let mut destinations = Obj::new();
        for when in ["OnSuccess", "OnFailure"] {
            let Some(dest) = get(d, when) else {
                continue;
            };
            if dest.as_map().is_none() {
                ctx.errors.push(SamError::resource(
                    r.id,
                    dest.span,
                    format!(
                        "Property 'EventInvokeConfig.DestinationConfig.{when}' should be a map."
                    ),
                ));
                return;
            }
            if let Some(args) = get(dest, "Destination").and_then(|d| get(d, "Fn::If"))
                && args.as_seq().is_none_or(|a| a.len() != 3)
            {
                // The translator names the generated configuration in this error.
                ctx.errors.push(SamError::resource(
                    &id,
                    args.span,
                    "Malformed 'Destination' property: Fn::If requires 3 arguments.",
                ));
                return;
            }
            match destination(ctx, r, &id, when, dest, target) {
                Ok(arn) => {
                    destinations.insert(when.to_owned(), b.map([("Destination", arn)]));
                }
                Err(m) => {
                    ctx.errors.push(SamError::resource(r.id, dest.span, m));
                    return;
                }
            }
        }
        props.insert("DestinationConfig".into(), b.obj(destinations));
    }
    props.insert("FunctionName".into(), b.r#ref(r.id));
    for key in ["MaximumEventAgeInSeconds", "MaximumRetryAttempts"] {
        if let Some(v) = get(config, key) {
            props.insert(key.into(), v.clone());
        }
    }
    let qualifier = match (&target.alias, r.prop("AutoPublishAlias")) {
        (Some(_), Some(a)) => ctx.params.resolve(a),
        _ => b.s("$LATEST"),
    };
    props.insert("Qualifier".into(), qualifier);
    let mut res = Res::new("AWS::Lambda::EventInvokeConfig", config.span);
    res.props = props;
    res.attrs = target.attrs.clone();
    // The configuration is part of the function: it keeps the function's `Metadata`.
    if let Some(m) = r.attr("Metadata") {
        res.attrs.insert("Metadata".into(), m.clone());
    }
    if let Some(alias) = &target.alias {
        res.attrs
            .insert("DependsOn".into(), b.strs(&[alias.as_str()]));
    }
    ctx.add(r.id, id, res);
}

/// One destination's ARN, creating the queue or topic when none is named, and the role policy for it.
fn destination(
    ctx: &mut Ctx,
    r: &Serverless,
    id: &str,
    when: &str,
    dest: &Node,
    target: &mut Target,
) -> Result<Node, String> {
    let b = B::new(dest.span);
    let ty = get(dest, "Type").and_then(Node::as_str).unwrap_or("");
    if !TYPES.contains(&ty) {
        return Err(format!(
            "'Type: {ty}' must be one of {}",
            super::globals::py_list(TYPES)
        ));
    }
    let arn = match get(dest, "Destination") {
        Some(d) => ctx.params.resolve(d),
        None => {
            let (kind, attr, suffix) = match ty {
                "SQS" => ("AWS::SQS::Queue", Some("Arn"), "Queue"),
                "SNS" => ("AWS::SNS::Topic", None, "Topic"),
                _ => return Err("Destination is required if Type is not SQS or SNS".into()),
            };
            let created = format!("{id}{when}{suffix}");
            let mut res = Res::new(kind, dest.span);
            res = super::function::with_tags(res, &target.propagated);
            res.attrs = target.attrs.clone();
            ctx.add(r.id, created.clone(), res);
            match attr {
                Some(a) => b.get_att(&created, a),
                None => b.r#ref(&created),
            }
        }
    };
    let statement = |action: &str, resource: Node| {
        b.map([
            ("Action", b.s(action)),
            ("Effect", b.s("Allow")),
            ("Resource", resource),
        ])
    };
    let (name, statements) = match ty {
        "SQS" => ("SQS", vec![statement("sqs:SendMessage", arn.clone())]),
        "SNS" => ("SNS", vec![statement("sns:publish", arn.clone())]),
        "Lambda" => (
            "Lambda",
            vec![statement("lambda:InvokeFunction", arn.clone())],
        ),
        "EventBridge" => (
            "EventBridge",
            vec![statement("events:PutEvents", arn.clone())],
        ),
        _ => (
            "S3",
            vec![
                statement(
                    "s3:PutObject",
                    b.call(
                        "Fn::Join",
                        b.seq(vec![b.s("/"), b.seq(vec![arn.clone(), b.s("*")])]),
                    ),
                ),
                statement("s3:ListBucket", arn.clone()),
            ],
        ),
    };
    target.inline.push(b.map([
        ("PolicyName", b.s(format!("{id}{when}{name}Policy"))),
        ("PolicyDocument", b.map([("Statement", b.seq(statements))])),
    ]));
    Ok(arn)
}
