//! Token endpoints: auth code + PKCE, device code, refresh, claims, Entra error format.
mod common;
use common::*;

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CLIENT: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K9G7lAhxeOwf3_vOJJ7cc-WxCw";
const GRAPH_SCOPES: &str = "openid profile offline_access https://graph.microsoft.com/.default";

fn challenge(v: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()))
}

fn entra_err(r: &R, error: &str, code: u64) {
    assert_eq!(r.body["error"], error, "{}", r.text);
    assert_eq!(r.body["error_codes"][0], code, "{}", r.text);
    let desc = r.body["error_description"].as_str().unwrap();
    assert!(desc.starts_with(&format!("AADSTS{code}:")), "{desc}");
    assert!(r.body["trace_id"].is_string() && r.body["correlation_id"].is_string());
}

async fn authorize(base: &str, extra: &[(&str, &str)]) -> R {
    let mut q: Vec<(&str, String)> = vec![
        ("client_id", CLIENT.into()),
        ("response_type", "code".into()),
        ("redirect_uri", "http://localhost:53123".into()),
        ("scope", GRAPH_SCOPES.into()),
        ("state", "st-1".into()),
        ("code_challenge", challenge(VERIFIER)),
        ("code_challenge_method", "S256".into()),
    ];
    for (k, v) in extra {
        q.retain(|(kk, _)| kk != k);
        q.push((k, v.to_string()));
    }
    send(client().get(format!("{base}/{TENANT}/oauth2/v2.0/authorize")).query(&q)).await
}

fn code_from(r: &R) -> (String, String) {
    assert_eq!(r.status, 302, "{}", r.text);
    let loc = r.headers["location"].to_str().unwrap();
    let u = url::Url::parse(loc).unwrap();
    assert_eq!(u.host_str(), Some("localhost"));
    assert_eq!(u.port(), Some(53123));
    let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
    (q["code"].clone(), q["state"].clone())
}

async fn token_req(base: &str, tenant: &str, form: &[(&str, &str)]) -> R {
    send(client().post(format!("{base}/{tenant}/oauth2/v2.0/token")).form(form)).await
}

async fn redeem(base: &str, code: &str, verifier: &str, extra: &[(&str, &str)]) -> R {
    let mut f = vec![
        ("client_id", CLIENT),
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", "http://localhost:53123"),
        ("code_verifier", verifier),
        ("scope", GRAPH_SCOPES),
    ];
    f.extend_from_slice(extra);
    token_req(base, TENANT, &f).await
}

#[tokio::test]
async fn auth_code_pkce_success_and_token_shape() {
    let emu = start_minimal().await;
    let base = emu.base_url();
    let r = authorize(&base, &[]).await;
    let (code, state) = code_from(&r);
    assert_eq!(state, "st-1");
    let t = redeem(&base, &code, VERIFIER, &[("client_info", "1")]).await;
    assert_eq!(t.status, 200, "{}", t.text);
    assert_eq!(t.body["token_type"], "Bearer");
    assert_eq!(t.body["expires_in"], 3600);
    assert!(t.body["refresh_token"].is_string());
    assert!(t.body["id_token"].is_string());
    let ci = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t.body["client_info"].as_str().unwrap())
        .unwrap();
    let ci: Value = serde_json::from_slice(&ci).unwrap();
    assert_eq!(ci, json!({"uid": ALICE, "utid": TENANT}));
    let c = decode_jwt(t.body["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], "https://graph.microsoft.com");
    assert_eq!(c["oid"], ALICE);
    assert_eq!(c["tid"], TENANT);
    assert_eq!(c["ver"], "2.0");
    assert_eq!(c["appid"], CLIENT);
    assert_eq!(c["upn"], ALICE_UPN);
    assert_eq!(c["amr"], json!(["pwd", "mfa"]));
    assert!(c.get("acrs").is_none());
    let scp = c["scp"].as_str().unwrap();
    assert!(scp.contains("RoleAssignmentSchedule.ReadWrite.Directory"), "{scp}");
    // Code is single use.
    let again = redeem(&base, &code, VERIFIER, &[]).await;
    assert_eq!(again.status, 400);
    entra_err(&again, "invalid_grant", 54005);
}

#[tokio::test]
async fn pkce_wrong_verifier_is_invalid_grant() {
    let emu = start_minimal().await;
    let base = emu.base_url();
    let (code, _) = code_from(&authorize(&base, &[]).await);
    let t = redeem(&base, &code, "wrong-verifier-wrong-verifier-wrong-verifier-123", &[]).await;
    assert_eq!(t.status, 400);
    entra_err(&t, "invalid_grant", 501481);
}

#[tokio::test]
async fn authorize_login_hint_redirect_rules_and_tenants() {
    let emu = start_minimal().await;
    let base = emu.base_url();
    let (code, _) = code_from(&authorize(&base, &[("login_hint", BOB_UPN)]).await);
    let t = redeem(&base, &code, VERIFIER, &[]).await;
    let c = decode_jwt(t.body["access_token"].as_str().unwrap());
    assert_eq!(c["oid"], BOB);
    assert_eq!(c["amr"], json!(["pwd"]));
    // Non-loopback redirect is refused.
    let r = authorize(&base, &[("redirect_uri", "https://evil.example.com/cb")]).await;
    assert_eq!(r.status, 400);
    entra_err(&r, "invalid_request", 50011);
    // Unknown user in login_hint → error redirect carrying the state.
    let r = authorize(&base, &[("login_hint", "nobody@fabrikam.onmicrosoft.com")]).await;
    assert_eq!(r.status, 302);
    let loc = r.headers["location"].to_str().unwrap();
    assert!(
        loc.contains("error=invalid_request") && loc.contains("state=st-1"),
        "{loc}"
    );
    // 127.0.0.1 redirect, domain and `organizations` tenants work.
    for tenant in ["fabrikam.onmicrosoft.com", "organizations"] {
        let r = send(client().get(format!("{base}/{tenant}/oauth2/v2.0/authorize")).query(&[
            ("client_id", CLIENT),
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1:9999/"),
            ("scope", GRAPH_SCOPES),
            ("state", "s"),
        ]))
        .await;
        assert_eq!(r.status, 302, "{tenant}");
    }
    // Unknown tenant.
    let r = token_req(
        &base,
        "contoso.example",
        &[("grant_type", "refresh_token"), ("client_id", CLIENT)],
    )
    .await;
    entra_err(&r, "invalid_request", 90002);
    // Missing grant_type.
    let r = token_req(&base, TENANT, &[("client_id", CLIENT)]).await;
    entra_err(&r, "invalid_request", 900144);
    let r = token_req(&base, TENANT, &[("client_id", CLIENT), ("grant_type", "password")]).await;
    entra_err(&r, "unsupported_grant_type", 70003);
    // Wrong method on token endpoint.
    let r = send(client().get(format!("{base}/{TENANT}/oauth2/v2.0/token"))).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn claims_parameter_gives_acrs_and_xms_cc_and_mfa() {
    let emu = start_minimal().await;
    let base = emu.base_url();
    let claims = r#"{"access_token":{"xms_cc":{"values":["cp1"]},"acrs":{"essential":true,"value":"c1"}}}"#;
    let (code, _) = code_from(&authorize(&base, &[("login_hint", BOB_UPN), ("claims", claims)]).await);
    let t = redeem(&base, &code, VERIFIER, &[]).await;
    let c = decode_jwt(t.body["access_token"].as_str().unwrap());
    assert_eq!(c["acrs"], json!(["c1"]));
    assert_eq!(c["xms_cc"], json!(["cp1"]));
    assert_eq!(c["amr"], json!(["pwd", "mfa"]), "acrs step-up adds mfa");
    // Refresh with only cp1: no acrs on the new token.
    let rt = t.body["refresh_token"].as_str().unwrap();
    let r = token_req(
        &base,
        TENANT,
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", "https://graph.microsoft.com/.default offline_access"),
            ("claims", r#"{"access_token":{"xms_cc":{"values":["cp1"]}}}"#),
        ],
    )
    .await;
    let c = decode_jwt(r.body["access_token"].as_str().unwrap());
    assert!(c.get("acrs").is_none());
    assert_eq!(c["xms_cc"], json!(["cp1"]));
    // Malformed claims JSON.
    let r = token_req(
        &base,
        TENANT,
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("claims", "{not json"),
        ],
    )
    .await;
    assert_eq!(r.body["error"], "invalid_request");
}

#[tokio::test]
async fn refresh_per_resource_with_rotation_and_scope_errors() {
    let emu = start_minimal().await;
    let base = emu.base_url();
    let (code, _) = code_from(&authorize(&base, &[]).await);
    let t = redeem(&base, &code, VERIFIER, &[]).await;
    let rt1 = t.body["refresh_token"].as_str().unwrap().to_string();
    let r = token_req(
        &base,
        TENANT,
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt1),
            (
                "scope",
                "https://management.core.windows.net//.default openid offline_access",
            ),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let c = decode_jwt(r.body["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], "https://management.core.windows.net/");
    assert_eq!(c["scp"], "user_impersonation");
    let rt2 = r.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2, "refresh token rotated");
    let r = token_req(
        &base,
        TENANT,
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt2),
            ("scope", "https://management.azure.com/.default"),
        ],
    )
    .await;
    assert_eq!(
        decode_jwt(r.body["access_token"].as_str().unwrap())["aud"],
        "https://management.core.windows.net/"
    );
    let r = token_req(
        &base,
        TENANT,
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt2),
            (
                "scope",
                "https://graph.microsoft.com/RoleEligibilitySchedule.Read.Directory",
            ),
        ],
    )
    .await;
    let c = decode_jwt(r.body["access_token"].as_str().unwrap());
    assert_eq!(c["scp"], "RoleEligibilitySchedule.Read.Directory");
    // Two resources in one request.
    let r = token_req(
        &base,
        TENANT,
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt2),
            (
                "scope",
                "https://graph.microsoft.com/.default https://management.azure.com/.default",
            ),
        ],
    )
    .await;
    assert_eq!(r.status, 400);
    entra_err(&r, "invalid_scope", 28000);
    // Unknown refresh token / other client.
    let r = token_req(
        &base,
        TENANT,
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", "nope"),
        ],
    )
    .await;
    entra_err(&r, "invalid_grant", 9002313);
    let r = token_req(
        &base,
        TENANT,
        &[
            ("client_id", "other"),
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt2),
        ],
    )
    .await;
    entra_err(&r, "invalid_grant", 70000);
}

async fn devicecode(base: &str) -> Value {
    let r = send(
        client()
            .post(format!("{base}/{TENANT}/oauth2/v2.0/devicecode"))
            .form(&[("client_id", CLIENT), ("scope", GRAPH_SCOPES)]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn poll(base: &str, dc: &str) -> R {
    token_req(
        base,
        TENANT,
        &[
            ("client_id", CLIENT),
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", dc),
        ],
    )
    .await
}

#[tokio::test]
async fn device_code_pending_then_approved() {
    let emu = start_minimal().await;
    let base = emu.base_url();
    let d = devicecode(&base).await;
    for k in [
        "device_code",
        "user_code",
        "verification_uri",
        "expires_in",
        "interval",
        "message",
    ] {
        assert!(!d[k].is_null(), "{k} in {d}");
    }
    assert!(d.get("verification_uri_complete").is_none());
    let dc = d["device_code"].as_str().unwrap();
    let r = poll(&base, dc).await;
    entra_err(&r, "authorization_pending", 70016);
    // Approve through the control endpoint as bob.
    let r = send(
        client()
            .post(format!("{base}/_emulator/devicecode/approve"))
            .json(&json!({
                "userCode": d["user_code"], "upn": BOB_UPN,
            })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = poll(&base, dc).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(decode_jwt(r.body["access_token"].as_str().unwrap())["oid"], BOB);
    // Redeemed codes cannot be reused.
    let r = poll(&base, dc).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn device_code_slow_down_expired_declined_unknown() {
    let mut s = pimrust_emulator::Scenario::minimal();
    s.settings.device_code_interval_sec = 5;
    s.settings.device_code_expires_in_sec = 60;
    let emu = start_with(s).await;
    let base = emu.base_url();
    let d = devicecode(&base).await;
    assert_eq!(d["interval"], 5);
    let dc = d["device_code"].as_str().unwrap();
    entra_err(&poll(&base, dc).await, "authorization_pending", 70016);
    entra_err(&poll(&base, dc).await, "slow_down", 70016);
    emu.advance_clock(std::time::Duration::from_secs(6));
    entra_err(&poll(&base, dc).await, "authorization_pending", 70016);
    emu.advance_clock(std::time::Duration::from_secs(61));
    entra_err(&poll(&base, dc).await, "expired_token", 70019);
    // Declined.
    let d = devicecode(&base).await;
    emu.deny_device_code(d["user_code"].as_str().unwrap()).unwrap();
    entra_err(
        &poll(&base, d["device_code"].as_str().unwrap()).await,
        "authorization_declined",
        70000,
    );
    // Unknown.
    assert_eq!(poll(&base, "bogus").await.body["error"], "bad_verification_code");
    // In-process approval with explicit amr.
    let d = devicecode(&base).await;
    emu.approve_device_code_with_amr(d["user_code"].as_str().unwrap(), Some(ALICE_UPN), vec!["pwd".into()])
        .unwrap();
    emu.advance_clock(std::time::Duration::from_secs(6));
    let r = poll(&base, d["device_code"].as_str().unwrap()).await;
    assert_eq!(
        decode_jwt(r.body["access_token"].as_str().unwrap())["amr"],
        json!(["pwd"])
    );
}

#[tokio::test]
async fn device_code_auto_approve_and_openid_config() {
    let mut s = pimrust_emulator::Scenario::minimal();
    s.settings.device_code_auto_approve_after_sec = Some(0.0);
    let emu = start_with(s).await;
    let base = emu.base_url();
    let d = devicecode(&base).await;
    let r = poll(&base, d["device_code"].as_str().unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(decode_jwt(r.body["access_token"].as_str().unwrap())["oid"], ALICE);
    let r = send(client().get(format!("{base}/organizations/v2.0/.well-known/openid-configuration"))).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["device_authorization_endpoint"],
        format!("{base}/organizations/oauth2/v2.0/devicecode")
    );
}

#[tokio::test]
async fn tokens_endpoint_on_control_plane_and_signature_key() {
    let emu = start_minimal().await;
    let r = send(
        client()
            .post(format!("{}/_emulator/tokens", emu.base_url()))
            .json(&json!({
                "upn": BOB_UPN, "resource": "arm", "acrs": ["c1"], "xms_cc": ["cp1"],
            })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let tok = r.body["access_token"].as_str().unwrap();
    let c = decode_jwt(tok);
    assert_eq!(c["aud"], "https://management.core.windows.net/");
    assert_eq!(c["acrs"], json!(["c1"]));
    let key = jsonwebtoken::DecodingKey::from_secret(pimrust_emulator::TEST_SIGNING_KEY);
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    v.validate_aud = false;
    // The marker that lets a scan find leaked tokens sits in front of the signature.
    let marked = format!(".{}", pimrust_emulator::TOKEN_MARKER);
    assert!(tok.contains(&marked), "every minted token carries the marker");
    let jws = tok.replacen(&marked, ".", 1);
    jsonwebtoken::decode::<Value>(&jws, &key, &v).expect("signed with the documented test key");
}
