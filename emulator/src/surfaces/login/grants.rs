//! `POST /{tenant}/oauth2/v2.0/token`: the authorization-code (with PKCE), refresh-token and
//! device-code grants.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::issue::{SignIn, token_response};
use super::params::{Params, claims_param, missing, param};
use super::scopes::split_scopes;
use crate::identity::{AuthCode, DeviceCode, DeviceStatus, RequestedClaims, merge_claims};
use crate::state::EmuState;
use crate::util::b64url;
use crate::wire::{Resp, entra_error};

/// What every grant shares.
struct TokenRequest<'a> {
    p: &'a Params,
    client_id: &'a str,
    claims: Option<RequestedClaims>,
    client_info: bool,
    now: DateTime<Utc>,
}

pub fn token(state: &mut EmuState, p: &Params) -> Resp {
    let Some(grant) = param(p, "grant_type") else {
        return missing("grant_type");
    };
    let Some(client_id) = param(p, "client_id") else {
        return missing("client_id");
    };
    let claims = match claims_param(p) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let c = TokenRequest {
        p,
        client_id,
        claims,
        client_info: param(p, "client_info") == Some("1"),
        now: state.now(),
    };
    match grant {
        "authorization_code" => redeem_code(state, c),
        "refresh_token" => redeem_refresh_token(state, c),
        "urn:ietf:params:oauth:grant-type:device_code" => redeem_device_code(state, c),
        other => entra_error(
            400,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

/// The user's configured sign-in methods.
fn user_amr(state: &EmuState, user_id: &str) -> Vec<String> {
    state
        .scenario
        .find_user(user_id)
        .map(|u| u.amr.clone())
        .unwrap_or_default()
}

fn redeem_code(state: &mut EmuState, c: TokenRequest) -> Resp {
    let Some(code) = param(c.p, "code") else {
        return missing("code");
    };
    let Some(ac) = state.auth.codes.get_mut(code) else {
        return entra_error(
            400,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid. The authorization code is not valid.",
        );
    };
    if let Err(r) = check_code(ac, &c) {
        return r;
    }
    ac.used = true;
    let user_id = ac.user_id.clone();
    let nonce = ac.nonce.clone();
    let code_claims = ac.claims.clone();
    let scopes = match param(c.p, "scope") {
        Some(s) => split_scopes(s),
        None => ac.scopes.clone(),
    };
    let claims = merge_claims(code_claims, c.claims);
    let amr = user_amr(state, &user_id);
    let sign_in = SignIn {
        user_id: &user_id,
        client_id: c.client_id,
        scopes: &scopes,
        amr,
        claims: claims.as_ref(),
        nonce: nonce.as_deref(),
        client_info: c.client_info,
    };
    token_response(state, sign_in)
}

/// The code is unused, fresh, issued to this client and redirect URI, and the PKCE verifier
/// matches its challenge.
fn check_code(ac: &AuthCode, c: &TokenRequest) -> Result<(), Resp> {
    if ac.used {
        return Err(entra_error(
            400,
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        ));
    }
    if c.now - ac.created > chrono::Duration::minutes(10) {
        return Err(entra_error(
            400,
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity.",
        ));
    }
    if ac.client_id != c.client_id {
        return Err(entra_error(
            400,
            "invalid_grant",
            70000,
            "The provided grant is invalid or malformed: the code was issued to another client.",
        ));
    }
    if param(c.p, "redirect_uri") != Some(ac.redirect_uri.as_str()) {
        return Err(entra_error(
            400,
            "invalid_grant",
            50011,
            "The redirect URI specified in the request does not match the redirect URI used to obtain the authorization code.",
        ));
    }
    if let Some((challenge, method)) = &ac.challenge {
        let Some(verifier) = param(c.p, "code_verifier") else {
            return Err(entra_error(
                400,
                "invalid_request",
                50148,
                "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
            ));
        };
        let computed = if method == "S256" {
            b64url(&Sha256::digest(verifier.as_bytes()))
        } else {
            verifier.to_string()
        };
        if &computed != challenge {
            return Err(entra_error(
                400,
                "invalid_grant",
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            ));
        }
    }
    Ok(())
}

fn redeem_refresh_token(state: &mut EmuState, c: TokenRequest) -> Resp {
    let Some(rt) = param(c.p, "refresh_token") else {
        return missing("refresh_token");
    };
    let Some(g) = state.auth.refresh.get(rt) else {
        return entra_error(
            400,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid. The refresh token is not valid.",
        );
    };
    if g.client_id != c.client_id {
        return entra_error(
            400,
            "invalid_grant",
            70000,
            "The provided grant is invalid or malformed: the refresh token was issued to another client (client_mismatch).",
        );
    }
    let user_id = g.user_id.clone();
    let amr = g.amr.clone();
    let mut scopes = split_scopes(param(c.p, "scope").unwrap_or("https://graph.microsoft.com/.default"));
    if !scopes.iter().any(|s| s == "offline_access") {
        scopes.push("offline_access".into());
    }
    let sign_in = SignIn {
        user_id: &user_id,
        client_id: c.client_id,
        scopes: &scopes,
        amr,
        claims: c.claims.as_ref(),
        nonce: None,
        client_info: c.client_info,
    };
    token_response(state, sign_in)
}

fn redeem_device_code(state: &mut EmuState, c: TokenRequest) -> Resp {
    let Some(dc) = param(c.p, "device_code") else {
        return missing("device_code");
    };
    let Some(d) = state.auth.device.iter_mut().find(|d| d.device_code == dc) else {
        return entra_error(
            400,
            "bad_verification_code",
            70000,
            "The provided device code is not valid.",
        );
    };
    if let Err(r) = check_device_poll(d, &c) {
        return r;
    }
    match d.status.clone() {
        DeviceStatus::Approved { user_id, amr } => {
            d.status = DeviceStatus::Redeemed;
            let scopes = d.scopes.clone();
            let dclaims = merge_claims(d.claims.clone(), c.claims);
            let amr = amr.unwrap_or_else(|| user_amr(state, &user_id));
            let sign_in = SignIn {
                user_id: &user_id,
                client_id: c.client_id,
                scopes: &scopes,
                amr,
                claims: dclaims.as_ref(),
                nonce: None,
                client_info: c.client_info,
            };
            token_response(state, sign_in)
        }
        _ => entra_error(
            400,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        ),
    }
}

/// The device code belongs to this client, is neither redeemed, expired nor denied, and is not
/// polled faster than its interval (the poll is recorded).
fn check_device_poll(d: &mut DeviceCode, c: &TokenRequest) -> Result<(), Resp> {
    if d.client_id != c.client_id {
        return Err(entra_error(
            400,
            "invalid_grant",
            70000,
            "The provided device code was issued to another client.",
        ));
    }
    if d.status == DeviceStatus::Redeemed {
        return Err(entra_error(
            400,
            "invalid_grant",
            54005,
            "The device code was already redeemed.",
        ));
    }
    if c.now >= d.expires_at {
        return Err(entra_error(400, "expired_token", 70019, "Verification code expired."));
    }
    if d.status == DeviceStatus::Denied {
        return Err(entra_error(
            400,
            "authorization_declined",
            70000,
            "The end user declined the authorization request.",
        ));
    }
    let too_fast = d
        .last_poll
        .is_some_and(|l| d.interval > 0 && c.now - l < chrono::Duration::seconds(d.interval as i64));
    d.last_poll = Some(c.now);
    if too_fast {
        return Err(entra_error(
            400,
            "slow_down",
            70016,
            "OAuth 2.0 device flow error. The client is polling too frequently; increase the polling interval by 5 seconds.",
        ));
    }
    Ok(())
}
