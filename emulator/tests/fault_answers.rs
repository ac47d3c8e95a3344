//! The faults that spoil an answer: `Retry-After` as a date, gateway HTML pages, bodies cut short,
//! replaced bodies; rules that fire by chance; and what the request log keeps of them.
mod common;
use common::*;

use pimrust_emulator::FaultRule;
use serde_json::json;

fn rule(value: serde_json::Value) -> FaultRule {
    serde_json::from_value(value).unwrap()
}

#[tokio::test]
async fn retry_after_as_a_date_and_html_error_pages() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    emu.set_faults(vec![rule(json!({
        "surface": "graph", "firstN": 1, "status": 429, "retryAfterSec": 2, "retryAfterHttpDate": true
    }))])
    .unwrap();
    let r = get(&g(&emu, DIR_ELIG_MINE), &tok).await;
    assert_eq!(r.status, 429);
    let header = r.headers["retry-after"].to_str().unwrap();
    let at = chrono::DateTime::parse_from_rfc2822(header).unwrap();
    let ahead = at.to_utc() - chrono::Utc::now();
    assert!(
        ahead <= chrono::Duration::seconds(2) && ahead > chrono::Duration::zero(),
        "{header}"
    );
    let logged = emu.request_log().pop().unwrap();
    assert_eq!(logged.retry_after.as_deref(), Some(header));
    assert!(!logged.received_at.is_empty() && logged.received_at <= logged.time);

    emu.set_faults(vec![rule(
        json!({"surface": "graph", "firstN": 1, "status": 502, "htmlError": true}),
    )])
    .unwrap();
    let r = get(&g(&emu, DIR_ELIG_MINE), &tok).await;
    assert_eq!(r.status, 502);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.text.contains("<h1>502 Bad Gateway</h1>"), "{}", r.text);
}

#[tokio::test]
async fn a_truncated_body_breaks_off_short_of_its_length() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    emu.set_faults(vec![rule(
        json!({"surface": "graph", "firstN": 1, "truncateBody": true}),
    )])
    .unwrap();
    let response = client()
        .get(g(&emu, DIR_ELIG_MINE))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.is_err(), "the body breaks off");
    assert_eq!(
        get(&g(&emu, DIR_ELIG_MINE), &tok).await.status,
        200,
        "the next answer is whole"
    );
}

#[tokio::test]
async fn a_replaced_body_follows_the_real_processing() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    emu.set_faults(vec![rule(
        json!({"method": "GET", "firstN": 1, "replaceBody": "{\"value\": ["}),
    )])
    .unwrap();
    let r = get(&g(&emu, DIR_ELIG_MINE), &tok).await;
    assert_eq!((r.status, r.text.as_str()), (200, "{\"value\": ["));
}

#[tokio::test]
async fn probability_draws_from_the_seed() {
    let fired = |seed: u64| async move {
        let options = pimrust_emulator::StartOptions {
            seed: Some(seed),
            ..Default::default()
        };
        let emu = pimrust_emulator::start(pimrust_emulator::Scenario::minimal(), options)
            .await
            .unwrap();
        let tok = graph_token(&emu);
        emu.set_faults(vec![rule(
            json!({"surface": "graph", "status": 500, "probability": 0.5}),
        )])
        .unwrap();
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(get(&g(&emu, "me"), &tok).await.status);
        }
        statuses
    };
    let first = fired(7).await;
    assert_eq!(first, fired(7).await, "the same seed, the same faults");
    let failures = first.iter().filter(|s| **s == 500).count();
    assert!((3..=17).contains(&failures), "{first:?}");
    assert!(emu_rejects(json!({"status": 500, "probability": 1.5})));
}

fn emu_rejects(value: serde_json::Value) -> bool {
    rule(value).validate().is_err()
}
