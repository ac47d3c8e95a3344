//! What an injected fault answers: the surface's error (or a gateway's HTML page) for a fault
//! status with its `Retry-After`, and the 401 claims challenge for a token without the asked-for
//! authentication context.

use serde_json::json;

use crate::identity::decode;
use crate::wire::{FaultOutcome, Req, Resp, Surface, entra_error, surface_error};

/// The error a fault with `status` answers in the surface's envelope (with `retry-after`).
pub fn injected_error(surface: Surface, status: u16, fault: &FaultOutcome) -> Resp {
    let code = fault.error_code.clone().unwrap_or_else(|| {
        match status {
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            500 => "InternalServerError",
            502 => "BadGateway",
            504 => "GatewayTimeout",
            _ => "InjectedFault",
        }
        .to_string()
    });
    let mut resp = if fault.html_error {
        html_error_page(status)
    } else if surface == Surface::Login {
        entra_error(status, "temporarily_unavailable", 90000, "Injected fault.")
    } else {
        surface_error(
            surface,
            status,
            &code,
            "Injected fault: the service is busy, retry later.",
        )
    };
    if let Some(seconds) = fault.retry_after_sec {
        let value = if fault.retry_after_http_date {
            let at = chrono::Utc::now() + chrono::Duration::seconds(seconds as i64);
            at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
        } else {
            seconds.to_string()
        };
        resp.header("retry-after", &value);
    }
    resp
}

/// The kind of page a load balancer or proxy answers with when the service behind it fails.
fn html_error_page(status: u16) -> Resp {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    Resp::html(
        status,
        &format!(
            "<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\n<body><center><h1>{status} {reason}</h1></center><hr><center>gateway</center></body></html>\n"
        ),
    )
}

pub fn token_has_acrs(req: &Req, acrs: &str) -> bool {
    req.bearer()
        .and_then(|t| decode(t).ok())
        .is_some_and(|c| c.acrs.iter().any(|a| a == acrs))
}

/// 401 with a standard `WWW-Authenticate` `insufficient_claims` challenge.
pub fn claims_challenge(base_url: &str, surface: Surface, acrs: &str) -> Resp {
    let claims = json!({"access_token": {"acrs": {"essential": true, "value": acrs}}}).to_string();
    let mut r = surface_error(
        surface,
        401,
        "InvalidAuthenticationToken",
        "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: InsufficientClaims",
    );
    r.header(
        "www-authenticate",
        &format!(
            "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\", error=\"insufficient_claims\", claims=\"{}\"",
            base_url,
            crate::util::b64_std(claims.as_bytes())
        ),
    );
    r
}
