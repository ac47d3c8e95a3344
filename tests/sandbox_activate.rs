//! Activation and waiting against the sandbox emulator: mixed batches, policy failures, approvals,
//! provisioning, step-up, duplicates, validation-only, cancelling (faults: sandbox_faults.rs).

mod support;

use pimrust_core::pim::activate::ActivateParams;
use pimrust_core::pim::list::{self, ListOptions, PolicyCache};
use pimrust_core::pim::outcome::{ActivationOutcome, OutcomeStatus};
use pimrust_core::pim::wait::{self, WaitStatus, WaitTarget};
use pimrust_emulator::Decision;
use serde_json::json;
use support::sandbox::*;

fn by_name<'a>(outcomes: &'a [ActivationOutcome], name: &str) -> &'a ActivationOutcome {
    outcomes.iter().find(|o| o.role_name == name).unwrap()
}

#[tokio::test]
async fn a_mixed_batch_reports_every_role_and_partial_failure() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let roles = roles(&api).await;
    let targets = pick(
        &roles,
        &[
            "Global Reader",
            "Finance Approvers",
            "Contributor",
            "Privileged Role Administrator",
            "Reports Reader",
        ],
    );
    let outcomes = run(&api, ActivateParams::new(targets, Some("INC-1 mixed batch"))).await;
    assert_eq!(outcomes.len(), 5, "one outcome per input role");
    assert_eq!(by_name(&outcomes, "Global Reader").status, OutcomeStatus::Activated);
    assert_eq!(by_name(&outcomes, "Finance Approvers").status, OutcomeStatus::Activated);
    assert_eq!(by_name(&outcomes, "Contributor").status, OutcomeStatus::Activated);
    let pra = by_name(&outcomes, "Privileged Role Administrator");
    assert_eq!(pra.status, OutcomeStatus::Failed);
    assert_eq!(pra.error.as_ref().unwrap().code, "TicketRequired");
    assert_eq!(
        pra.error.as_ref().unwrap().error_id,
        "PimRust.PolicyViolation.TicketRequired"
    );
    assert_eq!(pra.error.as_ref().unwrap().category, "PermissionDenied");
    assert_eq!(
        by_name(&outcomes, "Reports Reader").status,
        OutcomeStatus::AlreadyActive
    );
    assert_eq!(
        creates(&emulator).len(),
        3,
        "pre-flight failures and active roles send nothing"
    );
    let sent = creates(&emulator);
    let graph_body = &sent.iter().find(|e| e.path.contains("roleManagement")).unwrap().body;
    assert_eq!(graph_body["action"], "selfActivate");
    assert_eq!(graph_body["scheduleInfo"]["expiration"]["type"], "afterDuration");
    let arm_body = &sent.iter().find(|e| e.method == "PUT").unwrap().body;
    assert_eq!(arm_body["properties"]["requestType"], "SelfActivate");
    assert!(arm_body["properties"]["linkedRoleEligibilityScheduleId"].is_string());

    let waited = wait_for(&api, &outcomes).await;
    assert!(waited.iter().all(|w| w.status == WaitStatus::Active), "{waited:?}");
}

#[tokio::test]
async fn policy_problems_are_caught_before_any_call() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let roles = roles(&api).await;
    let no_reason = run(&api, ActivateParams::new(pick(&roles, &["User Administrator"]), None)).await;
    assert_eq!(no_reason[0].error.as_ref().unwrap().code, "JustificationRequired");
    let mut too_long = ActivateParams::new(pick(&roles, &["User Administrator"]), Some("x"));
    too_long.duration = Some("PT8H".into());
    let outcome = &run(&api, too_long).await[0];
    let error = outcome.error.as_ref().unwrap();
    assert_eq!(error.code, "DurationTooLong");
    assert!(
        error.message == "the role may be active for at most 4h; 8h was requested",
        "{}",
        error.message
    );
    let mut max = ActivateParams::new(pick(&roles, &["User Administrator"]), Some("x"));
    max.duration = Some("Max".into());
    assert_eq!(run(&api, max).await[0].duration.as_deref(), Some("PT4H"));
    assert_eq!(creates(&emulator).len(), 1, "only the valid request was sent");
}

#[tokio::test]
async fn service_side_policy_failures_name_the_rules() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let mut target = pick(&roles(&api).await, &["User Administrator"]).remove(0);
    target.policy = Default::default(); // as if the policy could not be read: the service decides
    let mut params = ActivateParams::new(vec![target], None);
    params.duration = Some("PT8H".into());
    let outcome = &run(&api, params).await[0];
    let error = outcome.error.as_ref().unwrap();
    assert_eq!(error.code, "RoleAssignmentRequestPolicyValidationFailed");
    assert!(
        error.failed_rules.contains(&"ExpirationRule".to_string())
            && error.failed_rules.contains(&"JustificationRule".to_string()),
        "{error:?}"
    );
    assert!(
        error.message.contains("a justification is required"),
        "{}",
        error.message
    );
    assert!(
        !error.message.contains('-'),
        "no host parameter in a core message: {}",
        error.message
    );
}

#[tokio::test]
async fn approvals_are_waited_for_and_denials_reported() {
    let emulator = emulator(|scenario| {
        for policy in scenario["policies"].as_array_mut().unwrap() {
            if policy["approval"].is_object() {
                policy["approval"]["autoDecisionAfterSec"] = serde_json::Value::Null;
            }
        }
    })
    .await;
    let api = signed_in(&emulator).await;
    let outcomes = run(
        &api,
        ActivateParams::new(
            pick(&roles(&api).await, &["Security Administrator"]),
            Some("needs approval"),
        ),
    )
    .await;
    assert_eq!(outcomes[0].status, OutcomeStatus::PendingApproval);
    let request_id = outcomes[0].request_id.clone().unwrap();
    let waiting = tokio::spawn({
        let (api, outcomes) = (api.clone(), outcomes.clone());
        async move { wait_for(&api, &outcomes).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    emulator.decide_approval(&request_id, Decision::Approve).unwrap();
    assert_eq!(waiting.await.unwrap()[0].status, WaitStatus::Active);

    // A denied request ends as Denied.
    let emulator = emulator_with_manual_approval().await;
    let api = signed_in(&emulator).await;
    let outcomes = run(
        &api,
        ActivateParams::new(
            pick(&roles(&api).await, &["Security Administrator"]),
            Some("will be denied"),
        ),
    )
    .await;
    emulator
        .decide_approval(outcomes[0].request_id.as_ref().unwrap(), Decision::Deny)
        .unwrap();
    assert_eq!(wait_for(&api, &outcomes).await[0].status, WaitStatus::Denied);
}

#[tokio::test]
async fn provisioning_delay_is_waited_out_until_the_instance_is_visible() {
    let emulator = emulator(|scenario| scenario["settings"]["provisioningDelayMs"] = 600.into()).await;
    let api = signed_in(&emulator).await;
    let outcomes = run(
        &api,
        ActivateParams::new(pick(&roles(&api).await, &["Global Reader"]), Some("x")),
    )
    .await;
    assert_eq!(outcomes[0].status, OutcomeStatus::PendingProvisioning);
    let waited = wait_for(&api, &outcomes).await;
    assert_eq!(waited[0].status, WaitStatus::Active);
    assert!(waited[0].active_until.is_some());
}

#[tokio::test]
async fn an_authentication_context_role_steps_up_once() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let outcomes = run(
        &api,
        ActivateParams::new(pick(&roles(&api).await, &["Exchange Administrator"]), Some("needs c1")),
    )
    .await;
    assert_eq!(outcomes[0].status, OutcomeStatus::Activated, "{:?}", outcomes[0].error);
    let create = creates(&emulator).remove(0);
    let headers = serde_json::Value::Object(create.headers.clone()).to_string();
    assert!(
        headers.contains("c1"),
        "the request carried a token with acrs c1: {headers}"
    );
    assert_eq!(creates(&emulator).len(), 1);
}

#[tokio::test]
async fn duplicates_are_submitted_once_and_repeats_report_already_active() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let roles = roles(&api).await;
    let targets = pick(
        &roles,
        &["Global Reader", "Global Reader", "Contributor", "Contributor"],
    );
    let outcomes = run(&api, ActivateParams::new(targets.clone(), Some("dup"))).await;
    assert_eq!(outcomes.len(), 4);
    assert_eq!(creates(&emulator).len(), 2, "one request per role");
    assert!(outcomes[1].warnings.iter().any(|w| w.contains("more than once")));
    // The same (now stale) objects again: the service says it exists, nothing is activated twice.
    let again = run(&api, ActivateParams::new(targets, Some("dup"))).await;
    assert!(
        again.iter().all(|o| o.status == OutcomeStatus::AlreadyActive),
        "{again:?}"
    );
}

#[tokio::test]
async fn validation_only_activates_nothing() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let roles = roles(&api).await;
    let mut params = ActivateParams::new(pick(&roles, &["Global Reader", "Contributor"]), Some("check"));
    params.validate_only = true;
    let outcomes = run(&api, params).await;
    assert!(
        outcomes.iter().all(|o| o.status == OutcomeStatus::Validated),
        "{outcomes:?}"
    );
    let sent = creates(&emulator);
    assert!(
        sent.iter()
            .filter(|e| e.method == "POST" && e.path.ends_with("ScheduleRequests"))
            .all(|e| e.body["isValidationOnly"] == true)
    );
    assert!(
        emulator.request_log().iter().any(|e| e.path.ends_with("/validate")),
        "ARM validates through /validate"
    );
    let after = list::eligible(&api, &PolicyCache::default(), &ListOptions::default())
        .await
        .unwrap();
    assert!(
        after
            .roles
            .iter()
            .filter(|r| r.role_name == "Global Reader" || r.role_name == "Contributor")
            .all(|r| r.status != pimrust_core::pim::model::RoleStatus::Active)
    );
}

#[tokio::test]
async fn a_pending_request_can_be_cancelled() {
    let emulator = emulator_with_manual_approval().await;
    let api = signed_in(&emulator).await;
    let outcomes = run(
        &api,
        ActivateParams::new(pick(&roles(&api).await, &["Security Administrator"]), Some("cancel me")),
    )
    .await;
    let request_id = outcomes[0].request_id.clone().unwrap();
    let target = WaitTarget {
        request_id: request_id.clone(),
        kind: outcomes[0].kind,
        key: outcomes[0].key.clone(),
        role_name: outcomes[0].role_name.clone(),
        deactivate: false,
    };
    let report = wait::cancel(&api, wait::CancelParams { requests: vec![target] })
        .await
        .unwrap();
    assert_eq!(report["cancelled"], json!([request_id]));
    assert_eq!(wait_for(&api, &outcomes).await[0].status, WaitStatus::Canceled);
}

#[tokio::test]
async fn a_role_waiting_for_approval_lists_as_pending_activation() {
    let emulator = emulator_with_manual_approval().await;
    let api = signed_in(&emulator).await;
    run(
        &api,
        ActivateParams::new(pick(&roles(&api).await, &["Security Administrator"]), Some("pending")),
    )
    .await;
    let listed = roles(&api).await;
    let security = listed.iter().find(|r| r.role_name == "Security Administrator").unwrap();
    assert_eq!(security.status, pimrust_core::pim::model::RoleStatus::PendingActivation);
    assert!(
        listed
            .iter()
            .filter(|r| r.role_name != "Security Administrator")
            .all(|r| r.status != pimrust_core::pim::model::RoleStatus::PendingActivation)
    );
}

#[tokio::test]
async fn justification_and_ticket_reach_the_request_bodies() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let roles = roles(&api).await;
    let mut params = ActivateParams::new(
        pick(&roles, &["Global Reader", "Finance Approvers", "Contributor"]),
        Some("INC-42 checking the bodies"),
    );
    params.ticket_number = Some("CHG-7".into());
    params.ticket_system = Some("ServiceNow".into());
    let outcomes = run(&api, params).await;
    assert!(
        outcomes.iter().all(|o| o.status == OutcomeStatus::Activated),
        "{outcomes:?}"
    );

    let sent = creates(&emulator);
    let graph: Vec<&serde_json::Value> = sent.iter().filter(|e| e.method == "POST").map(|e| &e.body).collect();
    assert_eq!(
        graph.len(),
        2,
        "one Graph request per directory role and group: {sent:?}"
    );
    for body in graph {
        assert_eq!(body["justification"], "INC-42 checking the bodies", "{body}");
        assert_eq!(
            body["ticketInfo"],
            json!({"ticketNumber": "CHG-7", "ticketSystem": "ServiceNow"}),
            "{body}"
        );
    }
    let arm: Vec<&serde_json::Value> = sent.iter().filter(|e| e.method == "PUT").map(|e| &e.body).collect();
    assert_eq!(arm.len(), 1, "{sent:?}");
    assert_eq!(
        arm[0]["properties"]["justification"], "INC-42 checking the bodies",
        "{}",
        arm[0]
    );
    assert_eq!(
        arm[0]["properties"]["ticketInfo"],
        json!({"ticketNumber": "CHG-7", "ticketSystem": "ServiceNow"}),
        "{}",
        arm[0]
    );
}
