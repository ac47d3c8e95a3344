//! Everything on stderr: sign-in prompts (always: someone must answer them), warnings (once each),
//! and a progress line only when stderr is a terminal. Nothing decorative when piped.

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashSet;
use std::io::IsTerminal;
use std::time::Duration;

/// Whether colour may be used on a stream: only on a terminal, and never with `NO_COLOR` set.
pub fn colour(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub struct Feedback {
    progress: Option<ProgressBar>,
    warned: RefCell<HashSet<String>>,
}

impl Feedback {
    pub fn new() -> Self {
        let stderr_is_terminal = std::io::stderr().is_terminal();
        console::set_colors_enabled_stderr(colour(stderr_is_terminal));
        let progress = stderr_is_terminal.then(|| {
            let bar = ProgressBar::hidden();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        });
        Self {
            progress,
            warned: RefCell::new(HashSet::new()),
        }
    }

    /// Shows one of the core's events (the JSON object it emitted).
    pub fn show(&self, event: &Value) {
        let text = |name: &str| event[name].as_str().unwrap_or_default().to_string();
        match event["event"].as_str() {
            Some("progress") => {
                let status = event["status"].as_str().map(|s| format!(": {s}")).unwrap_or_default();
                self.status(&format!("{}{status}", text("activity")));
            }
            Some("activation") => self.status(&format!("{}: {}", text("roleName"), text("status"))),
            Some("log") if matches!(event["level"].as_str(), Some("warn" | "error")) => {
                self.warn(&text("message"));
            }
            Some("browser") => {
                self.say(&text("message"));
                if event["opened"] != Value::Bool(true) {
                    self.say(&format!("Open this address in a browser: {}", text("url")));
                }
            }
            Some("deviceCode") => self.say(&text("message")),
            Some("eventsDropped") => self.warn("some progress messages were dropped"),
            _ => {}
        }
    }

    /// A line for the user on stderr, above the progress line.
    pub fn say(&self, line: &str) {
        match &self.progress {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// `warning: …`, once per distinct message.
    pub fn warn(&self, message: &str) {
        if self.warned.borrow_mut().insert(message.to_string()) {
            let label = console::style("warning:").yellow().for_stderr();
            self.say(&format!("{label} {message}"));
        }
    }

    pub fn error(&self, message: &str) {
        let label = console::style("error:").red().for_stderr();
        self.say(&format!("{label} {message}"));
    }

    fn status(&self, message: &str) {
        if let Some(bar) = &self.progress {
            if bar.is_hidden() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                bar.enable_steady_tick(Duration::from_millis(120));
            }
            bar.set_message(message.to_string());
        }
    }

    /// Removes the progress line before the result is printed.
    pub fn done(&self) {
        if let Some(bar) = &self.progress {
            bar.finish_and_clear();
        }
    }
}
