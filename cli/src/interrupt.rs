//! Ctrl+C: a flag the running command checks between short waits, so it stops at once and still
//! prints what had finished.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Catches SIGINT (Ctrl+C; Ctrl+C and Ctrl+Break on Windows) from now on. The handler is in place
/// when this returns.
pub fn install() {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_io().build() else {
        return; // Without a handler Ctrl+C ends the process the default way.
    };
    #[cfg(unix)]
    let listener = {
        use tokio::signal::unix::{SignalKind, signal};
        runtime.block_on(async { signal(SignalKind::interrupt()) })
    };
    #[cfg(windows)]
    let listener = runtime.block_on(async { tokio::signal::windows::ctrl_c() });
    let Ok(mut listener) = listener else {
        return;
    };
    let watch = move || {
        runtime.block_on(async {
            if listener.recv().await.is_some() {
                INTERRUPTED.store(true, Ordering::SeqCst);
            }
        })
    };
    let _ = std::thread::Builder::new().name("pimrust-ctrl-c".into()).spawn(watch);
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
