//! Stage `cli`: the command line. Parses arguments with clap, calls the library, and renders its data
//! (diagnostics, later plans and events) as text, JSON or SARIF. Holds no logic a library user would need.

mod graph;
mod render;
mod validate;
mod view;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit codes, each pinned by a process-level test.
pub mod exit {
    /// Success: no errors (warnings allowed).
    pub const OK: u8 = 0;
    /// The command ran and found errors (or failed).
    pub const FAILURE: u8 = 1;
    /// The command line itself was wrong (sysexits' EX_USAGE).
    pub const USAGE: u8 = 64;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Parser, Debug)]
#[command(
    name = "cairn",
    version,
    about = "Plan, rehearse and apply CloudFormation templates",
    propagate_version = true
)]
pub struct Cli {
    /// Region of the stack (pseudo parameter AWS::Region).
    #[arg(long, global = true, default_value = "us-east-1")]
    pub region: String,
    /// Path of the state store (default `.cairn/state.db`; also CAIRN_STATE).
    #[arg(long, global = true, env = "CAIRN_STATE")]
    pub state: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check templates and report every problem with its file:line:col.
    Validate(validate::Args),
    /// Print the template in long form; with --resolve, the desired stack for given parameters.
    Render(render::Args),
    /// Draw the dependency graph (DOT, Mermaid or JSON).
    Graph(graph::Args),
}

/// Runs the command line; returns the process exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    let code = match &cli.command {
        Command::Validate(args) => validate::run(&cli, args),
        Command::Render(args) => render::run(&cli, args),
        Command::Graph(args) => graph::run(&cli, args),
    };
    ExitCode::from(code)
}
