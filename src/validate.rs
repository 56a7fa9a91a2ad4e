//! The `validate` pipeline as a library call: load each file, lower it to a template, run every check
//! (AppSpec and buildspec files go to [`cicd`](crate::cicd) instead), and return the diagnostics with what
//! is needed to render them (the source map and the documents).

use std::path::{Path, PathBuf};

use crate::source::{self, Diagnostic, Diagnostics, Document, FileId, Limits, SourceMap, codes};
use crate::template::{self, Template};

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub limits: Limits,
    /// Turn the warnings where Cairn is more lenient than CloudFormation into errors.
    pub strict: bool,
    /// Resource types accepted with any property and attribute (`*` wildcards: `MyOrg::*`): third-party or
    /// private registry types the embedded spec does not know.
    pub allow_types: Vec<String>,
    /// Where modules, includes and snippets may be read from.
    pub project: crate::transform::ProjectOptions,
    /// Check every file as this kind; by default each file's name tells (`appspec.yml`, `buildspec.yml`,
    /// anything else a template).
    pub kind: Option<crate::cicd::FileKind>,
    /// The compute platform of AppSpec files, when their sections should not decide it.
    pub platform: Option<crate::cicd::Platform>,
}

/// One validated file.
pub struct FileReport {
    pub path: PathBuf,
    pub file: Option<FileId>,
    pub document: Option<Document>,
    pub template: Option<Template>,
}

/// Everything one `validate` run found.
pub struct Report {
    pub sources: SourceMap,
    pub files: Vec<FileReport>,
    pub diagnostics: Diagnostics,
}

impl Report {
    /// The document a diagnostic points into, to compute its template path.
    pub fn document_of(&self, file: FileId) -> Option<&Document> {
        self.files
            .iter()
            .find(|f| f.file == Some(file))
            .and_then(|f| f.document.as_ref())
    }

    pub fn path_of(&self, d: &Diagnostic) -> String {
        d.path
            .clone()
            .unwrap_or_else(|| match self.document_of(d.span.file) {
                Some(doc) => doc.path_to(d.span),
                // A file pulled in by an include: its nodes live in the including template's document.
                None => self
                    .files
                    .iter()
                    .filter_map(|f| f.document.as_ref())
                    .map(|doc| doc.path_to(d.span))
                    .find(|p| !p.is_empty())
                    .unwrap_or_default(),
            })
    }
}

pub fn validate_paths(paths: &[PathBuf], options: &Options) -> Report {
    let mut sources = SourceMap::new();
    let mut diagnostics = Diagnostics::new();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let (report, diags) = validate_one(path, &mut sources, options);
        diagnostics.extend(diags);
        files.push(report);
    }
    if options.strict {
        diagnostics.escalate(codes::STRICT);
    }
    diagnostics.sort();
    Report {
        sources,
        files,
        diagnostics,
    }
}

/// Loads, lowers and checks one file.
pub fn validate_one(
    path: &Path,
    sources: &mut SourceMap,
    options: &Options,
) -> (FileReport, Vec<Diagnostic>) {
    let kind = options
        .kind
        .unwrap_or_else(|| crate::cicd::FileKind::from_name(path));
    if kind != crate::cicd::FileKind::Template {
        let checked =
            crate::cicd::check_file(path, kind, options.platform, sources, &options.limits);
        let report = FileReport {
            path: path.to_owned(),
            file: checked.file,
            document: checked.document,
            template: None,
        };
        return (report, checked.diagnostics);
    }
    let mut loaded = source::load_file(path, sources, &options.limits);
    let mut diags = std::mem::take(&mut loaded.diagnostics);
    let mut template = None;
    if let Some(doc) = loaded.document.take() {
        // Modules, includes and snippets first: the rest of the pipeline sees the expanded document.
        match crate::transform::prepare(doc, sources, &options.project) {
            Ok(doc) => loaded.document = Some(doc),
            Err(ds) => diags.extend(ds),
        }
    }
    if let Some(doc) = &loaded.document {
        // AWS::LanguageExtensions and AWS::Serverless-2016-10-31 are expanded with what is known without
        // parameter values; spans still point into the file. When the template cannot be expanded yet (a
        // loop over a parameter without a default, say), it is checked as written; the SAM transform's own
        // findings (an invalid serverless resource) are reported.
        let expanded = if crate::transform::expands(doc) {
            match crate::transform::expand(doc, sources, &Default::default()) {
                Ok(d) => Some(d),
                Err(ds) => {
                    diags.extend(ds.into_iter().filter(|d| d.code.starts_with("E63")));
                    None
                }
            }
        } else {
            None
        };
        let (t, lower_diags) = template::lower(expanded.as_ref().unwrap_or(doc), sources);
        diags.extend(lower_diags);
        diags.extend(crate::check::check_with(&t, sources, &options.allow_types));
        if crate::check::names_are_final(&t) {
            // With every parameter's default the conditions are known, and a cycle only through a branch
            // or resource that is never taken is no cycle. Otherwise every branch counts.
            let known = (!diags.iter().any(Diagnostic::is_error))
                .then(|| crate::evaluate::conditions(&t, &crate::evaluate::Inputs::default()).ok())
                .flatten();
            let graph = match known {
                Some(values) => crate::graph::build(&t, &values),
                None => crate::graph::build_all(&t),
            };
            diags.extend(graph.cycle_diagnostics(sources));
        }
        template = Some(t);
    }
    (
        FileReport {
            path: path.to_owned(),
            file: loaded.file,
            document: loaded.document,
            template,
        },
        diags,
    )
}
