//! Access-token passthrough (`-AccessToken`, `-ArmAccessToken`): tokens are checked when given, and
//! what they cannot do (refresh, step-up) is explained instead of attempted.

use super::describe_challenge;
use super::state::SignInState;
use crate::auth::cloud::{Endpoints, Resource};
use crate::auth::token::{AccessToken, TokenSource};
use crate::error::{Error, ErrorKind, ServiceError};
use serde_json::{Value, json};

/// Why a connection of passthrough tokens cannot give a token for `resource` (and `challenge`).
pub(super) fn limit(state: &SignInState, resource: Resource, challenge: Option<&Value>) -> Error {
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

pub(super) fn validate(endpoints: &Endpoints, resource: Resource, text: &str) -> Result<AccessToken, Error> {
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
