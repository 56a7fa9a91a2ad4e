//! REST API `Auth`: the authorizers an `AWS::Serverless::Api` declares (each read by
//! `api_authorizer.rs`), its `DefaultAuthorizer` and `ApiKeyRequired`, and what each `Api` event's own
//! `Auth` asks of its method. It writes the definition's `securityDefinitions`, each method's `security`
//! (ordered as the translator's API defaults leave it, and the integration's `credentials` for
//! `AWS_IAM`), and says which Lambda authorizers need a permission. It checks `Auth` and written
//! `security` with the translator's sentences; it never creates the API's other resources (`api.rs`
//! does).

use crate::source::{Node, NodeKind};

use super::api::ApiEvent;
use super::api_authorizer::{Authorizer, authorizer};
use super::build::{get, is_intrinsic};
use super::swagger::Sw;

/// The `AWS_IAM` pseudo-authorizer and `NONE` (no authorizer on this method).
const IAM: &str = "AWS_IAM";
const NONE: &str = "NONE";
/// The properties `Auth` may have.
const AUTH_KEYS: &[&str] = &[
    "Authorizers",
    "DefaultAuthorizer",
    "InvokeRole",
    "AddDefaultAuthorizerToCorsPreflight",
    "AddApiKeyRequiredToCorsPreflight",
    "ApiKeyRequired",
    "ResourcePolicy",
    "UsagePlan",
];

/// An API's `Auth`, checked.
#[derive(Clone, Default)]
pub(super) struct ApiAuth {
    /// `None` when `Authorizers` is absent.
    pub authorizers: Option<Vec<Authorizer>>,
    pub default: Option<String>,
    pub api_key_required: bool,
    invoke_role: Option<Node>,
    default_on_preflight: bool,
    api_key_on_preflight: bool,
    /// Set while methods are given security: the definitions that must follow.
    uses_iam: bool,
    uses_api_key: bool,
    /// An event named `AWS_IAM`: its definition was written before the API's own (under the
    /// transform's name for it, not the template's).
    iam_from_event: bool,
    /// An event asked for the API key: its definition was written before the API's own.
    key_from_event: bool,
}

fn as_bool(n: &Node) -> Option<bool> {
    super::function::as_bool(n)
}

/// True when `auth` is a mapping of `Auth` settings only.
pub(super) fn known_settings(auth: &Node) -> bool {
    auth.as_map()
        .is_some_and(|m| !is_intrinsic(auth) && m.keys().all(|k| AUTH_KEYS.contains(&k)))
}

impl ApiAuth {
    /// Reads `Auth` (absent: no authorization). Errors are the translator's sentences.
    pub fn parse(auth: Option<&Node>) -> Result<ApiAuth, String> {
        let mut out = ApiAuth {
            default_on_preflight: true,
            api_key_on_preflight: true,
            ..ApiAuth::default()
        };
        let Some(auth) = auth else {
            return Ok(out);
        };
        let Some(m) = auth.as_map().filter(|_| !is_intrinsic(auth)) else {
            return Err("Property 'Auth' should be a map.".into());
        };
        if m.keys().any(|k| !AUTH_KEYS.contains(&k)) {
            return Err("Invalid value for 'Auth' property".into());
        }
        // A default authorizer that is not text is refused once the authorizers are read.
        let mut default_not_text = false;
        if let Some(d) = m
            .get("DefaultAuthorizer")
            .filter(|d| !super::api_policy::is_empty(d))
        {
            match d.as_str() {
                Some(d) => out.default = Some(d.to_owned()),
                None => default_not_text = true,
            }
        }
        out.api_key_required = m.get("ApiKeyRequired").and_then(as_bool) == Some(true);
        out.invoke_role = m.get("InvokeRole").cloned();
        if let Some(v) = m.get("AddDefaultAuthorizerToCorsPreflight") {
            out.default_on_preflight = as_bool(v) != Some(false);
        }
        if let Some(v) = m.get("AddApiKeyRequiredToCorsPreflight") {
            out.api_key_on_preflight = as_bool(v) != Some(false);
        }
        if let Some(a) = m.get("Authorizers") {
            let Some(list) = a.as_map().filter(|_| !is_intrinsic(a)) else {
                return Err("Property 'Auth.Authorizers' should be a map.".into());
            };
            let mut authorizers = Vec::new();
            for (name, e) in list.iter() {
                authorizers.push(authorizer(name, &e.value)?);
            }
            out.authorizers = Some(authorizers);
        }
        if default_not_text {
            return Err("DefaultAuthorizer is not a string.".into());
        }
        // Without authorizers the translator ignores a default other than `AWS_IAM`.
        if out.default.as_deref().is_some_and(|d| d != IAM)
            && out.authorizers.as_ref().is_none_or(Vec::is_empty)
        {
            out.default = None;
        }
        if let Some(d) = &out.default
            && d != IAM
            && !out
                .authorizers
                .as_ref()
                .is_some_and(|l| l.iter().any(|a| &a.name == d))
        {
            return Err(format!(
                "Unable to set DefaultAuthorizer because '{d}' was not defined in 'Authorizers'."
            ));
        }
        Ok(out)
    }

    /// True when `Auth` asks anything of the definition.
    pub fn is_set(&self) -> bool {
        self.authorizers.is_some() || self.default.is_some() || self.api_key_required
    }

    /// Gives event `e`'s method its security, from the event's `Auth` or the API's defaults.
    pub fn apply_event(
        &mut self,
        definition: &mut Sw,
        e: &ApiEvent,
        written: bool,
    ) -> Result<(), String> {
        let auth = e.auth.as_ref();
        let field = |k: &str| auth.and_then(|a| get(a, k));
        let named = match field("Authorizer") {
            Some(n) => Some(
                n.as_str()
                    .ok_or("Property 'Auth.Authorizer' should be a string.")?
                    .to_owned(),
            ),
            None => None,
        };
        let method = &e.method;
        let path = &e.path;
        if field("OverrideApiAuth").and_then(as_bool) == Some(true)
            && ["Authorizer", "ApiKeyRequired", "ResourcePolicy"]
                .iter()
                .all(|k| field(k).is_none())
        {
            return Err("Must define one of: Authorizer, ApiKeyRequired or ResourcePolicy when using the OverrideApiAuth property.".into());
        }
        if let Some(n) = &named {
            if n == NONE && self.default.is_none() {
                return Err(format!(
                    "Unable to set Authorizer on API method [{method}] for path [{path}] because 'NONE' is only a valid value when a DefaultAuthorizer on the API is specified."
                ));
            }
            if n != NONE && n != IAM {
                match &self.authorizers {
                    None => {
                        return Err(format!(
                            "Unable to set Authorizer [{n}] on API method [{method}] for path [{path}] because the related API does not define any Authorizers."
                        ));
                    }
                    Some(l) if !l.iter().any(|a| &a.name == n) => {
                        return Err(format!(
                            "Unable to set Authorizer [{n}] on API method [{method}] for path [{path}] because it wasn't defined in the API's Authorizers."
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        self.iam_from_event |= named.as_deref() == Some(IAM);
        let scopes = field("AuthorizationScopes");
        let authorizer = named.clone().or_else(|| self.default.clone());
        if scopes.is_some() && authorizer.is_none() {
            return Err("AuthorizationScopes works only when Authorizer is set".into());
        }
        let key = match field("ApiKeyRequired").map(as_bool) {
            Some(Some(v)) => {
                if !v && !self.api_key_required {
                    return Err(format!(
                        "Unable to set ApiKeyRequired [False] on API method [{method}] for path [{path}] because the related API does not specify any ApiKeyRequired."
                    ));
                }
                self.key_from_event |= v;
                v
            }
            Some(None) => return Err("Property 'Auth.ApiKeyRequired' should be a boolean.".into()),
            None => self.api_key_required,
        };
        let mut security = self.security(authorizer.as_deref(), scopes, key, written);
        if security.is_none() && field("ApiKeyRequired").is_some() {
            // An event that turns the API's key off keeps an empty list, so the API's default is not applied.
            security = Some(Sw::Seq(Vec::new()));
        }
        // The integration calls with the caller's credentials when the event names `AWS_IAM`, or when it
        // is the API's default and the event has no `Auth` of its own.
        let event_auth_empty = auth.is_none_or(|a| a.as_map().is_some_and(|m| m.is_empty()));
        let credentials = if named.as_deref() == Some(IAM)
            || (self.default.as_deref() == Some(IAM) && event_auth_empty)
        {
            match field("InvokeRole").or(self.invoke_role.as_ref()) {
                Some(r) if r.as_str() == Some(NONE) || matches!(r.kind, NodeKind::Null) => None,
                Some(r) if r.as_str() != Some("CALLER_CREDENTIALS") => Some(Sw::Written(r.clone())),
                _ => Some(Sw::c("arn:aws:iam::*:user/*")),
            }
        } else {
            None
        };
        let op_key = if e.method == "any" {
            "x-amazon-apigateway-any-method"
        } else {
            e.method.as_str()
        };
        for op in definition.method_defs_mut(&e.path, op_key) {
            if let Some(c) = &credentials
                && let Some(i) = op.get_mut("x-amazon-apigateway-integration")
            {
                i.set("credentials", written, c.clone());
            }
            if let Some(s) = &security {
                set_security(op, false, s.clone());
            }
        }
        Ok(())
    }

    /// Gives the API's defaults to every method of one path item that has no security yet. The keys
    /// added are the transform's own constants, even in a written definition (observed from the
    /// reference translator's deployment ids).
    fn default_security(&mut self, path: &str, item: &mut Sw) -> Result<(), String> {
        let methods: Vec<String> = match item {
            Sw::Map(m) | Sw::Ordered(m) => m.iter().map(|(k, _, _)| k.clone()).collect(),
            _ => Vec::new(),
        };
        for method in methods {
            if method == "parameters" || method.starts_with("x-") && !method.ends_with("any-method")
            {
                continue;
            }
            let preflight = method == "options";
            let authorizer = self
                .default
                .clone()
                .filter(|_| !preflight || self.default_on_preflight);
            let key = self.api_key_required && (!preflight || self.api_key_on_preflight);
            let Some(method_item) = item.get_mut(&method) else {
                continue;
            };
            for op in method_item.path_items_mut() {
                // Methods without an API Gateway integration are left alone.
                if !matches!(op, Sw::Map(_) | Sw::Ordered(_)) || !has_integration(op) {
                    continue;
                }
                if self.default.is_some() || self.api_key_required {
                    check_security(op, path, &normalized(&method))?;
                }
                if op.get("security").is_some() {
                    self.order_security(op, preflight);
                    continue;
                }
                if let Some(s) = self.security(authorizer.as_deref(), None, key, false) {
                    set_security(op, false, s);
                }
            }
        }
        Ok(())
    }

    /// Orders a method's security list as the translator's API defaults leave it: with a default
    /// authorizer, the entries that are not authorizers before those that are; then, with a default API
    /// key, the key last. A method that names `NONE` keeps its order.
    fn order_security(&self, op: &mut Sw, preflight: bool) {
        let Some(Sw::Seq(items)) = op.get_mut("security") else {
            return;
        };
        let keys = |i: &Sw| -> Vec<String> {
            match i {
                Sw::Map(e) | Sw::Ordered(e) => e.iter().map(|(k, _, _)| k.clone()).collect(),
                _ => Vec::new(),
            }
        };
        if items.iter().any(|i| keys(i).iter().any(|k| k == NONE)) {
            return;
        }
        let names: Vec<&str> = std::iter::once(IAM)
            .chain(self.authorizers.iter().flatten().map(|a| a.name.as_str()))
            .collect();
        if self.default.is_some() && (!preflight || self.default_on_preflight) {
            let is_authorizer = |i: &Sw| keys(i).iter().any(|k| names.contains(&k.as_str()));
            let (mut first, last): (Vec<Sw>, Vec<Sw>) =
                items.drain(..).partition(|i| !is_authorizer(i));
            first.extend(last);
            *items = first;
        }
        if self.api_key_required {
            let is_key = |i: &Sw| {
                keys(i)
                    .iter()
                    .any(|k| k == "api_key" || k == "api_key_false")
            };
            let (mut first, last): (Vec<Sw>, Vec<Sw>) = items.drain(..).partition(|i| !is_key(i));
            first.extend(last);
            *items = first;
        }
    }

    /// The `security` list of a method: its authorizer (with scopes) and the API key.
    fn security(
        &mut self,
        authorizer: Option<&str>,
        scopes: Option<&Node>,
        api_key: bool,
        written: bool,
    ) -> Option<Sw> {
        let mut items = Vec::new();
        if let Some(name) = authorizer {
            self.uses_iam |= name == IAM;
            let scopes = scopes.or_else(|| {
                self.authorizers
                    .as_ref()
                    .and_then(|l| l.iter().find(|a| a.name == name))
                    .and_then(|a| a.scopes.as_ref())
            });
            let scopes = scopes.map_or_else(|| Sw::Seq(Vec::new()), Sw::from_node);
            items.push(Sw::Map(vec![(name.to_owned(), true, scopes)]));
        }
        if api_key {
            self.uses_api_key = true;
            items.push(Sw::Map(vec![(
                "api_key".to_owned(),
                written,
                Sw::Seq(Vec::new()),
            )]));
        }
        (!items.is_empty()).then_some(Sw::Seq(items))
    }

    /// Gives the API's defaults to every method of the definition that has no security yet (the CORS
    /// pre-flight `options` methods as `AddDefaultAuthorizerToCorsPreflight` and
    /// `AddApiKeyRequiredToCorsPreflight` say), then writes `securityDefinitions`.
    pub fn finish(&mut self, definition: &mut Sw, written: bool) -> Result<(), String> {
        let paths: Vec<String> = match definition.get("paths") {
            Some(Sw::Map(p)) => p.iter().map(|(k, _, _)| k.clone()).collect(),
            _ => Vec::new(),
        };
        for path in paths {
            let Some(item) = definition.get_mut("paths").and_then(|p| p.get_mut(&path)) else {
                continue;
            };
            match item.get("Fn::If") {
                None | Some(Sw::Seq(_)) => {}
                Some(Sw::Written(n)) if n.as_seq().is_some() => {}
                Some(_) => return Err("Value of Fn::If must be a list.".into()),
            }
            for item in item.path_items_mut() {
                self.default_security(&path, item)?;
            }
        }
        let mut definitions: Vec<(String, bool, Sw)> = Vec::new();
        for a in self.authorizers.iter().flatten() {
            definitions.push((a.name.clone(), true, a.definition.clone()));
        }
        if self.default.as_deref() == Some(IAM) {
            // The default authorizer's definition, named as the template names it (unless an event
            // named it first).
            definitions.push((
                IAM.to_owned(),
                !self.iam_from_event,
                Sw::ordered(vec![
                    ("in", Sw::c("header")),
                    ("type", Sw::c("apiKey")),
                    ("name", Sw::c("Authorization")),
                    ("x-amazon-apigateway-authtype", Sw::c("awsSigv4")),
                ]),
            ));
        } else if self.uses_iam {
            definitions.push((
                IAM.to_owned(),
                written,
                Sw::ordered(vec![
                    ("x-amazon-apigateway-authtype", Sw::c("awsSigv4")),
                    ("type", Sw::c("apiKey")),
                    ("name", Sw::c("Authorization")),
                    ("in", Sw::c("header")),
                ]),
            ));
        }
        if self.uses_api_key {
            let at = if self.key_from_event {
                0
            } else {
                definitions.len()
            };
            definitions.insert(
                at,
                (
                    "api_key".to_owned(),
                    false,
                    Sw::ordered(vec![
                        ("type", Sw::c("apiKey")),
                        ("name", Sw::c("x-api-key")),
                        ("in", Sw::c("header")),
                    ]),
                ),
            );
        }
        if definitions.is_empty() {
            return Ok(());
        }
        let created = definition.get("securityDefinitions").is_none();
        let Some(existing) = definition.entry("securityDefinitions", false) else {
            return Ok(());
        };
        if !matches!(existing, Sw::Map(_)) {
            return Err("securityDefinitions must be a dictionary.".into());
        }
        for (k, unicode, v) in definitions {
            if existing.get(&k).is_none() {
                existing.set(&k, unicode, v);
            }
        }
        // Made by this step, the mapping goes through one copy more than the written ones.
        if created {
            existing.recopy();
        }
        Ok(())
    }
}

/// The translator's checks of a method's written `security` before it applies the API's defaults: a
/// list of mappings.
fn check_security(op: &Sw, path: &str, method: &str) -> Result<(), String> {
    let items = match op.get("security") {
        None => return Ok(()),
        Some(Sw::Seq(items)) => items.clone(),
        Some(Sw::Written(n)) => match n.as_seq() {
            Some(items) => items.iter().map(Sw::from_node).collect(),
            None => {
                return Err(format!(
                    "Type of security for path {path} method {method} must be a list"
                ));
            }
        },
        Some(_) => {
            return Err(format!(
                "Type of security for path {path} method {method} must be a list"
            ));
        }
    };
    for item in items {
        match item {
            Sw::Map(_) | Sw::Ordered(_) => {}
            Sw::Written(n) if n.as_map().is_some() => {}
            other => {
                let shown =
                    super::api_models::py_str(&other.node(crate::source::Span::default()), false);
                return Err(format!(
                    "{shown} in Security for path {path} method {method} is not a valid dictionary."
                ));
            }
        }
    }
    Ok(())
}

/// A method's name as the translator normalises it (`any` is API Gateway's any-method).
fn normalized(method: &str) -> String {
    let lower = method.to_ascii_lowercase();
    if lower == "any" {
        "x-amazon-apigateway-any-method".into()
    } else {
        lower
    }
}

/// True when a method has a (non-empty) `x-amazon-apigateway-integration`.
fn has_integration(op: &Sw) -> bool {
    match op.get("x-amazon-apigateway-integration") {
        None => false,
        Some(Sw::Map(e) | Sw::Ordered(e)) => !e.is_empty(),
        Some(Sw::Written(n)) => !super::api_policy::is_empty(n),
        Some(_) => true,
    }
}

/// Sets `security` on a method (added after its other keys, as the translator adds it).
fn set_security(op: &mut Sw, written: bool, security: Sw) {
    if matches!(op, Sw::Map(_) | Sw::Ordered(_)) {
        op.set("security", written, security);
    }
}

#[cfg(test)]
mod tests {

    use super::super::build::get;
    use super::super::{codes, reference_message};

    use crate::transform::sam::test_support::expand_text as run;

    const FUNCTION: &str = "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: s3://b/k\n      Handler: h\n      Runtime: python3.12\n      Events:\n        Get:\n          Type: Api\n          Properties:\n            RestApiId: !Ref A\n            Path: /\n            Method: get\n";

    fn api(auth: &str) -> String {
        format!(
            "Resources:\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n      Auth:\n{auth}{FUNCTION}"
        )
    }

    #[test]
    fn a_lambda_token_authorizer_secures_the_method_and_gets_a_permission() {
        let text = api(
            "        DefaultAuthorizer: L\n        Authorizers:\n          L:\n            FunctionArn: !GetAtt Auth.Arn\n",
        );
        let out = run(&text).unwrap();
        let resources = get(&out.root, "Resources").unwrap();
        let body = get(
            get(get(resources, "A").unwrap(), "Properties").unwrap(),
            "Body",
        )
        .unwrap();
        let op = get(get(get(body, "paths").unwrap(), "/").unwrap(), "get").unwrap();
        let security = get(op, "security").unwrap().as_seq().unwrap();
        assert!(get(&security[0], "L").is_some());
        let definition = get(get(body, "securityDefinitions").unwrap(), "L").unwrap();
        assert_eq!(
            get(definition, "x-amazon-apigateway-authtype")
                .unwrap()
                .as_str(),
            Some("custom")
        );
        let permission = get(resources, "ALAuthorizerPermission").unwrap();
        assert_eq!(
            get(permission, "Type").unwrap().as_str(),
            Some("AWS::Lambda::Permission")
        );
    }

    #[test]
    fn an_undefined_default_authorizer_is_reported_at_auth() {
        // Without authorizers the translator ignores the default.
        assert!(run(&api("        DefaultAuthorizer: Nope\n")).is_ok());
        let text = api(
            "        DefaultAuthorizer: Nope\n        Authorizers:\n          Other:\n            FunctionArn: arn:aws:lambda:us-east-1:123456789012:function:f\n",
        );
        let errors = run(&text).unwrap_err();
        assert_eq!(errors[0].code, codes::INVALID_RESOURCE);
        let start = text.find("Nope").unwrap();
        let end = start + 4;
        assert_eq!(
            (errors[0].span.start as usize, errors[0].span.end as usize),
            (start, end)
        );
        assert_eq!(
            reference_message(&errors).unwrap(),
            "Invalid Serverless Application Specification document. Number of errors found: 1. Resource with id [A] is invalid. Unable to set DefaultAuthorizer because 'Nope' was not defined in 'Authorizers'."
        );
    }

    #[test]
    fn an_event_naming_an_unknown_authorizer_is_reported_at_the_event() {
        let text = format!(
            "{}            Auth:\n              Authorizer: Missing\n",
            api("        ApiKeyRequired: true\n")
        );
        let errors = run(&text).unwrap_err();
        assert_eq!(errors[0].code, codes::INVALID_EVENT);
        let start = text.find("Type: Api").unwrap();
        assert_eq!(errors[0].span.start as usize, start);
        assert_eq!(
            reference_message(&errors).unwrap(),
            "Invalid Serverless Application Specification document. Number of errors found: 1. Resource with id [F] is invalid. Event with id [Get] is invalid. Unable to set Authorizer [Missing] on API method [get] for path [/] because the related API does not define any Authorizers."
        );
    }

    #[test]
    fn written_security_that_is_not_a_list_of_mappings_is_refused() {
        let text = "Resources:\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n      Auth:\n        ApiKeyRequired: true\n      DefinitionBody:\n        swagger: '2.0'\n        paths:\n          /p:\n            put:\n              x-amazon-apigateway-integration: {type: mock}\n              security: [[]]\n";
        let errors = run(text).unwrap_err();
        assert_eq!(errors[0].code, codes::INVALID_STRUCTURE);
        assert_eq!(
            reference_message(&errors).unwrap(),
            "Invalid Serverless Application Specification document. Number of errors found: 1. Structure of the SAM template is invalid. [] in Security for path /p method put is not a valid dictionary."
        );
        // Reported at the definition.
        assert_eq!(errors[0].span.start as usize, text.find("swagger").unwrap());
    }
}
