//! `cairn validate FILE... [--strict] [--max-diagnostics N] [--allow-type PATTERN]... [--kind KIND]
//! [--platform PLATFORM]`: templates, and CodeDeploy AppSpec and CodeBuild buildspec files.

use std::io::Write;
use std::path::PathBuf;

use crate::validate::{Options, validate_paths};

use super::view;
use super::{Cli, OutputFormat, exit};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Template files (YAML or JSON); `appspec.yml|yaml|json` and `buildspec*.yml|yaml` are checked as
    /// CodeDeploy AppSpec and CodeBuild buildspec files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Treat the places where Cairn is more lenient than CloudFormation as errors.
    #[arg(long)]
    pub strict: bool,
    /// Most diagnostics printed in text output; the rest are counted.
    #[arg(long, default_value_t = 50)]
    pub max_diagnostics: usize,
    /// Accept resources of the types matching PATTERN (`*` wildcards, e.g. `MyOrg::*`) with any property and
    /// attribute; may be repeated.
    #[arg(long = "allow-type", value_name = "PATTERN")]
    pub allow_types: Vec<String>,
    /// Check every file as this kind, whatever its name.
    #[arg(long, value_enum)]
    pub kind: Option<super::appspec::KindArg>,
    #[command(flatten)]
    pub platform: super::appspec::PlatformArgs,
}

pub fn run(cli: &Cli, args: &Args) -> u8 {
    let options = Options {
        strict: args.strict,
        allow_types: args.allow_types.clone(),
        project: cli.project(),
        kind: args.kind.map(Into::into),
        platform: args.platform.platform.map(Into::into),
        ..Options::default()
    };
    let report = validate_paths(&args.files, &options);
    let text = match cli.output {
        OutputFormat::Text => {
            view::text::report(&report, args.max_diagnostics, view::color_enabled())
        }
        OutputFormat::Json => view::json::report(&report),
        OutputFormat::Sarif => view::sarif::report(&report),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if report.diagnostics.has_errors() {
        exit::FAILURE
    } else {
        exit::OK
    }
}
