//! `MergeDefinitions: true`: each `Api` event's method is generated on its own (its integration and its
//! event-level security, in an otherwise empty definition) and merged into the written `DefinitionBody`:
//! the written method keeps its keys and gets the generated ones, a generated value winning a conflict.
//! The written method is looked up, and the merged one stored, under the event's `Method` as written in
//! lower case (`any` stays `any`), and only when the written definition has `paths`; the generated
//! definition's other parts (security definitions, resource policies) are not kept. It never creates
//! resources.

use crate::source::Node;

use super::api::ApiEvent;
use super::api_auth::ApiAuth;
use super::api_definition::{add_path, base_definition};
use super::build::get;
use super::swagger::Sw;

/// Generates event `e`'s method and merges it into `definition`; an error is the event's (`Err(true)`)
/// or the API's (`Err(false)`) sentence.
pub(super) fn merge_event(
    definition: &mut Sw,
    e: &ApiEvent,
    partition: &str,
    auth: &ApiAuth,
    models: Option<&Node>,
) -> Result<(), (bool, String)> {
    let mut generated = base_definition();
    add_path(&mut generated, e, partition, false);
    // The generated definition's own security definitions are not kept: its auth is applied on a copy.
    auth.clone()
        .apply_event(&mut generated, e, false)
        .map_err(|m| (true, m))?;
    super::api_models::add_request_model(&mut generated, e, models, false)
        .map_err(|m| (true, m))?;
    let key = if e.method == "any" {
        "x-amazon-apigateway-any-method"
    } else {
        e.method.as_str()
    };
    let Some(mut method) = generated
        .get("paths")
        .and_then(|p| p.get(&e.path))
        .and_then(|p| p.get(key))
        .cloned()
    else {
        return Ok(());
    };
    // The API's defaults reach a method without `Auth` of its own after the merge (they are added last).
    let own = |k: &str| e.auth.as_ref().and_then(|a| get(a, k)).is_some();
    if !own("Authorizer") && !own("ApiKeyRequired") {
        let _ = method.remove("security");
    }
    // The translator merges a copy of the generated definition.
    method.recopy();
    // A definition without paths (or with none written) gets a detached list of paths: nothing is kept.
    let Some(paths) = definition
        .get_mut("paths")
        .filter(|p| !p.keys_in_order().is_empty())
    else {
        return Ok(());
    };
    let written = match paths.get(&e.path) {
        None => None,
        Some(item @ (Sw::Map(_) | Sw::Ordered(_))) => item.get(&e.method).cloned(),
        Some(_) => {
            return Err((
                false,
                format!(
                    "Property 'DefinitionBody' is invalid: The value of '{}' should be a map",
                    e.path
                ),
            ));
        }
    };
    let merged = match written {
        None => merge(&Sw::Ordered(Vec::new()), &method),
        Some(w @ (Sw::Map(_) | Sw::Ordered(_))) => merge(&w, &method),
        Some(Sw::Written(n)) if is_empty_scalar(&n) => merge(&Sw::Ordered(Vec::new()), &method),
        Some(_) => {
            return Err((
                false,
                format!(
                    "Property 'DefinitionBody.paths.{}.{}' should be a map.",
                    e.path, e.method
                ),
            ));
        }
    };
    match paths.get_mut(&e.path) {
        Some(item) => item.set(&e.method, true, merged),
        None => {
            paths.set(
                &e.path,
                true,
                Sw::Ordered(vec![(e.method.clone(), true, merged)]),
            );
        }
    }
    Ok(())
}

/// `{**written, **generated}`: the written keys in the order the translator iterated them, then the
/// generated keys it lacks; a plain dictionary.
fn merge(written: &Sw, generated: &Sw) -> Sw {
    let mut entries: Vec<(String, bool, Sw)> = Vec::new();
    let unicode_of = |m: &Sw, k: &str| match m {
        Sw::Map(e) | Sw::Ordered(e) => e
            .iter()
            .find(|(x, _, _)| x == k)
            .is_some_and(|(_, u, _)| *u),
        _ => false,
    };
    for k in written.keys_in_order() {
        let value = generated
            .get(k)
            .or_else(|| written.get(k))
            .cloned()
            .unwrap_or(Sw::Seq(Vec::new()));
        entries.push((k.to_owned(), unicode_of(written, k), value));
    }
    for k in generated.keys_in_order() {
        if !entries.iter().any(|(x, _, _)| x == k)
            && let Some(v) = generated.get(k)
        {
            entries.push((k.to_owned(), unicode_of(generated, k), v.clone()));
        }
    }
    Sw::Ordered(entries)
}

fn is_empty_scalar(n: &Node) -> bool {
    super::api_policy::is_empty(n)
}

#[cfg(test)]
mod tests {
    use crate::source::{Document, Node};
    use crate::transform::sam::test_support::expand_text;

    use super::super::build::get;

    fn body(paths: &str, method: &str) -> Node {
        let text = format!(
            "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: i.h\n      Runtime: python3.12\n      CodeUri: s3://bucket/k.zip\n      Events:\n        E:\n          Type: Api\n          Properties:\n            RestApiId: !Ref A\n            Path: /items\n            Method: {method}\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n      MergeDefinitions: true\n      DefinitionBody:\n        swagger: '2.0'\n{paths}"
        );
        let out: Document = expand_text(&text).expect("expands");
        ["Resources", "A", "Properties", "Body"]
            .iter()
            .try_fold(&out.root, |n, k| get(n, k))
            .expect("a body")
            .clone()
    }

    #[test]
    fn the_generated_method_is_merged_into_the_written_one() {
        let b = body(
            "        paths:\n          /items:\n            get:\n              summary: hi\n              x-amazon-apigateway-integration: {type: mock}\n",
            "GET",
        );
        let op = get(get(get(&b, "paths").unwrap(), "/items").unwrap(), "get").unwrap();
        assert_eq!(get(op, "summary").and_then(Node::as_str), Some("hi"));
        // The generated integration wins the conflict.
        let integration = get(op, "x-amazon-apigateway-integration").unwrap();
        assert_eq!(
            get(integration, "type").and_then(Node::as_str),
            Some("aws_proxy")
        );
    }

    #[test]
    fn any_is_stored_under_the_method_as_written() {
        let b = body("        paths:\n          /other: {}\n", "ANY");
        let item = get(get(&b, "paths").unwrap(), "/items").unwrap();
        assert!(get(item, "any").is_some());
        assert!(get(item, "x-amazon-apigateway-any-method").is_none());
    }

    #[test]
    fn a_definition_without_paths_keeps_none() {
        let b = body("", "get");
        assert!(get(&b, "paths").is_none());
    }
}
