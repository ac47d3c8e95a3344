//! Events an operation emits while it runs (progress, prompts, log lines): the [`Event`] kinds, and
//! the [`EventSink`] that queues them for the host. Hosts pull them from the op's queue; nothing ever
//! calls back into the host.

mod event;
mod queue;

pub use event::{EVENT_VERSION, Event, LogLevel, Prompt};
pub(crate) use queue::BoundedQueue;
pub use queue::{BufferedEvents, EventQueue};

use std::sync::Arc;

/// Write side of one operation's event queue. Cheap to clone; safe to use from any task.
#[derive(Clone)]
pub struct EventSink {
    queue: Arc<dyn EventQueue>,
}

impl EventSink {
    pub fn new(queue: Arc<dyn EventQueue>) -> Self {
        Self { queue }
    }

    /// A sink with a queue of its own (see [`BufferedEvents`]).
    pub fn buffered() -> Self {
        Self::new(Arc::new(BufferedEvents::default()))
    }

    /// Takes every queued event (oldest first). Test and direct-caller helper: hosts drain events
    /// through the engine (`pim_op_next_event`).
    pub fn drain(&self) -> Vec<String> {
        std::iter::from_fn(|| self.queue.pop()).collect()
    }

    pub fn emit(&self, event: Event) {
        self.queue.push(event.to_json());
    }

    /// See [`Event::warning`].
    pub fn warn(&self, code: &str, message: &str) {
        self.emit(Event::warning(code, message));
    }
}
