//! Refresh and cache restore: the refresh grant; keeping what the token endpoint returns (access
//! token and account in memory, the rotated refresh token also in the persisted cache); opening the
//! token cache and restoring a cached sign-in. A cached refresh token is bound to the endpoints it was
//! issued for (the key holds the login host and the endpoints' cache partition), so a connection
//! never reads, refreshes or sends a refresh token of other endpoints.

use super::Authenticator;
use super::state::{Account, Connection, SignInState};
use crate::auth::cache::{CacheBackend, CacheEntry, CacheError, CacheKey, CachedAccount, TokenCache};
use crate::auth::claims;
use crate::auth::cloud::Resource;
use crate::auth::token::AccessToken;
use crate::auth::token_endpoint::{self, Grant, RedeemError, TokenRequest, Tokens};
use crate::error::Error;
use chrono::Utc;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

impl Connection {
    /// The cache key of this connection's sign-in of `account` (home account id) with `client`.
    pub(super) fn cache_key(&self, account: &str, client: &str) -> CacheKey {
        CacheKey::new(self.endpoints.login_host(), &self.tenant, account, client)
            .bound_to(self.endpoints.cache_partition())
    }

    /// Whether a cached sign-in was made with this connection's endpoints and tenant and one of its apps.
    fn can_use(&self, key: &CacheKey) -> bool {
        *key == self.cache_key(&key.account, &key.client_id)
            && [&self.clients.graph, &self.clients.arm]
                .iter()
                .any(|client| client.to_lowercase() == key.client_id)
    }
}

impl Authenticator {
    /// Redeems the refresh token of the resource's app, if there is one.
    pub(super) async fn refresh(
        &self,
        state: &SignInState,
        resource: Resource,
        challenge: Option<&Value>,
    ) -> Result<Option<AccessToken>, RedeemError> {
        let (endpoints, tenant, client) = state
            .with_connection(|c| {
                Ok((
                    c.endpoints.clone(),
                    c.tenant.clone(),
                    c.clients.for_resource(resource).to_string(),
                ))
            })
            .map_err(RedeemError::Other)?;
        let Some(refresh_token) = state.tokens.lock().refresh.get(&client).cloned() else {
            return Ok(None);
        };
        let claims = claims::with_capabilities(challenge);
        let request = TokenRequest {
            endpoints: &endpoints,
            tenant: &tenant,
            client_id: &client,
            resource,
            grant: Grant::RefreshToken(&refresh_token),
            claims: &claims,
        };
        let tokens = token_endpoint::redeem(&self.http, request).await?;
        Ok(Some(
            self.accept(state, resource, challenge, &client, tokens)
                .await
                .map_err(RedeemError::Other)?,
        ))
    }

    /// Keeps new tokens: the access token in memory, the rotated refresh token in memory and in the
    /// persisted cache, and the account.
    pub(super) async fn accept(
        &self,
        state: &SignInState,
        resource: Resource,
        challenge: Option<&Value>,
        client: &str,
        tokens: Tokens,
    ) -> Result<AccessToken, Error> {
        let access = tokens.access.clone();
        let account = account_from_token(&access).map(|mut account| {
            if let Some(info) = &tokens.client_info {
                account.home_account_id = format!("{}.{}", info.uid, info.utid);
            }
            if let Some(username) = tokens.id_claims.as_ref().and_then(|c| c.username()) {
                account.username = username.to_string();
            }
            account
        });
        let persist = {
            let mut connection = state.connection.lock();
            let connection = connection
                .as_mut()
                .ok_or_else(|| Error::Internal("connection vanished".into()))?;
            if let Some(account) = account {
                connection.account = Some(account);
            }
            let account = connection.account.clone();
            let mut store = state.tokens.lock();
            let key = challenge.map(claims::canonical).unwrap_or_default();
            store.access.insert((resource, key), access.clone());
            match (tokens.refresh_token, account) {
                (Some(refresh), Some(account)) => {
                    store.refresh.insert(client.to_string(), refresh.clone());
                    Some((
                        connection.cache_key(&account.home_account_id, client),
                        CacheEntry {
                            refresh_token: refresh,
                            username: account.username.clone(),
                            tenant_id: account.tenant_id.clone(),
                            object_id: account.object_id.clone(),
                            scopes: connection.endpoints.scopes(resource),
                            updated: Utc::now(),
                        },
                    ))
                }
                (Some(refresh), None) => {
                    store.refresh.insert(client.to_string(), refresh);
                    None
                }
                (None, _) => None,
            }
        };
        if let Some((key, entry)) = persist {
            self.remember(key, entry).await;
        }
        Ok(access)
    }

    /// The token cache, opened on first use, off the async threads (key stores may block).
    async fn cache(&self) -> Option<Arc<TokenCache>> {
        self.cache
            .get_or_init(|| async {
                let options = self.cache_options.clone()?;
                match tokio::task::spawn_blocking(move || TokenCache::open(options)).await {
                    Ok(Ok(cache)) => {
                        if let Some(warning) = cache.open_warning() {
                            tracing::warn!("{warning}");
                        }
                        Some(Arc::new(cache))
                    }
                    Ok(Err(error)) => {
                        tracing::warn!("sign-ins will not be remembered: the token cache could not be opened: {error}");
                        None
                    }
                    Err(_) => None,
                }
            })
            .await
            .clone()
    }

    /// Runs `work` on the token cache off the async threads; `Ok(None)` when nothing persists.
    pub(super) async fn in_cache<T: Send + 'static>(
        &self,
        work: impl FnOnce(&TokenCache) -> Result<T, CacheError> + Send + 'static,
    ) -> Result<Option<T>, String> {
        let Some(cache) = self.cache().await else {
            return Ok(None);
        };
        match tokio::task::spawn_blocking(move || work(&cache)).await {
            Ok(result) => result.map(Some).map_err(|error| error.to_string()),
            Err(_) => Err("the token cache task failed".into()),
        }
    }

    /// How the cache persists, for the context.
    pub(super) async fn cache_backend(&self) -> Option<CacheBackend> {
        self.cache().await.map(|cache| cache.backend())
    }

    /// Saves a (rotated) refresh token.
    pub(super) async fn remember(&self, key: CacheKey, entry: CacheEntry) {
        match self.in_cache(move |cache| cache.store(&key, &entry)).await {
            Ok(Some(())) => tracing::debug!("sign-in saved to the token cache"),
            Ok(None) => {}
            Err(error) => tracing::warn!("the sign-in could not be saved to the token cache: {error}"),
        }
    }

    /// Loads refresh tokens of the wanted (or only) account for this connection's endpoints, tenant
    /// and apps.
    pub(super) async fn restore_refresh_tokens(
        &self,
        state: &SignInState,
        wanted_account: Option<&str>,
    ) -> Result<(), Error> {
        let cached = match self.in_cache(TokenCache::accounts).await {
            Ok(Some(accounts)) => accounts,
            Ok(None) => return Ok(()),
            Err(error) => {
                tracing::warn!("the token cache could not be read: {error}");
                return Ok(());
            }
        };
        let wanted = wanted_account.map(str::to_lowercase);
        let usable: Vec<CachedAccount> = state.with_connection(|c| {
            Ok(cached
                .into_iter()
                .filter(|a| c.can_use(&a.key))
                .filter(|a| {
                    wanted
                        .as_ref()
                        .is_none_or(|w| a.username.to_lowercase() == *w || a.key.account == *w)
                })
                .collect())
        })?;
        let accounts: BTreeSet<String> = usable.iter().map(|a| a.username.to_lowercase()).collect();
        if accounts.len() > 1 {
            tracing::warn!(
                "several cached sign-ins match ({}), so none is used; name the account to use when connecting",
                accounts.into_iter().collect::<Vec<_>>().join(", ")
            );
            return Ok(());
        }
        let keys: Vec<CacheKey> = usable.into_iter().map(|a| a.key).collect();
        let loaded = self
            .in_cache(move |cache| {
                let mut entries = Vec::new();
                for key in keys {
                    if let Some(entry) = cache.load(&key)? {
                        entries.push((key, entry));
                    }
                }
                Ok(entries)
            })
            .await;
        let entries = match loaded {
            Ok(entries) => entries.unwrap_or_default(),
            Err(error) => {
                tracing::warn!("the token cache could not be read: {error}");
                return Ok(());
            }
        };
        let mut store = state.tokens.lock();
        let mut connection = state.connection.lock();
        for (key, entry) in entries {
            if let Some(connection) = connection.as_mut() {
                connection.account.get_or_insert_with(|| Account {
                    username: entry.username.clone(),
                    object_id: entry.object_id.clone(),
                    tenant_id: entry.tenant_id.clone(),
                    home_account_id: key.account.clone(),
                });
            }
            store.refresh.insert(key.client_id, entry.refresh_token);
        }
        Ok(())
    }
}

pub(super) fn account_from_token(token: &AccessToken) -> Option<Account> {
    let claims = &token.claims;
    let (oid, tid) = (claims.oid.clone()?, claims.tid.clone()?);
    Some(Account {
        username: claims.username().unwrap_or(&oid).to_string(),
        home_account_id: format!("{oid}.{tid}"),
        object_id: oid,
        tenant_id: tid,
    })
}
