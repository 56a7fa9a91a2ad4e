//! `cairn appspec order FILE [--deployment in-place|blue-green] [--platform server|lambda|ecs]`: the
//! lifecycle events of a CodeDeploy deployment in run order, with the file's hooks in place. Also the
//! `--kind` and `--platform` arguments `validate` shares.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::cicd::{self, Deployment, FileKind, Order, Platform, events::RunBy};
use crate::source::{Diagnostics, SourceMap};
use crate::validate::{FileReport, Options, Report};

use super::view;
use super::{Cli, OutputFormat, exit};

#[derive(clap::Subcommand, Debug)]
pub enum AppspecCommand {
    /// Print every lifecycle event of a deployment in the order CodeDeploy runs it, with the file's scripts
    /// or functions in place.
    Order(OrderArgs),
}

#[derive(clap::Args, Debug)]
pub struct OrderArgs {
    /// The AppSpec file.
    pub file: PathBuf,
    /// The deployment type (default: in-place on EC2/On-Premises; Lambda and ECS are blue/green only).
    #[arg(long, value_enum)]
    pub deployment: Option<DeploymentArg>,
    #[command(flatten)]
    pub platform: PlatformArgs,
}

/// The compute platform of AppSpec files, when their sections should not decide it.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct PlatformArgs {
    /// The compute platform of AppSpec files (default: told by the file's sections).
    #[arg(long, value_enum)]
    pub platform: Option<PlatformArg>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlatformArg {
    /// EC2 instances and on-premises servers.
    #[value(alias = "ec2")]
    Server,
    Lambda,
    Ecs,
}

impl From<PlatformArg> for Platform {
    fn from(p: PlatformArg) -> Platform {
        match p {
            PlatformArg::Server => Platform::Server,
            PlatformArg::Lambda => Platform::Lambda,
            PlatformArg::Ecs => Platform::Ecs,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DeploymentArg {
    InPlace,
    BlueGreen,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    Template,
    Appspec,
    Buildspec,
}

impl From<KindArg> for FileKind {
    fn from(k: KindArg) -> FileKind {
        match k {
            KindArg::Template => FileKind::Template,
            KindArg::Appspec => FileKind::AppSpec,
            KindArg::Buildspec => FileKind::Buildspec,
        }
    }
}

pub fn run(cli: &Cli, command: &AppspecCommand) -> u8 {
    match command {
        AppspecCommand::Order(args) => order(cli, args),
    }
}

fn order(cli: &Cli, args: &OrderArgs) -> u8 {
    let mut sources = SourceMap::new();
    let platform = args.platform.platform.map(Platform::from);
    let limits = Options::default().limits;
    let checked = cicd::check_file(
        &args.file,
        FileKind::AppSpec,
        platform,
        &mut sources,
        &limits,
    );
    let mut diagnostics = Diagnostics::new();
    diagnostics.extend(checked.diagnostics);
    diagnostics.sort();
    let failed = diagnostics.has_errors();
    if !diagnostics.is_empty() {
        let report = Report {
            sources,
            files: vec![FileReport {
                path: args.file.clone(),
                file: checked.file,
                document: checked.document,
                template: None,
            }],
            diagnostics,
        };
        let text = view::text::report(&report, 50, view::color_enabled_stderr());
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
    if failed {
        return exit::FAILURE;
    }
    let spec = checked.appspec.unwrap_or_default();
    let deployment = args.deployment.map(|d| match d {
        DeploymentArg::InPlace => Deployment::InPlace,
        DeploymentArg::BlueGreen => Deployment::BlueGreen,
    });
    let order = match cicd::order(&spec, deployment) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let file = args.file.display().to_string();
    let text = match cli.output {
        OutputFormat::Text => render_text(&file, &order),
        OutputFormat::Json | OutputFormat::Sarif => render_json(&file, &order),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    exit::OK
}

#[derive(Serialize)]
struct OrderJson<'a> {
    file: &'a str,
    #[serde(flatten)]
    order: &'a Order,
}

fn render_json(file: &str, order: &Order) -> String {
    let mut s = serde_json::to_string_pretty(&OrderJson { file, order })
        .expect("an order serializes: this is a bug");
    s.push('\n');
    s
}

fn render_text(file: &str, order: &Order) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{file}: {} deployment on {}, {} lifecycle events\n",
        order.deployment,
        order.platform,
        order.steps.len()
    );
    let (hooks_noun, summary_noun) = match order.platform {
        Platform::Server => ("your scripts", "your scripts"),
        _ => ("your function", "your functions"),
    };
    let run_by = |r: RunBy| match r {
        RunBy::Hooks => hooks_noun,
        RunBy::Agent => "CodeDeploy agent",
        RunBy::Service => "CodeDeploy",
    };
    let width = order.steps.iter().map(|s| s.event.len()).max().unwrap_or(0);
    for (i, step) in order.steps.iter().enumerate() {
        let mut when = Vec::new();
        if let Some(instances) = step.instances {
            when.push(match instances {
                cicd::events::Instances::Replacement => "on the replacement instances",
                cicd::events::Instances::Original => "on the original instances",
            });
        }
        if let Some(only) = step.only_when {
            when.push(only.describe());
        }
        let line = format!(
            "{:>3}  {:<width$}  {:<16}  {}",
            i + 1,
            step.event,
            run_by(step.run_by),
            when.join(", ")
        );
        let _ = writeln!(out, "{}", line.trim_end());
        if step.run_by == RunBy::Hooks && step.hooks.is_empty() {
            let _ = writeln!(out, "       (nothing hooked)");
        }
        for hook in &step.hooks {
            let mut details = Vec::new();
            if let Some(t) = hook.timeout {
                details.push(format!("timeout {t} s"));
            }
            if let Some(r) = &hook.runas {
                details.push(format!("runas {r}"));
            }
            let details = if details.is_empty() {
                String::new()
            } else {
                format!(" ({})", details.join(", "))
            };
            let _ = writeln!(out, "       - {}{details}", hook.target);
        }
    }
    let hooked = order.steps.iter().filter(|s| !s.hooks.is_empty()).count();
    let agent = order
        .steps
        .iter()
        .filter(|s| s.run_by == RunBy::Agent)
        .count();
    let _ = write!(
        out,
        "\n{hooked} of {} events run {summary_noun}",
        order.steps.len()
    );
    if agent > 0 {
        let _ = write!(out, "; the CodeDeploy agent runs {agent} itself");
    }
    out.push('\n');
    out
}
