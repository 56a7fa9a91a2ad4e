//! `Shape`: what a property value is, as far as it can be known without evaluating it: a literal, or a
//! function whose result is always a string, always a list, or a single value of an unknown kind.

use std::fmt;

use crate::check::PSEUDO_PARAMETERS;
use crate::spec::Kind;
use crate::template::{Expr, ExprKind, Template};

use super::values::shorten;

/// What a value is, as far as it can be known without evaluating it.
#[derive(Clone, Copy)]
pub(super) enum Shape<'e> {
    Bool(bool),
    Number(&'e str),
    String(&'e str),
    List,
    Map,
    /// A function that always gives a string (`Fn::Join`, `Fn::Sub`, a dynamic reference, ...).
    GivesString(&'static str),
    /// A function that always gives a list (`Fn::Split`, `Fn::GetAZs`, `Ref` to a list parameter, ...).
    GivesList(&'static str),
    /// A function that gives a scalar of an unknown kind.
    GivesScalar(&'static str),
    Unknown,
}

impl fmt::Display for Shape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Bool(b) => write!(f, "boolean `{b}`"),
            Shape::Number(n) => write!(f, "number `{n}`"),
            Shape::String(s) => write!(f, "string `{}`", shorten(s)),
            Shape::List => f.write_str("a list"),
            Shape::Map => f.write_str("a mapping"),
            Shape::GivesString(what) => write!(f, "{what}, which gives a string"),
            Shape::GivesList(what) => write!(f, "{what}, which gives a list"),
            Shape::GivesScalar(what) => write!(f, "{what}, which gives a single value"),
            Shape::Unknown => f.write_str("a computed value"),
        }
    }
}

/// What a value is without evaluating it.
pub(super) fn shape<'e>(t: &Template, v: &'e Expr) -> Shape<'e> {
    match &v.kind {
        ExprKind::Bool(b) => Shape::Bool(*b),
        ExprKind::Number(n) => Shape::Number(n),
        ExprKind::String(s) => Shape::String(s),
        ExprKind::List(_) => Shape::List,
        ExprKind::Map(_) => Shape::Map,
        ExprKind::Dynamic(_) => Shape::GivesString("a dynamic reference"),
        ExprKind::Ref(n) => ref_shape(t, &n.value),
        ExprKind::Sub(_) => Shape::GivesString("`Fn::Sub`"),
        ExprKind::Join { .. } => Shape::GivesString("`Fn::Join`"),
        ExprKind::Base64(_) => Shape::GivesString("`Fn::Base64`"),
        ExprKind::ToJsonString(_) => Shape::GivesString("`Fn::ToJsonString`"),
        ExprKind::Split { .. } => Shape::GivesList("`Fn::Split`"),
        ExprKind::GetAZs(_) => Shape::GivesList("`Fn::GetAZs`"),
        ExprKind::Cidr { .. } => Shape::GivesList("`Fn::Cidr`"),
        ExprKind::Length(_) => Shape::GivesScalar("`Fn::Length`"),
        _ => Shape::Unknown,
    }
}

fn ref_shape(t: &Template, name: &str) -> Shape<'static> {
    if let Some(p) = t.parameters.get(name) {
        return match &p.parameter_type {
            Some((_, ty)) if ty.is_list() => Shape::GivesList("`Ref` to a list parameter"),
            Some(_) => Shape::GivesScalar("`Ref` to a parameter"),
            None => Shape::Unknown,
        };
    }
    if t.resources.contains_key(name) {
        return Shape::GivesString("`Ref` to a resource");
    }
    match name {
        "AWS::NotificationARNs" => Shape::GivesList("`Ref AWS::NotificationARNs`"),
        _ if PSEUDO_PARAMETERS.contains(&name) => Shape::GivesString("a pseudo parameter"),
        _ => Shape::Unknown,
    }
}

/// Whether a value of this shape can be an object, a map or a list.
pub(super) fn fits_container(kind: Kind, found: Shape<'_>) -> bool {
    match found {
        Shape::Bool(_)
        | Shape::Number(_)
        | Shape::String(_)
        | Shape::GivesString(_)
        | Shape::GivesScalar(_) => false,
        Shape::List | Shape::GivesList(_) => kind == Kind::Array,
        Shape::Map => kind != Kind::Array,
        Shape::Unknown => true,
    }
}
