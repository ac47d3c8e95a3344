//! Opening the cache: choosing the backend (OS key store, plaintext opt-in, or none) and saying why.

use super::{Backend, CacheError, CacheMode, CacheOptions, KeyStore, KeyStoreProbe, OsKeyStore, Paths, TokenCache};
use super::{default_dir, file};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

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
}

fn resolve_dir(dir: Option<PathBuf>) -> Result<PathBuf, CacheError> {
    dir.or_else(default_dir).ok_or(CacheError::NoCacheDir)
}
