//! Methods of REST APIs that exist only under a condition: `api_definition.rs` wraps the method (and its
//! integration's `uri`) of a function with a `Condition` in `Fn::If`; this file wraps a whole path when
//! all its methods are conditional (in their one condition, or in a condition named after the API and the
//! path that holds when any of theirs does), and gives the implicit API the condition of the functions that
//! use it when all of them have one. It decides nothing else about the definition.

use indexmap::IndexMap;

use crate::source::Node;

use super::api::ApiEvent;
use super::build::B;
use super::httpapi_conditions::combined;
use super::swagger::Sw;

/// Wraps in `Fn::If` every path of `definition` whose methods all come from conditional events,
/// writing the conditions that combine theirs into `conditions`.
pub(super) fn wrap_paths(
    definition: &mut Sw,
    api: &str,
    events: &[ApiEvent],
    conditions: &mut IndexMap<String, Node>,
    b: B,
) {
    // The condition of each method of each path (the last event on a method decides).
    let mut by_path: IndexMap<&str, IndexMap<&str, Option<&str>>> = IndexMap::new();
    for e in events {
        by_path
            .entry(e.path.as_str())
            .or_default()
            .insert(e.method.as_str(), e.condition.as_deref());
    }
    for (path, methods) in by_path {
        let mut names: Vec<String> = Vec::new();
        for c in methods.values() {
            let Some(c) = c else {
                names.clear();
                break;
            };
            names.push((*c).to_owned());
        }
        names.sort();
        names.dedup();
        let (name, unicode) = match names.len() {
            0 => continue,
            1 => (names.remove(0), true),
            _ => {
                let name = path_condition_name(api, path);
                for (n, or) in combined(names, &name, b) {
                    conditions.insert(n, or);
                }
                (name, false)
            }
        };
        if let Some(item) = definition.get_mut("paths").and_then(|p| p.get_mut(path)) {
            let inner = std::mem::replace(item, Sw::Seq(Vec::new()));
            *item = Sw::only_if(&name, unicode, inner);
        }
    }
}

/// `{api}{path}PathCondition`, the path's `/`, `{` and `}` written `SLASH`, `OB` and `CB`.
fn path_condition_name(api: &str, path: &str) -> String {
    let path = path
        .replace('/', "SLASH")
        .replace('{', "OB")
        .replace('}', "CB");
    format!("{api}{path}PathCondition")
}

/// The condition the implicit API exists under when every event using it is conditional: their one
/// condition, or `{api}Condition` holding when any of theirs does (written into `conditions`).
pub(super) fn implicit_api_condition(
    api: &str,
    events: &[ApiEvent],
    conditions: &mut IndexMap<String, Node>,
    b: B,
) -> Option<String> {
    super::httpapi_conditions::any_condition(
        events.iter().map(|e| e.condition.clone()),
        api,
        conditions,
        b,
    )
}

#[cfg(test)]
mod tests {
    use crate::source::Node;
    use crate::transform::sam::test_support::expand_text;

    use super::super::build::get;
    use super::path_condition_name;

    #[test]
    fn methods_of_conditional_functions_exist_only_under_their_conditions() {
        let function = |id: &str, c: &str, method: &str| {
            format!(
                "  {id}:\n    Type: AWS::Serverless::Function\n    Condition: {c}\n    Properties:\n      Handler: i.h\n      Runtime: python3.12\n      CodeUri: s3://bucket/k.zip\n      Events:\n        E:\n          Type: Api\n          Properties:\n            Path: /items\n            Method: {method}\n"
            )
        };
        let text = format!(
            "Conditions:\n  A: !Equals [a, a]\n  B: !Equals [b, b]\nResources:\n{}{}",
            function("F", "A", "get"),
            function("G", "B", "post")
        );
        let out = expand_text(&text).expect("expands");
        let api = get(get(&out.root, "Resources").unwrap(), "ServerlessRestApi").unwrap();
        assert_eq!(
            get(api, "Condition").and_then(Node::as_str),
            Some("ServerlessRestApiCondition")
        );
        let path = ["Properties", "Body", "paths", "/items"]
            .iter()
            .try_fold(api, |n, k| get(n, k))
            .unwrap();
        let branches = get(path, "Fn::If").unwrap().as_seq().unwrap();
        assert_eq!(
            branches[0].as_str(),
            Some("ServerlessRestApiSLASHitemsPathCondition")
        );
        let method = get(&branches[1], "get").unwrap();
        assert_eq!(
            get(method, "Fn::If").unwrap().as_seq().unwrap()[0].as_str(),
            Some("A")
        );
        let conditions = get(&out.root, "Conditions").unwrap();
        assert!(get(conditions, "ServerlessRestApiSLASHitemsPathCondition").is_some());
    }

    #[test]
    fn a_path_condition_is_named_after_the_api_and_the_path() {
        assert_eq!(
            path_condition_name("Api", "/users/{id}"),
            "ApiSLASHusersSLASHOBidCBPathCondition"
        );
    }
}
