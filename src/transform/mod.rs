//! Stage `transform`: rewrites a loaded [`Document`] into the document CloudFormation would see after the
//! template's transforms ran, before it is modelled. For now it applies `AWS::LanguageExtensions`, the part
//! that resolves intrinsic functions (`Fn::Length`, `Fn::ToJsonString`, `Fn::FindInMap` with
//! `DefaultValue`, intrinsic `DeletionPolicy` / `UpdateReplacePolicy`, and the parameter references,
//! conditions and string functions those need); `Fn::ForEach` is refused with a diagnostic until loops are
//! expanded. Templates that do not declare the transform come back unchanged.
//!
//! It never evaluates what CloudFormation leaves to stack time: a `Ref` to a resource, `Fn::GetAtt`,
//! `Fn::ImportValue`, parameters without a value or default, pseudo parameters not given, conditions that
//! depend on them, and every function over them stay as written (with their known parts resolved). Resources
//! and outputs whose condition is false are left exactly as written. Every node it creates carries the span
//! of its origin (the function call it replaces), so later diagnostics still point into the template.
//!
//! It borrows pure helpers from the stages on its right (`evaluate`'s JSON text and equality, `template`'s
//! `Fn::Sub` parser and parameter types) but never models or evaluates a whole template.
//!
//! Diagnostics of this stage:
//!
//! | code | meaning |
//! | --- | --- |
//! | `E6001` | `Fn::ForEach`, not expanded by this version |
//! | `E6002` | no `Resources` section, or a resource or output that is null |
//! | `E6003` | a function whose arguments have the wrong layout |
//! | `E6004` | a function where the transform refuses it (`Fn::GetAtt` in `Fn::FindInMap`, ...) |
//! | `E6005` | `Fn::FindInMap` on a missing mapping or key, without `DefaultValue` |
//! | `E6006` | a condition name not defined in `Conditions` |
//! | `E6007` | a value of the wrong kind (a mapping key that is a list, ...) |
//! | `E6008` | `Fn::Select` with an index outside the list |
//! | `E6009` | a `DeletionPolicy` or `UpdateReplacePolicy` that does not resolve to a string |

pub mod codes;
mod conditions;
mod find_in_map;
mod functions;
mod language_extensions;
mod nodes;
mod resolver;
mod sub;

use indexmap::IndexMap;

use crate::source::{Diagnostic, Document, Node, NodeKind, SourceMap};

/// The transform name this stage applies.
pub const LANGUAGE_EXTENSIONS: &str = "AWS::LanguageExtensions";

/// What the transform may resolve. Anything absent stays unresolved in the output.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExpandOptions {
    /// Parameter values by name, as CloudFormation receives them (text; lists comma-separated). A declared
    /// parameter without a value here resolves to its `Default`, if any.
    pub parameters: IndexMap<String, String>,
    pub pseudo: PseudoParameters,
}

/// The pseudo parameters known when the transform runs; each may be absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PseudoParameters {
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub stack_name: Option<String>,
    pub stack_id: Option<String>,
    /// Derived from the region when absent.
    pub partition: Option<String>,
    /// Derived from the region when absent.
    pub url_suffix: Option<String>,
    pub notification_arns: Option<Vec<String>>,
}

/// A pseudo parameter's value, when known.
pub(crate) enum PseudoValue {
    Text(String),
    List(Vec<String>),
}

impl PseudoParameters {
    /// The value of pseudo parameter `name` when it is known; `None` for unknown values and other names.
    /// `AWS::NoValue` is not a value: callers handle it.
    pub(crate) fn value(&self, name: &str) -> Option<PseudoValue> {
        let region = self.region.as_deref();
        let text = match name {
            "AWS::Region" => self.region.clone(),
            "AWS::AccountId" => self.account_id.clone(),
            "AWS::StackName" => self.stack_name.clone(),
            "AWS::StackId" => self.stack_id.clone(),
            "AWS::Partition" => self
                .partition
                .clone()
                .or_else(|| region.map(|r| crate::evaluate::partition(r).to_owned())),
            "AWS::URLSuffix" => self.url_suffix.clone().or_else(|| {
                region.map(|r| {
                    if r.starts_with("cn-") {
                        "amazonaws.com.cn".to_owned()
                    } else {
                        "amazonaws.com".to_owned()
                    }
                })
            }),
            "AWS::NotificationARNs" => {
                return self.notification_arns.clone().map(PseudoValue::List);
            }
            _ => None,
        };
        text.map(PseudoValue::Text)
    }
}

/// Applies the template's transforms. Only `AWS::LanguageExtensions` is applied for now; a template that
/// does not declare it is returned unchanged, and other transforms it declares are left in place.
pub fn expand(
    doc: &Document,
    sources: &SourceMap,
    options: &ExpandOptions,
) -> Result<Document, Vec<Diagnostic>> {
    if !declares(doc, LANGUAGE_EXTENSIONS) {
        return Ok(doc.clone());
    }
    let loops = for_each_sites(&doc.root);
    if !loops.is_empty() {
        return Err(loops);
    }
    language_extensions::apply(doc, sources, options)
}

/// True when the top-level `Transform` (a name or a list of names) includes `name`.
pub fn declares(doc: &Document, name: &str) -> bool {
    let Some(t) = doc.root.as_map().and_then(|m| m.get("Transform")) else {
        return false;
    };
    match &t.kind {
        NodeKind::String(s) => s == name,
        NodeKind::Seq(items) => items.iter().any(|i| i.as_str() == Some(name)),
        _ => false,
    }
}

/// One diagnostic for each `Fn::ForEach` in the document (a `Fn::ForEach::Name` key or a call).
fn for_each_sites(root: &Node) -> Vec<Diagnostic> {
    fn walk(n: &Node, out: &mut Vec<Diagnostic>) {
        match &n.kind {
            NodeKind::Seq(items) => items.iter().for_each(|i| walk(i, out)),
            NodeKind::Map(m) => {
                for (k, e) in m.iter() {
                    if k.starts_with("Fn::ForEach") {
                        out.push(
                            Diagnostic::error(
                                codes::FOREACH_NOT_EXPANDED,
                                e.key_span,
                                format!("`{k}` is not expanded: Cairn does not support `Fn::ForEach` yet"),
                            )
                            .with_help("write the resources out, one per item of the collection"),
                        );
                    } else {
                        walk(&e.value, out);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Format, Limits, load_text};

    pub(super) fn load(text: &str) -> (Document, SourceMap) {
        let mut sources = SourceMap::new();
        let f = sources.add("t.yaml", text);
        let doc = load_text(f, text, Format::Yaml, &Limits::default())
            .document
            .expect("loads");
        (doc, sources)
    }

    #[test]
    fn templates_without_the_transform_come_back_unchanged() {
        let (doc, sources) = load(
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: !Length [a]\n",
        );
        assert_eq!(
            expand(&doc, &sources, &ExpandOptions::default()).unwrap(),
            doc
        );
    }

    #[test]
    fn for_each_is_refused_at_its_key() {
        let text = "Transform: [AWS::LanguageExtensions]\nResources:\n  Fn::ForEach::Topics:\n    - Name\n    - [a, b]\n    - Topic${Name}:\n        Type: AWS::SNS::Topic\n";
        let (doc, sources) = load(text);
        let e = expand(&doc, &sources, &ExpandOptions::default()).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].code, codes::FOREACH_NOT_EXPANDED);
        assert_eq!(sources.snippet(e[0].span), "Fn::ForEach::Topics");
    }

    #[test]
    fn pseudo_parameters_derive_partition_and_suffix_from_the_region() {
        let p = PseudoParameters {
            region: Some("cn-north-1".into()),
            ..PseudoParameters::default()
        };
        let text = |n: &str| match p.value(n) {
            Some(PseudoValue::Text(t)) => Some(t),
            _ => None,
        };
        assert_eq!(text("AWS::Partition").as_deref(), Some("aws-cn"));
        assert_eq!(text("AWS::URLSuffix").as_deref(), Some("amazonaws.com.cn"));
        assert_eq!(text("AWS::AccountId"), None);
        assert!(
            PseudoParameters::default()
                .value("AWS::Partition")
                .is_none()
        );
    }
}
