//! `cairn fmt FILE... [--format yaml|json] [--write [--force] | --check]`: canonical formatting. YAML is
//! written with CloudFormation's short-form tags where they load back the same (`source::emit::to_yaml_short`),
//! JSON in long form; key order is kept. Comments are not preserved (the loader drops them): a file that has
//! some gets a warning, and `--write` leaves it alone unless `--force` is given. Files that do not load are
//! reported as `cairn validate` reports them.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::source::{self, Diagnostics, Document, Limits, SourceMap, emit};
use crate::validate::{FileReport, Report};

use super::render::Format;
use super::{Cli, exit};

const AFTER_HELP: &str = "\
Comments are not preserved: the loader drops them. `cairn fmt` warns on standard error for every file \
that has comments, and `--write` refuses to rewrite such a file unless `--force` is given.

Without `--write` or `--check`, the formatted files are printed to standard output (several YAML files \
as one stream, separated by `---`). `--check` exits with 1 when a file would change and names it. \
Formatting is idempotent, and the output loads back to the same template.";

#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Template files (YAML or JSON).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output syntax (default: each file's own). YAML uses short-form tags; JSON is long form.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Rewrite the files in place (only those that change).
    #[arg(long, conflicts_with = "check")]
    pub write: bool,
    /// Change nothing; exit with 1 when a file would change, naming it.
    #[arg(long)]
    pub check: bool,
    /// With `--write`: also rewrite files that have comments, losing them.
    #[arg(long, requires = "write")]
    pub force: bool,
}

/// One loaded file and its canonical text.
struct Formatted<'a> {
    path: &'a Path,
    original: std::sync::Arc<str>,
    text: String,
    /// The syntax the file is in, and the one it is written in.
    from: source::Format,
    to: source::Format,
    /// 1-based line of the first comment, when the file has comments.
    comment_line: Option<usize>,
}

pub fn run(cli: &Cli, args: &Args) -> u8 {
    let mut sources = SourceMap::new();
    let mut diagnostics = Diagnostics::new();
    let mut files = Vec::with_capacity(args.files.len());
    let mut formatted = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let loaded = source::load_file(path, &mut sources, &Limits::default());
        diagnostics.extend(loaded.diagnostics);
        if let (Some(id), Some(doc)) = (loaded.file, &loaded.document) {
            formatted.push(format_one(path, &sources.file(id).text, doc, args.format));
        }
        files.push(FileReport {
            path: path.clone(),
            file: loaded.file,
            document: loaded.document,
            template: None,
        });
    }
    let mut ok = !diagnostics.has_errors();
    for f in &formatted {
        if let Some(line) = f.comment_line
            && (!args.write || args.force)
        {
            eprintln!(
                "warning: `{}` has comments (the first on line {line}), which `cairn fmt` does not preserve",
                f.path.display()
            );
        }
    }
    ok &= if args.check {
        check(&formatted)
    } else if args.write {
        write(&formatted, args.force)
    } else {
        print(&formatted, args.files.len() > 1)
    };
    if !diagnostics.is_empty() {
        diagnostics.sort();
        let report = Report {
            sources,
            files,
            diagnostics,
        };
        super::render::fail(cli, &report);
    }
    if ok { exit::OK } else { exit::FAILURE }
}

fn format_one<'a>(
    path: &'a Path,
    original: &std::sync::Arc<str>,
    doc: &Document,
    format: Option<Format>,
) -> Formatted<'a> {
    let from = source::Format::detect(path, original);
    let to = match format {
        Some(Format::Yaml) => source::Format::Yaml,
        Some(Format::Json) => source::Format::Json,
        None => from,
    };
    let text = match to {
        source::Format::Yaml => emit::to_yaml_short(&doc.root),
        source::Format::Json => emit::to_json(&doc.root),
    };
    let comment_line = match from {
        source::Format::Yaml => {
            emit::first_comment(original).map(|at| source::LineIndex::new(original).line_of(at) + 1)
        }
        source::Format::Json => None,
    };
    Formatted {
        path,
        original: original.clone(),
        text,
        from,
        to,
        comment_line,
    }
}

/// Names the files that would change; true when none would.
fn check(formatted: &[Formatted]) -> bool {
    let mut out = std::io::stdout().lock();
    let mut unchanged = true;
    for f in formatted.iter().filter(|f| *f.original != f.text) {
        let _ = writeln!(out, "would reformat `{}`", f.path.display());
        unchanged = false;
    }
    unchanged
}

/// Rewrites the files that change, except those whose comments would be lost (without `force`) or whose
/// syntax would change; true when every file is (now) formatted.
fn write(formatted: &[Formatted], force: bool) -> bool {
    let mut ok = true;
    for f in formatted.iter().filter(|f| *f.original != f.text) {
        let name = f.path.display();
        if f.from != f.to {
            eprintln!(
                "error: not rewriting `{name}` in another syntax: `--write` keeps each file's syntax (convert without `--write`)"
            );
            ok = false;
        } else if let (Some(line), false) = (f.comment_line, force) {
            eprintln!(
                "error: not rewriting `{name}`: its comments (the first on line {line}) would be lost; pass `--force` to rewrite it anyway"
            );
            ok = false;
        } else if let Err(e) = std::fs::write(f.path, &f.text) {
            eprintln!(
                "error: cannot write `{name}`: {}",
                e.to_string().to_lowercase()
            );
            ok = false;
        } else {
            println!("reformatted `{name}`");
        }
    }
    ok
}

/// Prints the formatted files to standard output; several YAML files as one stream of documents.
fn print(formatted: &[Formatted], several: bool) -> bool {
    let mut out = std::io::stdout().lock();
    for f in formatted {
        if several && f.to == source::Format::Yaml {
            let _ = out.write_all(b"---\n");
        }
        let _ = out.write_all(f.text.as_bytes());
    }
    true
}
