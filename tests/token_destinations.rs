//! Bearer tokens go only where they belong (issue 14, R3): to the service root configured for their
//! resource, never to another host (asked directly or through a redirect), and never over plain
//! http except to loopback. The authority's own redirects are not followed either.

mod support;

use pimrust_core::api::{ApiClient, token_may_go_to};
use pimrust_core::auth::authenticator::ConnectOptions;
use pimrust_core::auth::cloud::Resource;
use pimrust_core::events::EventSink;
use reqwest::Method;
use serde_json::json;
use support::entra::*;
use support::*;
use url::Url;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn api_for(server: &MockServer) -> ApiClient {
    let auth = authenticator(None);
    let options = ConnectOptions {
        access_token: Some(jwt(GRAPH, json!({}))),
        arm_access_token: Some(jwt(ARM, json!({}))),
        ..device_code_options(&server.uri())
    };
    auth.connect(options, &EventSink::buffered()).await.unwrap();
    ApiClient::new(http(), auth)
}

/// Requests `server` received that carried a bearer token.
async fn bearer_requests(server: &MockServer) -> usize {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter(|r| r.headers.contains_key("authorization"))
        .count()
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_with_the_token() {
    let service = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let target = format!("{}/graph/v1.0/stolen", elsewhere.uri());
    for status in [301, 302, 307, 308] {
        Mock::given(path(format!("/graph/v1.0/moved{status}")))
            .respond_with(ResponseTemplate::new(status).insert_header("location", target.as_str()))
            .mount(&service)
            .await;
    }
    Mock::given(path("/graph/v1.0/stolen"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&elsewhere)
        .await;
    let api = api_for(&service).await;
    for status in [301, 302, 307, 308] {
        let url = format!("{}/graph/v1.0/moved{status}", service.uri());
        let response = api.get_json(Resource::Graph, &url).await.unwrap();
        assert_eq!(
            response.status.as_u16(),
            status,
            "the redirect is returned, not followed"
        );
        let response = api
            .send_json(
                Resource::Graph,
                Method::POST,
                &url,
                Some(&json!({})),
                pimrust_core::http::Idempotency::NotIdempotent,
                None,
            )
            .await
            .unwrap();
        assert_eq!(response.status.as_u16(), status);
    }
    assert_eq!(
        elsewhere.received_requests().await.unwrap().len(),
        0,
        "nothing reached the other host"
    );
    assert_eq!(
        bearer_requests(&service).await,
        8,
        "every request to the service carried its token"
    );
}

#[tokio::test]
async fn a_request_to_another_host_or_the_other_resource_is_refused_before_sending() {
    let service = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let api = api_for(&service).await;
    let refused = [
        (Resource::Graph, format!("{}/graph/v1.0/me", elsewhere.uri())),
        (Resource::Arm, format!("{}/arm/subscriptions", elsewhere.uri())),
        // The same host on another scheme is another origin.
        (
            Resource::Graph,
            service.uri().replacen("http://", "https://", 1) + "/graph/v1.0/me",
        ),
    ];
    for (resource, url) in refused {
        let error = api.get_json(resource, &url).await.unwrap_err();
        assert_eq!(error.code(), "ForeignTokenDestination", "{error}");
        assert!(error.to_string().contains("none was sent"), "{error}");
    }
    assert_eq!(elsewhere.received_requests().await.unwrap().len(), 0);
    assert_eq!(service.received_requests().await.unwrap().len(), 0);
}

#[test]
fn plain_http_carries_a_token_only_to_loopback() {
    let allowed = |root: &str, url: &str| token_may_go_to(&Url::parse(root).unwrap(), &Url::parse(url).unwrap());
    assert!(allowed(
        "https://graph.microsoft.com/",
        "https://graph.microsoft.com/v1.0/me"
    ));
    assert!(allowed(
        "http://127.0.0.1:4000/graph",
        "http://127.0.0.1:4000/graph/v1.0/me"
    ));
    assert!(allowed(
        "http://localhost:4000/graph",
        "http://localhost:4000/graph/v1.0/me"
    ));
    assert!(allowed("http://[::1]:4000/graph", "http://[::1]:4000/graph/v1.0/me"));
    // Even a (mis)configured plain-http root elsewhere gets no token.
    assert!(!allowed(
        "http://graph.example.com/",
        "http://graph.example.com/v1.0/me"
    ));
    assert!(!allowed(
        "https://graph.microsoft.com/",
        "http://graph.microsoft.com/v1.0/me"
    ));
    assert!(!allowed(
        "https://graph.microsoft.com/",
        "https://graph.microsoft.com.evil.example/v1.0/me"
    ));
    assert!(!allowed(
        "https://graph.microsoft.com/",
        "https://graph.microsoft.com:8443/v1.0/me"
    ));
    assert!(!allowed("http://127.0.0.1:4000/", "http://127.0.0.1:4001/"));
}

#[test]
fn endpoints_with_plain_http_to_a_remote_host_are_refused_at_configuration() {
    for url in ["http://graph.example.com", "http://10.0.0.1"] {
        let options = ConnectOptions {
            endpoints: pimrust_core::auth::cloud::EndpointOverrides {
                sandbox_url: Some(url.into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let error = pimrust_core::auth::cloud::Endpoints::resolve(None, &options.endpoints).unwrap_err();
        assert!(error.to_string().contains("must use https"), "{error}");
    }
}

#[tokio::test]
async fn a_redirecting_authority_is_not_followed() {
    let authority = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(path("/contoso.example/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", format!("{}/steal", elsewhere.uri())))
        .mount(&authority)
        .await;
    Mock::given(path("/contoso.example/oauth2/v2.0/devicecode"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", format!("{}/steal", elsewhere.uri())))
        .mount(&authority)
        .await;
    let auth = authenticator(None);
    let options = ConnectOptions {
        timeout_sec: Some(5),
        ..device_code_options(&authority.uri())
    };
    let outcome = auth.connect(options, &EventSink::buffered()).await;
    assert!(outcome.is_err(), "a redirecting authority is an error");
    assert_eq!(
        elsewhere.received_requests().await.unwrap().len(),
        0,
        "nothing followed the redirect"
    );
    assert!(!authority.received_requests().await.unwrap().is_empty());
}
