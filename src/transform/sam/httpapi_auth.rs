//! HTTP API `Auth`: the JWT and Lambda authorizers an `AWS::Serverless::HttpApi` declares, the IAM
//! authorizer `EnableIamAuthorizer` adds, the `DefaultAuthorizer`, and what each `HttpApi` event's own
//! `Auth` asks of its route. It writes the definition's `components.securitySchemes` and each route's
//! `security`, and gives the Lambda authorizers that ask for it (`EnableFunctionDefaultPermissions`) their
//! permission; errors are the translator's sentences. It never builds routes (`httpapi.rs` does).

use crate::source::{Node, NodeKind};

use super::build::{B, Obj, Res, get, is_intrinsic, to_obj};
use super::httpapi::HttpEvent;

const IAM: &str = "AWS_IAM";
const NONE: &str = "NONE";

/// An HTTP API's `Auth`, checked.
pub(super) struct HttpAuth {
    /// Authorizer name → its security scheme and its default scopes; `None` when `Authorizers` is absent.
    schemes: Option<Vec<(String, Node, Option<Node>)>>,
    default: Option<String>,
    iam: bool,
    /// Lambda authorizers that get a permission: name and `FunctionArn`.
    pub permissions: Vec<(String, Node)>,
}

fn as_bool(n: &Node) -> Option<bool> {
    super::function::as_bool(n)
}

/// `key` with its first letter in lower case, as the definition spells it.
fn camel(key: &str) -> String {
    let mut chars = key.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

impl HttpAuth {
    pub fn parse(auth: Option<&Node>, partition: &str, b: B) -> Result<HttpAuth, String> {
        let mut out = HttpAuth {
            schemes: None,
            default: None,
            iam: false,
            permissions: Vec::new(),
        };
        let Some(auth) = auth else {
            return Ok(out);
        };
        let Some(m) = auth.as_map().filter(|_| !is_intrinsic(auth)) else {
            return Err("Property 'Auth' should be a map.".into());
        };
        out.iam = m.get("EnableIamAuthorizer").and_then(as_bool) == Some(true);
        if let Some(d) = m.get("DefaultAuthorizer") {
            let Some(d) = d.as_str() else {
                return Err("Property 'Auth.DefaultAuthorizer' should be a string.".into());
            };
            out.default = Some(d.to_owned());
        }
        if let Some(a) = m.get("Authorizers") {
            let Some(list) = a.as_map().filter(|_| !is_intrinsic(a)) else {
                return Err("Property 'Auth.Authorizers' should be a map.".into());
            };
            let mut schemes = Vec::new();
            for (name, e) in list.iter() {
                let (scheme, permission) = authorizer(name, &e.value, partition, b)?;
                if let Some(f) = permission {
                    out.permissions.push((name.to_owned(), f));
                }
                let scopes = get(&e.value, "AuthorizationScopes").cloned();
                schemes.push((name.to_owned(), scheme, scopes));
            }
            out.schemes = Some(schemes);
        }
        if let Some(d) = &out.default
            && !(d == IAM && out.iam)
            && !out.defines(d)
        {
            return Err(format!(
                "Unable to set DefaultAuthorizer because '{d}' was not defined in 'Authorizers'."
            ));
        }
        Ok(out)
    }

    fn defines(&self, name: &str) -> bool {
        self.schemes
            .as_ref()
            .is_some_and(|l| l.iter().any(|(n, _, _)| n == name))
    }

    pub fn is_set(&self) -> bool {
        self.schemes.is_some() || self.default.is_some() || self.iam
    }

    /// The `security` of event `e`'s route (`None`: none); `method` and `path` as the definition names
    /// them.
    pub fn route_security(
        &self,
        e: &HttpEvent,
        method: &str,
        path: &str,
        b: B,
    ) -> Result<Option<Node>, String> {
        let field = |k: &str| e.auth.as_ref().and_then(|a| get(a, k));
        let named = match field("Authorizer") {
            Some(n) => match n.as_str() {
                Some(s) => Some(s.to_owned()),
                None => {
                    let mut text = String::new();
                    super::py27::repr(n, &mut text);
                    let text = text.replace("u'", "'");
                    return Err(format!(
                        "Unable to set Authorizer [{text}] on API method [{method}] for path [{path}]. The method authorizer must be a string with a corresponding dict entry in the api authorizer."
                    ));
                }
            },
            None => None,
        };
        if let Some(n) = &named {
            if n == NONE && self.default.is_none() {
                return Err(format!(
                    "Unable to set Authorizer on API method [{method}] for path [{path}] because 'NONE' is only a valid value when a DefaultAuthorizer on the API is specified."
                ));
            }
            if n != NONE && !(n == IAM && (self.iam || !self.defines(n))) && !self.defines(n) {
                return Err(if self.schemes.is_none() {
                    format!(
                        "Unable to set Authorizer [{n}] on API method [{method}] for path [{path}] because the related API does not define any Authorizers."
                    )
                } else {
                    format!(
                        "Unable to set Authorizer [{n}] on API method [{method}] for path [{path}] because it wasn't defined in the API's Authorizers."
                    )
                });
            }
        }
        let scopes = field("AuthorizationScopes");
        if let Some(s) = scopes
            && s.as_seq()
                .is_none_or(|items| items.iter().any(|i| i.as_str().is_none()))
        {
            return Err(format!(
                "Unable to set Authorizer on API method [{method}] for path [{path}] because 'AuthorizationScopes' must be a list of strings."
            ));
        }
        let Some(name) = named.or_else(|| self.default.clone()) else {
            return Ok(None);
        };
        // CORS pre-flight requests carry no credentials.
        if method == "options" {
            return Ok(None);
        }
        Ok(Some(self.security(&name, scopes, b)))
    }

    fn security(&self, name: &str, scopes: Option<&Node>, b: B) -> Node {
        let scopes = scopes
            .or_else(|| {
                self.schemes
                    .as_ref()
                    .and_then(|l| l.iter().find(|(n, _, _)| n == name))
                    .and_then(|(_, _, s)| s.as_ref())
            })
            .cloned()
            .unwrap_or_else(|| b.seq(Vec::new()));
        b.seq(vec![b.map([(name, scopes)])])
    }

    /// The path item `methods` with the default authorizer `d` on every method without security; `None`
    /// when it is no plain mapping of methods.
    fn with_default(&self, methods: &Node, d: &str, b: B) -> Option<Node> {
        let m = methods.as_map().filter(|_| !is_intrinsic(methods))?;
        let mut new = to_obj(methods);
        for (name, e) in m.iter() {
            // CORS pre-flight requests carry no credentials.
            if name == "parameters"
                || name == "options"
                || e.value.as_map().is_none()
                || is_intrinsic(&e.value)
            {
                continue;
            }
            if get(&e.value, "security").is_none() {
                let mut op = to_obj(&e.value);
                op.insert("security".into(), self.security(d, None, b));
                new.insert(name.to_owned(), b.obj(op));
            }
        }
        Some(b.obj(new))
    }

    /// Gives the default authorizer to every route of `paths` without security, and adds the security
    /// schemes to `body`.
    pub fn finish(&self, body: &mut Obj, paths: &mut Obj, b: B) {
        if let Some(d) = &self.default {
            for (_, methods) in paths.iter_mut() {
                if let Some(item) = self.with_default(methods, d, b) {
                    *methods = item;
                    continue;
                }
                // A path written as an `Fn::If` stands for its mapping branches.
                let Some(args) = methods
                    .as_map()
                    .filter(|m| m.len() == 1)
                    .and_then(|m| m.get("Fn::If"))
                    .and_then(Node::as_seq)
                    .filter(|a| a.len() == 3)
                else {
                    continue;
                };
                let branches: Vec<Node> = args
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        (i > 0)
                            .then(|| self.with_default(a, d, b))
                            .flatten()
                            .unwrap_or_else(|| a.clone())
                    })
                    .collect();
                *methods = b.call("Fn::If", b.seq(branches));
            }
        }
        let mut schemes = Obj::new();
        if self.iam || self.default.as_deref() == Some(IAM) && !self.defines(IAM) {
            schemes.insert(
                IAM.into(),
                b.map([
                    ("type", b.s("apiKey")),
                    ("name", b.s("Authorization")),
                    ("in", b.s("header")),
                    ("x-amazon-apigateway-authtype", b.s("awsSigv4")),
                ]),
            );
        }
        for (name, scheme, _) in self.schemes.iter().flatten() {
            schemes.insert(name.clone(), scheme.clone());
        }
        if schemes.is_empty() {
            return;
        }
        let mut components = body.get("components").map(to_obj).unwrap_or_default();
        let mut existing = components
            .get("securitySchemes")
            .map(to_obj)
            .unwrap_or_default();
        for (k, v) in schemes {
            existing.insert(k, v);
        }
        components.insert("securitySchemes".into(), b.obj(existing));
        body.insert("components".into(), b.obj(components));
    }

    /// The Lambda permissions of authorizers with `EnableFunctionDefaultPermissions`.
    pub fn permission(api: &str, function: &Node, b: B) -> Res {
        Res::new("AWS::Lambda::Permission", b.span)
            .prop("Action", b.s("lambda:InvokeFunction"))
            .prop("FunctionName", function.clone())
            .prop("Principal", b.s("apigateway.amazonaws.com"))
            .prop(
                "SourceArn",
                b.call(
                    "Fn::Sub",
                    b.seq(vec![
                        b.s("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/authorizers/*"),
                        b.map([("__ApiId__", b.r#ref(api))]),
                    ]),
                ),
            )
    }
}

/// One authorizer: its security scheme, and its `FunctionArn` when it gets a permission.
fn authorizer(
    name: &str,
    node: &Node,
    partition: &str,
    b: B,
) -> Result<(Node, Option<Node>), String> {
    let Some(m) = node.as_map().filter(|_| !is_intrinsic(node)) else {
        return Err(format!(
            "Property 'Auth.Authorizers.{name}' should be a map."
        ));
    };
    if m.get("OpenIdConnectUrl").is_some() {
        return Err(format!(
            "'OpenIdConnectUrl' is no longer a supported property for authorizer '{name}'. Please refer to the AWS SAM documentation."
        ));
    }
    let lambda =
        m.get("FunctionArn").is_some() || m.get("AuthorizerPayloadFormatVersion").is_some();
    if !lambda && m.get("EnableFunctionDefaultPermissions").is_some() {
        return Err(
            "EnableFunctionDefaultPermissions is only supported for Lambda Authorizer.".into(),
        );
    }
    let permissions = match m.get("EnableFunctionDefaultPermissions") {
        None => false,
        Some(v) => match as_bool(v) {
            Some(v) => v,
            None => {
                return Err(format!(
                    "Property 'Authorizers.{name}.EnableFunctionDefaultPermissions' should be a boolean."
                ));
            }
        },
    };
    // An empty JWT configuration is none; without one, `IdentitySource` belongs to no authorizer type.
    let jwt = m
        .get("JwtConfiguration")
        .filter(|j| j.as_map().is_none_or(|m| !m.is_empty()));
    if jwt.is_none() && m.get("IdentitySource").is_some() {
        return Err("IdentitySource is only supported for OAuth2 Authorizer. For Lambda Authorizer, use the 'Identity' property instead.".into());
    }
    if let Some(jwt) = jwt {
        let Some(j) = jwt.as_map().filter(|_| !is_intrinsic(jwt)) else {
            return Err("Property 'JwtConfiguration' should be a map.".into());
        };
        if m.get("EnableFunctionDefaultPermissions").is_some() {
            return Err(
                "EnableFunctionDefaultPermissions is only supported for Lambda Authorizer.".into(),
            );
        }
        let config: Obj = j.iter().map(|(k, e)| (camel(k), e.value.clone())).collect();
        let mut inner = Obj::new();
        inner.insert("type".into(), b.s("jwt"));
        inner.insert("jwtConfiguration".into(), b.obj(config));
        if let Some(s) = m.get("IdentitySource") {
            inner.insert("identitySource".into(), s.clone());
        }
        let scheme = b.map([
            ("type", b.s("oauth2")),
            ("x-amazon-apigateway-authorizer", b.obj(inner)),
        ]);
        return Ok((scheme, None));
    }
    if m.get("FunctionArn").is_none() && m.get("AuthorizerPayloadFormatVersion").is_none() {
        if m.get("EnableFunctionDefaultPermissions").is_some() {
            return Err(
                "EnableFunctionDefaultPermissions is only supported for Lambda Authorizer.".into(),
            );
        }
        return Err(format!(
            "{name} Authorizer must define 'FunctionArn' or 'JwtConfiguration'."
        ));
    }
    let Some(function) = m.get("FunctionArn") else {
        return Err(format!(
            "{name} Lambda Authorizer must define 'FunctionArn'."
        ));
    };
    let Some(version) = m.get("AuthorizerPayloadFormatVersion") else {
        return Err(format!(
            "{name} Lambda Authorizer must define 'AuthorizerPayloadFormatVersion'."
        ));
    };
    let mut inner = Obj::new();
    inner.insert("type".into(), b.s("request"));
    inner.insert(
        "authorizerUri".into(),
        b.call(
            "Fn::Sub",
            b.seq(vec![
                b.s(format!("arn:{partition}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{__FunctionArn__}}/invocations")),
                b.map([("__FunctionArn__", function.clone())]),
            ]),
        ),
    );
    if let Some(r) = m.get("FunctionInvokeRole") {
        inner.insert("authorizerCredentials".into(), r.clone());
    }
    inner.insert("authorizerPayloadFormatVersion".into(), version.clone());
    // A false (or null) `EnableSimpleResponses` is left out, as the translator leaves it out.
    if let Some(s) = m
        .get("EnableSimpleResponses")
        .filter(|s| !matches!(s.kind, NodeKind::Bool(false) | NodeKind::Null))
    {
        inner.insert("enableSimpleResponses".into(), s.clone());
    }
    if let Some(identity) = m.get("Identity") {
        let Some(i) = identity.as_map().filter(|_| !is_intrinsic(identity)) else {
            return Err(format!(
                "Property 'Authorizers.{name}.Identity' should be a map."
            ));
        };
        let mut sources = Vec::new();
        for (key, prefix) in [
            ("Headers", "$request.header."),
            ("QueryStrings", "$request.querystring."),
            ("StageVariables", "$stageVariables."),
            ("Context", "$context."),
        ] {
            let Some(list) = i.get(key) else {
                continue;
            };
            let Some(items) = list.as_seq() else {
                return Err(format!(
                    "Property 'Authorizers.{name}.Identity.{key}' should be a list."
                ));
            };
            for item in items {
                match &item.kind {
                    NodeKind::String(s) => sources.push(b.s(format!("{prefix}{s}"))),
                    _ => {
                        return Err(format!(
                            "Property 'Authorizers.{name}.Identity.{key}' should be a list of strings."
                        ));
                    }
                }
            }
        }
        if !sources.is_empty() {
            inner.insert("identitySource".into(), b.seq(sources));
        }
        if let Some(t) = i.get("ReauthorizeEvery") {
            inner.insert("authorizerResultTtlInSeconds".into(), t.clone());
        }
    }
    let scheme = b.map([
        ("type", b.s("apiKey")),
        ("name", b.s("Unused")),
        ("in", b.s("header")),
        ("x-amazon-apigateway-authorizer", b.obj(inner)),
    ]);
    Ok((scheme, permissions.then(|| function.clone())))
}

#[cfg(test)]
mod tests {

    use super::super::build::get;
    use super::super::{codes, reference_message};

    use crate::transform::sam::test_support::expand_text as run;

    fn template(event_auth: &str) -> String {
        format!(
            "Resources:\n  A:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      Auth:\n        DefaultAuthorizer: J\n        Authorizers:\n          J:\n            IdentitySource: $request.header.Authorization\n            JwtConfiguration:\n              Issuer: https://issuer\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: s3://b/k\n      Handler: h\n      Runtime: python3.12\n      Events:\n        Get:\n          Type: HttpApi\n          Properties:\n            ApiId: !Ref A\n            Path: /x\n            Method: get\n{event_auth}"
        )
    }

    #[test]
    fn the_default_authorizer_reaches_the_branches_of_a_path_written_as_fn_if() {
        let text = "Conditions:\n  C: !Equals [a, a]\nResources:\n  A:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      Auth:\n        DefaultAuthorizer: J\n        Authorizers:\n          J:\n            IdentitySource: $request.header.Authorization\n            JwtConfiguration:\n              Issuer: https://issuer\n      DefinitionBody:\n        openapi: '3.0'\n        info: {title: t}\n        paths:\n          /x:\n            Fn::If:\n            - C\n            - get: {responses: {}}\n            - Ref: AWS::NoValue\n";
        let out = run(text).unwrap();
        let body = get(
            get(
                get(get(&out.root, "Resources").unwrap(), "A").unwrap(),
                "Properties",
            )
            .unwrap(),
            "Body",
        )
        .unwrap();
        let args = get(get(get(body, "paths").unwrap(), "/x").unwrap(), "Fn::If")
            .unwrap()
            .as_seq()
            .unwrap();
        let security = get(get(&args[1], "get").unwrap(), "security")
            .unwrap()
            .as_seq()
            .unwrap();
        assert!(get(&security[0], "J").is_some());
        assert!(get(&args[2], "Ref").is_some());
    }

    #[test]
    fn a_jwt_default_authorizer_secures_routes_and_becomes_a_security_scheme() {
        let out = run(&template("")).unwrap();
        let body = get(
            get(
                get(get(&out.root, "Resources").unwrap(), "A").unwrap(),
                "Properties",
            )
            .unwrap(),
            "Body",
        )
        .unwrap();
        let op = get(get(get(body, "paths").unwrap(), "/x").unwrap(), "get").unwrap();
        let security = get(op, "security").unwrap().as_seq().unwrap();
        assert!(get(&security[0], "J").is_some());
        let scheme = get(
            get(get(body, "components").unwrap(), "securitySchemes").unwrap(),
            "J",
        )
        .unwrap();
        assert_eq!(get(scheme, "type").unwrap().as_str(), Some("oauth2"));
        let jwt = get(
            get(scheme, "x-amazon-apigateway-authorizer").unwrap(),
            "jwtConfiguration",
        )
        .unwrap();
        assert!(get(jwt, "issuer").is_some());
    }

    #[test]
    fn an_event_naming_an_undefined_authorizer_is_reported_at_the_event() {
        let text = template("            Auth:\n              Authorizer: Other\n");
        let errors = run(&text).unwrap_err();
        assert_eq!(errors[0].code, codes::INVALID_EVENT);
        assert_eq!(
            errors[0].span.start as usize,
            text.find("Type: HttpApi").unwrap()
        );
        assert_eq!(
            reference_message(&errors).unwrap(),
            "Invalid Serverless Application Specification document. Number of errors found: 1. Resource with id [F] is invalid. Event with id [Get] is invalid. Unable to set Authorizer [Other] on API method [get] for path [/x] because it wasn't defined in the API's Authorizers."
        );
    }
}
