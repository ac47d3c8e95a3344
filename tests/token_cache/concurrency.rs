//! Writers in threads and in separate processes lose nothing.

use super::fixtures::*;
use pimrust_core::auth::cache::{BLOB_FILE, MemoryKeyStore, TokenCache};
use secrecy::ExposeSecret;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

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
                    "concurrency::two_processes_writing_at_once",
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
