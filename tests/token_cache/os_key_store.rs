//! The real OS key store of this machine.

use super::fixtures::*;
use pimrust_core::auth::cache::{
    BLOB_FILE, CacheBackend, CacheMode, CacheOptions, KeyStore, MAGIC_ENCRYPTED, OsKeyStore, TokenCache,
};
use secrecy::ExposeSecret;
use std::time::{Duration, Instant};

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
