//! What the cache tests share: sample keys and entries, an independent decryption of the file, a
//! key store that child processes can share, and a per-thread log capture.

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use chrono::Utc;
use pimrust_core::auth::cache::{
    CacheEntry, CacheError, CacheKey, CacheMode, CacheOptions, KeyStore, MAGIC_ENCRYPTED, MemoryKeyStore, TokenCache,
};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub(crate) const SECRET: &str = "0.AAAA-very-secret-refresh-token-Xy9_Qq8fTz1LmN0pRsTuVwXyZ-secret-tail";
pub(crate) const USERNAME: &str = "privileged.admin@contoso.onmicrosoft.com";

pub(crate) fn key(account: &str) -> CacheKey {
    CacheKey::new(
        "login.microsoftonline.com",
        "organizations",
        account,
        "14d82eec-204b-4c2f-b7e8-296a70dab67e",
    )
}

pub(crate) fn entry(token: &str) -> CacheEntry {
    CacheEntry {
        refresh_token: token.into(),
        username: USERNAME.to_string(),
        tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".to_string(),
        object_id: "00000000-1111-2222-3333-444444444444".to_string(),
        scopes: vec![
            "https://graph.microsoft.com/.default".to_string(),
            "offline_access".to_string(),
        ],
        updated: Utc::now(),
    }
}

pub(crate) fn options(dir: &Path) -> CacheOptions {
    CacheOptions {
        dir: Some(dir.to_path_buf()),
        mode: CacheMode::Auto,
        service: "PimRust-test".to_string(),
    }
}

pub(crate) fn open_mem(dir: &Path, store: &MemoryKeyStore) -> TokenCache {
    TokenCache::open_with_key_store(options(dir), Box::new(store.clone())).unwrap()
}

pub(crate) fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Decrypts `tokens.bin` independently of the library (format: 10-byte header as AAD, 12-byte
/// nonce, AES-256-GCM ciphertext + tag) and returns the JSON.
pub(crate) fn decrypt_independently(blob: &[u8], key_store: &dyn KeyStore) -> serde_json::Value {
    assert_eq!(&blob[..8], MAGIC_ENCRYPTED, "magic header");
    assert_eq!(&blob[8..10], &[0, 1], "format version");
    let key = key_store.get().unwrap().expect("key in the key store");
    let cipher = Aes256Gcm::new_from_slice(&key[..]).unwrap();
    let json = cipher
        .decrypt(
            Nonce::from_slice(&blob[10..22]),
            aes_gcm::aead::Payload {
                msg: &blob[22..],
                aad: &blob[..10],
            },
        )
        .expect("file decrypts with the key-store key");
    serde_json::from_slice(&json).unwrap()
}

pub(crate) fn accounts_in(json: &serde_json::Value) -> Vec<String> {
    let mut accounts: Vec<String> = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"]["account"].as_str().unwrap().to_string())
        .collect();
    accounts.sort();
    accounts
}

/// A key store backed by a file, so that child processes share the key (test-only!).
pub(crate) struct FileKeyStore(pub(crate) PathBuf);

impl KeyStore for FileKeyStore {
    fn name(&self) -> &'static str {
        "test key file"
    }
    fn get(&self) -> Result<Option<Zeroizing<[u8; 32]>>, CacheError> {
        match std::fs::read(&self.0) {
            Ok(bytes) if bytes.len() == 32 => {
                let mut key = Zeroizing::new([0u8; 32]);
                key.copy_from_slice(&bytes);
                Ok(Some(key))
            }
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(CacheError::Io {
                action: "read",
                path: self.0.clone(),
                source,
            }),
        }
    }
    fn set(&self, key: &[u8; 32]) -> Result<(), CacheError> {
        let tmp = self.0.with_extension("tmp");
        std::fs::write(&tmp, key)
            .and_then(|()| std::fs::rename(&tmp, &self.0))
            .map_err(|source| CacheError::Io {
                action: "write",
                path: self.0.clone(),
                source,
            })
    }
    fn delete(&self) -> Result<(), CacheError> {
        match std::fs::remove_file(&self.0) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(CacheError::Io {
                action: "delete",
                path: self.0.clone(),
                source: e,
            }),
            _ => Ok(()),
        }
    }
}

thread_local! {
    /// Log output of the current test thread, while it captures.
    static CAPTURED: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
}

/// Writes into the current thread's capture buffer (if it is capturing).
pub(crate) struct ThreadLog;

impl std::io::Write for ThreadLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED.with(|captured| {
            if let Some(log) = captured.borrow_mut().as_mut() {
                log.extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` and returns what it logged. One global subscriber serves the whole test binary (scoped
/// subscribers of parallel tests race on tracing's global call-site interest cache); each test
/// thread reads only its own events.
pub(crate) fn with_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| ThreadLog)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in this test binary");
    });
    CAPTURED.with(|captured| *captured.borrow_mut() = Some(Vec::new()));
    let out = f();
    let log = CAPTURED.with(|captured| captured.borrow_mut().take().unwrap_or_default());
    (out, String::from_utf8_lossy(&log).into_owned())
}
