//! `Schedule`, `CloudWatchEvent` and `EventBridgeRule` events: an `AWS::Events::Rule` named
//! `<Function><Event>` targeting the function, and the permission for EventBridge to invoke it. The rule's
//! own properties ([`rule_properties`]) and its target's ([`target_properties`]) serve state machines too.

use crate::source::Node;

use super::super::build::{B, Obj, Res, get};
use super::super::errors::SamError;
use super::super::function::{Target, as_bool};
use super::super::{Ctx, Serverless};
use super::{Event, copy, permission};

pub(in super::super) fn rule(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &Target,
    ev: &Event,
    ty: &str,
) -> Result<(), String> {
    let b = ev.b();
    let rule_id = format!("{}{}", target.id, ev.name);
    let mut props = rule_properties(ev, ty)?;
    // The translator names the rule, not the event, in these errors.
    let dlq = match dead_letter(ctx, r.id, &rule_id, ev, &target.attrs, &target.propagated) {
        Ok(d) => d,
        Err(m) => {
            let span = ev.prop("DeadLetterConfig").map_or(ev.span, |d| d.span);
            ctx.errors.push(SamError::event(r.id, &rule_id, span, m));
            return Ok(());
        }
    };
    let mut t = target_properties(ev, target.arn.clone(), &format!("{rule_id}LambdaTarget"));
    if let Some(d) = dlq {
        t.insert("DeadLetterConfig".into(), d);
    }
    props.insert("Targets".into(), b.seq(vec![b.obj(t)]));
    let mut res = Res::new("AWS::Events::Rule", ev.span);
    res.props = props;
    res.attrs = target.attrs.clone();
    ctx.add(r.id, rule_id.clone(), res);
    permission(
        ctx,
        r,
        target,
        ev,
        "events.amazonaws.com",
        Some(b.get_att(&rule_id, "Arn")),
        None,
    );
    Ok(())
}

/// The rule's properties from the event: the schedule or the pattern, bus, name and state.
pub(in super::super) fn rule_properties(ev: &Event, ty: &str) -> Result<Obj, String> {
    let b = ev.b();
    let mut props = Obj::new();
    if ty == "Schedule" {
        let schedule = ev
            .prop("Schedule")
            .cloned()
            .ok_or("Missing required property 'Schedule'.")?;
        props.insert("ScheduleExpression".into(), schedule);
        if ev.prop("State").is_some() && ev.prop("Enabled").is_some() {
            return Err("State and Enabled Properties cannot both be specified.".into());
        }
        if let Some(e) = ev.prop("Enabled") {
            let state = match as_bool(e) {
                Some(true) => b.s("ENABLED"),
                Some(false) => b.s("DISABLED"),
                None => b.call(
                    "Fn::If",
                    b.seq(vec![e.clone(), b.s("ENABLED"), b.s("DISABLED")]),
                ),
            };
            props.insert("State".into(), state);
        }
        copy(
            &mut props,
            ev,
            &[
                ("State", "State"),
                ("Name", "Name"),
                ("Description", "Description"),
            ],
        );
    } else {
        copy(
            &mut props,
            ev,
            &[
                ("EventBusName", "EventBusName"),
                ("Pattern", "EventPattern"),
                ("State", "State"),
                ("RuleName", "Name"),
            ],
        );
    }
    Ok(props)
}

/// The rule's target: `arn`, the event's `Target.Id` or `default_id`, and the input settings.
pub(in super::super) fn target_properties(ev: &Event, arn: Node, default_id: &str) -> Obj {
    let b = ev.b();
    let mut t = Obj::new();
    t.insert("Arn".into(), arn);
    let target_id = ev
        .prop("Target")
        .and_then(|t| t.as_map())
        .and_then(|m| m.get("Id"))
        .cloned()
        .unwrap_or_else(|| b.s(default_id));
    t.insert("Id".into(), target_id);
    copy(
        &mut t,
        ev,
        &[
            ("Input", "Input"),
            ("InputPath", "InputPath"),
            ("InputTransformer", "InputTransformer"),
            ("RetryPolicy", "RetryPolicy"),
        ],
    );
    t
}

/// A rule target's `DeadLetterConfig` from the event's: `{Arn}` as given, or `{Type: SQS}` for a queue the
/// transform adds (`<rule>Queue`, or `QueueLogicalId`) with a policy letting EventBridge send to it. Errors
/// are the translator's sentences. A created queue carries `tags` (the tags its owner propagates).
pub(in super::super) fn dead_letter(
    ctx: &mut Ctx,
    origin: &str,
    rule_id: &str,
    ev: &Event,
    attrs: &Obj,
    tags: &[Node],
) -> Result<Option<Node>, String> {
    let Some(dlq) = ev.prop("DeadLetterConfig") else {
        return Ok(None);
    };
    let b = B::new(dlq.span);
    let (arn, ty) = (get(dlq, "Arn"), get(dlq, "Type"));
    match (arn, ty) {
        (Some(_), Some(_)) => {
            Err("You can either define 'Arn' or 'Type' property of DeadLetterConfig.".into())
        }
        (None, None) => Err("No 'Arn' or 'Type' property provided for DeadLetterConfig.".into()),
        (Some(arn), None) => Ok(Some(b.map([("Arn", arn.clone())]))),
        (None, Some(ty)) => {
            if ty.as_str() != Some("SQS") {
                return Err(
                    "The only valid value for 'Type' property of DeadLetterConfig is 'SQS'.".into(),
                );
            }
            let queue_id = match get(dlq, "QueueLogicalId") {
                None => format!("{rule_id}Queue"),
                Some(q) => q
                    .as_str()
                    .ok_or("QueueLogicalId must be a string")?
                    .to_owned(),
            };
            let mut queue =
                super::super::function::with_tags(Res::new("AWS::SQS::Queue", dlq.span), tags);
            queue.attrs = attrs.clone();
            let statement = b.map([
                ("Action", b.s("sqs:SendMessage")),
                (
                    "Condition",
                    b.map([(
                        "ArnEquals",
                        b.map([("aws:SourceArn", b.get_att(rule_id, "Arn"))]),
                    )]),
                ),
                ("Effect", b.s("Allow")),
                (
                    "Principal",
                    b.map([("Service", b.s("events.amazonaws.com"))]),
                ),
                ("Resource", b.get_att(&queue_id, "Arn")),
            ]);
            let mut policy = Res::new("AWS::SQS::QueuePolicy", dlq.span)
                .prop(
                    "PolicyDocument",
                    b.map([
                        ("Statement", b.seq(vec![statement])),
                        ("Version", b.s("2012-10-17")),
                    ]),
                )
                .prop("Queues", b.seq(vec![b.r#ref(&queue_id)]));
            policy.attrs = attrs.clone();
            ctx.out.insert(queue_id.clone(), queue.node());
            ctx.add(origin, format!("{queue_id}Policy"), policy);
            Ok(Some(b.map([("Arn", b.get_att(&queue_id, "Arn"))])))
        }
    }
}
