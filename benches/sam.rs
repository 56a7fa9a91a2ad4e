//! Benchmarks of the SAM transform (`AWS::Serverless-2016-10-31`): a representative application
//! (`tests/fixtures/sam/app.yaml`: an API with three functions, a table, queue, schedule and topic events,
//! a state machine, Globals), and every input case of the translator's test suite in
//! `../shared/corpus/sam/input` when it is present (the same cases `bench/peer-sam.py` times for AWS's
//! translator).

use cairn::source::{Document, Format, Limits, SourceMap, load_text};
use cairn::transform::{ExpandOptions, expand};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn load(name: &str, text: &str) -> (Document, SourceMap) {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    let doc = load_text(file, text, Format::Yaml, &Limits::default())
        .document
        .expect("the fixture loads");
    (doc, sources)
}

fn options() -> ExpandOptions {
    let mut o = ExpandOptions::default();
    o.pseudo.region = Some("ap-southeast-1".into());
    o.pseudo.account_id = Some("123456789012".into());
    o
}

/// Expanding the representative application (the document is loaded once, outside the timing).
#[divan::bench]
fn representative_app(bencher: divan::Bencher) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sam/app.yaml");
    let text = std::fs::read_to_string(path).expect("the fixture exists");
    let (doc, sources) = load("app.yaml", &text);
    let options = options();
    bencher
        .bench_local(|| expand(divan::black_box(&doc), &sources, &options).map(|d| d.root.size()));
}

/// Expanding every input case of the translator's suite once (272 to transform, 144 to reject); divide
/// by the number of cases for the time per case. Skipped when the corpus is absent.
#[divan::bench(sample_count = 20)]
fn translator_cases(bencher: divan::Bencher) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/sam/input");
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("sam bench: ../shared/corpus/sam is absent; translator_cases measures nothing");
        return;
    };
    let mut cases = Vec::new();
    for e in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(e.path()) else {
            continue;
        };
        let name = e.file_name().to_string_lossy().into_owned();
        let mut sources = SourceMap::new();
        let file = sources.add(name, text.as_str());
        if let Some(doc) = load_text(file, &text, Format::Yaml, &Limits::default()).document {
            cases.push((doc, sources));
        }
    }
    let options = options();
    bencher.bench_local(|| {
        cases
            .iter()
            .map(|(doc, sources)| {
                cairn::transform::sam::expand(doc, sources, &options).is_ok() as usize
            })
            .sum::<usize>()
    });
}
