//! Every walkthrough of `examples/` runs top to bottom against the built binary, as a reader would run
//! it: each script checks its own expectations and exits non-zero when a status is not the expected one.
//! The mock cloud answers at once (`CAIRN_MOCK_LATENCY=0`) and the default state store is a throw-away
//! directory (`CAIRN_STATE`), so no script can touch the repository's `.cairn/`.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{fixture_files, root};

/// The whole set of walkthroughs must stay quick enough to run on every change.
const BUDGET: Duration = Duration::from_secs(20);

/// What a walkthrough's output must contain, beyond its own checks.
fn expected(script: &str) -> &'static [&'static str] {
    match script {
        "appspec-walkthrough.sh" => &["error[E8007]", "blue/green deployment on EC2/On-Premises"],
        "continuous-deployment.sh" => &["nothing to deploy", "UPDATE_COMPLETE"],
        "continuous-delivery.sh" => &["REVIEW_IN_PROGRESS", "OBSOLETE"],
        "update-in-place-vs-replacement.sh" => {
            &["forces replacement", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"]
        }
        "failed-deployment.sh" => &[
            "UPDATE_ROLLBACK_COMPLETE",
            "UPDATE_FAILED",
            "UPDATE_ROLLBACK_FAILED",
        ],
        _ => &[],
    }
}

fn scripts() -> Vec<PathBuf> {
    fixture_files(&root().join("examples"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect()
}

#[test]
fn every_walkthrough_runs_top_to_bottom() {
    let scripts = scripts();
    let names: Vec<String> = scripts
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    for walkthrough in [
        "continuous-deployment.sh",
        "continuous-delivery.sh",
        "update-in-place-vs-replacement.sh",
        "failed-deployment.sh",
        "appspec-walkthrough.sh",
    ] {
        assert!(names.iter().any(|n| n == walkthrough), "{walkthrough}");
    }
    let state = std::env::temp_dir().join(format!("cairn-examples-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(&state).expect("state dir");
    let started = Instant::now();
    let mut times = Vec::new();
    for (script, name) in scripts.iter().zip(&names) {
        let t = Instant::now();
        let out = Command::new("sh")
            .arg(script)
            .current_dir(root())
            .env("CAIRN_BIN", env!("CARGO_BIN_EXE_cairn"))
            .env("CAIRN_MOCK_LATENCY", "0")
            .env("CAIRN_STATE", state.join("state.db"))
            .env("NO_COLOR", "1")
            .output()
            .expect("sh runs");
        times.push(format!("{name}: {:.1?}", t.elapsed()));
        let text = String::from_utf8_lossy(&out.stdout);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name} failed:\n{text}\n{err}");
        for needle in expected(name) {
            assert!(
                text.contains(needle),
                "{name} does not show `{needle}`:\n{text}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&state);
    let total = started.elapsed();
    println!("{}", times.join("\n"));
    assert!(
        total < BUDGET,
        "the walkthroughs took {total:.1?}, over {BUDGET:?}:\n{}",
        times.join("\n")
    );
}
