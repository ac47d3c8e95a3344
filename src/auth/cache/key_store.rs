//! Where the 32-byte cache encryption key lives: the [`KeyStore`] trait, an in-memory store for
//! tests, and the OS key store (keyring v3, secret bytes via `set_secret`/`get_secret`, so only 32
//! bytes ever go to the platform: far below the Windows Credential Manager 2,560-byte limit).
//!
//! Every keyring call runs on a short-lived helper thread with a timeout. That keeps them off tokio
//! worker threads (keyring's async Secret Service backend blocks on its own runtime and deadlocks
//! or panics there) and bounds a hung D-Bus call. Callers should still treat the whole cache API
//! as blocking and call it from `spawn_blocking`.

use super::error::CacheError;
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;
use zeroize::Zeroizing;

/// Keyring user name under which the cache key is stored (service = `CacheOptions::service`).
pub const KEY_USER: &str = "token-cache-key";
/// Keyring user name used for the write/read/delete trial when probing a store.
pub const PROBE_USER: &str = "token-cache-probe";

/// Display names of the key stores.
pub const WINDOWS_CREDENTIAL_MANAGER: &str = "Windows Credential Manager";
pub const MACOS_KEYCHAIN: &str = "macOS Keychain";
pub const SECRET_SERVICE: &str = "Secret Service";
pub const KEYUTILS: &str = "Linux kernel keyring (keyutils)";
pub const MEMORY: &str = "memory";

/// Time allowed for one key-store operation (an unlock prompt may be waiting for the user).
const OP_TIMEOUT: Duration = Duration::from_secs(30);
/// Time allowed for the probe of one store when the cache is opened.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Holds the cache's 32-byte AES-256 key. Implementations must be safe to call from several
/// threads; calls are blocking.
pub trait KeyStore: Send + Sync {
    /// Display name, e.g. "Secret Service".
    fn name(&self) -> &'static str;
    /// The key, or `None` if there is none (or what is stored is not a 32-byte key).
    fn get(&self) -> Result<Option<Zeroizing<[u8; 32]>>, CacheError>;
    /// Stores (or replaces) the key.
    fn set(&self, key: &[u8; 32]) -> Result<(), CacheError>;
    /// Deletes the key; deleting a missing key is not an error.
    fn delete(&self) -> Result<(), CacheError>;
}

impl<T: KeyStore + ?Sized> KeyStore for Arc<T> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn get(&self) -> Result<Option<Zeroizing<[u8; 32]>>, CacheError> {
        (**self).get()
    }
    fn set(&self, key: &[u8; 32]) -> Result<(), CacheError> {
        (**self).set(key)
    }
    fn delete(&self) -> Result<(), CacheError> {
        (**self).delete()
    }
}

/// A process-local key store (tests, or hosts that only want an encrypted cache for the lifetime
/// of the process). Clones share the same key.
#[derive(Clone, Default)]
pub struct MemoryKeyStore {
    key: Arc<Mutex<Option<Zeroizing<[u8; 32]>>>>,
}

impl MemoryKeyStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a key is currently held (its `Debug` shows this; tests check it).
    pub fn has_key(&self) -> bool {
        self.key.lock().is_some()
    }
}

impl std::fmt::Debug for MemoryKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryKeyStore")
            .field("has_key", &self.has_key())
            .finish()
    }
}

impl KeyStore for MemoryKeyStore {
    fn name(&self) -> &'static str {
        MEMORY
    }
    fn get(&self) -> Result<Option<Zeroizing<[u8; 32]>>, CacheError> {
        Ok(self.key.lock().clone())
    }
    fn set(&self, key: &[u8; 32]) -> Result<(), CacheError> {
        *self.key.lock() = Some(Zeroizing::new(*key));
        Ok(())
    }
    fn delete(&self) -> Result<(), CacheError> {
        *self.key.lock() = None;
        Ok(())
    }
}

/// Which platform store an [`OsKeyStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OsKind {
    /// keyring's default store on Windows (Credential Manager) and macOS (Keychain).
    #[cfg(any(target_os = "windows", target_os = "macos"))]
    Native,
    #[cfg(target_os = "linux")]
    SecretService,
    #[cfg(target_os = "linux")]
    Keyutils,
}

/// The stores usable on this platform, in order of preference.
#[cfg(any(target_os = "windows", target_os = "macos"))]
const KINDS: &[OsKind] = &[OsKind::Native];
#[cfg(target_os = "linux")]
const KINDS: &[OsKind] = &[OsKind::SecretService, OsKind::Keyutils];
/// Elsewhere keyring would silently fall back to its in-memory mock store: no OS key store.
#[cfg(not(any(target_os = "windows", target_os = "macos", target_os = "linux")))]
const KINDS: &[OsKind] = &[];

/// The result of probing one OS key store with a write/read/delete trial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStoreProbe {
    pub name: &'static str,
    /// `Ok(())` if the trial secret round-tripped; otherwise why not.
    pub result: Result<(), String>,
}

/// The OS key store, through keyring v3. On Linux the Secret Service (D-Bus) is preferred and the
/// kernel keyring (keyutils) is the fallback; keyutils keys do **not** survive a reboot (nor the
/// expiry of the user's persistent keyring, a few days by default), after which the cache cannot be
/// decrypted and the user signs in again.
#[derive(Debug, Clone)]
pub struct OsKeyStore {
    kind: OsKind,
    service: String,
}

impl OsKeyStore {
    /// The stores usable on this platform, in order of preference (not yet probed).
    pub fn candidates(service: &str) -> Vec<OsKeyStore> {
        KINDS
            .iter()
            .map(|&kind| OsKeyStore {
                kind,
                service: service.to_string(),
            })
            .collect()
    }

    /// Probes the candidates in order and picks the first working store that already holds the
    /// cache key (so a store chosen earlier keeps being used even if a preferred one came up
    /// since), else the first working store. Returns every probe result too.
    pub fn detect(service: &str) -> (Option<OsKeyStore>, Vec<KeyStoreProbe>) {
        let mut probes = Vec::new();
        let mut first_working = None;
        for store in Self::candidates(service) {
            let result = store.probe_result();
            let ok = result.is_ok();
            probes.push(KeyStoreProbe {
                name: store.name(),
                result,
            });
            if !ok {
                continue;
            }
            if matches!(store.get(), Ok(Some(_))) {
                return (Some(store), probes);
            }
            first_working.get_or_insert(store);
        }
        (first_working, probes)
    }

    /// [`OsKeyStore::probe`] with the failure reduced to the store's own message.
    pub fn probe_result(&self) -> Result<(), String> {
        self.probe().map_err(|e| match e {
            CacheError::KeyStore { message, .. } => message,
            other => other.to_string(),
        })
    }

    /// Writes, reads back and deletes a random trial secret (user [`PROBE_USER`]).
    pub fn probe(&self) -> Result<(), CacheError> {
        let kind = self.kind;
        let service = self.service.clone();
        let trial: [u8; 32] = rand::random();
        let outcome = run_with_timeout(PROBE_TIMEOUT, move || -> Result<(), String> {
            let entry = entry(kind, &service, PROBE_USER).map_err(|e| e.to_string())?;
            let result = trial_round_trip(&entry, &trial);
            // Always try to clean up, even after a partial failure.
            let deleted = entry.delete_credential();
            result?;
            match deleted {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(format!("trial delete failed: {e}")),
            }
        });
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err(message)) => Err(self.error("probe", message)),
            None => Err(self.error("probe", format!("no answer within {} s", PROBE_TIMEOUT.as_secs()))),
        }
    }

    fn error(&self, action: &'static str, message: String) -> CacheError {
        CacheError::KeyStore {
            store: self.name(),
            action,
            message,
        }
    }

    fn call<T: Send + 'static>(
        &self,
        action: &'static str,
        op: impl FnOnce(&keyring::Entry) -> Result<T, keyring::Error> + Send + 'static,
    ) -> Result<T, CacheError> {
        let kind = self.kind;
        let service = self.service.clone();
        let outcome = run_with_timeout(OP_TIMEOUT, move || {
            let entry = entry(kind, &service, KEY_USER)?;
            op(&entry)
        });
        match outcome {
            Some(Ok(value)) => Ok(value),
            Some(Err(e)) => Err(self.error(action, e.to_string())),
            None => Err(self.error(
                action,
                format!(
                    "no answer within {} s (is it locked, waiting for an unlock prompt?)",
                    OP_TIMEOUT.as_secs()
                ),
            )),
        }
    }
}

impl KeyStore for OsKeyStore {
    fn name(&self) -> &'static str {
        match self.kind {
            #[cfg(target_os = "windows")]
            OsKind::Native => WINDOWS_CREDENTIAL_MANAGER,
            #[cfg(target_os = "macos")]
            OsKind::Native => MACOS_KEYCHAIN,
            #[cfg(target_os = "linux")]
            OsKind::SecretService => SECRET_SERVICE,
            #[cfg(target_os = "linux")]
            OsKind::Keyutils => KEYUTILS,
        }
    }

    fn get(&self) -> Result<Option<Zeroizing<[u8; 32]>>, CacheError> {
        let secret = self.call("read", |entry| match entry.get_secret() {
            Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })?;
        Ok(secret.and_then(|bytes| {
            if bytes.len() == 32 {
                let mut key = Zeroizing::new([0u8; 32]);
                key.copy_from_slice(&bytes);
                Some(key)
            } else {
                tracing::warn!(
                    store = self.name(),
                    "the stored token-cache key has the wrong length; it will be replaced"
                );
                None
            }
        }))
    }

    fn set(&self, key: &[u8; 32]) -> Result<(), CacheError> {
        let key = Zeroizing::new(*key);
        self.call("write", move |entry| entry.set_secret(key.as_slice()))
    }

    fn delete(&self) -> Result<(), CacheError> {
        self.call("delete", |entry| match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        })
    }
}

/// Builds the keyring entry for a store explicitly (never keyring's process-wide default builder,
/// which on Linux would be the keyutils+Secret Service combination).
fn entry(kind: OsKind, service: &str, user: &str) -> Result<keyring::Entry, keyring::Error> {
    match kind {
        #[cfg(any(target_os = "windows", target_os = "macos"))]
        OsKind::Native => keyring::Entry::new(service, user),
        #[cfg(target_os = "linux")]
        OsKind::SecretService => Ok(keyring::Entry::new_with_credential(Box::new(
            keyring::secret_service::SsCredential::new_with_target(None, service, user)?,
        ))),
        #[cfg(target_os = "linux")]
        OsKind::Keyutils => {
            use keyring::keyutils::KeyutilsCredential;
            // Built twice on purpose. In a process without a session keyring (containers, cron,
            // services, SSH without pam_keyinit) the first build resolves "session" to the user
            // session keyring and then, by linking the persistent keyring into "the session
            // keyring", makes the kernel create a fresh session keyring for the process. Keys
            // added to the first-resolved keyring are then not "possessed" and every later
            // search/link/invalidate fails with EACCES (observed here). The second build sees the
            // new session keyring, whose keys are possessed and also linked into the per-user
            // persistent keyring, so other processes of the user find them.
            let _ = KeyutilsCredential::new_with_target(None, service, user)?;
            Ok(keyring::Entry::new_with_credential(Box::new(
                KeyutilsCredential::new_with_target(None, service, user)?,
            )))
        }
    }
}

/// Writes `trial` and reads it back.
fn trial_round_trip(entry: &keyring::Entry, trial: &[u8; 32]) -> Result<(), String> {
    entry.set_secret(trial).map_err(|e| match e {
        // keyutils reports EACCES/ENOKEY on write as "no entry".
        keyring::Error::NoEntry => "trial write refused (access denied or no usable keyring)".to_string(),
        e => format!("trial write failed: {e}"),
    })?;
    let read = Zeroizing::new(entry.get_secret().map_err(|e| format!("trial read failed: {e}"))?);
    if read.as_slice() != trial.as_slice() {
        return Err("trial read returned different bytes".to_string());
    }
    Ok(())
}

/// Runs `f` on a fresh thread; `None` if it did not finish within `timeout` (the thread is then
/// left to finish or hang on its own) or could not be started.
fn run_with_timeout<T: Send + 'static>(timeout: Duration, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("pimrust-keystore".to_string())
        .spawn(move || {
            let _ = tx.send(f());
        });
    if spawned.is_err() {
        return None;
    }
    rx.recv_timeout(timeout).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_clones_share_the_key() {
        let a = MemoryKeyStore::new();
        let b = a.clone();
        assert!(a.get().unwrap().is_none());
        a.set(&[7u8; 32]).unwrap();
        assert_eq!(*b.get().unwrap().unwrap(), [7u8; 32]);
        b.delete().unwrap();
        assert!(!a.has_key());
        assert!(!format!("{a:?}").contains('7'));
    }

    #[test]
    fn timeout_returns_none() {
        let out = run_with_timeout(Duration::from_millis(20), || {
            std::thread::sleep(Duration::from_millis(500));
            1
        });
        assert_eq!(out, None);
        assert_eq!(run_with_timeout(Duration::from_secs(5), || 2), Some(2));
    }
}
