//! `cairn diff A B`: each side a template file (with its parameters) or `stack:NAME` (the deployed
//! template and parameters from the state store); loads and evaluates both and prints the library's
//! [`TemplateDiff`](crate::diff::TemplateDiff) as text or JSON. Exit 0 whatever the diff, or with `--fail`
//! exit 1 when the sides differ.

use std::io::Write;
use std::path::PathBuf;

use crate::diff::{Side, TemplateDiff, diff};
use crate::evaluate::{Evaluated, Inputs};
use crate::provider::{MockCloud, MockOptions};
use crate::source::Diagnostics;
use crate::state::{SqliteStore, StackRecord, StackStatus, StateStore};
use crate::validate::Report;

use super::context::{self, TemplateArgs};
use super::{Cli, OutputFormat, exit, render, view};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The side before: a template file, or `stack:NAME` for a deployed stack.
    pub a: String,
    /// The side after: a template file, or `stack:NAME`.
    pub b: String,
    /// A parameter value for every file side, `KEY=VALUE` (repeatable).
    #[arg(short = 'p', long = "parameter", value_name = "KEY=VALUE", value_parser = render::parse_kv)]
    pub parameters: Vec<(String, String)>,
    /// A parameter file for every file side (repeatable).
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameter_files: Vec<PathBuf>,
    /// A parameter value for side A only (over `-p`, or over a stack's deployed value; repeatable).
    #[arg(long = "a-param", value_name = "KEY=VALUE", value_parser = render::parse_kv)]
    pub a_parameters: Vec<(String, String)>,
    /// A parameter value for side B only (repeatable).
    #[arg(long = "b-param", value_name = "KEY=VALUE", value_parser = render::parse_kv)]
    pub b_parameters: Vec<(String, String)>,
    /// A parameter file for side A only (repeatable).
    #[arg(long = "a-parameters", value_name = "FILE")]
    pub a_parameter_files: Vec<PathBuf>,
    /// A parameter file for side B only (repeatable).
    #[arg(long = "b-parameters", value_name = "FILE")]
    pub b_parameter_files: Vec<PathBuf>,
    /// AWS::StackName for file sides (default: the name of a `stack:` side, else `diff`).
    #[arg(long, value_name = "NAME")]
    pub stack_name: Option<String>,
    /// AWS::AccountId of file sides.
    #[arg(long, default_value = "123456789012")]
    pub account_id: String,
    /// Exit 1 when the sides differ.
    #[arg(long)]
    pub fail: bool,
}

/// What the user named on one side.
enum Spec<'a> {
    File(PathBuf),
    Stack(&'a str),
}

fn spec(s: &str) -> Spec<'_> {
    match s.strip_prefix("stack:") {
        Some(name) => Spec::Stack(name),
        None => Spec::File(PathBuf::from(s)),
    }
}

/// One side loaded: its processed template and its evaluation.
struct Loaded {
    template: serde_json::Value,
    evaluated: Evaluated,
}

fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    exit::FAILURE
}

pub fn run(cli: &Cli, args: &Args) -> u8 {
    let (a, b) = (spec(&args.a), spec(&args.b));
    let stacks: Vec<&str> = [&a, &b]
        .iter()
        .filter_map(|s| match s {
            Spec::Stack(n) => Some(*n),
            Spec::File(_) => None,
        })
        .collect();
    let store = if stacks.is_empty() {
        None
    } else {
        match SqliteStore::open(&context::state_path(cli)) {
            Ok(s) => Some(s),
            Err(e) => return fail(e),
        }
    };
    let mut records = Vec::new();
    for name in &stacks {
        match deployed(store.as_ref(), name) {
            Ok(s) => records.push(s),
            Err(code) => return code,
        }
    }
    // The mock cloud's SSM parameter store, when there is one, for SSM parameter types of file sides.
    let mock = context::mock_path(&context::state_path(cli));
    let cloud = if mock.exists() {
        let options = MockOptions {
            account_id: records
                .first()
                .and_then(|s| account_of(&s.id))
                .unwrap_or(&args.account_id)
                .to_owned(),
            region: records
                .first()
                .map_or_else(|| cli.region.clone(), |s| s.region.clone()),
            ..MockOptions::default()
        };
        match MockCloud::open(&mock, options) {
            Ok(c) => Some(c),
            Err(e) => return fail(e),
        }
    } else {
        None
    };
    let context = FileContext {
        stack_name: args
            .stack_name
            .clone()
            .or_else(|| stacks.first().map(|s| s.to_string()))
            .unwrap_or_else(|| "diff".to_owned()),
        stack_id: records.first().map(|s| s.id.clone()),
        cloud,
    };
    let side_a = SideArgs {
        parameters: &args.a_parameters,
        files: &args.a_parameter_files,
    };
    let side_b = SideArgs {
        parameters: &args.b_parameters,
        files: &args.b_parameter_files,
    };
    let la = match load(cli, args, &context, &a, &side_a, &records) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let lb = match load(cli, args, &context, &b, &side_b, &records) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let d = diff(
        &Side {
            label: &args.a,
            template: &la.template,
            evaluated: &la.evaluated,
        },
        &Side {
            label: &args.b,
            template: &lb.template,
            evaluated: &lb.evaluated,
        },
    );
    print(cli, &d);
    if args.fail && !d.equal {
        exit::FAILURE
    } else {
        exit::OK
    }
}

fn print(cli: &Cli, d: &TemplateDiff) {
    let text = match cli.output {
        OutputFormat::Json | OutputFormat::Sarif => {
            serde_json::to_string_pretty(d).expect("a diff serializes") + "\n"
        }
        OutputFormat::Text => view::diff::text(d, view::color_enabled()),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// What file sides are evaluated with: pseudo parameters, and the SSM parameter store if any.
struct FileContext {
    stack_name: String,
    stack_id: Option<String>,
    cloud: Option<MockCloud>,
}

/// The parameters given for one side only.
struct SideArgs<'a> {
    parameters: &'a [(String, String)],
    files: &'a [PathBuf],
}

/// A stack that is deployed (not deleted, not in the middle of an operation).
fn deployed(store: Option<&SqliteStore>, name: &str) -> Result<StackRecord, u8> {
    let Some(store) = store else {
        return Err(fail("this is a bug: no state store for a `stack:` side"));
    };
    let stack = store
        .stack(name)
        .map_err(fail)?
        .filter(|s| s.status != StackStatus::DELETE_COMPLETE)
        .ok_or_else(|| fail(format!("stack `{name}` does not exist")))?;
    if stack.status == StackStatus::REVIEW_IN_PROGRESS {
        return Err(fail(format!(
            "stack `{name}` is REVIEW_IN_PROGRESS: it has no deployed template yet"
        )));
    }
    Ok(stack)
}

fn load(
    cli: &Cli,
    args: &Args,
    context: &FileContext,
    spec: &Spec<'_>,
    side: &SideArgs<'_>,
    records: &[StackRecord],
) -> Result<Loaded, u8> {
    match spec {
        Spec::File(path) => {
            let mut parameters = args.parameters.clone();
            parameters.extend(side.parameters.iter().cloned());
            let mut parameter_files = args.parameter_files.clone();
            parameter_files.extend(side.files.iter().cloned());
            let template_args = TemplateArgs {
                parameters,
                parameter_files,
                account_id: args.account_id.clone(),
                ..TemplateArgs::default()
            };
            let mut inputs = context::inputs(
                cli,
                &context.stack_name,
                &template_args,
                context.cloud.as_ref(),
            )
            .map_err(|r| render::fail(cli, &r))?;
            inputs.context.stack_id = context.stack_id.clone();
            let loaded = context::load_template(path, &inputs, &cli.project())
                .map_err(|r| render::fail(cli, &r))?;
            match crate::evaluate::evaluate(&loaded.template, &inputs) {
                Ok(evaluated) => Ok(Loaded {
                    template: crate::source::emit::to_serde(&loaded.document.root),
                    evaluated,
                }),
                Err(ds) => {
                    let mut report = loaded.report;
                    report.diagnostics.extend(ds);
                    report.diagnostics.sort();
                    Err(render::fail(cli, &report))
                }
            }
        }
        Spec::Stack(name) => {
            let Some(stack) = records.iter().find(|s| s.name == *name) else {
                return Err(fail("this is a bug: a `stack:` side was not read"));
            };
            load_stack(cli, stack, side, context.cloud.as_ref())
        }
    }
}

/// A deployed stack's recorded template, evaluated with its recorded parameters (and those given for
/// its side on the command line over them).
fn load_stack(
    cli: &Cli,
    stack: &StackRecord,
    side: &SideArgs<'_>,
    cloud: Option<&MockCloud>,
) -> Result<Loaded, u8> {
    let mut given = Inputs::default();
    let mut sources = crate::source::SourceMap::new();
    for f in side.files {
        if let Err(ds) =
            crate::evaluate::read_parameter_file(f, &mut sources, &mut given.parameters)
        {
            return Err(report_fail(cli, sources, ds));
        }
    }
    let mut parameters: indexmap::IndexMap<String, String> = stack
        .parameters
        .iter()
        .map(|p| (p.key.clone(), p.value.clone()))
        .collect();
    parameters.extend(given.parameters);
    parameters.extend(side.parameters.iter().cloned());
    let account_id = account_of(&stack.id).unwrap_or("123456789012").to_owned();
    let inputs = Inputs {
        parameters,
        context: crate::evaluate::Context {
            region: stack.region.clone(),
            account_id,
            stack_name: stack.name.clone(),
            stack_id: Some(stack.id.clone()),
            ..crate::evaluate::Context::default()
        },
        ssm: cloud
            .map(|c| c.ssm_list().unwrap_or_default().into_iter().collect())
            .unwrap_or_default(),
        ..Inputs::default()
    };
    let text = stack.template.clone();
    let file = sources.add(
        format!("stack `{}` (deployed template)", stack.name),
        text.clone(),
    );
    let limits = crate::source::Limits {
        max_bytes: u64::MAX,
        ..Default::default()
    };
    let loaded = crate::source::load_text(file, &text, crate::source::Format::Json, &limits);
    let Some(document) = loaded.document else {
        return Err(report_fail(cli, sources, loaded.diagnostics));
    };
    let (template, diags) = crate::template::lower(&document, &sources);
    if diags.iter().any(crate::source::Diagnostic::is_error) {
        return Err(report_fail(cli, sources, diags));
    }
    match crate::evaluate::evaluate(&template, &inputs) {
        Ok(evaluated) => Ok(Loaded {
            template: crate::source::emit::to_serde(&document.root),
            evaluated,
        }),
        Err(ds) => Err(report_fail(cli, sources, ds)),
    }
}

/// The account of a stack ARN (`arn:aws:cloudformation:REGION:ACCOUNT:stack/...`).
pub(super) fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

fn report_fail(
    cli: &Cli,
    sources: crate::source::SourceMap,
    ds: impl IntoIterator<Item = crate::source::Diagnostic>,
) -> u8 {
    let mut diagnostics = Diagnostics::new();
    diagnostics.extend(ds);
    diagnostics.sort();
    render::fail(
        cli,
        &Report {
            sources,
            files: Vec::new(),
            diagnostics,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_of_a_stack_arn() {
        assert_eq!(
            account_of("arn:aws:cloudformation:us-east-1:210987654321:stack/s/1"),
            Some("210987654321")
        );
        assert_eq!(account_of("not-an-arn"), None);
        assert_eq!(
            account_of("arn:aws:cloudformation:us-east-1::stack/s/1"),
            None
        );
    }

    #[test]
    fn a_side_is_a_stack_only_with_the_prefix() {
        assert!(matches!(spec("stack:prod"), Spec::Stack("prod")));
        assert!(matches!(spec("stacks/prod.yaml"), Spec::File(_)));
    }
}
