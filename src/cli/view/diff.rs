//! A template diff for people: the parameter, condition and output values that differ, the structural
//! changes of each section (`+` added, `-` removed, `~` changed, with before → after), then one line per
//! resource with its impact (`+` create, `~` update, `-/+` replace, `?` may replace, `-` destroy or
//! orphan) and the property changes behind it, and a summary line.

use std::fmt::Write;

use crate::diff::{ChangeKind, Evaluation, Impact, PropertyChange, TemplateDiff, ValueChange};

use super::plan::paint;

/// Values longer than this are cut (the JSON output has them whole).
const WIDTH: usize = 100;

pub fn text(d: &TemplateDiff, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint(color, "31", &format!("--- {}", d.a)));
    let _ = writeln!(out, "{}", paint(color, "32", &format!("+++ {}", d.b)));
    if d.equal {
        let _ = writeln!(out, "\nNo differences.");
        return out;
    }
    for (title, list) in [
        ("Parameter values", &d.parameters),
        ("Condition values", &d.conditions),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title}");
        for c in list {
            let kind = ChangeKind::of(&c.before, &c.after);
            let _ = writeln!(
                out,
                "  {} {}: {}",
                symbol(color, kind),
                c.name,
                before_after(&c.before, &c.after)
            );
        }
    }
    // Output values whose definitions did not change (those that did are under `Outputs` below).
    let outputs: Vec<&ValueChange> = d
        .outputs
        .iter()
        .filter(|o| {
            let prefix = format!("/Outputs/{}", o.name.replace('~', "~0").replace('/', "~1"));
            !d.sections
                .iter()
                .any(|c| c.path == prefix || c.path.starts_with(&format!("{prefix}/")))
        })
        .collect();
    if !outputs.is_empty() {
        let _ = writeln!(out, "\nOutput values");
        for c in outputs {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                symbol(color, ChangeKind::of(&c.before, &c.after)),
                c.name,
                before_after(&c.before, &c.after)
            );
        }
    }
    let mut section = "";
    for c in d.sections.iter().filter(|c| c.section != "Resources") {
        if c.section != section {
            section = &c.section;
            let _ = writeln!(out, "\n{section}");
        }
        let _ = writeln!(
            out,
            "  {} {}: {}",
            symbol(color, c.change),
            c.path,
            before_after(&c.before, &c.after)
        );
    }
    resources(&mut out, d, color);
    let s = &d.summary;
    let counts = [
        (s.create, "to create"),
        (s.update, "to update"),
        (s.replace, "to replace"),
        (s.may_replace, "may be replaced"),
        (s.destroy, "to destroy"),
        (s.orphan, "orphaned"),
    ];
    let parts: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    let summary = if parts.is_empty() {
        "no resource changes".to_owned()
    } else {
        parts.join(", ")
    };
    let _ = writeln!(out, "\nSummary: {summary}.");
    out
}

fn resources(out: &mut String, d: &TemplateDiff, color: bool) {
    // Resources whose template text changed but whose deployment would not.
    let mut unchanged: Vec<(&str, Vec<&str>)> = Vec::new();
    for c in d.sections.iter().filter(|c| c.section == "Resources") {
        let id = c.path.split('/').nth(2).unwrap_or_default();
        if d.resources.iter().any(|r| r.logical_id == id) || id.is_empty() {
            continue;
        }
        match unchanged.iter_mut().find(|(i, _)| *i == id) {
            Some((_, paths)) => paths.push(&c.path),
            None => unchanged.push((id, vec![&c.path])),
        }
    }
    if d.resources.is_empty() && unchanged.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nResources");
    let width = d
        .resources
        .iter()
        .map(|r| r.logical_id.len())
        .chain(unchanged.iter().map(|(id, _)| id.len()))
        .max()
        .unwrap_or(0);
    for r in &d.resources {
        let (sym, code) = match r.impact {
            Impact::Create => ("+", "32"),
            Impact::Update => ("~", "33"),
            Impact::Replace => ("-/+", "31"),
            Impact::MayReplace => ("?", "35"),
            Impact::Destroy | Impact::Orphan => ("-", "31"),
        };
        let what = match r.impact {
            Impact::Orphan => "orphan (DeletionPolicy Retain: kept, no longer managed)",
            other => other.as_str(),
        };
        let _ = writeln!(
            out,
            "  {} {:<width$}  {:<36} {what}",
            paint(color, code, &format!("{sym:<3}")),
            r.logical_id,
            r.resource_type,
        );
        for c in &r.changes {
            let _ = writeln!(out, "        {}", change_line(c, d, color));
        }
    }
    for (id, paths) in unchanged {
        let _ = writeln!(
            out,
            "  =   {id:<width$}  template differs, same values: {}",
            paths.join(", ")
        );
    }
}

fn change_line(c: &PropertyChange, d: &TemplateDiff, color: bool) -> String {
    let mut line = format!(
        "{} {}: {}",
        symbol(color, c.change),
        c.path,
        before_after(&c.before, &c.after)
    );
    let mut notes = Vec::new();
    // A create-only property naming a replaced resource changes for sure.
    let cause = d
        .resources
        .iter()
        .find(|r| Some(&r.logical_id) == c.caused_by.as_ref());
    let certain =
        c.evaluation == Evaluation::Static || cause.is_some_and(|r| r.impact == Impact::Replace);
    match (c.requires_recreation.as_str(), certain) {
        ("Always", true) => notes.push("forces replacement".to_owned()),
        ("Always", false) | ("Conditionally", _) => notes.push("may force replacement".to_owned()),
        _ => {}
    }
    if c.evaluation == Evaluation::Dynamic {
        notes.push("known after deployment".to_owned());
    }
    if let Some(cause) = cause {
        let how = if cause.impact == Impact::Replace {
            "is"
        } else {
            "may be"
        };
        notes.push(format!("`{}` {how} replaced", cause.logical_id));
    }
    if !notes.is_empty() {
        let _ = write!(line, "  ({})", notes.join("; "));
    }
    line
}

fn symbol(color: bool, kind: ChangeKind) -> String {
    let code = match kind {
        ChangeKind::Add => "32",
        ChangeKind::Remove => "31",
        ChangeKind::Modify => "33",
    };
    paint(color, code, kind.symbol())
}

fn before_after(before: &Option<serde_json::Value>, after: &Option<serde_json::Value>) -> String {
    match (before, after) {
        (Some(b), Some(a)) => format!("{} → {}", shown(b), shown(a)),
        (None, Some(a)) => shown(a),
        (Some(b), None) => shown(b),
        (None, None) => String::new(),
    }
}

/// Compact JSON, cut at [`WIDTH`] characters.
fn shown(v: &serde_json::Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    if s.chars().count() <= WIDTH {
        s
    } else {
        let cut: String = s.chars().take(WIDTH - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{ResourceDiff, Summary};

    fn one_create() -> TemplateDiff {
        TemplateDiff {
            format: 1,
            a: "a.yaml".into(),
            b: "b.yaml".into(),
            equal: false,
            parameters: Vec::new(),
            conditions: Vec::new(),
            outputs: Vec::new(),
            sections: Vec::new(),
            resources: vec![ResourceDiff {
                logical_id: "Q".into(),
                resource_type: "AWS::SQS::Queue".into(),
                impact: Impact::Create,
                changes: Vec::new(),
            }],
            summary: Summary {
                create: 1,
                ..Summary::default()
            },
        }
    }

    #[test]
    fn colors_only_when_asked() {
        let d = one_create();
        let plain = text(&d, false);
        assert!(!plain.contains('\x1b'), "{plain}");
        assert!(plain.contains("  +   Q  AWS::SQS::Queue"), "{plain}");
        let colored = text(&d, true);
        assert!(colored.contains("\x1b[32m+  \x1b[0m Q"), "{colored:?}");
        assert!(colored.contains("\x1b[31m--- a.yaml\x1b[0m"), "{colored:?}");
    }

    #[test]
    fn long_values_are_cut() {
        let long = serde_json::Value::String("x".repeat(300));
        let s = shown(&long);
        assert_eq!(s.chars().count(), WIDTH);
        assert!(s.ends_with('…'));
    }
}
