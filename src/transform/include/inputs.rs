//! Binding the inputs given at a snippet's use site to the inputs its header declares: unknown names,
//! missing required inputs, values of the wrong type and values outside `allowed` are errors at the use
//! site; absent inputs take their default. The result is the context the snippet renders with.
//!
//! It never renders anything.

use crate::source::{Diagnostic, Mapping, Node, NodeKind, Span, did_you_mean, emit};

use super::super::codes;
use super::header::{Header, InputType};

/// The render context: every declared input with a value (given, or its default), as JSON data.
pub type Context = serde_json::Map<String, serde_json::Value>;

/// Binds `given` (input name to value, as written at the use site at `site`) to the header of snippet
/// `snippet` (its display name, for messages).
pub fn bind(
    snippet: &str,
    header: &Header,
    given: &Mapping,
    site: Span,
) -> Result<Context, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut context = Context::new();
    for (name, e) in given.iter() {
        if !header.inputs.contains_key(name) {
            let near = did_you_mean(name, header.inputs.keys().map(String::as_str));
            let help = match near {
                Some(n) => format!("did you mean `{n}`?"),
                None if header.inputs.is_empty() => {
                    format!("snippet `{snippet}` takes no inputs")
                }
                None => format!(
                    "the inputs of `{snippet}` are {}",
                    header
                        .inputs
                        .keys()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            errors.push(
                Diagnostic::error(
                    codes::SNIPPET_INPUT,
                    e.key_span,
                    format!("unknown input `{name}` for snippet `{snippet}`"),
                )
                .with_help(help),
            );
        }
    }
    for (name, spec) in &header.inputs {
        let value = match given.get_entry(name) {
            Some(e) => {
                if let Some(d) = problem(snippet, name, spec.kind, &spec.allowed, &e.value) {
                    errors.push(d);
                    continue;
                }
                emit::to_serde(&e.value)
            }
            None if spec.required => {
                let mut d = Diagnostic::error(
                    codes::SNIPPET_INPUT,
                    site,
                    format!("snippet `{snippet}` needs input `{name}`"),
                );
                if let Some(what) = &spec.description {
                    d = d.with_note(format!("`{name}`: {what}"));
                }
                errors.push(d);
                continue;
            }
            None => spec.default.clone().unwrap_or(serde_json::Value::Null),
        };
        context.insert(name.clone(), value);
    }
    if errors.is_empty() {
        Ok(context)
    } else {
        Err(errors)
    }
}

/// What is wrong with the value given for input `name`, if anything.
fn problem(
    snippet: &str,
    name: &str,
    kind: InputType,
    allowed: &[serde_json::Value],
    value: &Node,
) -> Option<Diagnostic> {
    let is_call = value
        .as_map()
        .and_then(Mapping::single)
        .is_some_and(|(k, _)| k == "Ref" || k.starts_with("Fn::"));
    let fits = match (&value.kind, kind) {
        (NodeKind::String(_), InputType::String)
        | (NodeKind::Number(_), InputType::Number)
        | (NodeKind::Bool(_), InputType::Boolean)
        | (NodeKind::Seq(_), InputType::List)
        | (NodeKind::Map(_), InputType::Map) => true,
        // A function call stands for a value CloudFormation knows later: the snippet passes it on.
        (NodeKind::Map(_), InputType::String | InputType::List) => is_call,
        _ => false,
    };
    if !fits {
        return Some(Diagnostic::error(
            codes::SNIPPET_INPUT,
            value.span,
            format!(
                "input `{name}` of snippet `{snippet}` must be a {}, found {}",
                kind.name(),
                value.describe()
            ),
        ));
    }
    if !allowed.is_empty() && !is_call && !allowed.contains(&emit::to_serde(value)) {
        let list: Vec<String> = allowed.iter().map(|a| format!("`{}`", plain(a))).collect();
        return Some(
            Diagnostic::error(
                codes::SNIPPET_INPUT,
                value.span,
                format!(
                    "input `{name}` of snippet `{snippet}` is `{}`, which is not allowed",
                    plain(&emit::to_serde(value))
                ),
            )
            .with_help(format!("allowed values: {}", list.join(", "))),
        );
    }
    None
}

/// A JSON value as users wrote it: strings without quotes.
fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Format, Limits, load_any};

    fn header() -> Header {
        let text = "{#- cairn\ndescription: d\ninputs:\n  name: {type: string}\n  size: {type: number, default: 2, allowed: [1, 2, 4]}\n  tags: {type: map, required: false}\n-#}\n";
        super::super::header::parse(FileId(0), text).unwrap()
    }

    fn given(text: &str) -> Mapping {
        load_any(FileId(1), text, Format::Yaml, &Limits::default())
            .document
            .unwrap()
            .root
            .as_map()
            .unwrap()
            .clone()
    }

    fn site() -> Span {
        Span::new(FileId(1), 0, 3)
    }

    #[test]
    fn defaults_fill_absent_inputs() {
        let c = bind("s", &header(), &given("name: q\n"), site()).unwrap();
        assert_eq!(c["name"], "q");
        assert_eq!(c["size"], 2);
        assert!(c["tags"].is_null());
        let c = bind("s", &header(), &given("name: {Ref: P}\n"), site()).unwrap();
        assert_eq!(c["name"], serde_json::json!({"Ref": "P"}));
    }

    #[test]
    fn wrong_inputs_are_errors_at_the_use_site() {
        let text = "nme: q\nsize: 3\ntags: [a]\n";
        let e = bind("s", &header(), &given(text), site()).unwrap_err();
        let at = |d: &Diagnostic| &text[d.span.start as usize..d.span.end as usize];
        assert_eq!(e.len(), 4);
        assert_eq!(at(&e[0]), "nme");
        assert_eq!(e[0].help.as_deref(), Some("did you mean `name`?"));
        assert_eq!(e[1].message, "snippet `s` needs input `name`");
        assert_eq!(e[1].span, site());
        assert_eq!(at(&e[2]), "3");
        assert_eq!(e[2].help.as_deref(), Some("allowed values: `1`, `2`, `4`"));
        assert_eq!(
            e[3].message,
            "input `tags` of snippet `s` must be a map, found a list"
        );
    }
}
