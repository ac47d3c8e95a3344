//! Sign-out. It always clears this client's memory. On disk it removes, with `all`, everything (the
//! file and its key); else the account this client connected; else (a process that did not connect,
//! or options that name a sign-in) the cached sign-ins the options select — endpoints, tenant and
//! account meaning what they mean for connect, the last-used sign-in there if they name no tenant or
//! account, and the last-used sign-in anywhere if they name nothing at all. The answer lists exactly
//! what was removed.

use super::Authenticator;
use super::state::Connection;
use crate::auth::cache::{CacheKey, CachedAccount, TokenCache};
use crate::auth::cloud::{EndpointOverrides, Endpoints};
use crate::error::Error;
use serde::Deserialize;

/// What a host sends to sign out (`Disconnect-Pim` in PowerShell). The endpoint fields and `environment` mean what they mean for
/// connect (including the `PIMRUST_*` environment variables).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DisconnectOptions {
    /// Remove every cached sign-in, and the cache's key.
    #[serde(default)]
    pub all: bool,
    /// Only sign-ins of this tenant (as given to connect, or the tenant id).
    pub tenant_id: Option<String>,
    /// Only sign-ins of this account (UPN).
    pub account: Option<String>,
    pub environment: Option<String>,
    #[serde(flatten)]
    pub endpoints: EndpointOverrides,
}

impl DisconnectOptions {
    /// Whether the options (or the `PIMRUST_*` environment variables) say which sign-in is meant.
    fn names_anything(&self) -> bool {
        let names_endpoints = |o: &EndpointOverrides| {
            o.sandbox_url.is_some() || o.authority_url.is_some() || o.graph_url.is_some() || o.arm_url.is_some()
        };
        self.tenant_id.is_some()
            || self.account.is_some()
            || self.environment.is_some()
            || names_endpoints(&self.endpoints.with_environment())
    }
}

/// Which cached sign-ins to remove.
enum Target {
    Everything,
    Matching(Selection),
}

/// Cached sign-ins selected by endpoints, tenant and account (each `None` = any), all lower-case.
struct Selection {
    /// Login host and cache partition.
    endpoints: Option<(String, String)>,
    tenant: Option<String>,
    account: Option<String>,
    /// Of the matches, only the most recently used sign-in.
    last_used_only: bool,
}

impl Selection {
    fn of_connection(connection: &Connection) -> Option<Selection> {
        let account = connection.account.as_ref()?;
        let key = connection.cache_key(&account.home_account_id, "");
        Some(Selection {
            endpoints: Some((key.cloud, key.endpoints)),
            tenant: Some(key.tenant),
            account: Some(key.account),
            last_used_only: false,
        })
    }

    /// What the options name, with the endpoints resolved as connect resolves them; with nothing
    /// named (here or in the environment), the last-used sign-in anywhere.
    fn of_options(options: &DisconnectOptions) -> Result<Selection, Error> {
        if !options.names_anything() {
            return Ok(Selection {
                endpoints: None,
                tenant: None,
                account: None,
                last_used_only: true,
            });
        }
        let endpoints = Endpoints::resolve(options.environment.as_deref(), &options.endpoints)?;
        let key = CacheKey::new(endpoints.login_host(), "", "", "").bound_to(endpoints.cache_partition());
        let lower = |text: &Option<String>| text.as_deref().map(|t| t.trim().to_lowercase());
        Ok(Selection {
            endpoints: Some((key.cloud, key.endpoints)),
            tenant: lower(&options.tenant_id),
            account: lower(&options.account),
            last_used_only: options.tenant_id.is_none() && options.account.is_none(),
        })
    }

    fn matches(&self, cached: &CachedAccount) -> bool {
        let key = &cached.key;
        self.endpoints
            .as_ref()
            .is_none_or(|(cloud, partition)| key.cloud == *cloud && key.endpoints == *partition)
            && self
                .tenant
                .as_ref()
                .is_none_or(|t| key.tenant == *t || cached.tenant_id.to_lowercase() == *t)
            && self
                .account
                .as_ref()
                .is_none_or(|a| key.account == *a || cached.username.to_lowercase() == *a)
    }

    /// The cached sign-ins to remove.
    fn pick(&self, cached: Vec<CachedAccount>) -> Vec<CachedAccount> {
        let matching: Vec<CachedAccount> = cached.into_iter().filter(|c| self.matches(c)).collect();
        if !self.last_used_only {
            return matching;
        }
        let Some(last) = matching.iter().max_by_key(|c| c.updated).map(|c| same_sign_in(&c.key)) else {
            return Vec::new();
        };
        matching.into_iter().filter(|c| same_sign_in(&c.key) == last).collect()
    }
}

/// A sign-in is one account at one place; its entries differ only by app.
pub(crate) fn same_sign_in(key: &CacheKey) -> CacheKey {
    CacheKey {
        client_id: String::new(),
        ..key.clone()
    }
}

/// What a sign-out did.
#[derive(Debug, Clone)]
pub struct SignOutReport {
    pub was_connected: bool,
    /// Everything was asked for (`all`).
    pub all: bool,
    /// How many cache entries (one per account and app) were removed.
    pub removed_entries: usize,
    /// The cache entries removed (with `all`: every entry there was).
    pub removed: Vec<CachedAccount>,
}

impl Authenticator {
    /// Signs out: clears memory, and removes the persisted sign-ins described in the module docs.
    pub async fn disconnect(&self, options: DisconnectOptions) -> Result<SignOutReport, Error> {
        let target = {
            let connection = self.live.connection.lock();
            match connection.as_ref() {
                _ if options.all => Some(Target::Everything),
                Some(connection) if !options.names_anything() => {
                    Selection::of_connection(connection).map(Target::Matching)
                }
                _ => Some(Target::Matching(Selection::of_options(&options)?)),
            }
        };
        let was_connected = self.live.is_connected();
        self.live.install(Default::default());
        let (count, removed) = match target {
            None => (0, Vec::new()),
            Some(target) => self
                .in_cache(move |cache| remove(cache, target))
                .await
                .map_err(|e| Error::Internal(format!("the token cache could not be cleared: {e}")))?
                .unwrap_or_default(),
        };
        Ok(SignOutReport {
            was_connected,
            all: options.all,
            removed_entries: count,
            removed,
        })
    }
}

/// Removes `target` from the cache; returns how many entries went, and which.
fn remove(cache: &TokenCache, target: Target) -> Result<(usize, Vec<CachedAccount>), crate::auth::cache::CacheError> {
    let cached = cache.accounts()?;
    match target {
        Target::Everything => {
            let count = cache.remove_all()?;
            Ok((count, cached))
        }
        Target::Matching(selection) => {
            let mut removed = Vec::new();
            for account in selection.pick(cached) {
                if cache.remove(&account.key)? {
                    removed.push(account);
                }
            }
            Ok((removed.len(), removed))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn options_take_the_connect_selectors_and_nothing_else() {
        let options: DisconnectOptions = serde_json::from_value(json!({
            "all": false, "tenantId": "contoso.com", "account": "adele@contoso.com", "environment": "USGov",
            "sandboxUrl": "http://127.0.0.1:1", "allowPartialOverride": true,
        }))
        .unwrap();
        assert!(options.names_anything());
        assert_eq!(options.endpoints.sandbox_url.as_deref(), Some("http://127.0.0.1:1"));
        assert!(serde_json::from_value::<DisconnectOptions>(json!({"bogus": 1})).is_err());
    }
}
