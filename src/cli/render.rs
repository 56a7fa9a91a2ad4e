//! `cairn render FILE [-p K=V]... [--parameters FILE]... [--resolve] [--format yaml|json]`: prints the
//! template after loading, in long form; with `--resolve`, the desired stack for the given parameters
//! (everything resolvable resolved, false-condition entries dropped, what waits for resources in long form).
//! Diagnostics go to standard error, the template to standard output.

use std::io::Write;
use std::path::PathBuf;

use indexmap::IndexMap;

use crate::evaluate::{self, Context, Inputs};
use crate::source::emit;
use crate::transform;
use crate::validate::{Options, Report, validate_paths};

use super::{Cli, OutputFormat, exit, view as views};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Yaml,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The template file (YAML or JSON).
    pub file: PathBuf,
    /// A parameter value, `KEY=VALUE` (repeatable; wins over parameter files).
    #[arg(short = 'p', long = "parameter", value_name = "KEY=VALUE", value_parser = parse_kv)]
    pub parameters: Vec<(String, String)>,
    /// A parameter file: the aws cli's `[{"ParameterKey": ..., "ParameterValue": ...}]` or a plain map.
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameter_files: Vec<PathBuf>,
    /// An SSM parameter for `AWS::SSM::Parameter::Value<...>` types and `{{resolve:ssm:...}}` (repeatable).
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_kv)]
    pub ssm: Vec<(String, String)>,
    /// Resolve parameters, conditions, mappings and intrinsics.
    #[arg(long)]
    pub resolve: bool,
    /// Output syntax.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
    /// AWS::AccountId.
    #[arg(long, default_value = "123456789012")]
    pub account_id: String,
    /// AWS::StackName (default: the file name without its extension).
    #[arg(long)]
    pub stack_name: Option<String>,
}

pub(super) fn parse_kv(s: &str) -> Result<(String, String), String> {
    evaluate::parse_assignment(s)
}

pub fn run(cli: &Cli, args: &Args) -> u8 {
    let mut report = validate_paths(
        std::slice::from_ref(&args.file),
        &Options {
            project: cli.project(),
            ..Options::default()
        },
    );
    if report.diagnostics.has_errors() {
        return fail(cli, &report);
    }
    let file = &report.files[0];
    let (Some(doc), Some(template)) = (&file.document, &file.template) else {
        return fail(cli, &report);
    };
    let mut parameters = IndexMap::new();
    for f in &args.parameter_files {
        if let Err(ds) = evaluate::read_parameter_file(f, &mut report.sources, &mut parameters) {
            report.diagnostics.extend(ds);
            return fail(cli, &report);
        }
    }
    parameters.extend(args.parameters.iter().cloned());
    let stack_name = args
        .stack_name
        .clone()
        .unwrap_or_else(|| stack_name_from(&args.file));
    let node = if args.resolve {
        let inputs = Inputs {
            parameters,
            context: Context {
                region: cli.region.clone(),
                account_id: args.account_id.clone(),
                stack_name,
                ..Context::default()
            },
            ssm: args.ssm.iter().cloned().collect(),
            mask_no_echo: true,
            ..Inputs::default()
        };
        // The transforms expand with the given parameters (loops may run over them).
        let expanded = if transform::expands(doc) {
            let options = transform::ExpandOptions {
                parameters: inputs.parameters.clone(),
                pseudo: transform::PseudoParameters {
                    region: Some(inputs.context.region.clone()),
                    account_id: Some(inputs.context.account_id.clone()),
                    stack_name: Some(inputs.context.stack_name.clone()),
                    ..transform::PseudoParameters::default()
                },
                ..Default::default()
            };
            match transform::expand(doc, &report.sources, &options) {
                Ok(d) => Some(crate::template::lower(&d, &report.sources).0),
                Err(ds) => {
                    report.diagnostics.extend(ds);
                    report.diagnostics.sort();
                    return fail(cli, &report);
                }
            }
        } else {
            None
        };
        let template = expanded.as_ref().unwrap_or(template);
        match evaluate::evaluate(template, &inputs) {
            Ok(e) => evaluate::resolved_document(template, &e).root,
            Err(ds) => {
                report.diagnostics.extend(ds);
                report.diagnostics.sort();
                return fail(cli, &report);
            }
        }
    } else if transform::expands(doc) {
        // The processed template, as CloudFormation shows it after its transforms.
        let options = transform::ExpandOptions {
            parameters,
            pseudo: transform::PseudoParameters {
                region: Some(cli.region.clone()),
                account_id: Some(args.account_id.clone()),
                stack_name: Some(stack_name),
                ..transform::PseudoParameters::default()
            },
            ..Default::default()
        };
        match transform::expand(doc, &report.sources, &options) {
            Ok(expanded) => expanded.root,
            Err(ds) => {
                report.diagnostics.extend(ds);
                report.diagnostics.sort();
                return fail(cli, &report);
            }
        }
    } else {
        doc.root.clone()
    };
    let text = match args.format {
        Format::Yaml => emit::to_yaml(&node),
        Format::Json => emit::to_json(&node),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    exit::OK
}

/// A stack name from a file name: `templates/web-bucket.yaml` → `web-bucket`.
fn stack_name_from(path: &std::path::Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("stack");
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name
    } else {
        format!("stack-{name}")
    }
}

pub(super) fn fail(cli: &Cli, report: &Report) -> u8 {
    let text = match cli.output {
        OutputFormat::Text => views::text::report(report, 50, views::color_enabled_stderr()),
        OutputFormat::Json => views::json::report(report),
        OutputFormat::Sarif => views::sarif::report(report),
    };
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
    exit::FAILURE
}
