//! `cairn graph FILE [-p K=V]... [--format dot|mermaid|json] [--cluster-by type|module]`: the dependency
//! graph of the stack the template yields for the given parameters (conditions applied).

use std::io::Write;
use std::path::PathBuf;

use crate::evaluate::{self, Inputs};
use crate::validate::{Options, validate_paths};

use super::view::graph::{self as view, ClusterBy};
use super::{Cli, exit, render};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Dot,
    Mermaid,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The template file (YAML or JSON).
    pub file: PathBuf,
    /// A parameter value, `KEY=VALUE` (repeatable).
    #[arg(short = 'p', long = "parameter", value_name = "KEY=VALUE", value_parser = render::parse_kv)]
    pub parameters: Vec<(String, String)>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    pub format: Format,
    /// Group nodes into clusters.
    #[arg(long, value_enum)]
    pub cluster_by: Option<ClusterBy>,
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
        return render::fail(cli, &report);
    }
    let Some(template) = report.files[0].template.clone() else {
        return render::fail(cli, &report);
    };
    let inputs = Inputs {
        parameters: args.parameters.iter().cloned().collect(),
        context: evaluate::Context {
            region: cli.region.clone(),
            ..evaluate::Context::default()
        },
        ..Inputs::default()
    };
    let conditions = match evaluate::evaluate(&template, &inputs) {
        Ok(e) => e.conditions,
        Err(ds) => {
            report.diagnostics.extend(ds);
            report.diagnostics.sort();
            return render::fail(cli, &report);
        }
    };
    let g = crate::graph::build(&template, &conditions);
    let text = match args.format {
        Format::Dot => view::dot(&g, args.cluster_by),
        Format::Mermaid => view::mermaid(&g, args.cluster_by),
        Format::Json => view::json(&g, &report.sources),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    exit::OK
}
