//! An HTTP API's inline `DefinitionBody` that is not an OpenAPI 3 document (no `openapi: 3.x` version, or
//! `paths` that are not a mapping): the translator passes it on untouched when it has nothing to add,
//! and refuses the API when events or settings need to be written into it. It decides only that; the
//! API itself is built by `httpapi.rs`.

use crate::source::{Mapping, Node, NodeKind};

use super::Serverless;
use super::build::{get, is_intrinsic};
use super::errors::SamError;

/// Whether `body` is an OpenAPI document the transform can write routes and settings into.
pub(super) fn is_openapi(body: &Node) -> bool {
    let version = match get(body, "openapi").map(|v| &v.kind) {
        Some(NodeKind::String(s) | NodeKind::Number(s)) => s.as_str(),
        _ => return false,
    };
    let minor = version.strip_prefix("3.").map(|rest| {
        let mut parts = rest.splitn(2, '.');
        let digits = |p: Option<&str>| {
            p.is_some_and(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
        };
        let first = parts.next();
        digits(first) && parts.next().is_none_or(|p| digits(Some(p)))
    });
    minor == Some(true) && matches!(get(body, "paths").map(|p| &p.kind), Some(NodeKind::Map(_)))
}

/// Whether HTTP API `api` (as written) has an inline definition the transform cannot add routes to.
fn refuses_routes(api: &Node) -> bool {
    let Some(props) = get(api, "Properties") else {
        return false;
    };
    get(api, "Type").and_then(Node::as_str) == Some("AWS::Serverless::HttpApi")
        && get(props, "Name").is_none()
        && get(props, "DefinitionBody")
            .is_some_and(|d| is_intrinsic(d) || d.as_map().is_none() || !is_openapi(d))
}

/// Whether a function's `HttpApi` event fails on HTTP API `api_id`'s definition: each function's events
/// are visited in the order of their names and the first that fails stops the function's visit, so an
/// API is reported only when some function fails on it first.
pub(super) fn routes_refused(input: &Mapping, api_id: &str) -> bool {
    input.iter().any(|(_, entry)| {
        let r = &entry.value;
        if get(r, "Type").and_then(Node::as_str) != Some("AWS::Serverless::Function") {
            return false;
        }
        let Some(events) = get(r, "Properties")
            .and_then(|p| get(p, "Events"))
            .and_then(Node::as_map)
        else {
            return false;
        };
        let mut sorted: Vec<(&str, &Node)> = events.iter().map(|(k, e)| (k, &e.value)).collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let first_failing = sorted.into_iter().find_map(|(_, e)| {
            if get(e, "Type").and_then(Node::as_str) != Some("HttpApi") {
                return None;
            }
            let target = get(e, "Properties")
                .and_then(super::httpapi::api_of)
                .filter(|a| a != super::httpapi::IMPLICIT)?;
            input
                .get(&target)
                .is_some_and(refuses_routes)
                .then_some(target)
        });
        first_failing.as_deref() == Some(api_id)
    })
}

const NOT_OPENAPI: &str = "Invalid OpenApi document. Invalid values or missing keys for 'openapi' or 'paths' in 'DefinitionBody'.";

/// Why API `r`, whose written definition is not OpenAPI, cannot be expanded: routes cannot be added to
/// it (`routes`, see [`routes_refused`]), and the first of its settings that must be written into it.
/// Empty when the definition can be passed on as written.
pub(super) fn refusals(r: &Serverless, routes: bool) -> Vec<SamError> {
    let span = r.span_of("DefinitionBody");
    let mut out = Vec::new();
    if routes {
        out.push(SamError::resource(
            r.id,
            span,
            format!("Structure of the SAM template is invalid. {NOT_OPENAPI}"),
        ));
    }
    let setting = |key: &str| r.prop(key).map(|n| n.span);
    let refused = |what: &str| {
        format!(
            "Unable to add {what} because 'DefinitionBody' does not contain a valid OpenApi definition."
        )
    };
    if let Some(s) = setting("CorsConfiguration") {
        out.push(SamError::resource(r.id, s, refused("Cors configuration")));
    } else if let Some(s) = setting("Auth") {
        out.push(SamError::resource(r.id, s, refused("Auth configuration")));
    } else if let Some(s) = setting("Tags") {
        out.push(SamError::resource(r.id, s, refused("`Tags`")));
    } else if let Some(s) = setting("DisableExecuteApiEndpoint").or_else(|| setting("Description"))
    {
        out.push(SamError::structure(s, NOT_OPENAPI));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::is_openapi;
    use crate::transform::sam::test_support::loaded;

    fn openapi(text: &str) -> bool {
        let doc = loaded(text);
        is_openapi(&doc.root)
    }

    #[test]
    fn only_openapi_3_versions_with_paths_are_openapi() {
        assert!(openapi("{openapi: '3.0.1', paths: {}}"));
        assert!(openapi("{openapi: 3.0, paths: {}}"));
        assert!(openapi("{openapi: '3.1', paths: {}}"));
        assert!(!openapi("{openapi: '3', paths: {}}"));
        assert!(!openapi("{openapi: '2.0', paths: {}}"));
        assert!(!openapi("{swagger: '2.0', paths: {}}"));
        assert!(!openapi("{openapi: '3.0.1', paths: []}"));
        assert!(!openapi("{openapi: '3.0.1'}"));
        assert!(!openapi("{openapi: '3.0.1.2', paths: {}}"));
    }
}
