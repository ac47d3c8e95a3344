//! Activations that start later: reported as `Scheduled` with their start, final-for-now when waited
//! on, and attached to (with the request id) when the role is activated or validated again.

mod support;

use chrono::{DateTime, Utc};
use pimrust_core::pim::activate::ActivateParams;
use pimrust_core::pim::wait::{self, WaitParams};
use serde_json::Value;
use std::time::{Duration, Instant};
use support::sandbox::*;

fn start_of(value: &Value) -> DateTime<Utc> {
    value["start"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .unwrap_or_else(|| panic!("no start in {value}"))
        .with_timezone(&Utc)
}

fn near(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_seconds().abs() < 60
}

#[tokio::test]
async fn a_future_start_is_scheduled_waited_on_at_once_and_attached_to_later() {
    // 0: the service answers Granted; 400 ms: PendingProvisioning first, as a real tenant may.
    for delay_ms in [0, 400] {
        let emulator = emulator(|scenario| scenario["settings"]["provisioningDelayMs"] = delay_ms.into()).await;
        let api = signed_in(&emulator).await;
        let roles = roles(&api).await;
        let names = ["Global Reader", "Contributor"];
        let start = Utc::now() + chrono::Duration::hours(2);
        let mut params = ActivateParams::new(pick(&roles, &names), Some("later"));
        params.start_at = Some(start);
        let outcomes = run(&api, params).await;
        for outcome in &outcomes {
            let value = serde_json::to_value(outcome).unwrap();
            assert_eq!(value["status"], "Scheduled", "delay {delay_ms}: {value}");
            assert!(near(start_of(&value), start), "{value}");
            assert!(outcome.request_id.is_some());
        }

        let requests = outcomes.iter().map(wait_target).collect();
        let began = Instant::now();
        let params = WaitParams {
            requests,
            timeout_sec: Some(4),
            interval_sec: Some(0.2),
        };
        let waited = wait::wait(&api, params).await.unwrap();
        assert!(began.elapsed() < Duration::from_secs(2), "took {:?}", began.elapsed());
        for result in &waited {
            let value = serde_json::to_value(result).unwrap();
            assert_eq!(value["status"], "Scheduled", "delay {delay_ms}: {value}");
            assert!(near(start_of(&value), start), "{value}");
        }

        let mut validate = ActivateParams::new(pick(&roles, &names), Some("check"));
        validate.validate_only = true;
        for (checked, first) in run(&api, validate).await.iter().zip(&outcomes) {
            let value = serde_json::to_value(checked).unwrap();
            assert_eq!(value["status"], "Scheduled", "delay {delay_ms}: {value}");
            assert_eq!(checked.request_id, first.request_id, "{value}");
        }
    }
}
