//! The survey of a template's loops before any expands: every `Fn::ForEach` as written, with the checks
//! that do not depend on a collection's values, so each problem is reported once (not once per iteration,
//! and even when a collection is empty). It checks each loop's layout and place, the nesting depth and the
//! names: loop names unique and distinct from parameters and written logical ids, identifiers distinct
//! from parameters, loop names and the identifiers of enclosing loops. It never resolves a collection.

use std::collections::HashMap;

use crate::source::{Diagnostic, Mapping, Node, NodeKind, Span};

use super::codes;
use super::loop_header::{Level, MAX_DEPTH, is_loop_key, read};

/// A loop as written.
pub(super) struct LoopSite {
    pub name: String,
    pub key_span: Span,
    pub identifiers: Vec<(String, Span)>,
}

/// The template's loops, in source order (outer before inner), and the problems found.
#[derive(Default)]
pub(super) struct Survey {
    pub loops: Vec<LoopSite>,
    pub diags: Vec<Diagnostic>,
}

/// Surveys the loops of a template's root mapping.
pub(super) fn survey(root: &Mapping) -> Survey {
    let mut s = Survey::default();
    let mut enclosing = Vec::new();
    for (name, e) in root.iter() {
        match (Level::of_section(name), e.value.as_map()) {
            (Some(level), Some(m)) => s.entries(m, level, &mut enclosing, 0),
            _ => s.value(&e.value),
        }
    }
    if !s.loops.is_empty() {
        s.names(root);
    }
    s
}

impl Survey {
    /// The entries of a section, a loop's output mapping, or a resource's `Properties`.
    fn entries(
        &mut self,
        m: &Mapping,
        level: Level,
        enclosing: &mut Vec<(String, Span)>,
        depth: usize,
    ) {
        for (k, e) in m.iter() {
            if is_loop_key(k) {
                self.for_each(k, e.key_span, &e.value, level, enclosing, depth);
                continue;
            }
            let entity = matches!(level, Level::Resources | Level::Outputs);
            if depth > 0 && entity && e.value.as_map().is_none() {
                self.diags.push(
                    Diagnostic::error(
                        codes::FOREACH_LAYOUT,
                        e.value.span,
                        format!(
                            "output key `{k}` must map to a {}, found {}",
                            if level == Level::Resources {
                                "resource"
                            } else {
                                "output"
                            },
                            e.value.describe()
                        ),
                    )
                    .with_help("the third item of a loop maps each output key to what it generates: `Topic${Name}: {Type: AWS::SNS::Topic}`"),
                );
                continue;
            }
            match level {
                Level::Resources => self.resource(&e.value, enclosing, depth),
                _ => self.value(&e.value),
            }
        }
    }

    /// A resource: loops may stand in its `Properties` only.
    fn resource(&mut self, node: &Node, enclosing: &mut Vec<(String, Span)>, depth: usize) {
        let Some(m) = node.as_map() else {
            return;
        };
        for (k, e) in m.iter() {
            match (k, e.value.as_map()) {
                ("Properties", Some(props)) => {
                    self.entries(props, Level::Properties, enclosing, depth);
                }
                _ if is_loop_key(k) => self.misplaced(k, e.key_span),
                _ => self.value(&e.value),
            }
        }
    }

    /// A value where loops may not stand.
    fn value(&mut self, node: &Node) {
        match &node.kind {
            NodeKind::Seq(items) => items.iter().for_each(|i| self.value(i)),
            NodeKind::Map(m) => {
                for (k, e) in m.iter() {
                    if is_loop_key(k) {
                        self.misplaced(k, e.key_span);
                    } else {
                        self.value(&e.value);
                    }
                }
            }
            _ => {}
        }
    }

    fn misplaced(&mut self, key: &str, span: Span) {
        self.diags.push(
            Diagnostic::error(
                codes::FOREACH_MISPLACED,
                span,
                format!("`{key}` is not allowed here"),
            )
            .with_help("a loop stands in `Conditions`, `Resources`, a resource's `Properties` or `Outputs`, or in the output mapping of another loop there"),
        );
    }

    fn for_each(
        &mut self,
        key: &str,
        key_span: Span,
        value: &Node,
        level: Level,
        enclosing: &mut Vec<(String, Span)>,
        depth: usize,
    ) {
        if depth >= MAX_DEPTH {
            self.diags.push(Diagnostic::error(
                codes::FOREACH_TOO_DEEP,
                key_span,
                format!(
                    "`{key}` is nested {} loops deep; loops nest at most {MAX_DEPTH} deep",
                    depth + 1
                ),
            ));
            return;
        }
        let h = match read(key, key_span, value) {
            Ok(h) => h,
            Err(d) => {
                self.diags.push(*d);
                return;
            }
        };
        self.value(h.collection);
        let before = enclosing.len();
        for (i, &(id, span)) in h.identifiers.iter().enumerate() {
            if let Some((_, first)) = enclosing.iter().find(|(e, _)| e == id) {
                let whose = if h.identifiers[..i].iter().any(|(e, _)| *e == id) {
                    "this loop"
                } else {
                    "an enclosing loop"
                };
                self.diags.push(
                    Diagnostic::error(
                        codes::FOREACH_NAME_CLASH,
                        span,
                        format!("identifier `{id}` is already an identifier of {whose}"),
                    )
                    .with_label(*first, "first declared here"),
                );
            }
            enclosing.push((id.to_owned(), span));
        }
        self.loops.push(LoopSite {
            name: h.name.to_owned(),
            key_span,
            identifiers: h
                .identifiers
                .iter()
                .map(|&(i, s)| (i.to_owned(), s))
                .collect(),
        });
        self.entries(h.outputs(), level, enclosing, depth + 1);
        enclosing.truncate(before);
    }

    /// Loop names and identifiers against each other and the template's parameters and logical ids.
    fn names(&mut self, root: &Mapping) {
        let keys = |section: &str| -> HashMap<&str, Span> {
            root.get(section)
                .and_then(Node::as_map)
                .into_iter()
                .flat_map(Mapping::iter)
                .filter(|(k, _)| !is_loop_key(k))
                .map(|(k, e)| (k, e.key_span))
                .collect()
        };
        let parameters = keys("Parameters");
        let resources = keys("Resources");
        let mut names: HashMap<&str, Span> = HashMap::new();
        let mut diags = Vec::new();
        for l in &self.loops {
            let clash = |message: String, other: Span, what: &str| {
                Diagnostic::error(codes::FOREACH_NAME_CLASH, l.key_span, message)
                    .with_label(other, what.to_owned())
            };
            if let Some(first) = names.insert(&l.name, l.key_span) {
                names.insert(&l.name, first);
                diags.push(
                    clash(
                        format!("loop name `{}` is used by another loop", l.name),
                        first,
                        "first used here",
                    )
                    .with_help("loop names are unique in the template"),
                );
            }
            if let Some(p) = parameters.get(l.name.as_str()) {
                diags.push(clash(
                    format!("loop name `{}` is also a parameter", l.name),
                    *p,
                    "the parameter",
                ));
            }
            if let Some(r) = resources.get(l.name.as_str()) {
                diags.push(clash(
                    format!("loop name `{}` is also a resource's logical id", l.name),
                    *r,
                    "the resource",
                ));
            }
        }
        for l in &self.loops {
            for (id, span) in &l.identifiers {
                let clash = |message: String, other: Span, what: &str| {
                    Diagnostic::error(codes::FOREACH_NAME_CLASH, *span, message)
                        .with_label(other, what.to_owned())
                };
                if let Some(p) = parameters.get(id.as_str()) {
                    diags.push(
                        clash(
                            format!("identifier `{id}` is also a parameter"),
                            *p,
                            "the parameter",
                        )
                        .with_help(format!(
                            "`${{{id}}}` and `Ref: {id}` would mean both; rename the identifier"
                        )),
                    );
                }
                if let Some(n) = names.get(id.as_str()) {
                    diags.push(clash(
                        format!("identifier `{id}` is also a loop name"),
                        *n,
                        "the loop",
                    ));
                }
            }
        }
        self.diags.extend(diags);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::tests::load;

    /// The survey's diagnostics as (code, snippet, message).
    fn problems(text: &str) -> Vec<(&'static str, String, String)> {
        let (doc, sources) = load(text);
        let s = survey(doc.root.as_map().unwrap());
        s.diags
            .iter()
            .map(|d| {
                (
                    d.code,
                    sources.snippet(d.span).to_owned(),
                    d.message.clone(),
                )
            })
            .collect()
    }

    const TOPIC: &str = "{Type: AWS::SNS::Topic}";

    #[test]
    fn loops_are_found_in_every_place_they_may_stand() {
        let t = format!(
            "Conditions:\n  Fn::ForEach::C: [N, [a], {{'C${{N}}': !Equals [a, b]}}]\nResources:\n  Fn::ForEach::R: [N, [a], {{'R${{N}}': {TOPIC}}}]\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Fn::ForEach::P: [N, [a], {{'${{N}}': x}}]\nOutputs:\n  Fn::ForEach::O: [N, [a], {{'O${{N}}': {{Value: x}}}}]\n"
        );
        let (doc, _) = load(&t);
        let s = survey(doc.root.as_map().unwrap());
        assert!(s.diags.is_empty(), "{:?}", s.diags);
        let names: Vec<&str> = s.loops.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["C", "R", "P", "O"]);
    }

    #[test]
    fn loops_elsewhere_are_misplaced() {
        let p = problems(&format!(
            "Metadata:\n  Fn::ForEach::M: [N, [a], {{}}]\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Fn::ForEach::A: [N, [a], {{}}]\n    Properties:\n      Tags:\n        Fn::ForEach::T: [N, [a], {{}}]\n  Fn::ForEach::R: [N, [Fn::ForEach::X: []], {{'R${{N}}': {TOPIC}}}]\n"
        ));
        let at: Vec<&str> = p.iter().map(|d| d.1.as_str()).collect();
        assert_eq!(
            at,
            [
                "Fn::ForEach::M",
                "Fn::ForEach::A",
                "Fn::ForEach::T",
                "Fn::ForEach::X"
            ]
        );
        assert!(p.iter().all(|d| d.0 == codes::FOREACH_MISPLACED));
    }

    #[test]
    fn nesting_stops_at_five() {
        let mut body = format!("{{'R${{A}}${{B}}${{C}}${{D}}${{E}}': {TOPIC}}}");
        for id in ["E", "D", "C", "B", "A"] {
            body = format!("{{Fn::ForEach::L{id}: [{id}, [x], {body}]}}");
        }
        let t = format!("Resources: {body}\n");
        assert!(problems(&t).is_empty());
        let deeper = t.replace(
            &format!("{{'R${{A}}${{B}}${{C}}${{D}}${{E}}': {TOPIC}}}"),
            &format!("{{Fn::ForEach::LF: [F, [y], {{'R${{F}}': {TOPIC}}}]}}"),
        );
        let p = problems(&deeper);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, codes::FOREACH_TOO_DEEP);
        assert_eq!(p[0].1, "Fn::ForEach::LF");
        assert!(p[0].2.contains("nested 6 loops deep"));
    }

    #[test]
    fn identifiers_clash_with_enclosing_ones_parameters_and_loop_names() {
        let p = problems(&format!(
            "Parameters:\n  P: {{Type: String}}\n  Loop2: {{Type: String}}\nResources:\n  Fn::ForEach::Loop1:\n    - N\n    - [a]\n    - Fn::ForEach::Inner: [[M, N], [[b, c]], {{'R${{M}}': {TOPIC}}}]\n  Fn::ForEach::Loop2: [P, [a], {{'S${{P}}': {TOPIC}}}]\n  Fn::ForEach::Loop3: [Loop1, [a], {{'T${{Loop1}}': {TOPIC}}}]\n"
        ));
        let got: Vec<(String, String)> = p.iter().map(|d| (d.1.clone(), d.2.clone())).collect();
        assert_eq!(
            got,
            [
                (
                    "N".to_owned(),
                    "identifier `N` is already an identifier of an enclosing loop".to_owned()
                ),
                (
                    "Fn::ForEach::Loop2".to_owned(),
                    "loop name `Loop2` is also a parameter".to_owned()
                ),
                (
                    "P".to_owned(),
                    "identifier `P` is also a parameter".to_owned()
                ),
                (
                    "Loop1".to_owned(),
                    "identifier `Loop1` is also a loop name".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn identifiers_of_one_loop_are_distinct() {
        let p = problems(&format!(
            "Resources:\n  Fn::ForEach::L: [[A, A], [[x, y]], {{'R${{A}}': {TOPIC}}}]\n"
        ));
        assert_eq!(p.len(), 1);
        assert_eq!(
            p[0].2,
            "identifier `A` is already an identifier of this loop"
        );
    }

    #[test]
    fn loop_names_are_unique_and_not_logical_ids() {
        let p = problems(&format!(
            "Resources:\n  Fn::ForEach::Same: [N, [a], {{'R${{N}}': {TOPIC}}}]\n  Same: {TOPIC}\nOutputs:\n  Fn::ForEach::Same: [N, [a], {{'O${{N}}': {{Value: x}}}}]\n"
        ));
        let messages: Vec<&str> = p.iter().map(|d| d.2.as_str()).collect();
        assert_eq!(
            messages,
            [
                "loop name `Same` is also a resource's logical id",
                "loop name `Same` is used by another loop",
                "loop name `Same` is also a resource's logical id",
            ]
        );
    }

    #[test]
    fn output_values_of_resources_and_outputs_are_mappings() {
        let p = problems("Resources:\n  Fn::ForEach::L: [N, [a], {Type: AWS::SNS::Topic}]\n");
        assert_eq!(p[0].0, codes::FOREACH_LAYOUT);
        assert_eq!(p[0].1, "AWS::SNS::Topic");
        assert_eq!(
            p[0].2,
            "output key `Type` must map to a resource, found a string"
        );
    }
}
