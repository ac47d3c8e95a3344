//! A mock Entra on wiremock: device-code and token endpoints, and the test playing the browser.

use super::*;
use pimrust_core::Error;
use pimrust_core::auth::authenticator::{Authenticator, SignInStatus};
use pimrust_core::auth::cache::CacheOptions;
use pimrust_core::auth::interactive::BrowserMode;
use pimrust_core::events::EventSink;
use std::collections::HashMap;
use std::sync::Arc;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const TOKEN_PATH: &str = "/contoso.example/oauth2/v2.0/token";
pub const DEVICE_PATH: &str = "/contoso.example/oauth2/v2.0/devicecode";

pub fn authenticator(cache: Option<CacheOptions>) -> Arc<Authenticator> {
    Arc::new(Authenticator::new(http(), cache))
}

pub fn form(request: &Request) -> HashMap<String, String> {
    url::form_urlencoded::parse(&request.body).into_owned().collect()
}

pub fn events_of(sink: &EventSink) -> Vec<Value> {
    sink.drain().iter().map(|e| serde_json::from_str(e).unwrap()).collect()
}

pub async fn requests_to(server: &MockServer, route: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == route)
        .collect()
}

pub fn assert_no_secret(haystack: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!haystack.contains(secret), "secret leaked: {haystack}");
    }
}

/// The device-code endpoint hands out `device_code` / `user_code`, polled with interval 0.
pub async fn mount_device_code(server: &MockServer, device_code: &str, user_code: &str) {
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
pub async fn mount_device_code_sign_in(server: &MockServer, graph_token: &str) {
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
    mount_refresh(server, &jwt(ARM, json!({})), "rt-2").await;
}

/// Every refresh grant yields `access` and the rotated `refresh`.
pub async fn mount_refresh(server: &MockServer, access: &str, refresh: &str) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(access, refresh)))
        .mount(server)
        .await;
}

/// Starts a browser sign-in whose prompt only goes to the returned event sink (the test is the browser).
pub fn connect_with_browser(server: &MockServer) -> (tokio::task::JoinHandle<Result<SignInStatus, Error>>, EventSink) {
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
pub async fn play_browser_until_prompt(events: &EventSink) -> url::Url {
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

/// The query parameters of an authorize URL.
pub fn query_of(url: &url::Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

/// The loopback callback address of an authorize URL, as `http://127.0.0.1:{port}/`.
pub fn loopback_of(url: &url::Url) -> String {
    let redirect = &query_of(url)["redirect_uri"];
    let port = redirect.rsplit(':').next().unwrap();
    format!("http://127.0.0.1:{port}/")
}
