//! The signed-in state of one client: which cloud, tenant and app; the account; access tokens per
//! resource and claims request (memory only); refresh tokens (memory, plus the encrypted cache).
//! `access_token` is the one way in: cached token → refresh grant → interactive sign-in (if allowed).

use super::cache::{CacheBackend, CacheEntry, CacheKey, CacheOptions, TokenCache};
use super::claims;
use super::cloud::{ClientIds, Cloud, EndpointOverrides, Endpoints, Resource};
use super::interactive::{BrowserMode, Flow, SignIn};
use super::token::{AccessToken, TokenSource};
use super::token_endpoint::{self, Grant, RedeemError, TokenRequest, Tokens};
use crate::error::{Error, ErrorKind, ServiceError};
use crate::events::EventSink;
use crate::http::HttpClient;
use chrono::Utc;
use parking_lot::Mutex;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// What `Connect-Pim` sends.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConnectOptions {
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub environment: Option<String>,
    #[serde(default)]
    pub use_device_code: bool,
    pub browser: Option<BrowserMode>,
    /// Ignore cached sign-ins and sign in interactively.
    #[serde(default)]
    pub force: bool,
    /// Which account to use or sign in as (UPN).
    pub account: Option<String>,
    /// Access-token passthrough (e.g. from Get-AzAccessToken or a pipeline's OIDC step).
    pub access_token: Option<String>,
    pub arm_access_token: Option<String>,
    pub timeout_sec: Option<u64>,
    #[serde(flatten)]
    pub endpoints: EndpointOverrides,
}

#[derive(Debug, Clone)]
struct Account {
    username: String,
    object_id: String,
    tenant_id: String,
    /// `uid.utid` from client_info, or `oid.tid`.
    home_account_id: String,
}

struct Connection {
    endpoints: Endpoints,
    tenant: String,
    clients: ClientIds,
    flow: Flow,
    browser: BrowserMode,
    timeout: Duration,
    account: Option<Account>,
    /// True when only passthrough tokens were given: nothing can be refreshed or stepped up.
    passthrough_only: bool,
}

#[derive(Default)]
struct TokenStore {
    /// Keyed by resource and the canonical claims request ("" for none).
    access: HashMap<(Resource, String), AccessToken>,
    /// Keyed by client id.
    refresh: HashMap<String, SecretString>,
}

pub struct Authenticator {
    http: HttpClient,
    cache_options: Option<CacheOptions>,
    /// Opened on first use, off the async threads (key stores may block).
    cache: tokio::sync::OnceCell<Option<Arc<TokenCache>>>,
    connection: Mutex<Option<Connection>>,
    tokens: Mutex<TokenStore>,
    /// One interactive prompt at a time: concurrent requests needing the same step-up share it.
    interactive: tokio::sync::Mutex<()>,
    /// How to sign in when a call needs a token before anyone connected.
    auto_connect: ConnectOptions,
}

/// Access tokens are refreshed this long before they expire.
fn freshness_margin() -> chrono::Duration {
    chrono::Duration::minutes(5)
}

impl Authenticator {
    /// `cache_options: None` keeps sign-ins in memory only.
    pub fn new(http: HttpClient, cache_options: Option<CacheOptions>) -> Self {
        Self {
            http,
            cache_options,
            cache: tokio::sync::OnceCell::new(),
            connection: Mutex::new(None),
            tokens: Mutex::new(TokenStore::default()),
            interactive: tokio::sync::Mutex::new(()),
            auto_connect: ConnectOptions::default(),
        }
    }

    /// Sign-in options used when a call needs a token before `connect` (default: the defaults, with
    /// endpoint overrides from the environment).
    pub fn with_auto_connect(mut self, options: ConnectOptions) -> Self {
        self.auto_connect = options;
        self
    }

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

    /// Signs in: passthrough tokens if given; else a cached sign-in (unless `force`); else
    /// interactively. Graph first, then ARM (silently from the same refresh token when the app
    /// allows, else a second prompt); an ARM failure is a warning, not a failed connect.
    pub async fn connect(&self, options: ConnectOptions, events: &EventSink) -> Result<Value, Error> {
        let cloud = options
            .environment
            .as_deref()
            .map(Cloud::parse)
            .transpose()?
            .unwrap_or(Cloud::Global);
        let endpoints =
            Endpoints::for_cloud(cloud).with_overrides(&options.endpoints.clone().or(EndpointOverrides::from_env()))?;
        let clients = options
            .client_id
            .as_deref()
            .map(ClientIds::parse)
            .transpose()?
            .unwrap_or_default();
        let tenant = options.tenant_id.clone().unwrap_or_else(|| "organizations".into());
        let passthrough = [
            (Resource::Graph, &options.access_token),
            (Resource::Arm, &options.arm_access_token),
        ];
        let passthrough_only = passthrough.iter().any(|(_, token)| token.is_some());

        let mut tokens = TokenStore::default();
        let mut account = None;
        for (resource, token) in passthrough {
            if let Some(text) = token {
                let token = validate_passthrough(&endpoints, resource, text)?;
                account = account.or_else(|| account_from_token(&token));
                tokens.access.insert((resource, String::new()), token);
            }
        }
        *self.tokens.lock() = tokens;
        *self.connection.lock() = Some(Connection {
            endpoints,
            tenant,
            clients,
            flow: if options.use_device_code {
                Flow::DeviceCode
            } else {
                Flow::Browser
            },
            browser: options.browser.unwrap_or(BrowserMode::System),
            timeout: Duration::from_secs(options.timeout_sec.unwrap_or(300).clamp(10, 3600)),
            account,
            passthrough_only,
        });
        if passthrough_only {
            return self.context().await;
        }

        if !options.force {
            self.restore_refresh_tokens(options.account.as_deref()).await?;
        }
        if options.force || !self.has_refresh_token(Resource::Graph) {
            let hint = options.account.as_deref();
            self.sign_in_interactively(Resource::Graph, None, hint, events).await?;
        } else {
            self.access_token(Resource::Graph, None, events, true).await?;
        }
        if let Err(error) = self.access_token(Resource::Arm, None, events, true).await {
            tracing::warn!("signed in for Microsoft Graph, but not for Azure Resource Manager: {error}");
        }
        self.context().await
    }

    /// A token for `resource` that satisfies `challenge` (a claims request from the service).
    pub async fn access_token(
        &self,
        resource: Resource,
        challenge: Option<&Value>,
        events: &EventSink,
        allow_interactive: bool,
    ) -> Result<AccessToken, Error> {
        let key = challenge.map(claims::canonical).unwrap_or_default();
        if let Some(token) = self.cached_access(resource, &key) {
            return Ok(token);
        }
        if self.connection.lock().is_none() && allow_interactive {
            tracing::info!("not connected yet: signing in with the defaults (run Connect-Pim to choose)");
            Box::pin(self.connect(self.auto_connect.clone(), events)).await?;
            if let Some(token) = self.cached_access(resource, &key) {
                return Ok(token);
            }
        }
        let passthrough_only = self.with_connection(|c| Ok(c.passthrough_only))?;
        if passthrough_only {
            return Err(self.passthrough_limit(resource, challenge));
        }
        let mut challenge = challenge.cloned();
        match self.refresh(resource, challenge.as_ref()).await {
            Ok(Some(token)) => return Ok(token),
            Ok(None) => {}
            Err(RedeemError::Entra { error, status }) => {
                tracing::info!(
                    "refreshing the {} token needs interaction ({})",
                    resource.name(),
                    error.error
                );
                if let Some(extra) = error.challenge() {
                    challenge = Some(match &challenge {
                        Some(first) => claims::combine(first, &extra),
                        None => extra,
                    });
                }
                if !allow_interactive {
                    return Err(error.into_error(status));
                }
            }
            Err(RedeemError::Other(error)) => return Err(error),
        }
        if !allow_interactive {
            return Err(Error::service(
                ErrorKind::AuthenticationRequired,
                "NotSignedIn",
                format!("not signed in to {}; run Connect-Pim", resource.name()),
            ));
        }
        let _prompt = self.interactive.lock().await;
        if let Some(token) = self.cached_access(resource, &key) {
            return Ok(token); // another op completed the same step-up meanwhile
        }
        let hint = self.with_connection(|c| Ok(c.account.as_ref().map(|a| a.username.clone())))?;
        self.sign_in_interactively(resource, challenge.as_ref(), hint.as_deref(), events)
            .await
    }

    /// Forgets an access token the service rejected (401 without a challenge).
    pub fn invalidate(&self, resource: Resource) {
        self.tokens.lock().access.retain(|(r, _), _| *r != resource);
    }

    fn cached_access(&self, resource: Resource, key: &str) -> Option<AccessToken> {
        let tokens = self.tokens.lock();
        let token = tokens.access.get(&(resource, key.to_string()))?;
        let margin = if token.source == TokenSource::Passthrough {
            chrono::Duration::seconds(30)
        } else {
            freshness_margin()
        };
        token.is_fresh(margin).then(|| token.clone())
    }

    fn passthrough_limit(&self, resource: Resource, challenge: Option<&Value>) -> Error {
        let expired = self
            .tokens
            .lock()
            .access
            .get(&(resource, String::new()))
            .map(|t| t.expires_at);
        let (code, message) = match (challenge, expired) {
            (Some(challenge), _) => (
                "StepUpNeedsInteractiveSignIn",
                format!(
                    "{} requires a stronger sign-in ({}) that a supplied access token cannot provide; run Connect-Pim without -AccessToken",
                    resource.name(),
                    describe_challenge(challenge)
                ),
            ),
            (None, Some(at)) => (
                "AccessTokenExpired",
                format!(
                    "the {} access token you supplied expired at {at}; supply a fresh one",
                    resource.name()
                ),
            ),
            (None, None) => (
                "NoAccessToken",
                format!(
                    "no {} access token was supplied; pass it to Connect-Pim too, or sign in interactively",
                    resource.name()
                ),
            ),
        };
        let kind = if challenge.is_some() {
            ErrorKind::InteractionRequired
        } else {
            ErrorKind::AuthenticationRequired
        };
        ServiceError::new(kind, code, message)
            .with_details(json!({"claims": challenge}))
            .into()
    }

    fn with_connection<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        match self.connection.lock().as_ref() {
            Some(connection) => f(connection),
            None => Err(Error::service(
                ErrorKind::AuthenticationRequired,
                "NotConnected",
                "not connected; run Connect-Pim",
            )),
        }
    }

    fn has_refresh_token(&self, resource: Resource) -> bool {
        let client = self.with_connection(|c| Ok(c.clients.for_resource(resource).to_string()));
        client.is_ok_and(|client| self.tokens.lock().refresh.contains_key(&client))
    }

    /// Redeems the refresh token of the resource's app, if there is one.
    async fn refresh(&self, resource: Resource, challenge: Option<&Value>) -> Result<Option<AccessToken>, RedeemError> {
        let (endpoints, tenant, client) = self
            .with_connection(|c| {
                Ok((
                    c.endpoints.clone(),
                    c.tenant.clone(),
                    c.clients.for_resource(resource).to_string(),
                ))
            })
            .map_err(RedeemError::Other)?;
        let Some(refresh_token) = self.tokens.lock().refresh.get(&client).cloned() else {
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
            self.accept(resource, challenge, &client, tokens)
                .await
                .map_err(RedeemError::Other)?,
        ))
    }

    async fn sign_in_interactively(
        &self,
        resource: Resource,
        challenge: Option<&Value>,
        login_hint: Option<&str>,
        events: &EventSink,
    ) -> Result<AccessToken, Error> {
        let (endpoints, tenant, client, flow, browser, timeout) = self.with_connection(|c| {
            Ok((
                c.endpoints.clone(),
                c.tenant.clone(),
                c.clients.for_resource(resource).to_string(),
                c.flow,
                c.browser,
                c.timeout,
            ))
        })?;
        let claims = claims::with_capabilities(challenge);
        if let Some(challenge) = challenge {
            tracing::info!(
                "{} asks for a stronger sign-in: {}",
                resource.name(),
                describe_challenge(challenge)
            );
        }
        let sign_in = SignIn {
            http: &self.http,
            endpoints: &endpoints,
            tenant: &tenant,
            client_id: &client,
            resource,
            claims: &claims,
            login_hint,
            events,
            timeout,
        };
        let tokens = sign_in.run(flow, browser).await?;
        self.accept(resource, challenge, &client, tokens).await
    }

    /// Keeps new tokens: the access token in memory, the rotated refresh token in memory and in the
    /// persisted cache, and the account.
    async fn accept(
        &self,
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
            let mut connection = self.connection.lock();
            let connection = connection
                .as_mut()
                .ok_or_else(|| Error::Internal("connection vanished".into()))?;
            if let Some(account) = account {
                connection.account = Some(account);
            }
            let account = connection.account.clone();
            let mut state = self.tokens.lock();
            let key = challenge.map(claims::canonical).unwrap_or_default();
            state.access.insert((resource, key), access.clone());
            match (tokens.refresh_token, account) {
                (Some(refresh), Some(account)) => {
                    state.refresh.insert(client.to_string(), refresh.clone());
                    Some((
                        CacheKey::new(
                            connection.endpoints.login_host(),
                            &connection.tenant,
                            &account.home_account_id,
                            client,
                        ),
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
                    state.refresh.insert(client.to_string(), refresh);
                    None
                }
                (None, _) => None,
            }
        };
        if let (Some(cache), Some((key, entry))) = (self.cache().await, persist) {
            let stored = tokio::task::spawn_blocking(move || cache.store(&key, &entry)).await;
            match stored {
                Ok(Ok(())) => tracing::debug!("sign-in saved to the token cache"),
                Ok(Err(error)) => tracing::warn!("the sign-in could not be saved to the token cache: {error}"),
                Err(_) => tracing::warn!("the sign-in could not be saved to the token cache"),
            }
        }
        Ok(access)
    }

    /// Loads refresh tokens of the wanted (or only) account for this cloud, tenant and apps.
    async fn restore_refresh_tokens(&self, wanted_account: Option<&str>) -> Result<(), Error> {
        let Some(cache) = self.cache().await else { return Ok(()) };
        let (cloud, tenant, clients) =
            self.with_connection(|c| Ok((c.endpoints.login_host(), c.tenant.clone(), c.clients.clone())))?;
        let wanted = wanted_account.map(str::to_lowercase);
        let found = tokio::task::spawn_blocking(move || -> Result<Vec<(String, CacheEntry)>, String> {
            let keys = cache.keys().map_err(|e| e.to_string())?;
            let mut matches = Vec::new();
            for key in keys
                .into_iter()
                .filter(|k| k.cloud == cloud.to_lowercase() && k.tenant == tenant.to_lowercase())
            {
                if ![&clients.graph, &clients.arm]
                    .iter()
                    .any(|c| c.to_lowercase() == key.client_id)
                {
                    continue;
                }
                if let Some(entry) = cache.load(&key).map_err(|e| e.to_string())? {
                    if wanted
                        .as_ref()
                        .is_none_or(|w| entry.username.to_lowercase() == *w || key.account == *w)
                    {
                        matches.push((key.client_id.clone(), entry));
                    }
                }
            }
            Ok(matches)
        })
        .await
        .map_err(|_| Error::Internal("the token cache task failed".into()))?;
        let entries = match found {
            Ok(entries) => entries,
            Err(error) => {
                tracing::warn!("the token cache could not be read: {error}");
                return Ok(());
            }
        };
        let accounts: std::collections::BTreeSet<String> =
            entries.iter().map(|(_, e)| e.username.to_lowercase()).collect();
        if accounts.len() > 1 {
            tracing::warn!(
                "several cached sign-ins match ({}); choose one with -Account, signing in interactively now",
                accounts.into_iter().collect::<Vec<_>>().join(", ")
            );
            return Ok(());
        }
        let mut state = self.tokens.lock();
        let mut connection = self.connection.lock();
        for (client, entry) in entries {
            if let Some(connection) = connection.as_mut() {
                connection.account.get_or_insert_with(|| Account {
                    username: entry.username.clone(),
                    object_id: entry.object_id.clone(),
                    tenant_id: entry.tenant_id.clone(),
                    home_account_id: format!("{}.{}", entry.object_id, entry.tenant_id),
                });
            }
            state.refresh.insert(client, entry.refresh_token);
        }
        Ok(())
    }

    /// Signs out: clears memory, and the persisted sign-ins of this account (or all of them).
    pub async fn disconnect(&self, all: bool) -> Result<Value, Error> {
        let connection = self.connection.lock().take();
        *self.tokens.lock() = TokenStore::default();
        let mut removed = 0usize;
        if let Some(cache) = self.cache().await {
            let targets: Vec<CacheKey> = match (&connection, all) {
                (_, true) => Vec::new(),
                (Some(c), false) => match &c.account {
                    Some(account) => [&c.clients.graph, &c.clients.arm]
                        .into_iter()
                        .map(|client| {
                            CacheKey::new(c.endpoints.login_host(), &c.tenant, &account.home_account_id, client)
                        })
                        .collect(),
                    None => Vec::new(),
                },
                (None, false) => Vec::new(),
            };
            removed = tokio::task::spawn_blocking(move || -> Result<usize, Error> {
                let failed =
                    |e: super::cache::CacheError| Error::Internal(format!("the token cache could not be cleared: {e}"));
                if all {
                    return cache.remove_all().map_err(failed);
                }
                let mut removed = 0;
                for key in targets {
                    removed += usize::from(cache.remove(&key).map_err(failed)?);
                }
                Ok(removed)
            })
            .await
            .map_err(|_| Error::Internal("the token cache task failed".into()))??;
        }
        Ok(json!({"wasConnected": connection.is_some(), "removedCacheEntries": removed, "all": all}))
    }

    /// Who is signed in where, and what each token allows; never the tokens.
    pub async fn context(&self) -> Result<Value, Error> {
        let cache = match self.cache().await.map(|c| c.backend()) {
            Some(CacheBackend::Encrypted { key_store }) => format!("Encrypted ({key_store})"),
            Some(CacheBackend::PlaintextFile) => "PlaintextFile".into(),
            Some(CacheBackend::Disabled) | None => "Disabled".into(),
        };
        let connection = self.connection.lock();
        let Some(c) = connection.as_ref() else {
            return Ok(json!({"connected": false}));
        };
        let tokens = self.tokens.lock();
        let mut list: Vec<Value> = tokens
            .access
            .iter()
            .map(|((resource, key), token)| {
                json!({
                    "resource": resource.name(),
                    "expiresOn": token.expires_at.to_rfc3339(),
                    "source": token.source,
                    "scopes": token.claims.scopes(),
                    "amr": token.claims.amr,
                    "acrs": token.claims.acrs,
                    "stepUp": !key.is_empty(),
                })
            })
            .collect();
        list.sort_by_key(|t| t["resource"].as_str().unwrap_or_default().to_string());
        Ok(json!({
            "connected": true,
            "account": c.account.as_ref().map(|a| a.username.clone()),
            "objectId": c.account.as_ref().map(|a| a.object_id.clone()),
            "tenantId": c.account.as_ref().map(|a| a.tenant_id.clone()),
            "tenant": c.tenant,
            "environment": c.endpoints.cloud,
            "endpoints": {
                "authority": c.endpoints.authority_host.as_str(),
                "graph": c.endpoints.graph.as_str(),
                "arm": c.endpoints.arm.as_str(),
                "overridden": c.endpoints.overridden,
            },
            "clientIds": c.clients,
            "flow": format!("{:?}", c.flow),
            "tokenCache": cache,
            "tokens": list,
        }))
    }

    /// The endpoints and account the API clients need.
    pub fn endpoints(&self) -> Result<Endpoints, Error> {
        self.with_connection(|c| Ok(c.endpoints.clone()))
    }

    pub fn object_id(&self) -> Result<String, Error> {
        self.with_connection(|c| {
            c.account
                .as_ref()
                .map(|a| a.object_id.clone())
                .ok_or_else(|| Error::Internal("the signed-in account is unknown".into()))
        })
    }
}

fn account_from_token(token: &AccessToken) -> Option<Account> {
    let claims = &token.claims;
    let (oid, tid) = (claims.oid.clone()?, claims.tid.clone()?);
    Some(Account {
        username: claims.username().unwrap_or(&oid).to_string(),
        home_account_id: format!("{oid}.{tid}"),
        object_id: oid,
        tenant_id: tid,
    })
}

fn validate_passthrough(endpoints: &Endpoints, resource: Resource, text: &str) -> Result<AccessToken, Error> {
    let text = text.trim().trim_start_matches("Bearer ").trim();
    let token = AccessToken::new(text.to_string(), resource, None, TokenSource::Passthrough)
        .map_err(|_| Error::InvalidArgument(format!("the {} access token is not a JWT", resource.name())))?;
    let audience = token.claims.aud.clone().unwrap_or_default();
    if !endpoints.audience_matches(resource, &audience) {
        return Err(Error::InvalidArgument(format!(
            "the token given as the {} access token is for '{audience}'",
            resource.name()
        )));
    }
    if !token.is_fresh(chrono::Duration::seconds(30)) {
        return Err(Error::service(
            ErrorKind::AuthenticationRequired,
            "AccessTokenExpired",
            format!("the {} access token expired at {}", resource.name(), token.expires_at),
        ));
    }
    Ok(token)
}

/// "authentication context c1", or the raw claims.
pub fn describe_challenge(challenge: &Value) -> String {
    let acrs = claims::acrs_values(challenge);
    if acrs.is_empty() {
        format!("claims {challenge}")
    } else {
        format!("authentication context {}", acrs.join(", "))
    }
}

/// Checks that a token carries the permission an operation needs, with a clear message if not.
pub fn require_scope(token: &AccessToken, permission: &str) -> Result<(), Error> {
    let scopes = token.claims.scopes();
    if scopes.is_empty()
        || token.claims.has_scope(permission)
        || scopes.iter().any(|s| s.eq_ignore_ascii_case("user_impersonation"))
    {
        return Ok(());
    }
    Err(ServiceError::new(
        ErrorKind::Forbidden,
        "MissingScope",
        format!(
            "the {} access token lacks the {permission} permission (it has: {}); sign in with an app that was granted it",
            token.resource.name(),
            scopes.join(" ")
        ),
    )
    .with_details(json!({"requiredScope": permission, "tokenScopes": scopes}))
    .into())
}
