//! `AWS::Serverless::StateMachine` → `AWS::StepFunctions::StateMachine`: an inline `Definition` becomes
//! `DefinitionString` (the definition as indented JSON text joined from lines, intrinsic functions inside it
//! moved to `DefinitionSubstitutions`), `DefinitionUri` becomes `DefinitionS3Location`, a role is generated
//! from `Policies` when no `Role` is given, and `Schedule` / `CloudWatchEvent` / `EventBridgeRule` events
//! become rules with a role allowed to start executions. Other event types, aliases and deployment
//! preferences are reported as not expanded yet.

use crate::source::{Node, NodeKind};

use super::build::{B, Obj, Res, is_intrinsic};
use super::errors::SamError;
use super::events::{Event, rule, schedule_v2};
use super::{Ctx, Serverless, code, policies, role};
const CREATED_BY: &str = "stateMachine:createdBy";

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless) {
    let b = r.b();
    if let Some(e) = super::events::check_shapes_of(r, super::events::STATE_MACHINE_EVENT_TYPES) {
        ctx.errors.push(e);
        return;
    }
    if let Some(d) = r.prop("DeploymentPreference")
        && r.prop("AutoPublishAlias").is_none()
    {
        ctx.errors.push(SamError::resource(
            r.id,
            d.span,
            "'DeploymentPreference' requires 'AutoPublishAlias' property to be specified.",
        ));
        return;
    }
    if let Err(e) = super::state_machine_alias::check(r) {
        ctx.errors.push(e);
        return;
    }
    let mut sm = Res::new("AWS::StepFunctions::StateMachine", r.node.span);
    let mut substitutions = Obj::new();
    match (r.prop("Definition"), r.prop("DefinitionUri")) {
        (Some(_), Some(d)) => {
            ctx.errors.push(SamError::resource(
                r.id,
                d.span,
                "Specify either 'Definition' or 'DefinitionUri' property and not both.",
            ));
            return;
        }
        (Some(def), None) => {
            let mut lines = Vec::new();
            let def = extract_substitutions(def, &mut substitutions);
            let mut text = String::new();
            indented_json(&def, 0, &mut text);
            for line in text.split('\n') {
                lines.push(b.s(line));
            }
            sm = sm.prop(
                "DefinitionString",
                b.call("Fn::Join", b.seq(vec![b.s("\n"), b.seq(lines)])),
            );
        }
        (None, Some(uri)) => {
            match code::s3_location("DefinitionUri", uri, ["Bucket", "Key", "Version"]) {
                Ok(l) => sm = sm.prop("DefinitionS3Location", l),
                Err(m) => {
                    ctx.errors
                        .push(code::location_error(r.id, "DefinitionUri", uri, m));
                    return;
                }
            }
        }
        (None, None) => {
            ctx.errors.push(SamError::resource(
                r.id,
                r.node.span,
                "Either 'Definition' or 'DefinitionUri' property must be specified.",
            ));
            return;
        }
    }
    if let Some(given) = r.prop("DefinitionSubstitutions").and_then(Node::as_map) {
        for (k, e) in given.iter() {
            substitutions.insert(k.to_owned(), e.value.clone());
        }
    }
    if !substitutions.is_empty() {
        sm = sm.prop("DefinitionSubstitutions", b.obj(substitutions));
    }
    if let (Some(_), Some(p)) = (r.prop("Role"), r.prop("Policies")) {
        ctx.errors.push(SamError::resource(
            r.id,
            p.span,
            "Specify either 'Role' or 'Policies' (but not both at the same time) or neither of them",
        ));
        return;
    }
    let role_id = format!("{}Role", r.id);
    let role_arn = match r.prop("Role") {
        Some(role) => role.clone(),
        None => b.get_att(&role_id, "Arn"),
    };
    sm = sm.prop("RoleArn", role_arn);
    for (from, to) in [
        ("Name", "StateMachineName"),
        ("Type", "StateMachineType"),
        ("Logging", "LoggingConfiguration"),
        ("Tracing", "TracingConfiguration"),
    ] {
        if let Some(v) = r.prop(from) {
            sm = sm.prop(to, v.clone());
        }
    }
    let mut tags = vec![b.tag(b.s(CREATED_BY), b.s("SAM"))];
    if let Some(t) = r.prop("Tags") {
        match t.as_map() {
            Some(m) => tags.extend(m.iter().map(|(k, e)| b.tag(b.s(k), e.value.clone()))),
            None => {
                ctx.errors.push(SamError::resource(
                    r.id,
                    t.span,
                    "Type of property 'Tags' is invalid.",
                ));
                return;
            }
        }
    }
    // Propagated tags are the state machine's own: the translator then leaves `stateMachine:createdBy` out.
    let propagated: Vec<Node> = if r.prop("PropagateTags").and_then(super::function::as_bool)
        == Some(true)
        && tags.len() > 1
    {
        tags.split_off(1)
    } else {
        Vec::new()
    };
    if !propagated.is_empty() {
        tags = propagated.clone();
    }
    sm = sm.prop("Tags", b.seq(tags.clone()));
    sm.attrs = r.passed_attrs(&[
        "Condition",
        "DependsOn",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "Metadata",
    ]);
    let inherited = r.passed_attrs(&["Condition", "DeletionPolicy", "UpdateReplacePolicy"]);
    let before = ctx.errors.len();
    if r.prop("Role").is_none() {
        let mut managed = Vec::new();
        let mut inline = Vec::new();
        let tracing = r
            .prop("Tracing")
            .and_then(|t| super::build::get(t, "Enabled"));
        if tracing.and_then(super::function::as_bool) == Some(true) {
            managed.push(b.s(policies::managed_arn(
                &ctx.partition,
                "AWSXrayWriteOnlyAccess",
            )));
        }
        if let Some(p) = r.prop("Policies") {
            match policies::read(p, &role_id, &ctx.partition) {
                Ok(c) => {
                    managed.extend(c.managed);
                    inline = c.inline;
                }
                Err(m) => {
                    ctx.errors.push(SamError::resource(r.id, p.span, m));
                    return;
                }
            }
        }
        let parts = role::RoleParts {
            service: "states.amazonaws.com",
            assume: None,
            managed,
            inline,
            path: r.prop("RolePath").cloned(),
            boundary: r.prop("PermissionsBoundary").cloned(),
            tags: tags.clone(),
            attrs: inherited.clone(),
        };
        ctx.add(r.id, role_id, role::build(b, parts));
    }
    events(ctx, r, &inherited, &propagated);
    if ctx.errors.len() == before {
        ctx.add(r.id, r.id.to_owned(), sm);
        super::state_machine_alias::publish(ctx, r);
    }
}

/// The state machine's events: EventBridge rules that start executions.
fn events(ctx: &mut Ctx, r: &Serverless, inherited: &Obj, propagated: &[Node]) {
    let Some(events) = r.prop("Events").and_then(Node::as_map) else {
        return;
    };
    let target = super::state_machine_alias::event_target(r.id, r.node);
    for (name, entry) in events.iter() {
        let node = &entry.value;
        let ty = node
            .as_map()
            .and_then(|m| m.get("Type"))
            .and_then(Node::as_str)
            .unwrap_or("");
        let empty = B::new(node.span).map(Vec::<(&str, Node)>::new());
        let props = node
            .as_map()
            .and_then(|m| m.get("Properties"))
            .unwrap_or(&empty);
        let ev = Event {
            name,
            props,
            span: node.span,
        };
        if ty == "Api" {
            api_event(ctx, r, &ev, inherited, propagated);
            continue;
        }
        if let Some(missing) = super::events::missing_required(ty, &ev) {
            // The translator names the resource the event would create in this error.
            ctx.errors.push(SamError::resource(
                &format!("{}{name}", r.id),
                node.span,
                format!("Missing required property '{missing}'."),
            ));
            continue;
        }
        if ty == "ScheduleV2" {
            let to = schedule_v2::ScheduleTarget {
                owner: r.id,
                arn: ev.b().r#ref(&target),
                action: "states:StartExecution",
                policy_suffix: "StartExecutionPolicy",
                attrs: inherited,
                tags: propagated,
                errors_name_owner: false,
            };
            if let Err(m) = schedule_v2::build(ctx, r, &to, &ev) {
                ctx.errors.push(SamError::event(r.id, name, node.span, m));
            }
            continue;
        }
        if !matches!(ty, "Schedule" | "CloudWatchEvent" | "EventBridgeRule") {
            ctx.errors.push(SamError::unsupported(
                r.id,
                node.span,
                format!("state machine event type {ty} is not expanded yet"),
            ));
            continue;
        }
        let b = ev.b();
        let rule_id = format!("{}{name}", r.id);
        let dlq = match rule::dead_letter(ctx, r.id, &rule_id, &ev, inherited, propagated) {
            Ok(d) => d,
            Err(m) => {
                let span = ev.prop("DeadLetterConfig").map_or(node.span, |d| d.span);
                ctx.errors.push(SamError {
                    code: super::codes::INVALID_EVENT,
                    subject: super::errors::Subject::EventOnly(rule_id),
                    message: m,
                    span,
                });
                continue;
            }
        };
        let role_id = format!("{rule_id}Role");
        let mut props = match rule::rule_properties(&ev, ty) {
            Ok(p) => p,
            Err(m) => {
                ctx.errors.push(SamError::event(r.id, name, node.span, m));
                continue;
            }
        };
        let mut t = rule::target_properties(
            &ev,
            b.r#ref(&target),
            &format!("{rule_id}StepFunctionsTarget"),
        );
        t.insert("RoleArn".into(), b.get_att(&role_id, "Arn"));
        if let Some(d) = dlq {
            t.insert("DeadLetterConfig".into(), d);
        }
        props.insert("Targets".into(), b.seq(vec![b.obj(t)]));
        let mut res = Res::new("AWS::Events::Rule", node.span);
        res.props = props;
        res.attrs = inherited.clone();
        let statement = b.map([
            ("Action", b.s("states:StartExecution")),
            ("Effect", b.s("Allow")),
            ("Resource", b.r#ref(&target)),
        ]);
        let policy = b.map([
            ("PolicyName", b.s(format!("{role_id}StartExecutionPolicy"))),
            (
                "PolicyDocument",
                b.map([("Statement", b.seq(vec![statement]))]),
            ),
        ]);
        let mut event_role = Res::new("AWS::IAM::Role", node.span)
            .prop(
                "AssumeRolePolicyDocument",
                role::trust_policy(b, "events.amazonaws.com"),
            )
            .prop("Policies", b.seq(vec![policy]));
        event_role.attrs = inherited.clone();
        let event_role = super::function::with_tags(event_role, propagated);
        ctx.add(r.id, rule_id, res);
        ctx.add(r.id, role_id, event_role);
    }
}

/// `def` with every intrinsic function replaced by `${definition_substitution_N}`, the functions recorded in
/// `subs` (numbered in the order of the definition's sorted keys).
fn extract_substitutions(def: &Node, subs: &mut Obj) -> Node {
    let b = B::new(def.span);
    if is_intrinsic(def) {
        let name = format!("definition_substitution_{}", subs.len() + 1);
        subs.insert(name.clone(), def.clone());
        return b.s(format!("${{{name}}}"));
    }
    match &def.kind {
        NodeKind::Map(m) => {
            let mut keys: Vec<&str> = m.keys().collect();
            keys.sort_unstable();
            let mut out = Obj::new();
            for k in keys {
                if let Some(v) = m.get(k) {
                    out.insert(k.to_owned(), extract_substitutions(v, subs));
                }
            }
            b.obj(out)
        }
        NodeKind::Seq(items) => b.seq(
            items
                .iter()
                .map(|i| extract_substitutions(i, subs))
                .collect(),
        ),
        _ => def.clone(),
    }
}

/// JSON text indented by four spaces with sorted keys, as Python's `json.dumps(indent=4, sort_keys=True)`
/// writes it.
fn indented_json(node: &Node, depth: usize, out: &mut String) {
    let pad = |d: usize| "    ".repeat(d);
    match &node.kind {
        NodeKind::Seq(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                indented_json(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push(']');
        }
        NodeKind::Map(m) if !m.is_empty() => {
            let mut keys: Vec<&str> = m.keys().collect();
            keys.sort_unstable();
            out.push_str("{\n");
            for (i, k) in keys.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                super::ids::canonical_json(&B::new(node.span).s(*k), out);
                out.push_str(": ");
                if let Some(v) = m.get(k) {
                    indented_json(v, depth + 1, out);
                }
                out.push_str(if i + 1 < keys.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push('}');
        }
        _ => super::ids::canonical_json(node, out),
    }
}

/// An `Api` event: the API's definition starts executions (`api.rs` adds the path); here, the role API
/// Gateway assumes to do so.
fn api_event(ctx: &mut Ctx, r: &Serverless, ev: &Event, inherited: &Obj, propagated: &[Node]) {
    let b = ev.b();
    let id = format!("{}{}", r.id, ev.name);
    if let Some(u) = ev.prop("UnescapeMappingTemplate")
        && !matches!(u.kind, NodeKind::Bool(_))
    {
        ctx.errors.push(SamError::resource(
            &id,
            u.span,
            "Type of property 'UnescapeMappingTemplate' is invalid.",
        ));
        return;
    }
    let role_id = format!("{id}Role");
    let statement = b.map([
        ("Action", b.s("states:StartExecution")),
        ("Effect", b.s("Allow")),
        (
            "Resource",
            b.r#ref(&super::state_machine_alias::event_target(r.id, r.node)),
        ),
    ]);
    let policy = b.map([
        ("PolicyName", b.s(format!("{role_id}StartExecutionPolicy"))),
        (
            "PolicyDocument",
            b.map([("Statement", b.seq(vec![statement]))]),
        ),
    ]);
    let mut role = Res::new("AWS::IAM::Role", ev.span)
        .prop(
            "AssumeRolePolicyDocument",
            role::trust_policy(b, "apigateway.amazonaws.com"),
        )
        .prop("Policies", b.seq(vec![policy]));
    role.attrs = inherited.clone();
    let role = super::function::with_tags(role, propagated);
    ctx.add(r.id, role_id, role);
}
