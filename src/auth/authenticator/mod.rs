//! The authenticator: hands out access tokens for one client. Its state is which cloud, tenant and
//! app; the account; access tokens per resource and claims request (memory only); refresh tokens
//! (memory, plus the encrypted cache). [`Authenticator::access_token`] is the one way in: cached
//! token → refresh grant → interactive sign-in (if allowed). A connect signs in to Microsoft Graph;
//! Azure Resource Manager signs in silently when the same refresh token serves it, else with its own
//! prompt when it is first needed.
//!
//! The jobs around it: `connect` (connect and access-token passthrough), `refresh` (the refresh grant,
//! keeping new tokens, the persisted cache and restoring from it), `sign_out`, and `state` (one
//! sign-in state). What hosts see as JSON is shaped by the `auth.*` methods, not here.

mod connect;
mod refresh;
mod sign_out;
mod state;

pub use connect::ConnectOptions;
pub(crate) use sign_out::same_sign_in;
pub use sign_out::{DisconnectOptions, SignOutReport};
pub use state::Account;

use super::cache::{CacheBackend, CacheOptions, TokenCache};
use super::claims;
use super::cloud::{ClientIds, Endpoints, Resource};
use super::interactive::{Flow, PromptLabel, SignIn};
use super::token::{AccessToken, TokenClaims, TokenSource};
use super::token_endpoint::RedeemError;
use crate::error::{Error, ErrorKind, ServiceError};
use crate::events::EventSink;
use crate::http::HttpClient;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use state::SignInState;
use std::sync::Arc;

/// What the operation asking for a token brings to a sign-in: where its prompts and warnings go, and
/// whether it may prompt the user at all. Passed along, unchanged, down to the sign-in flows.
#[derive(Clone, Copy)]
pub struct SignInContext<'a> {
    pub events: &'a EventSink,
    /// `false`: a sign-in that needs the user fails with `NonInteractiveSignInRequired`.
    pub interactive: bool,
}

impl<'a> SignInContext<'a> {
    pub fn new(events: &'a EventSink, interactive: bool) -> Self {
        Self { events, interactive }
    }

    /// The same operation, never prompting.
    pub fn silent(self) -> Self {
        Self {
            interactive: false,
            ..self
        }
    }
}

/// Who is signed in where, and what each token allows; never the tokens.
#[derive(Debug, Clone)]
pub struct SignInStatus {
    /// How sign-ins persist; `None` when they do not.
    pub token_cache: Option<CacheBackend>,
    /// `None` when not connected.
    pub connection: Option<ConnectionStatus>,
}

#[derive(Debug, Clone)]
pub struct ConnectionStatus {
    pub account: Option<Account>,
    /// As given to connect (id or domain; `organizations` by default).
    pub tenant: String,
    pub endpoints: Endpoints,
    pub clients: ClientIds,
    pub flow: Flow,
    /// The access tokens held, by resource name.
    pub tokens: Vec<TokenStatus>,
}

/// One access token held, without the token.
#[derive(Debug, Clone)]
pub struct TokenStatus {
    pub resource: Resource,
    pub expires_at: DateTime<Utc>,
    pub source: TokenSource,
    pub claims: TokenClaims,
    /// Issued for a claims request (a step-up).
    pub step_up: bool,
}

impl SignInStatus {
    pub fn is_connected(&self) -> bool {
        self.connection.is_some()
    }

    /// The signed-in account, once known.
    pub fn account(&self) -> Option<&Account> {
        self.connection.as_ref()?.account.as_ref()
    }

    /// The access tokens held (none when not connected).
    pub fn tokens(&self) -> &[TokenStatus] {
        self.connection.as_ref().map_or(&[], |c| c.tokens.as_slice())
    }
}

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

    /// Sign-ins persist in `cache`, already opened: for hosts (and tests) that bring their own key
    /// store through [`TokenCache::open_with_key_store`].
    pub fn with_token_cache(http: HttpClient, cache: TokenCache) -> Self {
        Self {
            cache: tokio::sync::OnceCell::new_with(Some(Some(Arc::new(cache)))),
            ..Self::new(http, None)
        }
    }

    /// Sign-in options used when a call needs a token before `connect` and brings none of its own
    /// (default: the defaults, with endpoint overrides from the environment).
    pub fn with_auto_connect(mut self, options: ConnectOptions) -> Self {
        self.auto_connect = options;
        self
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
        let call = SignInContext::new(events, allow_interactive);
        self.connect_on_first_use(None, call).await?;
        self.token_for(&self.live, resource, challenge, call).await
    }

    /// The way in for one state: cached token → refresh grant → interactive sign-in (if allowed).
    async fn token_for(
        &self,
        state: &SignInState,
        resource: Resource,
        challenge: Option<&Value>,
        call: SignInContext<'_>,
    ) -> Result<AccessToken, Error> {
        let key = challenge.map(claims::canonical).unwrap_or_default();
        if let Some(token) = state.cached_access(resource, &key) {
            return Ok(token);
        }
        if state.with_connection(|c| Ok(c.passthrough_only))? {
            return Err(connect::passthrough_limit(state, resource, challenge));
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
        if !call.interactive {
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
        self.sign_in_interactively(state, resource, challenge.as_ref(), hint.as_deref(), call)
            .await
    }

    /// Signs in with the connection's flow (browser or device code), prompting through `call`.
    async fn sign_in_interactively(
        &self,
        state: &SignInState,
        resource: Resource,
        challenge: Option<&Value>,
        login_hint: Option<&str>,
        call: SignInContext<'_>,
    ) -> Result<AccessToken, Error> {
        let (endpoints, tenant, client, flow, browser, timeout, one_app) = state.with_connection(|c| {
            Ok((
                c.endpoints.clone(),
                c.tenant.clone(),
                c.clients.for_resource(resource).to_string(),
                c.flow,
                c.browser,
                c.timeout,
                c.one_app(),
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
            label: &prompt_label(resource, challenge, one_app),
            events: call.events,
            timeout,
        };
        let tokens = sign_in.run(flow, browser).await?;
        self.accept(state, resource, challenge, &client, tokens).await
    }

    /// Forgets an access token the service rejected (401 without a challenge).
    pub fn invalidate(&self, resource: Resource) {
        self.live.tokens.lock().access.retain(|(r, _), _| *r != resource);
    }

    /// Who is signed in where, and what each token allows; never the tokens.
    pub async fn status(&self) -> SignInStatus {
        let token_cache = self.cache_backend().await;
        let connection = self.live.connection.lock();
        let connection = connection.as_ref().map(|c| {
            let mut tokens: Vec<TokenStatus> = self
                .live
                .tokens
                .lock()
                .access
                .iter()
                .map(|((resource, key), token)| TokenStatus {
                    resource: *resource,
                    expires_at: token.expires_at,
                    source: token.source,
                    claims: token.claims.clone(),
                    step_up: !key.is_empty(),
                })
                .collect();
            tokens.sort_by_key(|t| t.resource.name());
            ConnectionStatus {
                account: c.account.clone(),
                tenant: c.tenant.clone(),
                endpoints: c.endpoints.clone(),
                clients: c.clients.clone(),
                flow: c.flow,
                tokens,
            }
        });
        SignInStatus {
            token_cache,
            connection,
        }
    }

    /// The endpoints and account the API clients need.
    pub fn endpoints(&self) -> Result<Endpoints, Error> {
        self.live.with_connection(|c| Ok(c.endpoints.clone()))
    }

    /// The signed-in account's tenant id, when the account is known.
    pub fn tenant_id(&self) -> Option<String> {
        self.live
            .with_connection(|c| Ok(c.account.as_ref().map(|a| a.tenant_id.clone())))
            .ok()
            .flatten()
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

/// Which sign-in a prompt is for. With the default apps Graph and ARM each sign in once (1 of 2,
/// 2 of 2); one app registration signs in once for both.
fn prompt_label(resource: Resource, challenge: Option<&Value>, one_app: bool) -> PromptLabel {
    let (step, steps) = match (one_app, resource) {
        (true, _) => (1, 1),
        (false, Resource::Graph) => (1, 2),
        (false, Resource::Arm) => (2, 2),
    };
    let text = match challenge {
        Some(challenge) => format!("(step-up for {}: {})", resource.name(), describe_challenge(challenge)),
        None if one_app && resource == Resource::Graph => {
            format!("({} and {})", Resource::Graph.name(), Resource::Arm.name())
        }
        None if one_app => format!("({})", resource.name()),
        None => format!("({step} of {steps}: {})", resource.name()),
    };
    PromptLabel { step, steps, text }
}

/// A sign-in would have to prompt, and the caller said not to.
fn non_interactive(resource: Resource, reason: &str) -> Error {
    ServiceError::new(
        ErrorKind::InteractionRequired,
        "NonInteractiveSignInRequired",
        format!(
            "signing in to {} needs interaction ({reason}), which this call may not use",
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
