//! The set of files a run has read (templates, and later snippets and modules), so that a [`Span`] can be
//! turned back into a file name, a line and a code frame when a diagnostic is rendered.

use std::sync::Arc;

use super::span::{FileId, LineCol, LineIndex, Span};

#[derive(Debug)]
pub struct SourceFile {
    /// The name shown to users: the path as given on the command line, or a synthetic name.
    pub name: String,
    pub text: Arc<str>,
    index: LineIndex,
}

impl SourceFile {
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.index.line_col(&self.text, offset as usize)
    }

    pub fn index(&self) -> &LineIndex {
        &self.index
    }
}

#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        let text = text.into();
        let index = LineIndex::new(&text);
        self.files.push(SourceFile {
            name: name.into(),
            text,
            index,
        });
        FileId((self.files.len() - 1) as u32)
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn name(&self, id: FileId) -> &str {
        &self.file(id).name
    }

    pub fn start(&self, span: Span) -> LineCol {
        self.file(span.file).line_col(span.start)
    }

    pub fn end(&self, span: Span) -> LineCol {
        self.file(span.file).line_col(span.end)
    }

    pub fn snippet(&self, span: Span) -> &str {
        let text = &self.file(span.file).text;
        text.get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}
