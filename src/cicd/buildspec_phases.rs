//! The `phases` of a buildspec: `install`, `pre_build`, `build` and `post_build`, each with `run-as`,
//! `on-failure`, `commands` and `finally`, and `runtime-versions` in `install` only.

use super::buildspec::CODES;
use super::fields::{Fields, scalar, seq, wrong_shape};
use crate::source::{Diagnostic, Node, NodeKind, Span, codes, suggest};

const PHASES: &[&str] = &["install", "pre_build", "build", "post_build"];
const PHASE_KEYS: &[&str] = &[
    "run-as",
    "on-failure",
    "runtime-versions",
    "commands",
    "finally",
];
/// The most retries `on-failure: RETRY-count` may ask for.
const MAX_RETRIES: u32 = 100;

pub(crate) fn check(node: &Node, out: &mut Vec<Diagnostic>) {
    let Some(map) = node.as_map() else {
        out.push(wrong_shape(
            CODES.bad_shape,
            node,
            "`phases`",
            "a mapping of build phases",
        ));
        return;
    };
    for (name, entry) in map.iter() {
        if !PHASES.contains(&name) {
            out.push(
                Diagnostic::error(
                    codes::BUILDSPEC_UNKNOWN_KEY,
                    entry.key_span,
                    format!("unknown build phase `{name}`"),
                )
                .with_help(
                    suggest(name, PHASES.iter().copied())
                        .unwrap_or_else(|| format!("use one of {}", super::fields::list(PHASES))),
                ),
            );
            continue;
        }
        phase(name, &entry.value, entry.key_span, out);
    }
}

fn phase(name: &str, node: &Node, owner: Span, out: &mut Vec<Diagnostic>) {
    if matches!(node.kind, NodeKind::Null) {
        if name != "install" {
            out.push(Diagnostic::error(
                codes::BUILDSPEC_MISSING_KEY,
                owner,
                format!("phase `{name}` is empty: it needs `commands`"),
            ));
        }
        return;
    }
    let what = format!("phase `{name}`");
    let Some(p) = Fields::check(node, owner, &what, PHASE_KEYS, false, CODES, out) else {
        return;
    };
    if let Some(n) = p.get("run-as") {
        scalar(n, "`run-as`", CODES.bad_shape, out);
    }
    if let Some(n) = p.get("on-failure") {
        on_failure(n, out);
    }
    if let Some(n) = p.get("runtime-versions") {
        let at = p.key_span("runtime-versions").unwrap_or(n.span);
        if name == "install" {
            runtime_versions(n, at, out);
        } else {
            out.push(
                Diagnostic::error(
                    codes::BUILDSPEC_MISPLACED,
                    at,
                    format!("`runtime-versions` belongs in the `install` phase, not in `{name}`"),
                )
                .with_help("move it under `phases.install`"),
            );
        }
    }
    // `install` may only select runtimes; every other phase exists to run commands.
    let listed = if name == "install" {
        p.get("commands")
    } else {
        p.require("commands", out)
    };
    if let Some(n) = listed {
        commands(n, "`commands`", out);
    }
    if let Some(n) = p.get("finally") {
        commands(n, "`finally`", out);
    }
}

/// A list of commands. An unquoted command holding `: ` is a mapping to YAML, which CodeBuild refuses.
fn commands(node: &Node, what: &str, out: &mut Vec<Diagnostic>) {
    let Some(items) = seq(node, what, CODES.bad_shape, out) else {
        return;
    };
    for item in items {
        if item.as_map().is_some_and(|m| m.single().is_some()) {
            out.push(
                wrong_shape(
                    CODES.bad_shape,
                    item,
                    &format!("an item of {what}"),
                    "a string",
                )
                .with_help("quote the command: YAML reads an unquoted `: ` as a key and its value"),
            );
        } else if !matches!(item.kind, NodeKind::Null) {
            // An empty item (`- # a comment`) runs nothing.
            scalar(item, &format!("an item of {what}"), CODES.bad_shape, out);
        }
    }
}

fn runtime_versions(node: &Node, at: Span, out: &mut Vec<Diagnostic>) {
    let Some(map) = node.as_map() else {
        out.push(wrong_shape(
            CODES.bad_shape,
            node,
            "`runtime-versions`",
            "a mapping of runtimes to versions",
        ));
        return;
    };
    if map.is_empty() {
        out.push(Diagnostic::error(
            codes::BUILDSPEC_MISSING_KEY,
            at,
            "`runtime-versions` names no runtime: give at least one, or drop the section",
        ));
    }
    for (runtime, entry) in map.iter() {
        scalar(
            &entry.value,
            &format!("the version of `{runtime}`"),
            CODES.bad_shape,
            out,
        );
    }
}

/// `ABORT`, `CONTINUE`, `RETRY`, `RETRY-count`, `RETRY-regex` or `RETRY-count-regex` (a count from 0 to 100).
fn on_failure(node: &Node, out: &mut Vec<Diagnostic>) {
    let Some(text) = scalar(node, "`on-failure`", CODES.bad_shape, out) else {
        return;
    };
    match parse_on_failure(&text) {
        Ok(()) => {}
        Err(message) => out.push(
            Diagnostic::error(codes::BUILDSPEC_BAD_VALUE, node.span, message)
                .with_help_opt(suggest(&text, ["ABORT", "CONTINUE", "RETRY"])),
        ),
    }
}

fn parse_on_failure(text: &str) -> Result<(), String> {
    if matches!(text, "ABORT" | "CONTINUE" | "RETRY") {
        return Ok(());
    }
    let Some(rest) = text.strip_prefix("RETRY-") else {
        return Err(format!(
            "`on-failure` must be `ABORT`, `CONTINUE` or `RETRY` (with an optional count and pattern), found `{text}`"
        ));
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = &rest[digits.len()..];
    let pattern = if digits.is_empty() {
        rest
    } else {
        match digits.parse::<u32>() {
            Ok(n) if n <= MAX_RETRIES => {}
            _ => {
                return Err(format!(
                    "`on-failure` retries {digits} times: the count must be from 0 to {MAX_RETRIES}"
                ));
            }
        }
        if after.is_empty() {
            return Ok(());
        }
        match after.strip_prefix('-') {
            Some(p) => p,
            // `RETRY-12abc`: all of it is the pattern.
            None => rest,
        }
    };
    if pattern.is_empty() {
        return Err(format!(
            "`on-failure` ends with `-` but gives no pattern: `{text}`"
        ));
    }
    regex::Regex::new(pattern)
        .map(|_| ())
        .map_err(|_| format!("`on-failure` pattern `{pattern}` is not a valid regular expression"))
}

#[cfg(test)]
mod tests {
    use super::parse_on_failure;

    #[test]
    fn on_failure_takes_counts_and_patterns() {
        for ok in [
            "ABORT",
            "CONTINUE",
            "RETRY",
            "RETRY-3",
            "RETRY-0",
            "RETRY-100",
            "RETRY-.*timeout",
            "RETRY-2-error.*",
        ] {
            assert!(parse_on_failure(ok).is_ok(), "{ok}");
        }
        for bad in [
            "abort",
            "STOP",
            "RETRY-101",
            "RETRY-",
            "RETRY-3-",
            "RETRY-(unclosed",
        ] {
            assert!(parse_on_failure(bad).is_err(), "{bad}");
        }
    }
}
