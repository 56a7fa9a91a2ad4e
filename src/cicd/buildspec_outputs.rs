//! What a build leaves behind, as the buildspec declares it: `artifacts` (with secondary artifacts),
//! `reports` and `cache`.

use super::buildspec::{CODES, paths, yes_no};
use super::fields::{Fields, scalar, wrong_shape};
use crate::source::{Diagnostic, Node, Span, codes, suggest};

const ARTIFACT_KEYS: &[&str] = &[
    "files",
    "name",
    "discard-paths",
    "base-directory",
    "exclude-paths",
    "enable-symlinks",
    "s3-prefix",
    "secondary-artifacts",
];
const REPORT_KEYS: &[&str] = &["files", "base-directory", "discard-paths", "file-format"];
const FILE_FORMATS: &[&str] = &[
    "CUCUMBERJSON",
    "JUNITXML",
    "NUNITXML",
    "NUNIT3XML",
    "TESTNGXML",
    "VISUALSTUDIOTRX",
    "CLOVERXML",
    "COBERTURAXML",
    "JACOCOXML",
    "SIMPLECOV",
];
const CACHE_KEYS: &[&str] = &["paths", "key", "fallback-keys", "action"];
const CACHE_ACTIONS: &[&str] = &["restore", "save"];
/// A project has at most five report groups.
const MAX_REPORT_GROUPS: usize = 5;

pub(crate) fn check(top: &Fields, out: &mut Vec<Diagnostic>) {
    if let Some(n) = top.get("artifacts") {
        artifacts(
            n,
            top.key_span("artifacts").unwrap_or(n.span),
            "`artifacts`",
            true,
            out,
        );
    }
    if let Some(n) = top.get("reports") {
        reports(n, out);
    }
    if let Some(n) = top.get("cache") {
        cache(n, top.key_span("cache").unwrap_or(n.span), out);
    }
}

fn artifacts(node: &Node, owner: Span, what: &str, primary: bool, out: &mut Vec<Diagnostic>) {
    let known = if primary {
        ARTIFACT_KEYS
    } else {
        &ARTIFACT_KEYS[..ARTIFACT_KEYS.len() - 1]
    };
    let Some(a) = Fields::check(node, owner, what, known, false, CODES, out) else {
        return;
    };
    // `files` is required even when only secondary artifacts are declared.
    if a.require("files", out).is_some() {
        paths(&a, "files", "`files`", out);
    }
    paths(&a, "exclude-paths", "`exclude-paths`", out);
    for key in ["name", "base-directory", "s3-prefix"] {
        if let Some(n) = a.get(key) {
            scalar(n, &format!("`{key}`"), CODES.bad_shape, out);
        }
    }
    for key in ["discard-paths", "enable-symlinks"] {
        if let Some(n) = a.get(key) {
            yes_no(n, &format!("`{key}`"), out);
        }
    }
    if let Some(n) = a.get("secondary-artifacts") {
        let Some(map) = n.as_map() else {
            out.push(wrong_shape(
                CODES.bad_shape,
                n,
                "`secondary-artifacts`",
                "a mapping of artifact identifiers",
            ));
            return;
        };
        for (id, entry) in map.iter() {
            artifacts(
                &entry.value,
                entry.key_span,
                &format!("secondary artifact `{id}`"),
                false,
                out,
            );
        }
    }
}

fn reports(node: &Node, out: &mut Vec<Diagnostic>) {
    let Some(map) = node.as_map() else {
        out.push(wrong_shape(
            CODES.bad_shape,
            node,
            "`reports`",
            "a mapping of report groups",
        ));
        return;
    };
    for (i, (group, entry)) in map.iter().enumerate() {
        if i == MAX_REPORT_GROUPS {
            out.push(Diagnostic::error(
                codes::BUILDSPEC_BAD_VALUE,
                entry.key_span,
                format!("report group `{group}` is one too many: a project has at most {MAX_REPORT_GROUPS} report groups"),
            ));
        }
        let what = format!("report group `{group}`");
        let Some(r) = Fields::check(
            &entry.value,
            entry.key_span,
            &what,
            REPORT_KEYS,
            false,
            CODES,
            out,
        ) else {
            continue;
        };
        if r.require("files", out).is_some() {
            paths(&r, "files", "`files`", out);
        }
        if let Some(n) = r.get("base-directory") {
            scalar(n, "`base-directory`", CODES.bad_shape, out);
        }
        if let Some(n) = r.get("discard-paths") {
            yes_no(n, "`discard-paths`", out);
        }
        if let Some(n) = r.get("file-format")
            && let Some(format) = scalar(n, "`file-format`", CODES.bad_shape, out)
            && !FILE_FORMATS.iter().any(|f| f.eq_ignore_ascii_case(&format))
        {
            out.push(
                Diagnostic::error(
                    codes::BUILDSPEC_BAD_VALUE,
                    n.span,
                    format!("unknown report `file-format` `{format}`"),
                )
                .with_help(
                    suggest(&format.to_ascii_uppercase(), FILE_FORMATS.iter().copied())
                        .unwrap_or_else(|| {
                            format!("use one of {}", super::fields::list(FILE_FORMATS))
                        }),
                ),
            );
        }
    }
}

fn cache(node: &Node, owner: Span, out: &mut Vec<Diagnostic>) {
    let Some(c) = Fields::check(node, owner, "`cache`", CACHE_KEYS, false, CODES, out) else {
        return;
    };
    if c.require("paths", out).is_some() {
        paths(&c, "paths", "`cache.paths`", out);
    }
    if let Some(n) = c.get("key") {
        scalar(n, "`cache.key`", CODES.bad_shape, out);
    }
    paths(&c, "fallback-keys", "`cache.fallback-keys`", out);
    if let Some(n) = c.get("action")
        && let Some(action) = scalar(n, "`cache.action`", CODES.bad_shape, out)
        && !CACHE_ACTIONS.contains(&action.as_ref())
    {
        out.push(
            Diagnostic::error(
                codes::BUILDSPEC_BAD_VALUE,
                n.span,
                format!("`cache.action` must be `restore` or `save`, found `{action}`"),
            )
            .with_help_opt(suggest(&action, CACHE_ACTIONS.iter().copied())),
        );
    }
}
