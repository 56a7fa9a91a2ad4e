//! Benchmarks of the stack engine against the mock cloud with zero latency: create + destroy of a
//! stack (every SQLite commit of the state store and of the mock cloud included), on templates made by
//! `../shared/bench/gen-synthetic.py` when it is available (the same templates `peer-moto.py` deploys),
//! else by a small generator of the same shape. Also prints, after the benchmarks, the wall time of an
//! apply with simulated latency against the graph's critical path at unlimited parallelism (five applies
//! per latency: the first of the process, the median and the range).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use cairn::engine::{Engine, Options, Silent};
use cairn::evaluate::{Context, Inputs};
use cairn::plan::{CreateInputs, UpdateInputs, plan_create, plan_delete, plan_update};
use cairn::provider::{Latency, MockCloud, MockOptions};
use cairn::source::{Format, Limits, SourceMap, load_text};
use cairn::state::{SqliteStore, StateStore};
use divan::Bencher;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // The latency runs last: before, they left the zero-latency benchmarks' first samples faulting their
    // memory in again (the process turns huge pages off for them).
    divan::main();
    critical_path_ratio();
}

/// The synthetic template of N resources (SNS topics, SQS queues, S3 buckets).
fn template(n: usize) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen-synthetic.py");
    let venv = std::env::var("PEERS_VENV").unwrap_or_else(|_| "/nonexistent".into());
    let python = PathBuf::from(&venv).join("bin/python");
    if script.exists() && python.exists() {
        let out = std::process::Command::new(python)
            .arg(&script)
            .arg(n.to_string())
            .args(["--types", "Topic,Queue,Bucket"])
            .output()
            .expect("gen-synthetic.py runs");
        if out.status.success() {
            return String::from_utf8(out.stdout).expect("utf-8");
        }
    }
    own_template(n, 0)
}

/// N resources in chains topic → queue → bucket; the first `modified` queues get another DelaySeconds.
fn own_template(n: usize, modified: usize) -> String {
    let mut t = String::from("Resources:\n");
    for i in 0..n {
        let delay = if i / 3 < modified { 2 } else { 1 };
        match i % 3 {
            0 => t.push_str(&format!("  T{i}:\n    Type: AWS::SNS::Topic\n")),
            1 => t.push_str(&format!("  Q{i}:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: {delay}\n      Tags: [{{Key: t, Value: !GetAtt T{}.TopicName}}]\n", i - 1)),
            _ => t.push_str(&format!("  B{i}:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags: [{{Key: q, Value: !Ref Q{}}}]\n", i - 1)),
        }
    }
    t
}

struct Fixture {
    dir: PathBuf,
    sources: SourceMap,
    doc: cairn::source::Document,
    template: std::sync::Arc<cairn::template::Template>,
}

fn fixture(n: usize) -> Fixture {
    fixture_of(template(n))
}

fn fixture_of(text: String) -> Fixture {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let mut sources = SourceMap::new();
    let f = sources.add("synthetic.yaml", text.clone());
    let doc = load_text(
        f,
        &text,
        Format::Yaml,
        &Limits {
            max_bytes: 1 << 30,
            ..Limits::default()
        },
    )
    .document
    .expect("the template loads");
    let (template, _) = cairn::template::lower(&doc, &sources);
    // `cairn plan` and `cairn apply` validate the template first, which reads the spec of every type it
    // uses; so does the bench, before anything is timed.
    let errors = cairn::check::check(&template, &sources)
        .into_iter()
        .filter(|d| d.is_error())
        .count();
    assert_eq!(errors, 0, "the synthetic template validates");
    let dir = std::env::temp_dir().join(format!(
        "cairn-bench-engine-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::SeqCst)
    ));
    Fixture {
        dir,
        sources,
        doc,
        template: std::sync::Arc::new(template),
    }
}

/// A fresh state store and mock cloud in `dir`, and the create plan of the fixture.
fn backend(
    fx: &Fixture,
    dir: &Path,
    latency: Latency,
) -> (SqliteStore, MockCloud, cairn::plan::Plan) {
    let store = SqliteStore::open(&dir.join("state.db")).expect("store");
    let cloud = MockCloud::open(
        &dir.join("mock.db"),
        MockOptions {
            latency,
            ..MockOptions::default()
        },
    )
    .expect("cloud");
    let inputs = bench_inputs();
    let plan = plan_create(&CreateInputs {
        stack_name: "bench",
        document: &fx.doc,
        template: &fx.template,
        sources: &fx.sources,
        inputs: &inputs,
        exports: &[],
        exists: None,
    })
    .expect("the template plans");
    (store, cloud, plan)
}

/// Inputs of the bench stack.
fn bench_inputs() -> Inputs {
    Inputs {
        context: Context {
            stack_name: "bench".into(),
            ..Context::default()
        },
        ..Inputs::default()
    }
}

/// Creates and destroys the stack once in fresh stores (opened, and removed afterwards, in the timing);
/// returns how many resources were created.
fn create_destroy(fx: &Fixture, round: usize, latency: Latency, parallelism: usize) -> usize {
    let dir = fx.dir.join(round.to_string());
    let (store, cloud, plan) = backend(fx, &dir, latency);
    let n = apply_and_destroy(fx, &store, &cloud, &plan, parallelism);
    drop((store, cloud));
    let _ = std::fs::remove_dir_all(&dir);
    n
}

/// Applies the create plan and then plans and applies the delete; returns how many resources were created.
fn apply_and_destroy(
    fx: &Fixture,
    store: &SqliteStore,
    cloud: &MockCloud,
    plan: &cairn::plan::Plan,
    parallelism: usize,
) -> usize {
    let engine = Engine {
        store,
        provider: cloud,
        hook: &Silent,
    };
    let options = Options {
        parallelism,
        ..Options::default()
    };
    let created = engine.apply(plan, &options).expect("apply runs");
    assert!(created.succeeded(), "{:?}", created.failed);
    let stack = store.stack("bench").expect("store").expect("stack");
    // As `cairn destroy` reads them.
    let resources = store.resource_states("bench").expect("store");
    let graph = cairn::graph::build_all(&fx.template);
    let delete = plan_delete(&stack, &resources, &graph, &|_| None, &[], &[]).expect("delete plan");
    let deleted = engine.apply(&delete, &options).expect("destroy runs");
    assert!(deleted.succeeded());
    resources.len()
}

#[divan::bench(args = [500, 10_000], sample_count = 5, sample_size = 1)]
fn create_and_destroy(bencher: Bencher, n: usize) {
    let fx = fixture(n);
    let round = AtomicUsize::new(0);
    bencher.bench(|| create_destroy(&fx, round.fetch_add(1, Ordering::SeqCst), Latency::Zero, 10));
    let _ = std::fs::remove_dir_all(&fx.dir);
}

/// The same create and destroy with the stores already open (as they are for every command after a
/// project's first): opening fresh SQLite files (schema, WAL switch, fsyncs) and removing them afterwards
/// are outside the timing; the create plan, the delete plan and every commit of both applies are inside.
/// With the CLI's default parallelism (10 resources in flight).
#[divan::bench(args = [500, 10_000], sample_count = 5, sample_size = 1)]
fn apply_and_destroy_open_stores(bencher: Bencher, n: usize) {
    open_stores(bencher, n, 10);
}

/// [`apply_and_destroy_open_stores`] with unlimited parallelism (`--parallelism 0`).
#[divan::bench(args = [500, 10_000], sample_count = 5, sample_size = 1)]
fn apply_and_destroy_unlimited(bencher: Bencher, n: usize) {
    open_stores(bencher, n, 0);
}

fn open_stores(bencher: Bencher, n: usize, parallelism: usize) {
    let fx = fixture(n);
    let round = AtomicUsize::new(0);
    bencher
        .with_inputs(|| {
            let dir = fx
                .dir
                .join(format!("open-{}", round.fetch_add(1, Ordering::SeqCst)));
            let (store, cloud, _) = backend(&fx, &dir, Latency::Zero);
            (store, cloud, dir)
        })
        .bench_local_values(|(store, cloud, dir)| {
            let plan = plan_create(&CreateInputs {
                stack_name: "bench",
                document: &fx.doc,
                template: &fx.template,
                sources: &fx.sources,
                inputs: &bench_inputs(),
                exports: &[],
                exists: None,
            })
            .expect("the template plans");
            let n = apply_and_destroy(&fx, &store, &cloud, &plan, parallelism);
            // Closing the stores and removing their files happen when divan drops this, untimed.
            (n, Remove(dir), store, cloud)
        });
    let _ = std::fs::remove_dir_all(&fx.dir);
}

/// Removes a directory when dropped.
struct Remove(PathBuf);

impl Drop for Remove {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The update plan of a deployed stack of N resources in which `n / 10` queues (50 of 500, 1,000 of
/// 10,000) change a property: evaluating the new template against the stored resources, diffing every
/// resource, the change records and the cleanup order. The stack is created once, outside the timing.
#[divan::bench(args = [500, 10_000], sample_count = 10)]
fn update_plan(bencher: Bencher, n: usize) {
    let base = fixture_of(own_template(n, 0));
    let dir = base.dir.join("update");
    let (store, cloud, plan) = backend(&base, &dir, Latency::Zero);
    let engine = Engine {
        store: &store,
        provider: &cloud,
        hook: &Silent,
    };
    assert!(
        engine
            .apply(&plan, &Options::default())
            .expect("apply")
            .succeeded()
    );
    let stack = store.stack("bench").expect("store").expect("stack");
    let resources = store.resources("bench").expect("store");
    let new = fixture_of(own_template(n, n / 10));
    let inputs = Inputs {
        context: Context {
            stack_name: "bench".into(),
            ..Context::default()
        },
        ..Inputs::default()
    };
    // Built inside: the plan inputs hold a `dyn Fn` that is not `Sync`.
    let plan = || {
        let c = CreateInputs {
            stack_name: "bench",
            document: &new.doc,
            template: &new.template,
            sources: &new.sources,
            inputs: &inputs,
            exports: &[],
            exists: None,
        };
        plan_update(&UpdateInputs {
            stack: &stack,
            resources: &resources,
            new: &c,
            imported: &[],
        })
        .expect("the update plans")
    };
    assert_eq!(plan().summary.modify, n / 10);
    bencher.bench(|| plan().changes.len());
    let _ = std::fs::remove_dir_all(&base.dir);
    let _ = std::fs::remove_dir_all(&new.dir);
}

/// With simulated latency and unlimited parallelism, apply should take about the graph's critical path.
/// Printed for a fixed 20 ms per operation and for `fast` (the CLI's default: 20–150 ms by type), as ratios
/// (each case applied five times in fresh stores: the first apply of the process and the median of the
/// five), not timing assertions.
fn critical_path_ratio() {
    const RUNS: usize = 5;
    // As the CLI does (for the mock cloud with latency, then without for the benchmarks after this).
    cairn::engine::tune_for(true);
    let n = 200;
    let fx = fixture(n);
    let fast = Latency::Fast;
    for (name, latency) in [
        (
            "20 ms per operation",
            Latency::Fixed(std::time::Duration::from_millis(20)),
        ),
        (
            "50 ms per operation",
            Latency::Fixed(std::time::Duration::from_millis(50)),
        ),
        ("fast", fast),
    ] {
        let conditions =
            cairn::evaluate::conditions(&fx.template, &Inputs::default()).expect("conditions");
        let g = cairn::graph::build(&fx.template, &conditions);
        // Each resource takes its type's latency.
        let cost = |resource_type: &str| latency.for_type(resource_type).as_millis() as u64;
        let cp = g.critical_path(cost).expect("no cycle");
        let mut ratios: Vec<f64> = (0..RUNS)
            .map(|run| {
                // Only the apply of the create is timed (not opening the stores or planning).
                let dir = fx.dir.join(format!("cp-{name}-{run}"));
                let (store, cloud, plan) = backend(&fx, &dir, latency);
                let engine = Engine {
                    store: &store,
                    provider: &cloud,
                    hook: &Silent,
                };
                let options = Options {
                    parallelism: 0,
                    ..Options::default()
                };
                let start = std::time::Instant::now();
                let o = engine.apply(&plan, &options).expect("apply");
                let wall = start.elapsed();
                assert!(o.succeeded());
                wall.as_secs_f64() * 1000.0 / cp.total as f64
            })
            .collect();
        let first = ratios[0];
        ratios.sort_by(f64::total_cmp);
        println!(
            "critical path: {n} resources, {name}: critical path {} ms; apply / critical path: first {first:.3}, median of {RUNS} {:.3} (range {:.3}–{:.3})",
            cp.total,
            ratios[RUNS / 2],
            ratios[0],
            ratios[RUNS - 1]
        );
    }
    let _ = std::fs::remove_dir_all(&fx.dir);
    cairn::engine::tune_for(false);
}
