//! `cairn continue-rollback` and `cairn rollback`: finishing an update rollback that failed, and rolling
//! back a stack an operation left in UPDATE_FAILED or CREATE_FAILED (`--on-failure do-nothing`).

use crate::engine::Engine;

use super::context::{self, MockArgs};
use super::stack::{OnFailureArg, engine_options, fail, recover, report};
use super::view::progress::Progress;
use super::{Cli, OutputFormat};

#[derive(clap::Args, Debug)]
pub struct ContinueArgs {
    /// The stack (in UPDATE_ROLLBACK_FAILED).
    pub stack: String,
    /// Take this resource as rolled back without calling the cloud (repeatable; only resources whose
    /// rollback failed).
    #[arg(long, value_name = "LOGICAL_ID")]
    pub skip: Vec<String>,
    #[command(flatten)]
    pub mock: MockArgs,
}

#[derive(clap::Args, Debug)]
pub struct RollbackArgs {
    /// The stack (in UPDATE_FAILED or CREATE_FAILED).
    pub stack: String,
    #[command(flatten)]
    pub mock: MockArgs,
}

pub fn continue_rollback(cli: &Cli, args: &ContinueArgs) -> u8 {
    with_engine(cli, &args.stack, &args.mock, |engine, options| {
        engine.continue_rollback(&args.stack, &args.skip, options)
    })
}

pub fn rollback(cli: &Cli, args: &RollbackArgs) -> u8 {
    with_engine(cli, &args.stack, &args.mock, |engine, options| {
        engine.rollback(&args.stack, options)
    })
}

fn with_engine(
    cli: &Cli,
    stack: &str,
    mock: &MockArgs,
    f: impl FnOnce(
        &Engine<'_>,
        &crate::engine::Options,
    ) -> crate::engine::Result<crate::engine::Outcome>,
) -> u8 {
    let backend = match context::open(cli, mock, "123456789012") {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let options = engine_options(OnFailureArg::Rollback, 10, Vec::new());
    if let Err(code) = recover(&backend, stack, &options) {
        return code;
    }
    let progress = Progress::new(
        cli.output == OutputFormat::Json,
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
    );
    let engine = Engine {
        store: &backend.store,
        provider: &backend.cloud,
        hook: &progress,
    };
    let outcome = f(&engine, &options);
    progress.finish();
    match outcome {
        Ok(o) => report(cli, &o),
        Err(e) => fail(e),
    }
}
