//! JSON loading with spans, through jsonc-parser in strict mode (no comments, no trailing commas, no
//! JSON5 extensions): the same [`Node`] tree as YAML, so later stages never care which syntax was used.

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::codes;
use super::diagnostic::Diagnostic;
use super::limits::Limits;
use super::node::{Document, Mapping, Node, NodeKind};
use super::span::{FileId, Span};
use super::yaml::Loaded;

pub fn load_json(file: FileId, text: &str, limits: &Limits) -> Loaded {
    let mut diagnostics = Vec::new();
    // jsonc-parser recurses per nesting level: refuse deep input before it can exhaust the stack.
    if let Some(at) = too_deep(text, limits.max_depth) {
        diagnostics.push(Diagnostic::error(
            codes::LIMIT_EXCEEDED,
            Span::new(file, at, at + 1),
            format!("nesting deeper than {} levels", limits.max_depth),
        ));
        return Loaded {
            document: None,
            diagnostics,
        };
    }
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    match parse_to_ast(text, &CollectOptions::default(), &options) {
        Ok(result) => {
            let document = result.value.map(|v| Document {
                root: convert(file, v, &mut diagnostics),
            });
            let failed = diagnostics.iter().any(Diagnostic::is_error);
            Loaded {
                document: if failed { None } else { document },
                diagnostics,
            }
        }
        Err(e) => {
            let r = e.range();
            diagnostics.push(Diagnostic::error(
                codes::JSON_SYNTAX,
                Span::new(
                    file,
                    r.start,
                    r.end.max(r.start + 1).min(text.len().max(r.start)),
                ),
                format!("invalid JSON: {}", lowercase_first(&e.kind().to_string())),
            ));
            Loaded {
                document: None,
                diagnostics,
            }
        }
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn convert(file: FileId, v: Value<'_>, diagnostics: &mut Vec<Diagnostic>) -> Node {
    let span = |r: jsonc_parser::common::Range| Span::new(file, r.start, r.end);
    match v {
        Value::StringLit(s) => Node::new(span(s.range), NodeKind::String(s.value.into_owned())),
        Value::NumberLit(n) => Node::new(span(n.range), NodeKind::Number(n.value.to_owned())),
        Value::BooleanLit(b) => Node::new(span(b.range), NodeKind::Bool(b.value)),
        Value::NullKeyword(n) => Node::new(span(n.range), NodeKind::Null),
        Value::Array(a) => Node::new(
            span(a.range),
            NodeKind::Seq(
                a.elements
                    .into_iter()
                    .map(|e| convert(file, e, diagnostics))
                    .collect(),
            ),
        ),
        Value::Object(o) => {
            let mut map = Mapping::with_capacity(o.properties.len());
            for p in o.properties {
                let (key, kspan) = match p.name {
                    ObjectPropName::String(s) => (s.value.into_owned(), span(s.range)),
                    ObjectPropName::Word(w) => (w.value.to_owned(), span(w.range)),
                };
                let value = convert(file, p.value, diagnostics);
                if let Err(first) = map.insert(key.clone(), kspan, value) {
                    diagnostics.push(
                        Diagnostic::error(
                            codes::DUPLICATE_KEY,
                            kspan,
                            format!("duplicate key `{key}`"),
                        )
                        .with_label(first, "first defined here"),
                    );
                }
            }
            Node::new(span(o.range), NodeKind::Map(map))
        }
    }
}

/// The byte offset of the first bracket that opens a level deeper than `max`, if any.
fn too_deep(text: &str, max: usize) -> Option<usize> {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}
