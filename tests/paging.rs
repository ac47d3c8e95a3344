//! Following next-page links (Graph `@odata.nextLink`, ARM `nextLink`): only to the origin of the
//! configured service root, so the bearer token never goes anywhere else, and never in a loop.

mod support;

use pimrust_core::api::ApiClient;
use pimrust_core::auth::authenticator::ConnectOptions;
use pimrust_core::auth::cloud::Resource;
use pimrust_core::events::EventSink;
use pimrust_core::{Error, ErrorKind};
use serde_json::{Value, json};
use std::time::Duration;
use support::entra::*;
use support::*;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Connected to `server` with passthrough tokens for both resources.
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

/// Serves one page at `route` whose next link (under `link_field`) is `next`.
async fn serve_page(server: &MockServer, route: &str, link_field: &str, next: &str) {
    let mut body = json!({"value": [{"id": "first"}]});
    body[link_field] = Value::String(next.to_string());
    Mock::given(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

async fn list(api: &ApiClient, resource: Resource, url: String) -> Result<Vec<Value>, Error> {
    tokio::time::timeout(Duration::from_secs(10), api.get_all(resource, url))
        .await
        .expect("the listing ends")
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused_without_sending_the_token() {
    let service = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(path("/graph/v1.0/stolen"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"id": "foreign"}]})))
        .mount(&elsewhere)
        .await;
    let foreign = format!("{}/graph/v1.0/stolen?$skiptoken=SKIP-SECRET", elsewhere.uri());
    serve_page(&service, "/graph/v1.0/items", "@odata.nextLink", &foreign).await;
    serve_page(&service, "/arm/items", "nextLink", &foreign).await;
    let api = api_for(&service).await;

    let mut outcomes = Vec::new();
    for (resource, first) in [(Resource::Graph, "graph/v1.0/items"), (Resource::Arm, "arm/items")] {
        outcomes.push(list(&api, resource, format!("{}/{first}", service.uri())).await);
    }
    assert_eq!(
        elsewhere.received_requests().await.unwrap().len(),
        0,
        "nothing was sent elsewhere"
    );
    for outcome in outcomes {
        let error = outcome.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Service, "{error}");
        assert_eq!(error.code(), "ForeignNextLink");
        let message = error.to_string();
        assert!(
            message.contains(&format!("{}/graph/v1.0/stolen", elsewhere.uri())),
            "{message}"
        );
        assert!(!message.contains("SKIP-SECRET"), "{message}");
    }
}

#[tokio::test]
async fn a_next_link_to_the_same_page_is_a_paging_loop() {
    let service = MockServer::start().await;
    let page = format!("{}/graph/v1.0/items", service.uri());
    serve_page(&service, "/graph/v1.0/items", "@odata.nextLink", &page).await;
    let api = api_for(&service).await;
    let error = list(&api, Resource::Graph, page).await.unwrap_err();
    assert_eq!(error.code(), "PagingLoop", "{error}");
    assert_eq!(requests_to(&service, "/graph/v1.0/items").await.len(), 1);
}

#[tokio::test]
async fn next_links_on_the_service_origin_are_followed() {
    let service = MockServer::start().await;
    let second = format!("{}/graph/v1.0/items?$skiptoken=2", service.uri());
    Mock::given(path("/graph/v1.0/items"))
        .and(wiremock::matchers::query_param("$skiptoken", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"id": "second"}]})))
        .with_priority(1)
        .mount(&service)
        .await;
    serve_page(&service, "/graph/v1.0/items", "@odata.nextLink", &second).await;
    let api = api_for(&service).await;
    let items = list(&api, Resource::Graph, format!("{}/graph/v1.0/items", service.uri()))
        .await
        .unwrap();
    assert_eq!(items, [json!({"id": "first"}), json!({"id": "second"})]);
}
