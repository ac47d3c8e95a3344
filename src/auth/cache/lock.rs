//! Cross-process exclusive lock on `tokens.lock` (flock on unix, LockFileEx on Windows, via fs4).
//! Held around every read and every read-modify-write of `tokens.bin`; released when the guard is
//! dropped (closing the handle). The lock file is never deleted: a process waiting on the old
//! inode would otherwise lock a file nobody else uses.

use super::error::CacheError;
use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long to wait for another process before giving up.
const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct CacheLock {
    _file: File,
}

impl CacheLock {
    pub fn acquire(path: &Path) -> Result<CacheLock, CacheError> {
        Self::acquire_with_timeout(path, LOCK_TIMEOUT)
    }

    pub fn acquire_with_timeout(path: &Path, timeout: Duration) -> Result<CacheLock, CacheError> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(path)
            .map_err(|e| CacheError::io("open the lock file", path, e))?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match fs4::fs_std::FileExt::try_lock_exclusive(&file) {
                Ok(true) => return Ok(CacheLock { _file: file }),
                Ok(false) => {}
                Err(e) => return Err(CacheError::io("lock", path, e)),
            }
            if start.elapsed() >= timeout {
                return Err(CacheError::LockTimeout {
                    path: path.to_path_buf(),
                    waited_secs: timeout.as_secs(),
                });
            }
            // Jittered exponential back-off, capped, so waiters do not move in lockstep.
            let jitter = Duration::from_micros(rand::random_range(0..=pause.as_micros() as u64));
            std::thread::sleep(pause + jitter);
            pause = (pause * 2).min(Duration::from_millis(25));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_handle_waits_and_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.lock");
        let held = CacheLock::acquire(&path).unwrap();
        let err = CacheLock::acquire_with_timeout(&path, Duration::from_millis(100)).unwrap_err();
        assert!(matches!(err, CacheError::LockTimeout { .. }), "{err}");
        drop(held);
        CacheLock::acquire_with_timeout(&path, Duration::from_millis(100)).unwrap();
    }
}
