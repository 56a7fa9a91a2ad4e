//! `cairn diff` through the binary: snapshots of the text and JSON output for each kind of change
//! (in place, replacement, may-replace, added and removed resources, a retained orphan, section changes),
//! file against deployed stack, equal templates, and the exit codes with and without `--fail`.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const BASE: &str = "tests/fixtures/diff/base.yaml";

/// A state directory of one test, removed at the end; shared with the drift tests.
pub struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    pub fn new(name: &str) -> Sandbox {
        // Unique per call: tests run in parallel and several may use the same name.
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("cairn-diff-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("sandbox");
        Sandbox { dir }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_cairn"))
            .current_dir(crate::root())
            .env("NO_COLOR", "1")
            .arg("--state")
            .arg(self.dir.join("state.db"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("cairn runs")
    }

    /// Runs a command that must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        crate::stdout(&out)
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--output", "json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).expect("json output")
    }

    pub fn apply(&self, stack: &str, template: &str, extra: &[&str]) {
        let mut a = vec![
            "apply",
            stack,
            "-t",
            template,
            "--yes",
            "--mock-latency",
            "0",
        ];
        a.extend_from_slice(extra);
        self.ok(&a);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn diff(args: &[&str]) -> (String, i32) {
    let sandbox = Sandbox::new("files");
    let mut a = vec!["diff"];
    a.extend_from_slice(args);
    let out = sandbox.run(&a);
    assert!(
        out.stderr.is_empty(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (crate::stdout(&out), out.status.code().unwrap_or(-1))
}

fn fixture(name: &str) -> String {
    format!("tests/fixtures/diff/{name}.yaml")
}

/// The text and the JSON output of `cairn diff base.yaml NAME.yaml`, snapshotted.
fn snapshot_both(name: &str) {
    let b = fixture(name);
    let (text, code) = diff(&[BASE, &b]);
    assert_eq!(code, 0, "without --fail a diff exits 0");
    insta::assert_snapshot!(format!("{name}.text"), text);
    let (json, _) = diff(&["--output", "json", BASE, &b]);
    insta::assert_snapshot!(format!("{name}.json"), json);
}

#[test]
fn in_place_change() {
    snapshot_both("in-place");
}

#[test]
fn replacement_and_its_cascade() {
    snapshot_both("replace");
}

#[test]
fn a_value_known_only_after_deployment_may_replace() {
    snapshot_both("may-replace");
}

#[test]
fn added_removed_and_orphaned_resources_and_section_changes() {
    snapshot_both("add-remove");
}

#[test]
fn parameter_values_for_one_side() {
    let (text, code) = diff(&[BASE, BASE, "--b-param", "Env=prod", "--fail"]);
    assert_eq!(code, 1, "--fail exits 1 when the sides differ");
    insta::assert_snapshot!("b-param.text", text);
    // `-p` applies to both file sides: no difference.
    let (text, code) = diff(&[BASE, BASE, "-p", "Env=prod", "--fail"]);
    assert_eq!(code, 0);
    assert!(text.contains("No differences."), "{text}");
}

#[test]
fn equal_templates_exit_0_even_with_fail() {
    let (text, code) = diff(&[BASE, BASE, "--fail"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("equal.text", text);
    let (json, _) = diff(&["--output", "json", BASE, BASE]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["equal"], true);
    assert_eq!(v["resources"], serde_json::json!([]));
}

#[test]
fn a_file_against_a_deployed_stack() {
    let s = Sandbox::new("stack");
    s.apply("app", BASE, &["-p", "Env=prod"]);
    // The stack was deployed with Env=prod: the same file with its default (dev) replaces the queue.
    let out = s.run(&["diff", "stack:app", BASE, "--fail"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("stack-vs-file.text", crate::stdout(&out));
    // With the deployed value for the file side, nothing differs.
    let out = s.run(&["diff", "stack:app", BASE, "--b-param", "Env=prod", "--fail"]);
    assert_eq!(out.status.code(), Some(0), "{}", crate::stdout(&out));
    // Two stacks.
    s.apply("other", &fixture("in-place"), &[]);
    let v = s.json(&["diff", "stack:app", "stack:other"]);
    assert_eq!(v["a"], "stack:app");
    assert_eq!(v["parameters"][0]["name"], "Env");
    assert_eq!(v["summary"]["replace"], 3, "{v}");
}

#[test]
fn a_missing_stack_is_an_error() {
    let s = Sandbox::new("missing");
    let out = s.run(&["diff", "stack:nope", BASE]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: stack `nope` does not exist\n"
    );
}
