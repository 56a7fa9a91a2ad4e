//! Parameter declarations: constraints that fit the type, an `AllowedPattern` that compiles (anchored, as
//! CloudFormation applies it), and a `Default` that satisfies the parameter's own constraints.

use regex::Regex;

use crate::source::{Diagnostic, Node, NodeKind, Span, codes};
use crate::template::{Parameter, ParameterType, Template};

pub fn check(t: &Template, out: &mut Vec<Diagnostic>) {
    for (name, p) in &t.parameters {
        check_parameter(name, p, out);
    }
}

/// Compiles an AllowedPattern the way CloudFormation applies it: to the whole value.
pub fn compile_pattern(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}

fn check_parameter(name: &str, p: &Parameter, out: &mut Vec<Diagnostic>) {
    let ty = p.parameter_type.as_ref().map(|(_, t)| t);
    let numeric = ty.is_some_and(ParameterType::is_numeric);
    let pattern = p.allowed_pattern.as_ref().and_then(|pat| match compile_pattern(&pat.value) {
        Ok(r) => Some(r),
        // CloudFormation uses Java regular expressions: look-around, back-references and Java's POSIX
        // classes are valid there though this engine lacks them, so they are not reported.
        Err(e) if is_unsupported_feature(&e) => None,
        Err(e) => {
            out.push(Diagnostic::error(
                codes::BAD_ALLOWED_PATTERN,
                pat.span,
                format!("`AllowedPattern` of parameter `{name}` is not a valid regular expression: {}", first_line(&e.to_string())),
            ));
            None
        }
    });
    if numeric {
        for (attr, v) in [("MinLength", p.min_length), ("MaxLength", p.max_length)] {
            if let Some((span, _)) = v {
                out.push(Diagnostic::error(
                    codes::BAD_CONSTRAINT,
                    span,
                    format!("`{attr}` applies to string parameters, `{name}` is a number"),
                ));
            }
        }
    } else if ty.is_some() {
        for (attr, v) in [("MinValue", p.min_value), ("MaxValue", p.max_value)] {
            if let Some((span, _)) = v {
                out.push(Diagnostic::error(
                    codes::BAD_CONSTRAINT,
                    span,
                    format!("`{attr}` applies to number parameters, `{name}` is not a number"),
                ));
            }
        }
    }
    for (lo, hi, what) in [
        (p.min_length, p.max_length, "Length"),
        (p.min_value, p.max_value, "Value"),
    ] {
        if let (Some((_, a)), Some((span, b))) = (lo, hi)
            && a > b
        {
            out.push(Diagnostic::error(
                codes::BAD_CONSTRAINT,
                span,
                format!("`Max{what}` {b} is less than `Min{what}` {a} for parameter `{name}`"),
            ));
        }
    }
    let Some(default) = &p.default else {
        return;
    };
    let Some(text) = default_text(default) else {
        out.push(Diagnostic::error(
            codes::BAD_SHAPE,
            default.span,
            format!(
                "the `Default` of parameter `{name}` must be a string, number or list, found {}",
                default.describe()
            ),
        ));
        return;
    };
    let is_list = ty.is_some_and(ParameterType::is_list);
    let items: Vec<String> = if is_list {
        text.split(',').map(|s| s.trim().to_owned()).collect()
    } else {
        vec![text.clone()]
    };
    // A list's AllowedValues may also list the whole comma-separated value.
    let whole_allowed = is_list
        && p.allowed_values.as_ref().is_some_and(|(_, allowed)| {
            allowed
                .iter()
                .any(|a| a.scalar_text().is_some_and(|s| s == text.as_str()))
        });
    let fail = |out: &mut Vec<Diagnostic>, span: Span, why: String| {
        let mut d = Diagnostic::error(
            codes::DEFAULT_VIOLATES_CONSTRAINT,
            default.span,
            format!("the `Default` of parameter `{name}` {why}"),
        )
        .with_label(span, "constraint declared here");
        if let Some(c) = &p.constraint_description {
            d = d.with_note(c.value.clone());
        }
        out.push(d);
    };
    for item in &items {
        if numeric && item.parse::<f64>().is_err() {
            fail(
                out,
                p.parameter_type.as_ref().map_or(default.span, |(s, _)| *s),
                format!("is `{item}`, which is not a number"),
            );
            continue;
        }
        if let Some((span, allowed)) = &p.allowed_values
            && !whole_allowed
        {
            let ok = allowed.iter().any(|a| {
                a.scalar_text()
                    .is_some_and(|s| s == item.as_str() || (numeric && num_eq(&s, item)))
            });
            if !ok {
                fail(
                    out,
                    *span,
                    format!("is `{item}`, which is not one of its `AllowedValues`"),
                );
            }
        }
        if let (Some(re), Some(pat)) = (&pattern, &p.allowed_pattern)
            && !numeric
            && !re.is_match(item)
        {
            fail(
                out,
                pat.span,
                format!(
                    "is `{item}`, which does not match its `AllowedPattern` `{}`",
                    pat.value
                ),
            );
        }
        let len = item.chars().count() as f64;
        if !numeric {
            if let Some((span, min)) = p.min_length
                && len < min
            {
                fail(
                    out,
                    span,
                    format!("is {len} characters long, shorter than its `MinLength` {min}"),
                );
            }
            if let Some((span, max)) = p.max_length
                && len > max
            {
                fail(
                    out,
                    span,
                    format!("is {len} characters long, longer than its `MaxLength` {max}"),
                );
            }
        } else if let Ok(x) = item.parse::<f64>() {
            if let Some((span, min)) = p.min_value
                && x < min
            {
                fail(
                    out,
                    span,
                    format!("is `{item}`, less than its `MinValue` {min}"),
                );
            }
            if let Some((span, max)) = p.max_value
                && x > max
            {
                fail(
                    out,
                    span,
                    format!("is `{item}`, greater than its `MaxValue` {max}"),
                );
            }
        }
    }
}

fn is_unsupported_feature(e: &regex::Error) -> bool {
    let m = e.to_string();
    m.contains("not supported")
        || m.contains("Unicode property not found")
        || m.contains("backreferences")
}

fn num_eq(a: &str, b: &str) -> bool {
    matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

/// A Default as CloudFormation reads it: a scalar as text, a list joined with commas.
pub fn default_text(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Seq(items) => items
            .iter()
            .map(|i| i.scalar_text().map(|s| s.into_owned()))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(",")),
        _ => n.scalar_text().map(|s| s.into_owned()),
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .last()
        .unwrap_or(s)
        .trim()
        .trim_start_matches("error: ")
        .to_owned()
}
