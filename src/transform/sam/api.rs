//! REST APIs: `AWS::Serverless::Api` and the implicit `ServerlessRestApi` that `Api` events without a
//! `RestApiId` share. Each becomes an `AWS::ApiGateway::RestApi` whose definition (`api_body.rs`) gets one
//! path and method per event unless the API writes its own `DefinitionBody`, a `Deployment` whose logical
//! id hashes that definition the way the translator does (see `swagger.rs`), and a `Stage`. The functions'
//! side of an `Api` event (the permission) is `events/api.rs`; authorizers are `api_auth.rs`, custom
//! domains `api_domain.rs`, usage plans `api_usage_plan.rs`. A function's events are visited in the order
//! of their names, as the translator does (the order decides the definition's hashed text).

use indexmap::IndexMap;

use crate::source::{Node, NodeKind, Span};

use super::api_auth::ApiAuth;
use super::api_definition::location_sw;
use super::build::{B, Obj, Res, get, is_intrinsic};
use super::errors::SamError;
use super::{Ctx, Serverless, code, ids};

pub(super) use super::api_implicit::finish;

/// The implicit API's logical id.
pub(super) const IMPLICIT: &str = "ServerlessRestApi";

/// API properties this version does not expand yet.
const UNSUPPORTED: &[&str] = &[
    "CanarySetting",
    "AlwaysDeploy",
    "ApiKeySourceType",
    "SecurityPolicy",
    "EndpointAccessMode",
];
/// API properties copied to the stage.
const STAGE_PASSTHROUGH: &[&str] = &[
    "Variables",
    "CacheClusterEnabled",
    "CacheClusterSize",
    "MethodSettings",
    "TracingEnabled",
    "AccessLogSetting",
];

/// One `Api` event, as the API's definition needs it.
#[derive(Clone, Debug)]
pub(super) struct ApiEvent {
    pub path: String,
    /// Lower case; `any` for every method.
    pub method: String,
    /// What the integration's `Fn::Sub` invokes: `Function.Arn`, or the function's alias.
    pub invoke: String,
    /// For a state machine's event: the state machine, the role API Gateway uses to start executions,
    /// and whether the mapping template unescapes single quotes.
    pub state_machine: Option<(String, String, bool)>,
    pub span: Span,
    /// For events with `RestApiId`: the function's `FunctionName` (known parameters substituted) as the
    /// translator prints it; its deployment id covers it, so renaming the function redeploys the API.
    pub function_name: Option<String>,
    /// The event's `Auth`.
    pub auth: Option<Node>,
    /// The event's `RequestModel`.
    pub request_model: Option<Node>,
    /// `ResponseTransferMode: RESPONSE_STREAM`: the integration streams the function's response.
    pub streaming: bool,
    /// The function's (or state machine's) `Condition`: its method exists only under it.
    pub condition: Option<String>,
    /// The resource and event names errors about this event are reported under; `true` when the resource
    /// is a state machine (the translator names only the event then).
    pub owner: (String, String, bool),
}

/// The API an event attaches to: `RestApiId` as written (a logical id or a `Ref` to one), or the implicit
/// API.
pub(super) fn api_of(props: &Node) -> Option<String> {
    match get(props, "RestApiId") {
        None => Some(IMPLICIT.to_owned()),
        Some(n) => match &n.kind {
            NodeKind::String(s) => Some(s.clone()),
            _ => get(n, "Ref").and_then(Node::as_str).map(str::to_owned),
        },
    }
}

/// The stage name an event's permission id ends with: the API's `StageName` (`Prod` for the implicit API).
pub(super) fn stage_suffix(ctx: &Ctx, api: &str) -> String {
    if api == IMPLICIT {
        return "Prod".into();
    }
    ctx.input
        .get(api)
        .and_then(|r| get(r, "Properties"))
        .and_then(|p| get(p, "StageName"))
        .map_or_else(
            || "Prod".into(),
            |s| s.as_str().unwrap_or("Stage").to_owned(),
        )
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// Every `Api` event of every function, by the API it attaches to.
pub(super) fn collect(ctx: &Ctx) -> IndexMap<String, Vec<ApiEvent>> {
    let mut out: IndexMap<String, Vec<ApiEvent>> = IndexMap::new();
    for (id, entry) in ctx.input.iter() {
        let r = &entry.value;
        if get(r, "Type").and_then(Node::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        let Some(props) = get(r, "Properties") else {
            continue;
        };
        let invoke = super::version::invoke_target(ctx, id, props);
        let Some(events) = get(props, "Events").and_then(Node::as_map) else {
            continue;
        };
        // The translator visits a function's events in the order of their names.
        let mut sorted: Vec<(&str, &Node)> = events.iter().map(|(k, e)| (k, &e.value)).collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for (name, value) in sorted {
            if get(value, "Type").and_then(Node::as_str) != Some("Api") {
                continue;
            }
            let Some(p) = get(value, "Properties") else {
                continue;
            };
            let (Some(path), Some(method), Some(api)) = (
                get(p, "Path").and_then(Node::as_str),
                get(p, "Method").and_then(Node::as_str),
                api_of(p),
            ) else {
                continue;
            };
            let function_name = get(p, "RestApiId")
                .and_then(|_| get(props, "FunctionName"))
                .map(|n| ctx.params.resolve(n))
                .map(|n| match n.scalar_text() {
                    Some(t) => t.into_owned(),
                    None => {
                        let mut text = String::new();
                        super::py27::repr(&n, &mut text);
                        text
                    }
                });
            out.entry(api).or_default().push(ApiEvent {
                auth: get(p, "Auth").cloned(),
                request_model: get(p, "RequestModel").cloned(),
                condition: get(r, "Condition")
                    .and_then(Node::as_str)
                    .map(str::to_owned),
                streaming: get(p, "ResponseTransferMode").and_then(Node::as_str)
                    == Some("RESPONSE_STREAM"),
                owner: (id.to_owned(), name.to_owned(), false),
                state_machine: None,
                function_name,
                path: path.to_owned(),
                method: method.to_ascii_lowercase(),
                invoke: invoke.clone(),
                span: value.span,
            });
        }
    }
    for (id, entry) in ctx.input.iter() {
        let r = &entry.value;
        if get(r, "Type").and_then(Node::as_str) != Some("AWS::Serverless::StateMachine") {
            continue;
        }
        let Some(events) = get(r, "Properties")
            .and_then(|p| get(p, "Events"))
            .and_then(Node::as_map)
        else {
            continue;
        };
        for (name, e) in events.iter() {
            if get(&e.value, "Type").and_then(Node::as_str) != Some("Api") {
                continue;
            }
            let Some(p) = get(&e.value, "Properties") else {
                continue;
            };
            let (Some(path), Some(method), Some(api)) = (
                get(p, "Path").and_then(Node::as_str),
                get(p, "Method").and_then(Node::as_str),
                api_of(p),
            ) else {
                continue;
            };
            let unescape = get(p, "UnescapeMappingTemplate")
                .is_some_and(|u| matches!(u.kind, NodeKind::Bool(true)));
            out.entry(api).or_default().push(ApiEvent {
                auth: get(p, "Auth").cloned(),
                request_model: None,
                condition: get(r, "Condition")
                    .and_then(Node::as_str)
                    .map(str::to_owned),
                streaming: false,
                owner: (id.to_owned(), name.to_owned(), true),
                state_machine: Some((
                    super::state_machine_alias::event_target(id, r),
                    format!("{id}{name}Role"),
                    unescape,
                )),
                function_name: None,
                path: path.to_owned(),
                method: method.to_ascii_lowercase(),
                invoke: String::new(),
                span: e.value.span,
            });
        }
    }
    out
}

/// Expands an explicit `AWS::Serverless::Api` (or the implicit one, built by [`finish`]).
pub(super) fn expand(ctx: &mut Ctx, r: &Serverless) {
    if let Some(e) = check_api(r) {
        ctx.errors.push(e);
        return;
    }
    if let Some(key) = UNSUPPORTED.iter().find(|k| r.prop(k).is_some()) {
        ctx.errors.push(SamError::unsupported(
            r.id,
            r.span_of(key),
            format!("API property {key} is not expanded yet"),
        ));
        return;
    }
    if let Some(d) = r.prop("Description")
        && r.prop("DefinitionUri").is_none()
    {
        ctx.errors.push(SamError::unsupported(
            r.id,
            d.span,
            "the Description of an API with an inline definition is not expanded yet",
        ));
        return;
    }
    if r.prop("StageName").is_none() {
        ctx.errors.push(SamError::resource(
            r.id,
            r.node.span,
            "Missing required property 'StageName'.",
        ));
        return;
    }
    build(ctx, r);
}

/// The translator's checks of an API's properties that need no expansion.
fn check_api(r: &Serverless) -> Option<SamError> {
    let inline = r.prop("DefinitionBody").is_some();
    // Text, or a number written with a fraction (`3.0`); a whole number is refused.
    if let Some(v) = r.prop("OpenApiVersion")
        && !matches!(&v.kind, NodeKind::String(_))
        && !matches!(&v.kind, NodeKind::Number(n) if n.contains('.'))
        && !is_intrinsic(v)
    {
        return Some(SamError::resource(
            r.id,
            v.span,
            "Property 'OpenApiVersion' should be a string.",
        ));
    }
    if !inline
        && r.prop("DefinitionUri").is_some()
        && let Some(c) = r.prop("Cors")
    {
        return Some(SamError::resource(
            r.id,
            c.span,
            "Cors works only with inline Swagger specified in 'DefinitionBody' property.",
        ));
    }
    if !inline
        && r.prop("DefinitionUri").is_some()
        && let Some(d) = r.prop("DisableExecuteApiEndpoint")
    {
        return Some(SamError::resource(
            r.id,
            d.span,
            "DisableExecuteApiEndpoint works only within 'DefinitionBody' property.",
        ));
    }
    let paths = r
        .prop("DefinitionBody")
        .and_then(|b| get(b, "paths"))
        .and_then(Node::as_map)?;
    for (path, e) in paths.iter() {
        if e.value.as_map().is_none() {
            return Some(SamError::structure(
                e.value.span,
                format!("Value of '{path}' path must be a dictionary according to Swagger spec."),
            ));
        }
    }
    None
}

fn build(ctx: &mut Ctx, r: &Serverless) {
    let id = r.id;
    let span = r.node.span;
    let events = ctx.api_events.get(id).cloned().unwrap_or_default();
    let attrs = r.passed_attrs(&["Condition", "DeletionPolicy", "UpdateReplacePolicy"]);
    let api_attrs = r.passed_attrs(&[
        "Condition",
        "DependsOn",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "Metadata",
    ]);
    let Some(stage) = r.prop("StageName").cloned() else {
        return;
    };
    let b = B::new(span);
    let prop = |k: &str| r.prop(k);
    // The translator's order: where the definition comes from, then the settings, then the authorizers.
    if let Some(a) =
        prop("Auth").filter(|a| !super::api_policy::is_empty(a) && a.as_map().is_some())
    {
        let body = prop("DefinitionBody");
        if body.is_none() && prop("DefinitionUri").is_some() {
            ctx.errors.push(SamError::resource(
                id,
                a.span,
                "Auth works only with inline Swagger specified in 'DefinitionBody' property.",
            ));
            return;
        }
        if let Some(body) = body.filter(|b| !is_intrinsic(b))
            && super::api_auth::known_settings(a)
            && !super::api_models::is_valid_definition(&super::swagger::Sw::from_node(body))
        {
            ctx.errors.push(SamError::resource(
                id,
                a.span,
                "Unable to add Auth configuration because 'DefinitionBody' does not contain a valid Swagger definition.",
            ));
            return;
        }
    }
    let mut auth = match ApiAuth::parse(prop("Auth")) {
        Ok(a) => a,
        Err(m) => {
            // A default authorizer's error points at it.
            let span = prop("Auth")
                .and_then(|a| get(a, "DefaultAuthorizer"))
                .filter(|_| m.contains("DefaultAuthorizer"))
                .map_or_else(|| r.span_of("Auth"), |d| d.span);
            ctx.errors.push(SamError::resource(id, span, m));
            return;
        }
    };
    // The translator substitutes known parameter values in resource policies.
    let api_policy = prop("Auth")
        .and_then(|a| get(a, "ResourcePolicy"))
        .map(|p| ctx.params.resolve_template_parameters(p));
    let event_policies: Vec<Option<Node>> = events
        .iter()
        .map(|e| {
            e.auth
                .as_ref()
                .and_then(|a| get(a, "ResourcePolicy"))
                .map(|p| ctx.params.resolve_template_parameters(p))
        })
        .collect();
    if let Some(m) = api_policy
        .iter()
        .chain(event_policies.iter().flatten())
        .find_map(|p| super::api_policy::check(p).err())
    {
        ctx.errors.push(SamError::structure(r.span_of("Auth"), m));
        return;
    }
    let mut api = Res::new("AWS::ApiGateway::RestApi", span);
    let hash_text;
    if let Some(uri) = prop("DefinitionUri") {
        if prop("Auth").is_some() && prop("DefinitionBody").is_none() {
            ctx.errors.push(SamError::resource(
                id,
                r.span_of("Auth"),
                "Auth works only with inline Swagger specified in 'DefinitionBody' property.",
            ));
            return;
        }
        if prop("DefinitionBody").is_some() {
            ctx.errors.push(SamError::resource(
                id,
                uri.span,
                "Specify either 'DefinitionUri' or 'DefinitionBody' property and not both.",
            ));
            return;
        }
        if let Some(m) = prop("Models").filter(|m| !super::api_models::is_empty(m))
            && let Err(message) = super::api_models::check(m, false)
        {
            ctx.errors.push(SamError::resource(id, m.span, message));
            return;
        }
        let location = match code::s3_location("DefinitionUri", uri, ["Bucket", "Key", "Version"]) {
            Ok(l) => l,
            Err(m) => {
                ctx.errors
                    .push(code::location_error(id, "DefinitionUri", uri, m));
                return;
            }
        };
        let mut text = String::new();
        location_sw(&location).repr(&mut text);
        let names: String = events
            .iter()
            .filter_map(|e| e.function_name.as_deref())
            .collect();
        if !names.is_empty() {
            text.push_str("||");
            text.push_str(&names);
        }
        hash_text = text;
        api = api.prop("BodyS3Location", location);
    } else {
        let openapi_text = prop("OpenApiVersion").and_then(Node::scalar_text);
        let openapi = openapi_text.as_deref();
        let input = super::api_body::Input {
            events: &events,
            event_policies: &event_policies,
            api_policy: api_policy.as_ref(),
            stage: &stage,
        };
        let Some(definition) = super::api_body::definition(ctx, r, &input, &mut auth) else {
            return;
        };
        let mut text = String::new();
        definition.repr(&mut text);
        if let Some(v) = openapi {
            text.push_str("||");
            text.push_str(v);
        }
        if let Some(d) = prop("Domain").and_then(|d| super::api_domain::deployment_text(ctx, id, d))
        {
            text.push_str("||");
            text.push_str(&d);
        }
        let names: String = events
            .iter()
            .filter_map(|e| e.function_name.as_deref())
            .collect();
        if !names.is_empty() {
            text.push_str("||");
            text.push_str(&names);
        }
        hash_text = text;
        api = api.prop("Body", definition.node(span));
    }
    for key in [
        "Name",
        "MinimumCompressionSize",
        "FailOnWarnings",
        "Mode",
        "Description",
        "Policy",
    ] {
        if let Some(v) = prop(key) {
            api = api.prop(key, v.clone());
        }
    }
    if let Some(types) = prop("BinaryMediaTypes") {
        api = api.prop(
            "BinaryMediaTypes",
            ctx.params.resolve_template_parameters(types),
        );
    }
    if let Some(ec) = prop("EndpointConfiguration") {
        api = api.prop("EndpointConfiguration", endpoint_configuration(ec));
        if let Some(t) = endpoint_type(ec) {
            api = api.prop("Parameters", b.map([("endpointConfigurationTypes", t)]));
        }
    }
    if prop("PropagateTags").and_then(super::function::as_bool) == Some(true)
        && let Some(tags) = prop("Tags").and_then(Node::as_map)
    {
        let list = tags
            .iter()
            .map(|(k, e)| b.tag(b.s(k), e.value.clone()))
            .collect();
        api = api.prop("Tags", b.seq(list));
    }
    api.attrs = api_attrs;
    let digest = ids::sha1_hex(&hash_text);
    let deployment_id = format!("{id}Deployment{}", &digest[..10]);
    let mut deployment = Res::new("AWS::ApiGateway::Deployment", span)
        .prop(
            "Description",
            b.s(format!("RestApi deployment id: {digest}")),
        )
        .prop("RestApiId", b.r#ref(id));
    // Any `OpenApiVersion` removes the translator's extra `Stage` stage, as documented.
    if prop("OpenApiVersion").is_none() {
        deployment = deployment.prop("StageName", b.s("Stage"));
    }
    deployment.attrs = attrs.clone();
    let stage_text = stage.as_str().map(str::to_owned);
    let stage_id = format!(
        "{id}{}Stage",
        stage_text
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    );
    let mut st = Res::new("AWS::ApiGateway::Stage", span)
        .prop("DeploymentId", b.r#ref(&deployment_id))
        .prop("RestApiId", b.r#ref(id))
        .prop("StageName", stage);
    for key in STAGE_PASSTHROUGH {
        if let Some(v) = prop(key) {
            st = st.prop(key, v.clone());
        }
    }
    if let Some(tags) = prop("Tags") {
        let list = tags
            .as_map()
            .map(|m| {
                m.iter()
                    .map(|(k, e)| b.tag(b.s(k), e.value.clone()))
                    .collect()
            })
            .unwrap_or_default();
        st = st.prop("Tags", b.seq(list));
    }
    st.attrs = attrs;
    let origin = r.id;
    ctx.refs
        .insert(format!("{id}.Deployment"), deployment_id.clone());
    ctx.refs.insert(format!("{id}.Stage"), stage_id.clone());
    ctx.add(origin, id.to_owned(), api);
    for a in auth.authorizers.iter().flatten() {
        if let Some(function) = &a.function {
            let mut p = Res::new("AWS::Lambda::Permission", span)
                .prop("Action", b.s("lambda:InvokeFunction"))
                .prop("FunctionName", function.clone())
                .prop("Principal", b.s("apigateway.amazonaws.com"))
                .prop(
                    "SourceArn",
                    b.call(
                        "Fn::Sub",
                        b.seq(vec![
                            b.s("arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/authorizers/*"),
                            b.map([("__ApiId__", b.r#ref(id))]),
                        ]),
                    ),
                );
            p.attrs = r.passed_attrs(&["Condition"]);
            ctx.add(origin, format!("{id}{}AuthorizerPermission", a.name), p);
        }
    }
    ctx.add(origin, deployment_id, deployment);
    ctx.add(origin, stage_id.clone(), st);
    if let Some(plan) = super::api_usage_plan::of(prop("Auth"))
        && let Err(m) = super::api_usage_plan::expand(
            ctx,
            id,
            &stage_id,
            plan,
            &r.passed_attrs(&["Condition", "DeletionPolicy", "UpdateReplacePolicy"]),
            span,
        )
    {
        ctx.errors.push(SamError::resource(id, plan.span, m));
    }
    if let Some(domain) = prop("Domain") {
        let target = super::api_domain::Target {
            api: id,
            stage_id: &stage_id,
            span,
            attrs: r.passed_attrs(&["Condition"]),
            http_tags: None,
            merge_records: true,
        };
        if let Err(m) = super::api_domain::expand(ctx, &target, domain) {
            ctx.errors.push(SamError::resource(id, domain.span, m));
        }
    }
}

/// `EndpointConfiguration: REGIONAL` or `{Type, VPCEndpointIds}` as the RestApi's property.
fn endpoint_configuration(ec: &Node) -> Node {
    let b = B::new(ec.span);
    match ec.as_map() {
        Some(m) if !is_intrinsic(ec) => {
            let mut o = Obj::new();
            if let Some(t) = m.get("Type") {
                o.insert("Types".into(), b.seq(vec![t.clone()]));
            }
            if let Some(v) = m.get("VPCEndpointIds").or_else(|| m.get("VpcEndpointIds")) {
                o.insert("VpcEndpointIds".into(), v.clone());
            }
            b.obj(o)
        }
        _ => b.map([("Types", b.seq(vec![ec.clone()]))]),
    }
}

fn endpoint_type(ec: &Node) -> Option<Node> {
    match ec.as_map() {
        Some(m) if !is_intrinsic(ec) => m.get("Type").cloned(),
        _ => Some(ec.clone()),
    }
}
