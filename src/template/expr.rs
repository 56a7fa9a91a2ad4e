//! `Expr`: a template value with every intrinsic function call typed. Values that are plain data stay
//! `String`/`List`/`Map`; a one-key mapping whose key is `Ref`, `Condition` (in condition positions) or a
//! `Fn::` name becomes a call. Every variant keeps the span of the source it came from.

use crate::source::{SmallMap, Span};

/// A name written in the template (a logical id, a condition, a mapping key), with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub span: Span,
    pub value: String,
}

impl Name {
    pub fn new(span: Span, value: impl Into<String>) -> Name {
        Name {
            span,
            value: value.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

/// A mapping value: its entries in source order, each with the span of its key.
pub type ExprMap = SmallMap<(Span, Expr)>;

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    /// A number as written in the template.
    Number(String),
    String(String),
    /// A string holding one or more `{{resolve:...}}` dynamic references.
    Dynamic(Vec<DynamicPart>),
    List(Vec<Expr>),
    Map(ExprMap),
    /// `Ref`: a parameter, a pseudo parameter or a resource.
    Ref(Name),
    /// `Fn::GetAtt`: a resource and an attribute name (a string, or a `Ref` to a parameter).
    GetAtt {
        resource: Name,
        attribute: Box<Expr>,
    },
    /// `Fn::Sub`, string or list form (boxed: the largest call, kept out of every other value's size).
    Sub(Box<SubCall>),
    Join {
        delimiter: Box<Expr>,
        list: Box<Expr>,
    },
    Select {
        index: Box<Expr>,
        list: Box<Expr>,
    },
    Split {
        delimiter: Box<Expr>,
        source: Box<Expr>,
    },
    FindInMap {
        map: Box<Expr>,
        top_key: Box<Expr>,
        second_key: Box<Expr>,
        /// `DefaultValue` (AWS::LanguageExtensions).
        default: Option<Box<Expr>>,
    },
    Base64(Box<Expr>),
    Cidr {
        block: Box<Expr>,
        count: Box<Expr>,
        bits: Box<Expr>,
    },
    GetAZs(Box<Expr>),
    ImportValue(Box<Expr>),
    If {
        condition: Name,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Equals(Box<Expr>, Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// `Condition: Name` inside condition functions.
    Condition(Name),
    /// `Fn::Transform`: expanded by the transform stage before modelling; kept as data otherwise.
    Transform {
        name: Box<Expr>,
        parameters: Option<Box<Expr>>,
    },
    /// `Fn::Length` (AWS::LanguageExtensions).
    Length(Box<Expr>),
    /// `Fn::ToJsonString` (AWS::LanguageExtensions).
    ToJsonString(Box<Expr>),
    /// `Fn::GetStackOutput`: an output of another stack.
    GetStackOutput {
        stack_name: Box<Expr>,
        output_name: Box<Expr>,
        region: Option<Box<Expr>>,
        role_arn: Option<Box<Expr>>,
    },
    /// Rules functions (valid only in the Rules section).
    Contains {
        list: Box<Expr>,
        value: Box<Expr>,
    },
    EachMemberEquals {
        list: Box<Expr>,
        value: Box<Expr>,
    },
    EachMemberIn {
        list: Box<Expr>,
        values: Box<Expr>,
    },
    RefAll(Box<Expr>),
    ValueOf {
        parameter: Box<Expr>,
        attribute: Box<Expr>,
    },
    ValueOfAll {
        parameter_type: Box<Expr>,
        attribute: Box<Expr>,
    },
    /// A `Fn::ForEach::Name` entry met inside a value (AWS::LanguageExtensions), kept unexpanded.
    ForEach {
        name: String,
        body: Box<Expr>,
    },
    /// A call whose arguments were malformed; the diagnostic has already been reported.
    Invalid,
}

/// The arguments of `Fn::Sub`: the literal template string, parsed into `parts`, and the variables.
#[derive(Clone, Debug, PartialEq)]
pub struct SubCall {
    pub template: Name,
    pub parts: Vec<SubPart>,
    pub variables: ExprMap,
}

/// A piece of a `Fn::Sub` template string.
#[derive(Clone, Debug, PartialEq)]
pub enum SubPart {
    Text(String),
    /// `${Name}` or `${Resource.Attribute}`; `span` covers the name inside the string when it can be
    /// located in the source, else the whole template string.
    Var {
        name: String,
        span: Span,
    },
}

/// A piece of a string holding dynamic references.
#[derive(Clone, Debug, PartialEq)]
pub enum DynamicPart {
    Text(String),
    Resolve(DynamicReference),
}

/// `{{resolve:service:reference}}`: `ssm`, `ssm-secure` or `secretsmanager`.
#[derive(Clone, Debug, PartialEq)]
pub struct DynamicReference {
    pub service: String,
    pub reference: String,
}

/// The functions an `Expr` may call, by their long-form names.
pub const FUNCTIONS: &[&str] = &[
    "Ref",
    "Condition",
    "Fn::Base64",
    "Fn::Cidr",
    "Fn::FindInMap",
    "Fn::GetAtt",
    "Fn::GetAZs",
    "Fn::ImportValue",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::Sub",
    "Fn::Transform",
    "Fn::If",
    "Fn::Equals",
    "Fn::And",
    "Fn::Or",
    "Fn::Not",
    "Fn::Length",
    "Fn::ToJsonString",
    "Fn::GetStackOutput",
    "Fn::Contains",
    "Fn::EachMemberEquals",
    "Fn::EachMemberIn",
    "Fn::RefAll",
    "Fn::ValueOf",
    "Fn::ValueOfAll",
];

impl Expr {
    pub fn new(span: Span, kind: ExprKind) -> Expr {
        Expr { span, kind }
    }

    /// The long-form name of the function this expression calls, if it is a call.
    pub fn function_name(&self) -> Option<&'static str> {
        use ExprKind::*;
        Some(match &self.kind {
            Ref(_) => "Ref",
            Condition(_) => "Condition",
            GetAtt { .. } => "Fn::GetAtt",
            Sub(_) => "Fn::Sub",
            Join { .. } => "Fn::Join",
            Select { .. } => "Fn::Select",
            Split { .. } => "Fn::Split",
            FindInMap { .. } => "Fn::FindInMap",
            Base64(_) => "Fn::Base64",
            Cidr { .. } => "Fn::Cidr",
            GetAZs(_) => "Fn::GetAZs",
            ImportValue(_) => "Fn::ImportValue",
            If { .. } => "Fn::If",
            Equals(..) => "Fn::Equals",
            And(_) => "Fn::And",
            Or(_) => "Fn::Or",
            Not(_) => "Fn::Not",
            Transform { .. } => "Fn::Transform",
            Length(_) => "Fn::Length",
            ToJsonString(_) => "Fn::ToJsonString",
            GetStackOutput { .. } => "Fn::GetStackOutput",
            Contains { .. } => "Fn::Contains",
            EachMemberEquals { .. } => "Fn::EachMemberEquals",
            EachMemberIn { .. } => "Fn::EachMemberIn",
            RefAll(_) => "Fn::RefAll",
            ValueOf { .. } => "Fn::ValueOf",
            ValueOfAll { .. } => "Fn::ValueOfAll",
            ForEach { .. } => "Fn::ForEach",
            Null | Bool(_) | Number(_) | String(_) | Dynamic(_) | List(_) | Map(_) | Invalid => {
                return None;
            }
        })
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The direct sub-expressions of this one, in source order.
    pub fn children(&self) -> Vec<&Expr> {
        let mut v = Vec::new();
        self.for_each_child(&mut |c| v.push(c));
        v
    }

    /// Calls `f` with each direct sub-expression, in source order, without allocating.
    pub fn for_each_child<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        use ExprKind::*;
        match &self.kind {
            Null | Bool(_) | Number(_) | String(_) | Dynamic(_) | Ref(_) | Condition(_)
            | Invalid => {}
            List(items) | And(items) | Or(items) => items.iter().for_each(f),
            Map(m) => m.values().for_each(|(_, e)| f(e)),
            GetAtt { attribute, .. } => f(attribute),
            Sub(sub) => sub.variables.values().for_each(|(_, e)| f(e)),
            Join {
                delimiter: a,
                list: b,
            }
            | Select { index: a, list: b }
            | Split {
                delimiter: a,
                source: b,
            }
            | Equals(a, b)
            | Contains { list: a, value: b }
            | EachMemberEquals { list: a, value: b }
            | EachMemberIn { list: a, values: b }
            | ValueOf {
                parameter: a,
                attribute: b,
            }
            | ValueOfAll {
                parameter_type: a,
                attribute: b,
            } => {
                f(a);
                f(b);
            }
            FindInMap {
                map,
                top_key,
                second_key,
                default,
            } => {
                f(map);
                f(top_key);
                f(second_key);
                if let Some(d) = default {
                    f(d);
                }
            }
            Base64(e) | GetAZs(e) | ImportValue(e) | Not(e) | Length(e) | ToJsonString(e)
            | RefAll(e) => f(e),
            ForEach { body, .. } => f(body),
            Cidr { block, count, bits } => {
                f(block);
                f(count);
                f(bits);
            }
            If {
                then, otherwise, ..
            } => {
                f(then);
                f(otherwise);
            }
            Transform { name, parameters } => {
                f(name);
                if let Some(p) = parameters {
                    f(p);
                }
            }
            GetStackOutput {
                stack_name,
                output_name,
                region,
                role_arn,
            } => {
                f(stack_name);
                f(output_name);
                if let Some(r) = region {
                    f(r);
                }
                if let Some(r) = role_arn {
                    f(r);
                }
            }
        }
    }

    /// Whether evaluating the expression may read pseudo parameter `name`: a `Ref` to it, a `Fn::Sub`
    /// variable naming it, or a `Ref` whose name is computed (kept as data until it is evaluated).
    pub fn may_read_pseudo(&self, name: &str) -> bool {
        let mut found = false;
        self.walk(&mut |e| {
            found |= match &e.kind {
                ExprKind::Ref(n) => n.value == name,
                ExprKind::Sub(call) => call
                    .parts
                    .iter()
                    .any(|p| matches!(p, SubPart::Var { name: v, .. } if v == name)),
                ExprKind::Map(m) => m.contains_key("Ref"),
                _ => false,
            }
        });
        found
    }

    /// Visits this expression and every sub-expression, depth first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        self.for_each_child(&mut |c| c.walk(f));
    }
}
