//! `GET|POST /{tenant}/oauth2/v2.0/authorize`: headless sign-in that redirects to a loopback
//! URI with a code (PKCE challenge, `claims`, `nonce` and `state` kept for redemption).

use rand::Rng;

use super::params::{Params, claims_param, missing, param};
use super::scopes::split_scopes;
use crate::identity::{AuthCode, RequestedClaims};
use crate::state::EmuState;
use crate::util::{b64url, new_guid, url_encode};
use crate::wire::{Resp, entra_error};

fn is_loopback_redirect(uri: &str) -> bool {
    match url::Url::parse(uri) {
        Ok(u) => u.scheme() == "http" && matches!(u.host_str(), Some("localhost") | Some("127.0.0.1")),
        Err(_) => false,
    }
}

/// `{redirect}?{params}` (or `&` when the redirect has a query), with the client's `state`.
fn callback_url(redirect: &str, params: &str, state: Option<&str>) -> String {
    let mut url = format!("{redirect}{}{params}", if redirect.contains('?') { "&" } else { "?" });
    if let Some(s) = state {
        url.push_str(&format!("&state={}", url_encode(s)));
    }
    url
}

/// What a valid authorize request asks for.
struct SignInAsk {
    challenge: Option<(String, String)>,
    claims: Option<RequestedClaims>,
    user_id: String,
}

/// Reads the response type, PKCE challenge, `claims` and user; `Err((error, description))` is
/// redirected back to the client.
fn read_ask(state: &EmuState, p: &Params) -> Result<SignInAsk, (&'static str, String)> {
    if param(p, "response_type") != Some("code") {
        return Err((
            "unsupported_response_type",
            "AADSTS700054: response_type 'code' is required by the emulator.".into(),
        ));
    }
    let challenge = match (param(p, "code_challenge"), param(p, "code_challenge_method")) {
        (Some(c), m) => {
            let m = m.unwrap_or("plain");
            if m != "S256" && m != "plain" {
                return Err(("invalid_request", "AADSTS501491: Invalid code_challenge_method.".into()));
            }
            Some((c.to_string(), m.to_string()))
        }
        (None, _) => None,
    };
    let claims = claims_param(p).map_err(|_| {
        (
            "invalid_request",
            "AADSTS90019: The claims parameter is not valid JSON.".to_string(),
        )
    })?;
    let user = match param(p, "login_hint") {
        Some(h) => state.scenario.find_user(h).ok_or_else(|| {
            (
                "invalid_request",
                format!("AADSTS50034: The user account {h} does not exist in the directory."),
            )
        })?,
        None => state
            .scenario
            .default_user()
            .ok_or(("server_error", "No default user.".to_string()))?,
    };
    Ok(SignInAsk {
        challenge,
        claims,
        user_id: user.id.clone(),
    })
}

pub fn authorize(state: &mut EmuState, p: &Params) -> Resp {
    let Some(client_id) = param(p, "client_id") else {
        return missing("client_id");
    };
    let Some(redirect) = param(p, "redirect_uri") else {
        return missing("redirect_uri");
    };
    if !is_loopback_redirect(redirect) {
        return entra_error(
            400,
            "invalid_request",
            50011,
            &format!(
                "The redirect URI '{redirect}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Only http://localhost:{{port}} and http://127.0.0.1:{{port}} are accepted by the emulator."
            ),
        );
    }
    let state_param = param(p, "state");
    let ask = match read_ask(state, p) {
        Ok(a) => a,
        Err((error, desc)) => {
            let params = format!("error={}&error_description={}", url_encode(error), url_encode(&desc));
            return Resp::redirect(&callback_url(redirect, &params, state_param));
        }
    };
    if !state.scenario.settings.headless_authorize {
        return Resp::html(
            200,
            "<html><body>pimrust-emulator: interactive sign-in is disabled (headlessAuthorize=false).</body></html>",
        );
    }
    let code = format!("1.emu.{}", b64url(&rand::rng().random::<[u8; 32]>()));
    let now = state.now();
    state.auth.codes.insert(
        code.clone(),
        AuthCode {
            client_id: client_id.into(),
            redirect_uri: redirect.into(),
            scopes: split_scopes(param(p, "scope").unwrap_or("")),
            challenge: ask.challenge,
            user_id: ask.user_id,
            claims: ask.claims,
            nonce: param(p, "nonce").map(str::to_string),
            created: now,
            used: false,
        },
    );
    let mut url = callback_url(redirect, &format!("code={}", url_encode(&code)), state_param);
    url.push_str(&format!("&session_state={}", new_guid()));
    Resp::redirect(&url)
}
