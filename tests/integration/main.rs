//! Cairn's integration tests: one test binary driving the real `cairn` binary and the library.

mod cicd;
mod conformance;
mod diff;
mod drift;
mod examples;
mod exit_codes;
mod fixtures;
mod fmt;
mod graph;
mod include;
mod langext;
mod modules;
mod planned;
mod render;
mod sam;
mod sam_fixtures;
mod sandbox;
mod stack;
mod templates_smoke;
mod update;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A small builder around the `cairn` binary.
pub struct Cairn {
    cmd: Command,
}

#[allow(clippy::new_without_default)]
impl Cairn {
    pub fn new() -> Cairn {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
        cmd.current_dir(root()).env("NO_COLOR", "1");
        Cairn { cmd }
    }

    pub fn args<I, S>(mut self, args: I) -> Cairn
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn arg(mut self, a: impl AsRef<std::ffi::OsStr>) -> Cairn {
        self.cmd.arg(a);
        self
    }

    pub fn run(mut self) -> Output {
        self.cmd.output().expect("the cairn binary runs")
    }
}

/// Files in a fixture folder, sorted.
pub fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
