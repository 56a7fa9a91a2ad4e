//! The routes `HttpApi` events add to an HTTP API's OpenAPI definition: the Lambda proxy integration, the
//! path parameters, and how a route the definition already has is completed rather than replaced. It does
//! not decide which events belong to which API (`httpapi.rs`) nor their authorizers (`httpapi_auth.rs`).

use crate::source::Node;

use super::build::{B, Obj, get};
use super::httpapi::HttpEvent;

/// Adds event `e`'s route (the default route when it has no path and method).
/// `slash_default`: the default route's path is `/$default`.
/// Returns the path and method of the route added.
pub(super) fn add_route(
    paths: &mut Obj,
    e: &HttpEvent,
    slash_default: bool,
    b: B,
) -> Option<(String, String)> {
    let uri = format!(
        "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{}}}/invocations",
        e.invoke
    );
    let mut integration = Obj::new();
    integration.insert("type".into(), b.s("aws_proxy"));
    integration.insert("httpMethod".into(), b.s("POST"));
    integration.insert("uri".into(), b.call("Fn::Sub", b.s(uri)));
    integration.insert(
        "payloadFormatVersion".into(),
        e.payload.clone().unwrap_or_else(|| b.s("2.0")),
    );
    if let Some(t) = &e.timeout {
        integration.insert("timeoutInMillis".into(), t.clone());
    }
    let (path, method) = (route_path(e, slash_default), route_method(e));
    let mut methods = paths
        .get(&path)
        .map(super::build::to_obj)
        .unwrap_or_default();
    // A route the definition integrates already keeps its integration; the event's timeout and payload
    // format version, when given, still apply.
    if let Some(existing) = methods.get(&method)
        && let Some(written) = get(existing, "x-amazon-apigateway-integration")
    {
        if written.as_map().is_some() && (e.payload.is_some() || e.timeout.is_some()) {
            let mut written = super::build::to_obj(written);
            if let Some(p) = &e.payload {
                written.insert("payloadFormatVersion".into(), p.clone());
            }
            if let Some(t) = &e.timeout {
                written.insert("timeoutInMillis".into(), t.clone());
            }
            let mut op = super::build::to_obj(existing);
            op.insert("x-amazon-apigateway-integration".into(), b.obj(written));
            methods.insert(method.clone(), b.obj(op));
            paths.insert(path, b.obj(methods));
        }
        return None;
    }
    // A route written without an integration keeps what it has (security, parameters, responses...).
    let mut op = methods
        .get(&method)
        .map(super::build::to_obj)
        .unwrap_or_default();
    op.insert("x-amazon-apigateway-integration".into(), b.obj(integration));
    match &e.route {
        Some((p, _)) => {
            let params = path_parameters(p, op.get("parameters"), b);
            if !params.is_empty() {
                op.insert("parameters".into(), b.seq(params));
            }
        }
        None => {
            op.insert("isDefaultRoute".into(), b.bool(true));
        }
    }
    if !op.contains_key("responses") {
        op.insert("responses".into(), b.map(Vec::<(&str, Node)>::new()));
    }
    methods.insert(method.clone(), b.obj(op));
    paths.insert(path.clone(), b.obj(methods));
    Some((path, method))
}

/// The path of event `e`'s route (`$default` or `/$default` for the default route).
fn route_path(e: &HttpEvent, slash_default: bool) -> String {
    match &e.route {
        Some((path, _)) => path.clone(),
        None if slash_default => "/$default".to_owned(),
        None => "$default".to_owned(),
    }
}

/// The definition's method key of event `e`'s route.
fn route_method(e: &HttpEvent) -> String {
    match &e.route {
        Some((_, method)) if method != "any" => method.clone(),
        _ => "x-amazon-apigateway-any-method".to_owned(),
    }
}

/// The parameters of a route with `path`: each `{name}` in it is a required path parameter. A parameter
/// the definition `written` with that name already becomes it (keeping its other settings); the others
/// are added after the written ones.
fn path_parameters(path: &str, written: Option<&Node>, b: B) -> Vec<Node> {
    let mut out: Vec<Node> = written
        .and_then(Node::as_seq)
        .map(<[Node]>::to_vec)
        .unwrap_or_default();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            break;
        };
        let name = &after[..close];
        rest = &after[close + 1..];
        match out
            .iter()
            .position(|p| get(p, "name").and_then(Node::as_str) == Some(name))
        {
            Some(i) => {
                let mut p = super::build::to_obj(&out[i]);
                p.insert("in".into(), b.s("path"));
                p.insert("required".into(), b.bool(true));
                out[i] = B::new(out[i].span).obj(p);
            }
            None => out.push(b.map([
                ("in", b.s("path")),
                ("name", b.s(name)),
                ("required", b.bool(true)),
            ])),
        }
    }
    out
}

/// Sets the `security` of route `method` of `path`, before its `responses`.
pub(super) fn set_security(paths: &mut Obj, path: &str, method: &str, security: Node, b: B) {
    let mut methods = paths
        .get(path)
        .map(super::build::to_obj)
        .unwrap_or_default();
    let mut op = methods
        .get(method)
        .map(super::build::to_obj)
        .unwrap_or_default();
    op.insert("security".into(), security);
    methods.insert(method.to_owned(), b.obj(op));
    paths.insert(path.to_owned(), b.obj(methods));
}

#[cfg(test)]
mod tests {
    use crate::source::emit;
    use crate::transform::sam::test_support::expand_text;

    use super::super::build::get;

    fn paths(text: &str) -> serde_json::Value {
        let out = expand_text(text).expect("expands");
        let api = get(get(&out.root, "Resources").unwrap(), "H").unwrap();
        let body = get(get(api, "Properties").unwrap(), "Body").unwrap();
        emit::to_serde(get(body, "paths").unwrap())
    }

    const HEAD: &str = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: s3://b/k\n      Handler: h\n      Runtime: python3.12\n      Events:\n";
    const API: &str = "  H:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      DefinitionBody:\n        openapi: 3.0.1\n        info: {title: t}\n        paths:\n";

    #[test]
    fn a_written_route_without_integration_keeps_its_settings_and_parameters() {
        let text = format!(
            "{HEAD}        B: {{Type: HttpApi, Properties: {{ApiId: !Ref H, Path: '/b/{{x}}/{{y+}}', Method: get}}}}\n{API}          /b/{{x}}/{{y+}}:\n            get:\n              description: keep\n              parameters:\n              - {{name: x, in: query, description: d}}\n              - {{name: q, in: query}}\n"
        );
        let op = &paths(&text)["/b/{x}/{y+}"]["get"];
        assert_eq!(op["description"], "keep");
        assert_eq!(
            op["parameters"],
            serde_json::json!([
                {"name": "x", "in": "path", "description": "d", "required": true},
                {"name": "q", "in": "query"},
                {"in": "path", "name": "y+", "required": true}
            ])
        );
        assert_eq!(op["responses"], serde_json::json!({}));
        assert_eq!(op["x-amazon-apigateway-integration"]["type"], "aws_proxy");
    }

    #[test]
    fn a_written_integration_stays_but_takes_the_events_timeout() {
        let text = format!(
            "{HEAD}        A: {{Type: HttpApi, Properties: {{ApiId: !Ref H, Path: /a, Method: get, TimeoutInMillis: 5}}}}\n{API}          /a:\n            get:\n              x-amazon-apigateway-integration: {{type: http_proxy, uri: 'https://x', timeoutInMillis: 1}}\n"
        );
        assert_eq!(
            paths(&text)["/a"]["get"],
            serde_json::json!({"x-amazon-apigateway-integration": {"type": "http_proxy", "uri": "https://x", "timeoutInMillis": 5}})
        );
    }
}
