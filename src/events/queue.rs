//! Where events wait for the host: the [`EventQueue`] an [`EventSink`](super::EventSink) writes to
//! (the engine's op implements it), the bounded queue both the op and [`BufferedEvents`] keep, which
//! drops the oldest events when nobody drains it.

use super::event::Event;
use parking_lot::Mutex;
use std::collections::VecDeque;

/// A queue this long means nobody is draining it; the oldest events are dropped and counted.
pub const MAX_QUEUED_EVENTS: usize = 4096;

/// One operation's event queue, as the code that emits events sees it.
pub trait EventQueue: Send + Sync {
    /// Queues one serialized event.
    fn push(&self, event: String);
    /// Takes the oldest queued event.
    fn pop(&self) -> Option<String>;
}

/// At most [`MAX_QUEUED_EVENTS`] events; when full, the oldest goes and is counted, and the next
/// [`pop`](Self::pop) says so with an `eventsDropped` event.
#[derive(Default)]
pub struct BoundedQueue {
    events: VecDeque<String>,
    dropped: u64,
}

impl BoundedQueue {
    pub fn push(&mut self, event: String) {
        if self.events.len() >= MAX_QUEUED_EVENTS {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(event);
    }

    pub fn pop(&mut self) -> Option<String> {
        if self.dropped > 0 {
            let count = std::mem::take(&mut self.dropped);
            return Some(Event::EventsDropped { count }.to_json());
        }
        self.events.pop_front()
    }
}

/// A queue of its own, not tied to a running op: for tests, and for Rust callers of the core that run
/// no engine (the benchmarks).
#[derive(Default)]
pub struct BufferedEvents(Mutex<BoundedQueue>);

impl EventQueue for BufferedEvents {
    fn push(&self, event: String) {
        self.0.lock().push(event);
    }

    fn pop(&self) -> Option<String> {
        self.0.lock().pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_the_oldest_and_says_how_many_first() {
        let mut queue = BoundedQueue::default();
        for n in 0..MAX_QUEUED_EVENTS + 3 {
            queue.push(n.to_string());
        }
        assert_eq!(
            queue.pop().as_deref(),
            Some(r#"{"count":3,"event":"eventsDropped","v":1}"#)
        );
        assert_eq!(queue.pop().as_deref(), Some("3"), "the oldest three went");
        let rest: Vec<String> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(rest.len(), MAX_QUEUED_EVENTS - 1);
        assert_eq!(rest.last().map(String::as_str), Some("4098"));
    }

    #[test]
    fn the_drop_count_starts_again_after_it_was_reported() {
        let mut queue = BoundedQueue::default();
        for n in 0..=MAX_QUEUED_EVENTS {
            queue.push(n.to_string());
        }
        assert!(queue.pop().is_some_and(|e| e.contains("\"count\":1")));
        queue.push("new".into());
        assert!(queue.pop().is_some_and(|e| e.contains("\"count\":1")));
        assert_eq!(queue.pop().as_deref(), Some("2"));
    }
}
