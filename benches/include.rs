//! Benchmarks of `AWS::Include` with Cairn snippets (see `benches/README.md`): a template that uses the
//! library's `messaging/sqs-queue.yaml.j2` 200 times (400 queues).
//!
//! - `expand_cold`: a fresh run: the snippet is read, parsed and compiled once, then rendered and loaded
//!   200 times (`prepare` on the loaded template).
//! - `expand_warm`: the same with the run's cache already holding the compiled snippet: render and load
//!   only.
//! - `compile_every_use`: for comparison, 200 renders through `render_snippet` each with a fresh cache, so
//!   every use compiles the snippet again (what the cache saves).
//!
//! `main` asserts once (untimed) that a run compiles the snippet exactly once and that the expanded
//! template validates with zero errors.

use std::fmt::Write as _;
use std::path::PathBuf;

use cairn::source::{Format, Limits, Mapping, Node, NodeKind, SourceMap, Span, load_text};
use cairn::transform::{ProjectOptions, prepare, render_snippet};
use divan::Bencher;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USES: usize = 200;
const SNIPPET: &str = "messaging/sqs-queue.yaml.j2";

fn main() {
    check_once();
    divan::main();
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn options() -> ProjectOptions {
    ProjectOptions {
        project_root: Some(root()),
        ..ProjectOptions::default()
    }
}

fn template() -> String {
    let mut t = String::from("Resources:\n  Fn::Transform:\n");
    for i in 0..USES {
        let _ = write!(
            t,
            "    - Name: AWS::Include\n      Parameters:\n        Location: {SNIPPET}\n        name: Queue{i}\n        max_receive_count: {}\n",
            1 + i % 9
        );
    }
    t
}

/// Loads the template and expands it with `options`.
fn expand(text: &str, options: &ProjectOptions) -> usize {
    let mut sources = SourceMap::new();
    let file = sources.add(root().join("bench.yaml").display().to_string(), text);
    let doc = load_text(file, text, Format::Yaml, &Limits::default())
        .document
        .expect("the bench template loads");
    let doc = prepare(doc, &mut sources, options).expect("the snippet renders");
    doc.root
        .as_map()
        .and_then(|m| m.get("Resources"))
        .and_then(Node::as_map)
        .map_or(0, Mapping::len)
}

fn check_once() {
    let options = options();
    let text = template();
    assert_eq!(expand(&text, &options), USES * 2);
    assert_eq!(options.snippets.compile_count(), 1, "one compile per run");
    let path = root().join("target/bench-include-200.yaml");
    std::fs::create_dir_all(root().join("target")).expect("target dir");
    std::fs::write(&path, &text).expect("write the bench template");
    let report = cairn::validate::validate_paths(
        &[path],
        &cairn::validate::Options {
            project: options.clone(),
            ..Default::default()
        },
    );
    assert!(
        !report.diagnostics.has_errors(),
        "the expanded template validates"
    );
}

#[divan::bench(max_time = 5)]
fn expand_cold(bencher: Bencher) {
    let text = template();
    bencher.bench(|| expand(&text, &options()));
}

#[divan::bench(max_time = 5)]
fn expand_warm(bencher: Bencher) {
    let text = template();
    let options = options();
    expand(&text, &options);
    bencher.bench(|| expand(&text, &options));
}

#[divan::bench(max_time = 5)]
fn compile_every_use(bencher: Bencher) {
    bencher.bench(|| {
        let mut sources = SourceMap::new();
        let site_file = sources.add("bench", SNIPPET);
        let site = Span::new(site_file, 0, SNIPPET.len());
        let mut n = 0;
        for i in 0..USES {
            let mut inputs = Mapping::new();
            let _ = inputs.insert(
                "name".to_owned(),
                site,
                Node::new(site, NodeKind::String(format!("Queue{i}"))),
            );
            let doc = render_snippet(SNIPPET, &inputs, site, &mut sources, &options())
                .expect("the snippet renders");
            n += doc.root.as_map().map_or(0, Mapping::len);
        }
        n
    });
}
