//! Nothing secret in file permissions, debug output, errors or logs.

use super::fixtures::*;
use pimrust_core::auth::cache::{BLOB_FILE, CacheError, CacheMode, CacheOptions, KeyStore, MemoryKeyStore, TokenCache};
use std::path::{Path, PathBuf};

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
