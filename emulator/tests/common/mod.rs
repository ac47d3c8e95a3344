//! Shared helpers for the emulator integration tests.
#![allow(dead_code)]

use pimrust_emulator::{Resource, RunningEmulator, Scenario, StartOptions, TokenSpec, start};
use serde_json::Value;

pub const ALICE: &str = "a0000000-0000-4000-8000-000000000001";
pub const ALICE_UPN: &str = "alice@fabrikam.onmicrosoft.com";
pub const BOB: &str = "b0000000-0000-4000-8000-000000000002";
pub const BOB_UPN: &str = "bob@fabrikam.onmicrosoft.com";
pub const CAROL_UPN: &str = "carol@fabrikam.onmicrosoft.com";
pub const TENANT: &str = "11111111-2222-4333-8444-555555555555";
pub const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
pub const SECURITY_ADMIN: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
pub const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
pub const PRIV_ROLE_ADMIN: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
pub const HELPDESK_ADMIN: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
pub const GROUP1: &str = "9a000000-0000-4000-8000-000000000001";
pub const GROUP2: &str = "9b000000-0000-4000-8000-000000000002";
pub const SUB: &str = "5b000000-0000-4000-8000-000000000001";
pub const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
pub const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
pub const KV_ADMIN: &str = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
pub const MG: &str = "/providers/Microsoft.Management/managementGroups/mg-root";

pub async fn start_minimal() -> RunningEmulator {
    start_with(Scenario::minimal()).await
}

pub async fn start_with(s: Scenario) -> RunningEmulator {
    start(s, StartOptions::default()).await.expect("emulator starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("client")
}

pub fn token(emu: &RunningEmulator, upn: &str, resource: Resource) -> String {
    let mut spec = TokenSpec::new(resource);
    spec.user = Some(upn.to_string());
    emu.issue_token(&spec).expect("token")
}

pub fn graph_token(emu: &RunningEmulator) -> String {
    token(emu, ALICE_UPN, Resource::Graph)
}

pub fn arm_token(emu: &RunningEmulator) -> String {
    token(emu, ALICE_UPN, Resource::Arm)
}

pub struct R {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

pub async fn send(rb: reqwest::RequestBuilder) -> R {
    let resp = rb.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    R {
        status,
        headers,
        body,
        text,
    }
}

pub async fn get(url: &str, tok: &str) -> R {
    send(client().get(url).bearer_auth(tok)).await
}

pub async fn post(url: &str, tok: &str, body: &Value) -> R {
    send(client().post(url).bearer_auth(tok).json(body)).await
}

pub async fn put(url: &str, tok: &str, body: &Value) -> R {
    send(client().put(url).bearer_auth(tok).json(body)).await
}

pub fn g(emu: &RunningEmulator, path: &str) -> String {
    format!("{}/v1.0/{}", emu.graph_url(), path.trim_start_matches('/'))
}

pub fn arm(emu: &RunningEmulator, path: &str) -> String {
    let sep = if path.contains('?') { "&" } else { "?" };
    format!("{}{}{}api-version=2020-10-01", emu.arm_url(), path, sep)
}

pub fn activate_body(role: &str, duration: &str, justification: Option<&str>) -> Value {
    let mut b = serde_json::json!({
        "action": "selfActivate",
        "principalId": ALICE,
        "roleDefinitionId": role,
        "directoryScopeId": "/",
        "scheduleInfo": {"startDateTime": chrono::Utc::now().to_rfc3339(), "expiration": {"type": "afterDuration", "duration": duration}},
    });
    if let Some(j) = justification {
        b["justification"] = Value::String(j.into());
    }
    b
}

pub const DIR_REQUESTS: &str = "roleManagement/directory/roleAssignmentScheduleRequests";
pub const DIR_ELIG_MINE: &str =
    "roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')";
pub const DIR_ACTIVE_MINE: &str =
    "roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')";
pub const GROUP_REQUESTS: &str = "identityGovernance/privilegedAccess/group/assignmentScheduleRequests";

/// Asserts a Graph error envelope and returns its message.
pub fn graph_err(r: &R, status: u16, code: &str) -> String {
    assert_eq!(r.status, status, "body: {}", r.text);
    assert_eq!(r.body["error"]["code"], code, "body: {}", r.text);
    assert!(
        r.body["error"]["innerError"]["request-id"].is_string(),
        "innerError missing: {}",
        r.text
    );
    r.body["error"]["message"].as_str().unwrap_or_default().to_string()
}

/// Asserts an ARM error envelope and returns its message.
pub fn arm_err(r: &R, status: u16, code: &str) -> String {
    assert_eq!(r.status, status, "body: {}", r.text);
    assert_eq!(r.body["error"]["code"], code, "body: {}", r.text);
    r.body["error"]["message"].as_str().unwrap_or_default().to_string()
}

/// Follows `@odata.nextLink` / `nextLink` and returns all items.
pub async fn all_pages(url: &str, tok: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut next = Some(url.to_string());
    let mut pages = 0;
    while let Some(u) = next {
        let r = get(&u, tok).await;
        assert_eq!(r.status, 200, "{}", r.text);
        pages += 1;
        items.extend(r.body["value"].as_array().cloned().unwrap_or_default());
        next = r.body["@odata.nextLink"]
            .as_str()
            .or(r.body["nextLink"].as_str())
            .map(str::to_string);
        assert!(pages < 100, "paging loop");
    }
    (items, pages)
}

pub fn decode_jwt(tok: &str) -> Value {
    use base64::Engine;
    let payload = tok.split('.').nth(1).expect("jwt payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("b64");
    serde_json::from_slice(&bytes).expect("json")
}
