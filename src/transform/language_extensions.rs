//! What AWS's `AWS::LanguageExtensions` transform does to a template, loops aside: it checks the shape the
//! transform needs (a `Resources` mapping, no null resource or output), decides every condition it can,
//! resolves the intrinsic functions of resources and outputs (`Fn::Length`, `Fn::ToJsonString`,
//! `Fn::FindInMap` with `DefaultValue`, and the references, conditions and string functions around them),
//! resolves intrinsic `DeletionPolicy` / `UpdateReplacePolicy` to a string, and resolves the values the
//! `Conditions` section compares. Resources and outputs whose condition is false are left as written; the
//! other sections (`Parameters`, `Mappings`, `Rules`, `Metadata`, `Transform`...) are kept as they are.

use crate::source::codes::CONDITION_CYCLE;
use crate::source::{Diagnostic, Diagnostics, Document, Mapping, Node, NodeKind, SourceMap};

use super::ExpandOptions;
use super::codes;
use super::nodes::{call, is_known, no_value};
use super::resolver::{Res, Resolver, error};

const POLICIES: &[&str] = &["DeletionPolicy", "UpdateReplacePolicy"];

/// Applies the transform to `doc` whatever its `Transform` section says (`expand` checks that). Every
/// error found is returned, sorted by position.
pub fn apply(
    doc: &Document,
    sources: &SourceMap,
    options: &ExpandOptions,
) -> Result<Document, Vec<Diagnostic>> {
    let Some(root) = doc.root.as_map() else {
        return Err(vec![Diagnostic::error(
            codes::TEMPLATE_SHAPE,
            doc.root.span,
            format!(
                "a template must be a mapping of sections, found {}",
                doc.root.describe()
            ),
        )]);
    };
    let mut diags = Vec::new();
    check_shape(doc, root, &mut diags);
    if !diags.is_empty() {
        return Err(finish(doc, diags));
    }
    let mut r = Resolver::new(root, options, sources);
    for (name, e) in r.conditions.into_iter().flat_map(Mapping::iter) {
        if let Err(d) = r.condition_named(name, e.key_span) {
            diags.push(*d);
        }
    }
    let mut out = Mapping::with_capacity(root.len());
    for (key, entry) in root.iter() {
        let value = match key {
            "Conditions" => r.conditions_section(&entry.value),
            "Resources" | "Outputs" => r.entries(&entry.value, key == "Resources", &mut diags),
            _ => entry.value.clone(),
        };
        let _ = out.insert(key.to_owned(), entry.key_span, value);
    }
    if !diags.is_empty() {
        return Err(finish(doc, diags));
    }
    Ok(Document {
        root: Node::new(doc.root.span, NodeKind::Map(out)),
    })
}

/// The transform needs a `Resources` mapping whose resources are mappings, and outputs that are not null.
fn check_shape(doc: &Document, root: &Mapping, diags: &mut Vec<Diagnostic>) {
    match root.get_entry("Resources") {
        None => diags.push(
            Diagnostic::error(
                codes::TEMPLATE_SHAPE,
                doc.root.span,
                "the template has no `Resources` section",
            )
            .with_help(
                "the transform processes a template: `Resources` with at least one resource",
            ),
        ),
        Some(e) => match e.value.as_map() {
            None => diags.push(Diagnostic::error(
                codes::TEMPLATE_SHAPE,
                e.value.span,
                format!(
                    "`Resources` must be a mapping of resources, found {}",
                    e.value.describe()
                ),
            )),
            Some(resources) => {
                for (id, r) in resources.iter() {
                    if r.value.as_map().is_none() {
                        diags.push(Diagnostic::error(
                            codes::TEMPLATE_SHAPE,
                            r.value.span,
                            format!(
                                "resource `{id}` must be a mapping, found {}",
                                r.value.describe()
                            ),
                        ));
                    }
                }
            }
        },
    }
    for (id, o) in root
        .get("Outputs")
        .and_then(Node::as_map)
        .into_iter()
        .flat_map(Mapping::iter)
    {
        if matches!(o.value.kind, NodeKind::Null) {
            diags.push(Diagnostic::error(
                codes::TEMPLATE_SHAPE,
                o.value.span,
                format!("output `{id}` is null"),
            ));
        }
    }
}

/// The diagnostics with their template paths in `doc`, sorted, duplicates dropped.
pub(super) fn finish(doc: &Document, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut all = Diagnostics::new();
    all.extend(diags.into_iter().map(|d| {
        let path = doc.path_to(d.span);
        if path.is_empty() {
            d
        } else {
            d.with_path(path)
        }
    }));
    all.sort();
    // One cycle reached from several conditions is reported once, at its first position.
    let mut cycles = std::collections::HashSet::new();
    all.into_vec()
        .into_iter()
        .filter(|d| d.code != CONDITION_CYCLE || cycles.insert(d.message.clone()))
        .collect()
}

impl Resolver<'_> {
    /// Each condition with the values it compares resolved.
    fn conditions_section(&mut self, section: &Node) -> Node {
        let Some(m) = section.as_map() else {
            return section.clone();
        };
        let mut out = Mapping::with_capacity(m.len());
        for (name, e) in m.iter() {
            let _ = out.insert(
                name.to_owned(),
                e.key_span,
                self.rewrite_condition(&e.value),
            );
        }
        Node::new(section.span, NodeKind::Map(out))
    }

    /// `Resources` or `Outputs`: each entry resolved unless its condition is false; an entry that fails
    /// is reported and kept as written, so one run reports the errors of every entry.
    fn entries(&mut self, section: &Node, resources: bool, diags: &mut Vec<Diagnostic>) -> Node {
        let Some(m) = section.as_map() else {
            return section.clone();
        };
        let mut out = Mapping::with_capacity(m.len());
        for (id, e) in m.iter() {
            let value = match e.value.as_map() {
                Some(entry) => self.entry(id, &e.value, entry, resources, diags),
                None => e.value.clone(),
            };
            let _ = out.insert(id.to_owned(), e.key_span, value);
        }
        Node::new(section.span, NodeKind::Map(out))
    }

    fn entry(
        &mut self,
        id: &str,
        node: &Node,
        entry: &Mapping,
        resource: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> Node {
        if let Some(cond) = entry.get("Condition")
            && let Some(name) = cond.as_str()
        {
            match self.condition_named(name, cond.span) {
                Ok(Some(false)) => return node.clone(),
                Ok(_) => {}
                Err(d) => {
                    diags.push(*d);
                    return node.clone();
                }
            }
        }
        let mut out = Mapping::with_capacity(entry.len());
        for (k, e) in entry.iter() {
            let value = match k {
                "Type" | "Condition" | "DependsOn" if resource => Ok(e.value.clone()),
                "Condition" => Ok(e.value.clone()),
                _ if resource && POLICIES.contains(&k) => self.policy(id, k, &e.value),
                _ => self
                    .resolve(&e.value)
                    .map(|r| r.unwrap_or_else(|| no_value(e.value.span))),
            };
            match value {
                Ok(v) => {
                    let _ = out.insert(k.to_owned(), e.key_span, v);
                }
                Err(d) => {
                    diags.push(*d);
                    let _ = out.insert(k.to_owned(), e.key_span, e.value.clone());
                }
            }
        }
        Node::new(node.span, NodeKind::Map(out))
    }

    /// `DeletionPolicy` / `UpdateReplacePolicy`: a string stays; an intrinsic function must resolve to a
    /// string now (CloudFormation reads the policy before any parameter reaches the stack).
    fn policy(&mut self, id: &str, attribute: &str, value: &Node) -> Res<Node> {
        match &value.kind {
            NodeKind::String(_) | NodeKind::Null => return Ok(value.clone()),
            NodeKind::Map(_) => {}
            _ => {
                return Err(error(
                    codes::POLICY_NOT_RESOLVED,
                    value.span,
                    format!(
                        "`{attribute}` of `{id}` must be a string, found {}",
                        value.describe()
                    ),
                ));
            }
        }
        let no_value = || {
            error(
                codes::POLICY_NOT_RESOLVED,
                value.span,
                format!("`AWS::NoValue` is not supported in `{attribute}` of `{id}`"),
            )
        };
        if matches!(call(value), Some(("Ref", n)) if n.as_str() == Some("AWS::NoValue")) {
            return Err(no_value());
        }
        let resolved = self.resolve(value)?.ok_or_else(no_value)?;
        match resolved.kind {
            NodeKind::String(_) => Ok(resolved),
            _ => Err(Box::new(Diagnostic::error(
                codes::POLICY_NOT_RESOLVED,
                value.span,
                format!(
                    "`{attribute}` of `{id}` must resolve to a string when the transform runs, found {}",
                    if is_known(&resolved) {
                        resolved.describe()
                    } else {
                        "a value known only at stack time"
                    }
                ),
            )
            .with_help("use a string, or a parameter with a value or a default, a mapping, or a condition"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::transform::resolver::tests::json;
    use crate::transform::tests::load;

    fn run(text: &str) -> Result<serde_json::Value, Vec<(String, String)>> {
        let (doc, sources) = load(text);
        apply(&doc, &sources, &ExpandOptions::default())
            .map(|d| json(&d.root))
            .map_err(|e| {
                e.iter()
                    .map(|d| (sources.snippet(d.span).to_owned(), d.message.clone()))
                    .collect()
            })
    }

    #[test]
    fn the_template_needs_resources() {
        let e = run("Outputs:\n  O:\n    Value: x\n").unwrap_err();
        assert_eq!(e[0].1, "the template has no `Resources` section");
        let e = run("Resources: null\n").unwrap_err();
        assert!(e[0].1.contains("found null"));
        let e = run("Resources:\n  R: null\nOutputs:\n  O: null\n").unwrap_err();
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn policies_resolve_to_strings() {
        let t = "Parameters:\n  P: {Type: String, Default: Retain}\n  Bare: {Type: String}\nMappings:\n  M: {aws: {Policy: Delete}}\nResources:\n  A:\n    Type: AWS::SNS::Topic\n    DeletionPolicy: !Ref P\n    UpdateReplacePolicy: !FindInMap [M, aws, Policy]\n  B:\n    Type: AWS::SNS::Topic\n    DeletionPolicy: Snapshot\n    UpdateReplacePolicy: null\n";
        let out = run(t).unwrap();
        assert_eq!(out["Resources"]["A"]["DeletionPolicy"], "Retain");
        assert_eq!(out["Resources"]["A"]["UpdateReplacePolicy"], "Delete");
        assert_eq!(out["Resources"]["B"]["DeletionPolicy"], "Snapshot");
        for (policy, found) in [
            ("!Ref Bare", "known only at stack time"),
            ("!GetAtt B.Arn", "known only at stack time"),
            ("!Ref AWS::NoValue", "`AWS::NoValue` is not supported"),
            ("[Delete]", "must be a string, found a list"),
        ] {
            let e = run(&t.replace("!Ref P", policy)).unwrap_err();
            assert!(e[0].1.contains(found), "{policy}: {e:?}");
            assert_eq!(e[0].0, policy);
        }
    }

    #[test]
    fn entries_with_a_false_condition_stay_as_written() {
        let t = "Conditions:\n  No: !Equals [a, b]\nResources:\n  A:\n    Type: AWS::SNS::Topic\n    Condition: No\n    Properties:\n      TopicName: !FindInMap [M, x, y]\nOutputs:\n  O:\n    Condition: No\n    Value: !Length x\n";
        let out = run(t).unwrap();
        assert_eq!(
            out["Resources"]["A"]["Properties"]["TopicName"],
            json!({"Fn::FindInMap": ["M", "x", "y"]})
        );
        let e = run(&t.replace(
            "Condition: No\n    Properties",
            "Condition: Nope\n    Properties",
        ))
        .unwrap_err();
        assert_eq!(
            e[0],
            (
                "Nope".to_owned(),
                "condition `Nope` is not defined in `Conditions`".to_owned()
            )
        );
    }

    #[test]
    fn every_failing_entry_is_reported_in_order() {
        let t = "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: !Length a\n  B:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: !Length b\n";
        let e = run(t).unwrap_err();
        assert_eq!(
            e.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn conditions_keep_their_functions_and_sections_stay() {
        let t = "Parameters:\n  Q: {Type: CommaDelimitedList, Default: 'a,b,c'}\nConditions:\n  Three: !Equals [!Length {Ref: Q}, 3]\nMetadata:\n  M: !Ref Q\nResources:\n  R:\n    Type: AWS::SQS::Queue\n    Metadata:\n      Count: !If [Three, !Length {Ref: Q}, 0]\n      Ref: !Ref R\n";
        let out = run(t).unwrap();
        assert_eq!(out["Conditions"]["Three"], json!({"Fn::Equals": [3, 3]}));
        assert_eq!(out["Metadata"]["M"], json!({"Ref": "Q"}));
        assert_eq!(
            out["Resources"]["R"]["Metadata"],
            json!({"Count": 3, "Ref": {"Ref": "R"}})
        );
    }

    #[test]
    fn a_cycle_is_reported_once() {
        let t = "Conditions:\n  B: !Not [!Condition A]\n  A: !Condition B\nResources:\n  R:\n    Type: AWS::SNS::Topic\n    Condition: A\n";
        let e = run(t).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            e[0].1,
            "conditions refer to each other in a cycle: A -> B -> A"
        );
    }

    #[test]
    fn diagnostics_carry_their_template_path() {
        let (doc, sources) = load(
            "Resources:\n  R:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: !Length a\n",
        );
        let e = apply(&doc, &sources, &ExpandOptions::default()).unwrap_err();
        assert_eq!(
            e[0].path.as_deref(),
            Some("/Resources/R/Properties/DelaySeconds/Fn::Length")
        );
    }
}
