//! `cairn mock ...`: look at the mock cloud and change it behind Cairn's back (for drift demos and
//! tests): list resources, set a property, delete a resource, put an SSM parameter.

use std::io::Write;

use crate::provider::{MockCloud, MockOptions};

use super::{Cli, OutputFormat, context, exit};

#[derive(clap::Subcommand, Debug)]
pub enum MockCommand {
    /// Every physical resource in the mock cloud.
    List,
    /// Change a property of a resource: PROPERTY is a dotted path (`Tags.0.Value`; the index one past
    /// the end of a list appends), VALUE is JSON or a plain string, `null` removes the property.
    Set {
        physical_id: String,
        property: String,
        value: String,
    },
    /// Delete a resource behind Cairn's back.
    Delete { physical_id: String },
    /// The mock SSM parameter store.
    #[command(subcommand)]
    Ssm(SsmCommand),
}

#[derive(clap::Subcommand, Debug)]
pub enum SsmCommand {
    /// Put a parameter.
    Put { name: String, value: String },
    /// List the parameters.
    List,
}

fn cloud(cli: &Cli) -> Result<MockCloud, u8> {
    let path = context::mock_path(&context::state_path(cli));
    let options = MockOptions {
        region: cli.region.clone(),
        ..MockOptions::default()
    };
    MockCloud::open(&path, options).map_err(|e| {
        eprintln!("error: {e}");
        exit::FAILURE
    })
}

pub fn run(cli: &Cli, command: &MockCommand) -> u8 {
    let cloud = match cloud(cli) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let result = match command {
        MockCommand::List => cloud.list().map(|list| {
            let text = if cli.output == OutputFormat::Text {
                let mut s = String::new();
                for r in &list {
                    s.push_str(&format!(
                        "{:<40} {:<36} {}\n",
                        r.physical_id,
                        r.resource_type,
                        r.stack_name
                            .as_deref()
                            .map(|st| format!("{st}/{}", r.logical_id))
                            .unwrap_or_else(|| "(account)".into())
                    ));
                }
                s
            } else {
                serde_json::to_string_pretty(&list).expect("resources serialize") + "\n"
            };
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }),
        MockCommand::Set {
            physical_id,
            property,
            value,
        } => {
            let v = serde_json::from_str(value)
                .unwrap_or_else(|_| serde_json::Value::String(value.clone()));
            cloud.set_property(physical_id, property, v)
        }
        MockCommand::Delete { physical_id } => cloud.delete_behind_back(physical_id),
        MockCommand::Ssm(SsmCommand::Put { name, value }) => cloud.ssm_put(name, value),
        MockCommand::Ssm(SsmCommand::List) => cloud.ssm_list().map(|list| {
            for (k, v) in list {
                println!("{k} = {v}");
            }
        }),
    };
    match result {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: {e}");
            exit::FAILURE
        }
    }
}
