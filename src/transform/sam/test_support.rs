//! What the SAM transform's unit tests share: loading and expanding a template given as YAML text.

use crate::source::{Diagnostic, Document, SourceMap};
use crate::transform::ExpandOptions;

/// The YAML `text` loaded, with the source map that names it.
fn load(text: &str) -> (SourceMap, Document) {
    let (doc, sources) = crate::transform::tests::load(text);
    (sources, doc)
}

/// The YAML `text` loaded (not expanded).
pub(crate) fn loaded(text: &str) -> Document {
    load(text).1
}

/// The template `text` (YAML) expanded with `options`, or the transform's diagnostics.
pub(crate) fn expand_with(
    text: &str,
    options: &ExpandOptions,
) -> Result<Document, Vec<Diagnostic>> {
    let (sources, doc) = load(text);
    super::expand(&doc, &sources, options)
}

/// The template `text` (YAML) expanded with the default options, or the transform's diagnostics.
pub(crate) fn expand_text(text: &str) -> Result<Document, Vec<Diagnostic>> {
    expand_with(text, &ExpandOptions::default())
}

/// [`expand_text`] for a template that must expand.
pub(crate) fn expanded(text: &str) -> Document {
    expand_text(text).expect("the test template expands")
}

/// Each error's span (start, end) and message, for comparing with positions found in the test's text.
pub(crate) fn positions(errors: &[super::errors::SamError]) -> Vec<(usize, usize, &str)> {
    errors
        .iter()
        .map(|e| {
            (
                e.span.start as usize,
                e.span.end as usize,
                e.message.as_str(),
            )
        })
        .collect()
}
