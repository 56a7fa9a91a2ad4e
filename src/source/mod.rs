//! Stage `source`: reads template files (YAML with CloudFormation's short-form tags, or JSON) into one
//! spanned [`Document`] tree, enforcing the loader's limits, and owns [`Diagnostic`], the report type every
//! later stage uses. It knows nothing of CloudFormation's sections: that is the `template` stage's job.

pub mod codes;
mod diagnostic;
pub mod emit;
mod json;
mod limits;
mod node;
mod small_map;
mod source_map;
mod span;
mod yaml;

use std::path::Path;

pub use diagnostic::{Diagnostic, Diagnostics, Label, Severity, did_you_mean, suggest};
pub use limits::Limits;
pub use node::{Document, Entry, Mapping, Node, NodeKind};
pub use small_map::SmallMap;
pub use source_map::{SourceFile, SourceMap};
pub use span::{FileId, LineCol, LineIndex, Span};
pub use yaml::{SHORT_TAGS, long_form, resolve_plain};

/// The syntax of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    /// `.json` files are JSON; anything else is YAML unless its first character opens a JSON object.
    pub fn detect(path: &Path, text: &str) -> Format {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("json") => Format::Json,
            Some("yaml" | "yml") => Format::Yaml,
            _ if text.trim_start().starts_with('{') => Format::Json,
            _ => Format::Yaml,
        }
    }
}

/// The outcome of loading one file: the document when it loaded, and the diagnostics found meanwhile.
pub struct LoadResult {
    pub file: Option<FileId>,
    pub document: Option<Document>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads and loads a data file whose root may be any value (a parameter file, a list), not only a template.
pub fn load_data_file(path: &Path, sources: &mut SourceMap, limits: &Limits) -> LoadResult {
    load_path(path, sources, limits, false)
}

/// [`load_data_file`] with the name users see for the file (an included file is read by its canonical
/// path but shown relative to the project).
pub fn load_data_file_as(
    path: &Path,
    name: &str,
    sources: &mut SourceMap,
    limits: &Limits,
) -> LoadResult {
    load_named(path, name.to_owned(), sources, limits, false)
}

/// Reads and loads a template file. Problems with the path itself (missing, a directory, unreadable, too large,
/// not UTF-8) are reported against a zero-length span at the start of a file registered under that name.
pub fn load_file(path: &Path, sources: &mut SourceMap, limits: &Limits) -> LoadResult {
    load_path(path, sources, limits, true)
}

fn load_path(path: &Path, sources: &mut SourceMap, limits: &Limits, template: bool) -> LoadResult {
    load_named(path, path.display().to_string(), sources, limits, template)
}

fn load_named(
    path: &Path,
    name: String,
    sources: &mut SourceMap,
    limits: &Limits,
    template: bool,
) -> LoadResult {
    let fail = |sources: &mut SourceMap, message: String, code: &'static str| {
        let file = sources.add(name.clone(), "");
        LoadResult {
            file: Some(file),
            document: None,
            diagnostics: vec![Diagnostic::error(code, Span::new(file, 0, 0), message)],
        }
    };
    match std::fs::metadata(path) {
        Err(e) => {
            return fail(
                sources,
                format!("cannot read `{name}`: {}", io_reason(&e)),
                codes::FILE_UNREADABLE,
            );
        }
        Ok(m) if m.is_dir() => {
            return fail(
                sources,
                format!("`{name}` is a directory, not a template file"),
                codes::FILE_UNREADABLE,
            );
        }
        Ok(m) if m.len() > limits.max_bytes => {
            return fail(
                sources,
                format!(
                    "`{name}` is {} bytes, more than the limit of {} bytes",
                    m.len(),
                    limits.max_bytes
                ),
                codes::LIMIT_EXCEEDED,
            );
        }
        Ok(_) => {}
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return fail(
                sources,
                format!("cannot read `{name}`: {}", io_reason(&e)),
                codes::FILE_UNREADABLE,
            );
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            let file = sources.add(name.clone(), valid);
            return LoadResult {
                file: Some(file),
                document: None,
                diagnostics: vec![Diagnostic::error(
                    codes::INVALID_UTF8,
                    Span::new(file, at, at),
                    format!("`{name}` is not valid UTF-8 (invalid byte at offset {at})"),
                )],
            };
        }
    };
    let format = Format::detect(path, &text);
    let file = sources.add(name, text);
    let text = sources.file(file).text.clone();
    let mut result = if template {
        load_text(file, &text, format, limits)
    } else {
        load_any(file, &text, format, limits)
    };
    result.file = Some(file);
    result
}

/// Loads template text already registered in a [`SourceMap`]: the root must be a mapping.
pub fn load_text(file: FileId, text: &str, format: Format, limits: &Limits) -> LoadResult {
    let mut r = load_any(file, text, format, limits);
    if let Some(doc) = &r.document
        && doc.root.as_map().is_none()
    {
        r.diagnostics.push(
            Diagnostic::error(
                codes::NOT_A_MAPPING,
                doc.root.span,
                format!("a template must be a mapping of sections, found {}", doc.root.describe()),
            )
            .with_help("start the file with `Resources:` (and optionally `AWSTemplateFormatVersion: \"2010-09-09\"`)"),
        );
        r.document = None;
    }
    r
}

/// Loads text whose root may be any value.
pub fn load_any(file: FileId, text: &str, format: Format, limits: &Limits) -> LoadResult {
    let text_no_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text_no_bom.trim().is_empty() || is_only_comments(text_no_bom) {
        return LoadResult {
            file: Some(file),
            document: None,
            diagnostics: vec![Diagnostic::error(
                codes::EMPTY_DOCUMENT,
                Span::new(file, 0, 0),
                "the file is empty: a template needs at least a `Resources` section",
            )],
        };
    }
    let loaded = match format {
        Format::Json => {
            // A UTF-8 byte-order mark is allowed; offsets stay those of the whole text.
            let mut l = json::load_json(file, text_no_bom, limits);
            let shift = text.len() - text_no_bom.len();
            if shift > 0 {
                shift_spans(&mut l, shift);
            }
            l
        }
        Format::Yaml => yaml::load_yaml(file, text, limits),
    };
    let mut diagnostics = loaded.diagnostics;
    let document = loaded.document;
    if document.is_none() && diagnostics.is_empty() {
        diagnostics.push(Diagnostic::error(
            codes::EMPTY_DOCUMENT,
            Span::new(file, 0, 0),
            "the file holds no template",
        ));
    }
    LoadResult {
        file: Some(file),
        document,
        diagnostics,
    }
}

fn is_only_comments(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

fn shift_spans(l: &mut yaml::Loaded, shift: usize) {
    fn walk(n: &mut Node, shift: u32) {
        n.span.start += shift;
        n.span.end += shift;
        match &mut n.kind {
            NodeKind::Seq(items) => items.iter_mut().for_each(|i| walk(i, shift)),
            NodeKind::Map(m) => {
                let old = std::mem::take(m);
                for (k, mut e) in old.into_entries() {
                    e.key_span.start += shift;
                    e.key_span.end += shift;
                    walk(&mut e.value, shift);
                    let _ = m.insert(k, e.key_span, e.value);
                }
            }
            _ => {}
        }
    }
    if let Some(d) = &mut l.document {
        walk(&mut d.root, shift as u32);
    }
    for d in &mut l.diagnostics {
        d.span.start += shift as u32;
        d.span.end += shift as u32;
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string().to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("cairn-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let p = dir.join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    }

    #[test]
    fn invalid_utf8_names_the_offset() {
        let p = temp_file("bad.yaml", b"Resources:\n  A: \xff\xfe\n");
        let mut sources = SourceMap::new();
        let r = load_file(&p, &mut sources, &Limits::default());
        assert_eq!(r.diagnostics[0].code, codes::INVALID_UTF8);
        assert_eq!(sources.start(r.diagnostics[0].span).line, 2);
    }

    #[test]
    fn files_over_the_size_limit_are_refused_unread() {
        let p = temp_file("big.yaml", &vec![b'#'; 2048]);
        let mut sources = SourceMap::new();
        let limits = Limits {
            max_bytes: 1024,
            ..Limits::default()
        };
        let r = load_file(&p, &mut sources, &limits);
        assert_eq!(r.diagnostics[0].code, codes::LIMIT_EXCEEDED);
        assert!(r.diagnostics[0].message.contains("2048 bytes"));
    }

    #[test]
    fn template_paths_point_at_the_deepest_node() {
        let text = "Resources:\n  Bucket:\n    Properties:\n      Tags:\n        - Key: k\n          Value: v\n";
        let mut sources = SourceMap::new();
        let f = sources.add("t.yaml", text);
        let doc = load_text(f, text, Format::Yaml, &Limits::default())
            .document
            .unwrap();
        let at = text.find("v\n").unwrap();
        assert_eq!(
            doc.path_to(Span::new(f, at, at + 1)),
            "/Resources/Bucket/Properties/Tags/0/Value"
        );
        let key = text.find("Bucket").unwrap();
        assert_eq!(doc.path_to(Span::new(f, key, key + 6)), "/Resources/Bucket");
    }

    #[test]
    fn template_paths_reach_nodes_of_included_files() {
        let mut sources = SourceMap::new();
        let outer = "Resources:\n  T:\n    Properties: {}\n";
        let inner = "Name: x\n";
        let f = sources.add("t.yaml", outer);
        let g = sources.add("inc.yaml", inner);
        let mut doc = load_text(f, outer, Format::Yaml, &Limits::default())
            .document
            .unwrap();
        let included = load_any(g, inner, Format::Yaml, &Limits::default())
            .document
            .unwrap();
        if let NodeKind::Map(r) = &mut doc.root.kind
            && let Some(t) = r.get_mut("Resources").and_then(|n| match &mut n.kind {
                NodeKind::Map(m) => m.get_mut("T"),
                _ => None,
            })
            && let NodeKind::Map(t) = &mut t.kind
            && let Some(props) = t.get_mut("Properties")
        {
            *props = included.root;
        }
        let at = inner.find('x').unwrap();
        assert_eq!(
            doc.path_to(Span::new(g, at, at + 1)),
            "/Resources/T/Properties/Name"
        );
    }

    #[test]
    fn json_with_a_byte_order_mark_keeps_offsets() {
        let text = "\u{feff}{\"Resources\": {\"A\": {\"Type\": \"X\"}}}";
        let mut sources = SourceMap::new();
        let f = sources.add("t.json", text);
        let doc = load_text(f, text, Format::Json, &Limits::default())
            .document
            .unwrap();
        let a = doc
            .root
            .as_map()
            .unwrap()
            .get("Resources")
            .unwrap()
            .as_map()
            .unwrap();
        assert_eq!(sources.snippet(a.get_entry("A").unwrap().key_span), "\"A\"");
    }
}
