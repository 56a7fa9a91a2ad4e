//! Progress of a running operation, fed by the engine's hook: on a terminal, a live view with one line
//! per resource and its current status; otherwise one plain line per event; with `--output json`, one
//! JSON object per event (JSON lines).

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::Hook;
use crate::state::EventRecord;

pub enum Progress {
    Live {
        bars: MultiProgress,
        lines: Mutex<HashMap<String, ProgressBar>>,
    },
    Plain,
    Json,
}

impl Progress {
    pub fn new(json: bool, terminal: bool) -> Progress {
        if json {
            Progress::Json
        } else if terminal {
            Progress::Live {
                bars: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                lines: Mutex::new(HashMap::new()),
            }
        } else {
            Progress::Plain
        }
    }

    /// Leaves the live view in place (each line shows its final status).
    pub fn finish(&self) {
        if let Progress::Live { lines, .. } = self {
            for bar in lines.lock().expect("progress lock").values() {
                bar.finish();
            }
        }
    }
}

/// `CREATE_IN_PROGRESS` and the like, colored on a terminal.
fn colored(status: &str) -> String {
    let code = if status.ends_with("_FAILED") {
        "31"
    } else if status.ends_with("_COMPLETE") && !status.contains("ROLLBACK") {
        "32"
    } else if status.contains("ROLLBACK") || status == "DELETE_SKIPPED" {
        "33"
    } else {
        "36"
    };
    format!("\x1b[{code}m{status}\x1b[0m")
}

impl Hook for Progress {
    fn event(&self, e: &EventRecord) {
        match self {
            Progress::Json => {
                let mut line = serde_json::to_string(e).expect("events serialize: this is a bug");
                line.push('\n');
                let _ = std::io::stdout().lock().write_all(line.as_bytes());
            }
            Progress::Plain => {
                let reason = e
                    .status_reason
                    .as_deref()
                    .map(|r| format!("  {r}"))
                    .unwrap_or_default();
                let line = format!(
                    "{}  {:<32} {:<40} {}{reason}\n",
                    e.timestamp, e.logical_id, e.resource_type, e.status
                );
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            }
            Progress::Live { bars, lines } => {
                let mut lines = lines.lock().expect("progress lock");
                let bar = lines.entry(e.logical_id.clone()).or_insert_with(|| {
                    let b = bars.add(ProgressBar::new_spinner());
                    b.set_style(
                        ProgressStyle::with_template("{spinner} {msg}").expect("a valid template"),
                    );
                    b.enable_steady_tick(std::time::Duration::from_millis(120));
                    b
                });
                let reason = e
                    .status_reason
                    .as_deref()
                    .map(|r| format!("  {r}"))
                    .unwrap_or_default();
                bar.set_message(format!(
                    "{:<32} {:<36} {}{reason}",
                    e.logical_id,
                    e.resource_type,
                    colored(&e.status)
                ));
                if e.status.ends_with("_COMPLETE")
                    || e.status.ends_with("_FAILED")
                    || e.status == "DELETE_SKIPPED"
                {
                    bar.finish();
                }
            }
        }
    }
}
