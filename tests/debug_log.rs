//! What `-Debug` shows: each HTTP request once it completes (method, URL without query values,
//! status, attempt, elapsed time) and each retry decision with its delay; no connection-pool
//! chatter from the HTTP stack, which stays reachable at trace; never a token.

mod support;

use pimrust_emulator::FaultRule;
use serde_json::{Value, json};
use support::engine::*;
use support::sandbox::emulator;

const NOISY_TARGETS: [&str; 5] = ["hyper", "hyper_util", "reqwest", "h2", "rustls"];

fn logs(events: &[String]) -> Vec<Value> {
    parsed(events).into_iter().filter(|e| e["event"] == "log").collect()
}

fn is_noisy(log: &Value) -> bool {
    let target = log["target"].as_str().unwrap_or_default();
    NOISY_TARGETS
        .iter()
        .any(|noisy| target == *noisy || target.starts_with(&format!("{noisy}::")))
}

#[tokio::test(flavor = "multi_thread")]
async fn debug_logs_each_request_and_retry_without_pool_chatter_or_secrets() {
    let emulator = emulator(|_| {}).await;
    let throttle: FaultRule = serde_json::from_value(json!({
        "pathPrefix": "/graph/v1.0/roleManagement/directory/roleEligibilityScheduleInstances",
        "firstN": 1, "status": 429, "retryAfterSec": 0
    }))
    .unwrap();
    emulator.set_faults(vec![throttle]).unwrap();
    let connect = passthrough(&emulator);
    let tokens: Vec<String> = ["accessToken", "armAccessToken"]
        .iter()
        .map(|k| connect[*k].as_str().unwrap().to_string())
        .collect();
    let (debug, trace) = tokio::task::spawn_blocking(move || {
        let engine = engine();
        let (connected, _) = call(&engine, "auth.connect", connect);
        assert_eq!(connected["ok"], true, "{connected}");
        let (listed, debug) = call_at(&engine, "pim.listEligible", json!({}), "debug");
        assert_eq!(listed["ok"], true, "{listed}");
        let (_, trace) = call_at(&engine, "pim.listActive", json!({}), "trace");
        (debug, trace)
    })
    .await
    .unwrap();

    let debug_logs = logs(&debug);
    let noisy: Vec<&Value> = debug_logs.iter().filter(|l| is_noisy(l)).collect();
    assert!(noisy.is_empty(), "pool chatter at debug: {noisy:?}");
    let http: Vec<String> = debug_logs
        .iter()
        .filter(|l| l["target"] == "pimrust_core::http")
        .map(|l| l["message"].as_str().unwrap().to_string())
        .collect();
    let eligibility = "/graph/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')?$expand=";
    let throttled = http
        .iter()
        .find(|m| m.contains(eligibility) && m.contains("429"))
        .unwrap_or_else(|| panic!("the throttled request is logged: {http:#?}"));
    assert!(throttled.starts_with("GET http://127.0.0.1:"), "{throttled}");
    assert!(
        throttled.contains("attempt 1") && throttled.contains(" ms"),
        "{throttled}"
    );
    assert!(
        http.iter()
            .any(|m| m.contains(eligibility) && m.contains("retry 2 in 0 ms")),
        "the retry decision and its delay: {http:#?}"
    );
    assert!(
        http.iter()
            .any(|m| m.contains(eligibility) && m.contains("200") && m.contains("attempt 2")),
        "{http:#?}"
    );
    let arm = http
        .iter()
        .find(|m| m.contains("/providers/Microsoft.Authorization/roleEligibilityScheduleInstances"))
        .unwrap_or_else(|| panic!("an ARM request is logged: {http:#?}"));
    assert!(
        arm.contains("api-version=") && arm.contains("$filter=") && !arm.contains("asTarget()"),
        "parameter names are kept, values that could carry anything are not: {arm}"
    );

    let everything = format!("{debug:?}{trace:?}");
    for token in &tokens {
        assert!(!everything.contains(token.as_str()), "a token leaked");
        assert!(
            !everything.contains(token.split('.').nth(1).unwrap()),
            "a token payload leaked"
        );
    }
    assert!(
        logs(&trace).iter().any(is_noisy),
        "the HTTP stack's own lines are still there at trace"
    );
}
