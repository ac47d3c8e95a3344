//! The JSON document inside `tokens.bin`: a versioned list of (key, entry) records. Token text is
//! held in plain `String`s only inside [`Record`], which wipes it on drop, and in buffers wrapped in
//! `Zeroizing`. (serde_json may still leave short-lived copies of escaped strings in its scratch
//! space: best effort.)

use super::error::CacheError;
use super::{CacheEntry, CacheKey, CachedAccount};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

const PAYLOAD_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
pub struct Payload {
    pub version: u32,
    pub entries: Vec<Record>,
}

#[derive(Serialize, Deserialize)]
pub struct Record {
    pub key: CacheKey,
    pub refresh_token: String,
    pub username: String,
    pub tenant_id: String,
    pub object_id: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub updated: DateTime<Utc>,
}

impl Drop for Record {
    fn drop(&mut self) {
        self.refresh_token.zeroize();
    }
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("key", &self.key)
            .field("refresh_token", &crate::redact::REDACTED)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Record {
    pub fn new(key: CacheKey, entry: &CacheEntry) -> Record {
        Record {
            key,
            refresh_token: entry.refresh_token.expose_secret().to_string(),
            username: entry.username.clone(),
            tenant_id: entry.tenant_id.clone(),
            object_id: entry.object_id.clone(),
            scopes: entry.scopes.clone(),
            updated: entry.updated,
        }
    }

    pub fn to_account(&self) -> CachedAccount {
        CachedAccount {
            key: self.key.clone(),
            username: self.username.clone(),
            tenant_id: self.tenant_id.clone(),
            object_id: self.object_id.clone(),
            updated: self.updated,
        }
    }

    pub fn to_entry(&self) -> CacheEntry {
        CacheEntry {
            refresh_token: self.refresh_token.as_str().into(),
            username: self.username.clone(),
            tenant_id: self.tenant_id.clone(),
            object_id: self.object_id.clone(),
            scopes: self.scopes.clone(),
            updated: self.updated,
        }
    }
}

/// The decoded cache contents, keyed by normalized [`CacheKey`].
#[derive(Debug, Default)]
pub struct Records(Vec<Record>);

impl Records {
    pub fn get(&self, key: &CacheKey) -> Option<&Record> {
        self.0.iter().find(|r| &r.key == key)
    }

    pub fn upsert(&mut self, record: Record) {
        self.remove(&record.key);
        self.0.push(record);
    }

    pub fn remove(&mut self, key: &CacheKey) -> bool {
        let before = self.0.len();
        self.0.retain(|r| &r.key != key);
        self.0.len() != before
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn accounts(&self) -> Vec<CachedAccount> {
        self.0.iter().map(Record::to_account).collect()
    }

    pub fn keys(&self) -> Vec<CacheKey> {
        let mut keys: Vec<CacheKey> = self.0.iter().map(|r| r.key.clone()).collect();
        keys.sort();
        keys
    }

    /// Parses a payload; keys are re-normalized and duplicates collapse (last wins).
    pub fn from_json(json: &[u8]) -> Result<Records, CacheError> {
        let payload: Payload = serde_json::from_slice(json).map_err(|e| CacheError::json("parse", &e))?;
        let mut records = Records::default();
        for mut record in payload.entries {
            record.key = record.key.normalized();
            records.upsert(record);
        }
        Ok(records)
    }

    /// Serializes to JSON into a buffer that is wiped when dropped.
    pub fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, CacheError> {
        #[derive(Serialize)]
        struct PayloadRef<'a> {
            version: u32,
            entries: &'a [Record],
        }
        // Pre-size generously so the buffer is not reallocated (which would leave copies behind).
        let estimate = 256
            + self
                .0
                .iter()
                .map(|r| {
                    1024 + 2
                        * (r.refresh_token.len() + r.username.len() + r.scopes.iter().map(String::len).sum::<usize>())
                })
                .sum::<usize>();
        let mut out = Zeroizing::new(Vec::with_capacity(estimate));
        serde_json::to_writer(
            &mut *out,
            &PayloadRef {
                version: PAYLOAD_VERSION,
                entries: &self.0,
            },
        )
        .map_err(|e| CacheError::json("serialize", &e))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0.AAAA-unit-secret-refresh-token";

    fn key(account: &str) -> CacheKey {
        CacheKey::new("login.microsoftonline.com", "organizations", account, "client")
    }

    fn entry() -> CacheEntry {
        CacheEntry {
            refresh_token: TOKEN.into(),
            username: "admin@contoso.com".into(),
            tenant_id: "tid".into(),
            object_id: "oid".into(),
            scopes: vec!["openid".into()],
            updated: Utc::now(),
        }
    }

    #[test]
    fn json_round_trip_and_dedup() {
        let mut records = Records::default();
        records.upsert(Record::new(key("a"), &entry()));
        records.upsert(Record::new(key("b"), &entry()));
        records.upsert(Record::new(key("a"), &entry()));
        assert_eq!(records.len(), 2);
        let json = records.to_json().unwrap();
        let back = Records::from_json(&json).unwrap();
        assert_eq!(back.keys(), vec![key("a"), key("b")]);
        assert_eq!(
            back.get(&key("a")).unwrap().to_entry().refresh_token.expose_secret(),
            TOKEN
        );
        assert!(!format!("{back:?}").contains(TOKEN));
    }

    #[test]
    fn parse_errors_do_not_quote_the_input() {
        // A type error: serde_json's own message would quote the string value.
        let bad = format!(r#"{{"version":1,"entries":[{{"key":"{TOKEN}"}}]}}"#);
        let err = Records::from_json(bad.as_bytes()).unwrap_err();
        assert!(!err.to_string().contains(TOKEN), "{err}");
        assert!(!format!("{err:?}").contains(TOKEN));
        let raw = serde_json::from_str::<Payload>(&bad).err().unwrap().to_string();
        assert!(
            raw.contains(TOKEN),
            "the test input must provoke a quoting error: {raw}"
        );
    }
}
