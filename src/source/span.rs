//! Byte spans into loaded files, and the one function that turns a byte offset into a 1-based
//! `line:column` for display. Spans never hold line numbers: those are computed at render time only.

use serde::Serialize;

/// Index of a file in a [`SourceMap`](super::SourceMap).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct FileId(pub u32);

/// A half-open byte range `start..end` inside one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
}

/// A 1-based line and column. The column counts Unicode scalar values from the start of the line, so a
/// tab and a multi-byte character each count as one column, and the `\r` of a CRLF pair is part of the line
/// ending, never a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Byte offsets at which each line starts; built once per file.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0u32];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i + 1) as u32));
        LineIndex { starts }
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// The byte range of 0-based line `line`, without its line ending (`\n` or `\r\n`).
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.starts[line] as usize;
        let mut end = self
            .starts
            .get(line + 1)
            .map_or(text.len(), |&s| s as usize - 1);
        if end > start && text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end.max(start)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based line and column of a byte offset. An offset inside a multi-byte character or past the end of
    /// the text is clamped to the character or the end.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let range = self.line_range(text, line);
        let upto = offset.min(range.end);
        let column = text[range.start..floor_char_boundary(text, upto)]
            .chars()
            .count()
            + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(text: &str, offset: usize) -> (usize, usize) {
        let c = LineIndex::new(text).line_col(text, offset);
        (c.line, c.column)
    }

    #[test]
    fn first_character_is_one_one() {
        assert_eq!(lc("abc", 0), (1, 1));
        assert_eq!(lc("", 0), (1, 1));
    }

    #[test]
    fn lf_lines() {
        let t = "a: 1\nbb: 2\n";
        assert_eq!(lc(t, 5), (2, 1));
        assert_eq!(lc(t, 9), (2, 5));
        assert_eq!(lc(t, t.len()), (3, 1));
    }

    #[test]
    fn crlf_lines_do_not_count_the_carriage_return() {
        let t = "a: 1\r\nb: 2\r\n";
        assert_eq!(lc(t, 6), (2, 1));
        assert_eq!(lc(t, 9), (2, 4));
        // the `\r` itself sits at the end of line 1
        assert_eq!(lc(t, 4), (1, 5));
        assert_eq!(LineIndex::new(t).line_range(t, 0), 0..4);
    }

    #[test]
    fn tabs_count_one_column() {
        let t = "\t\tkey: v";
        assert_eq!(lc(t, 2), (1, 3));
    }

    #[test]
    fn multibyte_text_counts_characters() {
        let t = "d: \"héllo wörld\"\nx: 日本語: y";
        // `w` after `é` (2 bytes): byte 12, character 11
        assert_eq!(lc(t, t.find('w').unwrap()), (1, 11));
        let second = t.find('語').unwrap();
        assert_eq!(lc(t, second), (2, 6));
        // inside a multi-byte character: clamped to its start
        assert_eq!(lc(t, second + 1), (2, 6));
    }
}
