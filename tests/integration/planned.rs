//! Plans applied as made: a create applies the properties its plan shows, with what waited for resources
//! (`Ref`, `Fn::GetAtt`, `Fn::Sub`... of resources, still in template form in the plan) evaluated then;
//! the result is what evaluating the template again would give. Through the library.

use std::path::{Path, PathBuf};

use crate::root;
use crate::sandbox::Sandbox;

const TEN: &str = "tests/fixtures/stack/ten.yaml";

/// The create plan of `template` for stack `name`, made through the library (it carries the model it was
/// made from); the first problem when the template does not load or plan as it is.
pub fn library_plan(template: &str, name: &str) -> Result<cairn::plan::Plan, String> {
    use cairn::evaluate::{Context, Inputs};
    use cairn::plan::{CreateInputs, plan_create};
    let (sources, doc) = loaded(template).ok_or("does not load")?;
    let model = std::sync::Arc::new(cairn::template::lower(&doc, &sources).0);
    let inputs = Inputs {
        context: Context {
            stack_name: name.into(),
            ..Context::default()
        },
        ..Inputs::default()
    };
    plan_create(&CreateInputs {
        stack_name: name,
        document: &doc,
        template: &model,
        sources: &sources,
        inputs: &inputs,
        exports: &[],
        exists: None,
    })
    .map_err(|d| d.first().map(|d| d.message.clone()).unwrap_or_default())
}

/// A template file loaded (JSON or YAML by its extension); `None` when it does not load.
fn loaded(path: &str) -> Option<(cairn::source::SourceMap, cairn::source::Document)> {
    use cairn::source::{Format, Limits, SourceMap, load_text};
    let text = std::fs::read_to_string(path).ok()?;
    let format = if path.ends_with(".json") {
        Format::Json
    } else {
        Format::Yaml
    };
    let mut sources = SourceMap::new();
    let f = sources.add(path, text.clone());
    let doc = load_text(f, &text, format, &Limits::default()).document?;
    Some((sources, doc))
}

/// A state store and a mock cloud without latency in `dir`.
pub fn library_backend(dir: &Path) -> (cairn::state::SqliteStore, cairn::provider::MockCloud) {
    use cairn::provider::{Latency, MockCloud, MockOptions};
    let store = cairn::state::SqliteStore::open(&dir.join("state.db")).unwrap();
    let cloud = MockCloud::open(
        &dir.join("mock.db"),
        MockOptions {
            latency: Latency::Zero,
            ..MockOptions::default()
        },
    )
    .unwrap();
    (store, cloud)
}
/// A plan made in this process carries the model it was made from and apply uses it; the same plan read
/// back from its JSON has none and apply builds it: both create the same stack.
#[test]
fn a_plan_applies_alike_with_its_model_or_read_back_without() {
    use cairn::engine::{Engine, Options, Silent};
    use cairn::state::StateStore;
    let made = library_plan(TEN, "ten").expect("plans");
    let read: cairn::plan::Plan =
        serde_json::from_str(&serde_json::to_string(&made).unwrap()).unwrap();
    assert_eq!(format!("{:?}", made.model), "Model(built)");
    assert_eq!(format!("{:?}", read.model), "Model(none)");
    assert_eq!(made, read, "the model is not part of what the plan says");
    let applied = |plan: &cairn::plan::Plan, sandbox: &str| {
        let s = Sandbox::new(sandbox);
        let (store, cloud) = library_backend(&s.dir);
        let engine = Engine {
            store: &store,
            provider: &cloud,
            hook: &Silent,
        };
        let outcome = engine.apply(plan, &Options::default()).expect("applies");
        assert!(outcome.succeeded(), "{:?}", outcome.failed);
        let mut resources: Vec<_> = store
            .resources("ten")
            .unwrap()
            .into_iter()
            .map(|r| {
                let properties = generated_suffixes_masked(&r.properties.to_string());
                (r.logical_id, r.resource_type, properties, r.status)
            })
            .collect();
        // Resources finish in whichever order the two workers take them.
        resources.sort();
        let outputs = serde_json::to_string(&outputs_of(&outcome.stack)).unwrap();
        (resources, generated_suffixes_masked(&outputs))
    };
    let (with_model, outputs) = applied(&made, "model-carried");
    assert_eq!(with_model.len(), 10);
    assert!(outputs.contains("ten-R8-#"), "{outputs}");
    assert_eq!((with_model, outputs), applied(&read, "model-built"));
}

fn outputs_of(stack: &cairn::state::StackRecord) -> Vec<(String, serde_json::Value)> {
    stack
        .outputs
        .iter()
        .map(|o| (o.key.clone(), o.value.clone()))
        .collect()
}

/// `text` with the 13 random characters of generated physical names (`ten-R1-G0G93LN0CER2Q`) as `#`.
fn generated_suffixes_masked(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..]
            .iter()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            .count();
        if run == 13 && i > 0 && bytes[i - 1] == b'-' {
            out.push('#');
            i += run;
        } else if run > 0 {
            out.push_str(&text[i..i + run]);
            i += run;
        } else {
            let c = text[i..].chars().next().expect("inside the text");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Templates to apply: the repository's examples and stack fixtures, and the good templates of the
/// cfn-lint corpus when it is there.
fn candidates() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut add = |dir: PathBuf| {
        let mut stack = vec![dir];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path
                    .extension()
                    .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
                {
                    files.push(path);
                }
            }
        }
    };
    add(root().join("templates"));
    add(root().join("tests/fixtures/stack"));
    add(root().join("tests/fixtures/update"));
    let corpus = root().join("../shared/corpus/cfn-lint/good");
    if corpus.is_dir() {
        add(corpus);
    } else {
        eprintln!(
            "planned properties: ../shared/corpus/cfn-lint is absent; only the repository's templates are applied"
        );
    }
    files.sort();
    files
}

/// For every template that plans and applies as it is: each resource was created with its plan's
/// properties resolved, which equal the template's own evaluation with what the stack then knew.
#[test]
fn planned_properties_resolve_to_what_the_template_evaluates_to() {
    use cairn::engine::{Engine, Options, Silent};
    use cairn::evaluate::{Context, Inputs, Known, KnownResource};
    use cairn::state::StateStore;
    let (mut applied, mut compared, mut resolved_now) = (0, 0, 0);
    for (n, file) in candidates().iter().enumerate() {
        let path = file.display().to_string();
        let Ok(plan) = library_plan(&path, "eq") else {
            continue;
        };
        let s = Sandbox::new(&format!("planned-{n}"));
        let (store, cloud) = library_backend(&s.dir);
        let engine = Engine {
            store: &store,
            provider: &cloud,
            hook: &Silent,
        };
        let Ok(outcome) = engine.apply(&plan, &Options::default()) else {
            continue;
        };
        if !outcome.succeeded() {
            continue;
        }
        applied += 1;
        let resources = store.resources("eq").unwrap();
        let known = Known {
            resources: resources
                .iter()
                .map(|r| {
                    let ref_value = r.ref_value.clone().unwrap_or_default();
                    let known = KnownResource::recorded(&ref_value, &r.attributes);
                    (r.logical_id.clone(), known)
                })
                .collect(),
            exports: Some(Default::default()),
        };
        let inputs = Inputs {
            parameters: plan
                .parameters
                .iter()
                .map(|p| (p.key.clone(), p.value.clone()))
                .collect(),
            context: Context {
                region: plan.region.clone(),
                account_id: plan.account_id.clone(),
                stack_name: "eq".into(),
                stack_id: Some(outcome.stack.id.clone()),
                ..Context::default()
            },
            ..Inputs::default()
        };
        let model = plan.model.get().expect("made in this process");
        let prepared = cairn::evaluate::prepare(&model, &inputs).expect("prepares");
        for step in &plan.steps {
            let id = step.logical_id.as_str();
            let reads_stack_id = model.resources[id]
                .properties
                .as_ref()
                .is_some_and(|p| p.may_read_pseudo("AWS::StackId"));
            if reads_stack_id {
                // Evaluated from the template at apply: the plan stood in for the stack's id.
                continue;
            }
            let full = prepared
                .resource_with(&model, &inputs, &known, id)
                .expect("evaluates")
                .properties
                .to_serde();
            let planned = prepared
                .planned_with(&model, &inputs, &known, &step.properties)
                .expect("resolves");
            assert_eq!(planned, full, "{path}: {id}");
            let recorded = resources.iter().find(|r| r.logical_id == id).unwrap();
            assert_eq!(recorded.properties, planned, "{path}: {id}");
            compared += 1;
            if planned != step.properties {
                resolved_now += 1;
            }
        }
    }
    eprintln!(
        "planned properties: {applied} templates applied, {compared} resources compared, {resolved_now} with parts resolved at apply"
    );
    assert!(applied >= 5, "{applied} templates applied");
    assert!(
        resolved_now >= 10,
        "{resolved_now} resources resolved at apply"
    );
}

/// A plan's template text is written straight from the document: the same bytes as the template's JSON
/// value printed, for every template at hand (numbers as serde_json writes them, `0755` as a string).
#[test]
fn a_plan_s_template_text_is_its_value_printed() {
    use cairn::source::emit;
    let mut compared = 0;
    for file in candidates() {
        let Some((_, doc)) = loaded(&file.display().to_string()) else {
            continue;
        };
        assert_eq!(
            emit::to_json_compact(&doc.root),
            emit::to_serde(&doc.root).to_string(),
            "{}",
            file.display()
        );
        compared += 1;
    }
    assert!(compared >= 10, "{compared} templates compared");
}
