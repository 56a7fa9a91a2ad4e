//! What the SAM transform's unit tests share: expanding a template given as YAML text.

use crate::source::{Diagnostic, Document, Format, Limits, SourceMap, load_text};
use crate::transform::ExpandOptions;

/// The template `text` (YAML) expanded with the default options, or the transform's diagnostics.
pub(crate) fn expand_text(text: &str) -> Result<Document, Vec<Diagnostic>> {
    let mut sources = SourceMap::new();
    let f = sources.add("t.yaml", text);
    let doc = load_text(f, text, Format::Yaml, &Limits::default())
        .document
        .expect("the test template loads");
    super::expand(&doc, &sources, &ExpandOptions::default())
}

/// [`expand_text`] for a template that must expand.
pub(crate) fn expanded(text: &str) -> Document {
    expand_text(text).expect("the test template expands")
}
