//! Connecting: passthrough tokens if given; else a cached sign-in (unless `force`); else an
//! interactive sign-in to Microsoft Graph (unless `interactive: false`). The new connection is built
//! aside and installed only when that sign-in has completed. Azure Resource Manager then signs in
//! silently if it can (one app for both APIs, or a cached ARM sign-in); otherwise on its first use.

use super::state::{Connection, SignInState, TokenStore};
use super::{Authenticator, grants, non_interactive, passthrough};
use crate::auth::cloud::{ClientIds, EndpointOverrides, Endpoints, Resource};
use crate::auth::interactive::{BrowserMode, Flow};
use crate::error::Error;
use crate::events::EventSink;
use serde::Deserialize;
use serde_json::Value;
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
    /// `false`: never prompt (no browser, no device code); without passthrough tokens or a usable
    /// cached sign-in, fail at once with `NonInteractiveSignInRequired`. Default `true`.
    pub interactive: Option<bool>,
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
                let token = passthrough::validate(&endpoints, resource, text)?;
                account = account.or_else(|| grants::account_from_token(&token));
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
    /// Signs in as described in the module docs and returns the context.
    pub async fn connect(&self, options: ConnectOptions, events: &EventSink) -> Result<Value, Error> {
        let (connection, tokens) = options.connection(events)?;
        let passthrough_only = connection.passthrough_only;
        let staged = SignInState::new(connection, tokens);
        if !passthrough_only {
            self.sign_in_to_graph(&staged, &options, events).await?;
        }
        self.live.install(staged);
        if !passthrough_only {
            self.sign_in_to_arm_silently(events).await;
        }
        self.context().await
    }

    async fn sign_in_to_graph(
        &self,
        staged: &SignInState,
        options: &ConnectOptions,
        events: &EventSink,
    ) -> Result<(), Error> {
        if options.force {
            if !options.is_interactive() {
                return Err(non_interactive(Resource::Graph, "-Force asks for a new sign-in"));
            }
        } else {
            self.restore_refresh_tokens(staged, options.account.as_deref()).await?;
            if staged.has_refresh_token(Resource::Graph) {
                let interactive = options.is_interactive();
                return self
                    .token_for(staged, Resource::Graph, None, events, interactive)
                    .await
                    .map(|_| ());
            }
            if !options.is_interactive() {
                return Err(non_interactive(Resource::Graph, "there is no usable cached sign-in"));
            }
        }
        let hint = options.account.as_deref();
        self.sign_in_interactively(staged, Resource::Graph, None, hint, events)
            .await
            .map(|_| ())
    }

    /// ARM's token without a prompt, when a refresh token serves it; else ARM signs in when first used.
    async fn sign_in_to_arm_silently(&self, events: &EventSink) {
        if let Err(error) = self.token_for(&self.live, Resource::Arm, None, events, false).await {
            tracing::info!(
                "{} will sign in when it is first needed ({})",
                Resource::Arm.name(),
                error.code()
            );
        }
    }
}
