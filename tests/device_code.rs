//! Device-code sign-in against a mock Entra (wiremock): prompts through events, polling until
//! approved, `slow_down`, an expired code, and the one-second floor under the polling interval.

mod support;

use pimrust_core::ErrorKind;
use pimrust_core::events::EventSink;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::entra::*;
use support::*;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[tokio::test]
async fn device_code_sign_in_prompts_through_events_and_polls_until_approved() {
    let server = MockServer::start().await;
    let graph_token = jwt(GRAPH, json!({}));
    mount_device_code_sign_in(&server, &graph_token).await;
    let auth = authenticator(None);
    let events = EventSink::buffered();
    let context = auth.connect(device_code_options(&server.uri()), &events).await.unwrap();

    assert_eq!(context.account().unwrap().username, "adele@contoso.example");
    assert_eq!(
        context.account().unwrap().tenant_id,
        "11111111-1111-1111-1111-111111111111"
    );
    let resources: Vec<&str> = context.tokens().iter().map(|t| t.resource.name()).collect();
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
    assert_no_secret(&format!("{context:?}{events:?}"), &[&graph_token, "rt-1", "rt-2"]);
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
async fn an_expired_device_code_fails_with_the_reason() {
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
        error.to_string().contains("AADSTS70020")
            && error
                .to_string()
                .contains("device code expired before sign-in completed"),
        "{error}"
    );
    assert!(
        !error.to_string().contains("Trace ID"),
        "only the first line of the description: {error}"
    );
    assert_eq!(error.details()["errorCodes"], json!([70020]));
}

/// Answers `authorization_pending` twice, then tokens; remembers when each poll arrived.
struct TimedPolls {
    arrivals: Arc<parking_lot::Mutex<Vec<Instant>>>,
    graph_token: String,
}

impl Respond for TimedPolls {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut arrivals = self.arrivals.lock();
        arrivals.push(Instant::now());
        if arrivals.len() <= 2 {
            ResponseTemplate::new(400).set_body_json(json!({"error": "authorization_pending"}))
        } else {
            ResponseTemplate::new(200).set_body_json(token_body(&self.graph_token, "rt"))
        }
    }
}

#[tokio::test]
async fn a_zero_polling_interval_still_waits_a_second_between_polls() {
    let server = MockServer::start().await;
    mount_device_code(&server, "dc-0", "ZERO").await;
    let arrivals = Arc::new(parking_lot::Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_string_contains("device_code=dc-0"))
        .respond_with(TimedPolls {
            arrivals: arrivals.clone(),
            graph_token: jwt(GRAPH, json!({})),
        })
        .mount(&server)
        .await;
    mount_refresh(&server, &jwt(ARM, json!({})), "rt").await;
    authenticator(None)
        .connect(device_code_options(&server.uri()), &EventSink::buffered())
        .await
        .unwrap();
    let arrivals = arrivals.lock().clone();
    assert_eq!(arrivals.len(), 3);
    for pair in arrivals.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(950), "polled again after {gap:?}");
    }
}
