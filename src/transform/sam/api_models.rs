//! A REST API's `Models` and its events' `RequestModel`: the models become the definition's `definitions`
//! (named in lower case; OpenAPI 3 moves them to `components.schemas`, see `api_openapi.rs`), and an event's
//! `RequestModel` a body parameter (`requestBody` in an OpenAPI 3 definition) referring to its model, with
//! a request validator when `ValidateBody` or `ValidateParameters` is set. Messages are the translator's
//! sentences. It never creates resources.

use crate::source::{Node, NodeKind};

use super::api::ApiEvent;
use super::build::{get, is_intrinsic};
use super::swagger::Sw;

/// The translator's checks of `Models` that need no definition (the API's sentences).
pub(super) fn check(models: &Node, inline: bool) -> Result<(), String> {
    if !inline {
        return Err(
            "Models works only with inline Swagger specified in 'DefinitionBody' property.".into(),
        );
    }
    if let Some(m) = models.as_map()
        && m.iter().any(|(_, e)| e.value.as_map().is_none())
    {
        return Err("Invalid value for 'Models' property".into());
    }
    Ok(())
}

/// True when `models` sets nothing (the translator skips them then).
pub(super) fn is_empty(models: &Node) -> bool {
    super::api_policy::is_empty(models)
}

/// True for a definition the translator accepts: `paths` a mapping, and `swagger` set or an `openapi`
/// version 3.
pub(super) fn is_valid_definition(definition: &Sw) -> bool {
    if !matches!(definition.get("paths"), Some(Sw::Map(_) | Sw::Ordered(_))) {
        return false;
    }
    let text = |k: &str| match definition.get(k) {
        Some(Sw::Text(t, _)) => Some(t.clone()),
        Some(Sw::Written(n)) if !super::api_policy::is_empty(n) => {
            n.scalar_text().map(|t| t.into_owned())
        }
        Some(Sw::Map(e) | Sw::Ordered(e)) if !e.is_empty() => Some(String::new()),
        Some(Sw::Seq(items)) if !items.is_empty() => Some(String::new()),
        _ => None,
    };
    if text("swagger").is_some_and(|t| !t.is_empty() && t != "0") {
        return true;
    }
    text("openapi").is_some_and(|v| is_openapi3(&v))
}

/// `3.x` or `3.x.y`: the OpenAPI versions the translator treats as OpenAPI 3.
pub(super) fn is_openapi3(version: &str) -> bool {
    let mut parts = version.split('.');
    let one_digit =
        |p: Option<&str>| p.is_some_and(|p| p.len() == 1 && p.chars().all(|c| c.is_ascii_digit()));
    parts.next() == Some("3") && one_digit(parts.next()) && {
        let third = parts.next();
        (third.is_none() || one_digit(third)) && parts.next().is_none()
    }
}

/// Adds `models` to the definition's `definitions`, each under its name in lower case.
pub(super) fn add(definition: &mut Sw, models: &Node) -> Result<(), String> {
    let Some(m) = models.as_map() else {
        return Ok(());
    };
    let mut added: Vec<(String, Sw)> = Vec::new();
    let written = Sw::from_node(models);
    for name in written.keys_in_order() {
        let Some(schema) = m.get(name) else {
            continue;
        };
        if get(schema, "type").is_none_or(super::api_policy::is_empty) {
            return Err("'Models' schema is missing 'type'.".into());
        }
        added.push((name.to_lowercase(), Sw::from_node(schema)));
    }
    let Some(definitions) = definition.entry("definitions", false) else {
        return Ok(());
    };
    for (name, schema) in added {
        definitions.set(&name, true, schema);
    }
    Ok(())
}

/// Event `e`'s `RequestModel` on its method (of an API whose `Models` are `models`): a body parameter, or
/// the `requestBody` of an OpenAPI 3 definition, and the request validator it asks for.
pub(super) fn add_request_model(
    definition: &mut Sw,
    e: &ApiEvent,
    models: Option<&Node>,
    openapi3: bool,
) -> Result<(), String> {
    let Some(request) = &e.request_model else {
        return Ok(());
    };
    if request.as_map().is_none() || is_intrinsic(request) {
        return Err("Property 'RequestModel' should be a map.".into());
    }
    let Some(model) = get(request, "Model").filter(|m| !super::api_policy::is_empty(m)) else {
        return Ok(());
    };
    let (method, path) = (&e.method, &e.path);
    let shown = py_str(model, true);
    let prefix =
        format!("Unable to set RequestModel [{shown}] on API method [{method}] for path [{path}]");
    let Some(models) = models.filter(|m| !is_empty(m)) else {
        return Err(format!(
            "{prefix} because the related API does not define any Models."
        ));
    };
    if !is_intrinsic(models) && models.as_map().is_none() {
        return Err(format!(
            "{prefix} because the related API Models defined is of invalid type."
        ));
    }
    let Some(name) = model.as_str() else {
        return Err(format!(
            "{prefix} because the related API does not contain valid Models."
        ));
    };
    if get(models, name).is_none_or(super::api_policy::is_empty) || is_intrinsic(models) {
        return Err(format!(
            "{prefix} because it wasn't defined in the API's Models."
        ));
    }
    let name = name.to_lowercase();
    let required = get(request, "Required").filter(|r| !matches!(r.kind, NodeKind::Null));
    let validator = validator(request, &shown, method, path)?;
    let key = if e.method == "any" {
        "x-amazon-apigateway-any-method"
    } else {
        e.method.as_str()
    };
    for op in methods_of(definition, path, key) {
        if openapi3 {
            let mut body = vec![(
                "content",
                Sw::ordered(vec![(
                    "application/json",
                    Sw::ordered(vec![(
                        "schema",
                        Sw::ordered(vec![(
                            "$ref",
                            Sw::c(&format!("#/components/schemas/{name}")),
                        )]),
                    )]),
                )]),
            )];
            if let Some(r) = required {
                body.push(("required", Sw::Written(r.clone())));
            }
            op.set("requestBody", false, Sw::ordered(body));
        } else {
            let mut parameter = vec![
                ("in", Sw::c("body")),
                ("name", Sw::Text(name.clone(), true)),
                (
                    "schema",
                    Sw::ordered(vec![("$ref", Sw::c(&format!("#/definitions/{name}")))]),
                ),
            ];
            if let Some(r) = required {
                parameter.push(("required", Sw::Written(r.clone())));
            }
            let mut list = match op.get("parameters") {
                Some(Sw::Seq(items)) => items.clone(),
                _ => Vec::new(),
            };
            // The parameter is printed as the copies the translator's later steps make of it.
            let mut parameter = Sw::map(parameter);
            parameter.recopy();
            list.push(parameter);
            op.set("parameters", false, Sw::Seq(list));
        }
    }
    if let Some((body, params)) = validator {
        add_validator(definition, path, key, body, params);
    }
    Ok(())
}

/// `ValidateBody` and `ValidateParameters` (either set: the other defaults to false); booleans only.
fn validator(
    request: &Node,
    shown: &str,
    method: &str,
    path: &str,
) -> Result<Option<(bool, bool)>, String> {
    let flag = |k: &str| get(request, k).filter(|v| !matches!(v.kind, NodeKind::Null));
    let (body, params) = (flag("ValidateBody"), flag("ValidateParameters"));
    if body.is_none() && params.is_none() {
        return Ok(None);
    }
    let as_bool = |v: Option<&Node>| match v.map(|n| &n.kind) {
        None => Some(false),
        Some(NodeKind::Bool(b)) => Some(*b),
        Some(_) => None,
    };
    match (as_bool(body), as_bool(params)) {
        (Some(b), Some(p)) => Ok(Some((b, p))),
        _ => Err(format!(
            "Unable to set Validator to RequestModel [{shown}] on API method [{method}] for path [{path}] ValidateBody and ValidateParameters must be a boolean type, strings or intrinsics are not supported."
        )),
    }
}

/// The validator named after what it validates, in `x-amazon-apigateway-request-validators` (added once)
/// and on the method.
fn add_validator(definition: &mut Sw, path: &str, key: &str, body: bool, params: bool) {
    let name = match (body, params) {
        (true, true) => "body-and-params",
        (true, false) => "body-only",
        (false, true) => "params-only",
        (false, false) => "no-validation",
    };
    let flag = |b: bool| Sw::Written(Node::new(crate::source::Span::default(), NodeKind::Bool(b)));
    if let Some(validators) = definition.entry("x-amazon-apigateway-request-validators", false)
        && validators.get(name).is_none()
    {
        validators.set(
            name,
            false,
            Sw::map(vec![
                ("validateRequestBody", flag(body)),
                ("validateRequestParameters", flag(params)),
            ]),
        );
    }
    for op in methods_of(definition, path, key) {
        op.set("x-amazon-apigateway-request-validator", false, Sw::c(name));
    }
}

/// The definitions of method `key` of `path` that have an integration.
fn methods_of<'a>(definition: &'a mut Sw, path: &str, key: &str) -> Vec<&'a mut Sw> {
    definition
        .method_defs_mut(path, key)
        .into_iter()
        .filter(|op| op.get("x-amazon-apigateway-integration").is_some())
        .collect()
}

/// A value as Python's `str` prints it in a message (`['a']` for a list).
pub(super) fn py_str(node: &Node, top: bool) -> String {
    match &node.kind {
        NodeKind::Null => "None".into(),
        NodeKind::Bool(b) => if *b { "True" } else { "False" }.into(),
        NodeKind::Number(n) => n.clone(),
        NodeKind::String(s) if top => s.clone(),
        NodeKind::String(s) => format!("'{s}'"),
        NodeKind::Seq(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| py_str(i, false))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        NodeKind::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, e)| format!("'{k}': {}", py_str(&e.value, false)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::source::{Diagnostic, Document, Node};
    use crate::transform::sam::test_support::expand_text;

    use super::super::build::get;
    use super::is_openapi3;

    fn run(request_model: &str, extra: &str) -> (String, Result<Document, Vec<Diagnostic>>) {
        let text = format!(
            "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: i.h\n      Runtime: python3.12\n      CodeUri: s3://bucket/k.zip\n      Events:\n        E:\n          Type: Api\n          Properties:\n            RestApiId: !Ref A\n            Path: /pets\n            Method: post\n            RequestModel: {request_model}\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n{extra}      Models:\n        Pet: {{type: object}}\n"
        );
        let out = expand_text(&text);
        (text, out)
    }

    fn body(out: &Document) -> &Node {
        ["Resources", "A", "Properties", "Body"]
            .iter()
            .try_fold(&out.root, |n, k| get(n, k))
            .expect("a body")
    }

    #[test]
    fn openapi_3_versions_are_recognised_as_the_translator_does() {
        assert!(is_openapi3("3.0") && is_openapi3("3.0.1"));
        assert!(!is_openapi3("3") && !is_openapi3("2.0") && !is_openapi3("3.0.10"));
    }

    #[test]
    fn a_request_model_becomes_a_body_parameter_and_a_validator() {
        let (_, out) = run("{Model: Pet, Required: true, ValidateBody: true}", "");
        let out = out.unwrap();
        let b = body(&out);
        assert!(get(get(b, "definitions").unwrap(), "pet").is_some());
        let op = get(get(get(b, "paths").unwrap(), "/pets").unwrap(), "post").unwrap();
        let parameter = &get(op, "parameters").unwrap().as_seq().unwrap()[0];
        assert_eq!(get(parameter, "in").and_then(Node::as_str), Some("body"));
        assert_eq!(
            get(get(parameter, "schema").unwrap(), "$ref").and_then(Node::as_str),
            Some("#/definitions/pet")
        );
        assert_eq!(
            get(op, "x-amazon-apigateway-request-validator").and_then(Node::as_str),
            Some("body-only")
        );
    }

    #[test]
    fn openapi_3_takes_a_request_body_and_component_schemas() {
        let (_, out) = run("{Model: Pet}", "      OpenApiVersion: '3.0'\n");
        let out = out.unwrap();
        let b = body(&out);
        assert!(get(b, "definitions").is_none());
        let schemas = get(get(b, "components").unwrap(), "schemas").unwrap();
        assert!(get(schemas, "pet").is_some());
        let op = get(get(get(b, "paths").unwrap(), "/pets").unwrap(), "post").unwrap();
        assert!(get(op, "requestBody").is_some());
    }

    #[test]
    fn an_unknown_model_is_reported_at_the_event() {
        let (text, out) = run("{Model: Dog}", "");
        let errors = out.unwrap_err();
        assert!(
            errors[0]
                .message
                .contains("because it wasn't defined in the API's Models")
        );
        let event = text.find("Type: Api").unwrap();
        assert_eq!(errors[0].span.start as usize, event);
    }

    #[test]
    fn a_function_is_reported_once_at_its_first_invalid_event() {
        let (text, _) = run("{Model: Dog}", "");
        let text = text.replace(
            "      Events:\n",
            "      Events:\n        D:\n          Type: Api\n          Properties:\n            RestApiId: !Ref A\n            Path: /dogs\n            Method: get\n            RequestModel: {Model: Cat}\n",
        );
        let errors = expand_text(&text).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("RequestModel [Cat]"));
    }
}
