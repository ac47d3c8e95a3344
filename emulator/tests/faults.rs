//! Fault/latency injection, claims challenges and the request log.
mod common;
use common::*;

use pimrust_emulator::{FaultRule, Scenario, StartOptions, Surface, start};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn throttling_429_n_times_then_success() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let r = send(client().put(format!("{}/_emulator/faults", emu.base_url())).json(&json!({"rules": [
        {"id": "throttle", "method": "GET", "pathPrefix": "/graph/v1.0/roleManagement", "firstN": 2, "status": 429, "retryAfterSec": 1}
    ]}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let url = g(&emu, DIR_ELIG_MINE);
    for _ in 0..2 {
        let r = get(&url, &tok).await;
        graph_err(&r, 429, "TooManyRequests");
        assert_eq!(r.headers["retry-after"], "1");
    }
    assert_eq!(get(&url, &tok).await.status, 200);
    // ARM envelope for injected errors.
    emu.set_faults(vec![FaultRule {
        surface: Some(Surface::Arm),
        status: Some(429),
        retry_after_sec: Some(3),
        first_n: Some(1),
        ..Default::default()
    }])
    .unwrap();
    let r = get(
        &arm(
            &emu,
            "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?$filter=asTarget()",
        ),
        &arm_token(&emu),
    )
    .await;
    arm_err(&r, 429, "TooManyRequests");
    assert_eq!(r.headers["retry-after"], "3");
    assert!(r.body["error"].get("innerError").is_none());
}

#[tokio::test]
async fn burst_503_and_every_kth_500() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    emu.set_faults(vec![FaultRule {
        path_regex: Some("^/graph/v1\\.0/me$".into()),
        first_n: Some(3),
        status: Some(503),
        ..Default::default()
    }])
    .unwrap();
    let url = g(&emu, "me");
    let mut statuses = vec![];
    for _ in 0..5 {
        statuses.push(get(&url, &tok).await.status);
    }
    assert_eq!(statuses, vec![503, 503, 503, 200, 200]);
    emu.set_faults(vec![FaultRule {
        every_kth: Some(2),
        status: Some(500),
        surface: Some(Surface::Graph),
        ..Default::default()
    }])
    .unwrap();
    let mut statuses = vec![];
    for _ in 0..4 {
        statuses.push(get(&url, &tok).await.status);
    }
    assert_eq!(statuses, vec![200, 500, 200, 500]);
    // Login surface faults use the Entra format.
    emu.set_faults(vec![FaultRule {
        surface: Some(Surface::Login),
        status: Some(503),
        ..Default::default()
    }])
    .unwrap();
    let r = send(
        client()
            .post(format!("{}/{TENANT}/oauth2/v2.0/token", emu.base_url()))
            .form(&[("grant_type", "refresh_token")]),
    )
    .await;
    assert_eq!(r.status, 503);
    assert!(r.body["error"].is_string() && r.body["error_codes"].is_array());
}

#[tokio::test]
async fn dropped_connection_and_drop_after_action() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    emu.set_faults(vec![FaultRule {
        method: Some("POST".into()),
        path_prefix: Some("/graph/v1.0/roleManagement".into()),
        first_n: Some(1),
        drop_connection: true,
        ..Default::default()
    }])
    .unwrap();
    let err = client()
        .post(g(&emu, DIR_REQUESTS))
        .bearer_auth(&tok)
        .json(&activate_body(GLOBAL_READER, "PT1H", Some("x")))
        .send()
        .await;
    assert!(err.is_err(), "connection dropped: {err:?}");
    assert!(
        get(&g(&emu, DIR_ACTIVE_MINE), &tok).await.body["value"]
            .as_array()
            .unwrap()
            .is_empty(),
        "no state change"
    );
    // dropAfterAction: state changes, client gets no response.
    emu.set_faults(vec![FaultRule {
        method: Some("POST".into()),
        path_prefix: Some("/graph/v1.0/roleManagement".into()),
        first_n: Some(1),
        drop_after_action: true,
        ..Default::default()
    }])
    .unwrap();
    let err = client()
        .post(g(&emu, DIR_REQUESTS))
        .bearer_auth(&tok)
        .json(&activate_body(GLOBAL_READER, "PT1H", Some("x")))
        .send()
        .await;
    assert!(err.is_err());
    assert_eq!(
        get(&g(&emu, DIR_ACTIVE_MINE), &tok).await.body["value"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "activation happened"
    );
    // The retry now sees RoleAssignmentExists.
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(GLOBAL_READER, "PT1H", Some("x")),
    )
    .await;
    graph_err(&r, 400, "RoleAssignmentExists");
    let log = emu.request_log();
    assert!(
        log.iter()
            .any(|e| e.fault.as_ref().is_some_and(|f| f.drop_after_action) && e.status == 201)
    );
}

#[tokio::test]
async fn latency_slow_body_and_jitter_determinism() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    emu.set_faults(vec![FaultRule {
        path_prefix: Some("/graph/v1.0/me".into()),
        latency_ms: 150,
        ..Default::default()
    }])
    .unwrap();
    let t = Instant::now();
    assert_eq!(get(&g(&emu, "me"), &tok).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150), "{:?}", t.elapsed());
    emu.set_faults(vec![FaultRule {
        path_prefix: Some("/graph/v1.0/me".into()),
        slow_body_ms: 200,
        ..Default::default()
    }])
    .unwrap();
    let t = Instant::now();
    let r = get(&g(&emu, "me"), &tok).await;
    assert_eq!(r.body["id"], ALICE, "slow body still complete");
    assert!(t.elapsed() >= Duration::from_millis(150), "{:?}", t.elapsed());

    async fn jitters(seed: u64) -> Vec<u64> {
        let emu = start(
            Scenario::minimal(),
            StartOptions {
                seed: Some(seed),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        emu.set_faults(vec![FaultRule {
            surface: Some(Surface::Graph),
            jitter_ms: 20,
            ..Default::default()
        }])
        .unwrap();
        let tok = graph_token(&emu);
        for _ in 0..5 {
            get(&g(&emu, "me"), &tok).await;
        }
        emu.request_log()
            .iter()
            .map(|e| e.fault.as_ref().map(|f| f.latency_ms).unwrap_or(0))
            .collect()
    }
    let a = jitters(7).await;
    let b = jitters(7).await;
    let c = jitters(8).await;
    assert_eq!(a.len(), 5);
    assert_eq!(a, b, "same seed, same jitter");
    assert!(a.iter().all(|l| *l <= 20));
    assert_ne!(a, c, "different seed, different jitter");
}

#[tokio::test]
async fn claims_challenge_401_www_authenticate() {
    let emu = start_minimal().await;
    emu.set_faults(vec![FaultRule {
        surface: Some(Surface::Graph),
        claims_challenge_acrs: Some("c2".into()),
        ..Default::default()
    }])
    .unwrap();
    let r = get(&g(&emu, "me"), &graph_token(&emu)).await;
    assert_eq!(r.status, 401);
    let h = r.headers["www-authenticate"].to_str().unwrap().to_string();
    assert!(h.contains("error=\"insufficient_claims\""), "{h}");
    let b64 = h.split("claims=\"").nth(1).unwrap().trim_end_matches('"');
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
    assert_eq!(v["access_token"]["acrs"]["value"], "c2");
    let mut spec = pimrust_emulator::TokenSpec::new(pimrust_emulator::Resource::Graph);
    spec.acrs = vec!["c2".into()];
    assert_eq!(get(&g(&emu, "me"), &emu.issue_token(&spec).unwrap()).await.status, 200);
}

#[tokio::test]
async fn scenario_faults_and_invalid_rules() {
    let mut s = Scenario::minimal();
    s.faults = vec![FaultRule {
        path_prefix: Some("/graph".into()),
        first_n: Some(1),
        status: Some(503),
        ..Default::default()
    }];
    let emu = start_with(s).await;
    assert_eq!(get(&g(&emu, "me"), &graph_token(&emu)).await.status, 503);
    assert_eq!(get(&g(&emu, "me"), &graph_token(&emu)).await.status, 200);
    let r = send(
        client()
            .put(format!("{}/_emulator/faults", emu.base_url()))
            .json(&json!({"rules": [{"pathRegex": "("}]})),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = send(
        client()
            .put(format!("{}/_emulator/faults", emu.base_url()))
            .json(&json!({"rules": [{"statsu": 500}]})),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("statsu"), "{}", r.text);
    let r = send(client().get(format!("{}/_emulator/faults", emu.base_url()))).await;
    assert_eq!(r.body["rules"].as_array().unwrap().len(), 1);
    // A bare array is accepted too; DELETE clears.
    let r = send(
        client()
            .put(format!("{}/_emulator/faults", emu.base_url()))
            .json(&json!([{"surface": "arm", "status": 500}, {"method": "GET", "latencyMs": 1}])),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(emu.faults().len(), 2);
    let r = send(client().delete(format!("{}/_emulator/faults", emu.base_url()))).await;
    assert_eq!(r.status, 204);
    assert!(emu.faults().is_empty());
}

#[tokio::test]
async fn request_log_contents_without_raw_tokens() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let r = send(
        client()
            .post(g(&emu, DIR_REQUESTS))
            .bearer_auth(&tok)
            .header("client-request-id", "abc-123")
            .json(&activate_body(GLOBAL_READER, "PT1H", Some("log me"))),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.headers["client-request-id"], "abc-123");
    // A token request with secrets in the form.
    send(
        client()
            .post(format!("{}/{TENANT}/oauth2/v2.0/token", emu.base_url()))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", "c"),
                ("refresh_token", "super-secret-rt"),
            ]),
    )
    .await;
    let r = send(client().get(format!("{}/_emulator/requests", emu.base_url()))).await;
    let text = r.text.clone();
    assert!(!text.contains(&tok), "raw access token leaked");
    assert!(!text.contains("super-secret-rt"), "refresh token leaked");
    let log = r.body["value"].as_array().unwrap();
    assert_eq!(log.len(), 2, "control calls are not logged");
    let e = &log[0];
    assert_eq!(e["method"], "POST");
    assert_eq!(
        e["path"],
        "/graph/v1.0/roleManagement/directory/roleAssignmentScheduleRequests"
    );
    assert_eq!(e["status"], 201);
    assert_eq!(e["surface"], "graph");
    assert_eq!(e["body"]["justification"], "log me");
    assert_eq!(e["headers"]["authorization"]["oid"], ALICE);
    assert_eq!(e["headers"]["authorization"]["aud"], "https://graph.microsoft.com");
    assert_eq!(e["headers"]["client-request-id"], "abc-123");
    assert_eq!(log[1]["body"]["refresh_token"], "<redacted>");
    assert_eq!(log[1]["errorCode"], "invalid_grant");
    // Typed in-process access and clearing.
    assert_eq!(emu.request_log().len(), 2);
    let r = send(client().delete(format!("{}/_emulator/requests", emu.base_url()))).await;
    assert_eq!(r.status, 204);
    assert!(emu.request_log().is_empty());
    let r = send(client().get(format!("{}/_emulator/state", emu.base_url()))).await;
    assert!(r.body["requests"].as_array().unwrap().len() == 1);
}
