//! Everything this process logs, from every thread, kept for the checks: how many cache writes were
//! made, which warnings were given, and that no token text was ever logged.

use parking_lot::Mutex;
use std::sync::Once;

static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Keep;

impl std::io::Write for Keep {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(|| Keep)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber per test binary");
    });
}

pub fn text() -> String {
    String::from_utf8_lossy(&LOG.lock()).into_owned()
}

/// Lines logged so far that contain `needle`.
pub fn count(needle: &str) -> usize {
    text().lines().filter(|line| line.contains(needle)).count()
}
