//! The methods a host calls, through the engine's JSON layer, against the sandbox: sign-in, listing,
//! activation and waiting; no token text in any event or envelope even at trace level; cancelling a
//! wait (what Ctrl+C does) returns at once and leaves nothing running.

mod support;

use pimrust_core::{Engine, EngineConfig, OpId};
use pimrust_emulator::{Resource, TokenSpec};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::sandbox::emulator;

fn engine() -> Engine {
    Engine::new(EngineConfig {
        token_cache: Some("disabled".into()),
        ..Default::default()
    })
    .unwrap()
}

/// Runs an op to the end; returns its envelope and every event text.
fn run(engine: &Engine, op: OpId) -> (Value, Vec<String>) {
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let finished = engine.wait(op, Duration::from_millis(100)).unwrap();
        while let Some(event) = engine.next_event(op).unwrap() {
            events.push(event);
        }
        if finished {
            return (
                serde_json::from_str(&engine.take_result(op).unwrap().unwrap()).unwrap(),
                events,
            );
        }
        assert!(Instant::now() < deadline, "op did not finish");
    }
}

fn call(engine: &Engine, method: &str, params: Value) -> (Value, Vec<String>) {
    let op = engine
        .start(&json!({"method": method, "params": params, "logLevel": "trace"}).to_string())
        .unwrap();
    run(engine, op)
}

/// The fields of a listed role that `pim.activate` takes.
fn target(role: &Value) -> Value {
    let keys = [
        "key",
        "kind",
        "roleName",
        "roleDefinitionId",
        "scope",
        "principalId",
        "groupId",
        "accessId",
        "directoryScopeId",
        "eligibilityScheduleId",
        "status",
        "policy",
    ];
    Value::Object(keys.iter().map(|k| (k.to_string(), role[*k].clone())).collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_list_activate_and_wait_through_the_engine_without_leaking_tokens() {
    let emulator = emulator(|scenario| {
        for policy in scenario["policies"].as_array_mut().unwrap() {
            if policy["approval"].is_object() {
                policy["approval"]["autoDecisionAfterSec"] = Value::Null;
            }
        }
    })
    .await;
    let graph = emulator.issue_token(&TokenSpec::new(Resource::Graph)).unwrap();
    let arm = emulator.issue_token(&TokenSpec::new(Resource::Arm)).unwrap();
    let base = emulator.base_url();
    let engine = tokio::task::spawn_blocking(engine).await.unwrap();
    let engine = std::sync::Arc::new(engine);

    let work = {
        let engine = engine.clone();
        tokio::task::spawn_blocking(move || {
            let mut everything = Vec::new();
            let (connected, events) = call(
                &engine,
                "auth.connect",
                json!({"accessToken": graph, "armAccessToken": arm, "sandboxUrl": base}),
            );
            assert_eq!(
                connected["data"]["account"], "adele@contoso.onmicrosoft.com",
                "{connected}"
            );
            everything.extend(events);
            everything.push(connected.to_string());

            let (listed, events) = call(&engine, "pim.listEligible", json!({}));
            let roles = listed["data"]["roles"].as_array().unwrap().clone();
            assert_eq!(roles.len(), 13);
            everything.extend(events);

            let security = roles
                .iter()
                .find(|r| r["roleName"] == "Security Administrator")
                .unwrap();
            let (activated, events) = call(
                &engine,
                "pim.activate",
                json!({"roles": [target(security)], "justification": "engine test"}),
            );
            let outcome = &activated["data"][0];
            assert_eq!(outcome["status"], "PendingApproval", "{activated}");
            everything.extend(events);

            // Waiting on a request nobody approves, then cancelling (Ctrl+C in PowerShell).
            let wait = json!({"method": "pim.wait", "params": {"requests": [{
                "requestId": outcome["requestId"], "kind": outcome["kind"], "key": outcome["key"], "roleName": outcome["roleName"]
            }], "intervalSec": 0.3, "timeoutSec": 600}});
            let op = engine.start(&wait.to_string()).unwrap();
            std::thread::sleep(Duration::from_millis(700));
            let cancelled_at = Instant::now();
            engine.cancel(op).unwrap();
            let (cancelled, events) = run(&engine, op);
            assert!(
                cancelled_at.elapsed() < Duration::from_millis(500),
                "took {:?}",
                cancelled_at.elapsed()
            );
            assert_eq!(cancelled["error"]["kind"], "Cancelled");
            assert!(
                events
                    .iter()
                    .any(|e| e.contains("requestStatus") && e.contains("PendingApproval")),
                "progress while waiting"
            );
            everything.extend(events);
            (everything, graph, arm)
        })
    };
    let (everything, graph, arm) = work.await.unwrap();
    assert_eq!(engine.info().running_ops, 0);
    assert_eq!(engine.info().live_ops, 0);
    let text = everything.join("\n");
    assert!(
        text.contains("\"level\":\"trace\"") || text.contains("\"level\":\"debug\""),
        "trace logs were captured"
    );
    for secret in [&graph, &arm] {
        assert!(
            !text.contains(secret.as_str()),
            "a token leaked into events or envelopes"
        );
        assert!(
            !text.contains(secret.split('.').nth(1).unwrap()),
            "a token payload leaked"
        );
    }
}
