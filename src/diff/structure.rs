//! The structural diff of two processed templates: every section compared as data, the changes named by
//! JSON pointers. Key order and scalar spelling (`5` and `"5"`) are never changes; arrays of the same
//! length compare item by item, others as a whole. This file knows nothing of resource types or of what a
//! change does when deployed (that is `impact`).

use serde_json::Value as J;

use super::{ChangeKind, SectionChange};

/// Sections in the order CloudFormation documents them; other top-level keys follow in `b`'s order.
const SECTIONS: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Description",
    "Transform",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Resources",
    "Outputs",
];

/// Every structural change from template `a` to template `b` (both JSON objects).
pub fn section_changes(a: &J, b: &J) -> Vec<SectionChange> {
    let empty = serde_json::Map::new();
    let am = a.as_object().unwrap_or(&empty);
    let bm = b.as_object().unwrap_or(&empty);
    let mut keys: Vec<&str> = SECTIONS.to_vec();
    for k in bm.keys().chain(am.keys()) {
        if !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    let mut out = Vec::new();
    for section in keys {
        let mut path = vec![section.to_owned()];
        let mut found = Vec::new();
        diff_value(&mut path, am.get(section), bm.get(section), &mut found);
        out.extend(
            found
                .into_iter()
                .map(|(path, before, after)| SectionChange {
                    section: section.to_owned(),
                    change: ChangeKind::of(&before, &after),
                    path,
                    before,
                    after,
                }),
        );
    }
    out
}

type Found = Vec<(String, Option<J>, Option<J>)>;

/// The intrinsic function an object is a call of (`Ref`, `Fn::Sub`...), if it is one: a call replaced
/// by another is one change of the whole value, not a key removed and another added.
fn function(m: &serde_json::Map<String, J>) -> Option<&str> {
    let mut keys = m.keys();
    match (keys.next(), keys.next()) {
        (Some(k), None) if k == "Ref" || k == "Condition" || k.starts_with("Fn::") => Some(k),
        _ => None,
    }
}

fn diff_value(path: &mut Vec<String>, a: Option<&J>, b: Option<&J>, out: &mut Found) {
    match (a, b) {
        (None, None) => {}
        (Some(J::Object(x)), Some(J::Object(y))) if function(x) == function(y) => {
            for (k, bv) in y {
                path.push(k.clone());
                diff_value(path, x.get(k), Some(bv), out);
                path.pop();
            }
            for (k, av) in x {
                if !y.contains_key(k) {
                    path.push(k.clone());
                    diff_value(path, Some(av), None, out);
                    path.pop();
                }
            }
        }
        (Some(J::Array(x)), Some(J::Array(y))) if x.len() == y.len() => {
            for (i, (av, bv)) in x.iter().zip(y).enumerate() {
                path.push(i.to_string());
                diff_value(path, Some(av), Some(bv), out);
                path.pop();
            }
        }
        (Some(x), Some(y)) if same(x, y) => {}
        _ => out.push((pointer(path), a.cloned(), b.cloned())),
    }
}

/// Equal data, scalars compared by their text.
pub(super) fn same(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        _ => match (text(a), text(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

fn text(v: &J) -> Option<String> {
    match v {
        J::String(s) => Some(s.clone()),
        J::Number(n) => Some(n.to_string()),
        J::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `/A/B/0` from path segments, escaping `~` and `/` as RFC 6901 says.
pub(super) fn pointer(path: &[String]) -> String {
    let mut s = String::new();
    for p in path {
        s.push('/');
        s.push_str(&p.replace('~', "~0").replace('/', "~1"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(a: J, b: J) -> Vec<(String, String)> {
        section_changes(&a, &b)
            .into_iter()
            .map(|c| (c.path, c.change.symbol().to_owned()))
            .collect()
    }

    #[test]
    fn key_order_and_scalar_spelling_are_no_change() {
        let a = json!({"Parameters": {"N": {"Type": "Number", "Default": 5}}, "Resources": {}});
        let b = json!({"Resources": {}, "Parameters": {"N": {"Default": "5", "Type": "Number"}}});
        assert!(paths(a, b).is_empty());
    }

    #[test]
    fn changes_are_named_by_pointer_in_section_order() {
        let a = json!({
            "Outputs": {"Old": {"Value": "x"}},
            "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
            "Mappings": {"M": {"a/b": {"K": "1"}}},
        });
        let b = json!({
            "Parameters": {"Env": {"Type": "String", "Default": "prod"}},
            "Mappings": {"M": {"a/b": {"K": "2"}}},
            "Outputs": {"New": {"Value": "y"}},
        });
        assert_eq!(
            paths(a, b),
            [
                ("/Parameters/Env/Default".to_owned(), "~".to_owned()),
                ("/Mappings/M/a~1b/K".to_owned(), "~".to_owned()),
                ("/Outputs/New".to_owned(), "+".to_owned()),
                ("/Outputs/Old".to_owned(), "-".to_owned()),
            ]
        );
    }

    #[test]
    fn a_function_replaced_by_another_is_one_change() {
        let a = json!({"Resources": {"T": {"Properties": {"N": {"Fn::Sub": "${A}-x"}}}}});
        let b = json!({"Resources": {"T": {"Properties": {"N": {"Fn::GetAtt": ["Q", "Name"]}}}}});
        assert_eq!(
            paths(a.clone(), b),
            [("/Resources/T/Properties/N".to_owned(), "~".to_owned())]
        );
        let c = json!({"Resources": {"T": {"Properties": {"N": {"Fn::Sub": "${A}-y"}}}}});
        assert_eq!(
            paths(a, c),
            [(
                "/Resources/T/Properties/N/Fn::Sub".to_owned(),
                "~".to_owned()
            )]
        );
    }

    #[test]
    fn arrays_of_another_length_change_as_a_whole() {
        let a = json!({"Transform": ["A"]});
        let b = json!({"Transform": ["A", "B"]});
        let c = section_changes(&a, &b);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].path, "/Transform");
        assert_eq!(c[0].section, "Transform");
        assert_eq!(c[0].after, Some(json!(["A", "B"])));
    }
}
