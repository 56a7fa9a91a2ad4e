//! Stage `cli`: the command line. Parses arguments with clap, calls the library, and renders its data
//! (diagnostics, later plans and events) as text, JSON or SARIF. Holds no logic a library user would need.

mod appspec;
mod changeset;
mod context;
mod diff;
mod drift;
mod fmt;
mod graph;
mod inspect;
mod mock;
mod planning;
mod render;
mod rollback;
mod snippet;
mod stack;
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
    /// With `--detailed-exitcode`: the plan has changes.
    pub const CHANGES: u8 = 2;
    /// `cairn drift`: the stack has drifted (a resource was modified or deleted behind Cairn's back).
    pub const DRIFTED: u8 = 3;
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
    /// An extra snippet root, searched after the project's `snippets/` (repeatable).
    #[arg(long = "snippets", global = true, value_name = "DIR")]
    pub snippet_roots: Vec<PathBuf>,
    /// A local mirror of S3 for `s3://bucket/key` include locations: `DIR/bucket/key`.
    #[arg(long, global = true, value_name = "DIR")]
    pub s3_root: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Where modules, includes and snippets may be read from: the current directory is the project root.
    pub fn project(&self) -> crate::transform::ProjectOptions {
        crate::transform::ProjectOptions {
            project_root: None,
            snippet_roots: self.snippet_roots.clone(),
            s3_root: self.s3_root.clone(),
            snippets: crate::transform::SnippetCache::default(),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check templates and report every problem with its file:line:col.
    Validate(validate::Args),
    /// Print the template in long form; with --resolve, the desired stack for given parameters.
    Render(render::Args),
    /// Rewrite templates in canonical form (short-form tags, two-space indent); comments are not preserved.
    Fmt(fmt::Args),
    /// List the snippet library, or render one snippet with given inputs.
    #[command(subcommand)]
    Snippet(snippet::SnippetCommand),
    /// Draw the dependency graph (DOT, Mermaid or JSON).
    Graph(graph::Args),
    /// Plan a stack's creation (or deletion with --destroy) without changing anything.
    Plan(stack::PlanArgs),
    /// Create a stack from a template or a saved plan, against the mock cloud.
    Apply(stack::ApplyArgs),
    /// Delete a stack and its resources.
    Destroy(stack::DestroyArgs),
    /// List the stacks in the state store.
    Stacks(inspect::StacksArgs),
    /// A stack's event log.
    Events(inspect::StackArg),
    /// A stack's resources.
    Resources(inspect::StackArg),
    /// A stack's outputs.
    Outputs(inspect::StackArg),
    /// Every export of the region.
    Exports,
    /// Release a stack's lock left by an operation that no longer runs.
    Unlock(inspect::UnlockArgs),
    /// Compare two templates (files or `stack:NAME`): every section, and what deploying B instead of A
    /// does to each resource.
    Diff(diff::Args),
    /// Compare a stack's resources as applied with the mock cloud's (CloudFormation's drift detection).
    Drift(drift::Args),
    /// Look at or change the mock cloud.
    #[command(subcommand)]
    Mock(mock::MockCommand),
    /// Change sets: create one for review, describe, execute, delete, list.
    #[command(subcommand)]
    Changeset(changeset::Command),
    /// Finish an update rollback that failed (UPDATE_ROLLBACK_FAILED), optionally skipping resources.
    ContinueRollback(rollback::ContinueArgs),
    /// Roll back a stack left in UPDATE_FAILED or CREATE_FAILED to its last stable state.
    Rollback(rollback::RollbackArgs),
    /// Work with CodeDeploy AppSpec files.
    #[command(subcommand)]
    Appspec(appspec::AppspecCommand),
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
        Command::Fmt(args) => fmt::run(&cli, args),
        Command::Snippet(command) => snippet::run(&cli, command),
        Command::Graph(args) => graph::run(&cli, args),
        Command::Plan(args) => stack::plan(&cli, args),
        Command::Apply(args) => stack::apply(&cli, args),
        Command::Destroy(args) => stack::destroy(&cli, args),
        Command::Stacks(args) => inspect::stacks(&cli, args),
        Command::Events(args) => inspect::events(&cli, args),
        Command::Resources(args) => inspect::resources(&cli, args),
        Command::Outputs(args) => inspect::outputs(&cli, args),
        Command::Exports => inspect::exports(&cli),
        Command::Unlock(args) => inspect::unlock(&cli, args),
        Command::Diff(args) => diff::run(&cli, args),
        Command::Drift(args) => drift::run(&cli, args),
        Command::Mock(command) => mock::run(&cli, command),
        Command::Changeset(command) => changeset::run(&cli, command),
        Command::ContinueRollback(args) => rollback::continue_rollback(&cli, args),
        Command::Rollback(args) => rollback::rollback(&cli, args),
        Command::Appspec(command) => appspec::run(&cli, command),
    };
    ExitCode::from(code)
}
