//! Finding and reading the files modules pull in: a module `Source` or an `Fn::InsertFile` path is resolved
//! against the folder of the file that names it, must stay inside the project root (or a snippet root, or the
//! S3 mirror), and is read once per run however often it is used.
//!
//! Every module source goes through [`Files::module`], the one place that turns a path into a [`Document`];
//! other kinds of module source plug in there. This file never interprets a module's content.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::source::{self, Diagnostic, Document, Limits, SourceMap, Span};
use crate::transform::ProjectOptions;
use crate::transform::codes;

/// A file found for a reference: the path shown to users and the real (canonical) path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Found {
    pub shown: PathBuf,
    pub real: PathBuf,
}

impl Found {
    /// The folder references inside this file resolve against.
    pub fn dir(&self) -> Found {
        Found {
            shown: self
                .shown
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            real: self
                .real
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        }
    }
}

/// The files of one run: the roots they may come from and the modules read so far.
pub(super) struct Files {
    roots: Vec<PathBuf>,
    s3_root: Option<PathBuf>,
    limits: Limits,
    loaded: HashMap<PathBuf, Document>,
}

impl Files {
    pub fn new(options: &ProjectOptions) -> Files {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let mut roots = vec![canonical(&options.root())];
        roots.extend(options.snippet_roots.iter().map(|p| canonical(p)));
        let s3_root = options.s3_root.as_deref().map(canonical);
        roots.extend(s3_root.clone());
        Files {
            roots,
            s3_root,
            limits: Limits::default(),
            loaded: HashMap::new(),
        }
    }

    /// Resolves `reference` (as written at `span`) against the folder `dir`: relative paths, absolute paths
    /// and `s3://bucket/key` (through the S3 mirror). The file must exist and lie inside an allowed root.
    pub fn resolve(
        &self,
        dir: &Found,
        reference: &str,
        span: Span,
    ) -> Result<Found, Box<Diagnostic>> {
        let (shown, candidate) = if let Some(key) = reference.strip_prefix("s3://") {
            let Some(mirror) = &self.s3_root else {
                return Err(Box::new(
                    Diagnostic::error(
                        codes::MODULE_SOURCE_MISSING,
                        span,
                        format!("cannot read `{reference}`: no local S3 mirror is configured"),
                    )
                    .with_help("pass `--s3-root DIR`, a folder holding `bucket/key` files"),
                ));
            };
            (PathBuf::from(reference), mirror.join(key))
        } else {
            let rel = Path::new(reference);
            (normalize(&dir.shown.join(rel)), dir.real.join(rel))
        };
        let real = candidate.canonicalize().map_err(|_| {
            Box::new(Diagnostic::error(
                codes::MODULE_SOURCE_MISSING,
                span,
                format!("cannot read `{}`: no such file", shown.display()),
            ))
        })?;
        if !self.roots.iter().any(|r| real.starts_with(r)) {
            return Err(Box::new(Diagnostic::error(
                codes::MODULE_OUTSIDE_ROOT,
                span,
                format!("`{reference}` is outside the project root"),
            )
            .with_help("module sources and inserted files must stay inside the project (no `..` escape, no symlink out)")));
        }
        if real.is_dir() {
            return Err(Box::new(Diagnostic::error(
                codes::MODULE_SOURCE_MISSING,
                span,
                format!("`{}` is a directory, not a file", shown.display()),
            )));
        }
        Ok(Found { shown, real })
    }

    /// The document of module file `found`, loaded with the normal loader and registered in `sources` (once
    /// per run). This is the one function that turns a module source into a document.
    pub fn module(
        &mut self,
        found: &Found,
        sources: &mut SourceMap,
    ) -> Result<Document, Vec<Diagnostic>> {
        if let Some(doc) = self.loaded.get(&found.real) {
            return Ok(doc.clone());
        }
        let text = read_text(found, sources).map_err(|d| vec![*d])?;
        let file = sources.add(found.shown.display().to_string(), text);
        let text = sources.file(file).text.clone();
        let format = source::Format::detect(&found.real, &text);
        let mut r = source::load_text(file, &text, format, &self.limits);
        let errors: Vec<Diagnostic> = r
            .diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        match r.document.take() {
            Some(doc) if errors.is_empty() => {
                self.loaded.insert(found.real.clone(), doc.clone());
                Ok(doc)
            }
            _ => Err(errors),
        }
    }

    /// The text of a file inserted with `Fn::InsertFile`.
    pub fn text(&self, found: &Found, span: Span) -> Result<String, Box<Diagnostic>> {
        std::fs::read_to_string(&found.real).map_err(|_| {
            Box::new(Diagnostic::error(
                codes::MODULE_SOURCE_MISSING,
                span,
                format!("cannot read `{}` as UTF-8 text", found.shown.display()),
            ))
        })
    }
}

fn read_text(found: &Found, sources: &mut SourceMap) -> Result<String, Box<Diagnostic>> {
    std::fs::read_to_string(&found.real).map_err(|_| {
        let file = sources.add(found.shown.display().to_string(), "");
        Box::new(Diagnostic::error(
            codes::MODULE_SOURCE_MISSING,
            Span::new(file, 0, 0),
            format!("cannot read `{}` as UTF-8 text", found.shown.display()),
        ))
    })
}

/// `a/./b/../c` as `a/c`, for the path shown to users (the real path is canonical).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_paths_drop_dot_segments() {
        assert_eq!(
            normalize(Path::new("a/./b/../c.yaml")),
            PathBuf::from("a/c.yaml")
        );
        assert_eq!(
            normalize(Path::new("../x.yaml")),
            PathBuf::from("../x.yaml")
        );
    }
}
