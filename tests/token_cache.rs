//! Integration tests of the persisted, encrypted refresh-token cache (`pimrust_core::auth::cache`).

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use chrono::Utc;
use pimrust_core::auth::cache::{
    BLOB_FILE, CacheBackend, CacheEntry, CacheError, CacheKey, CacheMode, CacheOptions, KeyStore, MAGIC_ENCRYPTED,
    MAGIC_PLAINTEXT, MemoryKeyStore, OsKeyStore, TokenCache,
};
use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

const SECRET: &str = "0.AAAA-very-secret-refresh-token-Xy9_Qq8fTz1LmN0pRsTuVwXyZ-secret-tail";
const USERNAME: &str = "privileged.admin@contoso.onmicrosoft.com";

fn key(account: &str) -> CacheKey {
    CacheKey::new(
        "login.microsoftonline.com",
        "organizations",
        account,
        "14d82eec-204b-4c2f-b7e8-296a70dab67e",
    )
}

fn entry(token: &str) -> CacheEntry {
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

fn options(dir: &Path) -> CacheOptions {
    CacheOptions {
        dir: Some(dir.to_path_buf()),
        mode: CacheMode::Auto,
        service: "PimRust-test".to_string(),
    }
}

fn open_mem(dir: &Path, store: &MemoryKeyStore) -> TokenCache {
    TokenCache::open_with_key_store(options(dir), Box::new(store.clone())).unwrap()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Decrypts `tokens.bin` independently of the library (format: 10-byte header as AAD, 12-byte
/// nonce, AES-256-GCM ciphertext + tag) and returns the JSON.
fn decrypt_independently(blob: &[u8], key_store: &dyn KeyStore) -> serde_json::Value {
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

fn accounts_in(json: &serde_json::Value) -> Vec<String> {
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
struct FileKeyStore(PathBuf);

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
struct ThreadLog;

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
fn with_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
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

#[test]
fn round_trip_persists_across_instances() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryKeyStore::new();
    let a = open_mem(dir.path(), &store);
    assert_eq!(a.backend(), CacheBackend::Encrypted { key_store: "memory" });
    assert_eq!(a.path(), Some(dir.path().join(BLOB_FILE).as_path()));
    assert!(a.load(&key("alice@contoso.com")).unwrap().is_none());
    assert!(a.keys().unwrap().is_empty());

    a.store(&key("alice@contoso.com"), &entry(SECRET)).unwrap();
    a.store(&key("bob@contoso.com"), &entry("0.AAAA-bob-token")).unwrap();
    a.store(&key("alice@contoso.com"), &entry("0.AAAA-alice-rotated"))
        .unwrap();
    drop(a);

    let b = open_mem(dir.path(), &store);
    assert_eq!(
        b.keys().unwrap(),
        vec![key("alice@contoso.com"), key("bob@contoso.com")]
    );
    let alice = b.load(&key("alice@contoso.com")).unwrap().unwrap();
    assert_eq!(alice.refresh_token.expose_secret(), "0.AAAA-alice-rotated");
    assert_eq!(alice.username, USERNAME);
    assert_eq!(alice.scopes.len(), 2);
    // Keys are case-insensitive.
    let upper = CacheKey {
        account: "BOB@Contoso.com".to_string(),
        ..key("x")
    };
    let bob = b.load(&upper).unwrap().unwrap();
    assert_eq!(bob.refresh_token.expose_secret(), "0.AAAA-bob-token");
}

#[test]
fn file_holds_no_token_text() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryKeyStore::new();
    let cache = open_mem(dir.path(), &store);
    cache.store(&key(USERNAME), &entry(SECRET)).unwrap();
    let raw = std::fs::read(dir.path().join(BLOB_FILE)).unwrap();
    assert!(raw.starts_with(MAGIC_ENCRYPTED), "magic header present");
    assert!(!contains(&raw, SECRET), "refresh token in the file");
    assert!(!contains(&raw, "very-secret"), "part of the refresh token in the file");
    assert!(!contains(&raw, USERNAME), "username in the file");
    assert!(!contains(&raw, "contoso"), "account in the file");
    // ... yet it is there, encrypted, and each write uses a fresh nonce.
    let json = decrypt_independently(&raw, &store);
    assert_eq!(json["entries"][0]["refresh_token"], SECRET);
    cache.store(&key(USERNAME), &entry(SECRET)).unwrap();
    let raw2 = std::fs::read(dir.path().join(BLOB_FILE)).unwrap();
    assert_ne!(raw[10..22], raw2[10..22], "nonce reused");
    // Nothing else in the directory holds it either.
    for f in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        assert!(!contains(&bytes, SECRET));
    }
}

#[test]
fn other_key_reads_nothing_and_next_store_rekeys() {
    let dir = tempfile::tempdir().unwrap();
    let first = MemoryKeyStore::new();
    open_mem(dir.path(), &first)
        .store(&key("a@contoso.com"), &entry(SECRET))
        .unwrap();

    let second = MemoryKeyStore::new(); // e.g. keyutils wiped by a reboot
    let (_, logs) = with_logs(|| {
        let cache = open_mem(dir.path(), &second);
        assert!(cache.load(&key("a@contoso.com")).unwrap().is_none());
        assert!(cache.keys().unwrap().is_empty());
        assert!(!cache.remove(&key("a@contoso.com")).unwrap());
        cache.store(&key("b@contoso.com"), &entry("0.AAAA-b")).unwrap();
        assert_eq!(cache.keys().unwrap(), vec![key("b@contoso.com")]);
    });
    assert_eq!(
        logs.matches("could not be decrypted").count(),
        1,
        "warn exactly once per cache: {logs}"
    );
    assert!(!logs.contains(SECRET));
    assert!(second.has_key(), "a fresh key was stored");
    let raw = std::fs::read(dir.path().join(BLOB_FILE)).unwrap();
    assert_eq!(accounts_in(&decrypt_independently(&raw, &second)), ["b@contoso.com"]);

    // A key that exists but does not fit the file is replaced by a fresh one.
    let third = MemoryKeyStore::new();
    third.set(&[9u8; 32]).unwrap();
    let cache = open_mem(dir.path(), &third);
    assert!(cache.keys().unwrap().is_empty());
    cache.store(&key("c@contoso.com"), &entry("0.AAAA-c")).unwrap();
    assert_ne!(*third.get().unwrap().unwrap(), [9u8; 32], "key rotated");
    assert_eq!(cache.keys().unwrap(), vec![key("c@contoso.com")]);
}

/// A key store that is temporarily unavailable (locked Secret Service, D-Bus timeout, ...).
struct FailingKeyStore {
    inner: MemoryKeyStore,
    failing: Arc<std::sync::atomic::AtomicBool>,
}

impl KeyStore for FailingKeyStore {
    fn name(&self) -> &'static str {
        "flaky"
    }
    fn get(&self) -> Result<Option<Zeroizing<[u8; 32]>>, CacheError> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(CacheError::KeyStore {
                store: "flaky",
                action: "read",
                message: "collection is locked".into(),
            });
        }
        self.inner.get()
    }
    fn set(&self, key: &[u8; 32]) -> Result<(), CacheError> {
        self.inner.set(key)
    }
    fn delete(&self) -> Result<(), CacheError> {
        self.inner.delete()
    }
}

#[test]
fn unavailable_key_store_is_an_error_not_a_reset() {
    let dir = tempfile::tempdir().unwrap();
    let inner = MemoryKeyStore::new();
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let cache = TokenCache::open_with_key_store(
        options(dir.path()),
        Box::new(FailingKeyStore {
            inner: inner.clone(),
            failing: failing.clone(),
        }),
    )
    .unwrap();
    cache.store(&key("a@contoso.com"), &entry(SECRET)).unwrap();
    let before = std::fs::read(dir.path().join(BLOB_FILE)).unwrap();
    let key_before = *inner.get().unwrap().unwrap();

    failing.store(true, std::sync::atomic::Ordering::SeqCst);
    let err = cache.load(&key("a@contoso.com")).unwrap_err();
    assert!(
        err.to_string().contains("flaky") && err.to_string().contains("locked"),
        "{err}"
    );
    assert!(cache.store(&key("b@contoso.com"), &entry("0.AAAA-b")).is_err());
    assert!(cache.keys().is_err());
    // Neither the file nor the key was replaced while the store was unavailable.
    assert_eq!(std::fs::read(dir.path().join(BLOB_FILE)).unwrap(), before);
    assert_eq!(*inner.get().unwrap().unwrap(), key_before);

    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        cache
            .load(&key("a@contoso.com"))
            .unwrap()
            .unwrap()
            .refresh_token
            .expose_secret(),
        SECRET
    );
}

#[test]
fn corrupt_or_truncated_file_reads_empty() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryKeyStore::new();
    let cache = open_mem(dir.path(), &store);
    cache.store(&key("a@contoso.com"), &entry(SECRET)).unwrap();
    let path = dir.path().join(BLOB_FILE);
    let good = std::fs::read(&path).unwrap();

    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x80;
    let mut bad_header = good.clone();
    bad_header[9] = 2;
    let mut variants: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("garbage".into(), b"not a cache file at all, just some text".to_vec()),
        ("flipped tag bit".into(), flipped),
        ("newer format version".into(), bad_header),
        (
            "plaintext json".into(),
            b"PIMRUSTP\0\x01{\"version\":1,\"entries\":[]}".to_vec(),
        ),
    ];
    for len in [1, 8, 10, 21, 22, 37, good.len() / 2, good.len() - 1] {
        variants.push((format!("truncated to {len}"), good[..len].to_vec()));
    }
    for (name, bytes) in variants {
        std::fs::write(&path, &bytes).unwrap();
        let fresh = open_mem(dir.path(), &store);
        assert!(
            fresh.load(&key("a@contoso.com")).unwrap().is_none(),
            "{name}: should read as empty"
        );
        assert!(fresh.keys().unwrap().is_empty(), "{name}");
        // And the cache recovers on the next store.
        fresh.store(&key("b@contoso.com"), &entry("0.AAAA-b")).unwrap();
        assert_eq!(fresh.keys().unwrap(), vec![key("b@contoso.com")], "{name}");
    }
}

#[test]
fn remove_deletes_entry_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryKeyStore::new();
    let cache = open_mem(dir.path(), &store);
    cache.store(&key("a@contoso.com"), &entry(SECRET)).unwrap();
    cache.store(&key("b@contoso.com"), &entry("0.AAAA-b")).unwrap();
    let path = dir.path().join(BLOB_FILE);
    assert_eq!(
        accounts_in(&decrypt_independently(&std::fs::read(&path).unwrap(), &store)),
        ["a@contoso.com", "b@contoso.com"]
    );

    assert!(cache.remove(&key("A@Contoso.com")).unwrap());
    assert!(!cache.remove(&key("a@contoso.com")).unwrap(), "already gone");
    let json = decrypt_independently(&std::fs::read(&path).unwrap(), &store);
    assert_eq!(accounts_in(&json), ["b@contoso.com"]);
    assert!(!json.to_string().contains(SECRET));
    assert_eq!(cache.keys().unwrap(), vec![key("b@contoso.com")]);
    assert!(
        open_mem(dir.path(), &store)
            .load(&key("a@contoso.com"))
            .unwrap()
            .is_none()
    );

    assert!(cache.remove(&key("b@contoso.com")).unwrap());
    let json = decrypt_independently(&std::fs::read(&path).unwrap(), &store);
    assert!(accounts_in(&json).is_empty());
}

#[test]
fn remove_all_deletes_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryKeyStore::new();
    let cache = open_mem(dir.path(), &store);
    cache.store(&key("a@contoso.com"), &entry(SECRET)).unwrap();
    cache.store(&key("b@contoso.com"), &entry("0.AAAA-b")).unwrap();
    assert!(store.has_key());
    assert_eq!(cache.remove_all().unwrap(), 2);
    assert!(!dir.path().join(BLOB_FILE).exists(), "blob deleted");
    assert!(!store.has_key(), "key deleted from the key store");
    assert!(cache.keys().unwrap().is_empty());
    assert_eq!(cache.remove_all().unwrap(), 0, "idempotent");
    // Usable again afterwards, with a new key.
    cache.store(&key("c@contoso.com"), &entry("0.AAAA-c")).unwrap();
    assert!(store.has_key());
    assert_eq!(cache.keys().unwrap(), vec![key("c@contoso.com")]);
}

#[test]
fn disabled_mode_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().join("cache");
    let cache = TokenCache::open(CacheOptions {
        mode: CacheMode::Disabled,
        ..options(&cache_dir)
    })
    .unwrap();
    assert_eq!(cache.backend(), CacheBackend::Disabled);
    assert_eq!(cache.path(), None);
    cache.store(&key("a@contoso.com"), &entry(SECRET)).unwrap();
    assert!(cache.load(&key("a@contoso.com")).unwrap().is_none());
    assert!(cache.keys().unwrap().is_empty());
    assert!(!cache.remove(&key("a@contoso.com")).unwrap());
    assert!(!cache_dir.exists(), "nothing written");

    // Sign-out -All still deletes a file left behind by an earlier (e.g. plaintext) mode.
    std::fs::create_dir(&cache_dir).unwrap();
    std::fs::write(cache_dir.join(BLOB_FILE), b"PIMRUSTP\0\x01{}").unwrap();
    assert_eq!(cache.remove_all().unwrap(), 0);
    assert!(!cache_dir.join(BLOB_FILE).exists());
}

#[test]
fn plaintext_mode_round_trip_and_warning() {
    let dir = tempfile::tempdir().unwrap();
    let opts = CacheOptions {
        mode: CacheMode::PlaintextFile,
        ..options(dir.path())
    };
    let (cache, logs) = with_logs(|| TokenCache::open(opts.clone()).unwrap());
    assert!(logs.contains("UNENCRYPTED"), "{logs}");
    assert!(cache.open_warning().unwrap().contains("UNENCRYPTED"));
    assert_eq!(cache.backend(), CacheBackend::PlaintextFile);
    cache.store(&key("a@contoso.com"), &entry(SECRET)).unwrap();
    let raw = std::fs::read(dir.path().join(BLOB_FILE)).unwrap();
    assert!(raw.starts_with(MAGIC_PLAINTEXT));
    assert!(contains(&raw, SECRET), "plaintext means plaintext");
    let again = TokenCache::open(opts).unwrap();
    assert_eq!(
        again
            .load(&key("a@contoso.com"))
            .unwrap()
            .unwrap()
            .refresh_token
            .expose_secret(),
        SECRET
    );
    // An encrypted cache does not read the plaintext file and replaces it on the next store.
    let store = MemoryKeyStore::new();
    let enc = open_mem(dir.path(), &store);
    assert!(enc.keys().unwrap().is_empty());
    enc.store(&key("b@contoso.com"), &entry("0.AAAA-b")).unwrap();
    let raw = std::fs::read(dir.path().join(BLOB_FILE)).unwrap();
    assert!(raw.starts_with(MAGIC_ENCRYPTED) && !contains(&raw, SECRET));
    assert_eq!(again.remove_all().unwrap(), 0);
    assert!(!dir.path().join(BLOB_FILE).exists());
}

#[cfg(unix)]
#[test]
fn unix_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().join("nested").join("PimRust");
    let store = MemoryKeyStore::new();
    let cache = open_mem(&cache_dir, &store);
    assert_eq!(mode(&cache_dir), 0o700);
    cache.store(&key("a@contoso.com"), &entry(SECRET)).unwrap();
    assert_eq!(mode(&cache_dir.join(BLOB_FILE)), 0o600);
    assert_eq!(mode(&cache_dir.join("tokens.lock")), 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "tokens.bin" && n != "tokens.lock")
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");

    // An existing, too-open directory is tightened.
    std::fs::set_permissions(&cache_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let _ = open_mem(&cache_dir, &store);
    assert_eq!(mode(&cache_dir), 0o700);

    // Plaintext: a group/world-readable file is refused with a clear error.
    let plain_dir = dir.path().join("plain");
    let plain = TokenCache::open(CacheOptions {
        mode: CacheMode::PlaintextFile,
        ..options(&plain_dir)
    })
    .unwrap();
    plain.store(&key("a@contoso.com"), &entry(SECRET)).unwrap();
    let file = plain_dir.join(BLOB_FILE);
    assert_eq!(mode(&file), 0o600);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = plain.load(&key("a@contoso.com")).unwrap_err();
    assert!(
        matches!(err, CacheError::InsecurePermissions { mode: 0o644, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("chmod 600") && msg.contains("tokens.bin"), "{msg}");
    assert!(!msg.contains(SECRET) && !format!("{err:?}").contains(SECRET));
    assert!(plain.store(&key("b@contoso.com"), &entry("0.AAAA-b")).is_err());
    assert!(plain.keys().is_err());
    // Sign-out still works, and fixing the mode restores access.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(plain.load(&key("a@contoso.com")).unwrap().is_some());
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    plain.remove_all().unwrap();
    assert!(!file.exists());
}

#[test]
fn nothing_secret_in_debug_errors_or_logs() {
    let e = entry(SECRET);
    let debug = format!("{e:?} {e:#?}");
    assert!(!debug.contains(SECRET) && !debug.contains("very-secret"), "{debug}");
    assert!(debug.contains("[REDACTED]"));

    let mut errors = vec![
        CacheError::NoCacheDir,
        CacheError::Io {
            action: "read",
            path: PathBuf::from("/x/tokens.bin"),
            source: std::io::Error::other("boom"),
        },
        CacheError::LockTimeout {
            path: PathBuf::from("/x/tokens.lock"),
            waited_secs: 30,
        },
        CacheError::InsecurePermissions {
            path: PathBuf::from("/x/tokens.bin"),
            mode: 0o644,
        },
        CacheError::KeyStore {
            store: "Secret Service",
            action: "read",
            message: "locked".into(),
        },
        CacheError::Format {
            action: "parse",
            detail: "Data error at line 1 column 2".into(),
        },
        CacheError::Crypto,
    ];
    // Errors produced by the cache itself while a token is in play.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = TokenCache::open(CacheOptions {
            mode: CacheMode::PlaintextFile,
            ..options(dir.path())
        })
        .unwrap();
        plain.store(&key("a@contoso.com"), &entry(SECRET)).unwrap();
        let file = dir.path().join(BLOB_FILE);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o604)).unwrap();
        errors.push(plain.load(&key("a@contoso.com")).unwrap_err());
    }
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file-not-dir");
    std::fs::write(&blocker, SECRET).unwrap();
    errors.push(
        TokenCache::open_with_key_store(options(&blocker.join("sub")), Box::new(MemoryKeyStore::new())).unwrap_err(),
    );
    for err in &errors {
        let text = format!("{err} | {err:?}");
        assert!(!text.contains(SECRET) && !text.contains("very-secret"), "{text}");
        assert!(!err.to_string().is_empty());
    }

    // Logs of a full life cycle, including a decrypt failure, hold no token text.
    let ((), logs) = with_logs(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryKeyStore::new();
        let cache = open_mem(dir.path(), &store);
        cache.store(&key("a@contoso.com"), &entry(SECRET)).unwrap();
        cache.load(&key("a@contoso.com")).unwrap();
        store.set(&[1u8; 32]).unwrap();
        assert!(cache.load(&key("a@contoso.com")).unwrap().is_none());
        cache.store(&key("a@contoso.com"), &entry(SECRET)).unwrap();
        cache.remove_all().unwrap();
        let _ = TokenCache::open(CacheOptions {
            mode: CacheMode::PlaintextFile,
            ..options(dir.path())
        });
    });
    assert!(logs.contains("could not be decrypted"), "{logs}");
    assert!(!logs.contains(SECRET) && !logs.contains("very-secret"), "{logs}");
    let cache_debug = format!("{:?}", open_mem(dir.path(), &MemoryKeyStore::new()));
    assert!(!cache_debug.contains(SECRET));
}

#[test]
fn threads_with_separate_instances_keep_all_entries() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryKeyStore::new();
    std::thread::scope(|s| {
        for t in 0..4 {
            let (dir, store) = (dir.path(), &store);
            s.spawn(move || {
                let cache = open_mem(dir, store);
                for i in 0..10 {
                    let k = key(&format!("thread{t}-{i}@contoso.com"));
                    cache.store(&k, &entry(&format!("0.AAAA-{t}-{i}"))).unwrap();
                }
            });
        }
    });
    assert_eq!(open_mem(dir.path(), &store).keys().unwrap().len(), 40);
}

const CHILD_DIR_ENV: &str = "PIMRUST_TEST_CACHE_CHILD_DIR";
const CHILD_ID_ENV: &str = "PIMRUST_TEST_CACHE_CHILD_ID";
const PER_CHILD: usize = 25;
const CHILDREN: usize = 4;

fn child_token(child: usize, i: usize) -> String {
    format!("0.AAAA-child{child}-entry{i}-secret")
}

/// The child side of `two_processes_writing_at_once`: the test binary re-invoked with the child
/// variables set runs that test, which then stores this child's entries instead of spawning.
fn child_writer(dir: &Path, id: usize) {
    // Start together: wait for the parent's go file.
    let start = Instant::now();
    while !dir.join("go").exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "no go signal");
        std::thread::sleep(Duration::from_millis(2));
    }
    let cache = TokenCache::open_with_key_store(
        options(&dir.join("cache")),
        Box::new(FileKeyStore(dir.join("test.key"))),
    )
    .unwrap();
    for i in 0..PER_CHILD {
        let k = key(&format!("child{id}-acct{i}@contoso.com"));
        cache.store(&k, &entry(&child_token(id, i))).unwrap();
    }
    println!("child {id} stored {PER_CHILD} entries");
}

#[test]
fn two_processes_writing_at_once() {
    if let (Ok(dir), Ok(id)) = (std::env::var(CHILD_DIR_ENV), std::env::var(CHILD_ID_ENV)) {
        return child_writer(Path::new(&dir), id.parse().unwrap());
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let children: Vec<_> = (0..CHILDREN)
        .map(|id| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "two_processes_writing_at_once",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_DIR_ENV, dir.path())
                .env(CHILD_ID_ENV, id.to_string())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    std::fs::write(dir.path().join("go"), b"").unwrap();
    for (id, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "child {id} failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("child {id} stored {PER_CHILD} entries")) && stdout.contains("1 passed"),
            "child {id} did not run the writer: {stdout}"
        );
    }
    println!("{CHILDREN} processes x {PER_CHILD} stores took {:?}", started.elapsed());

    let key_store = FileKeyStore(dir.path().join("test.key"));
    let raw = std::fs::read(dir.path().join("cache").join(BLOB_FILE)).unwrap();
    let json = decrypt_independently(&raw, &key_store);
    assert_eq!(accounts_in(&json).len(), CHILDREN * PER_CHILD);
    let cache = TokenCache::open_with_key_store(options(&dir.path().join("cache")), Box::new(key_store)).unwrap();
    let keys = cache.keys().unwrap();
    assert_eq!(keys.len(), CHILDREN * PER_CHILD, "lost updates");
    for id in 0..CHILDREN {
        for i in 0..PER_CHILD {
            let e = cache
                .load(&key(&format!("child{id}-acct{i}@contoso.com")))
                .unwrap()
                .unwrap_or_else(|| panic!("child {id} entry {i} missing"));
            assert_eq!(e.refresh_token.expose_secret(), child_token(id, i));
        }
    }
}

/// Set on a machine that has no OS key store at all: the test then asserts the no-store path
/// (nothing persisted, a warning naming the opt-in) instead of an encrypted round trip.
const NO_KEY_STORE_ENV: &str = "PIMRUST_TEST_NO_KEY_STORE";

/// Exercises the real OS key store of this machine. A key store is expected (on headless Linux the
/// kernel keyring): the store Auto chooses must round-trip an encrypted file with its key in that
/// store, and give the key up on `remove_all`. Only a machine declared to have none
/// (`PIMRUST_TEST_NO_KEY_STORE=1`) tests the no-store path, and then no store may work.
#[test]
fn os_key_store_auto() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let service = format!("PimRust-test-{}-{nanos}", std::process::id());
    let probes = TokenCache::probe_key_stores(&service);
    for p in &probes {
        println!("key store probe: {} => {:?}", p.name, p.result);
    }
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().join("PimRust");
    let opts = CacheOptions {
        dir: Some(cache_dir.clone()),
        mode: CacheMode::Auto,
        service: service.clone(),
    };
    let (cache, logs) = with_logs(|| TokenCache::open(opts).unwrap());
    println!("Auto backend: {:?}", cache.backend());

    let working = probes.iter().find(|p| p.result.is_ok());
    let declared_storeless = std::env::var_os(NO_KEY_STORE_ENV).is_some();
    match working {
        None if !declared_storeless => panic!(
            "no OS key store works on this machine ({probes:?}); if it really has none, set \
             {NO_KEY_STORE_ENV}=1 to test the no-store path instead"
        ),
        Some(working) if declared_storeless => {
            panic!("{NO_KEY_STORE_ENV} is set, but {} works here; unset it", working.name)
        }
        Some(working) => {
            assert_eq!(
                cache.backend(),
                CacheBackend::Encrypted {
                    key_store: working.name
                }
            );
            cache.store(&key("os@contoso.com"), &entry(SECRET)).unwrap();
            let raw = std::fs::read(cache_dir.join(BLOB_FILE)).unwrap();
            assert!(raw.starts_with(MAGIC_ENCRYPTED) && !contains(&raw, SECRET));
            let os_store = OsKeyStore::candidates(&service)
                .into_iter()
                .find(|s| s.name() == working.name)
                .unwrap();
            assert!(os_store.get().unwrap().is_some(), "key in the OS store");
            let again = TokenCache::open(CacheOptions {
                dir: Some(cache_dir.clone()),
                mode: CacheMode::Auto,
                service: service.clone(),
            })
            .unwrap();
            let e = again.load(&key("os@contoso.com")).unwrap().unwrap();
            assert_eq!(e.refresh_token.expose_secret(), SECRET);
            assert_eq!(again.remove_all().unwrap(), 1);
            assert!(!cache_dir.join(BLOB_FILE).exists());
            // keyutils invalidation can take a moment to be seen by the same process.
            let start = Instant::now();
            while os_store.get().unwrap().is_some() {
                assert!(
                    start.elapsed() < Duration::from_secs(5),
                    "key still in {} after remove_all",
                    working.name
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        None => {
            assert_eq!(cache.backend(), CacheBackend::Disabled);
            assert_eq!(cache.path(), None);
            assert!(logs.contains("PlaintextFile"), "warning says how to opt in: {logs}");
            assert!(cache.open_warning().unwrap().contains("PlaintextFile"));
            cache.store(&key("os@contoso.com"), &entry(SECRET)).unwrap();
            assert!(cache.load(&key("os@contoso.com")).unwrap().is_none());
            assert!(!cache_dir.exists(), "Disabled must not write to disk");
        }
    }

    // Every store that probed OK also round-trips through an explicitly chosen key store.
    for store in OsKeyStore::candidates(&service) {
        let name = store.name();
        if store.probe().is_err() {
            println!("skipping {name}: not usable here");
            continue;
        }
        let d = dir.path().join(name.replace(' ', "_"));
        let cache = TokenCache::open_with_key_store(
            CacheOptions {
                dir: Some(d.clone()),
                mode: CacheMode::Auto,
                service: service.clone(),
            },
            Box::new(store),
        )
        .unwrap();
        assert_eq!(cache.backend(), CacheBackend::Encrypted { key_store: name });
        cache.store(&key("explicit@contoso.com"), &entry(SECRET)).unwrap();
        assert!(cache.load(&key("explicit@contoso.com")).unwrap().is_some());
        assert_eq!(cache.remove_all().unwrap(), 1);
        println!("{name}: encrypted round trip ok");
    }
}
