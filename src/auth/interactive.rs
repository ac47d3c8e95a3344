//! Interactive sign-in: authorization code + PKCE through the system browser and the loopback
//! listener, or the device code flow for SSH and headless sessions. Prompts reach the user as events
//! on the op's queue (`browser`, `deviceCode`); nothing calls back into the host.

use super::cloud::{Endpoints, Resource};
use super::loopback::{Callback, Loopback};
use super::token_endpoint::{self, Grant, RedeemError, TokenRequest, Tokens};
use crate::error::{Error, ErrorKind};
use crate::events::{Event, EventSink, Prompt};
use crate::http::HttpClient;
use oauth2::{AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, RedirectUrl, Scope};
use serde::Deserialize;
use serde_json::Value;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The device-code polling interval is never shorter than this, whatever the service says.
const MIN_POLL_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Flow {
    /// Authorization code + PKCE in the system browser (the default).
    Browser,
    /// Device code: a code to enter at a URL on any device.
    DeviceCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum BrowserMode {
    /// Open the system browser (and also report the URL as an event).
    System,
    /// Only report the URL as a `browser` event; the host (or a test) opens it.
    None,
}

/// Which sign-in a prompt is for, so that several prompts can be told apart: `(1 of 2: Microsoft
/// Graph)` in front of the message, and the step as fields.
pub struct PromptLabel {
    pub step: u8,
    pub steps: u8,
    pub text: String,
}

/// Everything one interactive sign-in needs.
pub struct SignIn<'a> {
    pub http: &'a HttpClient,
    pub endpoints: &'a Endpoints,
    pub tenant: &'a str,
    pub client_id: &'a str,
    pub resource: Resource,
    /// The claims request (already merged with `cp1`).
    pub claims: &'a Value,
    pub login_hint: Option<&'a str>,
    pub label: &'a PromptLabel,
    pub events: &'a EventSink,
    pub timeout: Duration,
}

impl SignIn<'_> {
    pub async fn run(&self, flow: Flow, browser: BrowserMode) -> Result<Tokens, Error> {
        let work = async {
            match flow {
                Flow::Browser => self.browser(browser).await,
                Flow::DeviceCode => self.device_code().await,
            }
        };
        tokio::time::timeout(self.timeout, work).await.map_err(|_| {
            Error::service(
                ErrorKind::AuthenticationFailed,
                "SignInTimedOut",
                format!("sign-in was not completed within {} s", self.timeout.as_secs()),
            )
        })?
    }

    async fn browser(&self, mode: BrowserMode) -> Result<Tokens, Error> {
        let state = CsrfToken::new_random();
        let mut loopback = Loopback::bind(state.secret()).await?;
        let redirect_uri = loopback.redirect_uri();
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let verifier = Zeroizing::new(verifier.into_secret());
        let client = oauth2::basic::BasicClient::new(ClientId::new(self.client_id.to_string()))
            .set_auth_uri(AuthUrl::new(self.endpoints.authorize_url(self.tenant)).map_err(invalid_url)?)
            .set_redirect_uri(RedirectUrl::new(redirect_uri.clone()).map_err(invalid_url)?);
        let claims = self.claims.to_string();
        let mut request = client
            .authorize_url(|| state.clone())
            .add_scopes(self.endpoints.scopes(self.resource).into_iter().map(Scope::new))
            .add_scopes(["openid", "profile", "offline_access"].map(|s| Scope::new(s.to_string())))
            .set_pkce_challenge(challenge)
            .add_extra_param("response_mode", "query")
            .add_extra_param("claims", claims);
        if let Some(hint) = self.login_hint {
            request = request.add_extra_param("login_hint", hint.to_string());
        }
        let (url, _) = request.url();
        let opened = mode == BrowserMode::System && open_browser(url.as_str()).await;
        let message = format!(
            "Sign in to {} in your browser{}.",
            self.resource.name(),
            if opened { "" } else { " (open the URL shown)" }
        );
        self.events.emit(Event::Browser {
            url: url.to_string(),
            opened,
            prompt: self.prompt(&message),
        });
        tracing::info!("waiting for the browser sign-in on {redirect_uri}");
        let callback = loopback
            .next()
            .await
            .ok_or_else(|| Error::Internal("the loopback listener stopped".into()))?;
        match callback {
            Callback::Code(code) => {
                let grant = Grant::AuthorizationCode {
                    code: &code,
                    redirect_uri: &redirect_uri,
                    verifier: &verifier,
                };
                self.redeem(grant).await.map_err(Error::from)
            }
            Callback::Error { error, description } => {
                let first_line = description.lines().next().unwrap_or_default().to_string();
                Err(Error::service(
                    ErrorKind::AuthenticationFailed,
                    error.clone(),
                    format!("Sign-in failed ({error}): {first_line}"),
                ))
            }
        }
    }

    async fn device_code(&self) -> Result<Tokens, Error> {
        let device = token_endpoint::request_device_code(
            self.http,
            self.endpoints,
            self.tenant,
            self.client_id,
            self.resource,
            self.claims,
        )
        .await?;
        let expires_in = Duration::from_secs(device.expires_in.unwrap_or(900));
        let message = device.message.clone().unwrap_or_else(|| {
            format!(
                "To sign in, open {} and enter the code {}.",
                device.verification_uri, device.user_code
            )
        });
        self.events.emit(Event::DeviceCode {
            user_code: device.user_code.clone(),
            verification_uri: device.verification_uri.clone(),
            expires_in_sec: expires_in.as_secs(),
            prompt: self.prompt(&message),
        });
        let deadline = Instant::now() + expires_in;
        let mut interval = Duration::from_secs(device.interval.unwrap_or(5)).max(MIN_POLL_INTERVAL);
        loop {
            tokio::time::sleep(interval).await;
            match self.redeem(Grant::DeviceCode(&device.device_code)).await {
                Ok(tokens) => return Ok(tokens),
                Err(RedeemError::Entra { error, .. }) if error.error == "authorization_pending" => {}
                Err(RedeemError::Entra { error, .. }) if error.error == "slow_down" => {
                    interval += Duration::from_secs(5);
                    tracing::debug!("device code: slow_down, polling every {} s", interval.as_secs());
                }
                Err(other) => return Err(other.into()),
            }
            if Instant::now() >= deadline {
                return Err(Error::service(
                    ErrorKind::AuthenticationFailed,
                    "expired_token",
                    "The device code expired before sign-in completed.",
                ));
            }
        }
    }

    /// What every prompt event carries: the resource and step, and the labelled message.
    fn prompt(&self, message: &str) -> Prompt {
        let label = self.label;
        Prompt {
            resource: self.resource.name().into(),
            step: label.step,
            steps: label.steps,
            label: label.text.clone(),
            message: format!("{} {message}", label.text),
        }
    }

    async fn redeem(&self, grant: Grant<'_>) -> Result<Tokens, RedeemError> {
        token_endpoint::redeem(
            self.http,
            TokenRequest {
                endpoints: self.endpoints,
                tenant: self.tenant,
                client_id: self.client_id,
                resource: self.resource,
                grant,
                claims: self.claims,
            },
        )
        .await
    }
}

fn invalid_url(error: url::ParseError) -> Error {
    Error::InvalidArgument(format!("invalid sign-in URL: {error}"))
}

async fn open_browser(url: &str) -> bool {
    let url = url.to_string();
    match tokio::task::spawn_blocking(move || webbrowser::open(&url)).await {
        Ok(Ok(())) => true,
        Ok(Err(error)) => {
            tracing::warn!("the system browser could not be opened ({error}); open the sign-in URL yourself");
            false
        }
        Err(_) => false,
    }
}
