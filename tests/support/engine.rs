//! Drives the engine the way a host does: JSON requests, bounded waits, drained events.

use pimrust_core::{Engine, EngineConfig, OpId};
use pimrust_emulator::{Resource, RunningEmulator, TokenSpec};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// An engine that persists nothing.
pub fn engine() -> Engine {
    Engine::new(EngineConfig {
        token_cache: Some("disabled".into()),
        ..Default::default()
    })
    .unwrap()
}

/// An engine whose sign-ins persist in a plaintext cache in `dir`.
pub fn engine_with_cache(dir: &std::path::Path) -> Engine {
    Engine::new(EngineConfig {
        token_cache: Some("plaintextFile".into()),
        token_cache_dir: Some(dir.to_path_buf()),
        ..Default::default()
    })
    .unwrap()
}

/// Runs an op to the end; returns its envelope and every event text.
pub fn run(engine: &Engine, op: OpId) -> (Value, Vec<String>) {
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

/// Starts `method` with log level `level`.
pub fn start_at(engine: &Engine, method: &str, params: Value, level: &str) -> OpId {
    engine
        .start(&json!({"method": method, "params": params, "logLevel": level}).to_string())
        .unwrap()
}

pub fn call_at(engine: &Engine, method: &str, params: Value, level: &str) -> (Value, Vec<String>) {
    let op = start_at(engine, method, params, level);
    run(engine, op)
}

pub fn call(engine: &Engine, method: &str, params: Value) -> (Value, Vec<String>) {
    call_at(engine, method, params, "trace")
}

/// Event texts parsed.
pub fn parsed(events: &[String]) -> Vec<Value> {
    events.iter().map(|e| serde_json::from_str(e).unwrap()).collect()
}

/// Waits (draining into `seen`) until an event named `name` arrives; returns it.
pub fn wait_for_event(engine: &Engine, op: OpId, name: &str, seen: &mut Vec<String>) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        engine.wait(op, Duration::from_millis(50)).unwrap();
        while let Some(event) = engine.next_event(op).unwrap() {
            seen.push(event.clone());
            let value: Value = serde_json::from_str(&event).unwrap();
            if value["event"] == name {
                return value;
            }
        }
        assert!(Instant::now() < deadline, "no {name} event");
    }
}

/// `auth.connect` params that pass the emulator's own Graph and ARM tokens (account A).
pub fn passthrough(emulator: &RunningEmulator) -> Value {
    json!({
        "accessToken": emulator.issue_token(&TokenSpec::new(Resource::Graph)).unwrap(),
        "armAccessToken": emulator.issue_token(&TokenSpec::new(Resource::Arm)).unwrap(),
        "sandboxUrl": emulator.base_url(),
    })
}

/// The fields of a listed role that `pim.activate` takes.
pub fn target(role: &Value) -> Value {
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
