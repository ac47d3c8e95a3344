//! The token response of every grant: access token, refresh token (`offline_access`), ID token
//! (`openid`) and `client_info`.

use rand::Rng;
use serde_json::json;

use super::scopes::resolve_scopes;
use crate::identity::{AccessGrant, RefreshGrant, RequestedClaims, TOKEN_MARKER, step_up_amr};
use crate::state::EmuState;
use crate::util::b64url;
use crate::wire::{Resp, entra_error};

/// A completed sign-in, ready to be answered with tokens.
pub struct SignIn<'a> {
    pub user_id: &'a str,
    pub client_id: &'a str,
    pub scopes: &'a [String],
    /// Authentication methods of the sign-in (before any step-up).
    pub amr: Vec<String>,
    pub claims: Option<&'a RequestedClaims>,
    pub nonce: Option<&'a str>,
    pub client_info: bool,
}

pub fn token_response(st: &mut EmuState, s: SignIn) -> Resp {
    let (resource, names) = match resolve_scopes(s.scopes) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(user) = st.scenario.find_user(s.user_id).cloned() else {
        return entra_error(
            400,
            "invalid_grant",
            50034,
            "The user account does not exist in the directory.",
        );
    };
    let issuer = st.issuer();
    let scp = issuer.granted_scp(resource, &names);
    let acrs = s.claims.map(|c| c.acrs.clone()).unwrap_or_default();
    let xms_cc = s.claims.map(|c| c.xms_cc.clone()).unwrap_or_default();
    let amr = step_up_amr(s.amr.clone(), &acrs);
    let lifetime = st.scenario.settings.token_lifetime_sec as i64;
    let at = issuer.access_token(AccessGrant {
        user: &user,
        resource,
        scp: &scp,
        amr,
        acrs,
        xms_cc,
        client_id: s.client_id,
        lifetime,
    });
    let has = |x: &str| s.scopes.iter().any(|y| y.eq_ignore_ascii_case(x));
    let id_token = has("openid").then(|| issuer.id_token(&user, s.client_id, lifetime, s.nonce));
    let mut scope_out: Vec<String> = scp
        .iter()
        .map(|x| format!("{}{}", resource.scope_prefix(), x))
        .collect();
    for o in ["openid", "profile", "email"] {
        if has(o) {
            scope_out.push(o.into());
        }
    }
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope_out.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": at,
    });
    if has("offline_access") {
        let rt = format!("0.emu.{TOKEN_MARKER}.{}", b64url(&rand::rng().random::<[u8; 32]>()));
        st.auth.refresh.insert(
            rt.clone(),
            RefreshGrant {
                user_id: user.id.clone(),
                client_id: s.client_id.into(),
                amr: s.amr,
            },
        );
        body["refresh_token"] = json!(rt);
    }
    if let Some(idt) = id_token {
        body["id_token"] = json!(idt);
    }
    if s.client_info {
        let ci = json!({"uid": user.id, "utid": st.scenario.tenant.id}).to_string();
        body["client_info"] = json!(b64url(ci.as_bytes()));
    }
    Resp::json(200, body)
}
