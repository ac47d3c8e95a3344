//! The Entra login surface (`/{tenant}/oauth2/v2.0/{authorize,token,devicecode}` and the OIDC
//! metadata): `mod.rs` routes, `params.rs` reads parameters, `scopes.rs` resolves requested
//! scopes, `authorize.rs`, `grants.rs` and `devicecode.rs` are the endpoints, `issue.rs` builds
//! the token response.

mod authorize;
mod devicecode;
mod grants;
mod issue;
mod params;
mod scopes;

use serde_json::json;

use self::params::Params;
use crate::state::EmuState;
use crate::wire::{Req, Resp, entra_error};

/// The tenant id, one of its domains, `organizations` or `common`.
fn tenant_ok(st: &EmuState, tenant: &str) -> bool {
    let t = &st.scenario.tenant;
    tenant.eq_ignore_ascii_case(&t.id)
        || tenant.eq_ignore_ascii_case("organizations")
        || tenant.eq_ignore_ascii_case("common")
        || t.domains.iter().any(|d| d.eq_ignore_ascii_case(tenant))
}

/// OIDC discovery document of the tenant (endpoints under the requested tenant segment).
fn openid_configuration(state: &EmuState, tenant: &str) -> Resp {
    let a = format!("{}/{}", state.base_url, tenant);
    Resp::json(
        200,
        json!({
            "issuer": format!("{}/{}/v2.0", state.base_url, state.scenario.tenant.id),
            "authorization_endpoint": format!("{a}/oauth2/v2.0/authorize"),
            "token_endpoint": format!("{a}/oauth2/v2.0/token"),
            "device_authorization_endpoint": format!("{a}/oauth2/v2.0/devicecode"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "EU",
            "claims_parameter_supported": true,
        }),
    )
}

/// Parameters of an endpoint call: the query of `GET authorize`, else the form body.
fn read_params(ep: &str, req: &Req) -> Result<Params, Resp> {
    if ep == "authorize" && req.method.as_str() == "GET" {
        return Ok(req.query.iter().cloned().collect());
    }
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(&req.body)
        .map(|v| v.into_iter().collect())
        .map_err(|_| {
            entra_error(
                400,
                "invalid_request",
                900144,
                "The request body must be application/x-www-form-urlencoded.",
            )
        })
}

/// `/{tenant}/oauth2/v2.0/{ep}`: method, tenant and parameters checked, then the endpoint.
fn oauth2_endpoint(state: &mut EmuState, tenant: &str, ep: &str, req: &Req) -> Resp {
    let method = req.method.as_str();
    let allowed = match ep {
        "authorize" => "GET, POST",
        "token" | "devicecode" => "POST",
        _ => {
            return entra_error(404, "invalid_request", 900561, "The endpoint is not supported.");
        }
    };
    if !allowed.split(", ").any(|m| m == method) {
        let mut r = entra_error(
            405,
            "invalid_request",
            900561,
            &format!("The endpoint only accepts {allowed} requests. Received a {method} request."),
        );
        r.header("allow", allowed);
        return r;
    }
    if !tenant_ok(state, tenant) {
        return entra_error(
            400,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        );
    }
    let params = match read_params(ep, req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match ep {
        "authorize" => authorize::authorize(state, &params),
        "token" => grants::token(state, &params),
        _ => devicecode::devicecode(state, &params),
    }
}

/// Serves `/{tenant}/...` of the login host (`rest` = the segments after the tenant).
pub fn handle_login(state: &mut EmuState, tenant: &str, rest: &[&str], req: &Req) -> Resp {
    match rest {
        ["v2.0", ".well-known", "openid-configuration"] if req.method.as_str() == "GET" => {
            openid_configuration(state, tenant)
        }
        ["oauth2", "v2.0", ep] => oauth2_endpoint(state, tenant, ep, req),
        _ => entra_error(404, "invalid_request", 900561, "The endpoint is not supported."),
    }
}
