//! Sign-in against a mock Entra/Graph (wiremock): the three claims-challenge forms each followed by
//! one retry, passthrough tokens, sign-out with a persisted cache, and no token text in any event,
//! context or error. Device code and browser sign-ins have their own files.

mod support;

use pimrust_core::api::ApiClient;
use pimrust_core::auth::authenticator::{ConnectOptions, DisconnectOptions, require_scope};
use pimrust_core::auth::cache::{CacheMode, CacheOptions};
use pimrust_core::auth::cloud::Resource;
use pimrust_core::events::EventSink;
use pimrust_core::http::Idempotency;
use pimrust_core::{Error, ErrorKind};
use serde_json::{Value, json};
use support::entra::*;
use support::*;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Signs in (device code), then serves `/graph/v1.0/probe` with `first` to the plain token and
/// `second` to the stepped-up one; the refresh grant with `acrs` yields the stepped-up token.
async fn challenge_setup(first: ResponseTemplate, second: ResponseTemplate) -> (MockServer, ApiClient, String, String) {
    let server = MockServer::start().await;
    let plain = jwt(GRAPH, json!({}));
    let stepped = jwt(GRAPH, json!({"acrs": ["c1"], "name": "stepped"}));
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("acrs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(&stepped, "rt-9")))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_device_code_sign_in(&server, &plain).await;
    Mock::given(path("/graph/v1.0/probe"))
        .and(header("authorization", format!("Bearer {plain}").as_str()))
        .respond_with(first)
        .mount(&server)
        .await;
    Mock::given(path("/graph/v1.0/probe"))
        .and(header("authorization", format!("Bearer {stepped}").as_str()))
        .respond_with(second)
        .mount(&server)
        .await;
    let auth = authenticator(None);
    auth.connect(device_code_options(&server.uri()), &EventSink::buffered())
        .await
        .unwrap();
    let api = ApiClient::new(http(), auth);
    (server, api, plain, stepped)
}

async fn probe(
    api: &ApiClient,
    server: &MockServer,
    idempotency: Idempotency,
) -> Result<pimrust_core::api::ApiResponse, Error> {
    let url = format!("{}/graph/v1.0/probe", server.uri());
    let client = reqwest::Client::new();
    api.send(Resource::Graph, idempotency, None, |token| {
        client.post(&url).header("authorization", token.authorization())
    })
    .await
}

fn acrs_challenge_header() -> String {
    use base64::Engine as _;
    let claims = base64::engine::general_purpose::STANDARD
        .encode(r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#);
    format!(
        r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="{claims}""#
    )
}

async fn probes_sent(server: &MockServer) -> usize {
    requests_to(server, "/graph/v1.0/probe").await.len()
}

#[tokio::test]
async fn a_401_claims_challenge_is_stepped_up_and_retried_once() {
    let (server, api, _, _) = challenge_setup(
        ResponseTemplate::new(401).insert_header("www-authenticate", acrs_challenge_header().as_str()),
        ResponseTemplate::new(200).set_body_json(json!({"ok": true})),
    )
    .await;
    let response = probe(&api, &server, Idempotency::Idempotent).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(probes_sent(&server).await, 2);
    let step_up = requests_to(&server, TOKEN_PATH)
        .await
        .iter()
        .map(form)
        .find(|f| f["claims"].contains("acrs"))
        .unwrap();
    let claims: Value = serde_json::from_str(&step_up["claims"]).unwrap();
    assert_eq!(claims["access_token"]["acrs"]["value"], "c1");
    assert_eq!(
        claims["access_token"]["xms_cc"]["values"],
        json!(["cp1"]),
        "the challenge is merged with cp1"
    );
}

#[tokio::test]
async fn a_pim_acrs_validation_failure_is_stepped_up_and_retried_once() {
    let message = "The request failed&claims=%7B%22access_token%22%3A%7B%22acrs%22%3A%7B%22essential%22%3Atrue%2C%20%22value%22%3A%22c1%22%7D%7D%7D";
    let (server, api, _, _) = challenge_setup(
        ResponseTemplate::new(400)
            .set_body_json(json!({"error": {"code": "RoleAssignmentRequestAcrsValidationFailed", "message": message}})),
        ResponseTemplate::new(201).set_body_json(json!({"status": "Provisioned"})),
    )
    .await;
    let response = probe(&api, &server, Idempotency::NotIdempotent).await.unwrap();
    assert_eq!(response.status, 201);
    assert_eq!(probes_sent(&server).await, 2);
}

#[tokio::test]
async fn a_second_challenge_is_not_retried_again() {
    let (server, api, _, _) = challenge_setup(
        ResponseTemplate::new(401).insert_header("www-authenticate", acrs_challenge_header().as_str()),
        ResponseTemplate::new(401).insert_header("www-authenticate", acrs_challenge_header().as_str()),
    )
    .await;
    let response = probe(&api, &server, Idempotency::Idempotent).await.unwrap();
    assert_eq!(response.status, 401);
    assert_eq!(probes_sent(&server).await, 2, "exactly one retry");
}

#[tokio::test]
async fn a_token_endpoint_claims_error_leads_to_an_interactive_step_up() {
    let server = MockServer::start().await;
    let plain = jwt(GRAPH, json!({}));
    let stepped = jwt(GRAPH, json!({"acrs": ["c1"], "name": "stepped"}));
    // The silent step-up is refused with a claims challenge of its own (Conditional Access).
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("acrs"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "interaction_required", "error_description": "AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.",
            "error_codes": [50076], "claims": "{\"access_token\":{\"capolids\":{\"essential\":true,\"values\":[\"p1\"]}}}"
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    // The interactive (device code) step-up carries both challenges and yields the stepped-up token.
    Mock::given(method("POST"))
        .and(path(DEVICE_PATH))
        .and(body_string_contains("capolids"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "device_code": "dc-step", "user_code": "STEP-UP", "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 60, "interval": 0
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("device_code=dc-step"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(&stepped, "rt-step")))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_device_code_sign_in(&server, &plain).await;
    Mock::given(path("/graph/v1.0/probe"))
        .and(header("authorization", format!("Bearer {plain}").as_str()))
        .respond_with(ResponseTemplate::new(401).insert_header("www-authenticate", acrs_challenge_header().as_str()))
        .mount(&server)
        .await;
    Mock::given(path("/graph/v1.0/probe"))
        .and(header("authorization", format!("Bearer {stepped}").as_str()))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let auth = authenticator(None);
    auth.connect(device_code_options(&server.uri()), &EventSink::buffered())
        .await
        .unwrap();
    let api = ApiClient::new(http(), auth);
    let response = probe(&api, &server, Idempotency::Idempotent).await.unwrap();
    assert_eq!(response.status, 200);
    let step_up = form(requests_to(&server, DEVICE_PATH).await.last().unwrap());
    let claims: Value = serde_json::from_str(&step_up["claims"]).unwrap();
    assert_eq!(claims["access_token"]["acrs"]["value"], "c1");
    assert_eq!(claims["access_token"]["capolids"]["values"], json!(["p1"]));
    assert_eq!(claims["access_token"]["xms_cc"]["values"], json!(["cp1"]));
}

#[tokio::test]
async fn passthrough_tokens_are_checked_and_never_stepped_up() {
    let auth = authenticator(None);
    let events = EventSink::buffered();
    let graph = jwt(GRAPH, json!({"scp": "RoleEligibilitySchedule.Read.Directory"}));
    let options = ConnectOptions {
        access_token: Some(graph.clone()),
        ..Default::default()
    };
    let context = auth.connect(options, &events).await.unwrap();
    assert_eq!(context.account().unwrap().username, "adele@contoso.example");
    assert_no_secret(&format!("{context:?}"), &[&graph]);

    let token = auth.access_token(Resource::Graph, None, &events, true).await.unwrap();
    let missing = require_scope(&token, "RoleAssignmentSchedule.ReadWrite.Directory").unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::Forbidden);
    assert!(
        missing
            .to_string()
            .contains("RoleAssignmentSchedule.ReadWrite.Directory"),
        "{missing}"
    );
    assert!(require_scope(&token, "RoleEligibilitySchedule.Read.Directory").is_ok());

    let arm = auth.access_token(Resource::Arm, None, &events, true).await.unwrap_err();
    assert_eq!(
        (arm.kind(), arm.code()),
        (ErrorKind::AuthenticationRequired, "NoAccessToken")
    );
    let step_up = auth
        .access_token(
            Resource::Graph,
            Some(&json!({"access_token": {"acrs": {"essential": true, "value": "c1"}}})),
            &events,
            true,
        )
        .await
        .unwrap_err();
    assert_eq!(step_up.kind(), ErrorKind::InteractionRequired);
    assert!(step_up.to_string().contains("authentication context c1"), "{step_up}");

    let expired = jwt(GRAPH, json!({"exp": chrono::Utc::now().timestamp() - 60}));
    let error = auth
        .connect(
            ConnectOptions {
                access_token: Some(expired.clone()),
                ..Default::default()
            },
            &events,
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), "AccessTokenExpired");
    let wrong = auth
        .connect(
            ConnectOptions {
                access_token: Some(jwt(ARM, json!({}))),
                ..Default::default()
            },
            &events,
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::InvalidArgument);
    assert_no_secret(
        &format!("{error} {wrong} {step_up} {arm} {missing}"),
        &[&expired, &graph],
    );
}

#[tokio::test]
async fn a_cached_sign_in_is_reused_and_sign_out_removes_it_from_disk() {
    let server = MockServer::start().await;
    let graph_token = jwt(GRAPH, json!({}));
    mount_device_code_sign_in(&server, &graph_token).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = CacheOptions {
        dir: Some(dir.path().to_path_buf()),
        mode: CacheMode::PlaintextFile,
        service: "PimRust-test".into(),
    };
    let device_codes = || async { requests_to(&server, DEVICE_PATH).await.len() };

    authenticator(Some(cache.clone()))
        .connect(device_code_options(&server.uri()), &EventSink::buffered())
        .await
        .unwrap();
    assert_eq!(device_codes().await, 1);
    let stored = std::fs::read_to_string(dir.path().join("tokens.bin")).unwrap();
    assert!(stored.contains("adele@contoso.example"));

    let second = authenticator(Some(cache.clone()));
    second
        .connect(device_code_options(&server.uri()), &EventSink::buffered())
        .await
        .unwrap();
    assert_eq!(device_codes().await, 1, "the cached refresh token signed in silently");

    let report = second.disconnect(DisconnectOptions::default()).await.unwrap();
    assert_eq!(report.removed_entries, 1);
    assert!(!second.status().await.is_connected());
    let after = std::fs::read_to_string(dir.path().join("tokens.bin")).unwrap_or_default();
    assert!(
        !after.contains("adele@contoso.example"),
        "signed-out account still on disk: {after}"
    );

    authenticator(Some(cache))
        .connect(device_code_options(&server.uri()), &EventSink::buffered())
        .await
        .unwrap();
    assert_eq!(device_codes().await, 2, "after sign-out, sign-in is interactive again");
}
