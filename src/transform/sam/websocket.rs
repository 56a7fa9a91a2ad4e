//! `AWS::Serverless::WebSocketApi` → an `AWS::ApiGatewayV2::Api` of protocol `WEBSOCKET`, and for each
//! route an integration with its function, the route and the permission for API Gateway to invoke the
//! function, plus an auto-deployed stage. `Auth` guards the `$connect` route (IAM, or a Lambda
//! authorizer); a custom domain is `api_domain.rs`.

use crate::source::{Node, NodeKind};

use super::build::{B, Obj, Res, get};
use super::errors::SamError;
use super::{Ctx, Serverless};

const API_PASSTHROUGH: &[&str] = &[
    "ApiKeySelectionExpression",
    "Description",
    "DisableExecuteApiEndpoint",
    "DisableSchemaValidation",
    "IpAddressType",
    "RouteSelectionExpression",
];
const STAGE_PASSTHROUGH: &[&str] = &[
    "AccessLogSettings",
    "DefaultRouteSettings",
    "RouteSettings",
    "StageVariables",
];

pub(super) fn expand(ctx: &mut Ctx, r: &Serverless) {
    if let Err(m) = check(r) {
        ctx.errors.push(SamError::resource(r.id, r.node.span, m));
        return;
    }
    let auth = match connect_auth(r) {
        Ok(a) => a,
        Err(m) => {
            ctx.errors
                .push(SamError::resource(r.id, r.span_of("Auth"), m));
            return;
        }
    };
    let b = r.b();
    let mut api = Res::new("AWS::ApiGatewayV2::Api", r.node.span)
        .prop("Name", r.prop("Name").cloned().unwrap_or_else(|| b.s(r.id)))
        .prop("ProtocolType", b.s("WEBSOCKET"));
    for key in API_PASSTHROUGH {
        if let Some(v) = r.prop(key) {
            api = api.prop(key, v.clone());
        }
    }
    let mut tags = Obj::new();
    tags.insert("websocketapi:createdBy".into(), b.s("SAM"));
    if let Some(user) = r.prop("Tags").and_then(Node::as_map) {
        for (k, e) in user.iter() {
            tags.insert(k.to_owned(), e.value.clone());
        }
    }
    api = api.prop("Tags", b.obj(tags.clone()));
    let attrs = r.passed_attrs(&["Condition", "DeletionPolicy", "UpdateReplacePolicy"]);
    api.attrs = r.passed_attrs(&[
        "Condition",
        "DependsOn",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "Metadata",
    ]);
    let stage_name = r.prop("StageName").cloned();
    let stage_text = stage_name
        .as_ref()
        .and_then(Node::as_str)
        .unwrap_or("default")
        .to_owned();
    let mut route_ids = Vec::new();
    let routes = r
        .prop("Routes")
        .and_then(Node::as_map)
        .cloned()
        .unwrap_or_default();
    for (key, entry) in routes.iter() {
        let route = &entry.value;
        let rb = B::new(route.span);
        let suffix = route_suffix(key);
        let Some(function) = get(route, "FunctionArn") else {
            ctx.errors.push(SamError::resource(
                r.id,
                route.span,
                "Route must have associated function.",
            ));
            return;
        };
        let integration_id = format!("{}{suffix}Integration", r.id);
        let mut integration = Res::new("AWS::ApiGatewayV2::Integration", route.span)
            .prop("ApiId", rb.r#ref(r.id))
            .prop("IntegrationType", rb.s("AWS_PROXY"))
            .prop(
                "IntegrationUri",
                rb.call(
                    "Fn::Sub",
                    rb.seq(vec![
                        rb.s("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${FunctionArn}/invocations"),
                        rb.map([("FunctionArn", function.clone())]),
                    ]),
                ),
            );
        for key in ["TimeoutInMillis", "PayloadFormatVersion"] {
            if let Some(v) = get(route, key) {
                integration = integration.prop(key, v.clone());
            }
        }
        integration.attrs = attrs.clone();
        let route_id = format!("{}{suffix}Route", r.id);
        let mut res = Res::new("AWS::ApiGatewayV2::Route", route.span)
            .prop("ApiId", rb.r#ref(r.id))
            .prop("RouteKey", rb.s(key))
            .prop(
                "Target",
                rb.call(
                    "Fn::Join",
                    rb.seq(vec![
                        rb.s("/"),
                        rb.seq(vec![rb.s("integrations"), rb.r#ref(&integration_id)]),
                    ]),
                ),
            );
        for key in [
            "ApiKeyRequired",
            "ModelSelectionExpression",
            "OperationName",
            "RequestModels",
            "RequestParameters",
            "RouteResponseSelectionExpression",
        ] {
            if let Some(v) = get(route, key) {
                res = res.prop(key, v.clone());
            }
        }
        if key == "$connect"
            && let Some((kind, authorizer)) = &auth
        {
            res = res.prop("AuthorizationType", rb.s(kind.as_str()));
            if let Some(a) = authorizer {
                let authorizer_id = format!("{}ConnectAuthorizer", r.id);
                let mut a = a.clone();
                a = a
                    .prop("ApiId", rb.r#ref(r.id))
                    .prop("Name", rb.s(authorizer_id.as_str()));
                a.attrs = attrs.clone();
                res = res.prop("AuthorizerId", rb.r#ref(&authorizer_id));
                ctx.add(r.id, authorizer_id, a);
            }
        }
        res.attrs = attrs.clone();
        let mut permission = Res::new("AWS::Lambda::Permission", route.span)
            .prop("Action", rb.s("lambda:InvokeFunction"))
            .prop("FunctionName", function.clone())
            .prop("Principal", rb.s("apigateway.amazonaws.com"))
            .prop(
                "SourceArn",
                rb.call("Fn::Sub", rb.s(format!(
                    "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{}.ApiId}}/{stage_text}/{key}",
                    r.id
                ))),
            );
        permission.attrs = attrs.clone();
        ctx.add(r.id, integration_id, integration);
        ctx.add(r.id, route_id.clone(), res);
        ctx.add(r.id, format!("{}{suffix}Permission", r.id), permission);
        route_ids.push(route_id);
    }
    let stage_id = match &stage_name {
        None => format!("{}DefaultStage", r.id),
        Some(n) => format!(
            "{}{}Stage",
            r.id,
            n.as_str()
                .unwrap_or_default()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        ),
    };
    let mut stage = Res::new("AWS::ApiGatewayV2::Stage", r.node.span)
        .prop("ApiId", b.r#ref(r.id))
        .prop("AutoDeploy", b.bool(true))
        .prop(
            "StageName",
            stage_name.clone().unwrap_or_else(|| b.s("default")),
        );
    for key in STAGE_PASSTHROUGH {
        if let Some(v) = r.prop(key) {
            stage = stage.prop(key, v.clone());
        }
    }
    // The stage carries the API's own tags only when they propagate.
    if r.prop("PropagateTags").and_then(super::function::as_bool) != Some(true) {
        tags.retain(|k, _| k == "websocketapi:createdBy");
    }
    stage = stage.prop("Tags", b.obj(tags));
    stage.attrs = attrs;
    // Route settings name routes: the stage waits for them.
    if r.prop("RouteSettings").is_some() && !route_ids.is_empty() {
        stage.attrs.insert(
            "DependsOn".into(),
            b.seq(route_ids.iter().map(|i| b.s(i.as_str())).collect()),
        );
    }
    ctx.refs.insert(format!("{}.Stage", r.id), stage_id.clone());
    ctx.add(r.id, r.id.to_owned(), api);
    ctx.add(r.id, stage_id.clone(), stage);
    if let Some(domain) = r.prop("Domain") {
        let target = super::api_domain::Target {
            api: r.id,
            stage_id: &stage_id,
            span: r.node.span,
            attrs: r.passed_attrs(&["Condition"]),
            http_tags: Some(super::api_domain::domain_tags(
                r,
                "websocketapi:createdBy",
                b,
            )),
            merge_records: false,
        };
        if let Err(m) = super::api_domain::expand(ctx, &target, domain) {
            ctx.errors.push(SamError::resource(r.id, domain.span, m));
        }
    }
}

/// The `$connect` route's authorization from `Auth`: its type and, for `CUSTOM`, the Lambda
/// authorizer (without `ApiId` and `Name`).
fn connect_auth(r: &Serverless) -> Result<Option<(String, Option<Res>)>, String> {
    let Some(auth) = r.prop("Auth") else {
        return Ok(None);
    };
    let Some(m) = auth.as_map().filter(|_| !super::build::is_intrinsic(auth)) else {
        return Err("Property 'Auth' should be a map.".into());
    };
    let Some(kind) = m.get("AuthType") else {
        return Err("AuthType must be specified for additional auth configurations.".into());
    };
    match kind.as_str() {
        Some("AWS_IAM") => Ok(Some(("AWS_IAM".into(), None))),
        Some("NONE") => Ok(Some(("NONE".into(), None))),
        Some("CUSTOM") => {
            let Some(arn) = m.get("AuthArn") else {
                return Err("AuthArn must be specified if AuthType is CUSTOM.".into());
            };
            let b = B::new(auth.span);
            let mut a = Res::new("AWS::ApiGatewayV2::Authorizer", auth.span)
                .prop("AuthorizerType", b.s("REQUEST"))
                .prop(
                    "AuthorizerUri",
                    b.call(
                        "Fn::Sub",
                        b.seq(vec![
                            b.s("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthArn}/invocations"),
                            b.map([("AuthArn", arn.clone())]),
                        ]),
                    ),
                );
            if let Some(role) = m.get("InvokeRole") {
                a = a.prop("AuthorizerCredentialsArn", role.clone());
            }
            if let Some(source) = m.get("IdentitySource") {
                a = a.prop("IdentitySource", source.clone());
            }
            Ok(Some(("CUSTOM".into(), Some(a))))
        }
        _ => Err("AuthType is not one of AWS_IAM, CUSTOM or NONE.".into()),
    }
}

/// The translator's checks of a WebSocket API's properties.
fn check(r: &Serverless) -> Result<(), String> {
    if r.prop("RouteSelectionExpression").is_none() {
        return Err("Missing required property 'RouteSelectionExpression'.".into());
    }
    match r.prop("Routes").map(|n| &n.kind) {
        Some(NodeKind::Map(m)) if !m.is_empty() => {}
        None => return Err("Missing required property 'Routes'.".into()),
        Some(NodeKind::Map(_)) => {
            return Err("WebSocket API must have at least one route.".into());
        }
        Some(_) => return Err("Property 'Routes' should be a map.".into()),
    }
    if let Some(routes) = r.prop("Routes").and_then(Node::as_map)
        && routes
            .iter()
            .any(|(k, e)| k != "$connect" && get(&e.value, "RequestParameters").is_some())
    {
        return Err(
            "Request parameters are only supported for the $connect route in WebSocket APIs."
                .into(),
        );
    }
    if r.prop("StageName").and_then(Node::as_str) == Some("$default") {
        return Err("Stages cannot be named $default for WebSocket APIs.".into());
    }
    for key in [
        "DefaultRouteSettings",
        "RouteSettings",
        "StageVariables",
        "AccessLogSettings",
    ] {
        if let Some(v) = r.prop(key)
            && v.as_map().is_none()
        {
            return Err(format!("Property '{key}' should be a map."));
        }
    }
    if let Some(t) = r.prop("IpAddressType").and_then(Node::as_str)
        && t != "ipv4"
        && t != "dualstack"
    {
        return Err("IpAddressType must be 'ipv4' or 'dualstack'.".into());
    }
    Ok(())
}

/// The part of the logical ids a route key gives: `$connect` → `Connect`, `sendMessage` → `SendMessage`.
fn route_suffix(key: &str) -> String {
    let clean: String = key.chars().filter(char::is_ascii_alphanumeric).collect();
    let mut chars = clean.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::transform::sam::test_support::expand_text;

    use super::super::build::get;
    use super::super::codes;

    fn run(
        auth: &str,
    ) -> (
        String,
        Result<crate::source::Document, Vec<crate::source::Diagnostic>>,
    ) {
        let text = format!(
            "Resources:\n  W:\n    Type: AWS::Serverless::WebSocketApi\n    Properties:\n      RouteSelectionExpression: $request.body.action\n      Routes:\n        $connect:\n          FunctionArn: arn:f\n      Auth:\n{auth}"
        );
        let out = expand_text(&text);
        (text, out)
    }

    #[test]
    fn a_custom_authorizer_guards_the_connect_route() {
        let (_, out) = run("        AuthType: CUSTOM\n        AuthArn: arn:a\n");
        let out = out.unwrap();
        let resources = get(&out.root, "Resources").unwrap();
        let route = get(get(resources, "WConnectRoute").unwrap(), "Properties").unwrap();
        assert_eq!(
            get(route, "AuthorizationType").unwrap().as_str(),
            Some("CUSTOM")
        );
        assert!(get(resources, "WConnectAuthorizer").is_some());
    }

    #[test]
    fn an_unknown_auth_type_is_reported_at_auth() {
        let (text, out) = run("        AuthType: Other\n");
        let errors = out.unwrap_err();
        assert_eq!(errors[0].code, codes::INVALID_RESOURCE);
        let start = text.find("AuthType").unwrap();
        assert_eq!(
            (errors[0].span.start as usize, errors[0].span.end as usize),
            (start, start + "AuthType: Other".len())
        );
    }
}
