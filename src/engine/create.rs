//! Creating a stack: CREATE_IN_PROGRESS, each resource created as soon as what it needs exists (with the
//! properties its plan shows, what waited for resources evaluated then with the attributes of the
//! resources created so far), outputs and exports recorded, CREATE_COMPLETE. On a failure:
//! ROLLBACK_IN_PROGRESS deleting what was created (dependents first) to ROLLBACK_COMPLETE or
//! ROLLBACK_FAILED, or the stack deleted (`OnFailure::Delete`), or left in CREATE_FAILED
//! (`OnFailure::DoNothing`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use indexmap::IndexMap;

use crate::evaluate::{self, Context, Inputs, Known, KnownResource, Prepared};
use crate::plan::Plan;
use crate::provider::CreateRequest;
use crate::state::{
    Change, ExportRecord, OutputRecord, ResourceRecord, ResourceStatus, StackRecord, StackStatus,
};
use crate::template::Template;

use super::schedule::{self, StepResult};
use super::{Engine, EngineError, OnFailure, Op, Options, Outcome, Result, new_id, now, stack_arn};

impl Engine<'_> {
    pub(super) fn create(&self, plan: &Plan, options: &Options) -> Result<Outcome> {
        // The model of the plan's template, when the plan does not carry it, is built on a second thread
        // while the stack is locked and read (a refused create drops it unused).
        std::thread::scope(|s| {
            type Model = std::result::Result<Arc<Template>, String>;
            let model: Box<dyn FnOnce() -> Model> = match plan.model.get() {
                Some(model) => Box::new(move || Ok(model)),
                None => {
                    let built = s.spawn(|| model_of(plan));
                    Box::new(move || built.join().expect("building the model does not panic"))
                }
            };
            let op = Op::begin(self, &plan.stack_name, "create")?;
            // Read under the lock: another process may have created the stack since this plan was made.
            let result = self
                .store
                .stack(&plan.stack_name)
                .map_err(EngineError::from)
                .and_then(|existing| {
                    refuse_existing(plan, existing.as_ref())?;
                    // A stack created through a change set keeps the id it got in REVIEW_IN_PROGRESS.
                    let review = existing.filter(|s| s.status == StackStatus::REVIEW_IN_PROGRESS);
                    self.create_locked(&op, plan, options, review, model)
                });
            op.finish()?;
            result
        })
    }

    fn create_locked(
        &self,
        op: &Op<'_, '_>,
        plan: &Plan,
        options: &Options,
        review: Option<StackRecord>,
        model: impl FnOnce() -> std::result::Result<Arc<Template>, String>,
    ) -> Result<Outcome> {
        let id = new_id();
        let mut stack = StackRecord {
            name: plan.stack_name.clone(),
            id: review.as_ref().map_or_else(
                || stack_arn(&plan.region, &plan.account_id, &plan.stack_name, &id),
                |r| r.id.clone(),
            ),
            region: plan.region.clone(),
            status: StackStatus::CREATE_IN_PROGRESS,
            status_reason: None,
            template: plan.template.text().to_owned(),
            parameters: plan.parameters.clone(),
            outputs: Vec::new(),
            tags: BTreeMap::new(),
            imports: plan.imports.clone(),
            lineage: new_id(),
            serial: 0,
            created_at: now(),
            updated_at: now(),
        };
        // The run is ready before anything is recorded (a plan that no longer evaluates changes
        // nothing); the stack's CREATE_IN_PROGRESS is then committed with its first resources'.
        let run = Run::with_template(op, plan, &stack, model().map_err(EngineError::Refused)?)?;
        op.stack_status_deferred(
            &mut stack,
            StackStatus::CREATE_IN_PROGRESS,
            Some("User Initiated".into()),
        )?;
        let ids: Vec<String> = plan.steps.iter().map(|s| s.logical_id.clone()).collect();
        let after: Vec<Vec<String>> = plan.steps.iter().map(|s| s.after.clone()).collect();
        let pool = schedule::Pool {
            parallelism: options.parallelism,
            batch: self.provider.batch_limit(),
            calls_wait: self.provider.calls_wait(),
        };
        let schedule = schedule::run_batched(&ids, &after, pool, |batch, done| {
            run.create_batch(batch, done)
        });
        if let Some(e) = run.store_error.take() {
            return Err(e.into());
        }
        let outputs = if schedule.failed.is_empty() {
            Some(run.final_outputs(&stack, true)?)
        } else {
            None
        };
        drop(run);
        let reason = match outputs {
            None => {
                return self.after_failure(
                    op,
                    stack,
                    schedule.failed,
                    schedule.not_started,
                    options,
                );
            }
            // The outputs, the exports and CREATE_COMPLETE in one commit (with the last resources'
            // COMPLETE transitions).
            Some(Ok(outputs)) => {
                match op.stack_status_with_outputs(
                    &mut stack,
                    StackStatus::CREATE_COMPLETE,
                    outputs,
                )? {
                    Ok(()) => {
                        return Ok(Outcome {
                            goal: StackStatus::CREATE_COMPLETE,
                            stack,
                            operation_id: op.id.clone(),
                            failed: Vec::new(),
                            cancelled: Vec::new(),
                        });
                    }
                    Err(reason) => reason,
                }
            }
            Some(Err(reason)) => reason,
        };
        let failed = vec![(stack.name.clone(), reason)];
        self.after_failure(op, stack, failed, Vec::new(), options)
    }

    fn after_failure(
        &self,
        op: &Op<'_, '_>,
        mut stack: StackRecord,
        failed: Vec<(String, String)>,
        cancelled: Vec<String>,
        options: &Options,
    ) -> Result<Outcome> {
        let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
        let why = format!(
            "The following resource(s) failed to create: [{}]. ",
            names.join(", ")
        );
        match options.on_failure {
            OnFailure::DoNothing => {
                op.stack_status(&mut stack, StackStatus::CREATE_FAILED, Some(why))?;
            }
            OnFailure::Rollback | OnFailure::Delete => {
                op.stack_status(
                    &mut stack,
                    StackStatus::ROLLBACK_IN_PROGRESS,
                    Some(format!("{why}Rollback requested by user.")),
                )?;
                let rolled_back = self.delete_resources(op, &stack, options, true)?;
                if rolled_back.failed.is_empty() {
                    op.stack_status(&mut stack, StackStatus::ROLLBACK_COMPLETE, None)?;
                    if options.on_failure == OnFailure::Delete {
                        op.stack_status(
                            &mut stack,
                            StackStatus::DELETE_IN_PROGRESS,
                            Some("User Initiated".into()),
                        )?;
                        op.stack_status(&mut stack, StackStatus::DELETE_COMPLETE, None)?;
                    }
                } else {
                    let names: Vec<&str> =
                        rolled_back.failed.iter().map(|(n, _)| n.as_str()).collect();
                    op.stack_status(
                        &mut stack,
                        StackStatus::ROLLBACK_FAILED,
                        Some(format!(
                            "The following resource(s) failed to delete: [{}]. ",
                            names.join(", ")
                        )),
                    )?;
                }
            }
        }
        Ok(Outcome {
            goal: StackStatus::CREATE_COMPLETE,
            stack,
            operation_id: op.id.clone(),
            failed,
            cancelled,
        })
    }
}

/// A create plan applies only to a stack that does not exist (or was deleted, or waits in
/// REVIEW_IN_PROGRESS for its change set).
fn refuse_existing(plan: &Plan, existing: Option<&StackRecord>) -> Result<()> {
    let Some(existing) = existing else {
        return Ok(());
    };
    if matches!(
        existing.status,
        StackStatus::DELETE_COMPLETE | StackStatus::REVIEW_IN_PROGRESS
    ) {
        return Ok(());
    }
    Err(EngineError::Refused(format!(
        "stack `{}` already exists ({}): {}",
        plan.stack_name,
        existing.status,
        if existing.status == StackStatus::ROLLBACK_COMPLETE {
            "a stack in ROLLBACK_COMPLETE can only be deleted (`cairn destroy`)"
        } else {
            "plan again to update it"
        }
    )))
}

/// Takes what the provider answered into the record: physical id, `Ref` value, attributes, and the status.
pub(super) fn take_state(
    record: &mut ResourceRecord,
    state: &crate::provider::ResourceState,
    status: ResourceStatus,
) {
    record.physical_id = Some(state.physical_id.clone());
    record.ref_value = Some(state.ref_value.clone());
    record.attributes = serde_json::Value::Object(state.attributes.clone().into_iter().collect());
    record.status = status;
}

/// The text an export records for a value.
pub(super) fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The exports a stack's outputs declare.
pub(super) fn exports_of(stack: &str, outputs: &[OutputRecord]) -> Vec<ExportRecord> {
    outputs
        .iter()
        .filter_map(|o| {
            Some(ExportRecord {
                name: o.export_name.clone()?,
                value: text_of(&o.value),
                stack_name: stack.to_owned(),
            })
        })
        .collect()
}

/// Why `new` may not replace the stack's exports: an export another stack imports would go or change
/// (CloudFormation's messages).
fn export_in_use(
    store: &dyn crate::state::StateStore,
    stack: &StackRecord,
    new: &[ExportRecord],
) -> std::result::Result<Option<String>, crate::state::StateError> {
    let imported = super::importers(store, stack)?;
    if imported.is_empty() {
        return Ok(None);
    }
    let old = store.exports()?;
    for (export, importer) in imported {
        let now = old.iter().find(|e| e.name == export);
        match new.iter().find(|e| e.name == export) {
            None => {
                return Ok(Some(format!(
                    "Cannot delete export {export} as it is in use by {importer}."
                )));
            }
            Some(e) if now.is_some_and(|o| o.value != e.value) => {
                return Ok(Some(format!(
                    "Cannot update export {export} as it is in use by {importer}."
                )));
            }
            Some(_) => {}
        }
    }
    Ok(None)
}

/// The model of a plan's template: the one it was made from, or else its processed template loaded back.
pub(super) fn model_of(plan: &Plan) -> std::result::Result<Arc<Template>, String> {
    match plan.model.get() {
        Some(model) => Ok(model),
        None => template_of(plan.template.text(), &plan.stack_name).map(Arc::new),
    }
}

/// Loads a processed template (JSON text, a plan's or a stack's) back into the model.
pub(super) fn template_of(text: &str, name: &str) -> std::result::Result<Template, String> {
    crate::template::recorded(text, name)
        .ok_or_else(|| format!("the recorded template of stack `{name}` does not load"))
}

/// Inputs for evaluating a stack's template as recorded: its parameters (SSM parameter types with the
/// values read when it was deployed), region, name and id.
pub fn inputs_of(stack: &StackRecord, account_id: &str) -> Inputs {
    Inputs {
        // What the SSM parameter types read when the stack was deployed.
        ssm: stack
            .parameters
            .iter()
            .filter_map(|p| Some((p.value.clone(), p.resolved.clone()?)))
            .collect(),
        parameters: stack
            .parameters
            .iter()
            .map(|p| (p.key.clone(), p.value.clone()))
            .collect(),
        context: Context {
            region: stack.region.clone(),
            account_id: account_id.to_owned(),
            stack_name: stack.name.clone(),
            stack_id: Some(stack.id.clone()),
            ..Context::default()
        },
        ..Inputs::default()
    }
}

/// The message of the first diagnostic of an evaluation that failed.
fn first_message(d: &[crate::source::Diagnostic]) -> String {
    d.first()
        .map(|d| d.message.clone())
        .unwrap_or_else(|| "evaluation failed".into())
}

/// A create about to be sent to the provider, or one whose properties did not evaluate (and why).
enum Begun {
    Ready(ResourceRecord),
    Invalid(ResourceRecord, String),
}

/// The shared state of one create (or update) run.
pub(super) struct Run<'o, 'e, 'a> {
    pub op: &'o Op<'e, 'a>,
    pub template: Arc<Template>,
    pub inputs: Inputs,
    pub prepared: Prepared,
    /// What exists so far (`Ref` values and attributes by logical id) and the region's exports: read by
    /// each resource's evaluation, written as resources are created.
    pub known: RwLock<Known>,
    /// The plan's steps by logical id.
    pub steps: std::collections::HashMap<&'o str, &'o crate::plan::Step>,
    /// For updates: the stack's resources as recorded when the run began.
    pub recorded: std::collections::HashMap<String, ResourceRecord>,
    /// The first state-store failure: it stops the run (the state must not silently diverge).
    pub store_error: super::StoreError,
    /// Whether the plan's own properties hold at apply (a create plan that imports nothing): see
    /// [`Run::create_properties`].
    pub as_planned: bool,
}

impl<'o, 'e, 'a> Run<'o, 'e, 'a> {
    pub fn new(op: &'o Op<'e, 'a>, plan: &'o Plan, stack: &StackRecord) -> Result<Run<'o, 'e, 'a>> {
        let template = model_of(plan).map_err(EngineError::Refused)?;
        Run::with_template(op, plan, stack, template)
    }

    /// [`Run::new`] with the model of the plan's template already built.
    pub fn with_template(
        op: &'o Op<'e, 'a>,
        plan: &'o Plan,
        stack: &StackRecord,
        template: Arc<Template>,
    ) -> Result<Run<'o, 'e, 'a>> {
        let mut inputs = inputs_of(stack, &plan.account_id);
        // What the plan read from the parameter store, as it read it.
        for (name, value) in &plan.ssm {
            inputs
                .ssm
                .entry(name.clone())
                .or_insert_with(|| value.clone());
        }
        let known = Known {
            resources: IndexMap::new(),
            exports: Some(
                op.store()
                    .exports()?
                    .into_iter()
                    .map(|e| (e.name, e.value))
                    .collect(),
            ),
        };
        let prepared = evaluate::prepare(&template, &inputs).map_err(|d| {
            EngineError::Refused(format!(
                "the plan no longer evaluates: {}",
                d.first().map(|d| d.message.clone()).unwrap_or_default()
            ))
        })?;
        Ok(Run {
            op,
            template,
            inputs,
            prepared,
            known: RwLock::new(known),
            steps: plan
                .steps
                .iter()
                .map(|s| (s.logical_id.as_str(), s))
                .collect(),
            recorded: std::collections::HashMap::new(),
            store_error: super::StoreError::default(),
            as_planned: plan.operation == crate::plan::Operation::Create && plan.imports.is_empty(),
        })
    }

    pub fn create_one(&self, logical_id: &str) -> StepResult {
        let result = Mutex::new(None);
        self.create_batch(std::slice::from_ref(&logical_id.to_owned()), &|mut r| {
            *result.lock().expect("lock") = r.pop().map(|(_, r)| r);
        });
        result
            .into_inner()
            .expect("lock")
            .expect("the step reported its result")
    }

    /// Creates the resources of `ids` (all ready) together: their properties evaluated, every
    /// CREATE_IN_PROGRESS committed in one commit before the provider is called, then one provider call
    /// for all of them ([`crate::provider::Provider::create_many`]). Results go to `done` (with their
    /// indexes in `ids`) as soon as the provider reports them.
    pub fn create_batch(&self, ids: &[String], done: schedule::Report<'_>) {
        let mut begun: Vec<(usize, ResourceRecord)> = Vec::with_capacity(ids.len());
        for (i, logical_id) in ids.iter().enumerate() {
            match self.begin_create(logical_id) {
                Ok(Begun::Ready(record)) => begun.push((i, record)),
                Ok(Begun::Invalid(record, reason)) => {
                    done(vec![(i, self.settle(self.fail(record, reason)))]);
                }
                Err(e) => done(vec![(i, self.settle(Err(e)))]),
            }
        }
        if begun.is_empty() {
            return;
        }
        if let Err(e) = self.op.store().flush() {
            let failed = self.settle(Err(e.into()));
            done(begun.iter().map(|(i, _)| (*i, failed.clone())).collect());
            return;
        }
        let requests: Vec<CreateRequest> = begun
            .iter()
            .map(|(_, record)| CreateRequest {
                stack_name: self.op.stack_name.clone(),
                logical_id: record.logical_id.clone(),
                resource_type: record.resource_type.clone(),
                properties: record.properties.clone(),
                token: record.token.clone().unwrap_or_default(),
            })
            .collect();
        let finish = |results: Vec<(usize, crate::provider::Result<_>)>| {
            let results = results
                .into_iter()
                .map(|(k, result)| {
                    let (i, record) = &begun[k];
                    (*i, self.settle(self.finish_create(record, result)))
                })
                .collect();
            done(results);
        };
        match requests.as_slice() {
            [one] => finish(vec![(0, self.op.provider().create(one))]),
            many => self.op.provider().create_many(many, &finish),
        }
    }

    /// Evaluates the resource's properties and queues its CREATE_IN_PROGRESS (committed by the caller's
    /// flush, before the provider call).
    fn begin_create(&self, logical_id: &str) -> Result<Begun> {
        let step = self.steps[logical_id];
        let mut record = ResourceRecord {
            logical_id: logical_id.to_owned(),
            resource_type: step.resource_type.clone(),
            physical_id: None,
            token: Some(format!("{}:{logical_id}", self.op.id)),
            properties: serde_json::Value::Null,
            attributes: serde_json::Value::Object(Default::default()),
            status: ResourceStatus::CREATE_IN_PROGRESS,
            status_reason: None,
            ref_value: None,
            pending: Vec::new(),
        };
        record.properties = match self.create_properties(logical_id) {
            Ok(properties) => properties,
            Err(reason) => return Ok(Begun::Invalid(record, reason)),
        };
        self.op.record_deferred(
            Change::Resource(&self.op.stack_name, &record),
            logical_id,
            None,
            &record.resource_type,
            "CREATE_IN_PROGRESS",
            None,
        )?;
        Ok(Begun::Ready(record))
    }

    /// Records what the provider's create returned: CREATE_COMPLETE (committed with the next transition)
    /// and the resource's `Ref` and attributes for its dependents, or CREATE_FAILED.
    fn finish_create(
        &self,
        begun: &ResourceRecord,
        result: crate::provider::Result<crate::provider::ResourceState>,
    ) -> Result<StepResult> {
        let state = match result {
            Ok(state) => state,
            Err(e) => return self.fail(begun.clone(), e.message),
        };
        let record = ResourceRecord {
            logical_id: begun.logical_id.clone(),
            resource_type: begun.resource_type.clone(),
            physical_id: Some(state.physical_id),
            token: begun.token.clone(),
            // The properties are the row's since CREATE_IN_PROGRESS.
            properties: serde_json::Value::Null,
            attributes: serde_json::Value::Object(state.attributes.into_iter().collect()),
            status: ResourceStatus::CREATE_COMPLETE,
            status_reason: None,
            ref_value: Some(state.ref_value),
            pending: Vec::new(),
        };
        self.op.record_deferred(
            Change::ResourceState(&self.op.stack_name, &record),
            &record.logical_id,
            record.physical_id.as_deref(),
            &record.resource_type,
            "CREATE_COMPLETE",
            None,
        )?;
        let known = KnownResource::recorded(
            record.ref_value.as_deref().unwrap_or_default(),
            &record.attributes,
        );
        self.known
            .write()
            .expect("lock")
            .resources
            .insert(record.logical_id, known);
        Ok(StepResult::Done)
    }

    /// The properties to create the resource with, as reviewed: the plan's own, with what waited for
    /// resources (still `Ref`, `Fn::GetAtt`, `Fn::Sub`... in the plan) evaluated now. Evaluated from the
    /// model instead where the plan's evaluation may not hold at apply: in an update (a resource the plan
    /// counted on may be replaced), for imports (read again now), and for a resource reading
    /// `AWS::StackId` (the plan of a new stack stood in for the id the stack gets now).
    fn create_properties(
        &self,
        logical_id: &str,
    ) -> std::result::Result<serde_json::Value, String> {
        let reads_stack_id = || {
            self.template
                .resources
                .get(logical_id)
                .and_then(|r| r.properties.as_ref())
                .is_some_and(|p| p.may_read_pseudo("AWS::StackId"))
        };
        if !self.as_planned || reads_stack_id() {
            return self.evaluate(logical_id).map(|e| e.properties.to_serde());
        }
        let known = self.known.read().expect("lock");
        self.prepared
            .planned_with(
                &self.template,
                &self.inputs,
                &known,
                &self.steps[logical_id].properties,
            )
            .map_err(|d| first_message(&d))
    }

    /// The resource's properties and attributes with what is known now (every resource it refers to is
    /// among its dependencies, all created by then); the first error's message.
    pub fn evaluate(
        &self,
        logical_id: &str,
    ) -> std::result::Result<crate::evaluate::EvaluatedResource, String> {
        let known = self.known.read().expect("lock");
        self.prepared
            .resource_with(&self.template, &self.inputs, &known, logical_id)
            .map_err(|d| first_message(&d))
    }

    /// Records a store failure (the first one stops the run) and turns any error into a step failure.
    pub fn settle(&self, r: Result<StepResult>) -> StepResult {
        self.store_error.settle(r)
    }

    /// The stack's outputs, once every step succeeded, if they may be recorded. `Err(reason)` is the
    /// stack's failure: an output that does not evaluate, or (for a stack that existed before,
    /// `new_stack` false) an export another stack imports that would go or change, checked here under
    /// the lock with the new values. The outputs and exports are then written with the stack's status
    /// ([`Op::stack_status_with_outputs`]), which refuses an export name another stack took since the
    /// plan was made. Nothing can import the exports of a new stack yet.
    pub fn final_outputs(
        &self,
        stack: &StackRecord,
        new_stack: bool,
    ) -> Result<std::result::Result<Vec<OutputRecord>, String>> {
        let outputs = match self.outputs() {
            Ok(outputs) => outputs,
            Err(reason) => return Ok(Err(reason)),
        };
        if !new_stack {
            let exports = exports_of(&stack.name, &outputs);
            if let Some(reason) = export_in_use(self.op.store(), stack, &exports)? {
                return Ok(Err(reason));
            }
        }
        Ok(Ok(outputs))
    }

    fn fail(&self, mut record: ResourceRecord, reason: String) -> Result<StepResult> {
        record.status = ResourceStatus::CREATE_FAILED;
        record.status_reason = Some(reason.clone());
        self.op.record(
            Change::Resource(&self.op.stack_name, &record),
            &record.logical_id,
            None,
            &record.resource_type,
            "CREATE_FAILED",
            Some(&reason),
        )?;
        Ok(StepResult::Failed(reason))
    }

    /// The stack's outputs, with every resource known.
    pub fn outputs(&self) -> std::result::Result<Vec<OutputRecord>, String> {
        let known = self.known.read().expect("lock");
        let outputs = self
            .prepared
            .outputs_with(&self.template, &self.inputs, &known)
            .map_err(|d| first_message(&d))?;
        Ok(outputs
            .into_iter()
            .map(|(k, o)| OutputRecord {
                key: k,
                value: o.value.to_serde(),
                description: o.description,
                export_name: o.export_name.map(|e| e.to_string()),
            })
            .collect())
    }
}
