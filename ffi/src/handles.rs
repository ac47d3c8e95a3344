//! Client handles are `u64`s from a counter that never repeats, looked up in a map on every call, so
//! a stale, forged or double-freed handle is a defined `InvalidHandle`, never freed memory.

use crate::status::PimStatus;
use once_cell::sync::Lazy;
use parking_lot::Mutex;
use pimrust_core::Engine;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

static CLIENTS: Lazy<Mutex<HashMap<u64, Arc<Engine>>>> = Lazy::new(Default::default);
static NEXT_HANDLE: AtomicU64 = AtomicU64::new(1);

pub(crate) fn insert(engine: Engine) -> u64 {
    let handle = NEXT_HANDLE.fetch_add(1, Ordering::SeqCst);
    CLIENTS.lock().insert(handle, Arc::new(engine));
    handle
}

pub(crate) fn get(handle: u64) -> Result<Arc<Engine>, PimStatus> {
    CLIENTS.lock().get(&handle).cloned().ok_or(PimStatus::InvalidHandle)
}

pub(crate) fn remove(handle: u64) -> Result<Arc<Engine>, PimStatus> {
    CLIENTS.lock().remove(&handle).ok_or(PimStatus::InvalidHandle)
}
