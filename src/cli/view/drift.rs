//! A stack's drift for people: one line per resource with its drift status, the property differences
//! under modified ones (path, expected → actual), why a resource was not checked, and the stack's status.

use std::fmt::Write;

use crate::drift::{DifferenceType, ResourceDriftStatus, StackDrift, StackDriftStatus};

use super::plan::paint;

pub fn text(d: &StackDrift, color: bool) -> String {
    let mut out = String::new();
    let width = d
        .stack_resource_drifts
        .iter()
        .map(|r| r.logical_resource_id.len())
        .max()
        .unwrap_or(0);
    for r in &d.stack_resource_drifts {
        let status = r.stack_resource_drift_status;
        let code = match status {
            ResourceDriftStatus::IN_SYNC => "32",
            ResourceDriftStatus::MODIFIED => "33",
            ResourceDriftStatus::DELETED => "31",
            ResourceDriftStatus::NOT_CHECKED => "2",
        };
        let _ = write!(
            out,
            "{} {:<width$}  {:<36} {}",
            paint(color, code, &format!("{:<11}", status.as_str())),
            r.logical_resource_id,
            r.resource_type,
            r.physical_resource_id.as_deref().unwrap_or("-"),
        );
        if let Some(reason) = &r.drift_status_reason {
            let _ = write!(out, "  ({reason})");
        }
        out.push('\n');
        for p in &r.property_differences {
            let kind = match p.difference_type {
                DifferenceType::ADD => "ADD",
                DifferenceType::REMOVE => "REMOVE",
                DifferenceType::NOT_EQUAL => "NOT_EQUAL",
            };
            let _ = writeln!(
                out,
                "    {kind:<9} {}: expected {}, actual {}",
                p.property_path, p.expected_value, p.actual_value
            );
        }
    }
    let status = match d.stack_drift_status {
        StackDriftStatus::DRIFTED => paint(color, "1;33", "DRIFTED"),
        StackDriftStatus::IN_SYNC => paint(color, "1;32", "IN_SYNC"),
    };
    let _ = writeln!(
        out,
        "\nstack `{}`: {status} ({} of {} resources drifted)",
        d.stack_name,
        d.drifted_stack_resource_count,
        d.stack_resource_drifts.len()
    );
    out
}
