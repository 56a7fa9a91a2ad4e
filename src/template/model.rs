//! The typed template: every section and every entry attribute CloudFormation defines, with spans. Built
//! by [`lower`](super::lower) from a [`Document`](crate::source::Document); holds no evaluation results.

use indexmap::IndexMap;

use crate::source::{FileId, Node, Span};

use super::expr::{Expr, Name};
use super::parameter_type::ParameterType;

#[derive(Clone, Debug, Default)]
pub struct Template {
    pub file: FileId,
    /// Key span of each top-level section present, in source order.
    pub sections: IndexMap<String, Span>,
    pub format_version: Option<Name>,
    pub description: Option<Expr>,
    pub metadata: Option<Expr>,
    pub transform: Vec<TransformRef>,
    pub parameters: IndexMap<String, Parameter>,
    pub rules: IndexMap<String, Rule>,
    pub mappings: IndexMap<String, MappingDef>,
    pub conditions: IndexMap<String, ConditionDef>,
    pub resources: IndexMap<String, Resource>,
    pub outputs: IndexMap<String, Output>,
    pub hooks: IndexMap<String, Hook>,
    /// The SAM `Globals` section (only with the SAM transform), kept for that transform.
    pub globals: Option<Node>,
    /// `Fn::ForEach::Name` entries of Conditions, Resources and Outputs (AWS::LanguageExtensions),
    /// unexpanded.
    pub for_each: Vec<ForEachEntry>,
}

/// One entry of the top-level `Transform` section: a name, or `{Name, Parameters}` for AWS::Include.
#[derive(Clone, Debug)]
pub struct TransformRef {
    pub name: Name,
    pub parameters: Option<Node>,
}

#[derive(Clone, Debug)]
pub struct ForEachEntry {
    pub section: &'static str,
    pub name: Name,
    pub body: Expr,
}

#[derive(Clone, Debug)]
pub struct Parameter {
    pub key_span: Span,
    pub span: Span,
    pub parameter_type: Option<(Span, ParameterType)>,
    pub default: Option<Node>,
    pub allowed_values: Option<(Span, Vec<Node>)>,
    pub allowed_pattern: Option<Name>,
    pub min_length: Option<(Span, f64)>,
    pub max_length: Option<(Span, f64)>,
    pub min_value: Option<(Span, f64)>,
    pub max_value: Option<(Span, f64)>,
    pub constraint_description: Option<Name>,
    pub description: Option<Name>,
    pub no_echo: bool,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub key_span: Span,
    pub rule_condition: Option<Expr>,
    pub assertions: Vec<Assertion>,
}

#[derive(Clone, Debug)]
pub struct Assertion {
    pub assert: Expr,
    pub description: Option<Name>,
}

/// A mapping: top-level keys, each a map of second-level keys to values.
#[derive(Clone, Debug)]
pub struct MappingDef {
    pub key_span: Span,
    pub span: Span,
    pub entries: IndexMap<String, MappingTop>,
}

#[derive(Clone, Debug)]
pub struct MappingTop {
    pub key_span: Span,
    pub values: IndexMap<String, (Span, Node)>,
}

#[derive(Clone, Debug)]
pub struct ConditionDef {
    pub key_span: Span,
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub struct Resource {
    pub key_span: Span,
    pub span: Span,
    pub resource_type: Option<Name>,
    pub properties: Option<Expr>,
    pub depends_on: Vec<Name>,
    pub condition: Option<Name>,
    pub deletion_policy: Option<Expr>,
    pub update_replace_policy: Option<Expr>,
    pub creation_policy: Option<Expr>,
    pub update_policy: Option<Expr>,
    pub metadata: Option<Expr>,
}

#[derive(Clone, Debug)]
pub struct Output {
    pub key_span: Span,
    pub span: Span,
    pub value: Option<Expr>,
    pub description: Option<Expr>,
    pub export_name: Option<Expr>,
    pub condition: Option<Name>,
}

#[derive(Clone, Debug)]
pub struct Hook {
    pub key_span: Span,
    pub hook_type: Option<Name>,
    pub properties: Option<Expr>,
}

impl Template {
    pub fn has_transform(&self, name: &str) -> bool {
        self.transform.iter().any(|t| t.name.value == name)
    }
}
