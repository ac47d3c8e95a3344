//! Activation against a sandbox that fails: 429 storms and answers lost after the service acted. Each
//! role still gets exactly one accepted request.

mod support;

use pimrust_core::pim::activate::ActivateParams;
use pimrust_core::pim::outcome::OutcomeStatus;
use pimrust_emulator::FaultRule;
use serde_json::json;
use support::sandbox::*;

#[tokio::test]
async fn a_429_storm_during_a_batch_still_sends_one_request_per_role() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let roles = roles(&api).await;
    let rule: FaultRule = serde_json::from_value(
        json!({"method": "POST", "pathRegex": "ScheduleRequests$", "firstN": 4, "status": 429, "retryAfterSec": 0}),
    )
    .unwrap();
    emulator.set_faults(vec![rule]).unwrap();
    emulator.clear_request_log();
    let outcomes = run(
        &api,
        ActivateParams::new(
            pick(&roles, &["Global Reader", "User Administrator", "Finance Approvers"]),
            Some("storm"),
        ),
    )
    .await;
    assert!(
        outcomes.iter().all(|o| o.status == OutcomeStatus::Activated),
        "{outcomes:?}"
    );
    let accepted = creates(&emulator).into_iter().filter(|e| e.status == 201).count();
    assert_eq!(accepted, 3, "exactly one accepted request per role");
}

#[tokio::test]
async fn a_lost_answer_is_looked_up_instead_of_resent() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let roles = roles(&api).await;
    let rule: FaultRule = serde_json::from_value(
        json!({"method": "POST", "pathRegex": "ScheduleRequests$", "firstN": 1, "dropAfterAction": true}),
    )
    .unwrap();
    let arm_rule: FaultRule = serde_json::from_value(
        json!({"method": "PUT", "pathRegex": "roleAssignmentScheduleRequests/", "firstN": 1, "dropAfterAction": true}),
    )
    .unwrap();
    emulator.set_faults(vec![rule, arm_rule]).unwrap();
    let outcomes = run(
        &api,
        ActivateParams::new(pick(&roles, &["Global Reader", "Contributor"]), Some("lost")),
    )
    .await;
    assert!(
        outcomes.iter().all(|o| o.status == OutcomeStatus::Activated),
        "{outcomes:?}"
    );
    let sent = creates(&emulator);
    assert_eq!(
        sent.iter().filter(|e| e.method == "POST").count(),
        1,
        "the Graph request was not sent a second time"
    );
    assert_eq!(
        sent.iter().filter(|e| e.method == "PUT").count(),
        1,
        "the ARM request was read back, not sent again"
    );
}
