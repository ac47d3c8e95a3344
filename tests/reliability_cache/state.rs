//! The state folder the processes share (cache, lock and temp files), its key, and the invariants
//! any file in it must keep at any moment.

use crate::fixtures::{FileKeyStore, decrypt_independently};
use pimrust_core::auth::cache::{BLOB_FILE, CacheMode, CacheOptions};
use pimrust_emulator::TOKEN_MARKER;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Text that is a token or part of one: the emulator's marker, and the start of every JWT.
const TOKEN_TEXT: [&str; 2] = [TOKEN_MARKER, "eyJ"];

pub struct StateFolder {
    root: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl StateFolder {
    /// A fresh folder (parent side); its `state` subfolder is the cache folder.
    pub fn new() -> Self {
        let temp = tempfile::tempdir().unwrap();
        Self {
            root: temp.path().to_path_buf(),
            _temp: Some(temp),
        }
    }

    /// The parent's folder, seen from a child.
    pub fn at(root: PathBuf) -> Self {
        Self { root, _temp: None }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("state")
    }

    /// The key lives outside the state folder, as an OS key store keeps it outside the cache.
    pub fn key_store(&self) -> FileKeyStore {
        FileKeyStore(self.root.join("test.key"))
    }

    pub fn options(&self) -> CacheOptions {
        CacheOptions {
            dir: Some(self.cache_dir()),
            mode: CacheMode::Auto,
            service: "PimRust-reliability".into(),
        }
    }

    pub fn go(&self) {
        std::fs::write(self.root.join("go"), b"").unwrap();
    }

    pub fn wait_for_go(&self) {
        let started = Instant::now();
        while !self.root.join("go").exists() {
            assert!(started.elapsed() < Duration::from_secs(60), "no go signal");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// 0700 folder, 0600 files, no token text in any file, and a blob that decrypts. Files may come
    /// and go while another process writes (temp files are renamed into place): a vanished file is
    /// skipped.
    pub fn check_invariants(&self) -> usize {
        let dir = self.cache_dir();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return 0;
        };
        assert_eq!(mode(&dir), Some(0o700), "{} is not private", dir.display());
        let mut files = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            let Ok(bytes) = std::fs::read(&path) else { continue };
            files += 1;
            if let Some(mode) = mode(&path) {
                assert_eq!(mode, 0o600, "{} has mode {mode:o}", path.display());
            }
            for text in TOKEN_TEXT {
                let at = bytes.windows(text.len()).position(|w| w == text.as_bytes());
                assert!(at.is_none(), "token text in {} at offset {at:?}", path.display());
            }
            if path.file_name().is_some_and(|n| n == BLOB_FILE) && !bytes.is_empty() {
                decrypt_independently(&bytes, &self.key_store());
            }
        }
        files
    }

    /// Per app (client id): a fingerprint of the refresh token the file holds.
    pub fn stored_tokens(&self) -> HashMap<String, String> {
        let Ok(bytes) = std::fs::read(self.cache_dir().join(BLOB_FILE)) else {
            return HashMap::new();
        };
        let json = decrypt_independently(&bytes, &self.key_store());
        json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let client = e["key"]["client_id"].as_str().unwrap().to_string();
                (client, fingerprint(e["refresh_token"].as_str().unwrap()))
            })
            .collect()
    }
}

/// A refresh token, told apart without being shown.
pub fn fingerprint(token: &str) -> String {
    assert!(token.contains(TOKEN_MARKER), "an emulator refresh token");
    Sha256::digest(token.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn mode(path: &Path) -> Option<u32> {
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o777)
}
