//! A function's `Events`: each event source becomes the resources that make the service invoke the
//! function (a permission, a subscription, an event source mapping, a rule...), named `<Function><Event>`.
//! Push sources are in `push.rs`, polled sources (event source mappings) in `pull.rs` and `documentdb.rs`, EventBridge rules in
//! `rule.rs`. Changes to resources written in the template (an S3 bucket's notifications) are collected and
//! applied by [`finish`] once every resource is expanded. It never creates the function's role.

mod api;
mod api_checks;
mod documentdb;
mod httpapi;
mod pull;
mod push;
pub(super) mod rule;
pub(super) mod schedule_v2;

pub(super) use api_checks::check_all as check_api_events;
pub(super) use httpapi::check_all as check_http_events;

use indexmap::IndexMap;

use crate::source::{Mapping, Node, NodeKind};

use super::build::{B, Obj, Res};
use super::errors::SamError;
use super::function::Target;
use super::{Ctx, Serverless};

/// Changes to input resources that events ask for.
#[derive(Debug, Default)]
pub(super) struct Pending {
    /// For each S3 bucket: the notification configurations to add, and the permissions it must wait for.
    pub buckets: IndexMap<String, Vec<(Node, String, Node)>>,
    /// For each S3 bucket: the tags functions propagate to it.
    pub bucket_tags: IndexMap<String, Vec<Node>>,
}

/// One event of a function being expanded.
pub(super) struct Event<'a> {
    pub name: &'a str,
    pub props: &'a Node,
    pub span: crate::source::Span,
}

impl Event<'_> {
    pub fn prop(&self, key: &str) -> Option<&Node> {
        self.props.as_map().and_then(|m| m.get(key))
    }

    pub fn b(&self) -> B {
        B::new(self.span)
    }
}

pub(super) fn expand_function_events(ctx: &mut Ctx, r: &Serverless, target: &mut Target) {
    let Some(events) = r.prop("Events") else {
        return;
    };
    let Some(events) = events.as_map() else {
        if !matches!(events.kind, NodeKind::Null) {
            ctx.errors.push(SamError::resource(
                r.id,
                events.span,
                "Type of property 'Events' is invalid.",
            ));
        }
        return;
    };
    for (name, entry) in events.iter() {
        let node = &entry.value;
        let Some(ty) = node
            .as_map()
            .and_then(|m| m.get("Type"))
            .and_then(Node::as_str)
        else {
            ctx.errors.push(SamError::event(
                r.id,
                name,
                node.span,
                "Resource dict has missing or invalid value for key Type. Event Type is: None.",
            ));
            continue;
        };
        let empty = Node::new(node.span, NodeKind::Map(Mapping::new()));
        let props = match node.as_map().and_then(|m| m.get("Properties")) {
            Some(p) if p.as_map().is_some() => p,
            Some(p) => {
                ctx.errors.push(SamError::event(
                    r.id,
                    name,
                    p.span,
                    "Properties should be a map.",
                ));
                continue;
            }
            None => &empty,
        };
        let ev = Event {
            name,
            props,
            span: node.span,
        };
        if let Some(missing) = missing_required(ty, &ev) {
            // The translator names the resource the event would create in this error.
            ctx.errors.push(SamError::resource(
                &format!("{}{name}", target.id),
                node.span,
                format!("Missing required property '{missing}'."),
            ));
            continue;
        }
        if let Some(wrong) = mistyped(ty, &ev) {
            ctx.errors.push(SamError::resource(
                &format!("{}{name}", target.id),
                ev.prop(wrong).map_or(node.span, |n| n.span),
                format!("Type of property '{wrong}' is invalid."),
            ));
            continue;
        }
        // Only polled sources filter their records.
        let polled = matches!(
            ty,
            "SQS" | "Kinesis" | "DynamoDB" | "MSK" | "MQ" | "DocumentDB" | "SelfManagedKafka"
        );
        if !polled && let Some(f) = ev.prop("FilterCriteria") {
            // The translator names the resources the event would create in this error.
            ctx.errors.push(SamError::resource(
                &format!("{}{name}", target.id),
                f.span,
                format!("property FilterCriteria not defined for resource of type {ty}"),
            ));
            continue;
        }
        let result = match ty {
            "S3" => push::s3(ctx, r, target, &ev),
            "SNS" => push::sns(ctx, r, target, &ev),
            "CloudWatchLogs" => push::logs(ctx, r, target, &ev),
            "IoTRule" => push::iot(ctx, r, target, &ev),
            "AlexaSkill" => push::alexa(ctx, r, target, &ev),
            "Cognito" => push::cognito(ctx, r, target, &ev),
            "SQS" | "Kinesis" | "DynamoDB" | "MSK" | "MQ" | "DocumentDB" | "SelfManagedKafka" => {
                pull::mapping(ctx, r, target, &ev, ty)
            }
            "Schedule" | "CloudWatchEvent" | "EventBridgeRule" => {
                rule::rule(ctx, r, target, &ev, ty)
            }
            "Api" => api::api(ctx, r, target, &ev),
            "HttpApi" => httpapi::httpapi(ctx, r, target, &ev),
            "ScheduleV2" => schedule_v2::schedule(ctx, r, target, &ev),
            _ => Err(format!(
                "Resource dict has missing or invalid value for key Type. Event Type is: {ty}."
            )),
        };
        if let Err(m) = result {
            ctx.errors.push(SamError::event(r.id, name, node.span, m));
        }
    }
}

/// The properties each event source type requires, in the order the translator checks them.
const REQUIRED: &[(&str, &[&str])] = &[
    ("S3", &["Bucket", "Events"]),
    ("SNS", &["Topic"]),
    ("SQS", &["Queue"]),
    ("Kinesis", &["Stream", "StartingPosition"]),
    ("DynamoDB", &["Stream", "StartingPosition"]),
    ("MSK", &["Stream", "StartingPosition"]),
    ("MQ", &["Broker"]),
    ("Schedule", &["Schedule"]),
    ("ScheduleV2", &["ScheduleExpression"]),
    ("CloudWatchLogs", &["LogGroupName", "FilterPattern"]),
    ("IoTRule", &["Sql"]),
    ("Cognito", &["UserPool", "Trigger"]),
];

/// The first property event `ev` of type `ty` requires and does not have.
pub(super) fn missing_required(ty: &str, ev: &Event) -> Option<&'static str> {
    let required = REQUIRED.iter().find(|(t, _)| *t == ty)?.1;
    required.iter().copied().find(|key| ev.prop(key).is_none())
}

/// Settings of polled event sources that must be written as integers, booleans or lists (or intrinsic
/// functions).
const POLLED_INTEGERS: &[&str] = &[
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "MaximumRetryAttempts",
    "ParallelizationFactor",
    "TumblingWindowInSeconds",
    "MaximumRecordAgeInSeconds",
];
const POLLED_BOOLEANS: &[&str] = &["Enabled", "BisectBatchOnFunctionError"];
const POLLED_LISTS: &[&str] = &["FunctionResponseTypes"];

/// The first setting of event `ev` of type `ty` (a polled source's, or an SNS queue subscription) written
/// with the wrong kind of value.
fn mistyped<'a>(ty: &str, ev: &Event<'a>) -> Option<&'static str> {
    // An SNS event's queue subscription is `true` or the queue to use.
    if ty == "SNS"
        && ev
            .prop("SqsSubscription")
            .is_some_and(|v| !matches!(v.kind, NodeKind::Bool(_) | NodeKind::Map(_)))
    {
        return Some("SqsSubscription");
    }
    if !matches!(
        ty,
        "SQS" | "Kinesis" | "DynamoDB" | "MSK" | "MQ" | "DocumentDB" | "SelfManagedKafka"
    ) {
        return None;
    }
    let wrong = |key: &&str, ok: fn(&NodeKind) -> bool| {
        ev.prop(key)
            .is_some_and(|v| !matches!(v.kind, NodeKind::Map(_)) && !ok(&v.kind))
    };
    let integer = |k: &NodeKind| matches!(k, NodeKind::Number(n) if !n.contains(['.', 'e', 'E']));
    let boolean = |k: &NodeKind| matches!(k, NodeKind::Bool(_));
    let list = |k: &NodeKind| matches!(k, NodeKind::Seq(_));
    POLLED_INTEGERS
        .iter()
        .find(|k| wrong(k, integer))
        .or_else(|| POLLED_BOOLEANS.iter().find(|k| wrong(k, boolean)))
        .or_else(|| POLLED_LISTS.iter().find(|k| wrong(k, list)))
        .copied()
}

/// The event source types a function's events may have.
const FUNCTION_EVENT_TYPES: &[&str] = &[
    "S3",
    "SNS",
    "CloudWatchLogs",
    "IoTRule",
    "AlexaSkill",
    "Cognito",
    "SQS",
    "Kinesis",
    "DynamoDB",
    "MSK",
    "MQ",
    "DocumentDB",
    "SelfManagedKafka",
    "Schedule",
    "CloudWatchEvent",
    "EventBridgeRule",
    "Api",
    "HttpApi",
    "ScheduleV2",
];

/// The first event of function `r` that is not an event at all (not a mapping, or without a known
/// `Type`): the translator refuses it before looking at the function's code.
pub(super) fn check_shapes(r: &Serverless) -> Option<SamError> {
    check_shapes_of(r, FUNCTION_EVENT_TYPES)
}

/// The event types a state machine's events may have.
pub(super) const STATE_MACHINE_EVENT_TYPES: &[&str] = &[
    "Api",
    "Schedule",
    "ScheduleV2",
    "CloudWatchEvent",
    "EventBridgeRule",
];

/// [`check_shapes`] for a resource whose events may have the given `types`.
pub(super) fn check_shapes_of(r: &Serverless, types: &[&str]) -> Option<SamError> {
    let events = r.prop("Events")?.as_map()?;
    events.iter().find_map(|(name, entry)| {
        let node = &entry.value;
        let message = match &node.kind {
            NodeKind::Map(m) => match m.get("Type").map(|t| &t.kind) {
                Some(NodeKind::String(t)) if types.contains(&t.as_str()) => {
                    return None;
                }
                Some(NodeKind::String(t)) => format!(
                    "Resource dict has missing or invalid value for key Type. Event Type is: {t}."
                ),
                _ => {
                    "Resource dict has missing or invalid value for key Type. Event Type is: None."
                        .to_owned()
                }
            },
            // The translator's own wording for a value it cannot read as a mapping.
            other => format!(
                "'{}' object has no attribute 'get'",
                match other {
                    NodeKind::Null => "NoneType",
                    NodeKind::Bool(_) => "bool",
                    NodeKind::Number(n) if n.contains(['.', 'e', 'E']) => "float",
                    NodeKind::Number(_) => "int",
                    NodeKind::String(_) => "str",
                    NodeKind::Seq(_) => "list",
                    NodeKind::Map(_) => "dict",
                }
            ),
        };
        Some(SamError::event(r.id, name, node.span, message))
    })
}

/// `<Function><Event>Permission`: lets `principal` invoke the function.
pub(super) fn permission(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &Target,
    ev: &Event,
    principal: &str,
    source_arn: Option<Node>,
    source_account: Option<Node>,
) -> String {
    let b = ev.b();
    let id = format!("{}{}Permission", target.id, ev.name);
    let mut p = Res::new("AWS::Lambda::Permission", ev.span)
        .prop("Action", b.s("lambda:InvokeFunction"))
        .prop("FunctionName", target.name.clone())
        .prop("Principal", b.s(principal));
    if let Some(a) = source_arn {
        p = p.prop("SourceArn", a);
    }
    if let Some(a) = source_account {
        p = p.prop("SourceAccount", a);
    }
    p.attrs = target.attrs.clone();
    ctx.add(r.id, id.clone(), p);
    id
}

/// Copies the listed event properties (renamed `from → to`) into `obj`.
pub(super) fn copy(obj: &mut Obj, ev: &Event, keys: &[(&str, &str)]) {
    for (from, to) in keys {
        if let Some(v) = ev.prop(from) {
            obj.insert((*to).to_owned(), v.clone());
        }
    }
}

/// Applies what events asked of resources written in the template.
pub(super) fn finish(ctx: &mut Ctx) {
    let buckets = std::mem::take(&mut ctx.pending.buckets);
    for (bucket, configs) in buckets {
        push::apply_bucket(ctx, &bucket, configs);
    }
}

/// A check of one event's `Properties`: the problem, with where it is.
type EventCheck = fn(&Mapping, &Node) -> Result<(), (crate::source::Span, &'static str)>;

/// For each resource of the types `owners`, the first of its events of type `kind` whose `Properties`
/// `check` refuses, as an error at the problem (the translator reports one per resource).
fn first_bad_events(
    input: &Mapping,
    owners: &[&str],
    kind: &str,
    check: EventCheck,
) -> Vec<SamError> {
    let mut errors = Vec::new();
    for (id, entry) in input.iter() {
        let r = &entry.value;
        if !super::build::get(r, "Type")
            .and_then(Node::as_str)
            .is_some_and(|t| owners.contains(&t))
        {
            continue;
        }
        let Some(events) = super::build::get(r, "Properties")
            .and_then(|p| super::build::get(p, "Events"))
            .and_then(Node::as_map)
        else {
            continue;
        };
        let first = events.iter().find_map(|(name, e)| {
            if super::build::get(&e.value, "Type").and_then(Node::as_str) != Some(kind) {
                return None;
            }
            let props = super::build::get(&e.value, "Properties")?;
            check(input, props)
                .err()
                .map(|(span, m)| SamError::event(id, name, span, m))
        });
        errors.extend(first);
    }
    errors
}

/// `props[key]`, when given, must be a name (or `{Ref: name}`) of a resource of the template: `not_text`
/// and `missing` are the translator's messages for the two problems.
fn check_reference(
    input: &Mapping,
    props: &Node,
    key: &str,
    not_text: &'static str,
    missing: &'static str,
) -> Result<(), (crate::source::Span, &'static str)> {
    let Some(a) = super::build::get(props, key) else {
        return Ok(());
    };
    let name = match &a.kind {
        NodeKind::String(s) => Some(s.as_str()),
        _ => super::build::get(a, "Ref").and_then(Node::as_str),
    };
    match name {
        None => Err((a.span, not_text)),
        Some(n) if input.get(n).is_none() => Err((a.span, missing)),
        Some(_) => Ok(()),
    }
}
