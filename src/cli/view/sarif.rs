//! SARIF 2.1.0 output for code-scanning tools: one run, the rules are Cairn's diagnostic codes, one result
//! per diagnostic with its physical location and the template path as a logical location; the include
//! sites leading to a file pulled in by `AWS::Include` are related locations.

use serde_json::{Value, json};

use crate::source::{Severity, codes};
use crate::validate::Report;

pub fn report(report: &Report) -> String {
    let rules: Vec<Value> = codes::ALL
        .iter()
        .map(|(id, what)| json!({"id": id, "shortDescription": {"text": what}}))
        .collect();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let (s, e) = (report.sources.start(d.span), report.sources.end(d.span));
            let mut message = d.message.clone();
            if let Some(h) = &d.help {
                message.push_str("; help: ");
                message.push_str(h);
            }
            let mut result = json!({
                "ruleId": d.code,
                "ruleIndex": codes::ALL.iter().position(|(c, _)| *c == d.code),
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Note => "note" },
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(report.sources.name(d.span.file))},
                        "region": {"startLine": s.line, "startColumn": s.column, "endLine": e.line, "endColumn": e.column}
                    }
                }]
            });
            let related: Vec<Value> = report
                .sources
                .include_chain(d.span.file)
                .into_iter()
                .enumerate()
                .map(|(i, site)| {
                    let at = report.sources.start(site);
                    json!({
                        "id": i,
                        "message": {"text": "included from here"},
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri(report.sources.name(site.file))},
                            "region": {"startLine": at.line, "startColumn": at.column}
                        }
                    })
                })
                .collect();
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            let path = report.path_of(d);
            if !path.is_empty() {
                result["locations"][0]["logicalLocations"] = json!([{"fullyQualifiedName": path, "kind": "member"}]);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "cairn",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules
            }},
            "columnKind": "unicodeCodePoints",
            "results": results
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("SARIF serializes: this is a bug");
    s.push('\n');
    s
}

/// A relative file path as a URI reference (forward slashes, spaces escaped).
fn uri(path: &str) -> String {
    path.replace('\\', "/").replace(' ', "%20")
}
