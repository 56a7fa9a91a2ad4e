//! Parameter constraints: `AllowedValues`, `AllowedPattern` (anchored, per list item), `MinLength`/
//! `MaxLength`, `MinValue`/`MaxValue` and the `Number` shape, checked against a value with CloudFormation's
//! own messages (`Parameter 'Env' must be one of AllowedValues`), or the parameter's
//! `ConstraintDescription` when it declares one. Splitting values and reading SSM are `parameters.rs`'s job.

use crate::source::{Diagnostic, Span};
use crate::template::Parameter;

use super::codes;
use super::parameters::MASK;

/// A value as it may appear in a message: `****` for `NoEcho` parameters.
pub fn shown<'a>(p: &Parameter, item: &'a str) -> &'a str {
    if p.no_echo { MASK } else { item }
}

/// A list parameter whose `AllowedValues` lists the whole comma-separated value.
pub fn whole_allowed(p: &Parameter, text: &str) -> bool {
    p.allowed_values.as_ref().is_some_and(|(_, allowed)| {
        allowed
            .iter()
            .any(|a| a.scalar_text().is_some_and(|s| s == text))
    })
}

/// Checks each item against AllowedValues, AllowedPattern, Min/MaxLength and Min/MaxValue; the first
/// violation is reported with CloudFormation's message, or its `ConstraintDescription` when declared.
pub fn check_constraints(
    name: &str,
    p: &Parameter,
    numeric: bool,
    items: &[&str],
) -> Result<(), Box<Diagnostic>> {
    for item in items {
        if let Some((span, message)) = violation(name, p, numeric, item) {
            let message = match &p.constraint_description {
                Some(c) => format!(
                    "Parameter '{name}' failed to satisfy constraint: {}",
                    c.value
                ),
                None => message,
            };
            return Err(Box::new(
                Diagnostic::error(codes::PARAMETER_CONSTRAINT, span, message).with_label(
                    p.key_span,
                    format!("the value of `{name}` is `{}`", shown(p, item)),
                ),
            ));
        }
    }
    Ok(())
}

fn violation(name: &str, p: &Parameter, numeric: bool, item: &str) -> Option<(Span, String)> {
    if let Some((span, allowed)) = &p.allowed_values {
        let ok = allowed.iter().any(|a| {
            a.scalar_text()
                .is_some_and(|s| s == item || (numeric && num_eq(&s, item)))
        });
        if !ok {
            return Some((
                *span,
                format!("Parameter '{name}' must be one of AllowedValues"),
            ));
        }
    }
    if let Some(pat) = &p.allowed_pattern
        && let Ok(re) = crate::check::compile_pattern(&pat.value)
        && !re.is_match(item)
    {
        return Some((
            pat.span,
            format!("Parameter '{name}' must match pattern {}", pat.value),
        ));
    }
    if numeric {
        let x: f64 = item.parse().ok()?;
        if let Some((span, min)) = p.min_value
            && x < min
        {
            return Some((
                span,
                format!(
                    "Parameter '{name}' must be a number not less than {}",
                    num(min)
                ),
            ));
        }
        if let Some((span, max)) = p.max_value
            && x > max
        {
            return Some((
                span,
                format!(
                    "Parameter '{name}' must be a number not greater than {}",
                    num(max)
                ),
            ));
        }
    } else {
        let len = item.chars().count() as f64;
        if let Some((span, min)) = p.min_length
            && len < min
        {
            return Some((
                span,
                format!(
                    "Parameter '{name}' must contain at least {} characters",
                    num(min)
                ),
            ));
        }
        if let Some((span, max)) = p.max_length
            && len > max
        {
            return Some((
                span,
                format!(
                    "Parameter '{name}' must contain at most {} characters",
                    num(max)
                ),
            ));
        }
    }
    None
}

/// A number as CloudFormation accepts it for `Number` parameters: an integer or a decimal, optionally
/// signed, with an optional exponent.
pub fn is_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    !body.is_empty()
        && body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        && s.parse::<f64>().is_ok_and(f64::is_finite)
}

fn num_eq(a: &str, b: &str) -> bool {
    matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

/// `3` rather than `3.0` for whole numbers.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}
