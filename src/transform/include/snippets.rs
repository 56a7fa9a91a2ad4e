//! The snippet engine of one run: reads each `.j2` snippet once, parses its header and compiles it with
//! minijinja once, however often it is used, then renders it per use site with the inputs given there and
//! loads the rendered text as YAML, registered as its own source (`NAME (rendered)`) so diagnostics point
//! into text the user can see.
//!
//! minijinja runs sandboxed: undefined variables are errors, a fuel limit stops endless loops, and Jinja's
//! own `include` / `import` only read from the snippet roots. This file never resolves include locations
//! (see `location.rs`) and never walks templates (see `expand.rs`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};

use crate::source::{
    Diagnostic, Document, FileId, Format, Limits, Mapping, SourceMap, Span, load_any,
};

use super::super::codes;
use super::header::{self, Header};
use super::inputs;
use super::location::Roots;

/// Most work one rendering may do (minijinja's fuel: roughly one unit per instruction). Generous for any
/// real snippet; an endless loop stops here in well under a second.
pub const FUEL: u64 = 2_000_000;

/// Largest text one rendering may produce, in bytes: ten times CloudFormation's largest template body.
pub const MAX_RENDERED: usize = 10 * 1024 * 1024;

/// The rendered text, refusing to grow past [`MAX_RENDERED`].
struct Capped(Vec<u8>);

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_RENDERED {
            return Err(std::io::Error::other("the rendered text is too large"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A snippet read, parsed and compiled.
#[derive(Debug)]
pub struct Compiled {
    /// The canonical path, also the template's name in the environment.
    pub path: PathBuf,
    /// The name shown to users: the path relative to the project root (or as found).
    pub display: String,
    pub text: Arc<str>,
    pub header: Header,
}

/// A snippet that could not be compiled: the diagnostics point into its text (their file id is a
/// placeholder, replaced by the snippet's id in the run's source map when reported).
type Failure = Arc<(String, Arc<str>, Vec<Diagnostic>)>;

/// The snippets of one run, each compiled once.
#[derive(Default)]
pub struct Snippets {
    env: Option<Environment<'static>>,
    compiled: HashMap<PathBuf, Result<Arc<Compiled>, Failure>>,
    compiles: usize,
}

impl std::fmt::Debug for Snippets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snippets")
            .field("compiled", &self.compiled.len())
            .finish()
    }
}

/// The placeholder file id of diagnostics kept in the cache.
const PENDING: FileId = FileId(u32::MAX);

impl Snippets {
    /// How many snippets were compiled so far (each at most once).
    pub fn compile_count(&self) -> usize {
        self.compiles
    }

    /// The compiled snippet at canonical `path`, compiling it on first use.
    pub fn compiled(
        &mut self,
        roots: &Roots,
        path: &Path,
        sources: &mut SourceMap,
    ) -> Result<Arc<Compiled>, Vec<Diagnostic>> {
        if !self.compiled.contains_key(path) {
            let result = self.compile(roots, path);
            self.compiled.insert(path.to_owned(), result);
        }
        match &self.compiled[path] {
            Ok(c) => Ok(c.clone()),
            Err(failure) => {
                let (display, text, diags) = &**failure;
                let file = source_of(sources, display, text);
                Err(diags.iter().map(|d| place(d.clone(), file)).collect())
            }
        }
    }

    fn compile(&mut self, roots: &Roots, path: &Path) -> Result<Arc<Compiled>, Failure> {
        self.compiles += 1;
        let display = roots.show(path);
        let text: Arc<str> = match std::fs::read_to_string(path) {
            Ok(t) => t.into(),
            Err(e) => {
                let d = Diagnostic::error(
                    codes::INCLUDE_NOT_FOUND,
                    Span::new(PENDING, 0, 0),
                    format!(
                        "cannot read snippet `{display}`: {}",
                        e.to_string().to_lowercase()
                    ),
                );
                return Err(Arc::new((display, "".into(), vec![d])));
            }
        };
        let header = match header::parse(PENDING, &text) {
            Ok(h) => h,
            Err(diags) => return Err(Arc::new((display, text, diags))),
        };
        let env = self.env.get_or_insert_with(|| environment(roots));
        let key = path.display().to_string();
        if let Err(e) = env.add_template_owned(key, text.to_string()) {
            let d = render_error(&e, &display, &text, PENDING);
            return Err(Arc::new((display, text, vec![d])));
        }
        Ok(Arc::new(Compiled {
            path: path.to_owned(),
            display,
            text,
            header,
        }))
    }

    /// Renders the snippet at canonical `path` with the inputs `given` at `site`, and loads the result.
    /// The rendered text is registered in `sources` and recorded as included from `site`.
    pub fn render(
        &mut self,
        roots: &Roots,
        path: &Path,
        given: &Mapping,
        site: Span,
        sources: &mut SourceMap,
    ) -> Result<Document, Vec<Diagnostic>> {
        let snippet = self.compiled(roots, path, sources)?;
        let context = inputs::bind(&snippet.display, &snippet.header, given, site)?;
        let env = self
            .env
            .as_ref()
            .expect("a compiled snippet has an environment: this is a bug");
        let mut out = Capped(Vec::new());
        let rendered = env
            .get_template(&snippet.path.display().to_string())
            .and_then(|t| {
                t.render_captured_to(Value::from(minijinja::value::Serde(&context)), &mut out)
            });
        let text = match rendered {
            Ok(_) => String::from_utf8_lossy(&out.0).into_owned(),
            Err(e) => {
                let file = source_of(sources, &snippet.display, &snippet.text);
                let d = render_error(&e, &snippet.display, &snippet.text, file)
                    .with_note(format!("rendered for {}", sources.location(site)));
                return Err(vec![d]);
            }
        };
        let name = format!("{} (rendered)", snippet.display);
        let file = sources.add(name, text);
        sources.set_included_from(file, site);
        let text = sources.file(file).text.clone();
        if text.trim().is_empty() {
            return Err(vec![Diagnostic::error(
                codes::SNIPPET_RENDER,
                site,
                format!("snippet `{}` rendered no content", snippet.display),
            )]);
        }
        let loaded = load_any(file, &text, Format::Yaml, &Limits::default());
        let note = format!(
            "in the text rendered from snippet `{}` (see it with `cairn snippet render`)",
            snippet.display
        );
        if loaded.diagnostics.iter().any(Diagnostic::is_error) || loaded.document.is_none() {
            return Err(loaded
                .diagnostics
                .into_iter()
                .map(|d| d.with_note(note.clone()))
                .collect());
        }
        loaded.document.ok_or_else(Vec::new)
    }
}

/// The environment every snippet of a run compiles into: strict, fueled, and loading Jinja includes from
/// the snippet roots only.
fn environment(roots: &Roots) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let allowed = roots.snippets.clone();
    env.set_loader(move |name| {
        let relative = Path::new(name);
        if relative.is_absolute() {
            return Ok(None);
        }
        for root in &allowed {
            let Ok(found) = root.join(relative).canonicalize() else {
                continue;
            };
            if found.starts_with(root) && found.is_file() {
                return std::fs::read_to_string(&found).map(Some).map_err(|e| {
                    minijinja::Error::new(ErrorKind::InvalidOperation, e.to_string())
                });
            }
        }
        Ok(None)
    });
    env
}

/// The snippet's own source file in `sources`, registered on first need.
fn source_of(sources: &mut SourceMap, display: &str, text: &Arc<str>) -> FileId {
    match sources.find(display) {
        Some(f) if sources.file(f).text == *text => f,
        _ => sources.add(display.to_owned(), text.clone()),
    }
}

/// Moves a cached diagnostic into `file`.
fn place(mut d: Diagnostic, file: FileId) -> Diagnostic {
    d.span.file = file;
    for l in &mut d.labels {
        l.span.file = file;
    }
    d
}

/// A minijinja error as a diagnostic pointing into the snippet text.
fn render_error(e: &minijinja::Error, display: &str, text: &str, file: FileId) -> Diagnostic {
    let span = error_span(e, text, file);
    let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
    if e.kind() == ErrorKind::OutOfFuel {
        return Diagnostic::error(
            codes::SNIPPET_FUEL,
            span,
            format!("snippet `{display}` ran out of fuel: an endless loop, or far too much work"),
        )
        .with_help(format!(
            "a snippet may take at most {FUEL} steps to render; check the loop bounds"
        ));
    }
    if e.kind() == ErrorKind::WriteFailure {
        return Diagnostic::error(
            codes::SNIPPET_RENDER,
            span,
            format!("snippet `{display}` renders more than {MAX_RENDERED} bytes"),
        );
    }
    let mut d = Diagnostic::error(
        codes::SNIPPET_RENDER,
        span,
        format!("cannot render snippet `{display}`: {}{detail}", e.kind()),
    );
    if let Some(inner) = e.name().filter(|n| Path::new(n).is_relative()) {
        d = d.with_note(format!("the error is in `{inner}`, used by the snippet"));
    }
    d
}

fn error_span(e: &minijinja::Error, text: &str, file: FileId) -> Span {
    let own = e.name().is_none_or(|n| Path::new(n).is_absolute());
    if own && let Some(r) = e.range().filter(|r| r.end <= text.len()) {
        return Span::new(file, r.start, r.end);
    }
    if own && let Some(line) = e.line() {
        let index = crate::source::LineIndex::new(text);
        if line >= 1 && line <= index.line_count() {
            let range = index.line_range(text, line - 1);
            return Span::new(file, range.start, range.end);
        }
    }
    Span::new(file, 0, 0)
}
