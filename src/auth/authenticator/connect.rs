//! Connect and passthrough. Connecting: passthrough tokens if given; else a cached sign-in (unless
//! `force`); else an interactive sign-in to Microsoft Graph (unless `interactive: false`). The new
//! connection is built aside and installed only when that sign-in has completed. Azure Resource
//! Manager then signs in silently if it can (one app for both APIs, or a cached ARM sign-in);
//! otherwise on its first use.
//!
//! Access-token passthrough (`-AccessToken`, `-ArmAccessToken`): tokens are checked when given, and
//! what they cannot do (refresh, step-up) is explained instead of attempted.

use super::state::{Connection, SignInState, TokenStore};
use super::{Authenticator, SignInContext, SignInStatus, describe_challenge, non_interactive, refresh};
use crate::auth::cloud::{ClientIds, EndpointOverrides, Endpoints, Resource};
use crate::auth::interactive::{BrowserMode, Flow};
use crate::auth::token::{AccessToken, TokenSource};
use crate::error::{Error, ErrorKind, ServiceError};
use crate::events::EventSink;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// What a host sends to connect (`Connect-Pim` in PowerShell).
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
    /// `false`: never prompt (no browser, no device code); without passthrough tokens or a usable
    /// cached sign-in, fail at once with `NonInteractiveSignInRequired`. Default `true`.
    pub interactive: Option<bool>,
    /// Sign in to Azure Resource Manager now too (prompting if need be), not when first needed: for
    /// hosts whose later calls cannot prompt (a CLI login followed by scripts).
    #[serde(default)]
    pub include_arm: bool,
    #[serde(flatten)]
    pub endpoints: EndpointOverrides,
}

impl ConnectOptions {
    pub fn is_interactive(&self) -> bool {
        self.interactive.unwrap_or(true)
    }

    /// The connection these options describe, with the passthrough tokens they carry.
    fn connection(&self, events: &EventSink) -> Result<(Connection, TokenStore), Error> {
        let endpoints = Endpoints::resolve(self.environment.as_deref(), &self.endpoints)?;
        if let Some(partial) = endpoints.partial_override() {
            events.warn(
                "PartialEndpointOverride",
                &format!("{partial}; allowed only because allowPartialOverride was given"),
            );
        }
        let clients = self
            .client_id
            .as_deref()
            .map(ClientIds::parse)
            .transpose()?
            .unwrap_or_default();
        let passthrough = [
            (Resource::Graph, &self.access_token),
            (Resource::Arm, &self.arm_access_token),
        ];
        let mut tokens = TokenStore::default();
        let mut account = None;
        for (resource, token) in passthrough {
            if let Some(text) = token {
                let token = validate_passthrough(&endpoints, resource, text)?;
                account = account.or_else(|| refresh::account_from_token(&token));
                tokens.access.insert((resource, String::new()), token);
            }
        }
        let connection = Connection {
            endpoints,
            tenant: self.tenant_id.clone().unwrap_or_else(|| "organizations".into()),
            clients,
            flow: if self.use_device_code {
                Flow::DeviceCode
            } else {
                Flow::Browser
            },
            browser: self.browser.unwrap_or(BrowserMode::System),
            timeout: Duration::from_secs(self.timeout_sec.unwrap_or(300).clamp(10, 3600)),
            account,
            passthrough_only: !tokens.access.is_empty(),
        };
        Ok((connection, tokens))
    }
}

impl Authenticator {
    /// Connects with `options` (or the auto-connect options) unless already connected; a
    /// non-interactive `call` allows only a cached sign-in. Concurrent first uses share one connect.
    pub async fn connect_on_first_use(
        &self,
        options: Option<ConnectOptions>,
        call: SignInContext<'_>,
    ) -> Result<(), Error> {
        if self.live.is_connected() {
            return Ok(());
        }
        let _one_at_a_time = self.first_use.lock().await;
        if self.live.is_connected() {
            return Ok(());
        }
        let mut options = options.unwrap_or_else(|| self.auto_connect.clone());
        options.interactive = Some(call.interactive && options.is_interactive());
        tracing::info!("not connected yet: signing in with the default options");
        Box::pin(self.connect(options, call.events)).await.map(|_| ())
    }

    /// Signs in as described in the module docs and returns the sign-in status.
    pub async fn connect(&self, options: ConnectOptions, events: &EventSink) -> Result<SignInStatus, Error> {
        let call = SignInContext::new(events, options.is_interactive());
        let (connection, tokens) = options.connection(events)?;
        let passthrough_only = connection.passthrough_only;
        let staged = SignInState::new(connection, tokens);
        if !passthrough_only {
            self.sign_in_to_graph(&staged, &options, call).await?;
        }
        self.live.install(staged);
        if options.include_arm && !passthrough_only {
            self.token_for(&self.live, Resource::Arm, None, call).await?;
        } else if !passthrough_only {
            self.sign_in_to_arm_silently(call.silent()).await;
        }
        Ok(self.status().await)
    }

    async fn sign_in_to_graph(
        &self,
        staged: &SignInState,
        options: &ConnectOptions,
        call: SignInContext<'_>,
    ) -> Result<(), Error> {
        if options.force {
            if !call.interactive {
                return Err(non_interactive(Resource::Graph, "a new sign-in was asked for"));
            }
        } else {
            self.restore_refresh_tokens(staged, options.account.as_deref()).await?;
            if staged.has_refresh_token(Resource::Graph) {
                return self.token_for(staged, Resource::Graph, None, call).await.map(|_| ());
            }
            if !call.interactive {
                return Err(non_interactive(Resource::Graph, "there is no usable cached sign-in"));
            }
        }
        let hint = options.account.as_deref();
        self.sign_in_interactively(staged, Resource::Graph, None, hint, call)
            .await
            .map(|_| ())
    }

    /// ARM's token without a prompt, when a refresh token serves it; else ARM signs in when first used.
    async fn sign_in_to_arm_silently(&self, call: SignInContext<'_>) {
        if let Err(error) = self.token_for(&self.live, Resource::Arm, None, call).await {
            tracing::info!(
                "{} will sign in when it is first needed ({})",
                Resource::Arm.name(),
                error.code()
            );
        }
    }
}

/// Why a connection of passthrough tokens cannot give a token for `resource` (and `challenge`).
pub(super) fn passthrough_limit(state: &SignInState, resource: Resource, challenge: Option<&Value>) -> Error {
    let expired = state
        .tokens
        .lock()
        .access
        .get(&(resource, String::new()))
        .map(|t| t.expires_at);
    let (code, message) = match (challenge, expired) {
        (Some(challenge), _) => (
            "StepUpNeedsInteractiveSignIn",
            format!(
                "{} requires a stronger sign-in ({}) that a supplied access token cannot provide",
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
            format!("no {} access token was supplied", resource.name()),
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
