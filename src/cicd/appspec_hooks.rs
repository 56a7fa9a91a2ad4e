//! The `hooks` section of an AppSpec file: on EC2/On-Premises a mapping from lifecycle events to the
//! scripts the agent runs (`location`, `timeout`, `runas`), on Lambda and ECS a list of one-key mappings from
//! an event to a validation function. Event names are checked against the platform's hookable events;
//! events CodeDeploy runs itself are named as such.

use super::appspec::{CODES, Hook, HookedEvent};
use super::appspec_server::Os;
use super::events::{self, Deployment, Platform, RunBy};
use super::fields::{Fields, list, scalar, seq, single, wrong_shape};
use crate::source::{Diagnostic, Node, NodeKind, Span, codes, suggest};

/// The most seconds the scripts of one lifecycle event may run, all together.
pub const MAX_EVENT_SECONDS: u64 = 3600;

const ENTRY_KEYS: &[&str] = &["location", "timeout", "runas", "sudo"];

/// EC2/On-Premises hooks: `event: [ {location, timeout, runas}, ... ]`.
pub(crate) fn server(node: &Node, os: Option<Os>, out: &mut Vec<Diagnostic>) -> Vec<HookedEvent> {
    let mut hooked = Vec::new();
    if matches!(node.kind, NodeKind::Null) {
        return hooked;
    }
    let Some(map) = node.as_map() else {
        out.push(wrong_shape(
            CODES.bad_shape,
            node,
            "`hooks`",
            "a mapping of lifecycle events to scripts",
        ));
        return hooked;
    };
    for (event, entry) in map.iter() {
        if !event_name(Platform::Server, event, entry.key_span, out) {
            continue;
        }
        let what = format!("the scripts of `{event}`");
        let Some(items) = seq(&entry.value, &what, CODES.bad_shape, out) else {
            continue;
        };
        let mut hooks = Vec::new();
        let mut total = 0;
        for item in items {
            if let Some(hook) = script(item, os, out) {
                total += hook.timeout.unwrap_or(0);
                hooks.push(hook);
            }
        }
        if total > MAX_EVENT_SECONDS {
            out.push(
                Diagnostic::error(
                    codes::APPSPEC_BAD_TIMEOUT,
                    entry.key_span,
                    format!(
                        "the scripts of `{event}` have timeouts of {total} seconds together, more than the {MAX_EVENT_SECONDS} seconds CodeDeploy allows one lifecycle event"
                    ),
                )
                .with_help("shorten the timeouts, or move scripts to another event"),
            );
        }
        hooked.push(HookedEvent {
            event: event.to_owned(),
            hooks,
        });
    }
    hooked
}

fn script(item: &Node, os: Option<Os>, out: &mut Vec<Diagnostic>) -> Option<Hook> {
    let f = Fields::check(
        item,
        item.span,
        "a hook entry",
        ENTRY_KEYS,
        false,
        CODES,
        out,
    )?;
    let location = f.require("location", out).and_then(|n| {
        let text = scalar(n, "`location`", CODES.bad_shape, out)?;
        if text.trim().is_empty() {
            out.push(Diagnostic::error(
                codes::APPSPEC_MISSING_KEY,
                n.span,
                "`location` is empty: name the script in the revision",
            ));
            return None;
        }
        Some(text.trim().to_owned())
    });
    let timeout = f.get("timeout").and_then(|n| timeout(n, out));
    let runas = f
        .get("runas")
        .and_then(|n| scalar(n, "`runas`", CODES.bad_shape, out).map(|t| t.into_owned()));
    if os == Some(Os::Windows)
        && let Some(at) = f.key_span("runas")
    {
        out.push(
            Diagnostic::warning(
                codes::APPSPEC_AGENT_QUIRK,
                at,
                "`runas` applies to Linux instances only: the agent on Windows runs the script as itself",
            ),
        );
    }
    Some(Hook {
        target: location?,
        timeout,
        runas,
    })
}

/// A positive whole number of seconds, at most [`MAX_EVENT_SECONDS`]. The agent also reads a string of
/// digits.
fn timeout(node: &Node, out: &mut Vec<Diagnostic>) -> Option<u64> {
    let text = scalar(node, "`timeout`", CODES.bad_shape, out)?;
    let seconds = text.trim().parse::<u64>().ok();
    match seconds {
        Some(s) if (1..=MAX_EVENT_SECONDS).contains(&s) => Some(s),
        Some(s) if s > MAX_EVENT_SECONDS => {
            out.push(
                Diagnostic::error(
                    codes::APPSPEC_BAD_TIMEOUT,
                    node.span,
                    format!("`timeout` is {s} seconds, more than the {MAX_EVENT_SECONDS} seconds CodeDeploy allows one lifecycle event"),
                ),
            );
            None
        }
        _ => {
            out.push(Diagnostic::error(
                codes::APPSPEC_BAD_TIMEOUT,
                node.span,
                format!("`timeout` must be a positive whole number of seconds, found `{text}`"),
            ));
            None
        }
    }
}

/// Lambda and ECS hooks: `- Event: FunctionName`.
pub(crate) fn functions(
    node: &Node,
    platform: Platform,
    out: &mut Vec<Diagnostic>,
) -> Vec<HookedEvent> {
    let mut hooked: Vec<HookedEvent> = Vec::new();
    let mut seen: Vec<(String, Span)> = Vec::new();
    if matches!(node.kind, NodeKind::Null) {
        return hooked;
    }
    let Some(items) = seq(node, "`hooks`", CODES.bad_shape, out) else {
        return hooked;
    };
    for item in items {
        let Some((event, entry)) = single(item, "a hook", CODES.bad_shape, out) else {
            continue;
        };
        if !event_name(platform, event, entry.key_span, out) {
            continue;
        }
        if let Some((_, first)) = seen.iter().find(|(e, _)| e == event) {
            out.push(
                Diagnostic::error(
                    codes::APPSPEC_DUPLICATE_HOOK,
                    entry.key_span,
                    format!("`{event}` is hooked twice: CodeDeploy runs one function per event"),
                )
                .with_label(*first, "first hooked here"),
            );
            continue;
        }
        seen.push((event.to_owned(), entry.key_span));
        let Some(function) = scalar(
            &entry.value,
            &format!("the function of `{event}`"),
            CODES.bad_shape,
            out,
        ) else {
            continue;
        };
        if function.trim().is_empty() {
            out.push(Diagnostic::error(
                codes::APPSPEC_MISSING_KEY,
                entry.value.span,
                format!("`{event}` names no function"),
            ));
            continue;
        }
        hooked.push(HookedEvent {
            event: event.to_owned(),
            hooks: vec![Hook {
                target: function.trim().to_owned(),
                timeout: None,
                runas: None,
            }],
        });
    }
    hooked
}

/// Whether `name` is an event a file of `platform` may hook; reports it otherwise.
fn event_name(platform: Platform, name: &str, at: Span, out: &mut Vec<Diagnostic>) -> bool {
    let hookable = events::hookable(platform);
    if hookable.contains(&name) {
        return true;
    }
    if let Some(e) = events::find(platform, name) {
        let who = match e.run_by {
            RunBy::Agent => "the CodeDeploy agent",
            _ => "CodeDeploy itself",
        };
        let (before, after) = neighbours(platform, name);
        let help = match (before, after) {
            (Some(b), Some(a)) => format!("hook `{b}` (just before) or `{a}` (just after) instead"),
            (Some(b), None) => format!("hook `{b}` (just before) instead"),
            (None, Some(a)) => format!("hook `{a}` (just after) instead"),
            (None, None) => format!("hook one of {}", list(&hookable)),
        };
        out.push(
            Diagnostic::error(
                codes::APPSPEC_RESERVED_EVENT,
                at,
                format!("`{name}` is run by {who} and cannot be hooked"),
            )
            .with_help(help),
        );
        return false;
    }
    let elsewhere = events::hookable_elsewhere(platform, name);
    let mut d = if elsewhere.is_empty() {
        Diagnostic::error(
            codes::APPSPEC_UNKNOWN_EVENT,
            at,
            format!("unknown lifecycle event `{name}`"),
        )
    } else {
        let titles: Vec<&str> = elsewhere.iter().map(|p| p.title()).collect();
        Diagnostic::error(
            codes::APPSPEC_UNKNOWN_EVENT,
            at,
            format!(
                "`{name}` is not a lifecycle event of {} deployments",
                platform.title()
            ),
        )
        .with_note(format!(
            "it is an event of {} deployments",
            titles.join(" and ")
        ))
    };
    d = d.with_help(
        suggest(name, hookable.iter().copied())
            .unwrap_or_else(|| format!("hook one of {}", list(&hookable))),
    );
    out.push(d);
    false
}

/// The hookable events right before and after `name` in the platform's run order.
fn neighbours(platform: Platform, name: &str) -> (Option<&'static str>, Option<&'static str>) {
    let order = events::run_order(platform, Deployment::InPlace);
    let Some(i) = order.iter().position(|e| e.name == name) else {
        return (None, None);
    };
    let hook = |e: &&events::Event| e.run_by == RunBy::Hooks;
    let before = order[..i].iter().rev().find(hook).map(|e| e.name);
    let after = order[i + 1..].iter().find(hook).map(|e| e.name);
    (before, after)
}
