//! HTTP APIs: `AWS::Serverless::HttpApi` and the implicit `ServerlessHttpApi` that `HttpApi` events without
//! an `ApiId` share. Each becomes an `AWS::ApiGatewayV2::Api` whose OpenAPI 3 definition gets one route per
//! event (a Lambda proxy integration, payload format 2.0; an event without path and method is the default
//! route), and an auto-deployed `Stage`. The functions' side (the permission) is `events/httpapi.rs`.
//! Authorizers are `httpapi_auth.rs`, custom domains `api_domain.rs`.

use indexmap::IndexMap;

use crate::source::{Node, NodeKind, Span};

use super::build::{B, Obj, Res, get, is_intrinsic};
use super::errors::SamError;
use super::httpapi_auth::HttpAuth;
use super::httpapi_cors;
use super::httpapi_definition;
use super::httpapi_routes;
use super::{Ctx, Serverless, code};

/// The implicit HTTP API's logical id.
pub(super) const IMPLICIT: &str = "ServerlessHttpApi";

const STAGE_PASSTHROUGH: &[(&str, &str)] = &[
    ("StageVariables", "StageVariables"),
    ("AccessLogSettings", "AccessLogSettings"),
    ("DefaultRouteSettings", "DefaultRouteSettings"),
    ("RouteSettings", "RouteSettings"),
];

/// One `HttpApi` event, as the API's definition needs it.
#[derive(Clone, Debug)]
pub(super) struct HttpEvent {
    /// `None` for the default route.
    pub route: Option<(String, String)>,
    pub invoke: String,
    pub payload: Option<Node>,
    pub timeout: Option<Node>,
    /// The event's own `RouteSettings`, merged into the stage's settings for its route.
    pub route_settings: Option<Node>,
    /// The event's `Auth`.
    pub auth: Option<Node>,
    /// The function and event errors about this event are reported under.
    pub owner: (String, String),
    /// The function's `Condition`: its route exists only when it holds.
    pub condition: Option<String>,
    pub span: Span,
}

/// The API an `HttpApi` event attaches to.
pub(super) fn api_of(props: &Node) -> Option<String> {
    match get(props, "ApiId") {
        None => Some(IMPLICIT.to_owned()),
        Some(n) => match &n.kind {
            NodeKind::String(s) => Some(s.clone()),
            _ => get(n, "Ref").and_then(Node::as_str).map(str::to_owned),
        },
    }
}

/// Every `HttpApi` event of every function, by the API it attaches to.
pub(super) fn collect(ctx: &Ctx) -> IndexMap<String, Vec<HttpEvent>> {
    let mut out: IndexMap<String, Vec<HttpEvent>> = IndexMap::new();
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
        let condition = get(r, "Condition")
            .and_then(Node::as_str)
            .map(str::to_owned);
        for (name, e) in events.iter() {
            if get(&e.value, "Type").and_then(Node::as_str) != Some("HttpApi") {
                continue;
            }
            let empty = B::new(e.value.span).map(Vec::<(&str, Node)>::new());
            let p = get(&e.value, "Properties").unwrap_or(&empty);
            let route = match (
                get(p, "Path").and_then(Node::as_str),
                get(p, "Method").and_then(Node::as_str),
            ) {
                (Some(path), Some(method)) => Some((path.to_owned(), method.to_ascii_lowercase())),
                _ => None,
            };
            let Some(api) = api_of(p) else {
                continue;
            };
            out.entry(api).or_default().push(HttpEvent {
                route,
                invoke: invoke.clone(),
                payload: get(p, "PayloadFormatVersion").cloned(),
                timeout: get(p, "TimeoutInMillis").cloned(),
                route_settings: get(p, "RouteSettings").cloned(),
                auth: get(p, "Auth").cloned(),
                owner: (id.to_owned(), name.to_owned()),
                condition: condition.clone(),
                span: e.value.span,
            });
        }
    }
    out
}

/// Expands an explicit `AWS::Serverless::HttpApi` (or the implicit one, built by [`finish`]).
pub(super) fn expand(ctx: &mut Ctx, r: &Serverless) {
    if r.prop("DefinitionBody").is_none() {
        let uri = r.prop("DefinitionUri").is_some();
        if let Some(t) = r.prop("Tags").filter(|_| uri) {
            ctx.errors.push(SamError::resource(
                r.id,
                t.span,
                "Tags works only with inline OpenApi specified in the 'DefinitionBody' property.",
            ));
            return;
        }
        if let Some(n) = r.prop("Name").filter(|_| uri) {
            ctx.errors.push(SamError::resource(
                r.id,
                n.span,
                "Name works only with inline OpenApi specified in the 'DefinitionBody' property.",
            ));
            return;
        }
        if let Some(d) = r.prop("Description").filter(|_| uri) {
            ctx.errors.push(SamError::resource(
                r.id,
                d.span,
                "Description works only with inline OpenApi specified in the 'DefinitionBody' property.",
            ));
            return;
        }
        if let Some(d) = r.prop("DisableExecuteApiEndpoint").filter(|_| uri) {
            ctx.errors.push(SamError::resource(
                r.id,
                d.span,
                "DisableExecuteApiEndpoint works only within 'DefinitionBody' property.",
            ));
            return;
        }
    }
    if let Some(d) = r.prop("DisableExecuteApiEndpoint")
        && !matches!(d.kind, NodeKind::Bool(_))
        && !is_intrinsic(d)
    {
        ctx.errors.push(SamError::resource(
            r.id,
            d.span,
            "Type of property 'DisableExecuteApiEndpoint' is invalid.",
        ));
        return;
    }
    let b = r.b();
    let events = ctx.http_events.get(r.id).cloned().unwrap_or_default();
    let mut api = Res::new("AWS::ApiGatewayV2::Api", r.node.span);
    let mut generated = r.prop("DefinitionUri").is_none();
    if let Some(uri) = r.prop("DefinitionUri") {
        match code::s3_location("DefinitionUri", uri, ["Bucket", "Key", "Version"]) {
            Ok(l) => api = api.prop("BodyS3Location", l),
            Err(m) => {
                ctx.errors
                    .push(code::location_error(r.id, "DefinitionUri", uri, m));
                return;
            }
        }
    } else if let Some(written) = r.prop("DefinitionBody").filter(|d| {
        d.as_map().is_some()
            && !is_intrinsic(d)
            && !httpapi_definition::is_openapi(d)
            && r.prop("Name").is_none()
    }) {
        // A definition that is not OpenAPI is passed on as written, when nothing must be added to it.
        let refusals =
            httpapi_definition::refusals(r, httpapi_definition::routes_refused(ctx.input, r.id));
        if !refusals.is_empty() {
            ctx.errors.extend(refusals);
            return;
        }
        api = api.prop("Body", written.clone());
        generated = false;
    } else {
        let body = match r.prop("DefinitionBody") {
            Some(body) if is_intrinsic(body) || body.as_map().is_none() => {
                // Nor is a definition built by an intrinsic function an OpenAPI document to add to.
                let refusals = httpapi_definition::refusals(
                    r,
                    httpapi_definition::routes_refused(ctx.input, r.id),
                );
                if !refusals.is_empty() {
                    ctx.errors.extend(refusals);
                    return;
                }
                ctx.errors.push(SamError::unsupported(
                    r.id,
                    body.span,
                    "a DefinitionBody built by an intrinsic function is not expanded yet",
                ));
                return;
            }
            Some(body) => {
                if let Err(m) = check_definition(body) {
                    ctx.errors.push(SamError::structure(body.span, m));
                    return;
                }
                super::build::to_obj(body)
            }
            None => base_definition(b),
        };
        let mut body = body;
        // The API's name is the title of the definition the transform writes; a written one has its own.
        if let Some(n) = r.prop("Name") {
            if r.prop("DefinitionBody").is_some() {
                ctx.errors.push(SamError::resource(
                    r.id,
                    n.span,
                    "Unable to set Name because it is already defined within inline OpenAPI specified in the 'DefinitionBody' property.",
                ));
                return;
            }
            let mut info = body
                .get("info")
                .map(super::build::to_obj)
                .unwrap_or_default();
            info.insert("title".into(), n.clone());
            body.insert("info".into(), b.obj(info));
        }
        // The API's description is the definition's.
        if let Some(d) = r.prop("Description") {
            let mut info = body
                .get("info")
                .map(super::build::to_obj)
                .unwrap_or_default();
            if info.contains_key("description") {
                ctx.errors.push(SamError::resource(
                    r.id,
                    d.span,
                    "Unable to set Description because it is already defined within inline OpenAPI specified in the 'DefinitionBody' property.",
                ));
                return;
            }
            info.insert("description".into(), d.clone());
            body.insert("info".into(), b.obj(info));
        }
        let mut paths = body
            .get("paths")
            .map(super::build::to_obj)
            .unwrap_or_default();
        let auth = match HttpAuth::parse(r.prop("Auth"), &ctx.partition, b) {
            Ok(a) => a,
            Err(m) => {
                ctx.errors
                    .push(SamError::resource(r.id, r.span_of("Auth"), m));
                return;
            }
        };
        let mut failed = false;
        // The route each event added (by event).
        let mut added: Vec<Option<(String, String)>> = Vec::new();
        for e in &events {
            // The translator writes an explicit API's default route as `/$default` when it is the
            // first route of the definition.
            let slash = r.id != IMPLICIT && paths.is_empty();
            let route = httpapi_routes::add_route(&mut paths, e, slash, b);
            added.push(route.clone());
            let Some((path, method)) = route else {
                continue;
            };
            let shown = if path == "/$default" {
                "$default"
            } else {
                path.as_str()
            };
            match auth.route_security(e, &method, shown, b) {
                Ok(Some(security)) => {
                    httpapi_routes::set_security(&mut paths, &path, &method, security, b)
                }
                Ok(None) => {}
                Err(m) => {
                    let (owner, name) = &e.owner;
                    ctx.errors.push(SamError::event(owner, name, e.span, m));
                    failed = true;
                }
            }
        }
        if failed {
            return;
        }
        if auth.is_set() {
            auth.finish(&mut body, &mut paths, b);
        }
        for (name, function) in &auth.permissions {
            let p = HttpAuth::permission(r.id, function, b);
            ctx.add(r.id, format!("{}{name}AuthorizerPermission", r.id), p);
        }
        super::httpapi_conditions::wrap_routes(&mut paths, &events, added.as_slice(), b);
        body.insert("paths".into(), b.obj(paths));
        let mut tags: Vec<Node> = body
            .get("tags")
            .and_then(Node::as_seq)
            .map(<[Node]>::to_vec)
            .unwrap_or_default();
        tags.push(b.map([
            ("name", b.s("httpapi:createdBy")),
            ("x-amazon-apigateway-tag-value", b.s("SAM")),
        ]));
        if let Some(user) = r.prop("Tags").and_then(Node::as_map) {
            for (k, e) in user.iter() {
                tags.push(b.map([
                    ("name", b.s(k)),
                    ("x-amazon-apigateway-tag-value", e.value.clone()),
                ]));
            }
        }
        body.insert("tags".into(), b.seq(tags));
        if let Some(c) = r.prop("CorsConfiguration") {
            match httpapi_cors::cors(&ctx.params.resolve(c)) {
                Ok(Some(c)) => {
                    body.insert("x-amazon-apigateway-cors".into(), c);
                }
                Ok(None) => {}
                Err(m) => {
                    ctx.errors.push(SamError::resource(r.id, c.span, m));
                    return;
                }
            }
        }
        if let Some(d) = r.prop("DisableExecuteApiEndpoint") {
            // The definition's servers carry the setting.
            let setting = b.map([(
                "x-amazon-apigateway-endpoint-configuration",
                b.map([("disableExecuteApiEndpoint", d.clone())]),
            )]);
            let servers = match body.get("servers").and_then(Node::as_seq) {
                Some(list) if !list.is_empty() => list
                    .iter()
                    .map(|s| {
                        let mut o = super::build::to_obj(s);
                        o.insert(
                            "x-amazon-apigateway-endpoint-configuration".into(),
                            b.map([("disableExecuteApiEndpoint", d.clone())]),
                        );
                        b.obj(o)
                    })
                    .collect(),
                _ => vec![setting],
            };
            body.insert("servers".into(), b.seq(servers));
        }
        api = api.prop("Body", b.obj(body));
    }
    for key in ["FailOnWarnings", "IpAddressType"] {
        if let Some(v) = r.prop(key) {
            api = api.prop(key, v.clone());
        }
    }
    api.attrs = r.passed_attrs(&[
        "Condition",
        "DependsOn",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "Metadata",
    ]);
    let stage_name = r.prop("StageName");
    let default_stage = stage_name.is_none_or(|s| s.as_str() == Some("$default"));
    let stage_id = if default_stage {
        format!("{}ApiGatewayDefaultStage", r.id)
    } else {
        let name: String = stage_name
            .and_then(Node::as_str)
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        format!("{}{name}Stage", r.id)
    };
    let mut stage = Res::new("AWS::ApiGatewayV2::Stage", r.node.span)
        .prop("ApiId", b.r#ref(r.id))
        .prop("AutoDeploy", b.bool(true))
        .prop(
            "StageName",
            stage_name.cloned().unwrap_or_else(|| b.s("$default")),
        );
    for (from, to) in STAGE_PASSTHROUGH {
        if let Some(v) = r.prop(from) {
            stage = stage.prop(to, v.clone());
        }
    }
    // Events' own route settings, over the API's for their route.
    for e in events.iter().filter(|e| e.route_settings.is_some()) {
        let key = match &e.route {
            None => "$default".to_owned(),
            Some((path, method)) => format!("{} {path}", method.to_ascii_uppercase()),
        };
        let mut all = stage
            .props
            .get("RouteSettings")
            .map(super::build::to_obj)
            .unwrap_or_default();
        let mut mine = all.get(&key).map(super::build::to_obj).unwrap_or_default();
        if let Some(own) = e.route_settings.as_ref().and_then(Node::as_map) {
            for (k, v) in own.iter() {
                mine.insert(k.to_owned(), v.value.clone());
            }
        }
        let mine = match &e.condition {
            Some(c) => super::httpapi_conditions::only_if(c, b.obj(mine), b),
            None => b.obj(mine),
        };
        all.insert(key, mine);
        stage = stage.prop("RouteSettings", b.obj(all));
    }
    if generated {
        let mut tags = Obj::new();
        tags.insert("httpapi:createdBy".into(), b.s("SAM"));
        if let Some(user) = r.prop("Tags").and_then(Node::as_map) {
            for (k, e) in user.iter() {
                tags.insert(k.to_owned(), e.value.clone());
            }
        }
        stage = stage.prop("Tags", b.obj(tags));
    }
    stage.attrs = r.passed_attrs(&["Condition", "DeletionPolicy", "UpdateReplacePolicy"]);
    ctx.refs.insert(format!("{}.Stage", r.id), stage_id.clone());
    ctx.add(r.id, r.id.to_owned(), api);
    ctx.add(r.id, stage_id.clone(), stage);
    if let Some(domain) = r.prop("Domain") {
        // The HTTP API's own checks of its domain, before the ones it shares with REST APIs.
        if get(domain, "DomainName").is_none() || get(domain, "CertificateArn").is_none() {
            ctx.errors.push(SamError::resource(
                r.id,
                domain.span,
                "Custom Domains only works if both DomainName and CertificateArn are provided.",
            ));
            return;
        }
        if let Some(e) = get(domain, "EndpointConfiguration")
            .filter(|e| ctx.params.resolve(e).as_str() != Some("REGIONAL"))
        {
            ctx.errors.push(SamError::resource(
                r.id,
                e.span,
                "EndpointConfiguration for Custom Domains must be one of ['REGIONAL'].",
            ));
            return;
        }
        let target = super::api_domain::Target {
            api: r.id,
            stage_id: &stage_id,
            span: r.node.span,
            attrs: r.passed_attrs(&["Condition"]),
            http_tags: Some(super::api_domain::domain_tags(r, "httpapi:createdBy", b)),
            merge_records: true,
        };
        if let Err(m) = super::api_domain::expand(ctx, &target, domain) {
            ctx.errors.push(SamError::resource(r.id, domain.span, m));
        }
    }
}

/// Adds the implicit HTTP API when functions have `HttpApi` events without `ApiId`.
pub(super) fn finish(ctx: &mut Ctx) {
    let Some(events) = ctx.http_events.get(IMPLICIT) else {
        return;
    };
    let span = events.first().map_or_else(Span::default, |e| e.span);
    let b = B::new(span);
    let mut props = ctx.globals.apply(
        "AWS::Serverless::HttpApi",
        &b.map(Vec::<(&str, Node)>::new()),
        Some(&[]),
    );
    // Tags functions propagate win over the `Tags` of the globals.
    let tags = super::implicit_api::tags(ctx, super::implicit_api::Implicit::Http);
    if !tags.is_empty() {
        let mut all = get(&props, "Tags")
            .map(super::build::to_obj)
            .unwrap_or_default();
        all.extend(tags);
        let mut top = super::build::to_obj(&props);
        top.insert("Tags".into(), b.obj(all));
        props = b.obj(top);
    }
    let mut entries = vec![
        ("Type", b.s("AWS::Serverless::HttpApi")),
        ("Properties", props.clone()),
    ];
    // An API only conditional functions use exists under their condition.
    if let Some(c) =
        super::httpapi_conditions::api_condition(events, IMPLICIT, &mut ctx.conditions, b)
    {
        entries.push(("Condition", b.s(c)));
    }
    let policies = super::implicit_api::policies(ctx, super::implicit_api::Implicit::Http);
    entries.extend(policies.iter().map(|(k, v)| (k.as_str(), v.clone())));
    let node = b.map(entries);
    let r = Serverless {
        id: IMPLICIT,
        node: &node,
        props: &props,
    };
    expand(ctx, &r);
}

/// The translator's checks of a written OpenAPI definition.
fn check_definition(body: &Node) -> Result<(), String> {
    if let Some(tags) = get(body, "tags")
        && tags.as_seq().is_none()
    {
        let mut text = String::new();
        super::py27::repr(tags, &mut text);
        let text = text.replace("u'", "'");
        let kind = if tags.as_map().is_some() {
            "dict"
        } else {
            "str"
        };
        return Err(format!(
            "Tags in OpenApi DefinitionBody needs to be a list. {text} is a {kind} not a list."
        ));
    }
    for (path, e) in get(body, "paths")
        .and_then(Node::as_map)
        .into_iter()
        .flat_map(|m| m.iter())
    {
        let Some(methods) = e.value.as_map().filter(|_| !is_intrinsic(&e.value)) else {
            continue;
        };
        for (method, m) in methods.iter() {
            if matches!(m.value.kind, NodeKind::Null) {
                return Err(format!(
                    "Definition of method '{method}' for path '{path}' should be a map."
                ));
            }
        }
    }
    Ok(())
}

fn base_definition(b: B) -> Obj {
    let mut o = Obj::new();
    o.insert("openapi".into(), b.s("3.0.1"));
    o.insert(
        "info".into(),
        b.map([
            ("version", b.s("1.0")),
            ("title", b.r#ref("AWS::StackName")),
        ]),
    );
    o.insert("paths".into(), b.map(Vec::<(&str, Node)>::new()));
    o
}
