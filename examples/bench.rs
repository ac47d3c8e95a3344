//! Benchmarks against the sandbox emulator with 100 ms injected latency per Graph/ARM request
//! (`cargo xtask bench`). Not a test: it prints wall times and request counts.
//!
//! 1. Listing 30 eligibilities (10 directory roles, 10 groups, 10 Azure roles) with their policies:
//!    cold, again in the same process, and in a fresh process with the policies cached on disk.
//! 2. Activating 20 roles concurrently versus one at a time.
//! 3. Waiting on 50 pending (approval-gated) requests: requests per poll interval.

use pimrust_core::api::ApiClient;
use pimrust_core::auth::authenticator::{Authenticator, ConnectOptions};
use pimrust_core::auth::cloud::EndpointOverrides;
use pimrust_core::events::EventSink;
use pimrust_core::http::{HttpClient, RetryPolicy};
use pimrust_core::pim::activate::{self, ActivateParams, ActivationTarget};
use pimrust_core::pim::list::{self, ListOptions, PolicyCache};
use pimrust_core::pim::model::EligibleRole;
use pimrust_core::pim::wait::{self, WaitParams, WaitTarget};
use pimrust_emulator::{FaultRule, Resource, RunningEmulator, Scenario, StartOptions, TokenSpec};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LATENCY_MS: u64 = 100;

fn id(name: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes()).to_string()
}

/// The demo tenant with `directory` roles, `groups` group memberships and `azure` resource-group
/// Reader eligibilities for the default user, and nothing else eligible.
fn scenario(directory: usize, groups: usize, azure: usize, approval: bool) -> Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/emulator/scenarios/demo.json");
    let mut s: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("demo scenario")).expect("json");
    let user = s["defaultUser"].as_str().expect("default user").to_string();
    let subscription = id("bench-subscription");
    s["settings"]["provisioningDelayMs"] = 0.into();
    s["policies"] = json!([]);
    s["activeAssignments"] = json!([]);
    s["faults"] = json!([]);
    if approval {
        s["defaultPolicy"]["approval"] = json!({"required": true, "approvers": [user.clone()]});
    }
    let mut eligibilities = Vec::new();
    for i in 0..directory {
        let role = id(&format!("bench-role-{i}"));
        s["roleDefinitions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": role, "displayName": format!("Bench Role {i:02}")}));
        eligibilities.push(json!({"principal": user, "directoryRoleId": role}));
    }
    for i in 0..groups {
        let group = id(&format!("bench-group-{i}"));
        s["groups"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": group, "displayName": format!("Bench Group {i:02}")}));
        eligibilities.push(json!({"principal": user, "groupId": group, "accessId": "member"}));
    }
    let groups_of_rg: Vec<String> = (0..azure).map(|i| format!("rg-bench-{i:02}")).collect();
    s["subscriptions"].as_array_mut().unwrap().push(json!({
        "id": subscription, "displayName": "Bench Subscription", "managementGroup": "contoso-platform", "resourceGroups": groups_of_rg
    }));
    for rg in &groups_of_rg {
        eligibilities.push(json!({
            "principal": user, "azureRoleId": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            "scope": format!("/subscriptions/{subscription}/resourceGroups/{rg}")
        }));
    }
    s["eligibilities"] = Value::Array(eligibilities);
    Scenario::from_json_str(&s.to_string()).expect("bench scenario is valid")
}

async fn start(scenario: Scenario) -> (RunningEmulator, ApiClient) {
    let emulator = pimrust_emulator::start(scenario, StartOptions::default())
        .await
        .expect("emulator starts");
    let http = HttpClient::new(RetryPolicy::default()).expect("http");
    let auth = Arc::new(Authenticator::new(http.clone(), None));
    let token = |resource| emulator.issue_token(&TokenSpec::new(resource)).expect("token");
    let options = ConnectOptions {
        access_token: Some(token(Resource::Graph)),
        arm_access_token: Some(token(Resource::Arm)),
        endpoints: EndpointOverrides {
            sandbox_url: Some(emulator.base_url()),
            ..Default::default()
        },
        ..Default::default()
    };
    auth.connect(options, &EventSink::buffered()).await.expect("signed in");
    let latency: FaultRule =
        serde_json::from_value(json!({"pathRegex": "^/(graph|arm)/", "latencyMs": LATENCY_MS})).expect("rule");
    emulator.set_faults(vec![latency]).expect("faults");
    emulator.clear_request_log();
    (emulator, ApiClient::new(http, auth))
}

async fn roles(api: &ApiClient) -> Vec<EligibleRole> {
    list::eligible(api, &PolicyCache::default(), &ListOptions::default())
        .await
        .expect("listing")
        .roles
}

/// Lists with `cache`, prints wall time, requests and round trips; returns requests and roles.
async fn listing(emulator: &RunningEmulator, api: &ApiClient, cache: &PolicyCache, label: &str) -> (usize, usize) {
    emulator.clear_request_log();
    let started = Instant::now();
    let listed = list::eligible(api, cache, &ListOptions::default())
        .await
        .expect("listing")
        .roles;
    let elapsed = started.elapsed();
    let count = requests(emulator);
    println!(
        "{label}: {} roles, {:.0} ms, {count} requests (~{:.1} sequential round trips)",
        listed.len(),
        elapsed.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64() * 1000.0 / LATENCY_MS as f64
    );
    (count, listed.len())
}

fn requests(emulator: &RunningEmulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|e| e.path.starts_with("/graph/") || e.path.starts_with("/arm/"))
        .count()
}

async fn activation(throttle: usize) -> (Duration, usize) {
    let (emulator, api) = start(scenario(10, 5, 5, false)).await;
    let targets: Vec<ActivationTarget> = roles(&api).await.iter().map(ActivationTarget::from).collect();
    emulator.clear_request_log();
    let mut params = ActivateParams::new(targets, Some("benchmark"));
    params.throttle_limit = Some(throttle);
    let started = Instant::now();
    let outcomes = activate::activate(&api, &PolicyCache::default(), params)
        .await
        .expect("activation");
    let elapsed = started.elapsed();
    assert_eq!(outcomes.len(), 20);
    assert!(outcomes.iter().all(|o| o.error.is_none()), "{outcomes:?}");
    (elapsed, requests(&emulator))
}

#[tokio::main]
async fn main() {
    println!("PimRust benchmarks: {LATENCY_MS} ms injected latency per Graph/ARM request\n");

    let (emulator, api) = start(scenario(10, 10, 10, false)).await;
    let state = tempfile::tempdir().expect("temporary state folder");
    let file = state.path().join("policies.json");
    let cold = PolicyCache::on_disk(file.clone());
    let (count, listed) = listing(&emulator, &api, &cold, "list 30 eligibilities with policies, cold").await;
    assert_eq!(listed, 30);
    listing(&emulator, &api, &cold, "list again, same process (policies in memory)").await;
    let fresh = PolicyCache::on_disk(file);
    let warm = listing(
        &emulator,
        &api,
        &fresh,
        "list in a fresh process, policies warm on disk",
    )
    .await;
    assert!(warm.0 < count, "the disk cache saves the policy reads");

    let (concurrent, concurrent_requests) = activation(activate::DEFAULT_THROTTLE).await;
    let (sequential, sequential_requests) = activation(1).await;
    println!(
        "activate 20 roles: concurrent (limit {}) {:.0} ms / {concurrent_requests} requests; sequential {:.0} ms / {sequential_requests} requests; speed-up x{:.1}",
        activate::DEFAULT_THROTTLE,
        concurrent.as_secs_f64() * 1000.0,
        sequential.as_secs_f64() * 1000.0,
        sequential.as_secs_f64() / concurrent.as_secs_f64()
    );

    let (emulator, api) = start(scenario(30, 10, 10, true)).await;
    let targets: Vec<ActivationTarget> = roles(&api).await.iter().map(ActivationTarget::from).collect();
    let outcomes = activate::activate(
        &api,
        &PolicyCache::default(),
        ActivateParams::new(targets, Some("benchmark")),
    )
    .await
    .expect("activation");
    let pending: Vec<WaitTarget> = outcomes
        .iter()
        .filter_map(|o| {
            Some(WaitTarget {
                request_id: o.request_id.clone()?,
                kind: o.kind,
                key: o.key.clone(),
                role_name: o.role_name.clone(),
                deactivate: false,
            })
        })
        .collect();
    emulator.clear_request_log();
    let started = Instant::now();
    let waited = wait::wait(
        &api,
        WaitParams {
            requests: pending.clone(),
            timeout_sec: Some(5),
            interval_sec: Some(1.0),
        },
    )
    .await
    .expect("wait");
    let elapsed = started.elapsed();
    let log = emulator.request_log();
    let rounds = log
        .iter()
        .filter(|e| {
            e.path
                .contains("roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser")
        })
        .count();
    let total = log
        .iter()
        .filter(|e| e.path.starts_with("/graph/") || e.path.starts_with("/arm/"))
        .count();
    println!(
        "wait on {} pending requests for {:.1} s: {rounds} poll rounds, {total} requests, {:.1} requests per poll interval (all {} timed out pending approval, as intended)",
        pending.len(),
        elapsed.as_secs_f64(),
        total as f64 / rounds.max(1) as f64,
        waited.len()
    );
}
