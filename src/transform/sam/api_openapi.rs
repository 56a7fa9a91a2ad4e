//! OpenAPI 3 in a REST API's definition (and where `DisableExecuteApiEndpoint` goes in it): `OpenApiVersion` 3 turns the definition the transform writes into
//! an OpenAPI document (`openapi` replaces `swagger`), and the translator's post-processing moves what
//! Swagger 2 keeps at the top (`securityDefinitions`, `definitions`) under `components`, drops `consumes`
//! and `produces` from CORS `options` methods and puts their response headers under `schema`. The
//! post-processing runs after each step that does it in the translator (auth, models, the end), so headers
//! can end up wrapped more than once, as there. It never creates resources.

use crate::source::{Node, NodeKind};

use super::api_models::is_openapi3;
use super::swagger::Sw;

/// Makes a definition the transform writes an OpenAPI 3 document when `OpenApiVersion` says 3.x.
pub(super) fn switch_version(definition: &mut Sw, version: Option<&Node>) {
    let Some(version) = version else {
        return;
    };
    let Some(text) = version.scalar_text() else {
        return;
    };
    if !is_openapi3(&text) {
        return;
    }
    // A version written as a number becomes the translator's text.
    let value = match &version.kind {
        NodeKind::Number(n) => Sw::c(n),
        _ => Sw::Written(version.clone()),
    };
    definition.set("openapi", false, value);
    if definition.get("swagger").is_some_and(truthy) {
        let _ = definition.remove("swagger");
    }
}

/// The translator's OpenAPI 3 post-processing of a definition (nothing for a Swagger 2 one). `version`
/// is `OpenApiVersion` as text.
pub(super) fn postprocess(definition: &mut Sw, version: Option<&str>) -> Result<(), String> {
    if definition.get("swagger").is_some_and(|s| !is_null(s)) {
        return Ok(());
    }
    let normalized = match (definition.get("openapi"), version) {
        (Some(v), None) => text_of(v),
        (_, v) => v.map(str::to_owned),
    };
    if !normalized.is_some_and(|v| is_openapi3(&v)) {
        return Ok(());
    }
    move_to_components(definition, "securityDefinitions", "securitySchemes");
    move_to_components(definition, "definitions", "schemas");
    let paths: Vec<String> = match definition.get("paths") {
        Some(p) if truthy(p) => p.keys_in_order().into_iter().map(str::to_owned).collect(),
        _ => return Ok(()),
    };
    for path in paths {
        let Some(item) = definition.get_mut("paths").and_then(|p| p.get_mut(&path)) else {
            continue;
        };
        if !matches!(item, Sw::Map(_) | Sw::Ordered(_)) {
            return Err(format!(
                "Value of '{path}' path must be a dictionary according to Swagger spec."
            ));
        }
        let Some(options) = item.get_mut("options").filter(|o| truthy(o)) else {
            continue;
        };
        if !matches!(options, Sw::Map(_) | Sw::Ordered(_)) {
            return Err(format!(
                "Value of options method for path {path} must be a dictionary according to Swagger spec."
            ));
        }
        for field in ["produces", "consumes"] {
            let _ = options.remove(field);
        }
        wrap_headers(options, &path)?;
    }
    Ok(())
}

/// `DisableExecuteApiEndpoint`: in every server of an OpenAPI 3 definition (one server when none is
/// written), or at the top of a Swagger 2 one, `x-amazon-apigateway-endpoint-configuration` gets
/// `disableExecuteApiEndpoint`.
pub(super) fn endpoint_extension(definition: &mut Sw, value: &Node) -> Result<(), String> {
    const EXTENSION: &str = "x-amazon-apigateway-endpoint-configuration";
    let set = |target: &mut Sw| -> Result<(), &'static str> {
        if let Sw::Written(n) = target
            && n.as_map().is_some()
        {
            *target = Sw::from_node(n);
        }
        if !matches!(target, Sw::Map(_) | Sw::Ordered(_)) {
            return Err("It should be a map");
        }
        if target.get(EXTENSION).is_none() {
            target.set(EXTENSION, false, Sw::Ordered(Vec::new()));
        }
        let Some(extension) = target.get_mut(EXTENSION) else {
            return Ok(());
        };
        if let Sw::Written(n) = extension
            && n.as_map().is_some()
        {
            *extension = Sw::from_node(n);
        }
        if !matches!(extension, Sw::Map(_) | Sw::Ordered(_)) {
            return Err(
                "The value of 'x-amazon-apigateway-endpoint-configuration' should be a map",
            );
        }
        extension.set(
            "disableExecuteApiEndpoint",
            false,
            Sw::Written(value.clone()),
        );
        Ok(())
    };
    let openapi3 = definition
        .get("openapi")
        .and_then(text_of)
        .is_some_and(|v| is_openapi3(&v));
    if !openapi3 {
        return set(definition).map_err(|m| format!("Invalid OpenAPI definition: {m}."));
    }
    let mut servers = match definition.get("servers") {
        None => vec![Sw::Map(Vec::new())],
        Some(Sw::Seq(items)) => items.clone(),
        Some(Sw::Written(n)) => match n.as_seq() {
            Some(items) => items.iter().map(Sw::from_node).collect(),
            None => return Ok(()),
        },
        Some(_) => return Ok(()),
    };
    for (index, server) in servers.iter_mut().enumerate() {
        set(server)
            .map_err(|m| format!("Invalid OpenAPI definition of 'servers[{index}]': {m}."))?;
    }
    definition.set("servers", false, Sw::Seq(servers));
    Ok(())
}

/// `key` of the definition moved to `components.<under>` (components created when absent).
fn move_to_components(definition: &mut Sw, key: &str, under: &str) {
    let Some(value) = definition.get(key).filter(|v| truthy(v)).cloned() else {
        return;
    };
    if definition.get("components").is_none_or(|c| !truthy(c)) {
        definition.set("components", false, Sw::Map(Vec::new()));
    }
    if let Some(components) = definition.get_mut("components") {
        if let Sw::Written(n) = components {
            *components = Sw::from_node(n);
        }
        components.set(under, false, value);
    }
    let _ = definition.remove(key);
}

/// The `200` response headers of an `options` method, each put under `schema`.
fn wrap_headers(options: &mut Sw, path: &str) -> Result<(), String> {
    let Some(responses) = options.get_mut("responses") else {
        return Ok(());
    };
    if let Sw::Written(n) = responses {
        if matches!(n.kind, NodeKind::Null) {
            return Ok(());
        }
        *responses = Sw::from_node(n);
    }
    if !matches!(responses, Sw::Map(_) | Sw::Ordered(_)) {
        return Err(format!(
            "Invalid responses in options method for path {path}: It should be a map."
        ));
    }
    let Some(ok) = responses.get_mut("200") else {
        return Ok(());
    };
    if is_null(ok) {
        return Ok(());
    }
    if !matches!(ok, Sw::Map(_) | Sw::Ordered(_)) {
        return Err(format!(
            "Invalid responses in options method for path {path}: The value of '200' should be a map."
        ));
    }
    let Some(headers) = ok.get_mut("headers").filter(|h| truthy(h)) else {
        return Ok(());
    };
    if !matches!(headers, Sw::Map(_) | Sw::Ordered(_)) {
        return Err(format!(
            "Value of response's headers in options method for path {path} must be a dictionary according to Swagger spec."
        ));
    }
    for name in headers
        .keys_in_order()
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>()
    {
        if let Some(value) = headers.get_mut(&name) {
            let old = std::mem::replace(value, Sw::Seq(Vec::new()));
            *value = Sw::map(vec![("schema", old)]);
        }
    }
    Ok(())
}

fn text_of(sw: &Sw) -> Option<String> {
    match sw {
        Sw::Text(t, _) => Some(t.clone()),
        Sw::Written(n) => n.scalar_text().map(|t| t.into_owned()),
        _ => None,
    }
}

fn is_null(sw: &Sw) -> bool {
    matches!(sw, Sw::Written(n) if matches!(n.kind, NodeKind::Null))
}

/// Python's truth of a value.
fn truthy(sw: &Sw) -> bool {
    match sw {
        Sw::Text(t, _) => !t.is_empty(),
        Sw::Written(n) => {
            !super::api_policy::is_empty(n)
                && !matches!(n.kind, NodeKind::Number(ref x) if x == "0")
        }
        Sw::Map(e) | Sw::Ordered(e) => e.iter().any(|(_, _, v)| !matches!(v, Sw::Gone(_))),
        Sw::Seq(items) => !items.is_empty(),
        Sw::Gone(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::swagger::Sw;
    use super::postprocess;

    fn options() -> Sw {
        Sw::map(vec![
            ("consumes", Sw::Seq(vec![Sw::c("application/json")])),
            (
                "responses",
                Sw::map(vec![(
                    "200",
                    Sw::map(vec![(
                        "headers",
                        Sw::map(vec![("Allow", Sw::map(vec![("type", Sw::c("string"))]))]),
                    )]),
                )]),
            ),
        ])
    }

    #[test]
    fn openapi_3_options_lose_consumes_and_get_header_schemas() {
        let mut d = Sw::map(vec![
            ("openapi", Sw::c("3.0.1")),
            (
                "paths",
                Sw::map(vec![("/a", Sw::map(vec![("options", options())]))]),
            ),
            ("securityDefinitions", Sw::map(vec![("k", Sw::map(vec![]))])),
        ]);
        postprocess(&mut d, None).unwrap();
        let op = d
            .get("paths")
            .and_then(|p| p.get("/a"))
            .and_then(|p| p.get("options"))
            .unwrap();
        assert!(op.get("consumes").is_none());
        let header = op
            .get("responses")
            .and_then(|r| r.get("200"))
            .and_then(|r| r.get("headers"))
            .and_then(|h| h.get("Allow"))
            .unwrap();
        assert!(header.get("schema").and_then(|s| s.get("type")).is_some());
        assert!(d.get("securityDefinitions").is_none());
        assert!(
            d.get("components")
                .and_then(|c| c.get("securitySchemes"))
                .is_some()
        );
    }

    #[test]
    fn a_swagger_2_definition_is_left_alone() {
        let mut d = Sw::map(vec![
            ("swagger", Sw::c("2.0")),
            (
                "paths",
                Sw::map(vec![("/a", Sw::map(vec![("options", options())]))]),
            ),
        ]);
        postprocess(&mut d, Some("3.0")).unwrap();
        let op = d
            .get("paths")
            .and_then(|p| p.get("/a"))
            .and_then(|p| p.get("options"))
            .unwrap();
        assert!(op.get("consumes").is_some());
    }

    #[test]
    fn the_execute_api_switch_goes_to_the_servers_of_openapi_3_and_the_top_of_swagger_2() {
        use crate::source::{Node, NodeKind, Span};
        let on = Node::new(Span::default(), NodeKind::Bool(true));
        let mut v3 = Sw::map(vec![
            ("openapi", Sw::c("3.0.1")),
            ("paths", Sw::map(vec![])),
        ]);
        super::endpoint_extension(&mut v3, &on).unwrap();
        let Some(Sw::Seq(servers)) = v3.get("servers") else {
            panic!("servers are written");
        };
        assert!(
            servers[0]
                .get("x-amazon-apigateway-endpoint-configuration")
                .is_some()
        );
        let mut v2 = Sw::map(vec![("swagger", Sw::c("2.0")), ("paths", Sw::map(vec![]))]);
        super::endpoint_extension(&mut v2, &on).unwrap();
        assert!(v2.get("servers").is_none());
        assert!(
            v2.get("x-amazon-apigateway-endpoint-configuration")
                .is_some()
        );
    }

    #[test]
    fn a_server_that_is_not_a_mapping_is_refused() {
        use crate::source::{Node, NodeKind, Span};
        let on = Node::new(Span::default(), NodeKind::Bool(true));
        let mut v3 = Sw::map(vec![
            ("openapi", Sw::c("3.0.1")),
            ("servers", Sw::Seq(vec![Sw::c("x")])),
        ]);
        let m = super::endpoint_extension(&mut v3, &on).unwrap_err();
        assert_eq!(
            m,
            "Invalid OpenAPI definition of 'servers[0]': It should be a map."
        );
    }
}
