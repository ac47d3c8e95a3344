//! Retry rules of the HTTP client: Retry-After honoured, writes never repeated unless the service
//! refused them before processing, transport failures before sending retried.

use pimrust_core::ErrorKind;
use pimrust_core::http::{HttpClient, Idempotency, RetryPolicy};
use std::time::{Duration, Instant};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client() -> HttpClient {
    HttpClient::new(RetryPolicy {
        base_delay: Duration::from_millis(10),
        max_attempts: 4,
        ..RetryPolicy::default()
    })
    .unwrap()
}

/// A server answering `first` to the first `times` requests and 200 afterwards, and the URL to call.
async fn serve(first: ResponseTemplate, times: u64) -> (MockServer, String) {
    let server = MockServer::start().await;
    Mock::given(path("/r"))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/r"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let url = format!("{}/r", server.uri());
    (server, url)
}

async fn hits(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn a_429_is_retried_after_the_retry_after_delay() {
    let (server, url) = serve(ResponseTemplate::new(429).insert_header("retry-after", "1"), 1).await;
    let http = client();
    let started = Instant::now();
    let response = http
        .send(Idempotency::NotIdempotent, || http.inner().post(&url))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(hits(&server).await, 2);
}

#[tokio::test]
async fn a_503_storm_is_retried_until_the_attempts_run_out() {
    let (server, url) = serve(ResponseTemplate::new(503).insert_header("retry-after", "0"), 10).await;
    let http = client();
    let response = http
        .send(Idempotency::Idempotent, || http.inner().get(&url))
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        503,
        "the last answer is returned for the caller to report"
    );
    assert_eq!(hits(&server).await, 4);
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_is_not_waited_for() {
    let (_server, url) = serve(ResponseTemplate::new(429).insert_header("retry-after", "3600"), 1).await;
    let http = client();
    let started = Instant::now();
    let response = http
        .send(Idempotency::Idempotent, || http.inner().get(&url))
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_500_is_retried_for_reads_but_never_for_writes() {
    let http = client();
    let (server, url) = serve(ResponseTemplate::new(500), 1).await;
    let write = http
        .send(Idempotency::NotIdempotent, || http.inner().post(&url))
        .await
        .unwrap();
    assert_eq!(write.status(), 500, "a write that may have happened is not repeated");
    assert_eq!(hits(&server).await, 1);

    let (server, url) = serve(ResponseTemplate::new(500), 1).await;
    let read = http
        .send(Idempotency::Idempotent, || http.inner().get(&url))
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    assert_eq!(hits(&server).await, 2);
}

#[tokio::test]
async fn an_unreachable_service_is_a_network_error_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/r", listener.local_addr().unwrap());
    drop(listener);
    let http = client();
    let error = http
        .send(Idempotency::NotIdempotent, || http.inner().post(&url))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Network);
    assert!(error.to_string().contains("could not connect"), "{error}");
}
