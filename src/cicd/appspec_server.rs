//! The EC2/On-Premises sections of an AppSpec file: `os`, `files`, `file_exists_behavior` and
//! `permissions`, checked as the CodeDeploy agent reads them (the user guide's "AppSpec 'files' section"
//! and "AppSpec 'permissions' section"). Hooks are `appspec_hooks`'s job.

use super::appspec::CODES;
use super::fields::{Fields, scalar, scalar_list, seq};
use crate::source::{Diagnostic, Node, NodeKind, codes, suggest};

/// The operating system of the instances, as `os` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Os {
    Linux,
    Windows,
}

const OSES: &[&str] = &["linux", "windows"];
const FILE_EXISTS: &[&str] = &["DISALLOW", "OVERWRITE", "RETAIN"];
const FILE_KEYS: &[&str] = &["source", "destination"];
const PERMISSION_KEYS: &[&str] = &[
    "object", "pattern", "except", "owner", "group", "mode", "acls", "context", "type",
];
const CONTEXT_KEYS: &[&str] = &["user", "type", "range"];
const OBJECT_TYPES: &[&str] = &["file", "directory"];

/// Checks the sections other than `version` and `hooks`; returns the operating system when it is valid.
pub(crate) fn check(top: &Fields, out: &mut Vec<Diagnostic>) -> Option<Os> {
    let os = top.require("os", out).and_then(|n| os(n, out));
    if let Some(files) = top.get("files") {
        files_section(files, os, out);
    }
    if let Some(node) = top.get("file_exists_behavior") {
        one_of(node, "`file_exists_behavior`", FILE_EXISTS, out);
    }
    if let Some(node) = top.get("permissions") {
        if os == Some(Os::Windows) {
            let at = top.key_span("permissions").unwrap_or(node.span);
            out.push(
                Diagnostic::error(
                    codes::APPSPEC_WRONG_PLATFORM,
                    at,
                    "`permissions` apply to Linux instances only, and `os` is `windows`",
                )
                .with_help(
                    "the agent fails a Windows deployment whose AppSpec file has permissions",
                ),
            );
        } else {
            permissions(node, out);
        }
    }
    os
}

fn os(node: &Node, out: &mut Vec<Diagnostic>) -> Option<Os> {
    match one_of(node, "`os`", OSES, out)?.as_str() {
        "linux" => Some(Os::Linux),
        _ => Some(Os::Windows),
    }
}

/// A scalar that must be one of `allowed` (exactly: the agent compares strings).
fn one_of(node: &Node, what: &str, allowed: &[&str], out: &mut Vec<Diagnostic>) -> Option<String> {
    let text = scalar(node, what, CODES.bad_shape, out)?;
    if allowed.contains(&text.as_ref()) {
        return Some(text.into_owned());
    }
    out.push(
        Diagnostic::error(
            codes::APPSPEC_BAD_VALUE,
            node.span,
            format!(
                "{what} must be {}, found `{text}`",
                super::fields::list(allowed)
            ),
        )
        .with_help_opt(suggest(&text, allowed.iter().copied())),
    );
    None
}

fn files_section(node: &Node, os: Option<Os>, out: &mut Vec<Diagnostic>) {
    if matches!(node.kind, NodeKind::Null) {
        return;
    }
    let Some(items) = seq(node, "`files`", CODES.bad_shape, out) else {
        return;
    };
    for item in items {
        let before = out.len();
        let Some(f) = Fields::check(
            item,
            item.span,
            "a `files` entry",
            FILE_KEYS,
            false,
            CODES,
            out,
        ) else {
            continue;
        };
        // `overwrite` is a common guess: name the setting that does overwrite.
        if let Some(at) = f.key_span("overwrite")
            && let Some(d) = out[before..].iter_mut().find(|d| d.span == at)
        {
            d.message =
                "unknown key `overwrite` in a `files` entry: the agent ignores it".to_owned();
            d.help = Some(
                "to replace files already on the instance, set `file_exists_behavior: OVERWRITE` at the top of the file"
                    .to_owned(),
            );
        }
        if let Some(n) = f.require("source", out) {
            scalar(n, "`source`", CODES.bad_shape, out);
        }
        if let Some(n) = f.require("destination", out)
            && let Some(dest) = scalar(n, "`destination`", CODES.bad_shape, out)
            && !is_absolute(&dest, os)
        {
            out.push(
                Diagnostic::error(
                    codes::APPSPEC_BAD_VALUE,
                    n.span,
                    format!("`destination` must be a fully qualified path, found `{dest}`"),
                )
                .with_help(match os {
                    Some(Os::Windows) => "start it with a drive, like `c:\\destination\\folder`",
                    _ => "start it with `/`, like `/var/www/app`",
                }),
            );
        }
    }
}

fn is_absolute(path: &str, os: Option<Os>) -> bool {
    let b = path.as_bytes();
    let windows = b.len() >= 3
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && (b[2] == b'\\' || b[2] == b'/')
        || path.starts_with("\\\\");
    match os {
        Some(Os::Windows) => windows,
        Some(Os::Linux) => path.starts_with('/'),
        None => windows || path.starts_with('/'),
    }
}

fn permissions(node: &Node, out: &mut Vec<Diagnostic>) {
    if matches!(node.kind, NodeKind::Null) {
        return;
    }
    let Some(items) = seq(node, "`permissions`", CODES.bad_shape, out) else {
        return;
    };
    for item in items {
        let Some(p) = Fields::check(
            item,
            item.span,
            "a `permissions` entry",
            PERMISSION_KEYS,
            false,
            CODES,
            out,
        ) else {
            continue;
        };
        if let Some(n) = p.require("object", out) {
            scalar(n, "`object`", CODES.bad_shape, out);
        }
        for key in ["pattern", "owner", "group"] {
            if let Some(n) = p.get(key) {
                scalar(n, &format!("`{key}`"), CODES.bad_shape, out);
            }
        }
        for key in ["except", "acls"] {
            if let Some(n) = p.get(key) {
                scalar_list(n, &format!("`{key}`"), CODES.bad_shape, out);
            }
        }
        if let Some(n) = p.get("mode") {
            mode(n, out);
        }
        if let Some(n) = p.get("context")
            && let Some(c) = Fields::check(n, n.span, "`context`", CONTEXT_KEYS, false, CODES, out)
        {
            for key in CONTEXT_KEYS {
                if let Some(v) = c.get(key) {
                    scalar(v, &format!("`context.{key}`"), CODES.bad_shape, out);
                }
            }
        }
        if let Some(n) = p.get("type")
            && let Some(types) = seq(n, "`type`", CODES.bad_shape, out)
        {
            for t in types {
                one_of(t, "a permission `type`", OBJECT_TYPES, out);
            }
        }
    }
}

/// An octal mode of one to four digits. The agent parses the file as YAML 1.1, where an unquoted number
/// with a leading zero is octal: `0644` reaches it as 420 and `0755` as 493, which is no mode at all.
fn mode(node: &Node, out: &mut Vec<Diagnostic>) {
    let Some(text) = scalar(node, "`mode`", CODES.bad_shape, out) else {
        return;
    };
    let octal = |t: &str| !t.is_empty() && t.bytes().all(|b| (b'0'..=b'7').contains(&b));
    let written_as_number = matches!(node.kind, NodeKind::Number(_));
    if written_as_number && text.len() > 1 && text.starts_with('0') && octal(&text) {
        let read = u32::from_str_radix(&text, 8)
            .map(|v| v.to_string())
            .unwrap_or_default();
        let trimmed = text.trim_start_matches('0');
        let fix = if trimmed.is_empty() { "0" } else { trimmed };
        let d = if octal(&read) && read.len() <= 4 {
            Diagnostic::warning(
                codes::APPSPEC_AGENT_QUIRK,
                node.span,
                format!(
                    "the agent reads `{text}` as the octal number {read} and applies mode `{read}`"
                ),
            )
        } else {
            Diagnostic::error(
                codes::APPSPEC_BAD_VALUE,
                node.span,
                format!("the agent reads `{text}` as the octal number {read}, which is not a mode"),
            )
        };
        out.push(d.with_help(format!("write `mode: {fix}`, without the leading zero")));
        return;
    }
    if !octal(&text) || text.len() > 4 {
        out.push(Diagnostic::error(
            codes::APPSPEC_BAD_VALUE,
            node.span,
            format!(
                "`mode` must be one to four octal digits (like `644` or `4755`), found `{text}`"
            ),
        ));
    }
}
