//! `cairn drift STACK`: reads each resource of a deployed stack from the mock cloud and compares it with
//! the properties as applied ([`crate::drift::detect`]); prints CloudFormation's drift statuses as text
//! or, with `--output json`, in CloudFormation's JSON field names. Exit 0 in sync, 3 (`exit::DRIFTED`)
//! when drifted.

use std::io::Write;

use crate::provider::{MockCloud, MockOptions};
use crate::state::{SqliteStore, StackStatus, StateStore};

use super::{Cli, OutputFormat, context, exit, view};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The stack's name.
    pub stack: String,
}

fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    exit::FAILURE
}

pub fn run(cli: &Cli, args: &Args) -> u8 {
    let path = context::state_path(cli);
    let store = match SqliteStore::open(&path) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let stack = match store.stack(&args.stack) {
        Ok(Some(s)) if s.status != StackStatus::DELETE_COMPLETE => s,
        Ok(_) => return fail(format!("stack `{}` does not exist", args.stack)),
        Err(e) => return fail(e),
    };
    if stack.status.is_in_progress() || stack.status == StackStatus::REVIEW_IN_PROGRESS {
        return fail(format!(
            "stack `{}` is {}: drift is detected on stacks in a stable state",
            stack.name, stack.status
        ));
    }
    let resources = match store.resources(&stack.name) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let options = MockOptions {
        account_id: super::diff::account_of(&stack.id)
            .unwrap_or("123456789012")
            .to_owned(),
        region: stack.region.clone(),
        ..MockOptions::default()
    };
    let cloud = match MockCloud::open(&context::mock_path(&path), options) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let drift = crate::drift::detect(&stack, &resources, &cloud);
    let text = match cli.output {
        OutputFormat::Json | OutputFormat::Sarif => {
            serde_json::to_string_pretty(&drift).expect("drift serializes") + "\n"
        }
        OutputFormat::Text => view::drift::text(&drift, view::color_enabled()),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    match drift.stack_drift_status {
        crate::drift::StackDriftStatus::IN_SYNC => exit::OK,
        crate::drift::StackDriftStatus::DRIFTED => exit::DRIFTED,
    }
}
