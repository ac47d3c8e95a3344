//! The signed-in state of one client: which cloud, tenant and app; the account; access tokens per
//! resource and claims request (memory only); refresh tokens (memory, plus the encrypted cache).
//! `access_token` is the one way in: cached token → refresh grant → interactive sign-in (if allowed).
//! A connect signs in to Microsoft Graph; Azure Resource Manager signs in silently when the same
//! refresh token serves it, else with its own prompt when it is first needed.

mod connect;
mod grants;
mod passthrough;
mod remembered;
mod sign_out;
mod state;

pub use connect::ConnectOptions;
pub use sign_out::DisconnectOptions;

use super::cache::{CacheBackend, CacheOptions, TokenCache};
use super::claims;
use super::cloud::{Endpoints, Resource};
use super::token::AccessToken;
use super::token_endpoint::RedeemError;
use crate::error::{Error, ErrorKind, ServiceError};
use crate::events::EventSink;
use crate::http::HttpClient;
use serde_json::{Value, json};
use state::SignInState;
use std::sync::Arc;

pub struct Authenticator {
    http: HttpClient,
    cache_options: Option<CacheOptions>,
    /// Opened on first use, off the async threads (key stores may block).
    cache: tokio::sync::OnceCell<Option<Arc<TokenCache>>>,
    /// The state calls use; replaced only by a completed connect (or cleared by a disconnect).
    live: SignInState,
    /// One interactive prompt at a time: concurrent requests needing the same step-up share it.
    interactive: tokio::sync::Mutex<()>,
    /// One connect-on-first-use at a time: concurrent calls share it.
    first_use: tokio::sync::Mutex<()>,
    /// How to sign in when a call needs a token before anyone connected.
    auto_connect: ConnectOptions,
}

impl Authenticator {
    /// `cache_options: None` keeps sign-ins in memory only.
    pub fn new(http: HttpClient, cache_options: Option<CacheOptions>) -> Self {
        Self {
            http,
            cache_options,
            cache: tokio::sync::OnceCell::new(),
            live: SignInState::default(),
            interactive: tokio::sync::Mutex::new(()),
            first_use: tokio::sync::Mutex::new(()),
            auto_connect: ConnectOptions::default(),
        }
    }

    /// Sign-in options used when a call needs a token before `connect` and brings none of its own
    /// (default: the defaults, with endpoint overrides from the environment).
    pub fn with_auto_connect(mut self, options: ConnectOptions) -> Self {
        self.auto_connect = options;
        self
    }

    /// Connects with `options` (or the auto-connect options) unless already connected; `interactive:
    /// false` allows only a cached sign-in. Concurrent first uses share one connect.
    pub async fn connect_on_first_use(
        &self,
        options: Option<ConnectOptions>,
        interactive: bool,
        events: &EventSink,
    ) -> Result<(), Error> {
        if self.live.is_connected() {
            return Ok(());
        }
        let _one_at_a_time = self.first_use.lock().await;
        if self.live.is_connected() {
            return Ok(());
        }
        let mut options = options.unwrap_or_else(|| self.auto_connect.clone());
        options.interactive = Some(interactive && options.is_interactive());
        tracing::info!("not connected yet: signing in (run Connect-Pim to choose how)");
        Box::pin(self.connect(options, events)).await.map(|_| ())
    }

    /// A token for `resource` that satisfies `challenge` (a claims request from the service);
    /// connects first if nobody has. Without `allow_interactive` a sign-in that needs the user fails
    /// with `NonInteractiveSignInRequired`.
    pub async fn access_token(
        &self,
        resource: Resource,
        challenge: Option<&Value>,
        events: &EventSink,
        allow_interactive: bool,
    ) -> Result<AccessToken, Error> {
        let key = challenge.map(claims::canonical).unwrap_or_default();
        if let Some(token) = self.live.cached_access(resource, &key) {
            return Ok(token);
        }
        self.connect_on_first_use(None, allow_interactive, events).await?;
        self.token_for(&self.live, resource, challenge, events, allow_interactive)
            .await
    }

    /// The way in for one state: cached token → refresh grant → interactive sign-in (if allowed).
    async fn token_for(
        &self,
        state: &SignInState,
        resource: Resource,
        challenge: Option<&Value>,
        events: &EventSink,
        allow_interactive: bool,
    ) -> Result<AccessToken, Error> {
        let key = challenge.map(claims::canonical).unwrap_or_default();
        if let Some(token) = state.cached_access(resource, &key) {
            return Ok(token);
        }
        if state.with_connection(|c| Ok(c.passthrough_only))? {
            return Err(passthrough::limit(state, resource, challenge));
        }
        let mut challenge = challenge.cloned();
        let reason = match self.refresh(state, resource, challenge.as_ref()).await {
            Ok(Some(token)) => return Ok(token),
            Ok(None) => "there is no usable cached sign-in".to_string(),
            Err(RedeemError::Entra { error, .. }) => {
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
                format!("the cached sign-in needs interaction ({})", error.error)
            }
            Err(RedeemError::Other(error)) => return Err(error),
        };
        if !allow_interactive {
            let reason = match &challenge {
                Some(challenge) => format!("{} asks for {}", resource.name(), describe_challenge(challenge)),
                None => reason,
            };
            return Err(non_interactive(resource, &reason));
        }
        let _prompt = self.interactive.lock().await;
        if let Some(token) = state.cached_access(resource, &key) {
            return Ok(token); // another op completed the same step-up meanwhile
        }
        let hint = state.with_connection(|c| Ok(c.account.as_ref().map(|a| a.username.clone())))?;
        self.sign_in_interactively(state, resource, challenge.as_ref(), hint.as_deref(), events)
            .await
    }

    /// Forgets an access token the service rejected (401 without a challenge).
    pub fn invalidate(&self, resource: Resource) {
        self.live.tokens.lock().access.retain(|(r, _), _| *r != resource);
    }

    /// Who is signed in where, and what each token allows; never the tokens.
    pub async fn context(&self) -> Result<Value, Error> {
        let cache = match self.cache_backend().await {
            Some(CacheBackend::Encrypted { key_store }) => format!("Encrypted ({key_store})"),
            Some(CacheBackend::PlaintextFile) => "PlaintextFile".into(),
            Some(CacheBackend::Disabled) | None => "Disabled".into(),
        };
        let connection = self.live.connection.lock();
        let Some(c) = connection.as_ref() else {
            return Ok(json!({"connected": false}));
        };
        let tokens = self.live.tokens.lock();
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
                "microsoftCloud": c.endpoints.overridden_roots().is_empty(),
                "overriddenRoots": c.endpoints.overridden_roots(),
            },
            "clientIds": c.clients,
            "flow": format!("{:?}", c.flow),
            "tokenCache": cache,
            "tokens": list,
        }))
    }

    /// The endpoints and account the API clients need.
    pub fn endpoints(&self) -> Result<Endpoints, Error> {
        self.live.with_connection(|c| Ok(c.endpoints.clone()))
    }

    pub fn object_id(&self) -> Result<String, Error> {
        self.live.with_connection(|c| {
            c.account
                .as_ref()
                .map(|a| a.object_id.clone())
                .ok_or_else(|| Error::Internal("the signed-in account is unknown".into()))
        })
    }
}

/// A sign-in would have to prompt, and the caller said not to.
fn non_interactive(resource: Resource, reason: &str) -> Error {
    ServiceError::new(
        ErrorKind::InteractionRequired,
        "NonInteractiveSignInRequired",
        format!(
            "signing in to {} needs interaction ({reason}), which this call may not use. Sign in once \
             where you can (Connect-Pim -UseDeviceCode in an interactive session), pass tokens you \
             already have (Connect-Pim -AccessToken and -ArmAccessToken), or use your own app \
             registration (Connect-Pim -ClientId <app id>) with a cached sign-in.",
            resource.name()
        ),
    )
    .with_details(json!({"resource": resource.name(), "reason": reason}))
    .into()
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
