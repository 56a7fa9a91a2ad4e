//! A snippet's header: the Jinja comment `{#- cairn ... -#}` that opens a `.j2` snippet, whose body is YAML
//! naming what the snippet makes (`description`) and the inputs it takes (`inputs`: type, default,
//! required, allowed values, description).
//!
//! It parses and checks the header; it never renders the snippet nor checks the values given at a use site.

use indexmap::IndexMap;

use crate::source::{
    Diagnostic, FileId, Format, Limits, Node, NodeKind, Span, emit, load_any, suggest,
};

use super::super::codes;

/// The kinds of value an input takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputType {
    String,
    Number,
    Boolean,
    List,
    Map,
}

impl InputType {
    pub const NAMES: [&'static str; 5] = ["string", "number", "boolean", "list", "map"];

    fn parse(s: &str) -> Option<InputType> {
        Some(match s {
            "string" => InputType::String,
            "number" => InputType::Number,
            "boolean" => InputType::Boolean,
            "list" => InputType::List,
            "map" => InputType::Map,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            InputType::String => "string",
            InputType::Number => "number",
            InputType::Boolean => "boolean",
            InputType::List => "list",
            InputType::Map => "map",
        }
    }
}

/// One declared input.
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    pub kind: InputType,
    /// The value used when the use site gives none.
    pub default: Option<serde_json::Value>,
    /// A required input must be given at the use site. Defaults to true when there is no default.
    pub required: bool,
    /// When not empty, the only values accepted.
    pub allowed: Vec<serde_json::Value>,
    pub description: Option<String>,
}

/// A parsed header.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Header {
    pub description: String,
    pub inputs: IndexMap<String, InputSpec>,
}

const OPEN: &str = "{#- cairn";
const CLOSE: &str = "-#}";
const HEADER_KEYS: [&str; 2] = ["description", "inputs"];
const INPUT_KEYS: [&str; 5] = ["type", "default", "required", "allowed", "description"];

/// Parses the header of snippet `text`, registered as `file`. Spans of the diagnostics point into `text`.
pub fn parse(file: FileId, text: &str) -> Result<Header, Vec<Diagnostic>> {
    let start = text.len() - text.trim_start().len();
    if !text[start..].starts_with(OPEN) {
        return Err(vec![
            Diagnostic::error(
                codes::SNIPPET_HEADER,
                Span::new(file, start, start),
                "a snippet must open with a `{#- cairn ... -#}` header",
            )
            .with_help(
                "start the file with `{#- cairn`, a YAML `description:` and `inputs:`, then `-#}`",
            ),
        ]);
    }
    let body_start = start + OPEN.len();
    let Some(len) = text[body_start..].find(CLOSE) else {
        return Err(vec![Diagnostic::error(
            codes::SNIPPET_HEADER,
            Span::new(file, start, body_start),
            "the snippet header is not closed with `-#}`",
        )]);
    };
    let body_end = body_start + len;
    // The YAML body is loaded from a copy of the text blanked outside the header, so offsets stay those of
    // the snippet file.
    let blanked = blank_outside(text, body_start, body_end);
    let loaded = load_any(file, &blanked, Format::Yaml, &Limits::default());
    if !loaded.diagnostics.is_empty() {
        return Err(loaded.diagnostics);
    }
    let Some(doc) = loaded.document else {
        return Err(vec![Diagnostic::error(
            codes::SNIPPET_HEADER,
            Span::new(file, start, body_end + CLOSE.len()),
            "the snippet header is empty: it needs a `description`",
        )]);
    };
    header(&doc.root)
}

fn blank_outside(text: &str, start: usize, end: usize) -> String {
    text.char_indices()
        .flat_map(|(i, c)| {
            let keep = (start..end).contains(&i) || c == '\n' || c == '\r';
            let n = if keep { 1 } else { c.len_utf8() };
            std::iter::repeat_n(if keep { c } else { ' ' }, n)
        })
        .collect()
}

fn header(root: &Node) -> Result<Header, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let Some(map) = root.as_map() else {
        return Err(vec![error(
            root.span,
            format!(
                "the snippet header must be a mapping, found {}",
                root.describe()
            ),
        )]);
    };
    unknown_keys(map, &HEADER_KEYS, "the snippet header", &mut errors);
    let description = match map.get("description") {
        Some(n) => match n.as_str() {
            Some(s) => s.trim().to_owned(),
            None => {
                errors.push(error(
                    n.span,
                    format!("`description` must be a string, found {}", n.describe()),
                ));
                String::new()
            }
        },
        None => {
            errors.push(error(root.span, "the snippet header has no `description`"));
            String::new()
        }
    };
    let mut inputs = IndexMap::new();
    match map.get("inputs").map(|n| (n, &n.kind)) {
        None | Some((_, NodeKind::Null)) => {}
        Some((_, NodeKind::Map(m))) => {
            for (name, e) in m.iter() {
                if let Some(spec) = input(name, e.key_span, &e.value, &mut errors) {
                    inputs.insert(name.to_owned(), spec);
                }
            }
        }
        Some((n, _)) => errors.push(error(
            n.span,
            format!("`inputs` must be a mapping, found {}", n.describe()),
        )),
    }
    if errors.is_empty() {
        Ok(Header {
            description,
            inputs,
        })
    } else {
        Err(errors)
    }
}

fn input(name: &str, key: Span, node: &Node, errors: &mut Vec<Diagnostic>) -> Option<InputSpec> {
    if !is_identifier(name) {
        errors.push(error(
            key,
            format!("input name `{name}` is not an identifier (letters, digits and `_`)"),
        ));
        return None;
    }
    let Some(m) = node.as_map() else {
        errors.push(error(
            node.span,
            format!(
                "input `{name}` must be a mapping with a `type`, found {}",
                node.describe()
            ),
        ));
        return None;
    };
    let before = errors.len();
    unknown_keys(m, &INPUT_KEYS, &format!("input `{name}`"), errors);
    let kind = match m.get("type") {
        None => InputType::String,
        Some(t) => match t.as_str().and_then(InputType::parse) {
            Some(k) => k,
            None => {
                let found = t.as_str().unwrap_or_default();
                errors.push(
                    error(t.span, format!("input `{name}` has unknown type `{found}`")).with_help(
                        format!(
                            "the types are {}",
                            InputType::NAMES.map(|n| format!("`{n}`")).join(", ")
                        ),
                    ),
                );
                InputType::String
            }
        },
    };
    let default = m.get("default").map(emit::to_serde);
    let required = match m.get("required") {
        None => default.is_none(),
        Some(Node {
            kind: NodeKind::Bool(b),
            ..
        }) => *b,
        Some(n) => {
            errors.push(error(
                n.span,
                format!(
                    "`required` of input `{name}` must be a boolean, found {}",
                    n.describe()
                ),
            ));
            true
        }
    };
    let allowed = match m.get("allowed") {
        None => Vec::new(),
        Some(n) => match n.as_seq() {
            Some(items) => items.iter().map(emit::to_serde).collect(),
            None => {
                errors.push(error(
                    n.span,
                    format!(
                        "`allowed` of input `{name}` must be a list, found {}",
                        n.describe()
                    ),
                ));
                Vec::new()
            }
        },
    };
    let description = m
        .get("description")
        .and_then(|d| d.scalar_text())
        .map(|d| d.trim().to_owned());
    (errors.len() == before).then_some(InputSpec {
        kind,
        default,
        required,
        allowed,
        description,
    })
}

fn unknown_keys(
    map: &crate::source::Mapping,
    known: &[&str],
    what: &str,
    errors: &mut Vec<Diagnostic>,
) {
    for (k, e) in map.iter() {
        if !known.contains(&k) {
            errors.push(
                error(e.key_span, format!("unknown key `{k}` in {what}"))
                    .with_help_opt(suggest(k, known.iter().copied())),
            );
        }
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn error(span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::SNIPPET_HEADER, span, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Header, Vec<Diagnostic>> {
        parse(FileId(0), text)
    }

    #[test]
    fn headers_declare_a_description_and_typed_inputs() {
        let text = "{#- cairn\ndescription: a queue\ninputs:\n  name: {type: string, description: queue name}\n  retention: {type: number, default: 4}\n  fifo: {type: boolean, default: false, allowed: [true, false]}\n-#}\nQ: 1\n";
        let h = parse_text(text).unwrap();
        assert_eq!(h.description, "a queue");
        assert_eq!(h.inputs["name"].kind, InputType::String);
        assert!(h.inputs["name"].required);
        assert!(!h.inputs["retention"].required);
        assert_eq!(h.inputs["retention"].default, Some(serde_json::json!(4)));
        assert_eq!(h.inputs["fifo"].allowed.len(), 2);
    }

    #[test]
    fn header_errors_point_into_the_snippet() {
        let text = "{#- cairn\ndescription: x\ninputs:\n  name: {type: strng}\n  other: {typ: string}\n-#}\n";
        let e = parse_text(text).unwrap_err();
        let at = |d: &Diagnostic| &text[d.span.start as usize..d.span.end as usize];
        assert_eq!(e.len(), 2);
        assert_eq!(at(&e[0]), "strng");
        assert_eq!(e[0].message, "input `name` has unknown type `strng`");
        assert_eq!(at(&e[1]), "typ");
        assert_eq!(e[1].help.as_deref(), Some("did you mean `type`?"));
    }

    #[test]
    fn a_missing_or_open_header_is_reported() {
        let e = parse_text("  Q: 1\n").unwrap_err();
        assert_eq!((e[0].span.start, e[0].code), (2, codes::SNIPPET_HEADER));
        let e = parse_text("{#- cairn\ndescription: x\n").unwrap_err();
        assert!(e[0].message.contains("not closed"));
    }
}
