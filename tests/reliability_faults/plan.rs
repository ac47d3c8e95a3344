//! What goes wrong in one batch: a few fault rules drawn from the batch's seeded RNG. Storms hit
//! the activation requests; errors, cut-off and slow answers hit any Graph or ARM call, look-ups
//! included; lost answers hit the activation requests after the service has taken them.

use crate::sandbox::CLIENT_TIMEOUT;
use pimrust_emulator::FaultRule;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

/// A Graph activation request (directory roles and groups), and an ARM one (named by the client).
const GRAPH_CREATE: (&str, &str) = ("POST", "ScheduleRequests$");
const ARM_CREATE: (&str, &str) = ("PUT", "/roleAssignmentScheduleRequests/[^/]+$");

fn rule(value: Value) -> FaultRule {
    serde_json::from_value(value).unwrap()
}

fn on_creates(fields: Value) -> Vec<FaultRule> {
    [GRAPH_CREATE, ARM_CREATE]
        .into_iter()
        .map(|(method, regex)| {
            let mut value = json!({"method": method, "pathRegex": regex});
            value
                .as_object_mut()
                .unwrap()
                .extend(fields.as_object().unwrap().clone());
            rule(value)
        })
        .collect()
}

fn on_surfaces(rng: &mut StdRng, fields: Value) -> Vec<FaultRule> {
    let surfaces: &[&str] = match rng.random_range(0..3) {
        0 => &["graph"],
        1 => &["arm"],
        _ => &["graph", "arm"],
    };
    surfaces
        .iter()
        .map(|surface| {
            let mut value = json!({"surface": surface});
            value
                .as_object_mut()
                .unwrap()
                .extend(fields.as_object().unwrap().clone());
            rule(value)
        })
        .collect()
}

/// The rules of one batch: at least one kind of fault, often several at once.
pub fn draw(rng: &mut StdRng) -> Vec<FaultRule> {
    let mut rules = Vec::new();
    while rules.is_empty() {
        if rng.random_bool(0.35) {
            // A storm: the first few activation requests are throttled. Sometimes it outlasts the
            // retries (those roles then fail as throttled, never half-sent).
            let first_n = if rng.random_bool(0.1) {
                rng.random_range(5..=7)
            } else {
                rng.random_range(1..=4)
            };
            let retry_after = if rng.random_bool(0.5) { 1 } else { 0 };
            rules.extend(on_creates(json!({
                "id": "throttled", "status": 429, "firstN": first_n, "retryAfterSec": retry_after,
                "retryAfterHttpDate": rng.random_bool(0.5),
            })));
        }
        if rng.random_bool(0.4) {
            let status = [500, 502, 503, 504][rng.random_range(0..4)];
            let html = rng.random_bool(0.4);
            let id = if html { "html-error-page" } else { "server-error" };
            rules.extend(on_surfaces(
                rng,
                json!({"id": id, "status": status, "htmlError": html, "probability": 0.12}),
            ));
        }
        if rng.random_bool(0.45) {
            rules.extend(on_creates(
                json!({"id": "dropped-after-accept", "dropAfterAction": true, "probability": 0.3}),
            ));
        }
        if rng.random_bool(0.2) {
            let past_timeout = CLIENT_TIMEOUT.as_millis() as u64 + 200;
            if rng.random_bool(0.5) {
                rules.extend(on_surfaces(
                    rng,
                    json!({"id": "slow", "latencyMs": past_timeout, "probability": 0.08}),
                ));
            } else {
                rules.extend(on_creates(
                    json!({"id": "slow", "slowBodyMs": past_timeout, "probability": 0.2}),
                ));
            }
        }
        if rng.random_bool(0.3) {
            rules.extend(on_surfaces(
                rng,
                json!({"id": "truncated", "truncateBody": true, "probability": 0.12}),
            ));
        }
    }
    rules
}
