//! Finding and reading the files modules pull in: a module `Source` or an `Fn::InsertFile` path is resolved
//! against the folder of the file that names it, must stay inside the project root (or a snippet root, or the
//! S3 mirror), and is read once per run however often it is used.
//!
//! Every module source goes through [`Files::module`], the one place that turns a path into a [`Document`];
//! other kinds of module source plug in there. This file never interprets a module's content.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use crate::source::{self, Diagnostic, Document, Limits, Mapping, Node, SourceMap, Span};
use crate::transform::ProjectOptions;
use crate::transform::codes;

/// A file found for a reference: the path shown to users and the real (canonical) path. A module inside a
/// package (a zip archive named in `Packages:`) has the archive as its real path and its name in `member`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Found {
    pub shown: PathBuf,
    pub real: PathBuf,
    pub member: Option<String>,
}

impl Found {
    pub fn file(shown: PathBuf, real: PathBuf) -> Found {
        Found {
            shown,
            real,
            member: None,
        }
    }

    /// The folder references inside this file resolve against (for a package member, the archive's).
    pub fn dir(&self) -> Found {
        let shown = match &self.member {
            Some(m) => self.shown.ancestors().nth(m.split('/').count() + 1),
            None => self.shown.parent(),
        };
        Found::file(
            shown.map(Path::to_path_buf).unwrap_or_default(),
            self.real
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        )
    }

    /// What identifies the file: for cycles and the cache.
    pub fn key(&self) -> PathBuf {
        match &self.member {
            Some(m) => self.real.join(m),
            None => self.real.clone(),
        }
    }
}

/// The files of one run: the roots they may come from and the modules read so far.
pub(super) struct Files {
    roots: Vec<PathBuf>,
    s3_root: Option<PathBuf>,
    limits: Limits,
    /// Module documents read so far; `None` for a file that failed to load (reported at its first use).
    loaded: HashMap<PathBuf, Option<Rc<Document>>>,
    /// `Packages:` of the template: alias -> archive.
    packages: HashMap<String, Found>,
    /// For snippet sources: the roots and the run's compiled snippets.
    options: ProjectOptions,
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
            packages: HashMap::new(),
            options: options.clone(),
        }
    }

    /// Reads a `Packages:` section (`alias: {Source: path.zip}`), the archives a module `Source` names as
    /// `$alias/member.yaml`; rain's `Rain: {Packages: {alias: {Location: dir}}}` names a folder the same way.
    pub fn set_packages(&mut self, section: Option<&Node>, dir: &Found) -> Vec<Diagnostic> {
        let mut errors = Vec::new();
        for (alias, e) in section
            .and_then(Node::as_map)
            .into_iter()
            .flat_map(|m| m.iter())
        {
            let source = e
                .value
                .as_map()
                .and_then(|m| m.get("Source").or_else(|| m.get("Location")));
            match source.and_then(|s| s.as_str().map(|t| (t, s.span))) {
                Some((path, span)) => match self.locate(dir, path, span) {
                    Ok(found) => {
                        self.packages.insert(alias.to_owned(), found);
                    }
                    Err(d) => errors.push(*d),
                },
                None => errors.push(Diagnostic::error(
                    codes::MODULE_LAYOUT,
                    e.value.span,
                    format!("package `{alias}` needs a `Source` path to a zip archive"),
                )),
            }
        }
        errors
    }

    /// Resolves `reference` (as written at `span`) against the folder `dir`: relative paths, absolute paths,
    /// `s3://bucket/key` (through the S3 mirror) and `$package/member`. The file must exist and lie inside an
    /// allowed root.
    pub fn resolve(
        &self,
        dir: &Found,
        reference: &str,
        span: Span,
    ) -> Result<Found, Box<Diagnostic>> {
        let found = self.locate(dir, reference, span)?;
        if found.member.is_none() && found.real.is_dir() {
            return Err(Box::new(Diagnostic::error(
                codes::MODULE_SOURCE_MISSING,
                span,
                format!("`{}` is a directory, not a file", found.shown.display()),
            )));
        }
        Ok(found)
    }

    /// [`resolve`](Self::resolve), where a folder is accepted too.
    fn locate(&self, dir: &Found, reference: &str, span: Span) -> Result<Found, Box<Diagnostic>> {
        if let Some(rest) = reference.strip_prefix('$') {
            let (alias, member) = rest.split_once('/').unwrap_or((rest, ""));
            let Some(package) = self.packages.get(alias) else {
                return Err(Box::new(
                    Diagnostic::error(
                        codes::MODULE_SOURCE_MISSING,
                        span,
                        format!("no package `{alias}` in `Packages`"),
                    )
                    .with_help_opt(crate::source::suggest(
                        alias,
                        self.packages.keys().map(String::as_str),
                    )),
                ));
            };
            if package.real.is_dir() {
                // rain's directory alias (`Rain: {Packages: {abc: {Location: dir}}}`).
                return self.locate(package, member, span);
            }
            return Ok(Found {
                shown: package.shown.join(member),
                real: package.real.clone(),
                member: Some(member.to_owned()),
            });
        }
        if reference.starts_with("http://") || reference.starts_with("https://") {
            return Err(Box::new(
                Diagnostic::error(
                    codes::MODULE_SOURCE_MISSING,
                    span,
                    format!(
                        "cannot read `{reference}`: sources are never fetched over the network"
                    ),
                )
                .with_help("copy the file into the project, or mirror S3 with `--s3-root DIR`"),
            ));
        }
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
            let beside = dir.real.join(rel);
            // Beside the file that names it; else under the project root, then a snippet root.
            let fallback = (!beside.exists() && rel.is_relative())
                .then(|| {
                    self.roots
                        .iter()
                        .flat_map(|r| [r.join(rel), r.join("snippets").join(rel)])
                        .find(|c| c.exists())
                })
                .flatten();
            match fallback {
                Some(found) => (PathBuf::from(reference), found),
                None => (normalize(&dir.shown.join(rel)), beside),
            }
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
        Ok(Found::file(shown, real))
    }

    /// A `.j2` snippet used as a module: rendered with the use's `Properties` as its inputs (checked
    /// against the snippet's header at the use site), then loaded like a module file.
    pub fn snippet(
        &self,
        found: &Found,
        inputs: &Mapping,
        site: Span,
        sources: &mut SourceMap,
    ) -> Result<Rc<Document>, Vec<Diagnostic>> {
        let path = found.real.display().to_string();
        let mut doc =
            crate::transform::render_snippet(&path, inputs, site, sources, &self.options)?;
        // A library snippet renders a fragment of resources: as a module, it is the Resources section.
        const SECTIONS: [&str; 5] = [
            "Resources",
            "Outputs",
            "Parameters",
            "Conditions",
            "Mappings",
        ];
        if let Some(m) = doc.root.as_map()
            && !m.keys().any(|k| SECTIONS.contains(&k))
        {
            let span = doc.root.span;
            let mut root = Mapping::with_capacity(1);
            let _ = root.insert("Resources".to_owned(), span, doc.root.clone());
            doc.root = Node::new(span, source::NodeKind::Map(root));
        }
        Ok(Rc::new(doc))
    }

    /// The document of module file `found`, loaded with the normal loader and registered in `sources` (once
    /// per run). This is the one function that turns a module source into a document. A file that does not
    /// load is reported once: later uses get an error list that is empty.
    pub fn module(
        &mut self,
        found: &Found,
        sources: &mut SourceMap,
    ) -> Result<Rc<Document>, Vec<Diagnostic>> {
        if let Some(cached) = self.loaded.get(&found.key()) {
            return cached.clone().ok_or_else(Vec::new);
        }
        let text = match read_text(found, sources) {
            Ok(t) => t,
            Err(d) => {
                self.loaded.insert(found.key(), None);
                return Err(vec![*d]);
            }
        };
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
                let doc = Rc::new(doc);
                self.loaded.insert(found.key(), Some(Rc::clone(&doc)));
                Ok(doc)
            }
            _ => {
                self.loaded.insert(found.key(), None);
                Err(errors)
            }
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
    let text = match &found.member {
        None => {
            std::fs::read_to_string(&found.real).map_err(|_| "not readable UTF-8 text".to_owned())
        }
        Some(m) => std::fs::read(&found.real)
            .map_err(|_| "the archive cannot be read".to_owned())
            .and_then(|data| super::zip::member(&data, m))
            .and_then(|bytes| String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())),
    };
    text.map_err(|why| {
        let file = sources.add(found.shown.display().to_string(), "");
        Box::new(Diagnostic::error(
            codes::MODULE_SOURCE_MISSING,
            Span::new(file, 0, 0),
            format!("cannot read `{}`: {why}", found.shown.display()),
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
