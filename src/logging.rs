//! Per-operation capture of the core's `tracing` output. Each op runs under its own subscriber whose
//! layer turns events into `{"event":"log"}` entries on that op's queue, redacted at the source, so a
//! host shows exactly what the native side did for the command it ran (PowerShell: -Verbose/-Debug).
//! The HTTP stack's connection-pool chatter is left out below trace level.
//! `PIMRUST_LOG` (an env-filter directive) additionally mirrors everything to stderr for hosts that
//! have no event loop.

use crate::events::{Event as CoreEvent, EventSink, LogLevel};
use crate::redact::redact;
use serde_json::{Map, Value, json};
use std::fmt::Write as _;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::{EnvFilter, Registry};

pub const LOG_ENV_VAR: &str = "PIMRUST_LOG";

pub fn parse_level(text: &str) -> Option<LevelFilter> {
    match text.to_ascii_lowercase().as_str() {
        "off" | "none" => Some(LevelFilter::OFF),
        "error" => Some(LevelFilter::ERROR),
        "warn" | "warning" => Some(LevelFilter::WARN),
        "info" => Some(LevelFilter::INFO),
        "debug" | "verbose" => Some(LevelFilter::DEBUG),
        "trace" => Some(LevelFilter::TRACE),
        _ => None,
    }
}

/// The HTTP stack's own crates: their debug lines are connection-pool chatter, shown only at trace.
const HTTP_STACK: [&str; 5] = ["hyper", "hyper_util", "reqwest", "h2", "rustls"];

/// What an op at `level` captures: everything at that level, the HTTP stack's lines only at trace
/// (below trace, at most its info and above).
fn op_filter(level: LevelFilter) -> Targets {
    let stack = if level == LevelFilter::TRACE {
        level
    } else {
        level.min(LevelFilter::INFO)
    };
    HTTP_STACK
        .iter()
        .fold(Targets::new().with_default(level), |targets, crate_name| {
            targets.with_target(*crate_name, stack)
        })
}

/// Builds the subscriber one operation runs under.
pub fn dispatch_for_op(events: EventSink, level: LevelFilter) -> Dispatch {
    let queue = QueueLayer { events }.with_filter(op_filter(level));
    let stderr = std::env::var(LOG_ENV_VAR).ok().and_then(|directive| {
        let filter = EnvFilter::try_new(directive).ok()?;
        Some(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter),
        )
    });
    Dispatch::new(Registry::default().with(queue).with(stderr))
}

struct QueueLayer {
    events: EventSink,
}

impl<S: Subscriber> Layer<S> for QueueLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut visitor = FieldVisitor::default();
        event.record(&mut visitor);
        let metadata = event.metadata();
        self.events.emit(CoreEvent::Log {
            level: LogLevel::from(metadata.level()),
            target: metadata.target().into(),
            code: None,
            message: redact(&visitor.message).into_owned(),
            fields: visitor.fields,
        });
    }
}

#[derive(Default)]
struct FieldVisitor {
    message: String,
    fields: Map<String, Value>,
}

impl Visit for FieldVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record(field, json!(redact(value)));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record(field, json!(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record(field, json!(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.record(field, json!(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.record(field, json!(redact(&text)));
    }
}

impl FieldVisitor {
    fn record(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = match value {
                Value::String(text) => text,
                other => other.to_string(),
            };
        } else {
            self.fields.insert(field.name().to_string(), value);
        }
    }
}
