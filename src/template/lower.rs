//! Lowering a [`Document`] into a [`Template`]: reads every section and every entry attribute, reporting
//! unknown names (with "did you mean"), wrong shapes and missing required keys. It never evaluates
//! intrinsics and never resolves references: those are the `check` and `evaluate` stages' jobs.

use indexmap::IndexMap;

use crate::source::{
    Diagnostic, Document, Mapping, Node, NodeKind, SourceMap, Span, codes, suggest,
};

use super::expr::{Expr, Name};
use super::lower_expr::Lowerer;
use super::model::*;
use super::parameter_type::ParameterType;

pub const SECTIONS: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
    "Hooks",
];

pub const RESOURCE_ATTRIBUTES: &[&str] = &[
    "Type",
    "Properties",
    "DependsOn",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "CreationPolicy",
    "UpdatePolicy",
    "Metadata",
    // Legacy attribute of custom resources, still accepted by CloudFormation.
    "Version",
];

/// Attributes the SAM transform adds to resources (valid with `Transform: AWS::Serverless-2016-10-31`).
pub const SAM_RESOURCE_ATTRIBUTES: &[&str] = &["Connectors", "IgnoreGlobals"];

pub const PARAMETER_ATTRIBUTES: &[&str] = &[
    "Type",
    "Default",
    "AllowedValues",
    "AllowedPattern",
    "ConstraintDescription",
    "Description",
    "MaxLength",
    "MaxValue",
    "MinLength",
    "MinValue",
    "NoEcho",
];

pub const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";

pub const OUTPUT_ATTRIBUTES: &[&str] = &["Value", "Description", "Export", "Condition"];

/// Lowers a loaded document. Returns the template (as complete as the document allows) and diagnostics.
pub fn lower(doc: &Document, sources: &SourceMap) -> (Template, Vec<Diagnostic>) {
    let mut cx = Cx {
        l: Lowerer::new(sources),
        t: Template {
            file: doc.root.span.file,
            ..Template::default()
        },
    };
    if let Some(root) = doc.root.as_map() {
        cx.template(root);
    }
    let Cx { l, t } = cx;
    (t, l.diagnostics)
}

/// Resources sections at least this large are lowered on two threads (and their templates checked on two).
pub(crate) const PARALLEL_RESOURCES: usize = 128;

struct Cx<'a> {
    l: Lowerer<'a>,
    t: Template,
}

impl Cx<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.l.diagnostics.push(d);
    }

    fn shape(&mut self, node: &Node, what: &str, expected: &str) {
        self.push(Diagnostic::error(
            codes::BAD_SHAPE,
            node.span,
            format!("{what} must be {expected}, found {}", node.describe()),
        ));
    }

    /// The mapping of a section or entry, or a shape diagnostic.
    fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n Mapping> {
        let m = node.as_map();
        if m.is_none() {
            self.shape(node, what, "a mapping");
        }
        m
    }

    fn unknown_keys(&mut self, m: &Mapping, known: &[&str], what: &str) {
        for (k, e) in m.iter() {
            if !known.contains(&k) {
                self.push(
                    Diagnostic::error(
                        codes::UNKNOWN_ATTRIBUTE,
                        e.key_span,
                        format!("unknown attribute `{k}` in {what}"),
                    )
                    .with_help_opt(suggest(k, known.iter().copied()))
                    .with_note(format!("valid attributes: {}", known.join(", "))),
                );
            }
        }
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<Name> {
        match node.scalar_text() {
            Some(s) if !matches!(node.kind, NodeKind::Bool(_)) => Some(Name::new(node.span, s)),
            _ => {
                self.shape(node, what, "a string");
                None
            }
        }
    }

    fn template(&mut self, root: &Mapping) {
        // Transforms first: they decide which sections, attributes and function forms are valid.
        if let Some(t) = root.get("Transform") {
            self.transform(t);
        }
        let sam = self.t.has_transform(SAM_TRANSFORM);
        self.l.language_extensions = self.t.has_transform("AWS::LanguageExtensions");
        for (key, e) in root.iter() {
            self.t.sections.insert(key.to_owned(), e.key_span);
            let v = &e.value;
            match key {
                "AWSTemplateFormatVersion" => self.format_version(v),
                "Description" => {
                    if v.as_str().is_none() {
                        self.shape(v, "`Description`", "a string");
                    }
                    self.t.description = Some(self.l.value(v));
                }
                "Metadata" => {
                    if self.map(v, "`Metadata`").is_some() {
                        self.t.metadata = Some(self.l.value(v));
                    }
                }
                "Transform" => {}
                "Globals" if sam => self.t.globals = Some(v.clone()),
                "Parameters" => self.section(v, "Parameters", Self::parameter),
                "Rules" => self.section(v, "Rules", Self::rule),
                "Mappings" => self.section(v, "Mappings", Self::mapping),
                "Conditions" => self.section(v, "Conditions", Self::condition),
                "Resources" => self.resources(v),
                "Outputs" => self.section(v, "Outputs", Self::output),
                "Hooks" => self.section(v, "Hooks", Self::hook),
                _ => {
                    self.push(
                        Diagnostic::error(
                            codes::UNKNOWN_SECTION,
                            e.key_span,
                            format!("unknown top-level section `{key}`"),
                        )
                        .with_help_opt(suggest(key, SECTIONS.iter().copied()))
                        .with_note(format!("valid sections: {}", SECTIONS.join(", "))),
                    );
                }
            }
        }
        if !root.iter().any(|(k, _)| k == "Resources") {
            let span = Span::new(self.t.file, 0, 0);
            self.push(
                Diagnostic::error(
                    codes::NO_RESOURCES,
                    span,
                    "the template has no `Resources` section",
                )
                .with_help("CloudFormation requires at least one resource"),
            );
        }
    }

    fn format_version(&mut self, v: &Node) {
        let text = v.scalar_text();
        match text.as_deref() {
            Some("2010-09-09") => self.t.format_version = Some(Name::new(v.span, "2010-09-09")),
            Some(other) => self.push(
                Diagnostic::error(
                    codes::BAD_FORMAT_VERSION,
                    v.span,
                    format!("`AWSTemplateFormatVersion` is `{other}`, expected `2010-09-09`"),
                )
                .with_help("the only version CloudFormation accepts is \"2010-09-09\""),
            ),
            None => self.shape(v, "`AWSTemplateFormatVersion`", "the string \"2010-09-09\""),
        }
    }

    fn transform(&mut self, v: &Node) {
        let items: Vec<&Node> = match &v.kind {
            NodeKind::Seq(items) => items.iter().collect(),
            _ => vec![v],
        };
        for item in items {
            match &item.kind {
                NodeKind::String(s) => self.t.transform.push(TransformRef {
                    name: Name::new(item.span, s),
                    parameters: None,
                }),
                NodeKind::Map(m) => {
                    match m.get("Name").and_then(|n| n.as_str().map(|s| (n.span, s))) {
                        Some((span, name)) => self.t.transform.push(TransformRef {
                            name: Name::new(span, name),
                            parameters: m.get("Parameters").cloned(),
                        }),
                        None => self.shape(
                            item,
                            "a `Transform` entry",
                            "a name or a mapping with `Name`",
                        ),
                    }
                }
                _ => self.shape(item, "a `Transform` entry", "a transform name"),
            }
        }
    }

    /// Lowers each entry of a section mapping with `f`; `Fn::ForEach::` keys are kept aside.
    fn section(&mut self, v: &Node, name: &'static str, f: fn(&mut Self, &str, Span, &Node)) {
        let Some(m) = self.map(v, &format!("the `{name}` section")) else {
            return;
        };
        for (k, e) in m.iter() {
            if let Some(loop_name) = k.strip_prefix("Fn::ForEach::") {
                let body = self.l.value(&e.value);
                self.t.for_each.push(ForEachEntry {
                    section: name,
                    name: Name::new(e.key_span, loop_name),
                    body,
                });
                continue;
            }
            f(self, k, e.key_span, &e.value);
        }
    }

    /// The `Resources` section. A large one without `Fn::ForEach` entries is lowered in two halves on two
    /// threads (each resource is lowered on its own; the halves' resources and diagnostics are joined in
    /// the template's order, so the result is the one the sequential loop gives).
    fn resources(&mut self, v: &Node) {
        let split = v.as_map().filter(|m| {
            m.len() >= PARALLEL_RESOURCES && !m.iter().any(|(k, _)| k.starts_with("Fn::ForEach::"))
        });
        let Some(m) = split else {
            return self.section(v, "Resources", Self::resource);
        };
        let entries: Vec<(&str, &crate::source::Entry)> = m.iter().collect();
        let (first, second) = entries.split_at(entries.len() / 2);
        let mut other = Cx {
            l: Lowerer::new(self.l.sources),
            t: Template {
                file: self.t.file,
                transform: self.t.transform.clone(),
                ..Template::default()
            },
        };
        other.l.language_extensions = self.l.language_extensions;
        std::thread::scope(|s| {
            let half = s.spawn(move || {
                for (k, e) in second {
                    other.resource(k, e.key_span, &e.value);
                }
                other
            });
            for (k, e) in first {
                self.resource(k, e.key_span, &e.value);
            }
            // A panic in the other half is a bug; it is passed on as it would be on one thread.
            let other = half.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            self.t.resources.extend(other.t.resources);
            self.l.diagnostics.extend(other.l.diagnostics);
        });
    }

    fn parameter(&mut self, name: &str, key_span: Span, v: &Node) {
        let Some(m) = self.map(v, &format!("parameter `{name}`")) else {
            return;
        };
        self.unknown_keys(m, PARAMETER_ATTRIBUTES, &format!("parameter `{name}`"));
        let mut p = Parameter {
            key_span,
            span: v.span,
            parameter_type: None,
            default: m.get("Default").cloned(),
            allowed_values: None,
            allowed_pattern: None,
            min_length: None,
            max_length: None,
            min_value: None,
            max_value: None,
            constraint_description: None,
            description: None,
            no_echo: false,
        };
        match m.get("Type") {
            None => self.push(
                Diagnostic::error(
                    codes::MISSING_TYPE,
                    key_span,
                    format!("parameter `{name}` has no `Type`"),
                )
                .with_help(
                    "add `Type: String` (or Number, CommaDelimitedList, an AWS-specific type...)",
                ),
            ),
            Some(t) => match t.as_str() {
                Some(s) => match ParameterType::parse(s) {
                    Some(pt) => p.parameter_type = Some((t.span, pt)),
                    None => self.push(
                        Diagnostic::error(
                            codes::BAD_PARAMETER_TYPE,
                            t.span,
                            format!("unknown parameter type `{s}`"),
                        )
                        .with_help_opt(suggest(
                            s,
                            ["String", "Number", "List<Number>", "CommaDelimitedList"]
                                .into_iter()
                                .chain(super::parameter_type::AWS_TYPES.iter().copied()),
                        )),
                    ),
                },
                None => self.shape(t, "a parameter `Type`", "a string"),
            },
        }
        if let Some(av) = m.get("AllowedValues") {
            match av.as_seq() {
                Some(items) => p.allowed_values = Some((av.span, items.to_vec())),
                None => self.shape(av, "`AllowedValues`", "a list"),
            }
        }
        if let Some(n) = m.get("AllowedPattern") {
            p.allowed_pattern = self.string(n, "`AllowedPattern`");
        }
        if let Some(n) = m.get("ConstraintDescription") {
            p.constraint_description = self.string(n, "`ConstraintDescription`");
        }
        if let Some(n) = m.get("Description") {
            p.description = self.string(n, "`Description`");
        }
        for (attr, slot) in [
            ("MinLength", &mut p.min_length),
            ("MaxLength", &mut p.max_length),
            ("MinValue", &mut p.min_value),
            ("MaxValue", &mut p.max_value),
        ] {
            if let Some(n) = m.get(attr) {
                match n.scalar_text().and_then(|s| s.trim().parse::<f64>().ok()) {
                    Some(x) => *slot = Some((n.span, x)),
                    None => self.l.diagnostics.push(Diagnostic::error(
                        codes::BAD_SHAPE,
                        n.span,
                        format!("`{attr}` must be a number, found {}", n.describe()),
                    )),
                }
            }
        }
        if let Some(n) = m.get("NoEcho") {
            match n.scalar_text().as_deref() {
                Some("true") | Some("True") => p.no_echo = true,
                Some("false") | Some("False") => {}
                _ => self.shape(n, "`NoEcho`", "true or false"),
            }
        }
        self.t.parameters.insert(name.to_owned(), p);
    }

    fn rule(&mut self, name: &str, key_span: Span, v: &Node) {
        let Some(m) = self.map(v, &format!("rule `{name}`")) else {
            return;
        };
        self.unknown_keys(
            m,
            &["RuleCondition", "Assertions"],
            &format!("rule `{name}`"),
        );
        let rule_condition = m.get("RuleCondition").map(|n| self.l.condition(n));
        let mut assertions = Vec::new();
        match m.get("Assertions") {
            None => self.push(Diagnostic::error(
                codes::MISSING_VALUE,
                key_span,
                format!("rule `{name}` has no `Assertions`"),
            )),
            Some(a) => match a.as_seq() {
                None => self.shape(a, "`Assertions`", "a list"),
                Some(items) => {
                    for item in items {
                        let Some(im) = self.map(item, "an assertion") else {
                            continue;
                        };
                        self.unknown_keys(im, &["Assert", "AssertDescription"], "an assertion");
                        let Some(assert) = im.get("Assert") else {
                            self.push(Diagnostic::error(
                                codes::MISSING_VALUE,
                                item.span,
                                "an assertion needs `Assert`",
                            ));
                            continue;
                        };
                        let assert = self.l.condition(assert);
                        let description = im
                            .get("AssertDescription")
                            .and_then(|d| self.string(d, "`AssertDescription`"));
                        assertions.push(Assertion {
                            assert,
                            description,
                        });
                    }
                }
            },
        }
        self.t.rules.insert(
            name.to_owned(),
            Rule {
                key_span,
                rule_condition,
                assertions,
            },
        );
    }

    fn mapping(&mut self, name: &str, key_span: Span, v: &Node) {
        let Some(m) = self.map(v, &format!("mapping `{name}`")) else {
            return;
        };
        let mut entries = IndexMap::new();
        for (top, e) in m.iter() {
            let Some(second) = self.map(&e.value, &format!("key `{top}` of mapping `{name}`"))
            else {
                continue;
            };
            let values = second
                .iter()
                .map(|(k, se)| (k.to_owned(), (se.key_span, se.value.clone())))
                .collect();
            entries.insert(
                top.to_owned(),
                MappingTop {
                    key_span: e.key_span,
                    values,
                },
            );
        }
        self.t.mappings.insert(
            name.to_owned(),
            MappingDef {
                key_span,
                span: v.span,
                entries,
            },
        );
    }

    fn condition(&mut self, name: &str, key_span: Span, v: &Node) {
        let expr = self.l.condition(v);
        self.t
            .conditions
            .insert(name.to_owned(), ConditionDef { key_span, expr });
    }

    fn resource(&mut self, name: &str, key_span: Span, v: &Node) {
        let Some(m) = self.map(v, &format!("resource `{name}`")) else {
            return;
        };
        if self.t.has_transform(SAM_TRANSFORM) {
            let known: Vec<&str> = RESOURCE_ATTRIBUTES
                .iter()
                .chain(SAM_RESOURCE_ATTRIBUTES)
                .copied()
                .collect();
            self.unknown_keys(m, &known, &format!("resource `{name}`"));
        } else {
            self.unknown_keys(m, RESOURCE_ATTRIBUTES, &format!("resource `{name}`"));
        }
        let resource_type = match m.get("Type") {
            None => {
                self.push(
                    Diagnostic::error(
                        codes::MISSING_TYPE,
                        key_span,
                        format!("resource `{name}` has no `Type`"),
                    )
                    .with_help("every resource needs a `Type` such as `AWS::S3::Bucket`"),
                );
                None
            }
            Some(t) => self.string(t, "a resource `Type`"),
        };
        let properties = m.get("Properties").map(|p| {
            if p.as_map().is_none() && !is_call(p) {
                self.shape(p, &format!("the `Properties` of `{name}`"), "a mapping");
            }
            self.l.value(p)
        });
        let depends_on = match m.get("DependsOn") {
            None => Vec::new(),
            Some(d) => match &d.kind {
                NodeKind::String(s) => vec![Name::new(d.span, s)],
                NodeKind::Seq(items) => items
                    .iter()
                    .filter_map(|i| self.string(i, "a `DependsOn` entry"))
                    .collect(),
                _ => {
                    self.shape(d, "`DependsOn`", "a logical id or a list of logical ids");
                    Vec::new()
                }
            },
        };
        let condition = m
            .get("Condition")
            .and_then(|c| self.string(c, "a resource `Condition`"));
        let mut opt = |key: &str| m.get(key).map(|n| self.l.value(n));
        let resource = Resource {
            key_span,
            span: v.span,
            resource_type,
            properties,
            depends_on,
            condition,
            deletion_policy: opt("DeletionPolicy"),
            update_replace_policy: opt("UpdateReplacePolicy"),
            creation_policy: opt("CreationPolicy"),
            update_policy: opt("UpdatePolicy"),
            metadata: opt("Metadata"),
        };
        self.t.resources.insert(name.to_owned(), resource);
    }

    fn output(&mut self, name: &str, key_span: Span, v: &Node) {
        let Some(m) = self.map(v, &format!("output `{name}`")) else {
            return;
        };
        self.unknown_keys(m, OUTPUT_ATTRIBUTES, &format!("output `{name}`"));
        let value = m.get("Value").map(|n| self.l.value(n));
        if value.is_none() {
            self.push(
                Diagnostic::error(
                    codes::MISSING_VALUE,
                    key_span,
                    format!("output `{name}` has no `Value`"),
                )
                .with_help("add `Value: !Ref SomeResource` (or any value to export)"),
            );
        }
        let export_name = m.get("Export").and_then(|x| {
            let em = self.map(x, &format!("the `Export` of output `{name}`"))?;
            self.unknown_keys(em, &["Name"], &format!("the `Export` of output `{name}`"));
            match em.get("Name") {
                Some(n) => Some(self.l.value(n)),
                None => {
                    self.push(Diagnostic::error(
                        codes::MISSING_VALUE,
                        x.span,
                        format!("the `Export` of output `{name}` has no `Name`"),
                    ));
                    None
                }
            }
        });
        let description = m.get("Description").map(|n| self.l.value(n));
        let condition = m
            .get("Condition")
            .and_then(|c| self.string(c, "an output `Condition`"));
        self.t.outputs.insert(
            name.to_owned(),
            Output {
                key_span,
                span: v.span,
                value,
                description,
                export_name,
                condition,
            },
        );
    }

    fn hook(&mut self, name: &str, key_span: Span, v: &Node) {
        let Some(m) = self.map(v, &format!("hook `{name}`")) else {
            return;
        };
        self.unknown_keys(m, &["Type", "Properties"], &format!("hook `{name}`"));
        let hook_type = match m.get("Type") {
            Some(t) => self.string(t, "a hook `Type`"),
            None => {
                self.push(Diagnostic::error(
                    codes::MISSING_TYPE,
                    key_span,
                    format!("hook `{name}` has no `Type`"),
                ));
                None
            }
        };
        let properties = m.get("Properties").map(|p| self.l.value(p));
        self.t.hooks.insert(
            name.to_owned(),
            Hook {
                key_span,
                hook_type,
                properties,
            },
        );
    }
}

fn is_call(n: &Node) -> bool {
    n.as_map()
        .and_then(Mapping::single)
        .is_some_and(|(k, _)| k == "Ref" || k.starts_with("Fn::"))
}

/// Helper for checks: the expression of a resource attribute, if present.
pub fn attribute<'r>(r: &'r Resource, name: &str) -> Option<&'r Expr> {
    match name {
        "Properties" => r.properties.as_ref(),
        "DeletionPolicy" => r.deletion_policy.as_ref(),
        "UpdateReplacePolicy" => r.update_replace_policy.as_ref(),
        "CreationPolicy" => r.creation_policy.as_ref(),
        "UpdatePolicy" => r.update_policy.as_ref(),
        "Metadata" => r.metadata.as_ref(),
        _ => None,
    }
}
