//! `ScheduleV2` events: an EventBridge Scheduler `AWS::Scheduler::Schedule` named `<Function><Event>` that
//! invokes the function through a role the transform adds (`<Function><Event>Role`, allowed to invoke the
//! function and to send to the dead-letter queue).

use super::super::build::{B, Obj, Res};
use super::super::function::Target;
use super::super::role::trust_policy;
use super::super::{Ctx, Serverless};
use super::{Event, copy};

pub(in super::super) fn schedule(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &Target,
    ev: &Event,
) -> Result<(), String> {
    let b = ev.b();
    let id = format!("{}{}", target.id, ev.name);
    let role_id = format!("{id}Role");
    let mut props = Obj::new();
    let expression = ev
        .prop("ScheduleExpression")
        .cloned()
        .ok_or("Missing required property 'ScheduleExpression'.")?;
    props.insert("ScheduleExpression".into(), expression);
    props.insert(
        "FlexibleTimeWindow".into(),
        ev.prop("FlexibleTimeWindow")
            .cloned()
            .unwrap_or_else(|| b.map([("Mode", b.s("OFF"))])),
    );
    let omit_name = ev
        .prop("OmitName")
        .and_then(super::super::function::as_bool)
        == Some(true);
    match ev.prop("Name") {
        Some(n) => {
            props.insert("Name".into(), n.clone());
        }
        None if !omit_name => {
            props.insert("Name".into(), b.s(id.as_str()));
        }
        None => {}
    }
    copy(
        &mut props,
        ev,
        &[
            ("Description", "Description"),
            ("State", "State"),
            ("StartDate", "StartDate"),
            ("EndDate", "EndDate"),
            ("ScheduleExpressionTimezone", "ScheduleExpressionTimezone"),
            ("GroupName", "GroupName"),
            ("KmsKeyArn", "KmsKeyArn"),
        ],
    );
    let mut t = Obj::new();
    t.insert("Arn".into(), target.arn.clone());
    t.insert("RoleArn".into(), b.get_att(&role_id, "Arn"));
    copy(
        &mut t,
        ev,
        &[("Input", "Input"), ("RetryPolicy", "RetryPolicy")],
    );
    let policy = |name: String, action: &str, resource| {
        let statement = b.map([
            ("Action", b.s(action)),
            ("Effect", b.s("Allow")),
            ("Resource", resource),
        ]);
        b.map([
            ("PolicyName", b.s(name)),
            (
                "PolicyDocument",
                b.map([("Statement", b.seq(vec![statement]))]),
            ),
        ])
    };
    let mut policies = vec![policy(
        format!("{id}LambdaPolicy"),
        "lambda:InvokeFunction",
        target.arn.clone(),
    )];
    if let Some(dlq) = ev.prop("DeadLetterConfig") {
        let Some(arn) = dlq.as_map().and_then(|m| m.get("Arn")) else {
            ctx.errors.push(super::super::errors::SamError::unsupported(
                r.id,
                dlq.span,
                "a ScheduleV2 dead-letter queue created by the transform is not expanded yet",
            ));
            return Ok(());
        };
        t.insert(
            "DeadLetterConfig".into(),
            B::new(dlq.span).map([("Arn", arn.clone())]),
        );
        policies.push(policy(
            format!("{id}SQSPolicy"),
            "sqs:SendMessage",
            arn.clone(),
        ));
    }
    props.insert("Target".into(), b.obj(t));
    let mut schedule = Res::new("AWS::Scheduler::Schedule", ev.span);
    schedule.props = props;
    schedule.attrs = target.attrs.clone();
    let mut role = Res::new("AWS::IAM::Role", ev.span)
        .prop(
            "AssumeRolePolicyDocument",
            trust_policy(b, "scheduler.amazonaws.com"),
        )
        .prop("Policies", b.seq(policies));
    if let Some(p) = ev.prop("PermissionsBoundary") {
        role = role.prop("PermissionsBoundary", p.clone());
    }
    role.attrs = target.attrs.clone();
    let role = super::super::function::with_tags(role, &target.propagated);
    ctx.add(r.id, id, schedule);
    ctx.add(r.id, role_id, role);
    Ok(())
}
