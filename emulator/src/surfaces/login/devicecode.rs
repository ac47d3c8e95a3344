//! `POST /{tenant}/oauth2/v2.0/devicecode`: starts the device-code flow.

use serde_json::json;

use super::params::{Params, claims_param, missing, param};
use super::scopes::{resolve_scopes, split_scopes};
use crate::identity::DeviceCode;
use crate::state::EmuState;
use crate::wire::Resp;

pub fn devicecode(state: &mut EmuState, p: &Params) -> Resp {
    let Some(client_id) = param(p, "client_id") else {
        return missing("client_id");
    };
    let scopes = split_scopes(param(p, "scope").unwrap_or(""));
    if let Err(r) = resolve_scopes(&scopes) {
        return r;
    }
    let claims = match claims_param(p) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let now = state.now();
    let s = &state.scenario.settings;
    let expires_in = s.device_code_expires_in_sec;
    let interval = s.device_code_interval_sec;
    let code = DeviceCode::issue(client_id, scopes, claims, now, expires_in, interval);
    let (user_code, device_code) = (code.user_code.clone(), code.device_code.clone());
    state.auth.device.push(code);
    let verification_uri = "https://microsoft.com/devicelogin";
    Resp::json(
        200,
        json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": expires_in,
            "interval": interval,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
        }),
    )
}
