//! The AppSpec file as CodeDeploy reads it: the top-level sections of each compute platform, the version,
//! and which platform a file is for. Sections are checked in their own files (`appspec_server`,
//! `appspec_resources`, `appspec_hooks`); this one dispatches and returns the hooks for `appspec order`.

use serde::Serialize;

use super::events::Platform;
use super::fields::{Fields, ShapeCodes, wrong_shape};
use super::{appspec_hooks, appspec_resources, appspec_server};
use crate::source::{Diagnostic, Document, Format, Node, NodeKind, Span, codes, suggest};

pub(crate) const CODES: ShapeCodes = ShapeCodes {
    unknown_key: codes::APPSPEC_UNKNOWN_KEY,
    bad_shape: codes::APPSPEC_BAD_SHAPE,
    missing_key: codes::APPSPEC_MISSING_KEY,
};

const SERVER_SECTIONS: &[&str] = &[
    "version",
    "os",
    "files",
    "file_exists_behavior",
    "permissions",
    "hooks",
];
const FUNCTION_SECTIONS: &[&str] = &["version", "resources", "hooks"];

/// What `appspec order` needs from a checked file.
#[derive(Clone, Debug, Default)]
pub struct AppSpec {
    /// The compute platform, when it could be told.
    pub platform: Option<Platform>,
    /// The hooked events in file order, each with its scripts or function.
    pub hooks: Vec<HookedEvent>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HookedEvent {
    pub event: String,
    pub hooks: Vec<Hook>,
}

/// One script (EC2/On-Premises) or validation function (Lambda, ECS) run in an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hook {
    /// The script's location in the revision, or the Lambda function's name.
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runas: Option<String>,
}

/// Checks an AppSpec file. `platform` overrides what the file's sections say.
pub fn check(
    doc: &Document,
    format: Format,
    platform: Option<Platform>,
) -> (AppSpec, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let root = &doc.root;
    let at_start = Span::new(
        root.span.file,
        root.span.start as usize,
        root.span.start as usize,
    );
    if root.as_map().is_none() {
        out.push(wrong_shape(
            CODES.bad_shape,
            root,
            "an AppSpec file",
            "a mapping of sections",
        ));
        return (AppSpec::default(), out);
    }
    let platform = platform.or_else(|| infer(root, &mut out));
    let any_case = platform != Some(Platform::Server);
    let top = Fields::unchecked(root, at_start, "the AppSpec file", any_case, CODES);
    sections(&top, platform, &mut out);
    version(&top, platform, &mut out);
    let mut spec = AppSpec {
        platform,
        hooks: Vec::new(),
    };
    match platform {
        Some(Platform::Server) => {
            if format == Format::Json {
                out.push(
                    Diagnostic::error(
                        codes::APPSPEC_WRONG_PLATFORM,
                        at_start,
                        "an EC2/On-Premises AppSpec file must be YAML",
                    )
                    .with_help("name it `appspec.yml`: the CodeDeploy agent reads no other file"),
                );
            }
            let os = appspec_server::check(&top, &mut out);
            if let Some(hooks) = top.get("hooks") {
                spec.hooks = appspec_hooks::server(hooks, os, &mut out);
            }
        }
        Some(p) => {
            if let Some(resources) = top.require("resources", &mut out) {
                appspec_resources::check(resources, p, &mut out);
            }
            if let Some(hooks) = top.get("hooks") {
                spec.hooks = appspec_hooks::functions(hooks, p, &mut out);
            }
        }
        None => {}
    }
    (spec, out)
}

/// Every top-level key must be a section of the file's platform; a section of another platform is named
/// as such.
fn sections(top: &Fields, platform: Option<Platform>, out: &mut Vec<Diagnostic>) {
    let known: &[&str] = match platform {
        Some(Platform::Server) => SERVER_SECTIONS,
        Some(_) => FUNCTION_SECTIONS,
        None => return,
    };
    let any_case = platform != Some(Platform::Server);
    for (key, entry) in top.map().iter() {
        let matches = |k: &&str| {
            if any_case {
                k.eq_ignore_ascii_case(key)
            } else {
                *k == key
            }
        };
        if known.iter().any(matches) {
            continue;
        }
        let other = if platform == Some(Platform::Server) {
            FUNCTION_SECTIONS
                .iter()
                .any(|k| k.eq_ignore_ascii_case(key))
                .then_some("AWS Lambda and Amazon ECS")
        } else {
            SERVER_SECTIONS.contains(&key).then_some("EC2/On-Premises")
        };
        let title = platform.map(Platform::title).unwrap_or_default();
        out.push(match other {
            Some(other) => Diagnostic::error(
                codes::APPSPEC_WRONG_PLATFORM,
                entry.key_span,
                format!("`{key}` is a section of {other} AppSpec files, not of {title} ones"),
            ),
            None => Diagnostic::error(
                codes::APPSPEC_UNKNOWN_KEY,
                entry.key_span,
                format!("unknown section `{key}` in an {title} AppSpec file"),
            )
            .with_help_opt(suggest(key, known.iter().copied())),
        });
    }
}

/// `version` is required and must be 0.0. The CodeDeploy agent compares it with the number 0.0, so an
/// EC2/On-Premises file cannot quote it; Lambda and ECS files may.
fn version(top: &Fields, platform: Option<Platform>, out: &mut Vec<Diagnostic>) {
    let Some(node) = top.require("version", out) else {
        return;
    };
    let zero = |t: &str| t.parse::<f64>().is_ok_and(|v| v == 0.0);
    match &node.kind {
        NodeKind::Number(n) if zero(n) => {}
        NodeKind::String(s) if zero(s) && platform != Some(Platform::Server) => {}
        NodeKind::String(s) if zero(s) => out.push(
            Diagnostic::error(
                codes::APPSPEC_BAD_VERSION,
                node.span,
                format!("`version` is the string `\"{s}\"`: the CodeDeploy agent accepts only the number 0.0"),
            )
            .with_help("write `version: 0.0` without quotes"),
        ),
        _ => out.push(
            Diagnostic::error(
                codes::APPSPEC_BAD_VERSION,
                node.span,
                format!(
                    "`version` must be 0.0, found {}",
                    node.scalar_text()
                        .map(|t| format!("`{t}`"))
                        .unwrap_or_else(|| node.describe().to_owned())
                ),
            )
            .with_help("0.0 is the only AppSpec version CodeDeploy knows"),
        ),
    }
}

/// The platform a file's sections point to: `os`, `files` or `permissions` for EC2/On-Premises, the type
/// of its `resources` for Lambda and ECS. Without any, the file is taken as EC2/On-Premises (whose `os`
/// is then missing).
fn infer(root: &Node, out: &mut Vec<Diagnostic>) -> Option<Platform> {
    let map = root.as_map()?;
    let server_key = map
        .iter()
        .find(|(k, _)| ["os", "files", "permissions", "file_exists_behavior"].contains(k));
    let resources = map
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("resources"));
    let from_resources = resources.and_then(|(_, e)| resource_platform(&e.value, out));
    match (server_key, resources) {
        (Some((k, server)), Some((r, res))) => {
            out.push(
                Diagnostic::error(
                    codes::APPSPEC_PLATFORM,
                    res.key_span,
                    format!("the file has both `{r}` (AWS Lambda, Amazon ECS) and `{k}` (EC2/On-Premises)"),
                )
                .with_label(server.key_span, "an EC2/On-Premises section")
                .with_help("keep the sections of one compute platform, or give `--platform`"),
            );
            from_resources
        }
        (None, Some(_)) => from_resources,
        (None, None) => match map.iter().find(|(k, _)| k.eq_ignore_ascii_case("hooks")) {
            Some((k, e)) if e.value.as_seq().is_some() => {
                out.push(
                    Diagnostic::error(
                        codes::APPSPEC_PLATFORM,
                        e.key_span,
                        format!("a list of `{k}` is for AWS Lambda or Amazon ECS, but the file has no `resources` to tell which"),
                    )
                    .with_help("add the `resources` section, or give `--platform lambda` or `--platform ecs`"),
                );
                None
            }
            _ => Some(Platform::Server),
        },
        (Some(_), None) => Some(Platform::Server),
    }
}

/// `Lambda` or `Ecs` from the `Type` of the first resource; reports a type that is neither.
fn resource_platform(resources: &Node, out: &mut Vec<Diagnostic>) -> Option<Platform> {
    let first = resources.as_seq()?.first()?.as_map()?.single()?.1;
    let (_, ty) = first
        .value
        .as_map()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("type"))?;
    let text = ty.value.scalar_text()?;
    match text.as_ref() {
        appspec_resources::LAMBDA_TYPE => Some(Platform::Lambda),
        appspec_resources::ECS_TYPE => Some(Platform::Ecs),
        other => {
            out.push(
                Diagnostic::error(
                    codes::APPSPEC_PLATFORM,
                    ty.value.span,
                    format!(
                        "unknown resource type `{other}`: CodeDeploy deploys `{}` and `{}`",
                        appspec_resources::LAMBDA_TYPE,
                        appspec_resources::ECS_TYPE
                    ),
                )
                .with_help_opt(suggest(
                    other,
                    [appspec_resources::LAMBDA_TYPE, appspec_resources::ECS_TYPE],
                )),
            );
            None
        }
    }
}
