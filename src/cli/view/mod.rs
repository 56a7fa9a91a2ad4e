//! Views of diagnostics: one per output format (human text, JSON, SARIF), all from the same data.

pub mod diff;
pub mod drift;
pub mod graph;
pub mod json;
pub mod plan;
pub mod progress;
pub mod sarif;
pub mod text;
pub mod update_plan;

use std::io::IsTerminal;

/// Colors on a terminal, unless `NO_COLOR` is set.
pub fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// The same for output written to standard error.
pub fn color_enabled_stderr() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}
