//! One authorizer of a REST API's `Auth.Authorizers`: a Cognito user pool, or a Lambda `TOKEN` or
//! `REQUEST` authorizer, read and checked with the translator's sentences into its `securityDefinitions`
//! entry, the scopes it gives methods and the function that needs a permission. Applying authorizers to
//! methods is `api_auth.rs`'s.

use crate::source::{Node, NodeKind};

use super::build::{get, is_intrinsic};
use super::function::as_bool;
use super::swagger::Sw;

/// `NONE`: no role, no authorizer.
const NONE: &str = "NONE";

/// One authorizer of `Auth.Authorizers`.
#[derive(Clone)]
pub(super) struct Authorizer {
    pub name: String,
    /// Its entry of `securityDefinitions`.
    pub definition: Sw,
    /// For a Lambda authorizer that gets the default permission: its `FunctionArn`.
    pub function: Option<Node>,
    /// `AuthorizationScopes` the authorizer gives methods that do not name their own.
    pub scopes: Option<Node>,
}

/// Reads one entry of `Auth.Authorizers`.
pub(super) fn authorizer(name: &str, node: &Node) -> Result<Authorizer, String> {
    let Some(m) = node.as_map().filter(|_| !is_intrinsic(node)) else {
        return Err(format!(
            "Property 'Auth.Authorizers.{name}' should be a map."
        ));
    };
    if let Some(d) = m.get("DisableFunctionDefaultPermissions")
        && as_bool(d).is_none()
    {
        return Err(format!(
            "Property 'Authorizers.{name}.DisableFunctionDefaultPermissions' should be a boolean."
        ));
    }
    let identity = match m.get("Identity") {
        Some(i) if i.as_map().is_none() || is_intrinsic(i) => {
            return Err("Auth.Authorizers.<Authorizer>.Identity must be a dict (LambdaTokenAuthorizationIdentity, LambdaRequestAuthorizationIdentity or CognitoAuthorizationIdentity).".into());
        }
        other => other,
    };
    let id = |k: &str| identity.and_then(|i| get(i, k));
    let scopes = m.get("AuthorizationScopes").cloned();
    if let Some(pool) = m.get("UserPoolArn") {
        let providers = match &pool.kind {
            NodeKind::Seq(_) => Sw::from_node(pool),
            _ => Sw::Seq(vec![Sw::Written(pool.clone())]),
        };
        let mut inner = Vec::new();
        if let Some(v) = id("ValidationExpression") {
            inner.push(("identityValidationExpression", Sw::Written(v.clone())));
        }
        inner.push(("providerARNs", providers));
        inner.push(("type", Sw::c("cognito_user_pools")));
        let header =
            id("Header").map_or_else(|| Sw::c("Authorization"), |h| Sw::Written(h.clone()));
        let definition = Sw::ordered(vec![
            ("in", Sw::c("header")),
            ("type", Sw::c("apiKey")),
            ("name", header),
            ("x-amazon-apigateway-authorizer", Sw::ordered(inner)),
            ("x-amazon-apigateway-authtype", Sw::c("cognito_user_pools")),
        ]);
        return Ok(Authorizer {
            name: name.to_owned(),
            definition,
            function: None,
            scopes,
        });
    }
    let Some(function) = m.get("FunctionArn") else {
        return Err(format!(
            "Property 'Authorizers.{name}' must have either 'UserPoolArn' or 'FunctionArn'."
        ));
    };
    let request = match m.get("FunctionPayloadType") {
        None => false,
        Some(t) => match t.as_str() {
            Some("TOKEN") => false,
            Some("REQUEST") => true,
            _ => {
                let text = t.scalar_text().unwrap_or_default();
                return Err(format!(
                    "{name} Authorizer has invalid 'FunctionPayloadType': {text}."
                ));
            }
        },
    };
    let mut inner = vec![("type", Sw::c(if request { "request" } else { "token" }))];
    if let Some(t) = id("ReauthorizeEvery") {
        inner.push(("authorizerResultTtlInSeconds", Sw::Written(t.clone())));
    }
    if request {
        let source = identity_source(name, identity)?;
        if !source.is_empty() {
            inner.push(("identitySource", Sw::Text(source, true)));
        }
    }
    let uri = Sw::ordered(vec![(
        "Fn::Sub",
        Sw::Seq(vec![
            Sw::c(
                "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
            ),
            Sw::ordered(vec![("__FunctionArn__", Sw::Written(function.clone()))]),
        ]),
    )]);
    inner.push(("authorizerUri", uri));
    if let Some(role) = m.get("FunctionInvokeRole")
        && role.as_str() != Some(NONE)
    {
        inner.push(("authorizerCredentials", Sw::Written(role.clone())));
    }
    if !request && let Some(v) = id("ValidationExpression") {
        inner.push(("identityValidationExpression", Sw::Written(v.clone())));
    }
    let header = match id("Header") {
        Some(h) if !request => Sw::Written(h.clone()),
        _ if request => Sw::c("Unused"),
        _ => Sw::c("Authorization"),
    };
    let definition = Sw::ordered(vec![
        ("in", Sw::c("header")),
        ("type", Sw::c("apiKey")),
        ("name", header),
        ("x-amazon-apigateway-authorizer", Sw::ordered(inner)),
        ("x-amazon-apigateway-authtype", Sw::c("custom")),
    ]);
    let disabled = m.get("DisableFunctionDefaultPermissions").and_then(as_bool) == Some(true);
    Ok(Authorizer {
        name: name.to_owned(),
        definition,
        function: (!disabled).then(|| function.clone()),
        scopes,
    })
}

/// A `REQUEST` authorizer's `identitySource`: its headers, query strings, stage variables and context
/// values, comma separated.
fn identity_source(name: &str, identity: Option<&Node>) -> Result<String, String> {
    let missing = || {
        format!(
            "{name} Authorizer must specify Identity with at least one of Headers, QueryStrings, StageVariables, or Context."
        )
    };
    let identity = identity.ok_or_else(missing)?;
    let mut parts = Vec::new();
    for (key, prefix) in [
        ("Headers", "method.request.header."),
        ("QueryStrings", "method.request.querystring."),
        ("StageVariables", "stageVariables."),
        ("Context", "context."),
    ] {
        let Some(list) = get(identity, key) else {
            continue;
        };
        let Some(items) = list.as_seq() else {
            return Err(format!(
                "Property 'Authorizers.{name}.Identity.{key}' should be a list."
            ));
        };
        for (i, item) in items.iter().enumerate() {
            let Some(text) = item.as_str() else {
                return Err(format!(
                    "Property 'Authorizers.{name}.Identity.{key}[{i}]' should be a string."
                ));
            };
            parts.push(format!("{prefix}{text}"));
        }
    }
    if parts.is_empty() {
        if get(identity, "ReauthorizeEvery")
            .is_some_and(|r| r.scalar_text().as_deref() == Some("0"))
        {
            return Ok(String::new());
        }
        return Err(missing());
    }
    Ok(parts.join(", "))
}
