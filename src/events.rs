//! Events an operation emits while it runs (progress, prompts, log lines). Hosts pull them from the
//! op's queue; nothing ever calls back into the host.

use crate::engine::op::Op;
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub const EVENT_VERSION: u32 = 1;

/// Write side of one operation's event queue. Cheap to clone; safe to use from any task.
#[derive(Clone)]
pub struct EventSink {
    op: Arc<Op>,
}

impl EventSink {
    pub(crate) fn new(op: Arc<Op>) -> Self {
        Self { op }
    }

    /// A sink not tied to a running op. Not used by the engine: for tests, and for Rust callers of the
    /// core that run no engine (the benchmarks).
    pub fn buffered() -> Self {
        Self {
            op: Arc::new(Op::new()),
        }
    }

    /// Takes every queued event (oldest first). Test and direct-caller helper: hosts drain events
    /// through the engine (`pim_op_next_event`).
    pub fn drain(&self) -> Vec<String> {
        std::iter::from_fn(|| self.op.next_event()).collect()
    }

    /// Emits `{"v":1,"event":<name>, ...fields}`; `fields` must be a JSON object.
    pub fn emit(&self, name: &str, fields: Value) {
        let mut event = Map::new();
        event.insert("v".into(), json!(EVENT_VERSION));
        event.insert("event".into(), json!(name));
        if let Value::Object(fields) = fields {
            event.extend(fields);
        }
        self.op.push_event(Value::Object(event).to_string());
    }

    /// A warning the host shows whatever log level it asked for: a `log` event at level `warn`, with a
    /// stable `code`.
    pub fn warn(&self, code: &str, message: &str) {
        self.emit(
            "log",
            json!({"level": "warn", "target": "pimrust_core", "code": code, "message": message}),
        );
    }

    pub fn progress(&self, fields: Value) {
        self.emit("progress", fields);
    }
}
