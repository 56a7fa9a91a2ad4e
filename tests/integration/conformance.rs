//! Conformance against cfn-lint's own fixtures (`../shared/corpus/cfn-lint`, with cfn-lint's verdict for
//! every file in `cfn-lint-results.json`):
//! - no false positive: every good template on which cfn-lint reports no error validates without error;
//! - every good template loads (no loader error);
//! - every template cfn-lint rejects for a template-language rule (structure, functions, references,
//!   parameters, conditions, mappings, outputs, modules, cycles) is rejected, except the listed misses, a
//!   list that may only shrink;
//! - of the templates cfn-lint rejects for a resource-property rule (its `E3xxx` rules other than E3001,
//!   E3004 and E3005, and the `E1150`-`E1159` format rules), at least [`PROPERTY_MIN_REJECTED`] are rejected.
//!
//! Templates whose checks wait on a transform Cairn does not expand yet are listed with the reason.
//! The rates are printed and written to `target/conformance-cfn-lint.txt`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cairn::source::Severity;
use cairn::validate::{Options, validate_paths};

use crate::root;

/// Rejected by cfn-lint for a template-language rule, not yet by Cairn, and why.
/// (`bad/properties_sg_ingress.yaml`, once listed for E1041, is now rejected by the spec checks.)
const KNOWN_MISSES: &[(&str, &str)] = &[];

/// How many of the templates cfn-lint rejects for a resource-property rule Cairn must reject: raise it when
/// more are caught, never lower it. The misses are rules on one service's semantics (DynamoDB attribute
/// definitions, RDS instance classes, Route 53 record sets, ...), `anyOf`/`maxItems` constraints the embedded
/// spec does not carry, cfn-lint's own configuration (`strict` types), and templates whose checks wait on the
/// SAM transform.
const PROPERTY_MIN_REJECTED: usize = 30;

fn corpus() -> Option<PathBuf> {
    let dir = root().join("../shared/corpus/cfn-lint");
    dir.join("cfn-lint-results.json").is_file().then_some(dir)
}

/// cfn-lint rule ids that concern the template language rather than one resource type's properties.
fn template_language_rule(rule: &str) -> bool {
    let b = rule.as_bytes();
    if b.len() < 2 || b[0] != b'E' {
        return false;
    }
    match b[1] {
        b'0' | b'5' | b'6' | b'7' | b'8' => true,
        b'1' => !rule.starts_with("E115"),
        b'2' => !rule.starts_with("E25"),
        _ => ["E3001", "E3004", "E3005"].contains(&rule),
    }
}

/// cfn-lint rule ids that concern one resource type's properties: what the spec checks answer for.
fn property_rule(rule: &str) -> bool {
    (rule.starts_with("E3") && !["E3001", "E3004", "E3005"].contains(&rule))
        || rule.starts_with("E115")
}

struct Verdict {
    errors: usize,
    loader_error: bool,
    pending_transform: Option<String>,
}

fn cairn_verdict(dir: &std::path::Path, file: &str) -> Verdict {
    let report = validate_paths(&[dir.join(file)], &Options::default());
    Verdict {
        errors: report.diagnostics.error_count(),
        loader_error: report
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error && d.code.starts_with("E0")),
        pending_transform: report
            .diagnostics
            .iter()
            .find(|d| d.code == cairn::source::codes::TRANSFORM_NOT_EXPANDED)
            .map(|d| d.message.clone()),
    }
}

#[test]
fn cfn_lint_corpus() {
    let Some(dir) = corpus() else {
        println!(
            "conformance: ../shared/corpus/cfn-lint is absent; the cfn-lint conformance test was skipped"
        );
        return;
    };
    let results: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("cfn-lint-results.json")).expect("results file"),
    )
    .expect("results JSON");
    let files = results["files"].as_object().expect("files");
    let mut report = String::new();
    let (mut clean, mut false_positives, mut lang_bad, mut rejected) = (0, Vec::new(), 0, 0);
    let (mut prop_bad, mut prop_rejected) = (0, 0);
    let mut misses = Vec::new();
    let mut not_loaded = Vec::new();
    let mut pending: BTreeMap<String, String> = BTreeMap::new();
    for (file, r) in files {
        let v = cairn_verdict(&dir, file);
        let lint_errors: Vec<&str> = r["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e[0].as_str()).collect())
            .unwrap_or_default();
        if let Some(why) = &v.pending_transform {
            pending.insert(file.clone(), why.clone());
        }
        if file.starts_with("good/") {
            if v.loader_error {
                not_loaded.push(file.clone());
            }
            if r["exit"] == 0 {
                clean += 1;
                if v.errors > 0 {
                    false_positives.push(file.clone());
                }
            }
            continue;
        }
        if lint_errors.iter().any(|e| template_language_rule(e)) {
            lang_bad += 1;
            if v.errors > 0 {
                rejected += 1;
            } else {
                misses.push(file.clone());
            }
        }
        if lint_errors.iter().any(|e| property_rule(e)) {
            prop_bad += 1;
            if v.errors > 0 {
                prop_rejected += 1;
            }
        }
    }
    report.push_str(&format!(
        "cfn-lint corpus: {} of {clean} cfn-lint-clean good templates validate clean ({} false positives)\n",
        clean - false_positives.len(),
        false_positives.len()
    ));
    report.push_str(&format!(
        "cfn-lint corpus: {rejected} of {lang_bad} templates cfn-lint rejects for template-language rules are rejected ({:.1}%)\n",
        100.0 * rejected as f64 / lang_bad.max(1) as f64
    ));
    report.push_str(&format!(
        "cfn-lint corpus: {prop_rejected} of {prop_bad} templates cfn-lint rejects for resource-property rules are rejected ({:.1}%)\n",
        100.0 * prop_rejected as f64 / prop_bad.max(1) as f64
    ));
    report.push_str(&format!(
        "templates whose checks wait on a transform ({}):\n",
        pending.len()
    ));
    for (f, why) in &pending {
        report.push_str(&format!("  {f}: {why}\n"));
    }
    println!("{report}");
    let _ = std::fs::create_dir_all(root().join("target"));
    let _ = std::fs::write(root().join("target/conformance-cfn-lint.txt"), &report);

    assert!(
        false_positives.is_empty(),
        "false positives: {false_positives:#?}"
    );
    assert!(
        not_loaded.is_empty(),
        "good templates that do not load: {not_loaded:#?}"
    );
    let known: Vec<&str> = KNOWN_MISSES.iter().map(|(f, _)| *f).collect();
    let unexpected: Vec<&String> = misses
        .iter()
        .filter(|m| !known.contains(&m.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "newly missed: {unexpected:#?}");
    let fixed: Vec<&&str> = known
        .iter()
        .filter(|k| !misses.iter().any(|m| m == *k))
        .collect();
    assert!(
        fixed.is_empty(),
        "now rejected, remove from KNOWN_MISSES: {fixed:#?}"
    );
    assert!(
        prop_rejected >= PROPERTY_MIN_REJECTED,
        "only {prop_rejected} templates rejected for resource-property rules, at least {PROPERTY_MIN_REJECTED} were"
    );
}
