//! File-system side of the cache: the private directory (0700 on unix), reading the blob, checking
//! a plaintext file is private (0600), and the atomic replace (temp file in the same directory,
//! 0600, fsync, rename). On Windows the per-user profile directory provides the privacy.

use super::error::CacheError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Blob file name inside the cache directory.
pub const BLOB_FILE: &str = "tokens.bin";
/// Lock file name inside the cache directory (never deleted: see `lock.rs`).
pub const LOCK_FILE: &str = "tokens.lock";
/// Directory name appended to the per-user data directory.
pub const APP_DIR: &str = "PimRust";

/// The default cache directory: `%LOCALAPPDATA%\PimRust` on Windows,
/// `~/Library/Application Support/PimRust` on macOS, `$XDG_STATE_HOME/PimRust`
/// (`~/.local/state/PimRust`) on Linux.
pub fn default_dir() -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    let base = dirs::state_dir().or_else(dirs::data_local_dir);
    #[cfg(not(target_os = "linux"))]
    let base = dirs::data_local_dir();
    base.map(|b| b.join(APP_DIR))
}

/// Creates `dir` (and parents) private to the user; tightens an existing directory that is
/// accessible by group or others.
pub fn ensure_private_dir(dir: &Path) -> Result<(), CacheError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| CacheError::io("create directory", dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir).map_err(|e| CacheError::io("inspect", dir, e))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|_| {
                CacheError::InsecurePermissions {
                    path: dir.to_path_buf(),
                    mode,
                }
            })?;
            tracing::debug!(dir = %dir.display(), "tightened token cache directory to 0700");
        }
    }
    Ok(())
}

/// The blob's bytes, or `None` if there is no file.
pub fn read(path: &Path) -> Result<Option<Vec<u8>>, CacheError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CacheError::io("read", path, e)),
    }
}

/// Refuses a file that group or others can access (unix; no-op elsewhere and if it is missing).
pub fn check_private_file(path: &Path) -> Result<(), CacheError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(path) {
            Ok(meta) => {
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    return Err(CacheError::InsecurePermissions {
                        path: path.to_path_buf(),
                        mode,
                    });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CacheError::io("inspect", path, e)),
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Atomically replaces `path` with `bytes`: temp file in the same directory (0600), fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tokens-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| CacheError::io("create a temporary file in", dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| CacheError::io("set permissions on", tmp.path(), e))?;
    }
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| CacheError::io("write", tmp.path().to_path_buf(), e))?;
    persist(tmp, path)?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        // Make the rename itself durable; failure only weakens crash safety.
        let _ = d.sync_all();
    }
    Ok(())
}

fn persist(mut tmp: tempfile::NamedTempFile, path: &Path) -> Result<(), CacheError> {
    // On Windows a scanner or indexer can briefly hold the target open: retry a few times.
    let mut attempts = 0;
    loop {
        match tmp.persist(path) {
            Ok(_) => return Ok(()),
            Err(e) if cfg!(windows) && attempts < 10 => {
                attempts += 1;
                tmp = e.file;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => return Err(CacheError::io("replace", path, e.error)),
        }
    }
}

/// Deletes `path`; `Ok(false)` if it did not exist.
pub fn remove(path: &Path) -> Result<bool, CacheError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(CacheError::io("delete", path, e)),
    }
}
