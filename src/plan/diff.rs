//! Comparing a resource's properties as applied with the properties a new template asks for, and what the
//! resource type's schema says a change at a path means (in place, conditional replacement, replacement).
//! Key order is never a change; arrays the schema marks `insertionOrder: false` compare as multisets; a
//! value only known when the update runs (a reference to a resource that changes) is a change that may
//! or may not happen ("dynamic").

use indexmap::IndexMap;

use crate::evaluate::Value;
use crate::spec::ResourceType;

/// One changed value inside a resource's properties.
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyDiff {
    /// Property names and list indices from the top-level property down.
    pub path: Vec<String>,
    /// `None`: the value is added.
    pub before: Option<Value>,
    /// `None`: the value is removed.
    pub after: Option<Value>,
}

impl PropertyDiff {
    /// The top-level property name.
    pub fn property(&self) -> &str {
        &self.path[0]
    }

    /// JSON pointer inside the resource: `/Properties/A/0/B`.
    pub fn pointer(&self) -> String {
        let mut s = String::from("/Properties");
        for p in &self.path {
            s.push('/');
            s.push_str(&p.replace('~', "~0").replace('/', "~1"));
        }
        s
    }

    /// True when the new value is known only when the update runs.
    pub fn dynamic(&self) -> bool {
        self.after.as_ref().is_some_and(Value::contains_deferred)
    }

    pub fn change_type(&self) -> &'static str {
        match (&self.before, &self.after) {
            (None, _) => "Add",
            (_, None) => "Remove",
            _ => "Modify",
        }
    }
}

/// The differences between `before` and `after` (both mappings of properties), in the order of `after`
/// then the removed keys. `rt` gives the array semantics; `None` compares arrays in order.
pub fn diff_properties(
    rt: Option<&ResourceType>,
    before: &Value,
    after: &Value,
) -> Vec<PropertyDiff> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    let empty = IndexMap::new();
    let b = match before {
        Value::Map(m) => m,
        _ => &empty,
    };
    let a = match after {
        Value::Map(m) => m,
        _ => &empty,
    };
    diff_maps(rt, &mut path, b, a, &mut out);
    out
}

fn diff_maps(
    rt: Option<&ResourceType>,
    path: &mut Vec<String>,
    before: &IndexMap<String, Value>,
    after: &IndexMap<String, Value>,
    out: &mut Vec<PropertyDiff>,
) {
    for (k, av) in after {
        path.push(k.clone());
        match before.get(k) {
            Some(bv) => diff_values(rt, path, bv, av, out),
            None => out.push(PropertyDiff {
                path: path.clone(),
                before: None,
                after: Some(av.clone()),
            }),
        }
        path.pop();
    }
    for (k, bv) in before {
        if !after.contains_key(k) {
            path.push(k.clone());
            out.push(PropertyDiff {
                path: path.clone(),
                before: Some(bv.clone()),
                after: None,
            });
            path.pop();
        }
    }
}

fn diff_values(
    rt: Option<&ResourceType>,
    path: &mut Vec<String>,
    before: &Value,
    after: &Value,
    out: &mut Vec<PropertyDiff>,
) {
    let changed = |out: &mut Vec<PropertyDiff>, path: &[String]| {
        out.push(PropertyDiff {
            path: path.to_vec(),
            before: Some(before.clone()),
            after: Some(after.clone()),
        })
    };
    match (before, after) {
        (_, Value::Deferred(_)) => changed(out, path),
        (Value::Map(b), Value::Map(a)) => diff_maps(rt, path, b, a, out),
        (Value::List(b), Value::List(a)) => {
            if unordered(rt, path) {
                if after.contains_deferred() || !same_multiset(b, a) {
                    changed(out, path);
                }
                return;
            }
            if b.len() != a.len() {
                changed(out, path);
                return;
            }
            for (i, (bv, av)) in b.iter().zip(a).enumerate() {
                path.push(i.to_string());
                diff_values(rt, path, bv, av, out);
                path.pop();
            }
        }
        (b, a) if same_scalar(b, a) => {}
        _ => changed(out, path),
    }
}

/// Scalars compare by their text: CloudFormation passes numbers and booleans to services as strings.
fn same_scalar(b: &Value, a: &Value) -> bool {
    match (b.as_text(), a.as_text()) {
        (Some(x), Some(y)) => x == y,
        _ => b == a,
    }
}

fn same_multiset(b: &[Value], a: &[Value]) -> bool {
    if b.len() != a.len() {
        return false;
    }
    let key = |v: &Value| canonical(v);
    let mut x: Vec<String> = b.iter().map(key).collect();
    let mut y: Vec<String> = a.iter().map(key).collect();
    x.sort();
    y.sort();
    x == y
}

/// A text that is equal for equal values whatever their key order and scalar spelling.
fn canonical(v: &Value) -> String {
    match v {
        Value::Map(m) => {
            let mut items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k:?}:{}", canonical(v)))
                .collect();
            items.sort();
            format!("{{{}}}", items.join(","))
        }
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => match other.as_text() {
            Some(t) => format!("{t:?}"),
            None => format!("{other:?}"),
        },
    }
}

/// Property names only (list indices dropped), the form the schema's paths use.
fn names(path: &[String]) -> Vec<&str> {
    path.iter()
        .filter(|p| !p.chars().all(|c| c.is_ascii_digit()))
        .map(String::as_str)
        .collect()
}

/// Whether the schema says the array at `path` is a set (`insertionOrder: false`).
fn unordered(rt: Option<&ResourceType>, path: &[String]) -> bool {
    let Some(rt) = rt else {
        return false;
    };
    rt.property_at(&names(path))
        .is_some_and(|p| p.insertion_order == Some(false))
}

/// What a change at `path` does to the resource: `Always` (the schema's create-only properties, or a type
/// without an update handler), `Conditionally` (conditional create-only), or `Never`. Adding or removing an
/// object that holds a create-only property counts as changing it.
pub fn requires_recreation(rt: Option<&ResourceType>, path: &[String]) -> &'static str {
    let Some(rt) = rt else {
        return "Never";
    };
    if !rt.has_update_handler() {
        return "Always";
    }
    let dotted = names(path).join(".");
    let holds = |paths: &[String]| {
        paths.iter().any(|p| {
            p.strip_prefix(dotted.as_str())
                .is_some_and(|r| r.starts_with('.'))
        })
    };
    if rt.is_create_only(&dotted) || holds(rt.create_only_properties()) {
        "Always"
    } else if rt.is_conditional_create_only(&dotted)
        || holds(rt.conditional_create_only_properties())
    {
        "Conditionally"
    } else {
        "Never"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> Value {
        Value::from_serde(&serde_json::from_str(json).unwrap())
    }

    fn paths(d: &[PropertyDiff]) -> Vec<String> {
        d.iter().map(PropertyDiff::pointer).collect()
    }

    #[test]
    fn key_order_and_scalar_spelling_are_no_change() {
        let rt = crate::spec::resource_type("AWS::SQS::Queue");
        let d = diff_properties(
            rt,
            &v(r#"{"DelaySeconds": "5", "QueueName": "q", "Tags": [{"Key": "a", "Value": "1"}]}"#),
            &v(r#"{"QueueName": "q", "DelaySeconds": 5, "Tags": [{"Value": "1", "Key": "a"}]}"#),
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn nested_changes_additions_and_removals_have_pointers() {
        let d = diff_properties(
            None,
            &v(r#"{"A": {"B": 1, "C": 2}, "Gone": true}"#),
            &v(r#"{"A": {"B": 1, "C": 3}, "New": "x"}"#),
        );
        assert_eq!(
            paths(&d),
            ["/Properties/A/C", "/Properties/New", "/Properties/Gone"]
        );
        assert_eq!(
            d.iter().map(|d| d.change_type()).collect::<Vec<_>>(),
            ["Modify", "Add", "Remove"]
        );
    }

    #[test]
    fn a_reordered_set_is_no_change_but_a_reordered_list_is() {
        let rt = crate::spec::resource_type("AWS::SNS::Topic").unwrap();
        let set = rt.property_at(&["Tags"]).unwrap().insertion_order;
        let before = v(r#"{"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}"#);
        let after = v(r#"{"Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]}"#);
        let d = diff_properties(Some(rt), &before, &after);
        assert_eq!(d.is_empty(), set == Some(false));
        // In order, each element differs in its Key and its Value.
        assert_eq!(diff_properties(None, &before, &after).len(), 4);
    }

    #[test]
    fn recreation_comes_from_the_schema() {
        let bucket = crate::spec::resource_type("AWS::S3::Bucket");
        let p = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(requires_recreation(bucket, &p("BucketName")), "Always");
        assert_eq!(
            requires_recreation(bucket, &p("VersioningConfiguration.Status")),
            "Never"
        );
        assert_eq!(requires_recreation(None, &p("Anything")), "Never");
    }
}
