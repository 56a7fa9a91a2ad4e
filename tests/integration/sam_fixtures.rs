//! Hand-written SAM templates beside the translator's own cases (`tests/fixtures/sam/translator`): each
//! `input/X.yaml` is expanded with the settings the conformance run uses and compared structurally (key
//! order ignored, every list compared as a multiset) with `output/X.json`, the output of AWS's SAM
//! translator for the same template (or `{"errorMessage": ...}` when it refuses it); `passthrough_metadata*`
//! fixtures run with the translator's `passthrough_metadata` setting. Unlike the corpus
//! these ship with the repository, so they also run where the corpus is absent.

use cairn::source::{Format, Limits, SourceMap, emit, load_text};
use cairn::transform::{expand, sam};
use serde_json::Value as J;

use crate::root;
use crate::sam::{normalise, options};

/// What expanding fixture `name` gives, in the form of its expected output.
fn result(name: &str, text: &str) -> J {
    let mut sources = SourceMap::new();
    let file = sources.add(format!("{name}.yaml"), text);
    let doc = load_text(file, text, Format::Yaml, &Limits::default())
        .document
        .expect("the fixture loads");
    let mut options = options();
    options.sam_passthrough_metadata = name.starts_with("passthrough_metadata");
    match expand(&doc, &sources, &options) {
        Ok(out) => emit::to_serde(&out.root),
        Err(d) => serde_json::json!({ "errorMessage": sam::reference_message(&d) }),
    }
}

#[test]
fn hand_written_sam_templates_expand_as_the_translator_expands_them() {
    let dir = root().join("tests/fixtures/sam/translator");
    let mut names: Vec<String> = std::fs::read_dir(dir.join("input"))
        .expect("fixture folder")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".yaml")
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    assert!(!names.is_empty());
    let mut failed = Vec::new();
    for name in &names {
        let text =
            std::fs::read_to_string(dir.join("input").join(format!("{name}.yaml"))).expect("input");
        let want: J = serde_json::from_str(
            &std::fs::read_to_string(dir.join("output").join(format!("{name}.json")))
                .expect("output"),
        )
        .expect("expected output is JSON");
        let got = result(name, &text);
        if normalise(&got) != normalise(&want) {
            failed.push(format!(
                "{name}:\n{}",
                serde_json::to_string_pretty(&got).unwrap_or_default()
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
