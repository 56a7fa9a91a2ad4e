//! The inline definition of a REST API, step by step in the translator's order: the written
//! `DefinitionBody` or the transform's own, `OpenApiVersion` 3, each `Api` event's method (its
//! integration, auth, resource policy and request model; merged into a written definition under
//! `MergeDefinitions`), CORS, the API's auth and resource policy, binary media types, gateway responses,
//! models and the OpenAPI 3 post-processing. The copies the translator makes between steps are kept where
//! they change the hashed text. It never creates resources; the RestApi, deployment and stage are
//! `api.rs`'s.

use crate::source::{Node, NodeKind};

use super::api::{ApiEvent, IMPLICIT};
use super::api_auth::ApiAuth;
use super::api_definition::{Cors, add_cors, add_path, base_definition, gateway_responses};
use super::build::{B, get, is_intrinsic};
use super::errors::{SamError, Subject};
use super::swagger::Sw;
use super::{Ctx, Serverless};

/// What the definition is built from besides the API's properties.
pub(super) struct Input<'a> {
    /// The API's events, in the translator's order.
    pub events: &'a [ApiEvent],
    /// Each event's `Auth.ResourcePolicy`, known parameters substituted.
    pub event_policies: &'a [Option<Node>],
    /// The API's `Auth.ResourcePolicy`, known parameters substituted.
    pub api_policy: Option<&'a Node>,
    /// The API's `StageName`.
    pub stage: &'a Node,
}

/// The API's definition; none when an error was reported.
pub(super) fn definition(
    ctx: &mut Ctx,
    r: &Serverless,
    input: &Input,
    auth: &mut ApiAuth,
) -> Option<Sw> {
    let id = r.id;
    let prop = |k: &str| r.prop(k);
    let events = input.events;
    let event_policies = input.event_policies;
    let api_policy = input.api_policy;
    let stage = input.stage;
    let openapi_text = prop("OpenApiVersion").and_then(Node::scalar_text);
    let openapi = openapi_text.as_deref();
    let mut definition = match prop("DefinitionBody") {
        Some(body) if is_intrinsic(body) => {
            ctx.errors.push(SamError::unsupported(
                id,
                body.span,
                "a DefinitionBody built by an intrinsic function is not expanded yet",
            ));
            return None;
        }
        Some(body) => Sw::from_node(body),
        None => base_definition(),
    };
    let written = prop("DefinitionBody").is_some();
    if !written {
        super::api_openapi::switch_version(&mut definition, prop("OpenApiVersion"));
    }
    let merge =
        written && prop("MergeDefinitions").and_then(super::function::as_bool) == Some(true);
    // Events add their methods to a definition the transform writes (a written one only takes them
    // merged), every method on its path before any event's auth and policy are added (a policy
    // covers all the methods of its path).
    if !written {
        let order = plugin_order(ctx, id, events);
        for i in &order {
            add_path(&mut definition, &events[*i], &ctx.partition, written);
        }
        // The implicit API's path items are made before the translator's steps copy them (one copy
        // more than the definition's own mappings).
        if id == IMPLICIT
            && let Some(Sw::Map(entries)) = definition.get_mut("paths")
        {
            for (_, _, item) in entries.iter_mut() {
                item.recopy();
            }
        }
        let b = B::new(r.node.span);
        super::api_conditions::wrap_paths(&mut definition, id, events, &mut ctx.conditions, b);
    }
    for (e, policy) in events.iter().zip(event_policies) {
        // The translator stops at a function's first invalid event.
        if !e.owner.2 && has_error(ctx, &e.owner.0) {
            continue;
        }
        if merge {
            if let Err((of_event, m)) = super::api_merge::merge_event(
                &mut definition,
                e,
                &ctx.partition,
                &*auth,
                prop("Models"),
            ) {
                ctx.errors.push(if of_event {
                    event_error(e, m)
                } else {
                    SamError::resource(id, r.span_of("DefinitionBody"), m)
                });
            }
            continue;
        }
        // A written definition takes only the auth of events that override the API's.
        let overrides = e
            .auth
            .as_ref()
            .and_then(|a| get(a, "OverrideApiAuth"))
            .and_then(super::function::as_bool)
            == Some(true);
        if written && !overrides {
            continue;
        }
        if let Err(m) = auth.apply_event(&mut definition, e, written) {
            ctx.errors.push(event_error(e, m));
            continue;
        }
        if let Some(p) = policy.as_ref().filter(|p| !super::api_policy::is_empty(p)) {
            let stage = event_stage(id, stage);
            super::api_policy::add_for_event(&mut definition, p, &e.path, &stage);
        }
        if written {
            continue;
        }
        let openapi3 = openapi.is_some_and(super::api_models::is_openapi3);
        if let Err(m) =
            super::api_models::add_request_model(&mut definition, e, prop("Models"), openapi3)
        {
            ctx.errors.push(event_error(e, m));
        }
    }
    // An invalid event is its function's error: the API is still checked, as the translator does. Each
    // event's step works on a copy of the definition.
    if !events.is_empty() && !written {
        definition.recopy();
    }
    if let Some(c) = prop("Cors") {
        match cors(c) {
            Ok(c) => add_cors(&mut definition, &c),
            Err(m) => {
                ctx.errors.push(SamError::resource(id, c.span, m));
                return None;
            }
        }
    }
    if (auth.is_set() || auth_used(events))
        && let Err(m) = auth.finish(&mut definition, written)
    {
        ctx.errors
            .push(SamError::structure(r.span_of("DefinitionBody"), m));
        return None;
    }
    if let Some(p) = api_policy.filter(|p| !super::api_policy::is_empty(p)) {
        let stage = if id == IMPLICIT {
            Sw::c("Prod")
        } else {
            Sw::Written(stage.clone())
        };
        super::api_policy::add_for_api(&mut definition, p, &stage, written);
    }
    // The translator's later steps work on a copy of the secured definition, whose Python 2.7 key
    // order can differ (observed in its deployment ids); its auth step post-processes that copy.
    let auth_present = prop("Auth").is_some_and(|a| !super::api_policy::is_empty(a));
    if auth_present || auth.is_set() || auth_used(events) {
        definition.recopy();
    }
    if auth_present && let Err(m) = super::api_openapi::postprocess(&mut definition, openapi) {
        ctx.errors
            .push(SamError::structure(r.span_of("DefinitionBody"), m));
        return None;
    }
    if let Some(types) = prop("BinaryMediaTypes") {
        let types = ctx.params.resolve_template_parameters(types);
        definition.set(
            "x-amazon-apigateway-binary-media-types",
            false,
            Sw::from_node(&unescape_slashes(&types)),
        );
    }
    if let Some(g) = prop("GatewayResponses") {
        match gateway_responses(g) {
            Ok(sw) => definition.set("x-amazon-apigateway-gateway-responses", false, sw),
            Err(m) => {
                ctx.errors.push(SamError::resource(id, g.span, m));
                return None;
            }
        }
    }
    if let Some(models) = prop("Models").filter(|m| !super::api_models::is_empty(m)) {
        if !super::api_models::is_valid_definition(&definition) {
            ctx.errors.push(SamError::resource(
                id,
                models.span,
                "Unable to add Models definitions because 'DefinitionBody' does not contain a valid Swagger definition.",
            ));
            return None;
        }
        if let Err(m) = super::api_models::check(models, true) {
            ctx.errors.push(SamError::resource(id, models.span, m));
            return None;
        }
        // The models step works on a copy of the definition and post-processes a copy of its result.
        definition.recopy();
        let added = super::api_models::add(&mut definition, models).and_then(|()| {
            definition.recopy();
            super::api_openapi::postprocess(&mut definition, openapi)
        });
        if let Err(m) = added {
            ctx.errors.push(SamError::structure(models.span, m));
            return None;
        }
    }
    if let Some(d) = prop("DisableExecuteApiEndpoint") {
        if let Err(m) = super::api_openapi::endpoint_extension(&mut definition, d) {
            ctx.errors
                .push(SamError::structure(r.span_of("DefinitionBody"), m));
            return None;
        }
        // The step ends with a copy of the definition.
        definition.recopy();
    }
    if let Err(m) = super::api_openapi::postprocess(&mut definition, openapi) {
        ctx.errors
            .push(SamError::structure(r.span_of("DefinitionBody"), m));
        return None;
    }
    Some(definition)
}

/// `Cors: origin` or `Cors: {AllowOrigin, AllowMethods, AllowHeaders, MaxAge, AllowCredentials}`.
fn cors(node: &Node) -> Result<Cors, String> {
    let Some(m) = node.as_map().filter(|_| !is_intrinsic(node)) else {
        return Ok(Cors {
            origin: Some(node.clone()),
            methods: None,
            headers: None,
            max_age: None,
            credentials: false,
        });
    };
    let credentials = m.get("AllowCredentials").and_then(super::function::as_bool) == Some(true);
    let origin = m.get("AllowOrigin").cloned();
    if credentials && origin.as_ref().is_none_or(|o| o.as_str() == Some("'*'")) {
        return Err("Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set".into());
    }
    Ok(Cors {
        origin,
        methods: m.get("AllowMethods").cloned(),
        headers: m.get("AllowHeaders").cloned(),
        max_age: m.get("MaxAge").cloned(),
        credentials,
    })
}

/// Binary media types as the definition lists them: `~1` (the escaped `/` of the property) written `/`.
fn unescape_slashes(node: &Node) -> Node {
    match &node.kind {
        NodeKind::String(t) => Node::new(node.span, NodeKind::String(t.replace("~1", "/"))),
        NodeKind::Seq(items) => Node::new(
            node.span,
            NodeKind::Seq(items.iter().map(unescape_slashes).collect()),
        ),
        NodeKind::Map(m) => {
            B::new(node.span).map(m.iter().map(|(k, e)| (k, unescape_slashes(&e.value))))
        }
        _ => node.clone(),
    }
}

/// The stage name an event's resource policy names: the API's `StageName` when written as text, `Stage`
/// when an intrinsic function gives it, `Prod` for the implicit API.
fn event_stage(api: &str, stage: &Node) -> Sw {
    match &stage.kind {
        _ if api == IMPLICIT => Sw::c("Prod"),
        NodeKind::String(_) => Sw::Written(stage.clone()),
        _ => Sw::c("Stage"),
    }
}

/// True when an event asks for authorization of its own.
fn auth_used(events: &[ApiEvent]) -> bool {
    events.iter().any(|e| e.auth.is_some())
}

/// An error about event `e`, under the resource and event it belongs to.
fn event_error(e: &ApiEvent, message: String) -> SamError {
    let (owner, name, machine) = &e.owner;
    if *machine {
        SamError {
            code: super::codes::INVALID_EVENT,
            subject: super::errors::Subject::EventOnly(name.clone()),
            message,
            span: e.span,
        }
    } else {
        SamError::event(owner, name, e.span, message)
    }
}

/// The order the translator adds the implicit API's methods in: resources, then each one's events, as
/// its Python 2.7 dictionaries iterate them. Other APIs take their events in order.
fn plugin_order(ctx: &Ctx, api: &str, events: &[ApiEvent]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..events.len()).collect();
    if api != IMPLICIT {
        return order;
    }
    let ids: Vec<&str> = ctx.input.keys().collect();
    let mut rank_of_id = std::collections::HashMap::new();
    for (rank, i) in super::py27::iteration_order(&ids).into_iter().enumerate() {
        rank_of_id.insert(ids[i], rank);
    }
    let event_rank = |e: &ApiEvent| -> usize {
        let names: Vec<&str> = ctx
            .input
            .get(&e.owner.0)
            .and_then(|r| get(r, "Properties"))
            .and_then(|p| get(p, "Events"))
            .and_then(Node::as_map)
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        super::py27::iteration_order(&names)
            .into_iter()
            .position(|i| names[i] == e.owner.1)
            .unwrap_or(usize::MAX)
    };
    order.sort_by_key(|i| {
        let e = &events[*i];
        (
            rank_of_id
                .get(e.owner.0.as_str())
                .copied()
                .unwrap_or(usize::MAX),
            event_rank(e),
        )
    });
    order
}

/// True when resource `id` has an error already.
fn has_error(ctx: &Ctx, id: &str) -> bool {
    ctx.errors.iter().any(|e| match &e.subject {
        Subject::Resource(r) | Subject::Event(r, _) => r == id,
        _ => false,
    })
}
