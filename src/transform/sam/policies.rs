//! A serverless resource's `Policies`: AWS managed policy names (resolved to ARNs), policy ARNs, inline
//! policy documents and SAM policy templates (the public catalogue in `data/policy_templates.json`, with
//! their parameters substituted), each possibly behind `Fn::If`. It produces the role's
//! `ManagedPolicyArns` and `Policies`; it never creates the role.

use std::sync::OnceLock;

use crate::source::{Node, NodeKind};

use super::build::{B, from_json, get, is_intrinsic};

static CATALOGUE: &str = include_str!("data/policy_templates.json");
static MANAGED_POLICIES: &str = include_str!("data/aws_managed_policies.tsv");

/// The path (under `arn:<partition>:iam::aws:policy/`) of the AWS managed policy called `name`, if any.
fn managed_path(name: &str) -> Option<&'static str> {
    static BY_NAME: OnceLock<std::collections::HashMap<&'static str, &'static str>> =
        OnceLock::new();
    BY_NAME
        .get_or_init(|| {
            MANAGED_POLICIES
                .lines()
                .filter_map(|l| l.split_once('\t'))
                .collect()
        })
        .get(name)
        .copied()
}

fn catalogue() -> &'static serde_json::Map<String, serde_json::Value> {
    static TEMPLATES: OnceLock<serde_json::Map<String, serde_json::Value>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        serde_json::from_str::<serde_json::Value>(CATALOGUE)
            .ok()
            .and_then(|v| v.get("Templates").and_then(|t| t.as_object()).cloned())
            .unwrap_or_default()
    })
}

/// The ARN of an AWS managed policy in `partition`: `arn:aws:iam::aws:policy/<path>`.
pub(super) fn managed_arn(partition: &str, path: &str) -> String {
    format!("arn:{partition}:iam::aws:policy/{path}")
}

/// What a `Policies` property contributes to a role.
#[derive(Debug, Default)]
pub(super) struct Contribution {
    pub managed: Vec<Node>,
    pub inline: Vec<Node>,
}

/// Reads `policies` for the role `role_id`; errors are the translator's sentences.
pub(super) fn read(
    policies: &Node,
    role_id: &str,
    partition: &str,
) -> Result<Contribution, String> {
    let items: Vec<&Node> = match &policies.kind {
        NodeKind::Seq(items) => items.iter().collect(),
        _ => vec![policies],
    };
    let mut out = Contribution::default();
    for (i, item) in items.into_iter().enumerate() {
        let name = format!("{role_id}Policy{i}");
        match classify(item, partition, i)? {
            Policy::Managed(n) => out.managed.push(n),
            Policy::Document(doc) => {
                let b = B::new(item.span);
                out.inline
                    .push(b.map([("PolicyName", b.s(name)), ("PolicyDocument", doc)]));
            }
            Policy::Conditional(cond, yes, no) => {
                let b = B::new(item.span);
                let (yes, no) = (yes.as_deref(), no.as_deref());
                match yes.or(no) {
                    Some(Policy::Managed(_)) | None => {
                        // Each branch's policy name becomes its ARN.
                        let branch = |p: Option<&Policy>| match p {
                            Some(Policy::Managed(n)) => n.clone(),
                            _ => b.r#ref("AWS::NoValue"),
                        };
                        out.managed.push(
                            b.call("Fn::If", b.seq(vec![cond.clone(), branch(yes), branch(no)])),
                        );
                    }
                    _ => {
                        let branch = |p: Option<&Policy>| match p {
                            Some(Policy::Document(d)) => b.map([
                                ("PolicyName", b.s(name.as_str())),
                                ("PolicyDocument", d.clone()),
                            ]),
                            _ => b.r#ref("AWS::NoValue"),
                        };
                        out.inline.push(
                            b.call("Fn::If", b.seq(vec![cond.clone(), branch(yes), branch(no)])),
                        );
                    }
                }
            }
        }
    }
    Ok(out)
}

/// One item of `Policies`, classified.
enum Policy {
    Managed(Node),
    Document(Node),
    /// `Fn::If` over two policies; a `None` branch is `AWS::NoValue`.
    Conditional(Node, Option<Box<Policy>>, Option<Box<Policy>>),
}

fn classify(item: &Node, partition: &str, index: usize) -> Result<Policy, String> {
    let invalid = || format!("Policy at index {index} in the 'Policies' property is not valid");
    match &item.kind {
        NodeKind::String(name) => Ok(Policy::Managed(match managed_path(name) {
            Some(path) => B::new(item.span).s(managed_arn(partition, path)),
            None => item.clone(),
        })),
        NodeKind::Map(m) if is_intrinsic(item) => {
            let Some(args) = m.get("Fn::If") else {
                return Ok(Policy::Managed(item.clone()));
            };
            let Some([cond, yes, no]) = args.as_seq() else {
                return Err(invalid());
            };
            let branch = |n: &Node| -> Result<Option<Box<Policy>>, String> {
                if get(n, "Ref").and_then(Node::as_str) == Some("AWS::NoValue") {
                    Ok(None)
                } else {
                    classify(n, partition, index).map(|p| Some(Box::new(p)))
                }
            };
            Ok(Policy::Conditional(cond.clone(), branch(yes)?, branch(no)?))
        }
        NodeKind::Map(m) => {
            if m.get("Statement").is_some() {
                return Ok(Policy::Document(item.clone()));
            }
            let Some((name, entry)) = m.single() else {
                return Err(invalid());
            };
            let Some(template) = catalogue().get(name) else {
                return Err(invalid());
            };
            apply_template(name, template, &entry.value, item).map(Policy::Document)
        }
        _ => Err(invalid()),
    }
}

/// A policy template's `Definition` with its parameters replaced by `values`.
fn apply_template(
    name: &str,
    template: &serde_json::Value,
    values: &Node,
    item: &Node,
) -> Result<Node, String> {
    let b = B::new(item.span);
    let empty = serde_json::Map::new();
    let params = template
        .get("Parameters")
        .and_then(|p| p.as_object())
        .unwrap_or(&empty);
    let given = values.as_map();
    if given.is_none() && !matches!(values.kind, NodeKind::Null) {
        return Err(format!(
            "Parameters of template '{name}' must be a dictionary."
        ));
    }
    let mut missing: Vec<&str> = params
        .keys()
        .filter(|k| given.and_then(|g| g.get(k)).is_none())
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        missing.sort_unstable();
        return Err(format!(
            "Following required parameters of template '{name}' don't have values: {}",
            super::globals::py_list(&missing)
        ));
    }
    let definition = from_json(
        b,
        template
            .get("Definition")
            .unwrap_or(&serde_json::Value::Null),
    );
    Ok(substitute(&definition, &|p| {
        if params.contains_key(p) {
            given.and_then(|g| g.get(p)).cloned()
        } else {
            None
        }
    }))
}

/// `node` with every `{"Ref": P}` for which `value(P)` is known replaced by it.
fn substitute(node: &Node, value: &dyn Fn(&str) -> Option<Node>) -> Node {
    match &node.kind {
        NodeKind::Map(m) => {
            if let Some(v) = m
                .get("Ref")
                .and_then(Node::as_str)
                .filter(|_| m.len() == 1)
                .and_then(value)
            {
                return v;
            }
            let b = B::new(node.span);
            b.map(m.iter().map(|(k, e)| (k, substitute(&e.value, value))))
        }
        NodeKind::Seq(items) => {
            B::new(node.span).seq(items.iter().map(|i| substitute(i, value)).collect())
        }
        _ => node.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_policy_names_resolve_to_their_paths() {
        assert_eq!(
            managed_path("AmazonS3FullAccess"),
            Some("AmazonS3FullAccess")
        );
        assert_eq!(
            managed_path("AWSLambdaBasicExecutionRole"),
            Some("service-role/AWSLambdaBasicExecutionRole")
        );
        assert_eq!(managed_path("AnyNonOfficialManagedPolicy"), None);
    }

    #[test]
    fn the_catalogue_loads() {
        assert!(catalogue().len() > 50);
        assert!(catalogue().contains_key("SQSPollerPolicy"));
    }

    #[test]
    fn a_conditional_managed_policy_name_becomes_a_conditional_arn() {
        let text = "P:\n  - !If [C, AmazonS3FullAccess, !Ref AWS::NoValue]\n";
        let mut sources = crate::source::SourceMap::new();
        let f = sources.add("p.yaml", text);
        let doc = crate::source::load_text(
            f,
            text,
            crate::source::Format::Yaml,
            &crate::source::Limits::default(),
        )
        .document
        .expect("loads");
        let c = read(get(&doc.root, "P").unwrap(), "R", "aws").unwrap();
        let args = get(&c.managed[0], "Fn::If").and_then(Node::as_seq).unwrap();
        assert_eq!(
            args[1].as_str(),
            Some("arn:aws:iam::aws:policy/AmazonS3FullAccess")
        );
    }
}
