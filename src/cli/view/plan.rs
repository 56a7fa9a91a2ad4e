//! A plan for people: `+`/`-` per change, the waves, what a failure would roll back, and a summary line.

use std::fmt::Write;

use crate::plan::{Action, Operation, Plan, StepAction};

pub(super) fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_owned()
    }
}

pub fn text(plan: &Plan, color: bool) -> String {
    if plan.operation == Operation::Update {
        return super::update_plan::text(plan, color);
    }
    let mut out = String::new();
    let what = match plan.operation {
        Operation::Create => "create",
        Operation::Update => "update",
        Operation::Delete => "delete",
    };
    let _ = writeln!(
        out,
        "stack `{}`: {what} in {} (mock cloud)",
        plan.stack_name, plan.region
    );
    if plan.changes.is_empty() {
        let what = match plan.operation {
            Operation::Create => {
                "The stack is created without resources (no resource's condition holds)."
            }
            _ => "The stack has no resources left: only the stack itself is deleted.",
        };
        let _ = writeln!(out, "\nNo resource changes. {what}");
        return out;
    }
    out.push('\n');
    let width = plan
        .changes
        .iter()
        .map(|c| c.logical_resource_id.len())
        .max()
        .unwrap_or(0);
    for step in &plan.steps {
        let change = plan
            .changes
            .iter()
            .find(|c| c.logical_resource_id == step.logical_id);
        let (sym, code) = match change.map(|c| c.action) {
            Some(Action::Add) => ("+", "32"),
            Some(Action::Remove) => ("-", "31"),
            Some(Action::Modify) | Some(Action::Dynamic) => ("~", "33"),
            None => (" ", "0"),
        };
        let mut note = String::new();
        if step.action == StepAction::Retain {
            note.push_str("  (retained: DeletionPolicy keeps it)");
        }
        if step.snapshot {
            note.push_str("  (snapshot first)");
        }
        if !step.after.is_empty() {
            let verb = if step.action == StepAction::Create {
                "after"
            } else {
                "after deleting"
            };
            note.push_str(&format!("  {verb} {}", step.after.join(", ")));
        }
        let _ = writeln!(
            out,
            "  {} {:<width$}  {:<36} wave {}{note}",
            paint(color, code, sym),
            step.logical_id,
            step.resource_type,
            step.wave + 1
        );
    }
    let failing: Vec<_> = plan
        .rollback
        .iter()
        .filter(|r| !r.delete.is_empty() || !r.retained.is_empty())
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "\nIf a wave fails, the rollback deletes:");
        for r in failing {
            let mut line = if r.delete.is_empty() {
                "nothing".to_owned()
            } else {
                r.delete.join(", ")
            };
            if !r.retained.is_empty() {
                line.push_str(&format!(
                    "; keeps {} (DeletionPolicy Retain)",
                    r.retained.join(", ")
                ));
            }
            let _ = writeln!(out, "  wave {}: {line}", r.if_wave_fails + 1);
        }
    }
    let s = &plan.summary;
    let _ = writeln!(
        out,
        "\nPlan: {} to add, {} to change, {} to destroy.",
        s.add, s.modify, s.remove
    );
    out
}
