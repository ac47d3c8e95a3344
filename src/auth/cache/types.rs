//! The public value types of the cache: keys, entries, options, modes and backends.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Identifies one signed-in account's refresh token. Compared case-insensitively: the cache
/// lower-cases and trims every field (see [`CacheKey::normalized`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CacheKey {
    /// Login host, e.g. "login.microsoftonline.com".
    pub cloud: String,
    /// The endpoints the refresh token is bound to
    /// ([`Endpoints::cache_partition`](crate::auth::cloud::Endpoints::cache_partition)): empty for
    /// the cloud's own, which is also what entries written before this field existed mean.
    #[serde(default)]
    pub endpoints: String,
    /// Tenant id or "organizations".
    pub tenant: String,
    /// Home account id ("oid.tid") or UPN.
    pub account: String,
    pub client_id: String,
}

impl CacheKey {
    /// A normalized key for the cloud's own endpoints (see [`CacheKey::bound_to`]).
    pub fn new(
        cloud: impl Into<String>,
        tenant: impl Into<String>,
        account: impl Into<String>,
        client_id: impl Into<String>,
    ) -> CacheKey {
        CacheKey {
            cloud: cloud.into(),
            endpoints: String::new(),
            tenant: tenant.into(),
            account: account.into(),
            client_id: client_id.into(),
        }
        .normalized()
    }

    /// The key bound to other endpoints than the cloud's own.
    pub fn bound_to(self, endpoints: impl Into<String>) -> CacheKey {
        CacheKey {
            endpoints: endpoints.into(),
            ..self
        }
        .normalized()
    }

    /// The key with every field trimmed and lower-cased (hosts, GUIDs and UPNs are
    /// case-insensitive).
    pub fn normalized(&self) -> CacheKey {
        let norm = |s: &str| s.trim().to_lowercase();
        CacheKey {
            cloud: norm(&self.cloud),
            endpoints: norm(&self.endpoints),
            tenant: norm(&self.tenant),
            account: norm(&self.account),
            client_id: norm(&self.client_id),
        }
    }
}

/// A cached sign-in without its refresh token: for choosing what to load or remove, and reporting it.
#[derive(Debug, Clone)]
pub struct CachedAccount {
    pub key: CacheKey,
    pub username: String,
    pub tenant_id: String,
    pub object_id: String,
    pub updated: DateTime<Utc>,
}

/// What is persisted per key. The refresh token is a secret: Debug prints `[REDACTED]` and it is
/// zeroized on drop.
#[derive(Clone)]
pub struct CacheEntry {
    pub refresh_token: secrecy::SecretString,
    pub username: String,
    pub tenant_id: String,
    pub object_id: String,
    pub scopes: Vec<String>,
    pub updated: DateTime<Utc>,
}

impl std::fmt::Debug for CacheEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheEntry")
            .field("refresh_token", &crate::redact::REDACTED)
            .field("username", &self.username)
            .field("tenant_id", &self.tenant_id)
            .field("object_id", &self.object_id)
            .field("scopes", &self.scopes)
            .field("updated", &self.updated)
            .finish()
    }
}

/// How the cache persists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheMode {
    /// Encrypted file with the key in the OS key store; no persistence if there is no usable
    /// key store (a warning says how to opt in to [`CacheMode::PlaintextFile`]).
    #[default]
    Auto,
    /// Nothing is written; sign-ins last for the process.
    Disabled,
    /// Explicit opt-in for headless machines without any key store: an unencrypted JSON file,
    /// readable only by the user (0600).
    PlaintextFile,
}

/// How to open the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheOptions {
    /// The cache directory; `None` = [`default_dir`](super::default_dir) (per-user local data/state dir + "PimRust").
    pub dir: Option<PathBuf>,
    pub mode: CacheMode,
    /// OS key-store service name of the encryption key (user [`KEY_USER`](super::KEY_USER)).
    pub service: String,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            dir: None,
            mode: CacheMode::Auto,
            service: "PimRust".to_string(),
        }
    }
}

/// Where the cache actually persists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheBackend {
    /// Encrypted file; the key is in `key_store` ("Windows Credential Manager", "macOS Keychain",
    /// "Secret Service", "Linux kernel keyring (keyutils)", "memory", ...).
    Encrypted {
        key_store: &'static str,
    },
    PlaintextFile,
    Disabled,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn keys_are_normalized() {
        let k = CacheKey::new(
            " Login.MicrosoftOnline.com",
            "ORGANIZATIONS",
            "Admin@Contoso.com",
            "ABC",
        );
        assert_eq!(k.account, "admin@contoso.com");
        assert_eq!(k.cloud, "login.microsoftonline.com");
        assert_eq!(k.normalized(), k);
    }

    #[test]
    fn entry_debug_is_redacted() {
        let e = CacheEntry {
            refresh_token: "0.AAAA-debug-secret".into(),
            username: "u".into(),
            tenant_id: "t".into(),
            object_id: "o".into(),
            scopes: vec![],
            updated: Utc::now(),
        };
        let s = format!("{e:?}");
        assert!(!s.contains("debug-secret") && s.contains("[REDACTED]"), "{s}");
    }
}
