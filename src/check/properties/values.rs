//! A resource's `Properties` against its type's spec: unknown and missing properties, exclusive ones, value
//! kinds (with CloudFormation's scalar conversions: `"8080"` is an integer, `"true"` a boolean, `8080` a
//! string), enums, patterns, lengths and ranges, nested objects, arrays and maps all the way down.
//!
//! A value computed by an intrinsic function is only checked where its result can never fit (`Fn::Join`, a
//! string, where a list or an object is expected); `Fn::If` has each branch checked and `Ref AWS::NoValue`
//! removes the property.

use regex::Regex;

use crate::source::{Diagnostic, Span, codes, suggest};
use crate::spec::{Kind, Object, Property, ResourceType};
use crate::template::{Expr, ExprKind, ExprMap, Name, Resource, Template};

use super::shape::{Shape, fits_container, shape};

/// Most enum values listed in a message.
const MAX_LISTED: usize = 8;

/// Properties that `aws cloudformation package` rewrites from a local path (a string) into the object or URL
/// the type expects: a string there is not a mistake in the template as written.
const PACKAGED: &[(&str, &str)] = &[
    ("AWS::ApiGateway::RestApi", "BodyS3Location"),
    ("AWS::AppSync::FunctionConfiguration", "CodeS3Location"),
    ("AWS::AppSync::GraphQLSchema", "DefinitionS3Location"),
    ("AWS::AppSync::Resolver", "CodeS3Location"),
    ("AWS::AppSync::Resolver", "RequestMappingTemplateS3Location"),
    (
        "AWS::AppSync::Resolver",
        "ResponseMappingTemplateS3Location",
    ),
    ("AWS::CloudFormation::ModuleVersion", "ModulePackage"),
    (
        "AWS::CloudFormation::ResourceVersion",
        "SchemaHandlerPackage",
    ),
    ("AWS::CloudFormation::Stack", "TemplateURL"),
    ("AWS::CodeCommit::Repository", "Code"),
    ("AWS::ElasticBeanstalk::ApplicationVersion", "SourceBundle"),
    ("AWS::Glue::Job", "ScriptLocation"),
    ("AWS::Lambda::Function", "Code"),
    ("AWS::Lambda::LayerVersion", "Content"),
    ("AWS::StepFunctions::StateMachine", "DefinitionS3Location"),
];

pub(super) fn resource(
    t: &Template,
    id: &str,
    r: &Resource,
    ty: &Name,
    spec: &'static ResourceType,
    out: &mut Vec<Diagnostic>,
) {
    let mut cx = Values { t, spec, out };
    let owner = Owner {
        name: format!("resource `{id}` (`{}`)", ty.value),
        span: r.key_span,
    };
    match &r.properties {
        Some(p) => cx.properties(p, &owner),
        None => cx.presence(spec.root(), &[], &owner),
    }
}

/// Whose properties are being checked, for messages, and where a missing one is reported.
struct Owner {
    name: String,
    span: Span,
}

struct Values<'a> {
    t: &'a Template,
    spec: &'static ResourceType,
    out: &'a mut Vec<Diagnostic>,
}

impl Values<'_> {
    /// The top-level `Properties` (a mapping, or `Fn::If` between mappings).
    fn properties(&mut self, v: &Expr, owner: &Owner) {
        match &v.kind {
            ExprKind::Map(m) => self.fields(self.spec.root(), m, owner),
            ExprKind::If {
                then, otherwise, ..
            } => {
                self.properties(then, owner);
                self.properties(otherwise, owner);
            }
            _ => {}
        }
    }

    fn fields(&mut self, obj: &'static Object, m: &ExprMap, owner: &Owner) {
        // `Fn::ForEach` or a transform's output: the keys are not final.
        if m.keys().any(|k| k.starts_with("Fn::")) {
            return;
        }
        let mut present = Vec::with_capacity(m.len());
        for (key, (key_span, v)) in m.iter() {
            if is_no_value(v) {
                continue;
            }
            present.push((key.as_str(), *key_span));
            match obj.properties.get(key) {
                Some(p) => self.value(p, key, *key_span, v),
                None if obj.closed => self.unknown_property(obj, key, *key_span, owner),
                None => {}
            }
        }
        self.presence(obj, &present, owner);
    }

    fn unknown_property(&mut self, obj: &'static Object, key: &str, span: Span, owner: &Owner) {
        self.out.push(
            Diagnostic::error(
                codes::UNKNOWN_PROPERTY,
                span,
                format!("unknown property `{key}` in {}", owner.name),
            )
            .with_help_opt(suggest(key, obj.properties.keys().map(String::as_str))),
        );
    }

    /// Required, required-xor and dependent-excluded properties, given the ones present (with key spans).
    fn presence(&mut self, obj: &Object, present: &[(&str, Span)], owner: &Owner) {
        let span_of = |n: &str| present.iter().find(|(k, _)| *k == n).map(|(_, s)| *s);
        for name in &obj.required {
            if span_of(name).is_none() {
                self.out.push(Diagnostic::error(
                    codes::MISSING_PROPERTY,
                    owner.span,
                    format!("{} is missing required property `{name}`", owner.name),
                ));
            }
        }
        if !obj.required_xor.is_empty() {
            let given: Vec<&(&str, Span)> = present
                .iter()
                .filter(|(k, _)| obj.required_xor.iter().any(|x| x == k))
                .collect();
            let listed = backticked(&obj.required_xor);
            match given.as_slice() {
                [] => self.out.push(Diagnostic::error(
                    codes::EXCLUSIVE_PROPERTIES,
                    owner.span,
                    format!("{} needs exactly one of {listed}, found none", owner.name),
                )),
                [_] => {}
                [(first, _), rest @ ..] => {
                    for (name, span) in rest {
                        let owner = &owner.name;
                        self.out.push(Diagnostic::error(
                            codes::EXCLUSIVE_PROPERTIES,
                            *span,
                            format!(
                                "`{name}` cannot be given with `{first}`: {owner} takes exactly one of {listed}"
                            ),
                        ));
                    }
                }
            }
        }
        let mut reported: Vec<(&str, &str)> = Vec::new();
        for (name, excluded) in &obj.dependent_excluded {
            let Some(own) = span_of(name) else { continue };
            for other in excluded {
                let Some(span) = span_of(other) else { continue };
                let pair = if name < other {
                    (name.as_str(), other.as_str())
                } else {
                    (other.as_str(), name.as_str())
                };
                if reported.contains(&pair) {
                    continue;
                }
                reported.push(pair);
                // Report at the later of the two keys: the first one written is taken as intended.
                let (at, given, with) = if span.start > own.start {
                    (span, other, name)
                } else {
                    (own, name, other)
                };
                self.out.push(Diagnostic::error(
                    codes::EXCLUSIVE_PROPERTIES,
                    at,
                    format!("`{given}` cannot be given with `{with}` in {}", owner.name),
                ));
            }
        }
    }

    /// One value against its property's spec. `at` is where a property missing inside it is reported.
    fn value(&mut self, p: &'static Property, name: &str, at: Span, v: &Expr) {
        match &v.kind {
            ExprKind::If {
                then, otherwise, ..
            } => {
                self.value(p, name, at, then);
                self.value(p, name, at, otherwise);
                return;
            }
            ExprKind::Null
            | ExprKind::ForEach { .. }
            | ExprKind::Transform { .. }
            | ExprKind::Invalid => return,
            _ if is_no_value(v) => return,
            _ => {}
        }
        let found = shape(self.t, v);
        match (p.kind, &v.kind) {
            (Kind::Json, _) => {}
            (Kind::Object, ExprKind::Map(m)) => {
                if let Some(obj) = self.spec.object_of(p) {
                    let owner = Owner {
                        name: format!("`{name}`"),
                        span: at,
                    };
                    self.fields(obj, m, &owner);
                }
            }
            (Kind::Map, ExprKind::Map(m)) => {
                if m.keys().any(|k| k.starts_with("Fn::")) {
                    return;
                }
                if let Some(item) = &p.item {
                    for (key, (key_span, iv)) in m.iter() {
                        self.value(item, key, *key_span, iv);
                    }
                }
            }
            (Kind::Array, ExprKind::List(items)) => {
                if let Some(item) = &p.item {
                    for iv in items {
                        self.value(item, name, iv.span, iv);
                    }
                }
                if p.unique_items == Some(true) {
                    self.duplicates(name, items);
                }
            }
            (Kind::Object, ExprKind::String(_)) if PACKAGED.contains(&(self.spec.name(), name)) => {
                // A local path that `aws cloudformation package` uploads and rewrites.
            }
            (Kind::Object | Kind::Map | Kind::Array, _) => {
                if !fits_container(p.kind, found) {
                    self.wrong_kind(p.kind, name, v, found);
                }
            }
            (_, _) => self.scalar(p, name, v, found),
        }
    }

    /// A string, integer, number or boolean property.
    fn scalar(&mut self, p: &'static Property, name: &str, v: &Expr, found: Shape<'_>) {
        let text: String = match (found, p.kind) {
            (Shape::List | Shape::Map | Shape::GivesList(_), _) => {
                return self.wrong_kind(p.kind, name, v, found);
            }
            (Shape::Bool(_), Kind::Integer | Kind::Number) => {
                return self.wrong_kind(p.kind, name, v, found);
            }
            (Shape::Bool(b), _) => b.to_string(),
            (Shape::Number(_), Kind::Boolean) => return self.wrong_kind(p.kind, name, v, found),
            (Shape::Number(n), Kind::Integer)
                if n.parse::<f64>().is_ok_and(|x| x.fract() != 0.0) =>
            {
                return self.wrong_kind(p.kind, name, v, found);
            }
            (Shape::Number(n), _) => n.to_owned(),
            (Shape::String(s), Kind::Integer) if !is_integer_text(s) => {
                return self.wrong_kind(p.kind, name, v, found);
            }
            (Shape::String(s), Kind::Number) if s.trim().parse::<f64>().is_err() => {
                return self.wrong_kind(p.kind, name, v, found);
            }
            (Shape::String(s), Kind::Boolean)
                if !s.eq_ignore_ascii_case("true") && !s.eq_ignore_ascii_case("false") =>
            {
                return self.wrong_kind(p.kind, name, v, found);
            }
            (Shape::String(s), _) => s.to_owned(),
            _ => return,
        };
        self.constraints(p, name, v.span, &text);
    }

    /// Enum, pattern, length and range of a literal scalar, as text.
    fn constraints(&mut self, p: &'static Property, name: &str, span: Span, text: &str) {
        if !p.enum_values.is_empty() && !in_enum(&p.enum_values, text) {
            let mut listed = backticked(&p.enum_values[..p.enum_values.len().min(MAX_LISTED)]);
            if p.enum_values.len() > MAX_LISTED {
                listed.push_str(&format!(" and {} more", p.enum_values.len() - MAX_LISTED));
            }
            self.out.push(
                Diagnostic::error(
                    codes::VALUE_NOT_IN_ENUM,
                    span,
                    format!("`{name}` is `{}`, expected one of {listed}", shorten(text)),
                )
                .with_help_opt(suggest(text, p.enum_values.iter().map(String::as_str))),
            );
            return;
        }
        if p.kind == Kind::String {
            if let Some(pattern) = &p.pattern
                && let Some(re) = compiled(pattern)
                && !re.is_match(text)
            {
                self.out.push(Diagnostic::error(
                    codes::PATTERN_MISMATCH,
                    span,
                    format!(
                        "`{name}` is `{}`, which does not match the pattern `{pattern}`",
                        shorten(text)
                    ),
                ));
            }
            let len = text.chars().count() as u64;
            if let Some(min) = p.min_length.filter(|m| len < *m) {
                self.bounds(
                    span,
                    format!("`{name}` is {len} characters long, at least {min} required"),
                );
            }
            if let Some(max) = p.max_length.filter(|m| len > *m) {
                self.bounds(
                    span,
                    format!("`{name}` is {len} characters long, at most {max} allowed"),
                );
            }
        }
        if matches!(p.kind, Kind::Integer | Kind::Number)
            && let Ok(x) = text.trim().parse::<f64>()
        {
            if let Some(min) = p.minimum.filter(|m| x < *m) {
                self.bounds(span, format!("`{name}` is {text}, at least {min} required"));
            }
            if let Some(max) = p.maximum.filter(|m| x > *m) {
                self.bounds(span, format!("`{name}` is {text}, at most {max} allowed"));
            }
        }
    }

    /// Items written twice in a list whose items must be distinct (literals and identical references).
    fn duplicates(&mut self, name: &str, items: &[Expr]) {
        let mut seen: Vec<String> = Vec::with_capacity(items.len());
        for item in items {
            let Some(key) = item_key(item) else { continue };
            if seen.contains(&key) {
                self.out.push(Diagnostic::error(
                    codes::DUPLICATE_ITEMS,
                    item.span,
                    format!(
                        "`{name}` lists {} twice: its items must be distinct",
                        describe_item(item)
                    ),
                ));
            } else {
                seen.push(key);
            }
        }
    }

    fn bounds(&mut self, span: Span, message: String) {
        self.out
            .push(Diagnostic::error(codes::VALUE_OUT_OF_BOUNDS, span, message));
    }

    fn wrong_kind(&mut self, kind: Kind, name: &str, v: &Expr, found: Shape<'_>) {
        let expected = match kind {
            Kind::String => "a string",
            Kind::Integer => "an integer",
            Kind::Number => "a number",
            Kind::Boolean => "a boolean",
            Kind::Object => "an object",
            Kind::Map | Kind::Json => "a mapping",
            Kind::Array => "a list",
        };
        self.out.push(Diagnostic::error(
            codes::WRONG_VALUE_KIND,
            v.span,
            format!("`{name}` must be {expected}, found {found}"),
        ));
    }
}

/// A list item as a comparable key: literals by their text, references by what they name, `Fn::If` by its
/// condition and branches. `None` for anything computed, and for an item that is `AWS::NoValue` either way.
fn item_key(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::String(s) => Some(format!("={s}")),
        ExprKind::Number(n) => Some(format!("={n}")),
        ExprKind::Bool(b) => Some(format!("={b}")),
        ExprKind::Ref(n) if n.value != "AWS::NoValue" => Some(format!("ref {}", n.value)),
        ExprKind::GetAtt {
            resource,
            attribute,
        } => Some(format!("getatt {}.{}", resource.value, attribute.as_str()?)),
        ExprKind::If {
            condition,
            then,
            otherwise,
        } => {
            let branch = |b: &Expr| {
                if is_no_value(b) {
                    Some("-".to_owned())
                } else {
                    item_key(b)
                }
            };
            let (a, b) = (branch(then)?, branch(otherwise)?);
            (a != "-" || b != "-").then(|| format!("if {} ({a}) ({b})", condition.value))
        }
        _ => None,
    }
}

fn describe_item(e: &Expr) -> String {
    match &e.kind {
        ExprKind::String(s) => format!("`{}`", shorten(s)),
        ExprKind::Number(n) => format!("`{n}`"),
        ExprKind::Bool(b) => format!("`{b}`"),
        ExprKind::Ref(n) => format!("`Ref {}`", n.value),
        ExprKind::GetAtt { resource, .. } => format!("a `Fn::GetAtt` on `{}`", resource.value),
        _ => "the same value".to_owned(),
    }
}

fn is_no_value(v: &Expr) -> bool {
    matches!(&v.kind, ExprKind::Ref(n) if n.value == "AWS::NoValue")
}

/// CloudFormation reads `"42"`, `"-7"` and `" 42 "` as integers.
fn is_integer_text(s: &str) -> bool {
    let s = s.trim();
    s.parse::<i128>().is_ok()
        || s.parse::<f64>()
            .is_ok_and(|x| x.is_finite() && x.fract() == 0.0)
}

fn in_enum(values: &[String], text: &str) -> bool {
    if values.iter().any(|e| e == text) {
        return true;
    }
    // Numbers and booleans compare by value: `1` is `1.0`, `True` is `true`.
    match text.trim().parse::<f64>() {
        Ok(x) => values.iter().any(|e| e.parse::<f64>() == Ok(x)),
        Err(_) => {
            (text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false"))
                && values.iter().any(|e| e.eq_ignore_ascii_case(text))
        }
    }
}

fn backticked(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Long values are cut in messages.
pub(super) fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

fn compiled(pattern: &'static str) -> Option<std::sync::Arc<Regex>> {
    crate::spec::compiled_pattern(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_convert_like_cloudformation() {
        assert!(is_integer_text("42"));
        assert!(is_integer_text(" -7 "));
        assert!(!is_integer_text("4.5"));
        assert!(!is_integer_text("forty"));
        let values = ["1".to_owned(), "true".to_owned(), "gp2".to_owned()];
        assert!(in_enum(&values, "1.0"));
        assert!(in_enum(&values, "True"));
        assert!(in_enum(&values, "gp2"));
        assert!(!in_enum(&values, "GP2"));
    }

    #[test]
    fn ecma_only_patterns_are_skipped() {
        assert!(compiled("^(?!aws)[a-z]+$").is_none());
        assert!(compiled("^[a-z]+$").is_some_and(|r| r.is_match("abc")));
    }
}
