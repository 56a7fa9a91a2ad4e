//! A state directory per test, and the commands that drive the binary against it: run, read JSON, a
//! stack's status, and the check that no physical resource is left untracked.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// A state directory of one test, removed at the end.
pub struct Sandbox {
    pub dir: PathBuf,
}

impl Sandbox {
    pub fn new(name: &str) -> Sandbox {
        // Unique per call: tests run in parallel and several may use the same name.
        static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("cairn-stack-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("sandbox");
        Sandbox { dir }
    }

    pub fn state(&self) -> String {
        self.dir.join("state.db").display().to_string()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cairn"));
        c.current_dir(crate::root())
            .env("NO_COLOR", "1")
            .arg("--state")
            .arg(self.state())
            .args(args)
            .stdin(Stdio::null());
        c
    }

    /// Writes `text` to file `name` in the sandbox; its path.
    pub fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("the sandbox is writable");
        path.display().to_string()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("cairn runs")
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

    /// Applies `template` to `stack` with no latency (and `extra` flags); it must succeed.
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

    /// Applies the saved plan `plan` to `stack` with no latency; the outcome is the caller's to check.
    pub fn apply_plan(&self, stack: &str, plan: &str) -> Output {
        self.run(&[
            "apply",
            stack,
            "--plan",
            plan,
            "--yes",
            "--mock-latency",
            "0",
        ])
    }

    /// Starts `args` and kills the process (SIGKILL, as a crash would) after `ms` milliseconds.
    pub fn kill_after(&self, args: &[&str], ms: u64) {
        let mut child = self
            .command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(ms));
        let _ = child.kill();
        let _ = child.wait();
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--output", "json"];
        a.extend_from_slice(args);
        let out = self.run(&a);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    pub fn status(&self, stack: &str) -> String {
        let stacks = self.json(&["stacks", "--all"]);
        stacks
            .as_array()
            .expect("a list")
            .iter()
            .find(|s| s["name"] == stack)
            .map(|s| s["status"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    }

    /// Physical ids the mock cloud holds for `stack`, and those the state store tracks.
    pub fn cloud_and_state(&self, stack: &str) -> (BTreeSet<String>, BTreeSet<String>) {
        let cloud: BTreeSet<String> = self
            .json(&["mock", "list"])
            .as_array()
            .expect("a list")
            .iter()
            .filter(|r| r["stack_name"] == stack)
            .map(|r| r["physical_id"].as_str().unwrap_or_default().to_owned())
            .collect();
        let tracked: BTreeSet<String> = if self.status(stack).is_empty() {
            BTreeSet::new()
        } else {
            self.json(&["resources", stack])
                .as_array()
                .expect("a list")
                .iter()
                .filter_map(|r| r["physical_id"].as_str().map(str::to_owned))
                .collect()
        };
        (cloud, tracked)
    }

    /// Every physical resource of `stack` in the mock cloud is tracked by the state store.
    pub fn assert_no_orphans(&self, stack: &str) {
        let (cloud, tracked) = self.cloud_and_state(stack);
        let orphans: Vec<_> = cloud.difference(&tracked).collect();
        assert!(
            orphans.is_empty(),
            "orphaned in the mock cloud: {orphans:?}"
        );
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
