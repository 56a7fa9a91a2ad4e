//! `cairn changeset create|describe|execute|delete|list`: continuous delivery's review step. A change set
//! is a plan saved in the state store under a name; `describe --output json` prints it in
//! CloudFormation's `DescribeChangeSet` shape.

use std::io::{IsTerminal, Write};

use crate::engine::Engine;
use crate::plan::Plan;
use crate::state::ChangeSetRecord;

use super::context::{self, MockArgs, TemplateArgs};
use super::planning::make_plan;
use super::stack::{OnFailureArg, engine_options, fail, recover, report};
use super::view::{plan as plan_view, progress::Progress};
use super::{Cli, OutputFormat, exit};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Plan a change to a stack (or a new stack) and save it for review.
    Create(CreateArgs),
    /// Show a change set: its status and its changes.
    Describe(NameArgs),
    /// Execute a change set exactly as reviewed.
    Execute(ExecuteArgs),
    /// Delete a change set.
    Delete(NameArgs),
    /// List a stack's change sets.
    List(ListArgs),
}

#[derive(clap::Args, Debug)]
pub struct CreateArgs {
    pub stack: String,
    /// The change set's name.
    pub name: String,
    #[command(flatten)]
    pub template: TemplateArgs,
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct NameArgs {
    pub stack: String,
    pub name: String,
}

#[derive(clap::Args, Debug)]
pub struct ExecuteArgs {
    pub stack: String,
    pub name: String,
    /// What to do when a resource fails.
    #[arg(long, value_enum, default_value_t = OnFailureArg::Rollback)]
    pub on_failure: OnFailureArg,
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    #[command(flatten)]
    pub mock: MockArgs,
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    pub stack: String,
}

pub fn run(cli: &Cli, command: &Command) -> u8 {
    let mock = match command {
        Command::Execute(a) => a.mock.clone(),
        _ => MockArgs::default(),
    };
    let account = match command {
        Command::Create(a) => a.template.account_id.clone(),
        _ => "123456789012".to_owned(),
    };
    let backend = match context::open(cli, &mock, &account) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let engine = Engine {
        store: &backend.store,
        provider: &backend.cloud,
        hook: &crate::engine::Silent,
    };
    match command {
        Command::Create(a) => {
            let plan = match make_plan(cli, &backend, &a.stack, &a.template, false) {
                Ok(p) => p,
                Err(code) => return code,
            };
            match engine.create_change_set(&plan, &a.name, a.description.clone()) {
                Ok(record) => {
                    print(cli, &record, &plan);
                    exit::OK
                }
                Err(e) => fail(e),
            }
        }
        Command::Describe(a) => match engine.change_set(&a.stack, &a.name) {
            Ok(record) => match serde_json::from_value::<Plan>(record.plan.clone()) {
                Ok(plan) => {
                    print(cli, &record, &plan);
                    exit::OK
                }
                Err(e) => fail(format!(
                    "change set `{}` holds no readable plan: {e}",
                    a.name
                )),
            },
            Err(e) => fail(e),
        },
        Command::Execute(a) => {
            let options = engine_options(a.on_failure, a.parallelism, Vec::new());
            if let Err(code) = recover(&backend, &a.stack, &options) {
                return code;
            }
            let progress = Progress::new(
                cli.output == OutputFormat::Json,
                std::io::stderr().is_terminal(),
            );
            let engine = Engine {
                hook: &progress,
                ..engine
            };
            let outcome = engine.execute_change_set(&a.stack, &a.name, &options);
            progress.finish();
            match outcome {
                Ok(o) => report(cli, &o),
                Err(e) => fail(e),
            }
        }
        Command::Delete(a) => match engine.delete_change_set(&a.stack, &a.name) {
            Ok(()) => {
                if cli.output == OutputFormat::Text {
                    println!("deleted change set `{}` of stack `{}`", a.name, a.stack);
                }
                exit::OK
            }
            Err(e) => fail(e),
        },
        Command::List(a) => match backend_list(&engine, &a.stack) {
            Ok(list) => {
                let text = match cli.output {
                    OutputFormat::Text => list_text(&list),
                    _ => {
                        let summaries: Vec<serde_json::Value> = list.iter().map(summary).collect();
                        serde_json::to_string_pretty(&serde_json::json!({ "Summaries": summaries }))
                            .expect("json")
                            + "\n"
                    }
                };
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
                exit::OK
            }
            Err(e) => fail(e),
        },
    }
}

fn backend_list(engine: &Engine<'_>, stack: &str) -> Result<Vec<ChangeSetRecord>, String> {
    engine.store.change_sets(stack).map_err(|e| e.to_string())
}

fn print(cli: &Cli, record: &ChangeSetRecord, plan: &Plan) {
    let text = match cli.output {
        OutputFormat::Text => {
            let mut s = format!(
                "change set `{}` of stack `{}` ({}): {} / {}",
                record.name,
                record.stack_name,
                record.change_set_type,
                record.status,
                record.execution_status
            );
            if let Some(r) = &record.status_reason {
                s.push_str(&format!("\n  {r}"));
            }
            s.push_str("\n\n");
            s.push_str(&plan_view::text(plan, std::io::stdout().is_terminal()));
            s
        }
        _ => serde_json::to_string_pretty(&describe(record, plan)).expect("json") + "\n",
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// CloudFormation's `DescribeChangeSet` response shape.
pub fn describe(record: &ChangeSetRecord, plan: &Plan) -> serde_json::Value {
    let changes: Vec<serde_json::Value> = plan
        .changes
        .iter()
        .map(|c| serde_json::json!({ "Type": "Resource", "ResourceChange": c }))
        .collect();
    let parameters: Vec<serde_json::Value> = plan
        .parameters
        .iter()
        .map(|p| {
            serde_json::json!({
                "ParameterKey": p.key,
                "ParameterValue": if p.no_echo { crate::evaluate::MASK } else { p.value.as_str() },
            })
        })
        .collect();
    let mut v = summary(record);
    let m = v.as_object_mut().expect("an object");
    m.insert("Parameters".into(), parameters.into());
    m.insert("Changes".into(), changes.into());
    v
}

fn summary(record: &ChangeSetRecord) -> serde_json::Value {
    serde_json::json!({
        "ChangeSetName": record.name,
        "ChangeSetId": record.id,
        "StackName": record.stack_name,
        "ChangeSetType": record.change_set_type,
        "Status": record.status,
        "ExecutionStatus": record.execution_status,
        "StatusReason": record.status_reason,
        "Description": record.description,
        "CreationTime": record.created_at,
    })
}

fn list_text(list: &[ChangeSetRecord]) -> String {
    if list.is_empty() {
        return "no change sets\n".to_owned();
    }
    let width = list.iter().map(|c| c.name.len()).max().unwrap_or(0);
    list.iter()
        .map(|c| {
            format!(
                "{:<width$}  {:<6}  {:<15}  {:<20}  {}\n",
                c.name, c.change_set_type, c.status, c.execution_status, c.created_at
            )
        })
        .collect()
}
