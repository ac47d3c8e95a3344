//! Sign-in against a mock Entra/Graph (wiremock): device code, browser + PKCE played by the test,
//! refresh per resource, the three claims-challenge forms each followed by one retry, passthrough
//! tokens, sign-out with a persisted cache, and no token text in any event, context or error.

mod support;

use pimrust_core::api::ApiClient;
use pimrust_core::auth::cache::{CacheMode, CacheOptions};
use pimrust_core::auth::cloud::Resource;
use pimrust_core::auth::interactive::BrowserMode;
use pimrust_core::auth::session::{Authenticator, ConnectOptions, require_scope};
use pimrust_core::events::EventSink;
use pimrust_core::http::{HttpClient, Idempotency, RetryPolicy};
use pimrust_core::{Error, ErrorKind};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN_PATH: &str = "/contoso.example/oauth2/v2.0/token";
const DEVICE_PATH: &str = "/contoso.example/oauth2/v2.0/devicecode";

fn http() -> HttpClient {
    HttpClient::new(RetryPolicy {
        base_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    })
    .unwrap()
}

fn authenticator(cache: Option<CacheOptions>) -> Arc<Authenticator> {
    Arc::new(Authenticator::new(http(), cache))
}

fn form(request: &Request) -> HashMap<String, String> {
    url::form_urlencoded::parse(&request.body).into_owned().collect()
}

fn events_of(sink: &EventSink) -> Vec<Value> {
    sink.drain().iter().map(|e| serde_json::from_str(e).unwrap()).collect()
}

async fn requests_to(server: &MockServer, route: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == route)
        .collect()
}

/// The device-code endpoint hands out `device_code` / `user_code`, polled with interval 0.
async fn mount_device_code(server: &MockServer, device_code: &str, user_code: &str) {
    Mock::given(method("POST"))
        .and(path(DEVICE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "device_code": device_code, "user_code": user_code, "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": 60, "interval": 0
        })))
        .mount(server)
        .await;
}

/// Device code that is approved after two `authorization_pending` polls; the Graph token, and an ARM
/// token from the refresh token (same app for both).
async fn mount_device_code_sign_in(server: &MockServer, graph_token: &str) {
    Mock::given(method("POST"))
        .and(path(DEVICE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "device_code": "dc-1", "user_code": "ABCD-1234", "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": 60, "interval": 0, "message": "To sign in, use a web browser to open https://microsoft.com/devicelogin and enter the code ABCD-1234."
        })))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("device_code=dc-1"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "authorization_pending", "error_description": "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending.", "error_codes": [70016]
        })))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("device_code=dc-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(graph_token, "rt-1")))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(&jwt(ARM, json!({})), "rt-2")))
        .mount(server)
        .await;
}

fn assert_no_secret(haystack: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!haystack.contains(secret), "secret leaked: {haystack}");
    }
}

#[tokio::test]
async fn device_code_sign_in_prompts_through_events_and_polls_until_approved() {
    let server = MockServer::start().await;
    let graph_token = jwt(GRAPH, json!({}));
    mount_device_code_sign_in(&server, &graph_token).await;
    let auth = authenticator(None);
    let events = EventSink::buffered();
    let context = auth.connect(device_code_options(&server.uri()), &events).await.unwrap();

    assert_eq!(context["account"], "adele@contoso.example");
    assert_eq!(context["tenantId"], "11111111-1111-1111-1111-111111111111");
    let resources: Vec<&str> = context["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["resource"].as_str().unwrap())
        .collect();
    assert_eq!(resources, ["Azure Resource Manager", "Microsoft Graph"]);
    let events = events_of(&events);
    let prompt = events
        .iter()
        .find(|e| e["event"] == "deviceCode")
        .expect("a deviceCode event");
    assert_eq!(prompt["userCode"], "ABCD-1234");
    assert_eq!(prompt["verificationUri"], "https://microsoft.com/devicelogin");

    let token_requests = requests_to(&server, TOKEN_PATH).await;
    let device_polls: Vec<_> = token_requests
        .iter()
        .map(form)
        .filter(|f| f.contains_key("device_code"))
        .collect();
    assert_eq!(device_polls.len(), 3, "two pending answers, then success");
    for poll in &device_polls {
        assert_eq!(poll["grant_type"], "urn:ietf:params:oauth:grant-type:device_code");
        assert_eq!(poll["client_info"], "1");
        let claims: Value = serde_json::from_str(&poll["claims"]).unwrap();
        assert_eq!(
            claims["access_token"]["xms_cc"]["values"],
            json!(["cp1"]),
            "cp1 is always declared"
        );
    }
    let device_request = form(&requests_to(&server, DEVICE_PATH).await[0]);
    assert!(device_request["scope"].contains("https://graph.microsoft.com/RoleAssignmentSchedule.ReadWrite.Directory"));
    assert!(device_request["scope"].contains("offline_access"));
    let refresh = token_requests
        .iter()
        .map(form)
        .find(|f| f["grant_type"] == "refresh_token")
        .unwrap();
    assert_eq!(refresh["refresh_token"], "rt-1");
    assert_eq!(
        refresh["scope"].split(' ').next(),
        Some("https://management.core.windows.net//.default")
    );
    assert_no_secret(&format!("{context}{events:?}"), &[&graph_token, "rt-1", "rt-2"]);
}

#[tokio::test]
async fn slow_down_adds_five_seconds_to_the_polling_interval() {
    let server = MockServer::start().await;
    mount_device_code(&server, "dc-2", "SLOW").await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("device_code=dc-2"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"error": "slow_down", "error_description": "slow down"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("device_code=dc-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(&jwt(GRAPH, json!({})), "rt")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(&jwt(ARM, json!({})), "rt")))
        .mount(&server)
        .await;
    let started = Instant::now();
    authenticator(None)
        .connect(device_code_options(&server.uri()), &EventSink::buffered())
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "polled again after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_expired_device_code_fails_with_an_actionable_message() {
    let server = MockServer::start().await;
    mount_device_code(&server, "dc-3", "LATE").await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "expired_token", "error_description": "AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired.\r\nTrace ID: x", "error_codes": [70020]
        })))
        .mount(&server)
        .await;
    let error = authenticator(None)
        .connect(device_code_options(&server.uri()), &EventSink::buffered())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AuthenticationFailed);
    assert_eq!(error.code(), "expired_token");
    assert!(
        error.to_string().contains("AADSTS70020") && error.to_string().contains("-UseDeviceCode"),
        "{error}"
    );
    assert!(
        !error.to_string().contains("Trace ID"),
        "only the first line of the description: {error}"
    );
    assert_eq!(error.details()["errorCodes"], json!([70020]));
}

#[tokio::test]
async fn browser_sign_in_uses_pkce_and_the_loopback_redirect() {
    let server = MockServer::start().await;
    let graph_token = jwt(GRAPH, json!({}));
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(&graph_token, "rt-b")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(&jwt(ARM, json!({})), "rt-c")))
        .mount(&server)
        .await;
    let (connecting, events) = connect_with_browser(&server);

    let url = play_browser_until_prompt(&events).await;
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(url.path(), "/contoso.example/oauth2/v2.0/authorize");
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43);
    assert_eq!(query["response_mode"], "query");
    assert_eq!(query["client_id"], CLIENT);
    assert!(query["scope"].contains("offline_access"));
    assert!(query["redirect_uri"].starts_with("http://localhost:"));
    assert!(serde_json::from_str::<Value>(&query["claims"]).unwrap()["access_token"]["xms_cc"].is_object());
    let port = query["redirect_uri"].rsplit(':').next().unwrap();
    let page = reqwest::get(format!(
        "http://127.0.0.1:{port}/?code=the-code&state={}",
        query["state"]
    ))
    .await
    .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("signed in"));

    let context = connecting.await.unwrap().unwrap();
    assert_eq!(context["account"], "adele@contoso.example");
    let redemption = requests_to(&server, TOKEN_PATH)
        .await
        .iter()
        .map(form)
        .find(|f| f["grant_type"] == "authorization_code")
        .unwrap();
    assert_eq!(redemption["code"], "the-code");
    assert_eq!(redemption["redirect_uri"], query["redirect_uri"]);
    let verifier = &redemption["code_verifier"];
    assert!((43..=128).contains(&verifier.len()));
    use base64::Engine as _;
    use sha2::Digest as _;
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    assert_eq!(
        challenge, query["code_challenge"],
        "S256(verifier) is the challenge that was sent"
    );
}

#[tokio::test]
async fn a_browser_callback_with_a_foreign_state_is_rejected() {
    let server = MockServer::start().await;
    let (connecting, events) = connect_with_browser(&server);
    let url = play_browser_until_prompt(&events).await;
    let redirect = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .to_string();
    let port = redirect.rsplit(':').next().unwrap();
    reqwest::get(format!("http://127.0.0.1:{port}/?code=stolen&state=forged"))
        .await
        .unwrap();
    let error = connecting.await.unwrap().unwrap_err();
    assert_eq!(error.code(), "StateMismatch");
    assert!(
        requests_to(&server, TOKEN_PATH).await.is_empty(),
        "a forged code is never redeemed"
    );
}

/// Starts a browser sign-in whose prompt only goes to the returned event sink (the test is the browser).
fn connect_with_browser(server: &MockServer) -> (tokio::task::JoinHandle<Result<Value, Error>>, EventSink) {
    let auth = authenticator(None);
    let events = EventSink::buffered();
    let options = ConnectOptions {
        use_device_code: false,
        browser: Some(BrowserMode::None),
        ..device_code_options(&server.uri())
    };
    let sink = events.clone();
    (tokio::spawn(async move { auth.connect(options, &sink).await }), events)
}

/// Waits for the `browser` event and returns its URL.
async fn play_browser_until_prompt(events: &EventSink) -> url::Url {
    for _ in 0..200 {
        for event in events_of(events) {
            if event["event"] == "browser" {
                assert_eq!(event["opened"], false);
                return url::Url::parse(event["url"].as_str().unwrap()).unwrap();
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no browser event");
}

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
    api.send(Resource::Graph, idempotency, None, &EventSink::buffered(), |token| {
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
    assert_eq!(context["account"], "adele@contoso.example");
    assert_no_secret(&context.to_string(), &[&graph]);

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

    let report = second.disconnect(false).await.unwrap();
    assert_eq!(report["removedCacheEntries"], 1);
    assert_eq!(second.context().await.unwrap()["connected"], false);
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
