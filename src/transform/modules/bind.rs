//! Binding a module's `Parameters` to the `Properties` of one module use: each parameter takes the property
//! of its name, else its `Default`, else stays without a value (an error only where the module references
//! it). Properties the module declares no parameter for are errors with a did-you-mean, and known values
//! are checked against the parameter's constraints.
//!
//! It never substitutes values into the module: `rewrite.rs` does.

use indexmap::IndexMap;

use crate::source::{Diagnostic, Mapping, Node, suggest};
use crate::transform::codes;
use crate::transform::nodes::call;

/// The parameter values of one module use (`None`: no property and no default).
pub(super) fn bind(
    module: &str,
    parameters: Option<&Mapping>,
    properties: Option<&Mapping>,
    errors: &mut Vec<Diagnostic>,
) -> IndexMap<String, Option<Node>> {
    let empty = Mapping::new();
    let parameters = parameters.unwrap_or(&empty);
    let mut out = IndexMap::with_capacity(parameters.len());
    if let Some(props) = properties {
        for (k, e) in props.iter() {
            if parameters.get(k).is_none() {
                errors.push(
                    Diagnostic::error(
                        codes::MODULE_UNKNOWN_PROPERTY,
                        e.key_span,
                        format!("module `{module}` has no parameter `{k}`"),
                    )
                    .with_help_opt(suggest(k, parameters.keys())),
                );
            }
        }
    }
    for (name, e) in parameters.iter() {
        let decl = e.value.as_map();
        let given = properties.and_then(|p| p.get(name)).map(plain_sub);
        if let (Some(v), Some(d)) = (&given, decl) {
            check(name, v, d, errors);
        }
        let value = given.or_else(|| decl.and_then(|d| d.get("Default")).cloned());
        let is_list = decl
            .and_then(|d| d.get("Type"))
            .and_then(Node::as_str)
            .is_some_and(|t| t == "CommaDelimitedList" || t.starts_with("List<"));
        let value = match value {
            // A list parameter given as text is the list of its comma-separated items, as CloudFormation
            // reads it.
            Some(v) if is_list && v.as_str().is_some() => Some(
                crate::transform::nodes::split_list(v.as_str().unwrap_or_default(), v.span),
            ),
            other => other,
        };
        out.insert(name.to_owned(), value);
    }
    out
}

/// A `Fn::Sub` without variables is its string.
fn plain_sub(v: &Node) -> Node {
    match call(v) {
        Some(("Fn::Sub", arg)) => match arg.as_str() {
            Some(s) if super::sub_text::vars(s).is_empty() => Node::new(v.span, arg.kind.clone()),
            _ => v.clone(),
        },
        _ => v.clone(),
    }
}

/// Checks a known scalar against `AllowedValues`, `AllowedPattern`, `MinLength`/`MaxLength`,
/// `MinValue`/`MaxValue` and a number type.
fn check(name: &str, value: &Node, decl: &Mapping, errors: &mut Vec<Diagnostic>) {
    let Some(text) = value.scalar_text() else {
        return;
    };
    let bad = |why: String, at: Option<&crate::source::Entry>| {
        let d = Diagnostic::error(
            codes::MODULE_BAD_PROPERTY,
            value.span,
            format!("property `{name}` is `{text}`, {why}"),
        );
        match at {
            Some(e) => d.with_label(e.key_span, "constraint declared here"),
            None => d,
        }
    };
    let number = text.trim().parse::<f64>().ok();
    let ty = decl.get("Type").and_then(Node::as_str).unwrap_or_default();
    if matches!(ty, "Number" | "Integer") && number.is_none() {
        errors.push(bad(
            format!("not a number as type `{ty}` needs"),
            decl.get_entry("Type"),
        ));
    }
    if let Some(e) = decl.get_entry("AllowedValues")
        && let Some(allowed) = e.value.as_seq()
        && !allowed
            .iter()
            .any(|a| a.scalar_text().as_deref() == Some(text.as_ref()))
    {
        let list: Vec<String> = allowed
            .iter()
            .filter_map(|a| a.scalar_text().map(|t| format!("`{t}`")))
            .collect();
        errors.push(bad(
            format!("not one of the allowed values {}", list.join(", ")),
            Some(e),
        ));
    }
    if let Some(e) = decl.get_entry("AllowedPattern")
        && let Some(p) = e.value.as_str()
        && let Ok(re) = regex::Regex::new(&format!("^(?:{p})$"))
        && !re.is_match(&text)
    {
        errors.push(bad(
            format!("which does not match the pattern `{p}`"),
            Some(e),
        ));
    }
    let limit = |key: &str| {
        decl.get_entry(key)
            .and_then(|e| Some((e, e.value.scalar_text()?.trim().parse::<f64>().ok()?)))
    };
    let len = text.chars().count() as f64;
    if let Some((e, n)) = limit("MinLength").filter(|(_, n)| len < *n) {
        errors.push(bad(format!("shorter than the minimum length {n}"), Some(e)));
    }
    if let Some((e, n)) = limit("MaxLength").filter(|(_, n)| len > *n) {
        errors.push(bad(format!("longer than the maximum length {n}"), Some(e)));
    }
    if let Some(x) = number {
        if let Some((e, n)) = limit("MinValue").filter(|(_, n)| x < *n) {
            errors.push(bad(format!("below the minimum value {n}"), Some(e)));
        }
        if let Some((e, n)) = limit("MaxValue").filter(|(_, n)| x > *n) {
            errors.push(bad(format!("above the maximum value {n}"), Some(e)));
        }
    }
}
