//! Reading stacks: `cairn stacks`, `events`, `resources`, `outputs`, `exports`, and `cairn unlock`.
//! Text tables for people, `--output json` for machines.

use std::io::Write;

use serde::Serialize;

use crate::state::{SqliteStore, StackStatus, StateStore};

use super::{Cli, OutputFormat, context, exit};

#[derive(clap::Args, Debug)]
pub struct StackArg {
    /// The stack's name.
    pub stack: String,
}

#[derive(clap::Args, Debug)]
pub struct StacksArgs {
    /// Include deleted stacks.
    #[arg(long)]
    pub all: bool,
}

#[derive(clap::Args, Debug)]
pub struct UnlockArgs {
    /// The stack's name.
    pub stack: String,
    /// Release the lock even though an operation may still hold it.
    #[arg(long)]
    pub force: bool,
}

fn store(cli: &Cli) -> Result<SqliteStore, u8> {
    SqliteStore::open(&context::state_path(cli)).map_err(|e| {
        eprintln!("error: {e}");
        exit::FAILURE
    })
}

fn print(cli: &Cli, json: &impl Serialize, table: Vec<Vec<String>>) -> u8 {
    let text = if cli.output == OutputFormat::Text {
        let mut widths = Vec::new();
        for row in &table {
            for (i, cell) in row.iter().enumerate() {
                if widths.len() <= i {
                    widths.push(0);
                }
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut s = String::new();
        for row in &table {
            let line: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
                .collect();
            s.push_str(line.join("  ").trim_end());
            s.push('\n');
        }
        s
    } else {
        serde_json::to_string_pretty(json).expect("records serialize") + "\n"
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    exit::OK
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_owned()).collect()
}

fn missing(stack: &str) -> u8 {
    eprintln!("error: stack `{stack}` does not exist");
    exit::FAILURE
}

macro_rules! try_store {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::FAILURE;
            }
        }
    };
}

pub fn stacks(cli: &Cli, args: &StacksArgs) -> u8 {
    let store = match store(cli) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let mut list = try_store!(store.stacks());
    if !args.all {
        list.retain(|s| s.status != StackStatus::DELETE_COMPLETE);
    }
    let mut table = vec![row(&["NAME", "STATUS", "UPDATED", "REASON"])];
    for s in &list {
        table.push(vec![
            s.name.clone(),
            s.status.to_string(),
            s.updated_at.clone(),
            s.status_reason.clone().unwrap_or_default(),
        ]);
    }
    let shown: Vec<_> = list.iter().map(|s| masked(s.clone())).collect();
    print(cli, &shown, table)
}

/// A stack record for display: NoEcho parameter values as `****`.
fn masked(mut s: crate::state::StackRecord) -> crate::state::StackRecord {
    for p in &mut s.parameters {
        if p.no_echo {
            p.value = crate::evaluate::MASK.to_owned();
            if p.resolved.is_some() {
                p.resolved = Some(crate::evaluate::MASK.to_owned());
            }
        }
    }
    s
}

pub fn events(cli: &Cli, args: &StackArg) -> u8 {
    let store = match store(cli) {
        Ok(s) => s,
        Err(c) => return c,
    };
    if try_store!(store.stack(&args.stack)).is_none() {
        return missing(&args.stack);
    }
    let events = try_store!(store.events(&args.stack));
    let mut table = vec![row(&[
        "TIMESTAMP",
        "LOGICAL ID",
        "TYPE",
        "STATUS",
        "REASON",
    ])];
    for e in &events {
        table.push(vec![
            e.timestamp.clone(),
            e.logical_id.clone(),
            e.resource_type.clone(),
            e.status.clone(),
            e.status_reason.clone().unwrap_or_default(),
        ]);
    }
    print(cli, &events, table)
}

pub fn resources(cli: &Cli, args: &StackArg) -> u8 {
    let store = match store(cli) {
        Ok(s) => s,
        Err(c) => return c,
    };
    if try_store!(store.stack(&args.stack)).is_none() {
        return missing(&args.stack);
    }
    let resources = try_store!(store.resources(&args.stack));
    let mut table = vec![row(&["LOGICAL ID", "TYPE", "PHYSICAL ID", "STATUS"])];
    for r in &resources {
        table.push(vec![
            r.logical_id.clone(),
            r.resource_type.clone(),
            r.physical_id.clone().unwrap_or_default(),
            r.status.to_string(),
        ]);
    }
    print(cli, &resources, table)
}

pub fn outputs(cli: &Cli, args: &StackArg) -> u8 {
    let store = match store(cli) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let Some(stack) = try_store!(store.stack(&args.stack)) else {
        return missing(&args.stack);
    };
    let mut table = vec![row(&["KEY", "VALUE", "EXPORT", "DESCRIPTION"])];
    for o in &stack.outputs {
        let v = match &o.value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        table.push(vec![
            o.key.clone(),
            v,
            o.export_name.clone().unwrap_or_default(),
            o.description.clone().unwrap_or_default(),
        ]);
    }
    print(cli, &stack.outputs, table)
}

pub fn exports(cli: &Cli) -> u8 {
    let store = match store(cli) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let exports = try_store!(store.exports());
    let mut table = vec![row(&["NAME", "VALUE", "STACK"])];
    for e in &exports {
        table.push(vec![e.name.clone(), e.value.clone(), e.stack_name.clone()]);
    }
    print(cli, &exports, table)
}

pub fn unlock(cli: &Cli, args: &UnlockArgs) -> u8 {
    let store = match store(cli) {
        Ok(s) => s,
        Err(c) => return c,
    };
    if !args.force {
        eprintln!(
            "error: `cairn unlock` needs --force: releasing a lock an operation still holds can corrupt the stack"
        );
        return exit::USAGE;
    }
    match try_store!(store.force_unlock(&args.stack)) {
        Some(l) => println!(
            "released the lock of stack `{}` held by operation `{}` ({}) since {}",
            l.stack_name, l.operation_id, l.operation, l.since
        ),
        None => println!("stack `{}` was not locked", args.stack),
    }
    exit::OK
}
