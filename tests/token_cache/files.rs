//! The cache file: round trips, keys, damage, removal, the disabled and plaintext modes.

use super::fixtures::*;
use pimrust_core::auth::cache::{
    BLOB_FILE, CacheBackend, CacheError, CacheKey, CacheMode, CacheOptions, KeyStore, MAGIC_ENCRYPTED, MAGIC_PLAINTEXT,
    MemoryKeyStore, TokenCache,
};
use secrecy::ExposeSecret;
use std::sync::Arc;
use zeroize::Zeroizing;

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
