//! One batch's sandbox: a fresh emulator (so every batch starts from a clean tenant and the checks
//! read only its own requests), signed in without faults, and an API client whose attempts time
//! out quickly, so that slow answers can outlast it.

use crate::support::sandbox::{browser_options, http, play_browser};
use pimrust_core::api::ApiClient;
use pimrust_core::auth::authenticator::Authenticator;
use pimrust_core::auth::cloud::Resource;
use pimrust_core::events::EventSink;
use pimrust_core::http::{HttpClient, RetryPolicy};
use pimrust_core::pim::list::{self, ListOptions, PolicyCache};
use pimrust_core::pim::model::EligibleRole;
use pimrust_emulator::{RunningEmulator, Scenario, StartOptions};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Each attempt of the client under test gives up after this long.
pub const CLIENT_TIMEOUT: Duration = Duration::from_millis(500);

/// The retry policy of the client under test: the core's attempts, with short backoffs.
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(200),
        ..RetryPolicy::default()
    }
}

/// The bench tenant (10 directory roles, 10 groups, 10 Azure roles), with every other group
/// eligibility for ownership and two directory roles behind an approval nobody gives.
fn scenario() -> Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/emulator/scenarios/bench.json");
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut groups = 0;
    for eligibility in json["eligibilities"].as_array_mut().unwrap() {
        if eligibility["groupId"].is_string() {
            if groups % 2 == 1 {
                eligibility["accessId"] = "owner".into();
            }
            groups += 1;
        }
    }
    let approval = json!({"required": true, "approvers": ["dana@bench.onmicrosoft.com"]});
    json["policies"] = json!([
        {"directoryRoleId": "10000000-0000-4000-8000-000000000003", "approval": approval},
        {"directoryRoleId": "10000000-0000-4000-8000-000000000007", "approval": approval},
    ]);
    Scenario::from_json_str(&json.to_string()).unwrap()
}

pub struct Sandbox {
    pub emulator: RunningEmulator,
    pub api: ApiClient,
    pub roles: Vec<EligibleRole>,
}

/// A fresh tenant whose fault engine draws from `seed`, signed in, with its roles listed.
pub async fn start(seed: u64) -> Sandbox {
    let options = StartOptions {
        seed: Some(seed),
        ..StartOptions::default()
    };
    let emulator = pimrust_emulator::start(scenario(), options).await.unwrap();
    let auth = Arc::new(Authenticator::new(http(), None));
    let events = EventSink::buffered();
    let browser = play_browser(events.clone());
    auth.connect(browser_options(&emulator), &events).await.unwrap();
    auth.access_token(Resource::Arm, None, &events, true).await.unwrap();
    browser.await.unwrap();
    let client = HttpClient::with_timeout(retry_policy(), CLIENT_TIMEOUT).unwrap();
    let api = ApiClient::new(client, auth);
    let roles = list::eligible(&api, &PolicyCache::default(), &ListOptions::default())
        .await
        .unwrap()
        .roles;
    assert_eq!(roles.len(), 30, "the bench tenant's eligibilities");
    Sandbox { emulator, api, roles }
}
