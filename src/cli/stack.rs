//! `cairn plan`, `cairn apply` and `cairn destroy`: plan a stack's creation or deletion, review it, and
//! run it against the mock cloud with the state in the embedded store.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::engine::{Engine, OnFailure, Options, Outcome};
use crate::plan::Plan;

use super::context::{self, Backend, MockArgs, TemplateArgs};
use super::planning::{delete_plan, make_plan};
use super::view::{plan as plan_view, progress::Progress};
use super::{Cli, OutputFormat, exit};

#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    /// The stack's name.
    pub stack: String,
    #[command(flatten)]
    pub template: TemplateArgs,
    /// Plan the stack's deletion instead.
    #[arg(long)]
    pub destroy: bool,
    /// Write the plan to this file, for `cairn apply --plan`.
    #[arg(long, value_name = "PLAN.json")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on errors.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(clap::Args, Debug)]
pub struct ApplyArgs {
    /// The stack's name.
    pub stack: String,
    #[command(flatten)]
    pub template: TemplateArgs,
    /// Apply a saved plan exactly (refused if the stack changed since it was made).
    #[arg(long, value_name = "PLAN.json", conflicts_with = "template")]
    pub plan: Option<PathBuf>,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// What to do when a resource fails to create.
    #[arg(long, value_enum, default_value_t = OnFailureArg::Rollback)]
    pub on_failure: OnFailureArg,
    /// Resources created or deleted at once (0: unlimited).
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    #[command(flatten)]
    pub mock: MockArgs,
}

#[derive(clap::Args, Debug)]
pub struct DestroyArgs {
    /// The stack's name.
    pub stack: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Keep this resource instead of deleting it (repeatable; e.g. to get past a DELETE_FAILED).
    #[arg(long, value_name = "LOGICAL_ID")]
    pub retain: Vec<String>,
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    #[command(flatten)]
    pub mock: MockArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OnFailureArg {
    Rollback,
    Delete,
    DoNothing,
}

pub(super) fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    exit::FAILURE
}

pub fn plan(cli: &Cli, args: &PlanArgs) -> u8 {
    let backend = match context::open(cli, &MockArgs::default(), &args.template.account_id) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let plan = match make_plan(cli, &backend, &args.stack, &args.template, args.destroy) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Some(out) = &args.out {
        let text = serde_json::to_string_pretty(&plan).expect("plans serialize: this is a bug");
        if let Err(e) = std::fs::write(out, text + "\n") {
            return fail(format!("cannot write `{}`: {e}", out.display()));
        }
    }
    let text = match cli.output {
        OutputFormat::Json | OutputFormat::Sarif => {
            serde_json::to_string_pretty(&plan).expect("plans serialize") + "\n"
        }
        OutputFormat::Text => plan_view::text(&plan, std::io::stdout().is_terminal()),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if args.detailed_exitcode && plan.has_changes() {
        exit::CHANGES
    } else {
        exit::OK
    }
}

pub(super) fn engine_options(
    on_failure: OnFailureArg,
    parallelism: usize,
    retain: Vec<String>,
) -> Options {
    Options {
        on_failure: match on_failure {
            OnFailureArg::Rollback => OnFailure::Rollback,
            OnFailureArg::Delete => OnFailure::Delete,
            OnFailureArg::DoNothing => OnFailure::DoNothing,
        },
        parallelism,
        retain,
    }
}

/// Finishes an operation a crash interrupted before anything else touches the stack.
pub(super) fn recover(backend: &Backend, stack: &str, options: &Options) -> Result<(), u8> {
    let engine = Engine {
        store: &backend.store,
        provider: &backend.cloud,
        hook: &crate::engine::Silent,
    };
    match engine.recover(stack, options) {
        Ok(Some(o)) => {
            eprintln!(
                "recovered stack `{stack}` from an interrupted operation: now {}",
                o.stack.status
            );
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(e) => Err(fail(e)),
    }
}

pub(super) fn run(cli: &Cli, backend: &Backend, plan: &Plan, options: &Options, yes: bool) -> u8 {
    if cli.output == OutputFormat::Text {
        let _ = std::io::stdout()
            .lock()
            .write_all(plan_view::text(plan, std::io::stdout().is_terminal()).as_bytes());
    }
    // Only an update can have nothing to do: a create without resources (every condition false) still
    // creates the stack, and a delete plan with no resources left still deletes it.
    if !plan.has_changes() && plan.operation == crate::plan::Operation::Update {
        return exit::OK;
    }
    let verb = if plan.operation == crate::plan::Operation::Delete {
        "destroy"
    } else {
        "apply"
    };
    match context::confirm(
        &format!("Do you want to {verb} stack `{}`?", plan.stack_name),
        yes,
    ) {
        Ok(true) => {}
        Ok(false) => return fail("cancelled"),
        Err(e) => return fail(e),
    }
    let progress = Progress::new(
        cli.output == OutputFormat::Json,
        std::io::stderr().is_terminal(),
    );
    let engine = Engine {
        store: &backend.store,
        provider: &backend.cloud,
        hook: &progress,
    };
    let outcome = engine.apply(plan, options);
    progress.finish();
    match outcome {
        Ok(o) => report(cli, &o),
        Err(e) => fail(e),
    }
}

pub(super) fn report(cli: &Cli, o: &Outcome) -> u8 {
    if cli.output == OutputFormat::Text {
        let mut s = format!("\nstack `{}`: {}", o.stack.name, o.stack.status);
        if let Some(r) = &o.stack.status_reason {
            s.push_str(&format!(" ({})", r.trim()));
        }
        s.push('\n');
        for (id, why) in &o.failed {
            s.push_str(&format!("  failed: {id}: {why}\n"));
        }
        if !o.cancelled.is_empty() {
            s.push_str(&format!(
                "  cancelled (never started): {}\n",
                o.cancelled.join(", ")
            ));
        }
        for out in &o.stack.outputs {
            let v = match &out.value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            s.push_str(&format!("  output {} = {v}\n", out.key));
        }
        let _ = std::io::stdout().lock().write_all(s.as_bytes());
    }
    if o.succeeded() {
        exit::OK
    } else {
        exit::FAILURE
    }
}

pub fn apply(cli: &Cli, args: &ApplyArgs) -> u8 {
    let backend = match context::open(cli, &args.mock, &args.template.account_id) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let options = engine_options(args.on_failure, args.parallelism, Vec::new());
    if let Err(code) = recover(&backend, &args.stack, &options) {
        return code;
    }
    let plan = match &args.plan {
        Some(path) => match read_plan(path, &args.stack) {
            Ok(p) => p,
            Err(e) => return fail(e),
        },
        None => match make_plan(cli, &backend, &args.stack, &args.template, false) {
            Ok(p) => p,
            Err(code) => return code,
        },
    };
    run(cli, &backend, &plan, &options, args.yes)
}

fn read_plan(path: &std::path::Path, stack: &str) -> Result<Plan, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let plan: Plan = serde_json::from_str(&text)
        .map_err(|e| format!("`{}` is not a Cairn plan: {e}", path.display()))?;
    if plan.format != crate::plan::PLAN_FORMAT {
        return Err(format!(
            "`{}` is a plan of format {}, this Cairn reads format {}",
            path.display(),
            plan.format,
            crate::plan::PLAN_FORMAT
        ));
    }
    if plan.stack_name != stack {
        return Err(format!(
            "`{}` is a plan for stack `{}`, not `{stack}`",
            path.display(),
            plan.stack_name
        ));
    }
    Ok(plan)
}

pub fn destroy(cli: &Cli, args: &DestroyArgs) -> u8 {
    let backend = match context::open(cli, &args.mock, "123456789012") {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let options = engine_options(
        OnFailureArg::Rollback,
        args.parallelism,
        args.retain.clone(),
    );
    if let Err(code) = recover(&backend, &args.stack, &options) {
        return code;
    }
    let plan = match delete_plan(&backend, &args.stack, &args.retain) {
        Ok(p) => p,
        Err(code) => return code,
    };
    run(cli, &backend, &plan, &options, args.yes)
}
