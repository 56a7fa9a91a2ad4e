//! `cairn snippet list` and `cairn snippet render NAME [-p K=V]... [--format yaml|json]`: the snippet
//! library as users see it. `list` shows each snippet's name, description and inputs (`--output json` for
//! tools); `render` prints a snippet rendered with the given inputs and loaded, in long form, or its
//! errors with their spans, exactly as a template using it would report them.

use std::io::Write;
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::source::{
    Diagnostic, Diagnostics, Format, Limits, Mapping, Node, NodeKind, SourceMap, Span, emit,
    load_any,
};
use crate::transform::include::{InputType, SnippetInfo, list_snippets, snippet_info};
use crate::transform::render_snippet;
use crate::validate::{FileReport, Report};

use super::render::{Format as Syntax, parse_kv};
use super::{Cli, OutputFormat, exit};

#[derive(clap::Subcommand, Debug)]
pub enum SnippetCommand {
    /// Every snippet under the snippet roots, with its description and inputs.
    List,
    /// Render one snippet with the given inputs and print the fragment in long form.
    Render(RenderArgs),
}

#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    /// The snippet, as a template names it (`s3/private-bucket.yaml`, with or without `.j2`).
    pub name: String,
    /// An input, `NAME=VALUE` (repeatable). A `string` input takes VALUE as it is; other types read VALUE
    /// as YAML (`-p azs=3`, `-p subscribers='[a@example.com]'`).
    #[arg(short = 'p', long = "input", value_name = "NAME=VALUE", value_parser = parse_kv)]
    pub inputs: Vec<(String, String)>,
    /// Output syntax.
    #[arg(long, value_enum, default_value_t = Syntax::Yaml)]
    pub format: Syntax,
}

pub fn run(cli: &Cli, command: &SnippetCommand) -> u8 {
    match command {
        SnippetCommand::List => list(cli),
        SnippetCommand::Render(args) => render(cli, args),
    }
}

fn list(cli: &Cli) -> u8 {
    let mut sources = SourceMap::new();
    let snippets = match list_snippets(&mut sources, &cli.project()) {
        Ok(s) => s,
        Err(ds) => return fail(cli, sources, PathBuf::from("snippets"), ds),
    };
    let text = match cli.output {
        OutputFormat::Text => list_text(&snippets),
        _ => {
            let all: Vec<Value> = snippets.iter().map(list_json).collect();
            let mut s = serde_json::to_string_pretty(&all).expect("JSON serializes: this is a bug");
            s.push('\n');
            s
        }
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    exit::OK
}

fn list_text(snippets: &[SnippetInfo]) -> String {
    if snippets.is_empty() {
        return "no snippets found (snippets are `.j2` files under `snippets/` or a `--snippets DIR`)\n"
            .to_owned();
    }
    let mut out = String::new();
    for s in snippets {
        out.push_str(&format!("{}\n  {}\n", s.name, s.header.description));
        for (name, spec) in &s.header.inputs {
            let mut line = format!("    {name}: {}", spec.kind.name());
            if let Some(d) = &spec.default {
                line.push_str(&format!(" = {d}"));
            } else if spec.required {
                line.push_str(" (required)");
            }
            if !spec.allowed.is_empty() {
                let allowed: Vec<String> = spec.allowed.iter().map(Value::to_string).collect();
                line.push_str(&format!(" [one of {}]", allowed.join(", ")));
            }
            if let Some(d) = &spec.description {
                line.push_str(&format!(" - {d}"));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

fn list_json(s: &SnippetInfo) -> Value {
    let inputs: serde_json::Map<String, Value> = s
        .header
        .inputs
        .iter()
        .map(|(name, spec)| {
            let mut v = json!({"type": spec.kind.name(), "required": spec.required});
            if let Some(d) = &spec.default {
                v["default"] = d.clone();
            }
            if !spec.allowed.is_empty() {
                v["allowed"] = Value::Array(spec.allowed.clone());
            }
            if let Some(d) = &spec.description {
                v["description"] = json!(d);
            }
            (name.clone(), v)
        })
        .collect();
    json!({"name": s.name, "path": s.path, "description": s.header.description, "inputs": inputs})
}

fn render(cli: &Cli, args: &RenderArgs) -> u8 {
    let options = cli.project();
    let mut sources = SourceMap::new();
    let site_file = sources.add("command line", args.name.clone());
    let site = Span::new(site_file, 0, args.name.len());
    let path = PathBuf::from(&args.name);
    let info = match snippet_info(&args.name, site, &mut sources, &options) {
        Ok(i) => i,
        Err(ds) => return fail(cli, sources, path, ds),
    };
    let inputs = match inputs(&info, &args.inputs, &mut sources) {
        Ok(m) => m,
        Err(ds) => return fail(cli, sources, path, ds),
    };
    match render_snippet(&args.name, &inputs, site, &mut sources, &options) {
        Ok(doc) => {
            let text = match args.format {
                Syntax::Yaml => emit::to_yaml(&doc.root),
                Syntax::Json => emit::to_json(&doc.root),
            };
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            exit::OK
        }
        Err(ds) => fail(cli, sources, path, ds),
    }
}

/// The `-p` inputs as document nodes, each registered as its own source (`-p NAME`) so a wrong value is
/// reported at it. `string` inputs (and names the snippet does not declare) keep their text; others are
/// read as YAML.
fn inputs(
    info: &SnippetInfo,
    given: &[(String, String)],
    sources: &mut SourceMap,
) -> Result<Mapping, Vec<Diagnostic>> {
    let mut map = Mapping::new();
    let mut errors = Vec::new();
    for (name, text) in given {
        let file = sources.add(format!("-p {name}"), format!("{name}={text}"));
        let key = Span::new(file, 0, name.len());
        let at = Span::new(file, name.len() + 1, name.len() + 1 + text.len());
        let kind = info.header.inputs.get(name).map(|s| s.kind);
        let value = if matches!(kind, None | Some(InputType::String)) {
            Node::new(at, NodeKind::String(text.clone()))
        } else {
            // Read the value alone: blank out `NAME=` so offsets stay those of the source.
            let blanked = format!("{}{}", " ".repeat(name.len() + 1), text);
            let loaded = load_any(file, &blanked, Format::Yaml, &Limits::default());
            match loaded.document {
                Some(doc) if loaded.diagnostics.is_empty() => doc.root,
                _ => {
                    errors.extend(loaded.diagnostics);
                    continue;
                }
            }
        };
        if let Err(first) = map.insert(name.clone(), key, value) {
            errors.push(
                Diagnostic::error(
                    crate::transform::codes::SNIPPET_INPUT,
                    key,
                    format!("input `{name}` is given twice"),
                )
                .with_label(first, "first given here"),
            );
        }
    }
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(errors)
    }
}

fn fail(cli: &Cli, sources: SourceMap, path: PathBuf, ds: Vec<Diagnostic>) -> u8 {
    let mut diagnostics = Diagnostics::new();
    diagnostics.extend(ds);
    diagnostics.sort();
    let report = Report {
        sources,
        files: vec![FileReport {
            path,
            file: None,
            document: None,
            template: None,
        }],
        diagnostics,
    };
    super::render::fail(cli, &report)
}
