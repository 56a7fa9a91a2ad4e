//! What the stack commands share: opening the state store and the mock cloud beside it, reading a
//! template into its processed form, and asking for confirmation.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::evaluate::{Context, Inputs};
use crate::provider::{FailRule, Latency, MockCloud, MockOptions};
use crate::source::{Diagnostic, Document};
use crate::state::SqliteStore;
use crate::template::Template;
use crate::validate::{Options as ValidateOptions, Report, validate_paths};

use super::Cli;

/// Flags that shape the mock cloud (on commands that call it).
#[derive(clap::Args, Debug, Clone)]
pub struct MockArgs {
    /// Simulated latency per resource operation: `0`, `fast`, `realistic`, or milliseconds.
    #[arg(long, default_value = "fast", value_parser = parse_latency)]
    pub mock_latency: Latency,
    /// Fail this resource's operation: `LOGICAL_ID` or `LOGICAL_ID:create|update|delete` (repeatable).
    #[arg(long, value_name = "LOGICAL_ID[:OP]")]
    pub mock_fail: Vec<FailRule>,
    /// Fail this share of operations at random (0 to 1), reproducibly for a `--seed`.
    #[arg(long, default_value_t = 0.0)]
    pub mock_fail_rate: f64,
    /// Seed of the mock cloud's ids and random failures.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// `0`, `fast`, `realistic`, or milliseconds per operation.
fn parse_latency(s: &str) -> Result<Latency, String> {
    match s {
        "0" | "zero" | "none" => Ok(Latency::Zero),
        "fast" => Ok(Latency::Fast),
        "realistic" => Ok(Latency::Realistic),
        ms => ms
            .parse::<u64>()
            .map(|n| Latency::Fixed(std::time::Duration::from_millis(n)))
            .map_err(|_| {
                format!(
                    "expected `0`, `fast`, `realistic` or a number of milliseconds, found `{ms}`"
                )
            }),
    }
}

impl Default for MockArgs {
    fn default() -> Self {
        MockArgs {
            mock_latency: Latency::Zero,
            mock_fail: Vec::new(),
            mock_fail_rate: 0.0,
            seed: 0,
        }
    }
}

/// Template input flags shared by `plan` and `apply`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TemplateArgs {
    /// The template file (YAML or JSON).
    #[arg(short = 't', long = "template", value_name = "FILE")]
    pub template: Option<PathBuf>,
    /// A parameter value, `KEY=VALUE` (repeatable; wins over parameter files).
    #[arg(short = 'p', long = "parameter", value_name = "KEY=VALUE", value_parser = super::render::parse_kv)]
    pub parameters: Vec<(String, String)>,
    /// A parameter file: the aws cli's `[{"ParameterKey": ..., "ParameterValue": ...}]` or a plain map.
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameter_files: Vec<PathBuf>,
    /// AWS::AccountId of the mock account.
    #[arg(long, default_value = "123456789012")]
    pub account_id: String,
    /// Keep this parameter's deployed value (repeatable; updates only).
    #[arg(long, value_name = "KEY")]
    pub use_previous: Vec<String>,
    /// Update with the deployed template instead of a file (new parameter values only).
    #[arg(long)]
    pub use_previous_template: bool,
}

pub fn state_path(cli: &Cli) -> PathBuf {
    cli.state
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::state::DEFAULT_PATH))
}

/// The state store and the mock cloud (its own file, `mock.db`, beside the state store).
pub struct Backend {
    pub store: SqliteStore,
    pub cloud: MockCloud,
}

pub fn open(cli: &Cli, mock: &MockArgs, account_id: &str) -> Result<Backend, String> {
    let path = state_path(cli);
    let store = SqliteStore::open(&path).map_err(|e| e.to_string())?;
    let options = MockOptions {
        seed: mock.seed,
        account_id: account_id.to_owned(),
        region: cli.region.clone(),
        latency: mock.mock_latency,
        fail: mock.mock_fail.clone(),
        fail_rate: mock.mock_fail_rate,
    };
    let cloud = MockCloud::open(&mock_path(&path), options).map_err(|e| e.to_string())?;
    // A mock cloud with latency makes every command on it a run that waits: tune the process for that.
    crate::engine::tune_for(crate::provider::Provider::calls_wait(&cloud));
    Ok(Backend { store, cloud })
}

pub fn mock_path(state: &Path) -> PathBuf {
    state.parent().unwrap_or(Path::new(".")).join("mock.db")
}

/// A template ready to plan: validated, transformed, lowered.
pub struct Loaded {
    pub report: Report,
    pub document: Document,
    pub template: std::sync::Arc<Template>,
}

/// Validates, expands and lowers a template; `Err` carries the report with its diagnostics.
pub fn load_template(
    file: &Path,
    inputs: &Inputs,
    project: &crate::transform::ProjectOptions,
) -> Result<Loaded, Report> {
    let options = ValidateOptions {
        project: project.clone(),
        ..ValidateOptions::default()
    };
    let mut report = validate_paths(&[file.to_owned()], &options);
    if report.diagnostics.has_errors() {
        return Err(report);
    }
    let Some(doc) = report.files[0].document.clone() else {
        return Err(report);
    };
    let options = crate::transform::ExpandOptions {
        parameters: inputs.parameters.clone(),
        pseudo: crate::transform::PseudoParameters {
            region: Some(inputs.context.region.clone()),
            account_id: Some(inputs.context.account_id.clone()),
            stack_name: Some(inputs.context.stack_name.clone()),
            ..Default::default()
        },
        ..Default::default()
    };
    let document = match crate::transform::expand(&doc, &report.sources, &options) {
        Ok(d) => d,
        Err(ds) => {
            report.diagnostics.extend(ds);
            report.diagnostics.sort();
            return Err(report);
        }
    };
    let (template, diags) = crate::template::lower(&document, &report.sources);
    if diags.iter().any(Diagnostic::is_error) {
        report.diagnostics.extend(diags);
        report.diagnostics.sort();
        return Err(report);
    }
    Ok(Loaded {
        report,
        document,
        template: std::sync::Arc::new(template),
    })
}

/// Evaluation inputs from the command line.
pub fn inputs(
    cli: &Cli,
    stack: &str,
    args: &TemplateArgs,
    cloud: Option<&MockCloud>,
) -> Result<Inputs, Report> {
    let mut sources = crate::source::SourceMap::new();
    let mut parameters = IndexMap::new();
    for f in &args.parameter_files {
        if let Err(ds) = crate::evaluate::read_parameter_file(f, &mut sources, &mut parameters) {
            let mut diagnostics = crate::source::Diagnostics::new();
            diagnostics.extend(ds);
            return Err(Report {
                sources,
                files: Vec::new(),
                diagnostics,
            });
        }
    }
    parameters.extend(args.parameters.iter().cloned());
    let ssm = cloud
        .map(|c| c.ssm_list().unwrap_or_default().into_iter().collect())
        .unwrap_or_default();
    Ok(Inputs {
        parameters,
        context: Context {
            region: cli.region.clone(),
            account_id: args.account_id.clone(),
            stack_name: stack.to_owned(),
            ..Context::default()
        },
        ssm,
        ..Inputs::default()
    })
}

/// Asks `question` on a terminal; without one, refuses unless `yes`.
pub fn confirm(question: &str, yes: bool) -> Result<bool, String> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(
            "not asking for confirmation without a terminal: pass --yes to proceed".to_owned(),
        );
    }
    eprint!("{question} Only 'yes' will be accepted: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim() == "yes")
}
