//! Waiting on requests: each request is reported the moment it is final, an unknown request id ends
//! at the first poll, and a service outage is named as one.

mod support;

use pimrust_core::events::EventSink;
use pimrust_core::pim::activate::ActivateParams;
use pimrust_core::pim::list::{self, ListOptions, PolicyCache};
use pimrust_core::pim::model::Kind;
use pimrust_core::pim::wait::{self, WaitParams, WaitTarget};
use pimrust_emulator::{Decision, FaultRule};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::sandbox::*;

fn params(requests: Vec<WaitTarget>, timeout_sec: u64) -> WaitParams {
    WaitParams {
        requests,
        timeout_sec: Some(timeout_sec),
        interval_sec: Some(0.2),
    }
}

fn finished_events(seen: &[Value]) -> Vec<&Value> {
    seen.iter().filter(|e| e["event"] == "requestFinished").collect()
}

#[tokio::test]
async fn each_request_is_reported_as_soon_as_it_is_final() {
    let emulator = emulator_with_manual_approval().await;
    let api = signed_in(&emulator).await;
    let names = ["Global Reader", "Security Administrator"];
    let outcomes = run(
        &api,
        ActivateParams::new(pick(&roles(&api).await, &names), Some("stream")),
    )
    .await;
    let events = EventSink::buffered();
    let requests = outcomes.iter().map(wait_target).collect();
    let waiting = tokio::spawn({
        let api = api.for_operation(events.clone(), true);
        async move { wait::wait(&api, params(requests, 20)).await.unwrap() }
    });

    let mut seen: Vec<Value> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while finished_events(&seen).is_empty() {
        assert!(Instant::now() < deadline, "no requestFinished event: {seen:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        seen.extend(events.drain().iter().map(|e| serde_json::from_str::<Value>(e).unwrap()));
    }
    assert_eq!(finished_events(&seen)[0]["roleName"], "Global Reader");
    assert_eq!(finished_events(&seen)[0]["status"], "Active");
    assert!(
        !waiting.is_finished(),
        "Security Administrator is still waiting for approval"
    );

    emulator
        .decide_approval(outcomes[1].request_id.as_ref().unwrap(), Decision::Approve)
        .unwrap();
    let results = waiting.await.unwrap();
    seen.extend(events.drain().iter().map(|e| serde_json::from_str::<Value>(e).unwrap()));
    let finished = finished_events(&seen);
    assert_eq!(finished.len(), 2, "one event per request: {finished:?}");
    for (event, result) in finished.iter().zip(&results) {
        let mut expected = serde_json::to_value(result).unwrap();
        expected["v"] = 1.into();
        expected["event"] = "requestFinished".into();
        assert_eq!(**event, expected, "the event carries the final result's object");
    }
    assert!(
        seen.iter().any(|e| e["event"] == "requestStatus"),
        "progress events stay"
    );
}

#[tokio::test]
async fn an_unknown_request_id_ends_as_not_found_at_the_first_poll() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let contributor = pick(&roles(&api).await, &["Contributor"]).remove(0);
    let unknown = |kind: Kind, request_id: String| WaitTarget {
        request_id,
        kind,
        key: format!("{kind:?}|unknown"),
        role_name: format!("unknown {kind:?}"),
        deactivate: false,
    };
    let missing = "8f0e5a52-0000-4000-8000-000000000000";
    let requests = vec![
        unknown(Kind::DirectoryRole, missing.into()),
        unknown(Kind::Group, missing.into()),
        unknown(
            Kind::AzureResource,
            format!(
                "{}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{missing}",
                contributor.scope
            ),
        ),
    ];
    let began = Instant::now();
    let results = wait::wait(&api, params(requests, 8)).await.unwrap();
    assert!(began.elapsed() < Duration::from_secs(3), "took {:?}", began.elapsed());
    for result in results {
        let value = serde_json::to_value(&result).unwrap();
        assert_eq!(value["status"], "NotFound", "{value}");
        let message = value["message"].as_str().unwrap_or_default();
        assert!(message.contains("not found") && message.contains(missing), "{message}");
    }
}

fn fault(rule: Value) -> FaultRule {
    serde_json::from_value(rule).unwrap()
}

#[tokio::test]
async fn a_service_outage_is_named_as_one() {
    let emulator = emulator_with_manual_approval().await;
    let api = signed_in(&emulator).await;
    let roles = roles(&api).await;
    let pending = run(
        &api,
        ActivateParams::new(pick(&roles, &["Security Administrator"]), Some("outage")),
    )
    .await;

    emulator
        .set_faults(vec![fault(json!({"pathPrefix": "/graph/", "status": 503}))])
        .unwrap();
    // Long enough for the first poll to exhaust its retries (at most 6 s of backoff).
    let waited = wait::wait(&api, params(vec![wait_target(&pending[0])], 8))
        .await
        .unwrap();
    let message = waited[0].message.clone().unwrap_or_default();
    assert!(
        message.contains("Microsoft Graph is unavailable (HTTP 503)"),
        "{message}"
    );

    emulator
        .set_faults(vec![
            fault(json!({"pathPrefix": "/graph/", "status": 503})),
            fault(json!({"pathPrefix": "/arm/", "dropConnection": true})),
        ])
        .unwrap();
    let options = ListOptions {
        kinds: vec![Kind::DirectoryRole, Kind::AzureResource],
        ..Default::default()
    };
    let error = list::eligible(&api, &PolicyCache::default(), &options)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("Microsoft Graph is unavailable (HTTP 503)"),
        "{error}"
    );
    emulator
        .set_faults(vec![fault(json!({"pathPrefix": "/arm/", "dropConnection": true}))])
        .unwrap();
    let listing = list::eligible(&api, &PolicyCache::default(), &options).await.unwrap();
    let arm = &listing.failures[0];
    assert_eq!(arm.kind, Kind::AzureResource);
    assert!(
        arm.message.contains("Azure Resource Manager is unavailable"),
        "{}",
        arm.message
    );
}

#[tokio::test]
async fn a_hung_surface_does_not_hold_back_another_surfaces_results() {
    let emulator = emulator_with_manual_approval().await;
    let api = signed_in(&emulator).await;
    let outcomes = run(
        &api,
        ActivateParams::new(
            pick(&roles(&api).await, &["Contributor", "Security Administrator"]),
            Some("independent surfaces"),
        ),
    )
    .await;
    emulator
        .set_faults(vec![fault(json!({
            "pathPrefix": "/graph/v1.0/roleManagement/directory/roleAssignmentScheduleRequests",
            "latencyMs": 60_000,
        }))])
        .unwrap();
    let events = EventSink::buffered();
    let requests = outcomes.iter().map(wait_target).collect();
    let began = Instant::now();
    let waiting = tokio::spawn({
        let api = api.for_operation(events.clone(), true);
        async move { wait::wait(&api, params(requests, 5)).await.unwrap() }
    });

    let mut seen: Vec<Value> = Vec::new();
    while finished_events(&seen).is_empty() {
        assert!(
            began.elapsed() < Duration::from_secs(4),
            "Contributor was held back: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        seen.extend(events.drain().iter().map(|e| serde_json::from_str::<Value>(e).unwrap()));
    }
    assert_eq!(finished_events(&seen)[0]["roleName"], "Contributor");
    assert_eq!(finished_events(&seen)[0]["status"], "Active");

    let results = waiting.await.unwrap();
    assert!(
        began.elapsed() < Duration::from_secs(8),
        "the deadline bounds a hung poll: {:?}",
        began.elapsed()
    );
    let security = results
        .iter()
        .find(|r| r.role_name == "Security Administrator")
        .unwrap();
    let value = serde_json::to_value(security).unwrap();
    assert_eq!(value["status"], "TimedOut", "{value}");
    assert!(
        value["message"].as_str().unwrap_or_default().contains("did not answer"),
        "{value}"
    );
    assert_eq!(results[0].role_name, "Contributor", "results keep the caller's order");
}
