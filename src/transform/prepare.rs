//! The project-level expansions that run on a loaded document before CloudFormation's own transforms:
//! the ones that read other files of the project (modules, `AWS::Include`, Cairn snippets). They depend on
//! the project's files, never on parameter values, so `validate` runs them exactly as `plan` does.
//!
//! What this file owns: the options naming the roots those files may come from, and the order the
//! expansions run in. Each expansion lives in its own module.

use std::path::PathBuf;

use crate::source::{Diagnostic, Document, SourceMap};

use super::include::{self, SnippetCache};

/// Where the files a template pulls in may come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectOptions {
    /// The project root: relative includes and module sources must resolve inside it (or inside a snippet
    /// root). `None` means the current directory.
    pub project_root: Option<PathBuf>,
    /// Extra snippet roots (`--snippets DIR`), searched after the project's own `snippets/`.
    pub snippet_roots: Vec<PathBuf>,
    /// A local mirror of S3 (`--s3-root DIR`): `s3://bucket/key` resolves to `DIR/bucket/key`.
    pub s3_root: Option<PathBuf>,
    /// The snippets compiled so far: shared by every file of a run, so each snippet compiles once.
    pub snippets: SnippetCache,
}

impl ProjectOptions {
    /// The project root, defaulting to the current directory.
    pub fn root(&self) -> PathBuf {
        self.project_root
            .clone()
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// Runs the project-level expansions on a loaded document, in order. A document that uses none of them
/// comes back unchanged. Files read on the way are added to `sources`, so diagnostics can point into them.
pub fn prepare(
    doc: Document,
    sources: &mut SourceMap,
    options: &ProjectOptions,
) -> Result<Document, Vec<Diagnostic>> {
    // Modules first: they are expanded before anything else, and a module may use includes.
    let doc = super::modules::expand(doc, sources, options)?;
    // Relative include locations resolve against the directory of the file the document was read from.
    let path = PathBuf::from(sources.name(doc.root.span.file));
    include::expand_includes(doc, &path, sources, options)
}
