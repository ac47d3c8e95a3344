//! Starts the sandbox emulator in-process and signs in against it.

pub use super::http;
use pimrust_core::api::ApiClient;
use pimrust_core::auth::authenticator::{Authenticator, ConnectOptions};
use pimrust_core::auth::cloud::EndpointOverrides;
use pimrust_core::auth::cloud::Resource;
use pimrust_core::auth::interactive::BrowserMode;
use pimrust_core::events::EventSink;
use pimrust_core::pim::activate::{self, ActivateParams, ActivationTarget};
use pimrust_core::pim::list::{self, ListOptions, PolicyCache};
use pimrust_core::pim::model::EligibleRole;
use pimrust_core::pim::outcome::ActivationOutcome;
use pimrust_core::pim::wait::{self, WaitParams, WaitResult, WaitTarget};
use pimrust_emulator::{RunningEmulator, Scenario, StartOptions};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The demo scenario with `patch` applied to its JSON (e.g. smaller pages, a denied surface).
pub async fn emulator(patch: impl FnOnce(&mut Value)) -> RunningEmulator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/emulator/scenarios/demo.json");
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["settings"]["provisioningDelayMs"] = 0.into();
    patch(&mut json);
    let scenario = Scenario::from_json_str(&json.to_string()).unwrap();
    pimrust_emulator::start(scenario, StartOptions::default())
        .await
        .unwrap()
}

/// The sandbox with device codes approved at the first poll.
pub async fn auto_approving_sandbox() -> RunningEmulator {
    emulator(|scenario| {
        scenario["settings"]["deviceCodeIntervalSec"] = 1.into();
        scenario["settings"]["deviceCodeAutoApproveAfterSec"] = 0.into();
    })
    .await
}

pub fn device_code_sign_ins(emulator: &RunningEmulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|e| e.path.ends_with("/oauth2/v2.0/devicecode"))
        .count()
}

pub fn browser_options(emulator: &RunningEmulator) -> ConnectOptions {
    ConnectOptions {
        tenant_id: Some(emulator.tenant_id()),
        browser: Some(BrowserMode::None),
        endpoints: EndpointOverrides {
            sandbox_url: Some(emulator.base_url()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Plays the user's browser: follows each authorize URL the sign-in reports to its loopback redirect.
pub fn play_browser(events: EventSink) -> tokio::task::JoinHandle<usize> {
    tokio::spawn(async move {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut completed = 0;
        loop {
            for event in events.drain() {
                let event: Value = serde_json::from_str(&event).unwrap();
                if event["event"] == "browser" {
                    let answer = client.get(event["url"].as_str().unwrap()).send().await.unwrap();
                    assert_eq!(answer.status(), 302, "the headless authorize redirects to the loopback");
                    let location = answer.headers()["location"]
                        .to_str()
                        .unwrap()
                        .replace("localhost", "127.0.0.1");
                    assert_eq!(client.get(location).send().await.unwrap().status(), 200);
                    completed += 1;
                }
            }
            if completed >= 2 {
                return completed;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
}

/// Signed in to the emulator through the browser flow, to Graph and (on first need, as here) ARM;
/// returns the API client.
pub async fn signed_in(emulator: &RunningEmulator) -> ApiClient {
    let auth = Arc::new(Authenticator::new(http(), None));
    let events = EventSink::buffered();
    let browser = play_browser(events.clone());
    auth.connect(browser_options(emulator), &events).await.unwrap();
    auth.access_token(Resource::Arm, None, &events, true).await.unwrap();
    assert_eq!(browser.await.unwrap(), 2, "one browser sign-in per default app");
    ApiClient::new(http(), auth)
}

pub async fn roles(api: &ApiClient) -> Vec<EligibleRole> {
    list::eligible(api, &PolicyCache::default(), &ListOptions::default())
        .await
        .unwrap()
        .roles
}

pub fn pick(roles: &[EligibleRole], names: &[&str]) -> Vec<ActivationTarget> {
    names
        .iter()
        .map(|n| {
            roles
                .iter()
                .find(|r| r.role_name == *n)
                .unwrap_or_else(|| panic!("{n}"))
                .into()
        })
        .collect()
}

pub async fn run(api: &ApiClient, params: ActivateParams) -> Vec<ActivationOutcome> {
    activate::activate(api, &PolicyCache::default(), params).await.unwrap()
}

/// What to wait for, for an outcome that has a request id.
pub fn wait_target(outcome: &ActivationOutcome) -> WaitTarget {
    WaitTarget {
        request_id: outcome.request_id.clone().unwrap(),
        kind: outcome.kind,
        key: outcome.key.clone(),
        role_name: outcome.role_name.clone(),
        deactivate: false,
    }
}

pub async fn wait_for(api: &ApiClient, outcomes: &[ActivationOutcome]) -> Vec<WaitResult> {
    let requests = outcomes
        .iter()
        .filter(|o| o.request_id.is_some())
        .map(wait_target)
        .collect();
    wait::wait(
        api,
        WaitParams {
            requests,
            timeout_sec: Some(20),
            interval_sec: Some(0.2),
        },
    )
    .await
    .unwrap()
}

pub async fn emulator_with_manual_approval() -> RunningEmulator {
    emulator(|scenario| {
        for policy in scenario["policies"].as_array_mut().unwrap() {
            if policy["approval"].is_object() {
                policy["approval"]["autoDecisionAfterSec"] = serde_json::Value::Null;
            }
        }
    })
    .await
}

/// The activation requests the emulator received (Graph POSTs and ARM PUTs), oldest first.
pub fn creates(emulator: &RunningEmulator) -> Vec<pimrust_emulator::LogEntry> {
    emulator
        .request_log()
        .into_iter()
        .filter(|e| {
            (e.method == "POST" && e.path.ends_with("ScheduleRequests"))
                || (e.method == "PUT" && e.path.contains("roleAssignmentScheduleRequests/"))
        })
        .collect()
}
