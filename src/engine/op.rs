//! State of one operation: its event queue, its final envelope and the flags that decide when its id
//! is retired. One mutex guards it all, so "finished" and "released" can never both be missed.

use crate::events::{BoundedQueue, EventQueue};
use parking_lot::{Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

pub(crate) struct Op {
    pub(crate) cancel: CancellationToken,
    state: Mutex<OpState>,
    changed: Condvar,
}

#[derive(Default)]
struct OpState {
    events: BoundedQueue,
    /// Number of events ever pushed, and how many of them a waiter has already been woken for.
    pushed: u64,
    pushed_seen_by_waiter: u64,
    result: Option<String>,
    finished: bool,
    released: bool,
}

impl Op {
    pub(crate) fn new() -> Self {
        Self {
            cancel: CancellationToken::new(),
            state: Mutex::new(OpState::default()),
            changed: Condvar::new(),
        }
    }

    /// Stores the final envelope. Returns true when the host already released the op, i.e. nobody
    /// will collect the result and the caller must retire the id.
    pub(crate) fn finish(&self, envelope: String) -> bool {
        let mut state = self.state.lock();
        state.result = Some(envelope);
        state.finished = true;
        self.changed.notify_all();
        state.released
    }

    /// Marks that the host will not collect the result. Returns true when the op already finished,
    /// i.e. the caller must retire the id now.
    pub(crate) fn release(&self) -> bool {
        let mut state = self.state.lock();
        state.released = true;
        state.finished
    }

    /// Blocks until the op finishes, an event arrives that no waiter was woken for yet, or `timeout`
    /// passes. Returns whether the op has finished.
    pub(crate) fn wait(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state.lock();
        loop {
            if state.finished || state.pushed != state.pushed_seen_by_waiter {
                state.pushed_seen_by_waiter = state.pushed;
                return state.finished;
            }
            if self.changed.wait_until(&mut state, deadline).timed_out() {
                return state.finished;
            }
        }
    }

    /// Takes the final envelope if the op has finished.
    pub(crate) fn take_result(&self) -> Option<String> {
        let mut state = self.state.lock();
        if state.finished { state.result.take() } else { None }
    }
}

impl EventQueue for Op {
    /// Queues the event and wakes a host waiting in [`Op::wait`].
    fn push(&self, event: String) {
        let mut state = self.state.lock();
        state.events.push(event);
        state.pushed += 1;
        self.changed.notify_all();
    }

    fn pop(&self) -> Option<String> {
        self.state.lock().events.pop()
    }
}
