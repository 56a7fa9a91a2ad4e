//! Human output in the style of rustc: `error[E2001]: message`, ` --> file:line:col`, a code frame with the
//! span underlined, secondary labels, help and notes; sorted by location, capped with "and N more".

use std::fmt::Write;

use crate::source::{Diagnostic, Severity, SourceMap, Span};
use crate::validate::Report;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn severity(&self, sev: Severity) -> String {
        let code = match sev {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "1;32",
        };
        self.paint(code, &sev.to_string())
    }
    fn blue(&self, s: &str) -> String {
        self.paint("1;34", s)
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
}

pub fn report(report: &Report, max: usize, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    let all: Vec<&Diagnostic> = report.diagnostics.iter().collect();
    for d in all.iter().take(max) {
        diagnostic(&mut out, &report.sources, d, &style);
        out.push('\n');
    }
    if all.len() > max {
        let _ = writeln!(
            out,
            "{}: and {} more not shown (use --max-diagnostics)\n",
            style.bold("note"),
            all.len() - max
        );
    }
    let (e, w) = (
        report.diagnostics.error_count(),
        report.diagnostics.warning_count(),
    );
    let files = report.files.len();
    let files_text = if files == 1 {
        "1 file".to_owned()
    } else {
        format!("{files} files")
    };
    if e == 0 && w == 0 {
        let _ = writeln!(
            out,
            "{}: {files_text} validated, no problems found",
            style.paint("1;32", "ok")
        );
    } else {
        let _ = writeln!(
            out,
            "{}: {} and {} in {files_text}",
            if e > 0 {
                style.severity(Severity::Error)
            } else {
                style.severity(Severity::Warning)
            },
            plural(e, "error"),
            plural(w, "warning"),
        );
    }
    out
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Renders one diagnostic.
fn diagnostic(out: &mut String, sources: &SourceMap, d: &Diagnostic, style: &Style) {
    let _ = writeln!(
        out,
        "{}{}: {}",
        style.severity(d.severity),
        style.bold(&format!("[{}]", d.code)),
        style.bold(&d.message)
    );
    let width = gutter_width(sources, d);
    frame(out, sources, d.span, "-->", width, '^', None, style);
    for l in &d.labels {
        frame(
            out,
            sources,
            l.span,
            ":::",
            width,
            '-',
            Some(&l.message),
            style,
        );
    }
    let pad = " ".repeat(width);
    let included = sources.include_chain(d.span.file);
    if d.help.is_some() || !d.notes.is_empty() || !included.is_empty() {
        let _ = writeln!(out, "{pad} {}", style.blue("|"));
    }
    if let Some(h) = &d.help {
        let _ = writeln!(out, "{pad} {} {}: {h}", style.blue("="), style.bold("help"));
    }
    for n in &d.notes {
        let _ = writeln!(out, "{pad} {} {}: {n}", style.blue("="), style.bold("note"));
    }
    for site in included {
        let _ = writeln!(
            out,
            "{pad} {} {}: included from {}",
            style.blue("="),
            style.bold("note"),
            sources.location(site)
        );
    }
}

fn gutter_width(sources: &SourceMap, d: &Diagnostic) -> usize {
    std::iter::once(d.span)
        .chain(d.labels.iter().map(|l| l.span))
        .map(|s| sources.start(s).line.to_string().len())
        .max()
        .unwrap_or(1)
}

#[allow(clippy::too_many_arguments)]
fn frame(
    out: &mut String,
    sources: &SourceMap,
    span: Span,
    arrow: &str,
    width: usize,
    mark: char,
    label: Option<&str>,
    style: &Style,
) {
    let file = sources.file(span.file);
    let start = sources.start(span);
    let pad = " ".repeat(width);
    let _ = writeln!(
        out,
        "{pad}{} {}:{}:{}",
        style.blue(arrow),
        file.name,
        start.line,
        start.column
    );
    if file.text.is_empty() {
        return;
    }
    let index = file.index();
    let line_no = start.line - 1;
    if line_no >= index.line_count() {
        return;
    }
    let range = index.line_range(&file.text, line_no);
    let line = &file.text[range.clone()];
    // Underline from the start column to the span's end, or to the end of the line for multi-line spans.
    let end_col = if (span.end as usize) <= range.end {
        sources.end(span).column
    } else {
        line.chars().count() + 1
    };
    let len = end_col.saturating_sub(start.column).max(1);
    let prefix: String = line
        .chars()
        .take(start.column - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let marks: String = std::iter::repeat_n(mark, len).collect();
    let marks = match label {
        Some(l) => format!("{marks} {l}"),
        None => marks,
    };
    let painted = if mark == '^' {
        style.paint("1;31", &marks)
    } else {
        style.blue(&marks)
    };
    let _ = writeln!(out, "{pad} {}", style.blue("|"));
    let _ = writeln!(
        out,
        "{} {} {line}",
        style.blue(&format!("{:>width$}", start.line)),
        style.blue("|")
    );
    let _ = writeln!(out, "{pad} {} {prefix}{painted}", style.blue("|"));
}
