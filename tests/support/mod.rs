//! Shared by the integration tests: fake JWTs and an authenticator pointed at a mock server.
#![allow(dead_code)]

pub mod engine;
pub mod entra;
pub mod sandbox;

use base64::Engine as _;
use pimrust_core::auth::authenticator::ConnectOptions;
use pimrust_core::auth::cloud::EndpointOverrides;
use pimrust_core::http::{HttpClient, RetryPolicy};
use serde_json::{Value, json};
use std::time::Duration;

/// The core's HTTP client with short retry delays.
pub fn http() -> HttpClient {
    HttpClient::new(RetryPolicy {
        base_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    })
    .unwrap()
}

/// A JWT-shaped token (the client never verifies signatures) with the given extra claims.
pub fn jwt(aud: &str, extra: Value) -> String {
    let mut payload = json!({
        "aud": aud, "tid": "11111111-1111-1111-1111-111111111111", "oid": "22222222-2222-2222-2222-222222222222",
        "upn": "adele@contoso.example", "amr": ["pwd", "mfa"],
        "scp": "RoleEligibilitySchedule.Read.Directory RoleAssignmentSchedule.ReadWrite.Directory",
        "exp": chrono::Utc::now().timestamp() + 3600,
    });
    if let (Value::Object(target), Value::Object(extra)) = (&mut payload, extra) {
        target.extend(extra);
    }
    let encode = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2lnbmF0dXJl",
        encode(&json!({"alg": "HS256", "typ": "JWT"})),
        encode(&payload)
    )
}

pub const GRAPH: &str = "https://graph.microsoft.com";
pub const ARM: &str = "https://management.core.windows.net/";
pub const CLIENT: &str = "aaaaaaaa-1111-2222-3333-444444444444";

pub fn client_info() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"{"uid":"22222222-2222-2222-2222-222222222222","utid":"11111111-1111-1111-1111-111111111111"}"#)
}

pub fn token_body(access: &str, refresh: &str) -> Value {
    json!({
        "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
        "access_token": access, "refresh_token": refresh, "client_info": client_info(),
    })
}

/// Connect options for a mock server at `base`, signing in with device code and one app id.
pub fn device_code_options(base: &str) -> ConnectOptions {
    ConnectOptions {
        tenant_id: Some("contoso.example".into()),
        client_id: Some(CLIENT.into()),
        use_device_code: true,
        endpoints: EndpointOverrides {
            authority_url: Some(base.into()),
            graph_url: Some(format!("{base}/graph")),
            arm_url: Some(format!("{base}/arm")),
            ..Default::default()
        },
        ..Default::default()
    }
}
