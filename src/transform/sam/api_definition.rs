//! The definition of a REST API as the transform builds it: the base document of an API without
//! `DefinitionBody`, one path and method per `Api` event (a Lambda proxy integration, or a Step Functions
//! `StartExecution` integration for a state machine), the OpenAPI 3 move of `securityDefinitions`, and the
//! S3 location as the translator hashes it. It never creates resources.

use crate::source::Node;

use super::api::ApiEvent;
use super::swagger::Sw;

/// The definition of an API without `DefinitionBody`.
pub(super) fn base_definition() -> Sw {
    Sw::map(vec![
        ("swagger", Sw::c("2.0")),
        (
            "info",
            Sw::map(vec![
                ("version", Sw::c("1.0")),
                ("title", Sw::map(vec![("Ref", Sw::c("AWS::StackName"))])),
            ]),
        ),
        ("paths", Sw::Map(Vec::new())),
    ])
}

/// Adds the Lambda proxy integration of event `e` to the definition. `written` says whether the definition
/// came from `DefinitionBody` (the translator then holds everything it adds as unicode text).
pub(super) fn add_path(definition: &mut Sw, e: &ApiEvent, partition: &str, written: bool) {
    let method = if e.method == "any" {
        "x-amazon-apigateway-any-method".to_owned()
    } else {
        e.method.clone()
    };
    let uri = format!(
        "arn:{partition}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{}}}/invocations",
        e.invoke
    );
    let uri_unicode = written || e.invoke.ends_with(".Arn");
    let text = |t: &str| Sw::Text(t.to_owned(), written);
    let map = |entries: Vec<(&str, Sw)>| {
        Sw::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), written, v))
                .collect(),
        )
    };
    let integration = match &e.state_machine {
        None => map(vec![
            ("type", text("aws_proxy")),
            ("httpMethod", text("POST")),
            ("uri", map(vec![("Fn::Sub", Sw::Text(uri, uri_unicode))])),
        ]),
        Some((machine, role, unescape)) => {
            let input = if *unescape {
                "$util.escapeJavaScript($input.json('$')).replaceAll(\"\\\\'\",\"'\")"
            } else {
                "$util.escapeJavaScript($input.json('$'))"
            };
            let template =
                format!("{{\"input\": \"{input}\", \"stateMachineArn\": \"${{{machine}}}\"}}");
            let status = |code: &str| map(vec![("statusCode", text(code))]);
            map(vec![
                ("type", text("aws")),
                ("httpMethod", text("POST")),
                (
                    "uri",
                    map(vec![(
                        "Fn::Sub",
                        text(
                            "arn:${AWS::Partition}:apigateway:${AWS::Region}:states:action/StartExecution",
                        ),
                    )]),
                ),
                (
                    "credentials",
                    map(vec![("Fn::GetAtt", Sw::Seq(vec![text(role), text("Arn")]))]),
                ),
                (
                    "requestTemplates",
                    map(vec![(
                        "application/json",
                        map(vec![("Fn::Sub", text(&template))]),
                    )]),
                ),
                (
                    "responses",
                    map(vec![("200", status("200")), ("400", status("400"))]),
                ),
            ])
        }
    };
    let Some(paths) = definition.entry("paths", written) else {
        return;
    };
    let Some(path) = paths.entry(&e.path, true) else {
        return;
    };
    let Some(op) = path.entry(&method, written || e.method != "any") else {
        return;
    };
    op.set("x-amazon-apigateway-integration", written, integration);
    if op.get("responses").is_none() {
        let responses = if e.state_machine.is_some() {
            let described = |d: &str| {
                Sw::Map(vec![(
                    "description".to_owned(),
                    written,
                    Sw::Text(d.to_owned(), written),
                )])
            };
            Sw::Map(vec![
                ("200".to_owned(), written, described("OK")),
                ("400".to_owned(), written, described("Bad Request")),
            ])
        } else {
            Sw::Map(Vec::new())
        };
        op.set("responses", written, responses);
    }
}

/// OpenAPI 3 has no `securityDefinitions`: they move to `components.securitySchemes`.
pub(super) fn openapi3_security(definition: &mut Sw) {
    let is_v3 = matches!(definition.get("openapi"), Some(Sw::Written(n)) if n.scalar_text().is_some_and(|v| v.starts_with('3')));
    if !is_v3 {
        return;
    }
    let Sw::Map(entries) = definition else {
        return;
    };
    let Some(pos) = entries
        .iter()
        .position(|(k, _, _)| k == "securityDefinitions")
    else {
        return;
    };
    let (_, _, schemes) = entries.remove(pos);
    if let Some(components) = definition.entry("components", false) {
        components.set("securitySchemes", false, schemes);
    }
}

/// `BodyS3Location` as the translator held it when hashing.
pub(super) fn location_sw(location: &Node) -> Sw {
    match location.as_map() {
        Some(m) => Sw::Map(
            m.iter()
                .map(|(k, e)| (k.to_owned(), false, Sw::from_node(&e.value)))
                .collect(),
        ),
        None => Sw::Written(location.clone()),
    }
}
