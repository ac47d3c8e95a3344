//! The persisted refresh-token cache.
//!
//! All entries live in one file, `tokens.bin`, in a private per-user directory (see
//! [`CacheOptions::dir`]). By default the file is AES-256-GCM encrypted with a random 32-byte key
//! kept in the OS key store (Windows Credential Manager, macOS Keychain, Secret Service, or the
//! Linux kernel keyring, whose keys vanish on reboot: then the user simply signs in again). With
//! no usable key store, [`CacheMode::Auto`] disables persistence (sign-ins last for the session);
//! [`CacheMode::PlaintextFile`] is the explicit opt-in for headless machines.
//!
//! Every operation takes a cross-process lock (`tokens.lock`) and writes atomically, so several
//! PowerShell sessions can share the cache. A file that cannot be decrypted (key lost, corrupt,
//! another user's) reads as empty and is replaced by the next [`TokenCache::store`].
//!
//! **Blocking:** every method does file I/O and may talk to the OS key store (D-Bus, ...). Call it
//! from `tokio::task::spawn_blocking` (or a plain thread), never directly on an async task.

mod crypto;
mod error;
mod file;
mod key_store;
mod lock;
mod open;
mod payload;
mod types;

pub use crypto::{MAGIC_ENCRYPTED, MAGIC_PLAINTEXT};
pub use error::CacheError;
pub use file::{BLOB_FILE, LOCK_FILE, default_dir, ensure_private_dir, write_atomic};
pub use key_store::{
    KEY_USER, KEYUTILS, KeyStore, KeyStoreProbe, MACOS_KEYCHAIN, MEMORY, MemoryKeyStore, OsKeyStore, PROBE_USER,
    SECRET_SERVICE, WINDOWS_CREDENTIAL_MANAGER,
};
pub use types::{CacheBackend, CacheEntry, CacheKey, CacheMode, CacheOptions, CachedAccount};

use crypto::BlobKind;
use lock::CacheLock;
use payload::{Record, Records};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use zeroize::Zeroizing;

enum Backend {
    Disabled {
        /// Where a cache from an earlier mode may still be, for `remove_all`.
        leftover: Option<PathBuf>,
    },
    Encrypted {
        paths: Paths,
        key_store: Box<dyn KeyStore>,
    },
    Plaintext {
        paths: Paths,
    },
}

struct Paths {
    dir: PathBuf,
    blob: PathBuf,
    lock: PathBuf,
}

impl Paths {
    fn new(dir: PathBuf) -> Paths {
        Paths {
            blob: dir.join(file::BLOB_FILE),
            lock: dir.join(file::LOCK_FILE),
            dir,
        }
    }

    /// Takes the cross-process lock, re-creating the directory if it disappeared.
    fn lock(&self) -> Result<CacheLock, CacheError> {
        file::ensure_private_dir(&self.dir)?;
        CacheLock::acquire(&self.lock)
    }
}

/// What was read from the blob file.
struct Loaded {
    records: Records,
    /// The key that decrypted the file (encrypted mode), to be reused for the rewrite.
    key: Option<Zeroizing<[u8; 32]>>,
}

/// The refresh-token cache. `Send + Sync`; every method is blocking (see the module docs).
pub struct TokenCache {
    backend: Backend,
    warned_unreadable: AtomicBool,
    open_warning: Option<String>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("backend", &self.backend())
            .field("path", &self.path())
            .finish()
    }
}

const UNREADABLE_WARNING: &str = "cached sign-ins could not be decrypted (key store reset, e.g. after a reboot, or the file is \
     damaged or another user's); sign in again";

impl TokenCache {
    /// Where the cache persists.
    pub fn backend(&self) -> CacheBackend {
        match &self.backend {
            Backend::Disabled { .. } => CacheBackend::Disabled,
            Backend::Encrypted { key_store, .. } => CacheBackend::Encrypted {
                key_store: key_store.name(),
            },
            Backend::Plaintext { .. } => CacheBackend::PlaintextFile,
        }
    }

    /// The blob file, if the cache persists.
    pub fn path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Disabled { .. } => None,
            Backend::Encrypted { paths, .. } | Backend::Plaintext { paths } => Some(&paths.blob),
        }
    }

    /// The warning logged when the cache was opened (no key store / plaintext), for hosts that
    /// want to show it to the user.
    pub fn open_warning(&self) -> Option<&str> {
        self.open_warning.as_deref()
    }

    /// The entry for `key`, if cached and readable.
    pub fn load(&self, key: &CacheKey) -> Result<Option<CacheEntry>, CacheError> {
        let key = key.normalized();
        self.with_records(|loaded| Ok(loaded.records.get(&key).map(Record::to_entry)))
            .map(Option::flatten)
    }

    /// Stores (replaces) the entry for `key`: read-modify-write under the cross-process lock.
    pub fn store(&self, key: &CacheKey, entry: &CacheEntry) -> Result<(), CacheError> {
        let key = key.normalized();
        self.modify(|records| {
            records.upsert(Record::new(key, entry));
            true
        })
        .map(|_| ())
    }

    /// Removes the entry for `key` (sign-out of one account); `true` if there was one. The entry
    /// is gone from disk when this returns.
    pub fn remove(&self, key: &CacheKey) -> Result<bool, CacheError> {
        let key = key.normalized();
        self.modify(|records| records.remove(&key))
    }

    /// Signs everyone out: deletes the blob file and the encryption key from the key store.
    /// Returns how many readable entries there were. In `Disabled` mode a file left behind by an
    /// earlier mode is deleted too.
    pub fn remove_all(&self) -> Result<usize, CacheError> {
        match &self.backend {
            Backend::Disabled { leftover } => {
                if let Some(dir) = leftover {
                    file::remove(&dir.join(file::BLOB_FILE))?;
                }
                Ok(0)
            }
            Backend::Plaintext { paths } => {
                let _lock = paths.lock()?;
                // An unreadable (e.g. group-readable) file is still deleted.
                let count = self.read(paths, None).map(|l| l.records.len()).unwrap_or(0);
                file::remove(&paths.blob)?;
                Ok(count)
            }
            Backend::Encrypted { paths, key_store } => {
                let _lock = paths.lock()?;
                let count = self
                    .read(paths, Some(key_store.as_ref()))
                    .map(|l| l.records.len())
                    .unwrap_or(0);
                file::remove(&paths.blob)?;
                key_store.delete()?;
                Ok(count)
            }
        }
    }

    /// Every readable entry without its refresh token.
    pub fn accounts(&self) -> Result<Vec<CachedAccount>, CacheError> {
        self.with_records(|loaded| Ok(loaded.records.accounts()))
            .map(Option::unwrap_or_default)
    }

    /// The keys of all readable entries, sorted.
    pub fn keys(&self) -> Result<Vec<CacheKey>, CacheError> {
        self.with_records(|loaded| Ok(loaded.records.keys()))
            .map(Option::unwrap_or_default)
    }

    /// Runs `f` on the current contents under the lock; `None` when disabled.
    fn with_records<T>(&self, f: impl FnOnce(&Loaded) -> Result<T, CacheError>) -> Result<Option<T>, CacheError> {
        let (paths, key_store) = match &self.backend {
            Backend::Disabled { .. } => return Ok(None),
            Backend::Encrypted { paths, key_store } => (paths, Some(key_store.as_ref())),
            Backend::Plaintext { paths } => (paths, None),
        };
        let _lock = paths.lock()?;
        let loaded = self.read(paths, key_store)?;
        f(&loaded).map(Some)
    }

    /// Read-modify-write under the lock; `change` returns whether it changed anything (only then
    /// is the file rewritten). Returns that flag; `false` when disabled.
    fn modify(&self, change: impl FnOnce(&mut Records) -> bool) -> Result<bool, CacheError> {
        let (paths, key_store) = match &self.backend {
            Backend::Disabled { .. } => return Ok(false),
            Backend::Encrypted { paths, key_store } => (paths, Some(key_store.as_ref())),
            Backend::Plaintext { paths } => (paths, None),
        };
        let _lock = paths.lock()?;
        let mut loaded = self.read(paths, key_store)?;
        if !change(&mut loaded.records) {
            return Ok(false);
        }
        let json = loaded.records.to_json()?;
        match key_store {
            None => file::write_atomic(&paths.blob, &crypto::wrap_plaintext(&json))?,
            Some(key_store) => {
                let key = match loaded.key.take() {
                    Some(key) => key,
                    None => key_for_new_file(key_store, paths)?,
                };
                file::write_atomic(&paths.blob, &crypto::encrypt(&key, &json)?)?;
            }
        }
        Ok(true)
    }

    /// Reads and decodes the blob (caller holds the lock). Unreadable content reads as empty,
    /// with a warning once per `TokenCache`.
    fn read(&self, paths: &Paths, key_store: Option<&dyn KeyStore>) -> Result<Loaded, CacheError> {
        let empty = Loaded {
            records: Records::default(),
            key: None,
        };
        if key_store.is_none() {
            file::check_private_file(&paths.blob)?;
        }
        let Some(blob) = file::read(&paths.blob)? else {
            return Ok(empty);
        };
        let kind = crypto::classify(&blob);
        match key_store {
            None => {
                let blob = Zeroizing::new(blob);
                match crypto::unwrap_plaintext(&blob).map(Records::from_json) {
                    Some(Ok(records)) => Ok(Loaded { records, key: None }),
                    _ => {
                        self.warn_unreadable(&paths.blob, kind, "plaintext");
                        Ok(empty)
                    }
                }
            }
            Some(key_store) => {
                if kind == BlobKind::Encrypted {
                    if let Some(key) = key_store.get()? {
                        if let Some(json) = crypto::decrypt(&key, &blob) {
                            if let Ok(records) = Records::from_json(&json) {
                                return Ok(Loaded {
                                    records,
                                    key: Some(key),
                                });
                            }
                        }
                    }
                } else if kind == BlobKind::Plaintext {
                    // Left over from PlaintextFile mode: never read it here, replace it on the
                    // next store. Wipe our copy of its bytes.
                    drop(Zeroizing::new(blob));
                }
                self.warn_unreadable(&paths.blob, kind, "encrypted");
                Ok(empty)
            }
        }
    }

    fn warn_unreadable(&self, path: &Path, kind: BlobKind, expected: &'static str) {
        if self.warned_unreadable.swap(true, Ordering::Relaxed) {
            return;
        }
        let found = match kind {
            BlobKind::Encrypted => "encrypted",
            BlobKind::Plaintext => "plaintext",
            BlobKind::Unreadable => "unrecognized or truncated",
        };
        tracing::warn!(
            path = %path.display(),
            found,
            expected,
            "{UNREADABLE_WARNING}; the file will be replaced on the next sign-in"
        );
    }
}

/// The key for a file written from scratch (none yet, or the old one was unreadable): an existing
/// key is reused only if there is no file (nothing it failed to decrypt); otherwise a fresh random
/// key replaces it in the key store.
fn key_for_new_file(key_store: &dyn KeyStore, paths: &Paths) -> Result<Zeroizing<[u8; 32]>, CacheError> {
    if !paths.blob.exists() {
        if let Some(key) = key_store.get()? {
            return Ok(key);
        }
    }
    let mut key = Zeroizing::new([0u8; 32]);
    rand::fill(&mut key[..]);
    key_store.set(&key)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn token_cache_is_send_sync() {
        assert_send_sync::<TokenCache>();
    }
}
