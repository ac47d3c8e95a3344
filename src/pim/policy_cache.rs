//! The activation-policy cache: policies by key (cloud root + tenant + what identifies the policy),
//! each with the time it was read, in memory for the client and, per user, in `policies.json` next
//! to the token cache, so a fresh process lists without rereading them. The file holds rules only
//! (no tokens, no account), is written atomically (0600 in a 0700 folder), and a corrupt or unreadable
//! one is ignored and rewritten. Several processes may write it: the last writer wins, which costs at
//! most a reread.

use super::model::ActivationPolicy;
use crate::auth::cache::{ensure_private_dir, write_atomic};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// File name of the policy cache, in the token cache's folder.
pub const POLICY_FILE: &str = "policies.json";

/// How long a read policy is trusted. Admins change policies rarely, and the service still enforces
/// the real one (a stale copy costs at most a refused request, reported with the rule that failed),
/// while one read per half working day keeps a fresh window listing in one round trip.
pub const POLICY_TTL: Duration = Duration::from_secs(4 * 60 * 60);

const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    /// Seconds since the Unix epoch.
    read_at: u64,
    policy: ActivationPolicy,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicyFile {
    version: u32,
    entries: BTreeMap<String, Entry>,
}

/// Policies read by this client, and (with a file) by earlier processes of this user.
#[derive(Default)]
pub struct PolicyCache {
    memory: Mutex<HashMap<String, Entry>>,
    file: Option<PathBuf>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn fresh(entry: &Entry, now: u64) -> bool {
    now.saturating_sub(entry.read_at) < POLICY_TTL.as_secs() && entry.read_at <= now + 60
}

/// The file's entries; `Err(())` when it exists but cannot be read or parsed (it is then rewritten).
fn load(path: &Path) -> Result<BTreeMap<String, Entry>, ()> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => {
            tracing::debug!(path = %path.display(), "policy cache unreadable, ignored: {e}");
            return Err(());
        }
    };
    match serde_json::from_slice::<PolicyFile>(&bytes) {
        Ok(file) if file.version == FORMAT_VERSION => Ok(file.entries),
        Ok(file) => {
            tracing::debug!(version = file.version, "policy cache of another format, ignored");
            Err(())
        }
        Err(e) => {
            tracing::debug!(path = %path.display(), "policy cache corrupt, ignored: {e}");
            Err(())
        }
    }
}

fn save(path: &Path, entries: BTreeMap<String, Entry>) {
    let write = || -> Result<(), String> {
        let dir = path.parent().ok_or("no folder")?;
        ensure_private_dir(dir).map_err(|e| e.to_string())?;
        let file = PolicyFile {
            version: FORMAT_VERSION,
            entries,
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
        write_atomic(path, &bytes).map_err(|e| e.to_string())
    };
    if let Err(error) = write() {
        tracing::debug!(path = %path.display(), "policy cache not written: {error}");
    }
}

impl PolicyCache {
    /// A cache that also persists in `file` (`policies.json` in the token cache folder).
    pub fn on_disk(file: PathBuf) -> Self {
        Self {
            memory: Mutex::default(),
            file: Some(file),
        }
    }

    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The fresh policies among `keys`, from memory and then from the file. Reports whether the file
    /// needs rewriting (it was corrupt or unreadable).
    pub async fn lookup(&self, keys: &[String]) -> (HashMap<String, ActivationPolicy>, bool) {
        let now = now();
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        {
            let memory = self.memory.lock();
            for key in keys {
                match memory.get(key).filter(|e| fresh(e, now)) {
                    Some(entry) => {
                        found.insert(key.clone(), entry.policy.clone());
                    }
                    None => missing.push(key.clone()),
                }
            }
        }
        let Some(path) = self.file.clone().filter(|_| !missing.is_empty()) else {
            return (found, false);
        };
        let loaded = tokio::task::spawn_blocking(move || load(&path))
            .await
            .unwrap_or(Err(()));
        let Ok(entries) = loaded else {
            return (found, true);
        };
        let mut memory = self.memory.lock();
        for key in missing {
            if let Some(entry) = entries.get(&key).filter(|e| fresh(e, now)) {
                found.insert(key.clone(), entry.policy.clone());
                memory.insert(key, entry.clone());
            }
        }
        (found, false)
    }

    /// Remembers freshly read policies, and rewrites the file with them and its other fresh entries
    /// (also when `rewrite`: the file could not be read).
    pub async fn store(&self, read: HashMap<String, ActivationPolicy>, rewrite: bool) {
        let now = now();
        let entries: BTreeMap<String, Entry> = read
            .into_iter()
            .map(|(key, policy)| (key, Entry { read_at: now, policy }))
            .collect();
        self.memory
            .lock()
            .extend(entries.iter().map(|(k, e)| (k.clone(), e.clone())));
        let Some(path) = self.file.clone().filter(|_| rewrite || !entries.is_empty()) else {
            return;
        };
        let memory: Vec<(String, Entry)> = self
            .memory
            .lock()
            .iter()
            .filter(|(_, e)| fresh(e, now))
            .map(|(k, e)| (k.clone(), e.clone()))
            .collect();
        let _ = tokio::task::spawn_blocking(move || {
            let mut all: BTreeMap<String, Entry> = load(&path)
                .unwrap_or_default()
                .into_iter()
                .filter(|(_, e)| fresh(e, now))
                .collect();
            all.extend(memory);
            all.extend(entries);
            save(&path, all);
        })
        .await;
    }

    /// Forgets every policy in memory and deletes the file (sign-out of everything).
    pub fn forget(&self) {
        self.memory.lock().clear();
        if let Some(path) = &self.file {
            match std::fs::remove_file(path) {
                Ok(()) => tracing::debug!(path = %path.display(), "policy cache deleted"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::debug!(path = %path.display(), "policy cache not deleted: {e}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_the_ttl_and_are_not_trusted_from_the_future() {
        let now = now();
        let entry = |read_at| Entry {
            read_at,
            policy: ActivationPolicy::default(),
        };
        assert!(fresh(&entry(now - 60), now));
        assert!(!fresh(&entry(now - POLICY_TTL.as_secs()), now));
        assert!(!fresh(&entry(now + 3600), now));
    }
}
