//! Engine behaviour through its public API: envelopes, events, cancellation, retirement of ids.

use pimrust_core::{Engine, EngineConfig, OpError, OpId};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn engine() -> Engine {
    Engine::new(EngineConfig::default()).expect("engine starts")
}

fn start(engine: &Engine, request: Value) -> OpId {
    engine.start(&request.to_string()).expect("op starts")
}

/// Waits for the op in short slices, draining events, and returns (events, envelope).
fn run(engine: &Engine, op: OpId) -> (Vec<Value>, Value) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut events = Vec::new();
    loop {
        let finished = engine.wait(op, Duration::from_millis(50)).unwrap();
        while let Some(event) = engine.next_event(op).unwrap() {
            events.push(serde_json::from_str(&event).unwrap());
        }
        if finished {
            let result = engine.take_result(op).unwrap().expect("finished op has a result");
            return (events, serde_json::from_str(&result).unwrap());
        }
        assert!(Instant::now() < deadline, "op did not finish in time");
    }
}

#[test]
fn echo_round_trips_params_including_non_ascii_text() {
    let engine = engine();
    let params = json!({"text": "Grüße, 東京, emoji 🚀, quote \" and \\ backslash", "n": [1, 2.5, null]});
    let op = start(&engine, json!({"method": "sys.echo", "params": params}));
    let (_, envelope) = run(&engine, op);
    assert_eq!(envelope, json!({"v": 1, "ok": true, "data": params}));
}

#[test]
fn unknown_method_yields_an_error_envelope_listing_known_methods() {
    let engine = engine();
    let op = start(&engine, json!({"method": "pim.nope"}));
    let (_, envelope) = run(&engine, op);
    assert_eq!(envelope["ok"], false);
    assert_eq!(envelope["error"]["kind"], "UnknownMethod");
    assert_eq!(envelope["error"]["errorId"], "PimRust.UnknownMethod");
    assert_eq!(envelope["error"]["category"], "NotImplemented");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(message.contains("pim.nope"), "{message}");
    for method in [
        "sys.echo",
        "sys.sleep",
        "auth.connect",
        "auth.disconnect",
        "auth.context",
        "pim.listEligible",
        "pim.listActive",
        "pim.activate",
        "pim.wait",
        "pim.cancel",
    ] {
        assert!(message.contains(method), "{method} is missing from: {message}");
    }
}

#[test]
fn malformed_requests_yield_invalid_argument_envelopes() {
    let engine = engine();
    for request in [
        "{not json",
        r#"{"params": {}}"#,
        r#"{"method": "sys.echo", "extra": 1}"#,
        r#"{"method": "sys.echo", "logLevel": "loud"}"#,
        r#"{"method": "sys.sleep", "params": {"ms": "soon"}}"#,
        r#"{"method": "sys.sleep", "params": {"ms": 1, "unknown": true}}"#,
        "",
    ] {
        let op = engine.start(request).unwrap();
        let (_, envelope) = run(&engine, op);
        assert_eq!(
            envelope["error"]["kind"], "InvalidArgument",
            "request {request:?} gave {envelope}"
        );
    }
}

#[test]
fn sleep_reports_progress_then_finishes() {
    let engine = engine();
    let op = start(
        &engine,
        json!({"method": "sys.sleep", "params": {"ms": 120, "progressIntervalMs": 20}}),
    );
    let (events, envelope) = run(&engine, op);
    assert_eq!(envelope["ok"], true);
    assert!(envelope["data"]["sleptMs"].as_u64().unwrap() >= 120);
    let percents: Vec<u64> = events
        .iter()
        .filter(|e| e["event"] == "progress")
        .map(|e| e["percent"].as_u64().unwrap())
        .collect();
    assert!(percents.len() >= 3, "{events:?}");
    assert_eq!(percents.first(), Some(&0));
    assert_eq!(percents.last(), Some(&100));
    assert!(
        percents.windows(2).all(|w| w[0] <= w[1]),
        "progress never goes backwards: {percents:?}"
    );
}

#[test]
fn cancel_stops_a_sleep_promptly_with_a_cancelled_envelope() {
    let engine = engine();
    let op = start(&engine, json!({"method": "sys.sleep", "params": {"ms": 60_000}}));
    std::thread::sleep(Duration::from_millis(50));
    let cancelled_at = Instant::now();
    engine.cancel(op).unwrap();
    engine.cancel(op).unwrap(); // idempotent
    let (_, envelope) = run(&engine, op);
    assert!(
        cancelled_at.elapsed() < Duration::from_millis(500),
        "took {:?}",
        cancelled_at.elapsed()
    );
    assert_eq!(envelope["error"]["kind"], "Cancelled");
    assert_eq!(engine.info().running_ops, 0);
}

#[test]
fn collecting_a_result_retires_the_id() {
    let engine = engine();
    let op = start(&engine, json!({"method": "sys.echo", "params": 1}));
    run(&engine, op);
    assert_eq!(engine.take_result(op), Err(OpError::UnknownOp));
    assert_eq!(engine.wait(op, Duration::ZERO), Err(OpError::UnknownOp));
    assert_eq!(engine.cancel(op), Err(OpError::UnknownOp));
    assert_eq!(engine.info().live_ops, 0);
}

#[test]
fn releasing_a_running_op_cancels_it_and_retires_the_id_when_it_stops() {
    let engine = engine();
    let op = start(&engine, json!({"method": "sys.sleep", "params": {"ms": 60_000}}));
    engine.release(op).unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    while engine.info().live_ops > 0 || engine.info().running_ops > 0 {
        assert!(
            Instant::now() < deadline,
            "released op was not retired: {:?}",
            engine.info()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(engine.release(op), Err(OpError::UnknownOp));
}

#[test]
fn releasing_a_finished_op_retires_it_at_once() {
    let engine = engine();
    let op = start(&engine, json!({"method": "sys.echo"}));
    while !engine.wait(op, Duration::from_millis(50)).unwrap() {}
    engine.release(op).unwrap();
    assert_eq!(engine.info().live_ops, 0);
}

#[test]
fn wait_returns_early_when_an_event_arrives_and_times_out_otherwise() {
    let engine = engine();
    let op = start(
        &engine,
        json!({"method": "sys.sleep", "params": {"ms": 60_000, "progressIntervalMs": 30_000}, "logLevel": "off"}),
    );
    // The first progress event arrives at once: the wait wakes for it.
    let started = Instant::now();
    assert!(!engine.wait(op, Duration::from_secs(5)).unwrap());
    assert!(started.elapsed() < Duration::from_secs(1));
    // No new event for 30 s: a bounded wait times out.
    let started = Instant::now();
    assert!(!engine.wait(op, Duration::from_millis(150)).unwrap());
    assert!(started.elapsed() >= Duration::from_millis(140));
    engine.release(op).unwrap();
}

#[test]
fn log_events_follow_the_requested_level() {
    let engine = engine();
    let debug_op = start(
        &engine,
        json!({"method": "sys.echo", "params": {}, "logLevel": "debug"}),
    );
    let (events, _) = run(&engine, debug_op);
    let messages: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "log")
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(messages.contains(&"operation started"), "{events:?}");
    assert!(events.iter().all(|e| e["v"] == 1));

    let info_op = start(&engine, json!({"method": "sys.echo", "params": {}, "logLevel": "info"}));
    let (events, _) = run(&engine, info_op);
    assert!(
        events.iter().all(|e| e["event"] != "log" || e["level"] != "debug"),
        "{events:?}"
    );
}

#[test]
fn invalid_config_is_rejected_with_a_clear_message() {
    for (config, needle) in [
        (r#"{"logLevel": "chatty"}"#, "chatty"),
        (r#"{"workerThreads": 0}"#, "workerThreads"),
        (r#"{"surprise": true}"#, "surprise"),
        ("[1,2", "invalid client config"),
    ] {
        let error = Engine::from_config_json(config).err().expect("config is rejected");
        assert!(error.to_string().contains(needle), "{config}: {error}");
    }
    assert!(Engine::from_config_json("").is_ok());
}

#[test]
fn shutdown_cancels_everything_and_refuses_new_ops() {
    let engine = engine();
    for _ in 0..10 {
        start(&engine, json!({"method": "sys.sleep", "params": {"ms": 60_000}}));
    }
    let started = Instant::now();
    engine.shutdown();
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "shutdown blocked for {:?}",
        started.elapsed()
    );
    assert_eq!(engine.start(r#"{"method":"sys.echo"}"#), Err(OpError::ShutDown));
    assert_eq!(engine.info().live_ops, 0);
    engine.shutdown(); // idempotent
}
