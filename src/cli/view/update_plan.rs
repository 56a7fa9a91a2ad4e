//! An update plan for people: one line per changed resource (`+` add, `~` update in place, `-/+`
//! replace, `?` may be replaced, `-` remove), the changed values with before → after under it and the
//! paths that force a replacement, what the cleanup phase deletes, what a failure would undo, and a
//! summary line.

use std::fmt::Write;

use crate::plan::{Action, Change, Detail, Plan, StepAction};

use super::plan::paint;

pub fn text(plan: &Plan, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "stack `{}`: update in {} (mock cloud)",
        plan.stack_name, plan.region
    );
    if !plan.has_changes() {
        let _ = writeln!(
            out,
            "\nNo updates are to be performed. The stack matches the template and parameters."
        );
        return out;
    }
    out.push('\n');
    let width = plan
        .changes
        .iter()
        .map(|c| c.logical_resource_id.len())
        .max()
        .unwrap_or(0);
    for c in &plan.changes {
        let (sym, code, what) = headline(plan, c);
        let _ = writeln!(
            out,
            "  {} {:<width$}  {:<36} {what}",
            paint(color, code, &format!("{sym:<3}")),
            c.logical_resource_id,
            c.resource_type,
        );
        for d in shown_details(c) {
            let mut line = detail_line(d, color);
            let causes: Vec<String> = c
                .details
                .iter()
                .filter(|x| {
                    x.target.path == d.target.path && x.target.attribute == d.target.attribute
                })
                .filter_map(|x| {
                    let e = x.causing_entity.as_deref()?;
                    Some(match x.change_source.as_str() {
                        "ParameterReference" => format!("parameter `{e}`"),
                        _ => format!("`{e}` changes"),
                    })
                })
                .collect();
            if !causes.is_empty() {
                let _ = write!(line, "  (via {})", causes.join(", "));
            }
            let _ = writeln!(out, "      {line}");
        }
    }
    if !plan.stack_changes.is_empty() {
        let _ = writeln!(out, "\nStack: {} change.", plan.stack_changes.join(", "));
    }
    if !plan.cleanup.is_empty() {
        let items: Vec<String> =
            plan.cleanup
                .iter()
                .map(|s| {
                    let replaced = plan.changes.iter().any(|c| {
                        c.logical_resource_id == s.logical_id && c.action == Action::Modify
                    });
                    let certain = plan
                        .steps
                        .iter()
                        .any(|x| x.logical_id == s.logical_id && x.action == StepAction::Replace);
                    let name = match (replaced, certain) {
                        (true, true) => format!("the old {}", s.logical_id),
                        (true, false) => format!("the old {} (if it is replaced)", s.logical_id),
                        _ => s.logical_id.clone(),
                    };
                    match s.action {
                        StepAction::Retain => format!("{name} (kept)"),
                        _ if s.snapshot => format!("{name} (snapshot first)"),
                        _ => name,
                    }
                })
                .collect();
        let _ = writeln!(
            out,
            "\nCleanup phase (after every change succeeded) deletes: {}",
            items.join(", ")
        );
    }
    if let Some(last) = plan.rollback.last()
        && (!last.restore.is_empty() || !last.delete.is_empty())
    {
        let mut line = String::new();
        if !last.restore.is_empty() {
            let _ = write!(line, "restores {}", last.restore.join(", "));
        }
        if !last.delete.is_empty() {
            if !line.is_empty() {
                line.push_str("; ");
            }
            let _ = write!(line, "deletes {}", last.delete.join(", "));
        }
        let _ = writeln!(out, "\nIf the update fails, the rollback {line}.");
    }
    let s = &plan.summary;
    let replaced = plan
        .steps
        .iter()
        .filter(|s| s.action == StepAction::Replace)
        .count();
    let _ = writeln!(
        out,
        "\nPlan: {} to add, {} to change ({replaced} replaced), {} to destroy.",
        s.add, s.modify, s.remove
    );
    out
}

fn headline(plan: &Plan, c: &Change) -> (&'static str, &'static str, String) {
    let step = plan
        .steps
        .iter()
        .find(|s| s.logical_id == c.logical_resource_id);
    let wave = step
        .map(|s| format!("wave {}", s.wave + 1))
        .unwrap_or_default();
    if step.is_some_and(|s| s.action == StepAction::Replace)
        && c.replacement.as_deref() != Some("True")
    {
        // CloudFormation calls it Conditional; it is certain: what it refers to gets a new physical id.
        return ("-/+", "31", format!("replace (cascade), {wave}"));
    }
    match c.action {
        Action::Add => ("+", "32", format!("create, {wave}")),
        Action::Remove => {
            let policy = match c.policy_action.as_deref() {
                Some("Retain") => " (kept: DeletionPolicy Retain)",
                Some("Snapshot") => " (snapshot first)",
                _ => "",
            };
            ("-", "31", format!("destroy in cleanup{policy}"))
        }
        _ => match c.replacement.as_deref() {
            Some("True") => ("-/+", "31", format!("replace, {wave}")),
            Some("Conditional") => ("?", "33", format!("update, may replace, {wave}")),
            _ => ("~", "33", format!("update in place, {wave}")),
        },
    }
}

/// One line per changed path: CloudFormation repeats the target for each cause, people need it once.
fn shown_details(c: &Change) -> Vec<&Detail> {
    let mut seen: Vec<(&str, Option<&str>)> = Vec::new();
    let mut out = Vec::new();
    for d in &c.details {
        let key = (d.target.attribute.as_str(), d.target.path.as_deref());
        if !seen.contains(&key) {
            seen.push(key);
            out.push(d);
        }
    }
    out
}

fn detail_line(d: &Detail, color: bool) -> String {
    let t = &d.target;
    let path = t
        .path
        .as_deref()
        .map(|p| p.trim_start_matches("/Properties/").replace('/', "."))
        .unwrap_or_else(|| t.attribute.clone());
    let value = |v: &Option<serde_json::Value>| match v {
        None => "(none)".to_owned(),
        Some(serde_json::Value::Object(m))
            if m.len() == 1 && m.keys().all(|k| k == "Ref" || k.starts_with("Fn::")) =>
        {
            format!(
                "(known after apply: {})",
                serde_json::Value::Object(m.clone())
            )
        }
        Some(v) => v.to_string(),
    };
    let (sym, code) = match t.attribute_change_type.as_str() {
        "Add" => ("+", "32"),
        "Remove" => ("-", "31"),
        _ => ("~", "33"),
    };
    let mut line = match t.attribute_change_type.as_str() {
        "Add" => format!(
            "{} {path}: {}",
            paint(color, code, sym),
            value(&t.after_value)
        ),
        "Remove" => format!(
            "{} {path}: {}",
            paint(color, code, sym),
            value(&t.before_value)
        ),
        _ => format!(
            "{} {path}: {} → {}",
            paint(color, code, sym),
            value(&t.before_value),
            value(&t.after_value)
        ),
    };
    match t.requires_recreation.as_str() {
        "Always" => line.push_str(&paint(color, "31", "  # forces replacement")),
        "Conditionally" => line.push_str(&paint(color, "33", "  # may force replacement")),
        _ => {}
    }
    line
}
