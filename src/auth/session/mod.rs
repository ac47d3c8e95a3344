//! The signed-in state of one client: which cloud, tenant and app; the account; access tokens per
//! resource and claims request (memory only); refresh tokens (memory, plus the encrypted cache).
//! `access_token` is the one way in: cached token → refresh grant → interactive sign-in (if allowed).

mod grants;
mod passthrough;
mod remembered;
mod sign_out;

pub use sign_out::DisconnectOptions;

use super::cache::{CacheBackend, CacheOptions, TokenCache};
use super::claims;
use super::cloud::{ClientIds, EndpointOverrides, Endpoints, Resource};
use super::interactive::{BrowserMode, Flow};
use super::token::{AccessToken, TokenSource};
use super::token_endpoint::RedeemError;
use crate::error::{Error, ErrorKind, ServiceError};
use crate::events::EventSink;
use crate::http::HttpClient;
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

    /// Signs in: passthrough tokens if given; else a cached sign-in (unless `force`); else
    /// interactively. Graph first, then ARM (silently from the same refresh token when the app
    /// allows, else a second prompt); an ARM failure is a warning, not a failed connect.
    pub async fn connect(&self, options: ConnectOptions, events: &EventSink) -> Result<Value, Error> {
        let endpoints = Endpoints::resolve(options.environment.as_deref(), &options.endpoints)?;
        if let Some(partial) = endpoints.partial_override() {
            events.warn(
                "PartialEndpointOverride",
                &format!("{partial}; allowed only because allowPartialOverride was given"),
            );
        }
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
                let token = passthrough::validate(&endpoints, resource, text)?;
                account = account.or_else(|| grants::account_from_token(&token));
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

    /// Who is signed in where, and what each token allows; never the tokens.
    pub async fn context(&self) -> Result<Value, Error> {
        let cache = match self.cache_backend().await {
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
