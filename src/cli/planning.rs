//! Making plans from the command line: a create plan for a new stack, an update plan for an existing
//! one (with `--use-previous` values and `--use-previous-template`), a delete plan; and what they need
//! from the store (exports, the stacks that import this one's exports).

use crate::plan::{Plan, UpdateInputs, plan_create, plan_delete, plan_update, update_allowed};
use crate::state::{StackStatus, StateStore};

use super::context::{self, Backend, TemplateArgs};
use super::{Cli, render};

fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    super::exit::FAILURE
}

/// Builds a create plan (new stack), an update plan (existing stack) from the template flags, or a
/// delete plan.
pub(super) fn make_plan(
    cli: &Cli,
    backend: &Backend,
    stack: &str,
    args: &TemplateArgs,
    destroy: bool,
) -> Result<Plan, u8> {
    if destroy {
        return delete_plan(backend, stack, &[]);
    }
    let existing = backend
        .store
        .stack(stack)
        .map_err(fail)?
        .filter(|s| s.status != StackStatus::DELETE_COMPLETE);
    if let Some(s) = &existing
        && s.status.is_in_progress()
    {
        // An operation running now (another process applying) is not an interrupted one.
        if let Some(held) = backend.store.lock_of(stack).map_err(fail)?
            && crate::engine::process_alive(held.pid)
        {
            return Err(fail(crate::state::StateError::Locked(held)));
        }
        return Err(fail(format!(
            "stack `{stack}` is {}: its last operation was interrupted; run `cairn apply` or `cairn destroy` to recover it",
            s.status
        )));
    }
    let previous_template;
    let file = match (&args.template, args.use_previous_template, &existing) {
        (Some(f), false, _) => f.as_path(),
        (None, true, Some(s)) => {
            previous_template = write_previous_template(s).map_err(fail)?;
            previous_template.path()
        }
        (None, true, None) => {
            return Err(fail(format!(
                "stack `{stack}` does not exist: `--use-previous-template` needs a deployed stack"
            )));
        }
        (Some(_), true, _) => {
            return Err(fail(
                "give either `-t FILE` or `--use-previous-template`, not both",
            ));
        }
        (None, false, _) => {
            return Err(fail(
                "give the template with `-t FILE` (or `--use-previous-template`, or `--destroy` to plan the stack's deletion)",
            ));
        }
    };
    let mut inputs = context::inputs(cli, stack, args, Some(&backend.cloud))
        .map_err(|r| render::fail(cli, &r))?;
    if let Some(s) = &existing {
        inputs.context.stack_id = Some(s.id.clone());
        for key in &args.use_previous {
            let Some(p) = s.parameters.iter().find(|p| &p.key == key) else {
                return Err(fail(format!(
                    "`--use-previous {key}`: stack `{stack}` has no parameter `{key}`"
                )));
            };
            inputs.parameters.insert(key.clone(), p.value.clone());
        }
    } else if let Some(key) = args.use_previous.first() {
        return Err(fail(format!(
            "`--use-previous {key}`: stack `{stack}` does not exist yet"
        )));
    }
    let loaded =
        context::load_template(file, &inputs, &cli.project()).map_err(|r| render::fail(cli, &r))?;
    let exports = backend.store.exports().map_err(fail)?;
    let c = crate::plan::CreateInputs {
        stack_name: stack,
        document: &loaded.document,
        template: &loaded.template,
        sources: &loaded.report.sources,
        inputs: &inputs,
        exports: &exports,
        exists: Some(&|ty: &str, id: &str| backend.cloud.exists(ty, id)),
    };
    let planned = match &existing {
        None => plan_create(&c),
        Some(s) if s.status == StackStatus::REVIEW_IN_PROGRESS => plan_create(&c),
        Some(s) => {
            update_allowed(s).map_err(fail)?;
            let resources = backend.store.resources(stack).map_err(fail)?;
            let imported = crate::engine::importers(&backend.store, s).map_err(fail)?;
            plan_update(&UpdateInputs {
                stack: s,
                resources: &resources,
                new: &c,
                imported: &imported,
            })
        }
    };
    planned.map_err(|ds| {
        let mut report = loaded.report;
        report.diagnostics.extend(ds);
        report.diagnostics.sort();
        render::fail(cli, &report)
    })
}

/// The stored template in a temporary file, for `--use-previous-template`.
fn write_previous_template(s: &crate::state::StackRecord) -> Result<TempFile, String> {
    let path = std::env::temp_dir().join(format!(
        "cairn-{}-{}-previous-template.json",
        std::process::id(),
        s.name
    ));
    let json: serde_json::Value = serde_json::from_str(&s.template).map_err(|e| {
        format!(
            "the recorded template of stack `{}` is damaged: {e}",
            s.name
        )
    })?;
    let text = serde_json::to_string_pretty(&json).unwrap_or_default();
    std::fs::write(&path, text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    Ok(TempFile(path))
}

/// A file removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub(super) fn delete_plan(backend: &Backend, stack: &str, retain: &[String]) -> Result<Plan, u8> {
    let Some(record) = backend.store.stack(stack).map_err(fail)? else {
        return Err(fail(format!("stack `{stack}` does not exist")));
    };
    if record.status == StackStatus::DELETE_COMPLETE {
        return Err(fail(format!("stack `{stack}` is already deleted")));
    }
    let resources = backend.store.resource_states(stack).map_err(fail)?;
    let Some(t) = crate::template::recorded(&record.template, stack) else {
        return Err(fail(format!(
            "the recorded template of stack `{stack}` does not load"
        )));
    };
    let inputs =
        crate::engine::deployed_inputs(&record, &crate::evaluate::Context::default().account_id);
    let prepared = crate::evaluate::prepare(&t, &inputs).ok();
    let graph = match &prepared {
        Some(p) => crate::graph::build(&t, &p.conditions),
        None => crate::graph::build_all(&t),
    };
    let policy = |id: &str| prepared.as_ref()?.deletion_policy(&t, &inputs, id);
    let importers = crate::engine::importers(&backend.store, &record).map_err(fail)?;
    plan_delete(&record, &resources, &graph, &policy, retain, &importers).map_err(fail)
}
