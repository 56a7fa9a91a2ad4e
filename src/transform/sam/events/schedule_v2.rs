//! `ScheduleV2` events of functions and state machines: an EventBridge Scheduler `AWS::Scheduler::Schedule`
//! named `<Owner><Event>` that invokes the function (or starts the state machine) through a role the
//! transform adds (`<Owner><Event>Role`, allowed to invoke the target and to send to the dead-letter
//! queue, which the transform creates for `DeadLetterConfig: {Type: SQS}`).

use crate::source::Node;

use super::super::build::{B, Obj, Res, get};
use super::super::errors::SamError;
use super::super::function::{Target, with_tags};
use super::super::role::trust_policy;
use super::super::{Ctx, Serverless};
use super::{Event, copy};

/// What a schedule starts.
pub(in super::super) struct ScheduleTarget<'a> {
    /// The logical id of the function or state machine (the schedule is `<owner><Event>`).
    pub owner: &'a str,
    pub arn: Node,
    /// The action the role allows on `arn` and the suffix of that policy's name.
    pub action: &'static str,
    pub policy_suffix: &'static str,
    pub attrs: &'a Obj,
    pub tags: &'a [Node],
    /// Whether dead-letter errors name the owner too (functions) or the schedule alone (state machines).
    pub errors_name_owner: bool,
}

/// A function's `ScheduleV2` event.
pub(in super::super) fn schedule(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &Target,
    ev: &Event,
) -> Result<(), String> {
    let to = ScheduleTarget {
        owner: &target.id,
        arn: target.arn.clone(),
        action: "lambda:InvokeFunction",
        policy_suffix: "LambdaPolicy",
        attrs: &target.attrs,
        tags: &target.propagated,
        errors_name_owner: true,
    };
    build(ctx, r, &to, ev)
}

/// The schedule and its role; dead-letter errors are reported here (on the schedule), others returned.
pub(in super::super) fn build(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &ScheduleTarget,
    ev: &Event,
) -> Result<(), String> {
    let b = ev.b();
    let id = format!("{}{}", target.owner, ev.name);
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
    // A role given to the event replaces the one the transform would create.
    let given_role = ev.prop("RoleArn");
    t.insert(
        "RoleArn".into(),
        given_role
            .cloned()
            .unwrap_or_else(|| b.get_att(&role_id, "Arn")),
    );
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
        format!("{id}{}", target.policy_suffix),
        target.action,
        target.arn.clone(),
    )];
    if let Some(dlq) = ev.prop("DeadLetterConfig") {
        let arn = match dead_letter(dlq, &id) {
            Ok((arn, None)) => arn,
            Ok((arn, Some(queue_id))) => {
                let mut queue = with_tags(Res::new("AWS::SQS::Queue", dlq.span), target.tags);
                queue.attrs = target.attrs.clone();
                ctx.add(r.id, queue_id, queue);
                arn
            }
            Err(m) => {
                // The translator names the schedule, not the event, in these errors.
                ctx.errors.push(if target.errors_name_owner {
                    SamError::event(r.id, &id, dlq.span, m)
                } else {
                    SamError {
                        code: super::super::codes::INVALID_EVENT,
                        subject: super::super::errors::Subject::EventOnly(id),
                        message: m,
                        span: dlq.span,
                    }
                });
                return Ok(());
            }
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
    let role = with_tags(role, target.tags);
    ctx.add(r.id, id, schedule);
    if given_role.is_none() {
        ctx.add(r.id, role_id, role);
    }
    Ok(())
}

/// A schedule's `DeadLetterConfig`: the queue's ARN, and the id of the queue to create for `Type: SQS`.
fn dead_letter(dlq: &Node, id: &str) -> Result<(Node, Option<String>), String> {
    let b = B::new(dlq.span);
    match (get(dlq, "Arn"), get(dlq, "Type")) {
        (Some(_), Some(_)) => {
            Err("You can either define 'Arn' or 'Type' property of DeadLetterConfig.".into())
        }
        (Some(arn), None) => Ok((arn.clone(), None)),
        (None, Some(ty)) => {
            if ty.as_str() != Some("SQS") {
                return Err(
                    "The only valid value for 'Type' property of DeadLetterConfig is 'SQS'.".into(),
                );
            }
            let queue_id = match get(dlq, "QueueLogicalId") {
                None => format!("{id}Queue"),
                Some(q) => q
                    .as_str()
                    .ok_or("QueueLogicalId must be a string")?
                    .to_owned(),
            };
            Ok((b.get_att(&queue_id, "Arn"), Some(queue_id)))
        }
        (None, None) => Err("No 'Arn' or 'Type' property provided for DeadLetterConfig.".into()),
    }
}

#[cfg(test)]
mod tests {

    use super::super::super::{build, reference_message};

    use crate::transform::sam::test_support::expand_text as run;

    fn template(dlq: &str) -> String {
        format!(
            "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: s3://b/k\n      Handler: h\n      Runtime: python3.12\n      Events:\n        S:\n          Type: ScheduleV2\n          Properties:\n            ScheduleExpression: rate(1 minute)\n            DeadLetterConfig: {dlq}\n"
        )
    }

    #[test]
    fn a_dead_letter_queue_of_type_sqs_is_created() {
        let out = run(&template("{Type: SQS}")).unwrap();
        let resources = build::get(&out.root, "Resources").unwrap();
        assert!(build::get(resources, "FSQueue").is_some());
    }

    #[test]
    fn a_dead_letter_type_other_than_sqs_is_refused_at_the_config() {
        let text = template("{Type: SNS}");
        let errors = run(&text).unwrap_err();
        assert_eq!(errors[0].span.start as usize, text.find("{Type").unwrap());
        assert!(reference_message(&errors).unwrap().ends_with(
            "Resource with id [F] is invalid. Event with id [FS] is invalid. The only valid value for 'Type' property of DeadLetterConfig is 'SQS'."
        ));
    }
}
