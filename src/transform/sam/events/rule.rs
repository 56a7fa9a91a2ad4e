//! `Schedule`, `CloudWatchEvent` and `EventBridgeRule` events: an `AWS::Events::Rule` named
//! `<Function><Event>` targeting the function, and the permission for EventBridge to invoke it. The rule's
//! own properties ([`rule_properties`]) and its target's ([`target_properties`]) serve state machines too.

use crate::source::Node;

use super::super::build::{Obj, Res};
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
    if ev.prop("DeadLetterConfig").is_some() {
        ctx.errors.push(super::super::errors::SamError::unsupported(
            r.id,
            ev.span,
            "DeadLetterConfig on rule events is not expanded yet",
        ));
        return Ok(());
    }
    let t = target_properties(ev, target.arn.clone(), &format!("{rule_id}LambdaTarget"));
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
