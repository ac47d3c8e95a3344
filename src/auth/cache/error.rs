//! Errors of the token cache. Every message says what to do about it and none ever carries token
//! text: I/O errors name only paths, serialization errors only a category and position, key-store
//! errors only the platform's message about the store itself.

use std::path::PathBuf;

/// Why a token-cache operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// No per-user data directory could be determined and none was configured.
    #[error(
        "could not determine a per-user directory for the token cache; set the cache directory \
         explicitly (CacheOptions.dir), e.g. to a folder inside your home directory"
    )]
    NoCacheDir,

    /// A file-system operation on the cache directory failed.
    #[error(
        "token cache: could not {action} '{}': {source}; check that the directory exists, \
         belongs to you and is writable",
        path.display()
    )]
    Io {
        /// What was being done ("create directory", "read", "replace", ...).
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Another process held the cache lock for too long.
    #[error(
        "token cache: timed out after {waited_secs} s waiting for the lock '{}'; another PimRust \
         process may be stuck: close it and retry",
        path.display()
    )]
    LockTimeout { path: PathBuf, waited_secs: u64 },

    /// A plaintext cache file (or the cache directory) is accessible by other users.
    #[error(
        "token cache: '{}' is accessible by other users (mode {mode:o}); refusing to use it. Run \
         `chmod 600 '{}'` (or `chmod 700` for a directory), or delete it and sign in again",
        path.display(),
        path.display()
    )]
    InsecurePermissions { path: PathBuf, mode: u32 },

    /// The OS key store failed while handling the 32-byte cache encryption key.
    #[error(
        "token cache: {store} could not {action} the cache encryption key: {message}; unlock or \
         start the key store, or sign out of all accounts to reset the cache"
    )]
    KeyStore {
        /// Display name of the key store ("Secret Service", ...).
        store: &'static str,
        /// "read", "write", "delete" or "probe".
        action: &'static str,
        /// The platform's message (about the store, never about cached data).
        message: String,
    },

    /// The cache contents could not be serialized. `detail` holds only a category and position.
    #[error("token cache: could not {action} the cache contents ({detail})")]
    Format { action: &'static str, detail: String },

    /// AES-GCM encryption failed (should not happen with a valid key).
    #[error("token cache: encryption failed; sign out of all accounts to reset the cache")]
    Crypto,
}

impl CacheError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CacheError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// A serde_json error reduced to category and position: its own message can quote input text.
    pub(crate) fn json(action: &'static str, err: &serde_json::Error) -> Self {
        CacheError::Format {
            action,
            detail: format!(
                "{:?} error at line {} column {}",
                err.classify(),
                err.line(),
                err.column()
            ),
        }
    }
}
