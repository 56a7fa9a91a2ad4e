//! Comparing a resource's properties as applied (expected) with the cloud's (actual), as CloudFormation's
//! drift detection does: only what the template set is compared, so a key the cloud adds inside an
//! object is not drift; an item the cloud adds to an array is (`ADD`); a value that is gone is `REMOVE`;
//! a different value is `NOT_EQUAL`. Arrays the schema marks `insertionOrder: false` compare as sets.
//! Write-only properties (which a real cloud never returns) are skipped. Scalars compare by their text,
//! as CloudFormation passes numbers and booleans to services as strings.

use serde_json::Value as J;

use crate::spec::ResourceType;

use super::{DifferenceType, PropertyDifference};

/// The differences between `expected` and `actual` (property objects), in `expected`'s order.
pub fn differences(rt: Option<&ResourceType>, expected: &J, actual: &J) -> Vec<PropertyDifference> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    let empty = J::Object(serde_json::Map::new());
    let actual = if actual.is_object() { actual } else { &empty };
    compare(rt, &mut path, expected, actual, &mut out);
    out
}

/// `expected` without its write-only properties (what can be compared at all).
pub fn comparable(rt: Option<&ResourceType>, expected: &J) -> J {
    let mut path = Vec::new();
    strip(rt, &mut path, expected)
}

fn strip(rt: Option<&ResourceType>, path: &mut Vec<String>, v: &J) -> J {
    match v {
        J::Object(m) => J::Object(
            m.iter()
                .filter_map(|(k, v)| {
                    path.push(k.clone());
                    let kept = (!write_only(rt, path)).then(|| strip(rt, path, v));
                    path.pop();
                    kept.map(|v| (k.clone(), v))
                })
                .collect(),
        ),
        J::Array(items) => J::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    path.push(i.to_string());
                    let v = strip(rt, path, v);
                    path.pop();
                    v
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn compare(
    rt: Option<&ResourceType>,
    path: &mut Vec<String>,
    expected: &J,
    actual: &J,
    out: &mut Vec<PropertyDifference>,
) {
    match (expected, actual) {
        (J::Object(e), J::Object(a)) => {
            for (k, ev) in e {
                path.push(k.clone());
                if !write_only(rt, path) {
                    match a.get(k) {
                        Some(av) => compare(rt, path, ev, av, out),
                        None => out.push(difference(path, Some(ev), None)),
                    }
                }
                path.pop();
            }
        }
        (J::Array(e), J::Array(a)) if unordered(rt, path) => compare_set(rt, path, e, a, out),
        (J::Array(e), J::Array(a)) => {
            for (i, ev) in e.iter().enumerate() {
                path.push(i.to_string());
                match a.get(i) {
                    Some(av) => compare(rt, path, ev, av, out),
                    None => out.push(difference(path, Some(ev), None)),
                }
                path.pop();
            }
            for (i, av) in a.iter().enumerate().skip(e.len()) {
                path.push(i.to_string());
                out.push(difference(path, None, Some(av)));
                path.pop();
            }
        }
        (e, a) if same_scalar(e, a) => {}
        (e, a) => out.push(difference(path, Some(e), Some(a))),
    }
}

/// Items of a set: each expected item matches an equal actual one (extra keys the cloud added inside
/// them allowed); the expected ones left are removed, the actual ones left are added.
fn compare_set(
    rt: Option<&ResourceType>,
    path: &mut Vec<String>,
    expected: &[J],
    actual: &[J],
    out: &mut Vec<PropertyDifference>,
) {
    let mut used = vec![false; actual.len()];
    let mut missing = Vec::new();
    for (i, ev) in expected.iter().enumerate() {
        path.push(i.to_string());
        let found = actual.iter().enumerate().position(|(j, av)| {
            !used[j] && {
                let mut d = Vec::new();
                compare(rt, path, ev, av, &mut d);
                d.is_empty()
            }
        });
        match found {
            Some(j) => used[j] = true,
            None => missing.push(difference(path, Some(ev), None)),
        }
        path.pop();
    }
    out.extend(missing);
    for (j, av) in actual.iter().enumerate() {
        if !used[j] {
            path.push(j.to_string());
            out.push(difference(path, None, Some(av)));
            path.pop();
        }
    }
}

fn difference(path: &[String], expected: Option<&J>, actual: Option<&J>) -> PropertyDifference {
    let difference_type = match (expected, actual) {
        (None, _) => DifferenceType::ADD,
        (_, None) => DifferenceType::REMOVE,
        _ => DifferenceType::NOT_EQUAL,
    };
    PropertyDifference {
        property_path: pointer(path),
        expected_value: shown(expected),
        actual_value: shown(actual),
        difference_type,
    }
}

/// A value as CloudFormation shows it in a difference: a scalar's text, other values as JSON; `null`
/// for a side that has none.
fn shown(v: Option<&J>) -> String {
    match v {
        None | Some(J::Null) => "null".to_owned(),
        Some(J::String(s)) => s.clone(),
        Some(J::Number(n)) => n.to_string(),
        Some(J::Bool(b)) => b.to_string(),
        Some(other) => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn same_scalar(e: &J, a: &J) -> bool {
    let text = |v: &J| match v {
        J::String(s) => Some(s.clone()),
        J::Number(n) => Some(n.to_string()),
        J::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match (text(e), text(a)) {
        (Some(x), Some(y)) => x == y,
        _ => e == a,
    }
}

/// `/Properties/A/0/B`.
fn pointer(path: &[String]) -> String {
    let mut s = String::from("/Properties");
    for p in path {
        s.push('/');
        s.push_str(&p.replace('~', "~0").replace('/', "~1"));
    }
    s
}

/// Property names only, the form the schema's paths use.
fn names(path: &[String]) -> Vec<&str> {
    path.iter()
        .filter(|p| !p.chars().all(|c| c.is_ascii_digit()))
        .map(String::as_str)
        .collect()
}

/// Whether the schema says the value at `path` is write-only (list items may be written `*`).
fn write_only(rt: Option<&ResourceType>, path: &[String]) -> bool {
    let Some(rt) = rt else {
        return false;
    };
    let starred: Vec<&str> = path
        .iter()
        .map(|p| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                "*"
            } else {
                p.as_str()
            }
        })
        .collect();
    rt.is_write_only(&names(path).join("."))
        || rt.is_write_only(&starred.join("."))
        || rt.property_at(&names(path)).is_some_and(|p| p.write_only)
}

fn unordered(rt: Option<&ResourceType>, path: &[String]) -> bool {
    rt.and_then(|rt| rt.property_at(&names(path)))
        .is_some_and(|p| p.insertion_order == Some(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn diffs(ty: &str, e: J, a: J) -> Vec<(String, String, String, DifferenceType)> {
        differences(crate::spec::resource_type(ty), &e, &a)
            .into_iter()
            .map(|d| {
                (
                    d.property_path,
                    d.expected_value,
                    d.actual_value,
                    d.difference_type,
                )
            })
            .collect()
    }

    #[test]
    fn values_the_cloud_adds_to_objects_are_not_drift_but_array_items_are() {
        let d = diffs(
            "AWS::SQS::Queue",
            json!({"DelaySeconds": 5, "RedrivePolicy": {"maxReceiveCount": 3}}),
            json!({"DelaySeconds": "5", "RedrivePolicy": {"maxReceiveCount": 3, "extra": 1}, "Added": true}),
        );
        assert!(d.is_empty(), "{d:?}");
        let d = diffs(
            "AWS::SNS::Topic",
            json!({"Subscription": [{"Endpoint": "a", "Protocol": "sqs"}]}),
            json!({"Subscription": [{"Endpoint": "a", "Protocol": "sqs"}, {"Endpoint": "b", "Protocol": "sqs"}]}),
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0, "/Properties/Subscription/1");
        assert_eq!(d[0].1, "null");
        assert_eq!(d[0].3, DifferenceType::ADD);
    }

    #[test]
    fn changed_and_removed_values_have_pointers() {
        let d = diffs(
            "AWS::SQS::Queue",
            json!({"DelaySeconds": 5, "QueueName": "q", "Tags": [{"Key": "a", "Value": "1"}]}),
            json!({"DelaySeconds": 6, "Tags": [{"Key": "a", "Value": "2"}]}),
        );
        let kinds: Vec<(&str, DifferenceType)> = d.iter().map(|x| (x.0.as_str(), x.3)).collect();
        assert_eq!(
            kinds[0],
            ("/Properties/DelaySeconds", DifferenceType::NOT_EQUAL)
        );
        assert_eq!(kinds[1], ("/Properties/QueueName", DifferenceType::REMOVE));
        assert_eq!(d[0].1, "5");
        assert_eq!(d[0].2, "6");
        // Tags are a set: the changed tag is one removed and one added.
        assert_eq!(kinds[2], ("/Properties/Tags/0", DifferenceType::REMOVE));
        assert_eq!(kinds[3], ("/Properties/Tags/0", DifferenceType::ADD));
        assert_eq!(d.len(), 4, "{d:?}");
    }

    #[test]
    fn write_only_properties_are_skipped() {
        let d = diffs(
            "AWS::S3::Bucket",
            json!({"AccessControl": "Private", "BucketName": "b"}),
            json!({"AccessControl": "PublicRead", "BucketName": "b"}),
        );
        assert!(d.is_empty(), "{d:?}");
        let rt = crate::spec::resource_type("AWS::S3::Bucket");
        assert_eq!(
            comparable(rt, &json!({"AccessControl": "Private", "BucketName": "b"})),
            json!({"BucketName": "b"})
        );
    }
}
