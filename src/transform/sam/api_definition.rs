//! The definition of a REST API as the transform builds it: the base document of an API without
//! `DefinitionBody`, one path and method per `Api` event (a Lambda proxy integration, or a Step Functions
//! `StartExecution` integration for a state machine), and the
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
    // A streamed response is invoked through Lambda's response-streaming API.
    let (version, invocation) = if e.streaming {
        ("2021-11-15", "response-streaming-invocations")
    } else {
        ("2015-03-31", "invocations")
    };
    let uri = format!(
        "arn:{partition}:apigateway:${{AWS::Region}}:lambda:path/{version}/functions/${{{}}}/{invocation}",
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
        None => {
            let mut entries = vec![
                ("type", text("aws_proxy")),
                ("httpMethod", text("POST")),
                ("uri", map(vec![("Fn::Sub", Sw::Text(uri, uri_unicode))])),
            ];
            if e.streaming {
                entries.push(("responseTransferMode", text("STREAM")));
            }
            map(entries)
        }
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
    // The integration of a conditional function calls it only under its condition.
    let integration = match (&e.condition, integration) {
        (Some(c), mut i) => {
            if let Some(uri) = i.get("uri").cloned() {
                i.set("uri", written, Sw::only_if(c, true, uri));
            }
            i
        }
        (None, i) => i,
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
    // The method of a conditional function exists only under its condition.
    if let Some(c) = &e.condition
        && let Some(op) = definition
            .get_mut("paths")
            .and_then(|p| p.get_mut(&e.path))
            .and_then(|p| p.get_mut(&method))
    {
        let inner = std::mem::replace(op, Sw::Seq(Vec::new()));
        *op = Sw::only_if(c, true, inner);
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

/// Every HTTP method an `any` method stands for, with `OPTIONS`, as CORS lists them.
const ALL_METHODS: &str = "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT";

/// What `Cors` configures: the values of the CORS response headers (`None` when not set).
pub(super) struct Cors {
    /// `None`: any origin (`'*'`).
    pub origin: Option<Node>,
    pub methods: Option<Node>,
    pub headers: Option<Node>,
    pub max_age: Option<Node>,
    pub credentials: bool,
}

/// Adds the CORS pre-flight `options` method (a mock integration answering with the CORS headers) to every
/// path of the definition that does not have one.
pub(super) fn add_cors(definition: &mut Sw, cors: &Cors) {
    let Some(Sw::Map(paths)) = definition.get_mut("paths") else {
        return;
    };
    for methods in paths.iter_mut().flat_map(|(_, _, m)| m.path_items_mut()) {
        let Sw::Map(entries) = methods else {
            continue;
        };
        if entries
            .iter()
            .any(|(k, _, _)| k.eq_ignore_ascii_case("options"))
        {
            continue;
        }
        let allowed = match &cors.methods {
            Some(m) => Sw::Written(m.clone()),
            None => {
                let mut names: Vec<String> = entries
                    .iter()
                    .map(|(k, _, _)| k.to_ascii_uppercase())
                    .filter(|k| {
                        k != "PARAMETERS" && !k.starts_with("X-AMAZON-APIGATEWAY-")
                            || k == "X-AMAZON-APIGATEWAY-ANY-METHOD"
                    })
                    .collect();
                let text = if names.iter().any(|n| n == "X-AMAZON-APIGATEWAY-ANY-METHOD") {
                    ALL_METHODS.to_owned()
                } else {
                    names.push("OPTIONS".into());
                    names.sort();
                    names.dedup();
                    names.join(",")
                };
                Sw::c(&format!("'{text}'"))
            }
        };
        // Insertion orders that give the translator's (Python 2.7) iteration orders.
        let string = || Sw::map(vec![("type", Sw::c("string"))]);
        let prefix = "method.response.header.";
        let origin = || {
            cors.origin
                .clone()
                .map_or_else(|| Sw::c("'*'"), Sw::Written)
        };
        let mut parameters: Vec<(String, Sw)> =
            vec![(format!("{prefix}Access-Control-Allow-Origin"), origin())];
        if let Some(m) = &cors.max_age {
            parameters.push((
                format!("{prefix}Access-Control-Max-Age"),
                Sw::Written(m.clone()),
            ));
        }
        parameters.push((format!("{prefix}Access-Control-Allow-Methods"), allowed));
        let mut headers: Vec<(&str, Sw)> = vec![("Access-Control-Allow-Origin", string())];
        if cors.headers.is_some() {
            headers.push(("Access-Control-Allow-Headers", string()));
        }
        headers.push(("Access-Control-Allow-Methods", string()));
        if cors.max_age.is_some() {
            headers.push((
                "Access-Control-Max-Age",
                Sw::map(vec![("type", Sw::c("integer"))]),
            ));
        }
        if cors.credentials {
            parameters.push((
                format!("{prefix}Access-Control-Allow-Credentials"),
                Sw::c("'true'"),
            ));
            headers.push(("Access-Control-Allow-Credentials", string()));
        }
        if let Some(h) = &cors.headers {
            parameters.push((
                format!("{prefix}Access-Control-Allow-Headers"),
                Sw::Written(h.clone()),
            ));
        }
        let parameters = Sw::Map(parameters.into_iter().map(|(k, v)| (k, false, v)).collect());
        // Keys in an insertion order that gives the translator's (Python 2.7) iteration order.
        let integration = Sw::map(vec![
            (
                "requestTemplates",
                Sw::map(vec![(
                    "application/json",
                    Sw::c("{\n  \"statusCode\" : 200\n}\n"),
                )]),
            ),
            ("type", Sw::c("mock")),
            (
                "responses",
                Sw::map(vec![(
                    "default",
                    Sw::map(vec![
                        ("responseParameters", parameters),
                        ("statusCode", Sw::c("200")),
                        (
                            "responseTemplates",
                            Sw::map(vec![("application/json", Sw::c("{}\n"))]),
                        ),
                    ]),
                )]),
            ),
        ]);
        let options = Sw::map(vec![
            ("produces", Sw::Seq(vec![Sw::c("application/json")])),
            ("x-amazon-apigateway-integration", integration),
            (
                "responses",
                Sw::map(vec![(
                    "200",
                    Sw::map(vec![
                        ("description", Sw::c("Default response for CORS method")),
                        ("headers", Sw::map(headers)),
                    ]),
                )]),
            ),
            ("consumes", Sw::Seq(vec![Sw::c("application/json")])),
            ("summary", Sw::c("CORS support")),
        ]);
        entries.push(("options".to_owned(), false, options));
    }
}

/// `GatewayResponses` as the definition's `x-amazon-apigateway-gateway-responses`: for each response type
/// its status code, templates and `gatewayresponse.{header,path,querystring}.*` parameters. Errors are
/// the translator's sentences.
pub(super) fn gateway_responses(node: &Node) -> Result<Sw, String> {
    let intrinsic = "Unable to set GatewayResponses attribute because intrinsic functions are not supported for this field.";
    if super::build::is_intrinsic(node) {
        return Err(intrinsic.into());
    }
    let Some(responses) = node.as_map() else {
        return Err("Property 'GatewayResponses' should be a map.".into());
    };
    let mut out = Vec::new();
    for (kind, e) in responses.iter() {
        let r = &e.value;
        if super::build::is_intrinsic(r) {
            return Err(intrinsic.into());
        }
        let get = |k: &str| r.as_map().and_then(|m| m.get(k));
        let mut parameters = Vec::new();
        if let Some(p) = get("ResponseParameters") {
            let Some(p) = p.as_map() else {
                return Err(intrinsic.into());
            };
            for (group, g) in p.iter() {
                let prefix = match group {
                    "Headers" => "header",
                    "Paths" => "path",
                    "QueryStrings" => "querystring",
                    other => return Err(format!("Invalid gateway response parameter '{other}'")),
                };
                let Some(values) = g.value.as_map() else {
                    return Err(intrinsic.into());
                };
                for (name, v) in values.iter() {
                    parameters.push((
                        format!("gatewayresponse.{prefix}.{name}"),
                        true,
                        Sw::Written(v.value.clone()),
                    ));
                }
            }
        }
        // Inserted in an order that gives the translator's (Python 2.7) iteration order.
        let mut entry = Vec::new();
        if let Some(code) = get("StatusCode") {
            let text = code.scalar_text().filter(|t| t.parse::<u32>().is_ok());
            let Some(text) = text else {
                return Err("Property 'StatusCode' must be numeric".into());
            };
            entry.push(("statusCode".to_owned(), false, Sw::c(&text)));
        }
        entry.push(("responseParameters".to_owned(), false, Sw::Map(parameters)));
        let templates = get("ResponseTemplates").map_or_else(|| Sw::Map(Vec::new()), Sw::from_node);
        entry.push(("responseTemplates".to_owned(), false, templates));
        out.push((kind.to_owned(), true, Sw::Map(entry)));
    }
    Ok(Sw::Map(out))
}

#[cfg(test)]
mod tests {
    use crate::source::Node;
    use crate::transform::sam::test_support::expand_text;

    use super::super::build::get;

    #[test]
    fn a_streamed_response_uses_the_response_streaming_invocation() {
        let text = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: i.h\n      Runtime: nodejs20.x\n      CodeUri: s3://bucket/k.zip\n      Events:\n        S:\n          Type: Api\n          Properties:\n            Path: /s\n            Method: post\n            ResponseTransferMode: RESPONSE_STREAM\n";
        let out = expand_text(text).expect("expands");
        let integration = [
            "Resources",
            "ServerlessRestApi",
            "Properties",
            "Body",
            "paths",
            "/s",
            "post",
            "x-amazon-apigateway-integration",
        ]
        .iter()
        .try_fold(&out.root, |n, k| get(n, k))
        .expect("an integration");
        assert_eq!(
            get(integration, "responseTransferMode").and_then(Node::as_str),
            Some("STREAM")
        );
        let uri = get(get(integration, "uri").unwrap(), "Fn::Sub")
            .and_then(Node::as_str)
            .unwrap();
        assert!(uri.contains("/2021-11-15/") && uri.ends_with("/response-streaming-invocations"));
    }
}
