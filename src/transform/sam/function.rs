//! `AWS::Serverless::Function` → `AWS::Lambda::Function`, its execution role, its event sources, and with
//! `AutoPublishAlias` a version and an alias (plus CodeDeploy resources for `DeploymentPreference`). It
//! maps properties; the pieces with rules of their own live beside it (`code.rs`, `policies.rs`, `role.rs`,
//! `version.rs`, `deployment.rs`, `events/`).

use crate::source::{Node, NodeKind};

use super::build::{B, Obj, Res, get};
use super::errors::SamError;
use super::{Ctx, Serverless, code, deployment, events, policies, role, version};

/// Properties copied to the Lambda function unchanged.
const PASSTHROUGH: &[&str] = &[
    "Handler",
    "Runtime",
    "Description",
    "MemorySize",
    "Timeout",
    "FunctionName",
    "Environment",
    "VpcConfig",
    "KmsKeyArn",
    "ReservedConcurrentExecutions",
    "Layers",
    "FileSystemConfigs",
    "CodeSigningConfigArn",
    "ImageConfig",
    "PackageType",
    "Architectures",
    "EphemeralStorage",
    "SnapStart",
    "RuntimeManagementConfig",
    "LoggingConfig",
    "RecursiveLoop",
    "TenancyConfig",
    "DurableConfig",
    "FunctionScalingConfig",
];

/// Resource attributes the Lambda function keeps.
const FUNCTION_ATTRS: &[&str] = &[
    "Condition",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
];
/// Resource attributes every other generated resource inherits.
pub(super) const INHERITED_ATTRS: &[&str] = &["Condition", "DeletionPolicy", "UpdateReplacePolicy"];

/// The reserved tag SAM puts on what it creates.
pub(super) const CREATED_BY: &str = "lambda:createdBy";

/// What event sources and the role need to know about the function being expanded.
pub(super) struct Target {
    pub id: String,
    /// `Ref` to the function, or to its alias when it has one.
    pub name: Node,
    /// The ARN to invoke: `Fn::GetAtt [F, Arn]`, or `Ref` to the alias.
    pub arn: Node,
    /// The alias' logical id, when `AutoPublishAlias` is set.
    pub alias: Option<String>,
    /// Attributes every generated resource inherits.
    pub attrs: Obj,
    /// The tags generated resources carry (`lambda:createdBy` first).
    pub tags: Vec<Node>,
    /// With `PropagateTags`, the function's own tags, which the resources it generates also carry.
    pub propagated: Vec<Node>,
    /// Managed policy ARNs and inline policies the event sources add to the generated role.
    pub managed: Vec<Node>,
    pub inline: Vec<Node>,
}

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless) {
    let b = r.b();
    let before = ctx.errors.len();
    if let Some(e) = super::events::check_shapes(r) {
        ctx.errors.push(e);
        return;
    }
    let mut lambda = Res::new("AWS::Lambda::Function", r.node.span);
    let image = r.prop("PackageType").and_then(Node::as_str) == Some("Image");
    if let Some(e) = tenancy(r) {
        ctx.errors.push(e);
        return;
    }
    if r.prop("CapacityProviderConfig").is_some()
        && let Some(p) = r.prop("ProvisionedConcurrencyConfig")
    {
        ctx.errors.push(SamError::resource(
            r.id,
            p.span,
            "Cannot specify 'CapacityProviderConfig' and 'ProvisionedConcurrencyConfig' together.",
        ));
        return;
    }
    let has_code = r.prop("InlineCode").is_some() || r.prop("CodeUri").is_some();
    if !image
        && has_code
        && r.prop("ImageUri").is_none()
        && (r.prop("Runtime").is_none() || r.prop("Handler").is_none())
    {
        ctx.errors.push(SamError::resource(
            r.id,
            r.node.span,
            "Runtime and Handler needs to be present when PackageType is of type `Zip`",
        ));
    }
    match code::function_code(
        r.prop("CodeUri"),
        r.prop("InlineCode"),
        r.prop("ImageUri"),
        image,
    ) {
        Ok(Some(c)) => {
            let c = match r.prop("SourceKMSKeyArn") {
                Some(k) => {
                    let mut o = super::build::to_obj(&c);
                    o.insert("SourceKMSKeyArn".into(), k.clone());
                    B::new(c.span).obj(o)
                }
                None => c,
            };
            lambda = lambda.prop("Code", c)
        }
        Ok(None) => {}
        Err(message) => {
            let local = r
                .prop("CodeUri")
                .and_then(Node::as_str)
                .filter(|u| !u.contains("://"));
            ctx.errors.push(match local {
                Some(path) => SamError::needs_input(
                    r.id,
                    r.span_of("CodeUri"),
                    format!("`CodeUri` `{path}` is a local path: package the code to S3 first"),
                ),
                None if image && r.prop("ImageUri").is_none() => SamError::needs_input(
                    r.id,
                    r.node.span,
                    "an `Image` function without `ImageUri`: build and push the image first",
                ),
                None => SamError::resource(r.id, r.span_of("CodeUri"), message),
            })
        }
    }
    if r.prop("ImageUri").is_some() && !lambda.props.contains_key("PackageType") {
        lambda = lambda.prop("PackageType", b.s("Image"));
    }
    for key in PASSTHROUGH {
        if let Some(v) = r.prop(key) {
            lambda.props.insert((*key).to_owned(), v.clone());
        }
    }
    if r.prop("ImageUri").is_some() && !lambda.props.contains_key("PackageType") {
        lambda = lambda.prop("PackageType", b.s("Image"));
    }
    if let Some(c) = r.prop("CapacityProviderConfig") {
        lambda = lambda.prop(
            "CapacityProviderConfig",
            super::capacity_provider::function_config(c),
        );
    }
    // The resolved mode decides whether tracing is on; the function keeps the mode as written.
    if tracing(ctx, r).is_some()
        && let Some(t) = r.prop("Tracing").cloned()
    {
        lambda = lambda.prop("TracingConfig", B::new(t.span).map([("Mode", t)]));
    }
    if let Some(dlq) = r.prop("DeadLetterQueue") {
        match dead_letter(dlq) {
            Ok(target) => {
                lambda = lambda.prop(
                    "DeadLetterConfig",
                    B::new(dlq.span).map([("TargetArn", target)]),
                );
            }
            Err(m) => ctx.errors.push(SamError::resource(r.id, dlq.span, m)),
        }
    }
    let mut tags = match tag_list(r) {
        Ok(t) => t,
        Err(m) => {
            ctx.errors
                .push(SamError::resource(r.id, r.span_of("Tags"), m));
            Vec::new()
        }
    };
    // Propagated tags are the function's own: the translator then leaves `lambda:createdBy` out.
    let propagated: Vec<Node> =
        if r.prop("PropagateTags").and_then(as_bool) == Some(true) && tags.len() > 1 {
            tags.split_off(1)
        } else {
            Vec::new()
        };
    if !propagated.is_empty() {
        tags = propagated.clone();
    }
    lambda = lambda.prop("Tags", b.seq(tags.clone()));
    lambda.attrs = r.passed_attrs(FUNCTION_ATTRS);
    let role_id = format!("{}Role", r.id);
    let conditional = conditional_role(ctx, r, &role_id);
    let role_given = r.prop("Role").cloned().filter(|_| conditional.is_none());
    let role_value = match &conditional {
        Some((_, value)) => value.clone(),
        None => role_given
            .clone()
            .unwrap_or_else(|| b.get_att(&role_id, "Arn")),
    };
    lambda = lambda.prop("Role", role_value);
    let mut target = Target {
        id: r.id.to_owned(),
        name: b.r#ref(r.id),
        arn: b.get_att(r.id, "Arn"),
        alias: None,
        attrs: r.passed_attrs(INHERITED_ATTRS),
        tags: tags.clone(),
        propagated,
        managed: Vec::new(),
        inline: Vec::new(),
    };
    if let Some(alias) = version::publish(ctx, r, &lambda, &target) {
        target.name = b.r#ref(&alias);
        target.arn = b.r#ref(&alias);
        target.alias = Some(alias);
    }
    if ctx.errors.len() > before {
        return;
    }
    let function_node_attrs = lambda.attrs.clone();
    ctx.add(r.id, r.id.to_owned(), lambda);
    let _ = function_node_attrs;
    events::expand_function_events(ctx, r, &mut target);
    deployment::expand(ctx, r, &target);
    super::function_url::expand(ctx, r, &target);
    super::event_invoke::expand(ctx, r, &mut target);
    if let Some((condition, _)) = conditional {
        target.attrs.insert("Condition".into(), b.s(condition));
    }
    if role_given.is_none() {
        generate_role(ctx, r, &role_id, target);
    }
}

/// The role of a function without `Role`.
fn generate_role(ctx: &mut Ctx, r: &Serverless, role_id: &str, target: Target) {
    let b = r.b();
    let partition = ctx.partition.clone();
    let basic = if r.prop("DurableConfig").is_some() {
        "service-role/AWSLambdaBasicDurableExecutionRolePolicy"
    } else {
        "service-role/AWSLambdaBasicExecutionRole"
    };
    let mut managed = vec![b.s(policies::managed_arn(&partition, basic))];
    if tracing(ctx, r).is_some() {
        managed.push(b.s(policies::managed_arn(&partition, "AWSXrayWriteOnlyAccess")));
    }
    if r.prop("VpcConfig").is_some() {
        managed.push(b.s(policies::managed_arn(
            &partition,
            "service-role/AWSLambdaVPCAccessExecutionRole",
        )));
    }
    let mut inline = Vec::new();
    if let Some(dlq) = r.prop("DeadLetterQueue")
        && let Some(p) = dead_letter_policy(dlq)
    {
        inline.push(p);
    }
    managed.extend(target.managed);
    inline.extend(target.inline);
    if let Some(p) = r.prop("Policies") {
        match policies::read(p, role_id, &partition) {
            Ok(c) => {
                managed.extend(c.managed);
                inline.extend(c.inline);
            }
            Err(m) => {
                ctx.errors.push(SamError::resource(r.id, p.span, m));
                return;
            }
        }
    }
    let mut distinct: Vec<Node> = Vec::with_capacity(managed.len());
    for m in managed {
        if !distinct.iter().any(|d| d.kind == m.kind) {
            distinct.push(m);
        }
    }
    let managed = distinct;
    let parts = role::RoleParts {
        service: "lambda.amazonaws.com",
        assume: r.prop("AssumeRolePolicyDocument").cloned(),
        managed,
        inline,
        path: r.prop("RolePath").cloned(),
        boundary: r.prop("PermissionsBoundary").cloned(),
        tags: target.tags.clone(),
        attrs: target.attrs.clone(),
    };
    ctx.add(r.id, role_id.to_owned(), role::build(b, parts));
}

/// `Role: !If [C, !Ref AWS::NoValue, X]` (or the other way round): the transform generates the role when
/// the `AWS::NoValue` branch applies. Returns the condition of the generated role (`NOT<C>`, added to the
/// template's conditions, for an else branch) and the function's `Role`.
fn conditional_role(ctx: &mut Ctx, r: &Serverless, role_id: &str) -> Option<(String, Node)> {
    let args = get(r.prop("Role")?, "Fn::If")?.as_seq()?;
    let [cond, yes, no] = args else {
        return None;
    };
    let name = cond.as_str()?;
    let no_value = |n: &Node| get(n, "Ref").and_then(Node::as_str) == Some("AWS::NoValue");
    let b = B::new(cond.span);
    let generated = b.get_att(role_id, "Arn");
    let if_ = |yes: Node, no: Node| b.call("Fn::If", b.seq(vec![cond.clone(), yes, no]));
    if no_value(yes) {
        return Some((name.to_owned(), if_(generated, no.clone())));
    }
    if no_value(no) {
        let negated = format!("NOT{name}");
        ctx.conditions.insert(
            negated.clone(),
            b.call("Fn::Not", b.seq(vec![b.map([("Condition", b.s(name))])])),
        );
        return Some((negated, if_(yes.clone(), generated)));
    }
    None
}

/// Functions with `TenancyConfig` take only `Api` and `HttpApi` events and no provisioned concurrency.
fn tenancy(r: &Serverless) -> Option<SamError> {
    r.prop("TenancyConfig")?;
    if let Some(p) = r.prop("ProvisionedConcurrencyConfig") {
        return Some(SamError::resource(
            r.id,
            p.span,
            "Provisioned concurrency is not supported for functions enabled with tenancy configuration.",
        ));
    }
    let events = r.prop("Events").and_then(Node::as_map)?;
    for (_, e) in events.iter() {
        let ty = get(&e.value, "Type").and_then(Node::as_str).unwrap_or("");
        if ty != "Api" && ty != "HttpApi" {
            return Some(SamError::resource(
                r.id,
                e.value.span,
                format!(
                    "Event source '{ty}' is not supported for functions enabled with tenancy configuration. Only Api and HttpApi event sources are supported."
                ),
            ));
        }
    }
    None
}

/// The function's tracing mode (known parameters substituted), unless tracing is off (`Disabled`, empty).
fn tracing(ctx: &Ctx, r: &Serverless) -> Option<Node> {
    let t = ctx.params.resolve(r.prop("Tracing")?);
    match &t.kind {
        NodeKind::Null => None,
        NodeKind::String(s) if s.is_empty() || s == "Disabled" => None,
        _ => Some(t),
    }
}

/// The tags of a serverless resource as a CloudFormation tag list, `lambda:createdBy: SAM` first.
pub(super) fn tag_list(r: &Serverless) -> Result<Vec<Node>, String> {
    let b = r.b();
    let mut tags = vec![b.tag(b.s(CREATED_BY), b.s("SAM"))];
    if let Some(t) = r.prop("Tags") {
        let Some(m) = t.as_map() else {
            return Err("Type of property 'Tags' is invalid.".into());
        };
        for (k, e) in m.iter() {
            if k == CREATED_BY {
                return Err(format!(
                    "{CREATED_BY} is a reserved Tag key name and cannot be set on your resource. Please change the tag key in the input."
                ));
            }
            let tb = B::new(e.value.span);
            tags.push(tb.tag(tb.s(k), e.value.clone()));
        }
    }
    Ok(tags)
}

/// `DeadLetterQueue: {Type, TargetArn}` → the function's `DeadLetterConfig.TargetArn`.
fn dead_letter(dlq: &Node) -> Result<Node, String> {
    let Some(m) = dlq.as_map() else {
        return Err(
            "'DeadLetterQueue' requires Type and TargetArn properties to be specified.".into(),
        );
    };
    match m.get("Type") {
        Some(t) if t.as_str().is_none() => {
            return Err("Property 'DeadLetterQueue.Type' should be a string.".into());
        }
        Some(t) if !matches!(t.as_str(), Some("SNS" | "SQS")) => {
            return Err("'DeadLetterQueue' requires Type of ['SQS', 'SNS']".into());
        }
        None => {
            return Err(
                "'DeadLetterQueue' requires Type and TargetArn properties to be specified.".into(),
            );
        }
        _ => {}
    }
    m.get("TargetArn").cloned().ok_or_else(|| {
        "'DeadLetterQueue' requires Type and TargetArn properties to be specified.".into()
    })
}

/// The inline policy that lets the function send to its dead-letter queue or topic.
fn dead_letter_policy(dlq: &Node) -> Option<Node> {
    let action = match get(dlq, "Type")?.as_str()? {
        "SNS" => "sns:Publish",
        "SQS" => "sqs:SendMessage",
        _ => return None,
    };
    let target = get(dlq, "TargetArn")?.clone();
    let b = B::new(dlq.span);
    Some(b.map([
        ("PolicyName", b.s("DeadLetterQueuePolicy")),
        (
            "PolicyDocument",
            b.map([
                ("Version", b.s("2012-10-17")),
                (
                    "Statement",
                    b.seq(vec![b.map([
                        ("Action", b.s(action)),
                        ("Effect", b.s("Allow")),
                        ("Resource", target),
                    ])]),
                ),
            ]),
        ),
    ]))
}

/// A boolean property, written as a boolean or as the text `true`/`false`.
pub(super) fn as_bool(n: &Node) -> Option<bool> {
    match &n.kind {
        NodeKind::Bool(b) => Some(*b),
        NodeKind::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        NodeKind::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// `res` with the propagated `tags`, when there are any.
pub(super) fn with_tags(res: Res, tags: &[Node]) -> Res {
    if tags.is_empty() {
        return res;
    }
    let b = B::new(res.span);
    res.prop("Tags", b.seq(tags.to_vec()))
}
