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
mod payload;
mod types;

pub use crypto::{MAGIC_ENCRYPTED, MAGIC_PLAINTEXT};
pub use error::CacheError;
pub use file::{BLOB_FILE, LOCK_FILE, default_dir};
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
    /// Opens the cache. With [`CacheMode::Auto`] the OS key stores are probed (Linux: Secret
    /// Service, then the kernel keyring); if none works the cache is [`CacheBackend::Disabled`]
    /// and a warning explains how to opt in to a plaintext file. Never panics.
    pub fn open(options: CacheOptions) -> Result<TokenCache, CacheError> {
        match options.mode {
            CacheMode::Disabled => Ok(Self::disabled(options.dir.or_else(default_dir), None)),
            CacheMode::PlaintextFile => Self::open_plaintext(resolve_dir(options.dir)?),
            CacheMode::Auto => {
                let Some(dir) = options.dir.or_else(default_dir) else {
                    let warning = format!("sign-ins will not be remembered: {}", CacheError::NoCacheDir);
                    tracing::warn!("{warning}");
                    return Ok(Self::disabled(None, Some(warning)));
                };
                let (store, probes) = OsKeyStore::detect(&options.service);
                match store {
                    Some(store) => {
                        tracing::debug!(key_store = store.name(), "token cache key store selected");
                        Self::open_encrypted(dir, Box::new(store))
                    }
                    None => {
                        let tried = if probes.is_empty() {
                            "this platform has no supported key store".to_string()
                        } else {
                            probes
                                .iter()
                                .map(|p| match &p.result {
                                    Ok(()) => format!("{}: ok", p.name),
                                    Err(e) => format!("{}: {e}", p.name),
                                })
                                .collect::<Vec<_>>()
                                .join("; ")
                        };
                        let warning = format!(
                            "sign-ins will not be remembered across sessions: no usable OS key \
                             store to protect the token cache ({tried}). To persist them, start \
                             and unlock a Secret Service (e.g. gnome-keyring) or make the kernel \
                             keyring available, or explicitly opt in to an unencrypted cache file \
                             readable only by you (CacheMode::PlaintextFile)"
                        );
                        tracing::warn!("{warning}");
                        Ok(Self::disabled(Some(dir), Some(warning)))
                    }
                }
            }
        }
    }

    /// Opens the cache with a caller-supplied key store (tests, custom hosts). `Auto` uses it for
    /// the encrypted file; `Disabled` and `PlaintextFile` ignore it.
    pub fn open_with_key_store(options: CacheOptions, key_store: Box<dyn KeyStore>) -> Result<TokenCache, CacheError> {
        match options.mode {
            CacheMode::Disabled => Ok(Self::disabled(options.dir.or_else(default_dir), None)),
            CacheMode::PlaintextFile => Self::open_plaintext(resolve_dir(options.dir)?),
            CacheMode::Auto => Self::open_encrypted(resolve_dir(options.dir)?, key_store),
        }
    }

    /// Probes every OS key store candidate of this platform (write/read/delete of a trial secret
    /// under `service`) and reports each result: for diagnostics.
    pub fn probe_key_stores(service: &str) -> Vec<KeyStoreProbe> {
        let mut probes = Vec::new();
        for store in OsKeyStore::candidates(service) {
            probes.push(KeyStoreProbe {
                name: store.name(),
                result: store.probe_result(),
            });
        }
        probes
    }

    fn disabled(leftover: Option<PathBuf>, open_warning: Option<String>) -> TokenCache {
        TokenCache {
            backend: Backend::Disabled { leftover },
            warned_unreadable: AtomicBool::new(false),
            open_warning,
        }
    }

    fn open_encrypted(dir: PathBuf, key_store: Box<dyn KeyStore>) -> Result<TokenCache, CacheError> {
        file::ensure_private_dir(&dir)?;
        Ok(TokenCache {
            backend: Backend::Encrypted {
                paths: Paths::new(dir),
                key_store,
            },
            warned_unreadable: AtomicBool::new(false),
            open_warning: None,
        })
    }

    fn open_plaintext(dir: PathBuf) -> Result<TokenCache, CacheError> {
        file::ensure_private_dir(&dir)?;
        let paths = Paths::new(dir);
        let warning = format!(
            "refresh tokens are stored UNENCRYPTED in '{}' (plaintext cache explicitly enabled); \
             anyone who can read this file as you can sign in as you. Prefer an OS key store",
            paths.blob.display()
        );
        tracing::warn!("{warning}");
        Ok(TokenCache {
            backend: Backend::Plaintext { paths },
            warned_unreadable: AtomicBool::new(false),
            open_warning: Some(warning),
        })
    }

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

fn resolve_dir(dir: Option<PathBuf>) -> Result<PathBuf, CacheError> {
    dir.or_else(default_dir).ok_or(CacheError::NoCacheDir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn token_cache_is_send_sync() {
        assert_send_sync::<TokenCache>();
    }

    #[test]
    fn keys_are_normalized() {
        let k = CacheKey::new(
            " Login.MicrosoftOnline.com",
            "ORGANIZATIONS",
            "Admin@Contoso.com",
            "ABC",
        );
        assert_eq!(k.account, "admin@contoso.com");
        assert_eq!(k.cloud, "login.microsoftonline.com");
        assert_eq!(k.normalized(), k);
    }

    #[test]
    fn entry_debug_is_redacted() {
        let e = CacheEntry {
            refresh_token: "0.AAAA-debug-secret".into(),
            username: "u".into(),
            tenant_id: "t".into(),
            object_id: "o".into(),
            scopes: vec![],
            updated: Utc::now(),
        };
        let s = format!("{e:?}");
        assert!(!s.contains("debug-secret") && s.contains("[REDACTED]"), "{s}");
    }
}
