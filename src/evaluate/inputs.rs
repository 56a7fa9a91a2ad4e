//! Reading parameter values from where users give them: `KEY=VALUE` arguments and parameter files, in
//! the aws cli's format (`[{"ParameterKey": "K", "ParameterValue": "V"}]`) or as a plain YAML/JSON map
//! (`{K: V}`, list values joined with commas). Errors point into the file.

use std::path::Path;

use indexmap::IndexMap;

use crate::source::{self, Diagnostic, Limits, Node, NodeKind, SourceMap, codes as source_codes};

use super::codes;

/// `KEY=VALUE` (the value may contain `=`).
pub fn parse_assignment(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!("expected KEY=VALUE, found `{s}`")),
    }
}

/// Reads a parameter file into `out` (later entries win).
pub fn read_parameter_file(
    path: &Path,
    sources: &mut SourceMap,
    out: &mut IndexMap<String, String>,
) -> Result<(), Vec<Diagnostic>> {
    let loaded = source::load_data_file(path, sources, &Limits::default());
    let Some(doc) = loaded.document else {
        return Err(loaded.diagnostics);
    };
    let mut errors = Vec::new();
    match &doc.root.kind {
        NodeKind::Seq(items) => {
            for item in items {
                match aws_cli_entry(item) {
                    Ok((k, v)) => {
                        out.insert(k, v);
                    }
                    Err(d) => errors.push(*d),
                }
            }
        }
        NodeKind::Map(m) => {
            for (k, e) in m.iter() {
                match text(&e.value) {
                    Some(v) => {
                        out.insert(k.to_owned(), v);
                    }
                    None => errors.push(*bad(&e.value, format!("the value of parameter `{k}` must be a string, number, boolean or list of them"))),
                }
            }
        }
        _ => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn bad(n: &Node, message: String) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(codes::PARAMETER_FILE, n.span, message).with_help(
        "write `[{\"ParameterKey\": \"Name\", \"ParameterValue\": \"value\"}]` or `{Name: value}`",
    ))
}

fn aws_cli_entry(item: &Node) -> Result<(String, String), Box<Diagnostic>> {
    let m = item.as_map().ok_or_else(|| {
        bad(
            item,
            format!(
                "a parameter entry must be a mapping, found {}",
                item.describe()
            ),
        )
    })?;
    for (k, e) in m.iter() {
        if ![
            "ParameterKey",
            "ParameterValue",
            "UsePreviousValue",
            "ResolvedValue",
        ]
        .contains(&k)
        {
            return Err(Box::new(
                Diagnostic::error(
                    source_codes::UNKNOWN_ATTRIBUTE,
                    e.key_span,
                    format!("unknown key `{k}` in a parameter entry"),
                )
                .with_help_opt(source::suggest(k, ["ParameterKey", "ParameterValue"])),
            ));
        }
    }
    let key = m
        .get("ParameterKey")
        .and_then(Node::as_str)
        .ok_or_else(|| bad(item, "a parameter entry needs `ParameterKey`".to_owned()))?;
    let value = m
        .get("ParameterValue")
        .and_then(text)
        .ok_or_else(|| bad(item, format!("parameter `{key}` needs a `ParameterValue`")))?;
    Ok((key.to_owned(), value))
}

/// A value as CloudFormation receives it: a scalar as text, a list joined with commas.
fn text(n: &Node) -> Option<String> {
    crate::check::default_text(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str, text: &str) -> Result<IndexMap<String, String>, Vec<Diagnostic>> {
        let dir = std::env::temp_dir().join(format!("cairn-inputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        let mut out = IndexMap::new();
        read_parameter_file(&p, &mut SourceMap::new(), &mut out).map(|_| out)
    }

    #[test]
    fn aws_cli_format() {
        let m = read("a.json", r#"[{"ParameterKey": "Env", "ParameterValue": "prod"}, {"ParameterKey": "N", "ParameterValue": 3}]"#).unwrap();
        assert_eq!(m["Env"], "prod");
        assert_eq!(m["N"], "3");
    }

    #[test]
    fn plain_map_with_lists() {
        let m = read("b.yaml", "Env: dev\nSubnets: [subnet-1, subnet-2]\n").unwrap();
        assert_eq!(m["Subnets"], "subnet-1,subnet-2");
    }

    #[test]
    fn bad_entries_point_into_the_file() {
        let e = read(
            "c.json",
            r#"[{"ParameterKey": "Env", "ParameterVal": "x"}]"#,
        )
        .unwrap_err();
        assert_eq!(e[0].help.as_deref(), Some("did you mean `ParameterValue`?"));
    }

    #[test]
    fn assignments() {
        assert_eq!(
            parse_assignment("A=b=c").unwrap(),
            ("A".into(), "b=c".into())
        );
        assert!(parse_assignment("nothing").is_err());
    }
}
