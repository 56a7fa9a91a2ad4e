//! The set of files a run has read (templates, and later snippets and modules), so that a [`Span`] can be
//! turned back into a file name, a line and a code frame when a diagnostic is rendered.

use std::sync::Arc;

use super::span::{FileId, LineCol, LineIndex, Span};

#[derive(Debug)]
pub struct SourceFile {
    /// The name shown to users: the path as given on the command line, or a synthetic name.
    pub name: String,
    pub text: Arc<str>,
    /// Where this file was pulled into another one (the `AWS::Include` or snippet use site), if it was.
    pub included_from: Option<Span>,
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
            included_from: None,
            index,
        });
        FileId((self.files.len() - 1) as u32)
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The last file registered under `name`, if any.
    pub fn find(&self, name: &str) -> Option<FileId> {
        self.files
            .iter()
            .rposition(|f| f.name == name)
            .map(|i| FileId(i as u32))
    }

    /// Records that `file` was included at `site` (a span in the including file).
    pub fn set_included_from(&mut self, file: FileId, site: Span) {
        self.files[file.0 as usize].included_from = Some(site);
    }

    /// The include sites that lead to `file`, nearest first: empty for a file read on its own. Bounded by
    /// the number of files, so a malformed chain cannot loop.
    pub fn include_chain(&self, file: FileId) -> Vec<Span> {
        let mut chain = Vec::new();
        let mut at = file;
        while let Some(site) = self.file(at).included_from {
            if chain.len() >= self.files.len() {
                break;
            }
            chain.push(site);
            at = site.file;
        }
        chain
    }

    /// `FILE:LINE:COL` of a span's start, as renderers print it.
    pub fn location(&self, span: Span) -> String {
        let at = self.start(span);
        format!("{}:{}:{}", self.name(span.file), at.line, at.column)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_chains_run_from_the_nearest_site_outwards() {
        let mut sources = SourceMap::new();
        let app = sources.add("app.yaml", "a: 1\nb: 2\n");
        let mid = sources.add("mid.yaml", "x: 1\n");
        let leaf = sources.add("leaf.yaml", "y: 1\n");
        sources.set_included_from(mid, Span::new(app, 5, 6));
        sources.set_included_from(leaf, Span::new(mid, 3, 4));
        let chain = sources.include_chain(leaf);
        let names: Vec<String> = chain.iter().map(|s| sources.location(*s)).collect();
        assert_eq!(names, ["mid.yaml:1:4", "app.yaml:2:1"]);
        assert!(sources.include_chain(app).is_empty());
    }
}
