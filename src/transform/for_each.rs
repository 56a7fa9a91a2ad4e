//! `Fn::ForEach` expansion, the first step of `AWS::LanguageExtensions`: every loop of `Conditions`,
//! `Resources`, a resource's `Properties` and `Outputs` is replaced, where it stands, by its output mapping
//! once per item of its collection, with the identifiers substituted (see `substitute.rs`); inner loops
//! expand after their enclosing loop substituted its values. It runs before the transform resolves
//! intrinsic functions, which then see the expanded template.
//!
//! A collection is a list (its items strings, numbers or booleans, or lists of them when the identifier is
//! a list) or a function the transform resolves now to such a list (a `Ref` to a `CommaDelimitedList`
//! parameter, `Fn::FindInMap`, `Fn::Split`, ...). A generated key must not exist already, and a generated
//! logical id, condition or output name must be alphanumeric. `Conditions` and `Outputs` left empty by
//! their loops are removed, as CloudFormation does. Checks that do not depend on a collection's values are
//! the survey's (`loop_survey.rs`). This module never resolves anything but collections.

use std::collections::HashMap;

use crate::source::{Diagnostic, Document, Mapping, Node, NodeKind, SourceMap, Span};

use super::ExpandOptions;
use super::codes;
use super::language_extensions::finish;
use super::loop_header::{Level, is_loop_key, read};
use super::loop_survey::survey;
use super::resolver::Resolver;
use super::substitute::{Bindings, leftover_placeholder};

/// The document with every loop expanded, or `None` when it has no loop.
pub(super) fn expand(
    doc: &Document,
    sources: &SourceMap,
    options: &ExpandOptions,
) -> Result<Option<Document>, Vec<Diagnostic>> {
    let Some(root) = doc.root.as_map() else {
        return Ok(None);
    };
    let survey = survey(root);
    if !survey.diags.is_empty() {
        return Err(finish(doc, survey.diags));
    }
    if survey.loops.is_empty() {
        return Ok(None);
    }
    let mut x = Expander {
        r: Resolver::new(root, options, sources),
        diags: Vec::new(),
    };
    let mut out = Mapping::with_capacity(root.len());
    for (name, e) in root.iter() {
        let value = match (Level::of_section(name), e.value.as_map()) {
            (Some(level), Some(m)) => {
                let mut entries = Entries::default();
                x.entries(m.clone(), level, None, &mut entries);
                let emptied = entries.map.is_empty() && m.keys().any(is_loop_key);
                if emptied && level != Level::Resources {
                    continue;
                }
                Node::new(e.value.span, NodeKind::Map(entries.map))
            }
            _ => e.value.clone(),
        };
        let _ = out.insert(name.to_owned(), e.key_span, value);
    }
    // A loop name may not be a logical id, generated ones included.
    for l in &survey.loops {
        if let Some(r) = out
            .get("Resources")
            .and_then(Node::as_map)
            .and_then(|m| m.get_entry(&l.name))
        {
            x.diags.push(
                Diagnostic::error(
                    codes::FOREACH_NAME_CLASH,
                    l.key_span,
                    format!("loop name `{}` is also a resource's logical id", l.name),
                )
                .with_label(r.key_span, "the resource"),
            );
        }
    }
    if !x.diags.is_empty() {
        return Err(finish(doc, x.diags));
    }
    Ok(Some(Document {
        root: Node::new(doc.root.span, NodeKind::Map(out)),
    }))
}

struct Expander<'a> {
    /// Resolves collections.
    r: Resolver<'a>,
    diags: Vec<Diagnostic>,
}

/// An output mapping being built, and which loop generated each of its keys.
#[derive(Default)]
struct Entries {
    map: Mapping,
    generated_by: HashMap<String, String>,
}

impl Entries {
    /// Adds an entry; a key that exists already is reported, and the first kept.
    fn insert(
        &mut self,
        key: String,
        key_span: Span,
        value: Node,
        from: Option<&str>,
        diags: &mut Vec<Diagnostic>,
    ) {
        let Err(first) = self.map.insert(key.clone(), key_span, value) else {
            if let Some(l) = from {
                self.generated_by.insert(key, l.to_owned());
            }
            return;
        };
        let earlier = self.generated_by.get(&key);
        let (message, label) = match (from, earlier) {
            (Some(l), Some(e)) if l == e => (
                format!("`Fn::ForEach::{l}` generates `{key}` more than once"),
                "generated here too",
            ),
            (Some(l), Some(e)) => (
                format!(
                    "`Fn::ForEach::{l}` generates `{key}`, which `Fn::ForEach::{e}` generates too"
                ),
                "generated here too",
            ),
            (Some(l), None) => (
                format!("`Fn::ForEach::{l}` generates `{key}`, which the template defines already"),
                "defined here",
            ),
            (None, Some(e)) => (
                format!("`{key}` is defined here and generated by `Fn::ForEach::{e}`"),
                "generated here",
            ),
            (None, None) => (format!("`{key}` is defined twice"), "defined here"),
        };
        let d = Diagnostic::error(codes::FOREACH_KEY_COLLISION, key_span, message)
            .with_label(first, label);
        diags.push(if from.is_some() {
            d.with_help("each item must give a different key: include the identifier in the output key, `Name${Identifier}`")
        } else {
            d
        });
    }
}

impl Expander<'_> {
    /// Adds the entries of `m` to `out`, expanding its loops; `from` is the loop whose output mapping `m`
    /// is, if any.
    fn entries(&mut self, m: Mapping, level: Level, from: Option<&str>, out: &mut Entries) {
        for (k, e) in m.into_entries() {
            if is_loop_key(&k) {
                self.for_each(&k, e.key_span, &e.value, level, out);
                continue;
            }
            if let Some(l) = from
                && !self.valid_key(&k, e.key_span, level, l)
            {
                continue;
            }
            let value = match level {
                Level::Resources => self.resource(e.value),
                _ => e.value,
            };
            out.insert(k, e.key_span, value, from, &mut self.diags);
        }
    }

    /// A resource with the loops of its `Properties` expanded.
    fn resource(&mut self, node: Node) -> Node {
        let Node {
            span,
            kind: NodeKind::Map(m),
        } = node
        else {
            return node;
        };
        let mut out = Mapping::with_capacity(m.len());
        for (k, e) in m.into_entries() {
            let value = match e.value.kind {
                NodeKind::Map(props) if k == "Properties" => {
                    let mut entries = Entries::default();
                    self.entries(props, Level::Properties, None, &mut entries);
                    Node::new(e.value.span, NodeKind::Map(entries.map))
                }
                _ => e.value,
            };
            let _ = out.insert(k, e.key_span, value);
        }
        Node::new(span, NodeKind::Map(out))
    }

    /// One loop: its output mapping once per item, added to `out`.
    fn for_each(
        &mut self,
        key: &str,
        key_span: Span,
        value: &Node,
        level: Level,
        out: &mut Entries,
    ) {
        let h = match read(key, key_span, value) {
            Ok(h) => h,
            Err(d) => {
                self.diags.push(*d);
                return;
            }
        };
        let items = match self.r.loop_collection(&h) {
            Ok(items) => items,
            Err(ds) => {
                self.diags.extend(ds);
                return;
            }
        };
        for values in items {
            let bindings = Bindings::new(h.identifiers.iter().map(|(i, _)| *i).zip(values));
            let body = bindings.apply(h.body, &mut self.diags);
            if let NodeKind::Map(m) = body.kind {
                self.entries(m, level, Some(h.name), out);
            }
        }
    }

    /// A generated key: no placeholder left, and alphanumeric where it names a logical id, condition or
    /// output.
    fn valid_key(&mut self, key: &str, span: Span, level: Level, loop_name: &str) -> bool {
        let problem = if let Some((placeholder, name)) = leftover_placeholder(key) {
            Diagnostic::error(
                codes::FOREACH_INVALID_KEY,
                span,
                format!(
                    "`Fn::ForEach::{loop_name}` generates the key `{key}`, which still holds `{placeholder}`: `{name}` is not an identifier of an enclosing loop"
                ),
            )
            .with_help("output keys take the identifiers of their loops only; parameters and other names are not substituted there")
        } else if let Some(what) = level.names()
            && (key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            Diagnostic::error(
                codes::FOREACH_INVALID_KEY,
                span,
                format!("`Fn::ForEach::{loop_name}` generates the {what} `{key}`, which is not alphanumeric"),
            )
            .with_help("write `&{Identifier}` in the output key to drop the characters that are not letters or digits")
        } else {
            return true;
        };
        self.diags.push(problem);
        false
    }
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::json;

    use super::*;
    use crate::transform::resolver::tests::json;
    use crate::transform::tests::load;

    /// The expanded document as JSON, or the diagnostics as (code, snippet, message).
    pub(in crate::transform) fn run_with(
        text: &str,
        options: &ExpandOptions,
    ) -> Result<serde_json::Value, Vec<(&'static str, String, String)>> {
        let (doc, sources) = load(text);
        expand(&doc, &sources, options)
            .map(|d| json(&d.map_or(doc.root, |d| d.root)))
            .map_err(|e| {
                e.iter()
                    .map(|d| {
                        (
                            d.code,
                            sources.snippet(d.span).to_owned(),
                            d.message.clone(),
                        )
                    })
                    .collect()
            })
    }

    pub(in crate::transform) fn run(
        text: &str,
    ) -> Result<serde_json::Value, Vec<(&'static str, String, String)>> {
        run_with(text, &ExpandOptions::default())
    }

    #[test]
    fn a_loop_expands_where_it_stands() {
        let out = run("Resources:\n  A: {Type: AWS::SNS::Topic}\n  Fn::ForEach::Topics:\n    - Name\n    - [x, y]\n    - Topic${Name}:\n        Type: AWS::SNS::Topic\n        Properties:\n          TopicName: !Sub '${Name}-topic'\n          DisplayName: !Ref Name\n  Z: {Type: AWS::SNS::Topic}\n").unwrap();
        let r = &out["Resources"];
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["A", "Topicx", "Topicy", "Z"]);
        assert_eq!(
            r["Topicy"]["Properties"],
            json!({"TopicName": {"Fn::Sub": "y-topic"}, "DisplayName": "y"})
        );
    }

    #[test]
    fn loops_in_every_section_and_in_properties() {
        let out = run("Parameters:\n  Names: {Type: CommaDelimitedList, Default: 'a,b'}\nConditions:\n  Fn::ForEach::C: [N, !Ref Names, {'Is${N}': !Equals [!Ref N, a]}]\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Fn::ForEach::P: [K, [DelaySeconds], {'${K}': 5}]\nOutputs:\n  Fn::ForEach::O: [N, [a], {'Out${N}': {Value: !Ref N}}]\n").unwrap();
        assert_eq!(
            out["Conditions"],
            json!({"Isa": {"Fn::Equals": ["a", "a"]}, "Isb": {"Fn::Equals": ["b", "a"]}})
        );
        assert_eq!(
            out["Resources"]["Q"]["Properties"],
            json!({"DelaySeconds": 5})
        );
        assert_eq!(out["Outputs"], json!({"Outa": {"Value": "a"}}));
    }

    #[test]
    fn nested_loops_and_lists_of_lists() {
        let out = run("Resources:\n  Fn::ForEach::Outer:\n    - [Env, Size]\n    - [[dev, 1], [prod, 3]]\n    - Fn::ForEach::Inner:\n        - Tier\n        - [web, db]\n        - Q${Env}${Tier}:\n            Type: AWS::SQS::Queue\n            Properties:\n              DelaySeconds: !Ref Size\n").unwrap();
        let keys: Vec<&String> = out["Resources"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["Qdevweb", "Qdevdb", "Qprodweb", "Qproddb"]);
        assert_eq!(
            out["Resources"]["Qproddb"]["Properties"]["DelaySeconds"],
            "3"
        );
    }

    #[test]
    fn ampersand_strips_what_is_not_alphanumeric() {
        let out = run("Resources:\n  Fn::ForEach::B: [N, [a.b, c-d], {'B&{N}': {Type: AWS::S3::Bucket, Properties: {BucketName: '${N}'}}}]\n").unwrap();
        assert_eq!(out["Resources"]["Bab"]["Properties"]["BucketName"], "a.b");
        assert!(out["Resources"]["Bcd"].is_object());
    }

    #[test]
    fn generated_keys_that_collide() {
        let e =
            run("Outputs:\n  Fn::ForEach::O: [N, ['1', '2'], {Same: {Value: x}}]\n").unwrap_err();
        assert_eq!(
            e[0],
            (
                codes::FOREACH_KEY_COLLISION,
                "Same".to_owned(),
                "`Fn::ForEach::O` generates `Same` more than once".to_owned()
            )
        );
        let e = run(
            "Outputs:\n  Fn::ForEach::O: [N, ['1'], {'S${N}': {Value: x}}]\n  S1: {Value: y}\n",
        )
        .unwrap_err();
        assert_eq!(e[0].1, "S1");
        assert_eq!(
            e[0].2,
            "`S1` is defined here and generated by `Fn::ForEach::O`"
        );
        let e = run(
            "Outputs:\n  S1: {Value: y}\n  Fn::ForEach::O: [N, ['1'], {'S${N}': {Value: x}}]\n",
        )
        .unwrap_err();
        assert_eq!(e[0].1, "'S${N}'");
        assert_eq!(
            e[0].2,
            "`Fn::ForEach::O` generates `S1`, which the template defines already"
        );
        let e = run("Outputs:\n  Fn::ForEach::A: [N, ['1'], {'S${N}': {Value: x}}]\n  Fn::ForEach::B: [M, ['1'], {'S${M}': {Value: x}}]\n").unwrap_err();
        assert_eq!(
            e[0].2,
            "`Fn::ForEach::B` generates `S1`, which `Fn::ForEach::A` generates too"
        );
    }

    #[test]
    fn generated_names_must_be_alphanumeric_and_fully_substituted() {
        let e = run("Conditions:\n  Fn::ForEach::C: [N, [a-b], {'C${N}': !Equals [a, b]}]\n")
            .unwrap_err();
        assert_eq!(
            e[0],
            (
                codes::FOREACH_INVALID_KEY,
                "'C${N}'".to_owned(),
                "`Fn::ForEach::C` generates the condition name `Ca-b`, which is not alphanumeric"
                    .to_owned()
            )
        );
        let e = run("Parameters:\n  P: {Type: String, Default: x}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Fn::ForEach::P2: [N, [a], {'${N}${P}': 1}]\n").unwrap_err();
        assert_eq!(e[0].0, codes::FOREACH_INVALID_KEY);
        assert!(e[0].2.contains("still holds `${P}`"), "{e:?}");
    }

    #[test]
    fn emptied_sections_go_and_resources_stay() {
        let out = run("Conditions:\n  Fn::ForEach::C: [N, [], {'C${N}': !Equals [a, b]}]\nResources:\n  Fn::ForEach::R: [N, [], {'R${N}': {Type: AWS::SNS::Topic}}]\nOutputs:\n  Fn::ForEach::O: [N, [], {'O${N}': {Value: x}}]\n").unwrap();
        assert_eq!(out, json!({"Resources": {}}));
    }

    #[test]
    fn a_loop_name_may_not_be_a_generated_logical_id() {
        let e =
            run("Resources:\n  Fn::ForEach::T1: [N, ['1'], {'T${N}': {Type: AWS::SNS::Topic}}]\n")
                .unwrap_err();
        assert_eq!(e[0].0, codes::FOREACH_NAME_CLASH);
        assert_eq!(e[0].1, "Fn::ForEach::T1");
    }

    #[test]
    fn expanded_nodes_point_at_the_loop() {
        let text = "Resources:\n  Fn::ForEach::T:\n    - N\n    - [a, b]\n    - T${N}:\n        Type: AWS::SNS::Topic\n        Properties: {TopicName: !Ref N}\n";
        let (doc, sources) = load(text);
        let out = expand(&doc, &sources, &ExpandOptions::default())
            .unwrap()
            .unwrap();
        let r = out
            .root
            .as_map()
            .unwrap()
            .get("Resources")
            .unwrap()
            .as_map()
            .unwrap();
        let e = r.get_entry("Tb").unwrap();
        assert_eq!(sources.snippet(e.key_span), "T${N}");
        let name = e
            .value
            .as_map()
            .unwrap()
            .get("Properties")
            .unwrap()
            .as_map()
            .unwrap()
            .get("TopicName")
            .unwrap();
        assert_eq!(sources.snippet(name.span), "!Ref N");
    }

    #[test]
    fn templates_without_loops_are_not_copied() {
        let (doc, sources) = load("Resources:\n  A: {Type: AWS::SNS::Topic}\n");
        assert_eq!(expand(&doc, &sources, &ExpandOptions::default()), Ok(None));
    }
}
