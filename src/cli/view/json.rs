//! Machine-readable diagnostics: one JSON object per diagnostic with code, severity, message, file,
//! line, column, end_line, end_column and the template path (and, for a diagnostic inside an included
//! file, the include sites that lead to it), plus a summary.

use serde::Serialize;

use crate::source::{Diagnostic, SourceMap};
use crate::validate::Report;

#[derive(Serialize)]
struct Output<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub code: &'a str,
    pub severity: crate::source::Severity,
    pub message: &'a str,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<JsonLabel<'a>>,
    /// The include sites leading to the file of the diagnostic (`FILE:LINE:COL`), nearest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub included_from: Vec<String>,
}

#[derive(Serialize)]
pub struct JsonLabel<'a> {
    pub message: &'a str,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
}

pub fn to_json<'a>(sources: &'a SourceMap, d: &'a Diagnostic, path: String) -> JsonDiagnostic<'a> {
    let (start, end) = (sources.start(d.span), sources.end(d.span));
    JsonDiagnostic {
        code: d.code,
        severity: d.severity,
        message: &d.message,
        file: sources.name(d.span.file),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        path,
        help: d.help.as_deref(),
        notes: d.notes.iter().map(String::as_str).collect(),
        labels: d
            .labels
            .iter()
            .map(|l| {
                let at = sources.start(l.span);
                JsonLabel {
                    message: &l.message,
                    file: sources.name(l.span.file),
                    line: at.line,
                    column: at.column,
                }
            })
            .collect(),
        included_from: sources
            .include_chain(d.span.file)
            .into_iter()
            .map(|site| sources.location(site))
            .collect(),
    }
}

pub fn report(report: &Report) -> String {
    let out = Output {
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| to_json(&report.sources, d, report.path_of(d)))
            .collect(),
        summary: Summary {
            files: report.files.len(),
            errors: report.diagnostics.error_count(),
            warnings: report.diagnostics.warning_count(),
        },
    };
    let mut s = serde_json::to_string_pretty(&out).expect("diagnostics serialize: this is a bug");
    s.push('\n');
    s
}
