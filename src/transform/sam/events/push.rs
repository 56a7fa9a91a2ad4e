//! Event sources that push to the function: S3 notifications, SNS subscriptions, CloudWatch Logs
//! subscription filters, IoT rules, Alexa skills and Cognito triggers. Each grants the service a
//! permission to invoke the function; S3 and Cognito also change the bucket or user pool written in the
//! template.

use crate::source::{Node, NodeKind, emit};

use super::super::build::{B, Obj, Res, get, referenced_id};
use super::super::errors::SamError;
use super::super::function::Target;
use super::super::{Ctx, Serverless};
use super::{Event, copy, permission};

pub(in super::super) fn s3(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &Target,
    ev: &Event,
) -> Result<(), String> {
    let b = ev.b();
    let referenced = ev
        .prop("Bucket")
        .filter(|n| get(n, "Ref").is_some())
        .and_then(referenced_id);
    // A reference to another kind of resource of the template is that resource's error.
    if let Some(id) = referenced
        && let Some(ty) = ctx.input_type(id)
        && ty != "AWS::S3::Bucket"
    {
        let span = ctx.input.get(id).map_or(ev.span, |n| n.span);
        ctx.errors.push(SamError::resource(
            id,
            span,
            format!("Resource has incorrect Type; expected 'AWS::S3::Bucket', got '{ty}'"),
        ));
        return Ok(());
    }
    let bucket = referenced
        .filter(|id| ctx.input_type(id) == Some("AWS::S3::Bucket"))
        .map(str::to_owned)
        .ok_or("S3 events must reference an S3 bucket in the same template.")?;
    // The translator names these errors after the resources the event would create.
    let event_id = format!("{}{}", r.id, ev.name);
    let events: Vec<Node> = match ev.prop("Events") {
        Some(Node {
            kind: NodeKind::Seq(items),
            ..
        }) => items.clone(),
        Some(n) if n.as_str().is_some() => vec![n.clone()],
        Some(n) => {
            ctx.errors.push(SamError::resource(
                &event_id,
                n.span,
                "Type of property 'Events' is invalid.",
            ));
            return Ok(());
        }
        None => return Err("Missing required property 'Events'.".into()),
    };
    if let Some(d) = ctx.input.get(&bucket).and_then(|n| get(n, "DependsOn")) {
        let ok = match &d.kind {
            NodeKind::String(_) => true,
            NodeKind::Seq(items) => items.iter().all(|i| i.as_str().is_some()),
            _ => false,
        };
        if !ok {
            ctx.errors.push(SamError::resource(
                &event_id,
                d.span,
                "Invalid type for field 'DependsOn'. Expected a string or list of strings.",
            ));
            return Ok(());
        }
    }
    let permission_id = permission(
        ctx,
        r,
        target,
        ev,
        "s3.amazonaws.com",
        None,
        Some(b.r#ref("AWS::AccountId")),
    );
    if !target.propagated.is_empty() {
        let tags = ctx.pending.bucket_tags.entry(bucket.clone()).or_default();
        for t in &target.propagated {
            let key = get(t, "Key").and_then(Node::as_str);
            if !tags
                .iter()
                .any(|o| get(o, "Key").and_then(Node::as_str) == key)
            {
                tags.push(t.clone());
            }
        }
    }
    let configs = ctx.pending.buckets.entry(bucket).or_default();
    for e in events {
        let mut c = Obj::new();
        c.insert("Event".into(), e);
        c.insert("Function".into(), target.arn.clone());
        if let Some(f) = ev.prop("Filter") {
            c.insert("Filter".into(), f.clone());
        }
        let node = b.obj(c);
        let condition = target
            .attrs
            .get("Condition")
            .cloned()
            .unwrap_or_else(|| b.s(""));
        configs.push((node, permission_id.clone(), condition));
    }
    Ok(())
}

/// Adds the collected notifications to bucket `id` and makes it wait for the permissions.
pub(in super::super) fn apply_bucket(ctx: &mut Ctx, id: &str, configs: Vec<(Node, String, Node)>) {
    let Some(bucket) = ctx.out.get(id) else {
        return;
    };
    let b = B::new(bucket.span);
    let mut top = super::super::build::to_obj(bucket);
    let mut props = top
        .get("Properties")
        .map(super::super::build::to_obj)
        .unwrap_or_default();
    let mut notif = match props.get("NotificationConfiguration") {
        None => Obj::new(),
        Some(n) if n.as_map().is_some() => super::super::build::to_obj(n),
        Some(n) => {
            ctx.errors.push(SamError::resource(
                id,
                n.span,
                "Property 'NotificationConfiguration' should be a map.",
            ));
            return;
        }
    };
    let mut lambdas: Vec<Node> = match notif.get("LambdaConfigurations") {
        None => Vec::new(),
        Some(n) => match n.as_seq() {
            Some(items) => items.to_vec(),
            None => {
                ctx.errors.push(SamError::resource(
                    id,
                    n.span,
                    "Invalid type for LambdaConfigurations. Must be a list.",
                ));
                return;
            }
        },
    };
    let mut depends: Vec<Node> = match top.get("DependsOn") {
        Some(Node {
            kind: NodeKind::Seq(items),
            ..
        }) => items.clone(),
        Some(n) => vec![n.clone()],
        None => Vec::new(),
    };
    let mut conditional_tags: Vec<Node> = Vec::new();
    for (config, permission, condition) in configs {
        let conditional = condition.as_str().is_some_and(|c| !c.is_empty());
        if conditional {
            lambdas.push(b.call(
                "Fn::If",
                b.seq(vec![condition.clone(), config, b.r#ref("AWS::NoValue")]),
            ));
            // A conditional permission cannot be waited on with DependsOn: a tag refers to it instead.
            conditional_tags.push(b.tag(
                b.s(format!("sam:ConditionalDependsOn:{permission}")),
                b.call(
                    "Fn::If",
                    b.seq(vec![
                        condition.clone(),
                        b.s("no dependency"),
                        b.r#ref(&permission),
                    ]),
                ),
            ));
            continue;
        }
        // A notification the bucket declares already is not added twice.
        let written = emit::to_serde(&config);
        if !lambdas.iter().any(|l| emit::to_serde(l) == written) {
            lambdas.push(config);
        }
        if !depends
            .iter()
            .any(|d| d.as_str() == Some(permission.as_str()))
        {
            depends.push(b.s(permission));
        }
    }
    notif.insert("LambdaConfigurations".into(), b.seq(lambdas));
    props.insert("NotificationConfiguration".into(), b.obj(notif));
    // Propagated tags replace the bucket's tags, as the translator writes them.
    let propagated = ctx.pending.bucket_tags.shift_remove(id).unwrap_or_default();
    if !propagated.is_empty() {
        props.insert("Tags".into(), b.seq(propagated));
    } else if !conditional_tags.is_empty() {
        let mut tags: Vec<Node> = props
            .get("Tags")
            .and_then(Node::as_seq)
            .map(<[Node]>::to_vec)
            .unwrap_or_default();
        tags.extend(conditional_tags);
        props.insert("Tags".into(), b.seq(tags));
    }
    top.insert("Properties".into(), b.obj(props));
    if !depends.is_empty() {
        top.insert("DependsOn".into(), b.seq(depends));
    }
    ctx.out.insert(id.to_owned(), b.obj(top));
}

pub(in super::super) fn sns(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &mut Target,
    ev: &Event,
) -> Result<(), String> {
    let b = ev.b();
    let topic = ev
        .prop("Topic")
        .cloned()
        .ok_or("Missing required property 'Topic'.")?;
    if let Some(sqs) = ev
        .prop("SqsSubscription")
        .filter(|s| s.as_str() != Some("false") && s.kind != NodeKind::Bool(false))
    {
        return sns_to_queue(ctx, r, target, ev, &topic, sqs);
    }
    permission(
        ctx,
        r,
        target,
        ev,
        "sns.amazonaws.com",
        Some(topic.clone()),
        None,
    );
    let sub = subscription(ev, target, target.arn.clone(), b.s("lambda"), topic);
    ctx.add(r.id, format!("{}{}", target.id, ev.name), sub);
    Ok(())
}

/// The topic's subscription of an SNS event, delivering to `endpoint` over `protocol`, with the event's
/// region, filter policy and redrive policy, and the function's resource attributes.
fn subscription(ev: &Event, target: &Target, endpoint: Node, protocol: Node, topic: Node) -> Res {
    let mut sub = Res::new("AWS::SNS::Subscription", ev.span)
        .prop("Endpoint", endpoint)
        .prop("Protocol", protocol)
        .prop("TopicArn", topic);
    copy(
        &mut sub.props,
        ev,
        &[
            ("Region", "Region"),
            ("FilterPolicy", "FilterPolicy"),
            ("FilterPolicyScope", "FilterPolicyScope"),
            ("RedrivePolicy", "RedrivePolicy"),
        ],
    );
    sub.attrs = target.attrs.clone();
    sub
}

/// An SNS event with `SqsSubscription`: the topic delivers to a queue (the event's own, or the one named)
/// that the function polls.
fn sns_to_queue(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &mut Target,
    ev: &Event,
    topic: &Node,
    sqs: &Node,
) -> Result<(), String> {
    let b = ev.b();
    let id = format!("{}{}", target.id, ev.name);
    let given = sqs.as_map().is_some();
    let (url, arn) = if given {
        match (get(sqs, "QueueUrl"), get(sqs, "QueueArn")) {
            (Some(u), Some(a)) => (u.clone(), a.clone()),
            _ => return Err("No QueueARN or QueueURL provided.".into()),
        }
    } else {
        let queue_id = format!("{id}Queue");
        let mut queue = super::super::function::with_tags(
            Res::new("AWS::SQS::Queue", ev.span),
            &target.propagated,
        );
        queue.attrs = target.attrs.clone();
        ctx.add(r.id, queue_id.clone(), queue);
        (b.r#ref(&queue_id), b.get_att(&queue_id, "Arn"))
    };
    let policy_id = get(sqs, "QueuePolicyLogicalId")
        .and_then(Node::as_str)
        .map_or_else(|| format!("{id}QueuePolicy"), str::to_owned);
    let statement = b.map([
        ("Action", b.s("sqs:SendMessage")),
        (
            "Condition",
            b.map([("ArnEquals", b.map([("aws:SourceArn", topic.clone())]))]),
        ),
        ("Effect", b.s("Allow")),
        ("Principal", b.s("*")),
        ("Resource", arn.clone()),
    ]);
    let mut policy = Res::new("AWS::SQS::QueuePolicy", ev.span)
        .prop(
            "PolicyDocument",
            b.map([
                ("Statement", b.seq(vec![statement])),
                ("Version", b.s("2012-10-17")),
            ]),
        )
        .prop("Queues", b.seq(vec![url]));
    policy.attrs = target.attrs.clone();
    ctx.add(r.id, policy_id, policy);
    let sub = subscription(ev, target, arn.clone(), b.s("sqs"), topic.clone());
    ctx.add(r.id, id.clone(), sub);
    let mut esm = Res::new("AWS::Lambda::EventSourceMapping", ev.span)
        .prop("EventSourceArn", arn)
        .prop("FunctionName", target.name.clone());
    esm = esm
        .prop(
            "BatchSize",
            get(sqs, "BatchSize").cloned().unwrap_or_else(|| b.num(10)),
        )
        // The translator enables the mapping whatever the subscription's `Enabled` says.
        .prop("Enabled", b.bool(true));
    esm.attrs = target.attrs.clone();
    ctx.add(r.id, format!("{id}EventSourceMapping"), esm);
    let managed = b.s(super::super::policies::managed_arn(
        &ctx.partition,
        "service-role/AWSLambdaSQSQueueExecutionRole",
    ));
    if !target.managed.iter().any(|m| m == &managed) {
        target.managed.push(managed);
    }
    Ok(())
}

pub(in super::super) fn logs(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &Target,
    ev: &Event,
) -> Result<(), String> {
    let b = ev.b();
    let group = ev
        .prop("LogGroupName")
        .cloned()
        .ok_or("Missing required property 'LogGroupName'.")?;
    let pattern = ev
        .prop("FilterPattern")
        .cloned()
        .ok_or("Missing required property 'FilterPattern'.")?;
    let source = b.call(
        "Fn::Sub",
        b.seq(vec![
            b.s(format!(
                "arn:{}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{__LogGroupName__}}:*",
                ctx.partition
            )),
            b.map([("__LogGroupName__", group.clone())]),
        ]),
    );
    let perm = permission(ctx, r, target, ev, "logs.amazonaws.com", Some(source), None);
    let mut f = Res::new("AWS::Logs::SubscriptionFilter", ev.span)
        .prop("DestinationArn", target.arn.clone())
        .prop("FilterPattern", pattern)
        .prop("LogGroupName", group);
    f.attrs = target.attrs.clone();
    f.attrs.insert("DependsOn".into(), b.strs(&[perm.as_str()]));
    ctx.add(r.id, format!("{}{}", target.id, ev.name), f);
    Ok(())
}

pub(in super::super) fn iot(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &Target,
    ev: &Event,
) -> Result<(), String> {
    let b = ev.b();
    let sql = ev
        .prop("Sql")
        .cloned()
        .ok_or("Missing required property 'Sql'.")?;
    let rule_id = format!("{}{}", target.id, ev.name);
    let source = b.call(
        "Fn::Sub",
        b.seq(vec![
            b.s(format!(
                "arn:{}:iot:${{AWS::Region}}:${{AWS::AccountId}}:rule/${{RuleName}}",
                ctx.partition
            )),
            b.map([("RuleName", b.r#ref(&rule_id))]),
        ]),
    );
    permission(
        ctx,
        r,
        target,
        ev,
        "iot.amazonaws.com",
        Some(source),
        Some(b.call("Fn::Sub", b.s("${AWS::AccountId}"))),
    );
    let mut payload = Obj::new();
    payload.insert("Sql".into(), sql);
    payload.insert("RuleDisabled".into(), b.bool(false));
    payload.insert(
        "Actions".into(),
        b.seq(vec![b.map([(
            "Lambda",
            b.map([("FunctionArn", target.arn.clone())]),
        )])]),
    );
    if let Some(v) = ev.prop("AwsIotSqlVersion") {
        payload.insert("AwsIotSqlVersion".into(), v.clone());
    }
    let mut rule =
        Res::new("AWS::IoT::TopicRule", ev.span).prop("TopicRulePayload", b.obj(payload));
    rule.attrs = target.attrs.clone();
    let rule = super::super::function::with_tags(rule, &target.propagated);
    ctx.add(r.id, rule_id, rule);
    Ok(())
}

pub(in super::super) fn alexa(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &Target,
    ev: &Event,
) -> Result<(), String> {
    let b = ev.b();
    let id = format!("{}{}Permission", target.id, ev.name);
    let mut p = Res::new("AWS::Lambda::Permission", ev.span)
        .prop("Action", b.s("lambda:InvokeFunction"))
        .prop("FunctionName", target.name.clone())
        .prop("Principal", b.s("alexa-appkit.amazon.com"));
    if let Some(s) = ev.prop("SkillId") {
        p = p.prop("EventSourceToken", s.clone());
    }
    p.attrs = target.attrs.clone();
    ctx.add(r.id, id, p);
    Ok(())
}

pub(in super::super) fn cognito(
    ctx: &mut Ctx,
    r: &Serverless,
    target: &Target,
    ev: &Event,
) -> Result<(), String> {
    let b = ev.b();
    let pool = ev
        .prop("UserPool")
        .filter(|n| get(n, "Ref").is_some())
        .and_then(referenced_id)
        .filter(|id| ctx.input_type(id) == Some("AWS::Cognito::UserPool"))
        .map(str::to_owned)
        .ok_or("Cognito events must reference a Cognito UserPool in the same template.")?;
    let triggers: Vec<String> = match ev.prop("Trigger") {
        Some(Node {
            kind: NodeKind::String(s),
            ..
        }) => vec![s.clone()],
        Some(Node {
            kind: NodeKind::Seq(items),
            ..
        }) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        other => {
            // The translator names the resources the event would create in this error.
            ctx.errors.push(SamError::resource(
                &format!("{}{}", target.id, ev.name),
                other.map_or(ev.span, |n| n.span),
                "Type of property 'Trigger' is invalid.",
            ));
            return Ok(());
        }
    };
    // One permission per function for all its Cognito triggers, whatever the events' names.
    let cognito = Event {
        name: "Cognito",
        props: ev.props,
        span: ev.span,
    };
    // The translator names this permission after the alias when the function has one.
    let owner = target.alias.as_deref().unwrap_or(&target.id);
    let permission_id = format!("{owner}CognitoPermission");
    if !ctx.out.contains_key(&permission_id) {
        let arn = b.get_att(&pool, "Arn");
        let made = permission(
            ctx,
            r,
            target,
            &cognito,
            "cognito-idp.amazonaws.com",
            Some(arn),
            None,
        );
        if made != permission_id
            && let Some(node) = ctx.out.shift_remove(&made)
        {
            ctx.out.insert(permission_id, node);
        }
    }
    let Some(node) = ctx.out.get(&pool).or_else(|| ctx.input.get(&pool)).cloned() else {
        return Ok(());
    };
    let pb = B::new(node.span);
    let mut top = super::super::build::to_obj(&node);
    let mut props = top
        .get("Properties")
        .map(super::super::build::to_obj)
        .unwrap_or_default();
    let lambda_config = props.get("LambdaConfig");
    if let Some(l) = lambda_config.filter(|l| l.as_map().is_none()) {
        // The user pool is what is invalid.
        ctx.errors.push(SamError::resource(
            &pool,
            l.span,
            "Property 'LambdaConfig' should be a map.",
        ));
        return Ok(());
    }
    let mut config = lambda_config
        .map(super::super::build::to_obj)
        .unwrap_or_default();
    for t in triggers {
        config.insert(t, target.arn.clone());
    }
    props.insert("LambdaConfig".into(), pb.obj(config));
    top.insert("Properties".into(), pb.obj(props));
    ctx.out.insert(pool, pb.obj(top));
    Ok(())
}
