//! Which endpoints tokens may go to: plain http only on loopback, no partial override without an
//! explicit opt-in (and then a warning), and cached sign-ins bound to the endpoints they came from.

mod support;

use pimrust_core::ErrorKind;
use pimrust_core::auth::authenticator::ConnectOptions;
use pimrust_core::auth::cache::{CacheMode, CacheOptions, MAGIC_PLAINTEXT, TokenCache};
use pimrust_core::auth::cloud::{Cloud, EndpointOverrides, Endpoints};
use pimrust_core::auth::interactive::BrowserMode;
use pimrust_core::events::EventSink;
use serde_json::json;
use std::path::Path;
use support::entra::*;
use support::*;
use wiremock::MockServer;

fn overrides(authority: Option<String>, graph: Option<String>, arm: Option<String>) -> EndpointOverrides {
    EndpointOverrides {
        authority_url: authority,
        graph_url: graph,
        arm_url: arm,
        ..Default::default()
    }
}

fn plaintext_cache(dir: &Path) -> CacheOptions {
    CacheOptions {
        dir: Some(dir.to_path_buf()),
        mode: CacheMode::PlaintextFile,
        service: "PimRust-test".into(),
    }
}

#[tokio::test]
async fn plain_http_is_refused_for_hosts_that_are_not_loopback() {
    let loopback = "http://127.0.0.1:1".to_string();
    let cases = [
        EndpointOverrides {
            sandbox_url: Some("http://pimrust-sandbox.invalid".into()),
            ..Default::default()
        },
        overrides(
            Some(loopback.clone()),
            Some("http://pimrust-sandbox.invalid/graph".into()),
            Some(format!("{loopback}/arm")),
        ),
        overrides(
            Some("http://localhost.pimrust-sandbox.invalid".into()),
            Some(format!("{loopback}/graph")),
            Some(format!("{loopback}/arm")),
        ),
    ];
    for endpoints in cases {
        let options = ConnectOptions {
            use_device_code: true,
            endpoints,
            ..Default::default()
        };
        let error = authenticator(None)
            .connect(options, &EventSink::buffered())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{error}");
        let message = error.to_string();
        assert!(
            message.contains("pimrust-sandbox.invalid") && message.contains("https"),
            "{message}"
        );
    }
}

#[test]
fn plain_http_is_accepted_for_loopback_hosts() {
    for base in [
        "http://127.0.0.1:1",
        "http://localhost:1",
        "http://[::1]:1",
        "http://127.8.9.10:1",
    ] {
        let endpoints = Endpoints::for_cloud(Cloud::Global).with_overrides(&EndpointOverrides {
            sandbox_url: Some(base.into()),
            ..Default::default()
        });
        assert!(endpoints.is_ok(), "{base}: {:?}", endpoints.err());
    }
}

#[tokio::test]
async fn a_partial_override_is_refused_before_any_request() {
    let server = MockServer::start().await;
    mount_device_code_sign_in(&server, &jwt(GRAPH, json!({}))).await;
    let base = server.uri();
    let cases = [
        // Sign-in at the override, ARM at production.
        (
            true,
            overrides(Some(base.clone()), Some(format!("{base}/graph")), None),
            "ARM https://management.azure.com",
        ),
        // Production sign-in, its tokens sent to the override.
        (
            false,
            overrides(None, Some(format!("{base}/graph")), Some(format!("{base}/arm"))),
            "authority https://login.microsoftonline.com",
        ),
    ];
    for (device_code, endpoints, kept) in cases {
        let options = ConnectOptions {
            use_device_code: device_code,
            browser: Some(BrowserMode::None),
            timeout_sec: Some(10),
            endpoints,
            ..device_code_options(&base)
        };
        let error = authenticator(None)
            .connect(options, &EventSink::buffered())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{error}");
        let message = error.to_string();
        assert!(
            message.contains("allowPartialOverride") && message.contains(kept),
            "{message}"
        );
        assert_eq!(server.received_requests().await.unwrap().len(), 0);
    }
}

#[tokio::test]
async fn an_opted_in_partial_override_connects_with_a_warning() {
    let server = MockServer::start().await;
    mount_device_code_sign_in(&server, &jwt(GRAPH, json!({}))).await;
    let base = server.uri();
    let options: ConnectOptions = serde_json::from_value(json!({
        "tenantId": "contoso.example", "clientId": CLIENT, "useDeviceCode": true,
        "authorityUrl": base, "graphUrl": format!("{base}/graph"), "allowPartialOverride": true,
    }))
    .unwrap();
    let events = EventSink::buffered();
    authenticator(None).connect(options, &events).await.unwrap();
    let warning = events_of(&events)
        .into_iter()
        .find(|e| e["event"] == "log" && e["level"] == "warn" && e["code"] == "PartialEndpointOverride")
        .expect("a warning event");
    let message = warning["message"].as_str().unwrap();
    assert!(message.contains("https://management.azure.com"), "{message}");
}

#[tokio::test]
async fn a_sign_in_cached_for_other_endpoints_is_not_used() {
    let sign_in = MockServer::start().await;
    let other = MockServer::start().await;
    mount_device_code_sign_in(&sign_in, &jwt(GRAPH, json!({}))).await;
    let dir = tempfile::tempdir().unwrap();
    let device_codes = || async { requests_to(&sign_in, DEVICE_PATH).await.len() };
    let endpoints_a = device_code_options(&sign_in.uri());
    let endpoints_b = ConnectOptions {
        endpoints: overrides(
            Some(sign_in.uri()),
            Some(format!("{}/graph", other.uri())),
            Some(format!("{}/arm", other.uri())),
        ),
        ..device_code_options(&sign_in.uri())
    };

    let connect = |options: ConnectOptions| {
        let cache = plaintext_cache(dir.path());
        async move {
            authenticator(Some(cache))
                .connect(options, &EventSink::buffered())
                .await
        }
    };
    connect(endpoints_a.clone()).await.unwrap();
    assert_eq!(device_codes().await, 1);
    connect(endpoints_b).await.unwrap();
    assert_eq!(
        device_codes().await,
        2,
        "the sign-in cached for endpoints A was not used for B"
    );
    connect(endpoints_a).await.unwrap();
    assert_eq!(device_codes().await, 2, "A's own sign-in is still reused silently");
}

#[test]
fn cache_entries_written_before_endpoint_binding_belong_to_production() {
    let dir = tempfile::tempdir().unwrap();
    let old = json!({"version": 1, "entries": [{
        "key": {"cloud": "login.microsoftonline.com", "tenant": "organizations",
                "account": "22222222-2222-2222-2222-222222222222.11111111-1111-1111-1111-111111111111",
                "client_id": CLIENT},
        "refresh_token": "0.AAAA-old-format", "username": "adele@contoso.example",
        "tenant_id": "11111111-1111-1111-1111-111111111111", "object_id": "22222222-2222-2222-2222-222222222222",
        "scopes": [], "updated": "2025-01-01T00:00:00Z"
    }]});
    let mut blob = MAGIC_PLAINTEXT.to_vec();
    blob.extend_from_slice(&[0, 1]);
    blob.extend_from_slice(old.to_string().as_bytes());
    std::fs::write(dir.path().join("tokens.bin"), blob).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path().join("tokens.bin"), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let cache = TokenCache::open(plaintext_cache(dir.path())).unwrap();
    let keys = cache.keys().unwrap();
    assert_eq!(keys.len(), 1);
    let production = Endpoints::for_cloud(Cloud::Global);
    assert_eq!(keys[0].endpoints, production.cache_partition());
    assert!(cache.load(&keys[0]).unwrap().is_some());
    let sandbox = production
        .with_overrides(&EndpointOverrides {
            sandbox_url: Some("http://127.0.0.1:1".into()),
            ..Default::default()
        })
        .unwrap();
    assert_ne!(keys[0].endpoints, sandbox.cache_partition());
}

#[tokio::test(flavor = "multi_thread")]
async fn explicit_endpoint_params_work_and_a_graph_url_with_its_version_is_not_doubled() {
    let emulator = support::sandbox::emulator(|_| {}).await;
    let base = emulator.base_url();
    let mut params = support::engine::passthrough(&emulator);
    params["sandboxUrl"] = serde_json::Value::Null;
    params["authorityUrl"] = base.clone().into();
    params["graphUrl"] = format!("{base}/graph/v1.0").into();
    params["armUrl"] = format!("{base}/arm").into();
    tokio::task::spawn_blocking(move || {
        use support::engine::{call, engine};
        let engine = engine();
        let (connected, _) = call(&engine, "auth.connect", params);
        assert_eq!(connected["ok"], true, "{connected}");
        let endpoints = &connected["data"]["endpoints"];
        assert_eq!(endpoints["graph"], format!("{base}/graph"), "{endpoints}");
        assert_eq!(endpoints["authority"], format!("{base}/"), "{endpoints}");
        assert_eq!(endpoints["microsoftCloud"], false, "{endpoints}");
        assert_eq!(
            endpoints["overriddenRoots"],
            json!(["authority", "graph", "arm"]),
            "{endpoints}"
        );
        let (listed, _) = call(&engine, "pim.listEligible", json!({"kinds": ["DirectoryRole"]}));
        assert_eq!(listed["ok"], true, "{listed}");
        assert_eq!(listed["data"]["roles"].as_array().unwrap().len(), 7);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_context_says_when_the_endpoints_are_microsoft_own() {
    let options = ConnectOptions {
        access_token: Some(jwt(GRAPH, json!({}))),
        ..Default::default()
    };
    let context = authenticator(None)
        .connect(options, &EventSink::buffered())
        .await
        .unwrap();
    let endpoints = &context.connection.unwrap().endpoints;
    assert_eq!(
        endpoints.graph.as_str(),
        "https://graph.microsoft.com/",
        "{endpoints:?}"
    );
    assert!(endpoints.overridden_roots().is_empty(), "{endpoints:?}");
}
