//! The buildspec file as CodeBuild reads it (the CodeBuild user guide's "Build specification reference"):
//! the top-level keys, `version`, `run-as`, `env`, `proxy` and `batch`. Phases are checked in
//! `buildspec_phases`, artifacts, reports and cache in `buildspec_outputs`.

use super::buildspec_outputs;
use super::buildspec_phases;
use super::fields::{Fields, ShapeCodes, list, scalar, scalar_list, seq};
use crate::source::{Diagnostic, Document, Node, NodeKind, Span, codes, suggest};

pub(crate) const CODES: ShapeCodes = ShapeCodes {
    unknown_key: codes::BUILDSPEC_UNKNOWN_KEY,
    bad_shape: codes::BUILDSPEC_BAD_SHAPE,
    missing_key: codes::BUILDSPEC_MISSING_KEY,
};

const TOP_KEYS: &[&str] = &[
    "version",
    "run-as",
    "env",
    "proxy",
    "batch",
    "phases",
    "reports",
    "artifacts",
    "cache",
];
const VERSIONS: &[&str] = &["0.1", "0.2"];
const ENV_KEYS: &[&str] = &[
    "shell",
    "variables",
    "parameter-store",
    "secrets-manager",
    "exported-variables",
    "git-credential-helper",
];
const SHELLS: &[&str] = &["bash", "/bin/sh", "powershell.exe", "cmd.exe"];
const PROXY_KEYS: &[&str] = &["upload-artifacts", "logs"];
const BATCH_KEYS: &[&str] = &["fast-fail", "build-list", "build-matrix", "build-graph"];
const BATCH_KINDS: &[&str] = &["build-list", "build-matrix", "build-graph"];
/// Names CodeBuild keeps for itself.
const RESERVED_PREFIX: &str = "CODEBUILD_";

/// Checks a buildspec file.
pub fn check(doc: &Document) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let root = &doc.root;
    let at_start = Span::new(
        root.span.file,
        root.span.start as usize,
        root.span.start as usize,
    );
    let Some(top) = Fields::check(
        root,
        at_start,
        "the buildspec",
        TOP_KEYS,
        false,
        CODES,
        &mut out,
    ) else {
        return out;
    };
    if let Some(v) = top.require("version", &mut out) {
        version(v, &mut out);
    }
    if let Some(n) = top.get("run-as") {
        scalar(n, "`run-as`", CODES.bad_shape, &mut out);
    }
    if let Some(n) = top.get("env") {
        env(n, top.key_span("env").unwrap_or(n.span), &mut out);
    }
    if let Some(n) = top.get("proxy")
        && let Some(p) = Fields::check(n, n.span, "`proxy`", PROXY_KEYS, false, CODES, &mut out)
    {
        for key in PROXY_KEYS {
            if let Some(v) = p.get(key) {
                yes_no(v, &format!("`proxy.{key}`"), &mut out);
            }
        }
    }
    if let Some(n) = top.get("batch") {
        batch(n, &mut out);
    }
    if let Some(n) = top.require("phases", &mut out) {
        buildspec_phases::check(n, &mut out);
    }
    buildspec_outputs::check(&top, &mut out);
    out
}

fn version(node: &Node, out: &mut Vec<Diagnostic>) {
    let text = node.scalar_text();
    if text.as_deref().is_some_and(|t| VERSIONS.contains(&t)) {
        return;
    }
    let found = text
        .map(|t| format!("`{t}`"))
        .unwrap_or_else(|| node.describe().to_owned());
    out.push(
        Diagnostic::error(
            codes::BUILDSPEC_BAD_VERSION,
            node.span,
            format!("`version` must be 0.1 or 0.2, found {found}"),
        )
        .with_help("write `version: 0.2`, the version CodeBuild recommends"),
    );
}

/// `yes`/`no` (or `true`/`false`): CodeBuild's YAML reads all four as booleans.
pub(crate) fn yes_no(node: &Node, what: &str, out: &mut Vec<Diagnostic>) {
    let ok = match &node.kind {
        NodeKind::Bool(_) => true,
        NodeKind::String(s) => ["yes", "no", "true", "false"]
            .iter()
            .any(|v| v.eq_ignore_ascii_case(s)),
        _ => false,
    };
    if !ok {
        let found = node
            .scalar_text()
            .map(|t| format!("`{t}`"))
            .unwrap_or_else(|| node.describe().to_owned());
        out.push(Diagnostic::error(
            codes::BUILDSPEC_BAD_VALUE,
            node.span,
            format!("{what} must be `yes` or `no`, found {found}"),
        ));
    }
}

fn env(node: &Node, owner: Span, out: &mut Vec<Diagnostic>) {
    let Some(e) = Fields::check(node, owner, "`env`", ENV_KEYS, false, CODES, out) else {
        return;
    };
    if let Some(n) = e.get("shell")
        && let Some(shell) = scalar(n, "`env.shell`", CODES.bad_shape, out)
        && !SHELLS.contains(&shell.as_ref())
    {
        out.push(
            Diagnostic::error(
                codes::BUILDSPEC_BAD_VALUE,
                n.span,
                format!("`env.shell` must be {}, found `{shell}`", list(SHELLS)),
            )
            .with_help_opt(suggest(&shell, SHELLS.iter().copied())),
        );
    }
    for key in ["variables", "parameter-store", "secrets-manager"] {
        if let Some(n) = e.get(key) {
            variables(n, key, out);
        }
    }
    if let Some(n) = e.get("secrets-manager")
        && let Some(map) = n.as_map()
    {
        for (_, entry) in map.iter() {
            if let Some(reference) = entry.value.scalar_text() {
                secret_reference(&reference, &entry.value, out);
            }
        }
    }
    if let Some(n) = e.get("exported-variables")
        && let Some(items) = seq(n, "`env.exported-variables`", CODES.bad_shape, out)
    {
        for item in items {
            let Some(name) = scalar(item, "an exported variable", CODES.bad_shape, out) else {
                continue;
            };
            if name.starts_with("AWS_") {
                out.push(Diagnostic::error(
                    codes::BUILDSPEC_RESERVED_NAME,
                    item.span,
                    format!("`{name}` cannot be exported: CodeBuild exports no variable that starts with `AWS_`"),
                ));
            }
        }
    }
    if let Some(n) = e.get("git-credential-helper") {
        yes_no(n, "`env.git-credential-helper`", out);
    }
}

/// A mapping of variable names to scalar values; no name may start with `CODEBUILD_`.
fn variables(node: &Node, key: &str, out: &mut Vec<Diagnostic>) {
    let Some(map) = node.as_map() else {
        if !matches!(node.kind, NodeKind::Null) {
            out.push(super::fields::wrong_shape(
                CODES.bad_shape,
                node,
                &format!("`env.{key}`"),
                "a mapping of names to values",
            ));
        }
        return;
    };
    for (name, entry) in map.iter() {
        if name.starts_with(RESERVED_PREFIX) {
            out.push(Diagnostic::error(
                codes::BUILDSPEC_RESERVED_NAME,
                entry.key_span,
                format!("`{name}` starts with `{RESERVED_PREFIX}`, a prefix CodeBuild reserves for its own variables"),
            ));
        }
        if !matches!(entry.value.kind, NodeKind::Null) {
            scalar(
                &entry.value,
                &format!("the value of `{name}`"),
                CODES.bad_shape,
                out,
            );
        }
    }
}

/// `secret-id:json-key:version-stage:version-id`, where a version stage and a version id exclude each other.
fn secret_reference(reference: &str, node: &Node, out: &mut Vec<Diagnostic>) {
    // A secret ARN holds colons itself: its six fields come first.
    let rest = if reference.starts_with("arn:") {
        reference.splitn(8, ':').nth(7).unwrap_or("")
    } else {
        reference.split_once(':').map(|(_, r)| r).unwrap_or("")
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let stage = parts.get(1).is_some_and(|s| !s.is_empty());
    let id = parts.get(2).is_some_and(|s| !s.is_empty());
    if stage && id {
        out.push(
            Diagnostic::error(
                codes::BUILDSPEC_BAD_VALUE,
                node.span,
                format!("`{reference}` gives both a version stage and a version id"),
            )
            .with_help("keep one of them: `secret-id:json-key:version-stage` or `secret-id:json-key::version-id`"),
        );
    }
}

fn batch(node: &Node, out: &mut Vec<Diagnostic>) {
    let Some(b) = Fields::check(node, node.span, "`batch`", BATCH_KEYS, false, CODES, out) else {
        return;
    };
    if let Some(n) = b.get("fast-fail") {
        yes_no(n, "`batch.fast-fail`", out);
    }
    let kinds: Vec<(&str, Span)> = BATCH_KINDS
        .iter()
        .filter_map(|k| b.key_span(k).map(|s| (*k, s)))
        .collect();
    if let [(first, first_at), rest @ ..] = kinds.as_slice() {
        for (kind, at) in rest {
            out.push(
                Diagnostic::error(
                    codes::BUILDSPEC_BATCH_KINDS,
                    *at,
                    format!(
                        "a batch is one of {}: this one has `{first}` and `{kind}`",
                        list(BATCH_KINDS)
                    ),
                )
                .with_label(*first_at, "the batch's kind"),
            );
        }
    }
    for key in ["build-list", "build-graph"] {
        if let Some(n) = b.get(key) {
            seq(n, &format!("`batch.{key}`"), CODES.bad_shape, out);
        }
    }
    if let Some(n) = b.get("build-matrix")
        && n.as_map().is_none()
    {
        out.push(super::fields::wrong_shape(
            CODES.bad_shape,
            n,
            "`batch.build-matrix`",
            "a mapping",
        ));
    }
}

/// A list of paths under `key` of `fields`, when present. CodeBuild also takes a single path written as a
/// string (`files: imagedefinitions.json`, as its own ECS tutorial does).
pub(crate) fn paths(fields: &Fields, key: &str, what: &str, out: &mut Vec<Diagnostic>) {
    match fields.get(key) {
        Some(n) if n.as_seq().is_none() && n.scalar_text().is_some() => {}
        Some(n) => scalar_list(n, what, CODES.bad_shape, out),
        None => {}
    }
}
