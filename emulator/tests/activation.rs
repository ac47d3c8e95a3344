//! Graph activation / deactivation: success shapes, every error, status transitions.
mod common;
use common::*;

use pimrust_emulator::{Decision, Resource, Scenario, TokenSpec};
use serde_json::{Value, json};
use std::time::Duration;

async fn active_roles(emu: &pimrust_emulator::RunningEmulator, tok: &str) -> Vec<Value> {
    get(&g(emu, DIR_ACTIVE_MINE), tok).await.body["value"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn self_activate_success_shape_and_instance() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(GLOBAL_READER, "PT1H", Some("Need to read")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let b = &r.body;
    for k in [
        "@odata.context",
        "id",
        "status",
        "createdDateTime",
        "completedDateTime",
        "approvalId",
        "action",
        "principalId",
        "roleDefinitionId",
        "directoryScopeId",
        "appScopeId",
        "isValidationOnly",
        "targetScheduleId",
        "justification",
        "createdBy",
        "scheduleInfo",
        "ticketInfo",
        "customData",
    ] {
        assert!(b.get(k).is_some(), "missing {k}: {b}");
    }
    assert!(
        b["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#roleManagement/directory/roleAssignmentScheduleRequests/$entity")
    );
    assert_eq!(b["status"], "Provisioned");
    assert_eq!(b["action"], "selfActivate");
    assert_eq!(b["isValidationOnly"], false);
    assert_eq!(b["createdBy"]["user"]["id"], ALICE);
    assert_eq!(
        b["scheduleInfo"]["expiration"],
        json!({"type": "afterDuration", "endDateTime": null, "duration": "PT1H"})
    );
    assert_eq!(b["ticketInfo"], json!({"ticketNumber": null, "ticketSystem": null}));
    let active = active_roles(&emu, &tok).await;
    assert_eq!(active.len(), 1);
    let a = &active[0];
    assert_eq!(a["assignmentType"], "Activated");
    assert_eq!(a["memberType"], "Direct");
    assert_eq!(a["roleDefinitionId"], GLOBAL_READER);
    let start = chrono::DateTime::parse_from_rfc3339(a["startDateTime"].as_str().unwrap()).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339(a["endDateTime"].as_str().unwrap()).unwrap();
    assert_eq!((end - start).num_minutes(), 60);
    // GET by id and list mine with $filter.
    let id = b["id"].as_str().unwrap();
    let r = get(
        &g(
            &emu,
            &format!("{DIR_REQUESTS}/{id}?$expand=roleDefinition,activatedUsing,targetSchedule"),
        ),
        &tok,
    )
    .await;
    assert_eq!(r.body["status"], "Provisioned");
    assert_eq!(r.body["roleDefinition"]["displayName"], "Global Reader");
    assert_eq!(r.body["activatedUsing"]["roleDefinitionId"], GLOBAL_READER);
    assert_eq!(r.body["targetSchedule"]["id"], b["targetScheduleId"]);
    let r = get(
        &format!(
            "{}?$filter=status eq 'Provisioned'",
            g(&emu, &format!("{DIR_REQUESTS}/filterByCurrentUser(on='principal')"))
        ),
        &tok,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    let r = get(
        &format!(
            "{}?$filter=status eq 'PendingApproval'",
            g(&emu, &format!("{DIR_REQUESTS}/filterByCurrentUser(on='principal')"))
        ),
        &tok,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 0);
    // Already active.
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(GLOBAL_READER, "PT1H", Some("again")),
    )
    .await;
    assert_eq!(
        graph_err(&r, 400, "RoleAssignmentExists"),
        "The Role assignment already exists."
    );
    // Expansion of activatedUsing links back to the eligibility.
    let r = get(
        &format!("{}?$expand=activatedUsing,roleDefinition", g(&emu, DIR_ACTIVE_MINE)),
        &tok,
    )
    .await;
    assert_eq!(r.body["value"][0]["activatedUsing"]["roleDefinitionId"], GLOBAL_READER);
}

#[tokio::test]
async fn casing_and_policy_rule_failures() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    // PascalCase accepted, camelCase echoed.
    let mut b = activate_body(GLOBAL_READER, "PT30M", Some("x"));
    b["action"] = json!("SelfActivate");
    b["scheduleInfo"]["expiration"]["type"] = json!("AfterDuration");
    b["isValidationOnly"] = json!(true);
    let r = post(&g(&emu, DIR_REQUESTS), &tok, &b).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["action"], "selfActivate");
    assert_eq!(r.body["scheduleInfo"]["expiration"]["type"], "afterDuration");
    assert_eq!(r.body["isValidationOnly"], true);
    assert!(
        active_roles(&emu, &tok).await.is_empty(),
        "validation only creates nothing"
    );
    let r = get(
        &g(&emu, &format!("{DIR_REQUESTS}/filterByCurrentUser(on='principal')")),
        &tok,
    )
    .await;
    assert!(r.body["value"].as_array().unwrap().is_empty());

    // Expiration + justification together.
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(GLOBAL_READER, "PT3H", None),
    )
    .await;
    let msg = graph_err(&r, 400, "RoleAssignmentRequestPolicyValidationFailed");
    assert_eq!(
        msg,
        r#"The following policy rules failed: ["ExpirationRule","JustificationRule"]"#
    );
    // Validation-only reports the same failure.
    let mut b = activate_body(GLOBAL_READER, "PT3H", None);
    b["isValidationOnly"] = json!(true);
    graph_err(
        &post(&g(&emu, DIR_REQUESTS), &tok, &b).await,
        400,
        "RoleAssignmentRequestPolicyValidationFailed",
    );
    // Ticketing.
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(PRIV_ROLE_ADMIN, "PT1H", Some("x")),
    )
    .await;
    assert_eq!(
        graph_err(&r, 400, "RoleAssignmentRequestPolicyValidationFailed"),
        r#"The following policy rules failed: ["TicketingRule"]"#
    );
    let mut b = activate_body(PRIV_ROLE_ADMIN, "PT1H", Some("x"));
    b["ticketInfo"] = json!({"ticketNumber": "INC-1", "ticketSystem": "ServiceNow"});
    let r = post(&g(&emu, DIR_REQUESTS), &tok, &b).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["ticketInfo"]["ticketNumber"], "INC-1");
    // Eligibility.
    let mut b = activate_body("62e90394-69f5-4237-9190-012177145e10", "PT1H", Some("x"));
    b["directoryScopeId"] = json!("/");
    let r = post(&g(&emu, DIR_REQUESTS), &tok, &b).await;
    assert_eq!(
        graph_err(&r, 400, "RoleAssignmentRequestPolicyValidationFailed"),
        r#"The following policy rules failed: ["EligibilityRule"]"#
    );
    // Bad durations and enums.
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(GLOBAL_READER, "8 hours", Some("x")),
    )
    .await;
    assert!(graph_err(&r, 400, "BadRequest").contains("ISO 8601"));
    let mut b = activate_body(GLOBAL_READER, "PT1H", Some("x"));
    b["action"] = json!("selfDestruct");
    graph_err(&post(&g(&emu, DIR_REQUESTS), &tok, &b).await, 400, "BadRequest");
    // Other principal.
    let mut b = activate_body(GLOBAL_READER, "PT1H", Some("x"));
    b["principalId"] = json!(BOB);
    graph_err(
        &post(&g(&emu, DIR_REQUESTS), &tok, &b).await,
        403,
        "Authorization_RequestDenied",
    );
}

#[tokio::test]
async fn mfa_rule_for_password_only_token() {
    let emu = start_minimal().await;
    let tok = token(&emu, BOB_UPN, Resource::Graph);
    let mut b = activate_body(GLOBAL_READER, "PT1H", Some("x"));
    b["principalId"] = json!(BOB);
    let r = post(&g(&emu, DIR_REQUESTS), &tok, &b).await;
    assert_eq!(
        graph_err(&r, 400, "RoleAssignmentRequestPolicyValidationFailed"),
        r#"The following policy rules failed: ["MfaRule"]"#
    );
    // A step-up token with amr mfa works.
    let mut spec = TokenSpec::new(Resource::Graph);
    spec.user = Some(BOB_UPN.into());
    spec.amr = Some(vec!["pwd".into(), "mfa".into()]);
    let r = post(&g(&emu, DIR_REQUESTS), &emu.issue_token(&spec).unwrap(), &b).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn acrs_claims_challenge_message_is_url_encoded() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(EXCHANGE_ADMIN, "PT1H", None),
    )
    .await;
    let msg = graph_err(&r, 400, "RoleAssignmentRequestAcrsValidationFailed");
    let enc = msg.split("&claims=").nth(1).expect("&claims= in message");
    assert!(!enc.contains('{') && enc.contains("%7B"), "{enc}");
    let decoded = percent_encoding::percent_decode_str(enc).decode_utf8().unwrap();
    assert_eq!(decoded, r#"{"access_token":{"acrs":{"essential":true, "value":"c1"}}}"#);
    let v: Value = serde_json::from_str(&decoded).unwrap();
    assert_eq!(v["access_token"]["acrs"]["value"], "c1");
    let mut spec = TokenSpec::new(Resource::Graph);
    spec.acrs = vec!["c1".into()];
    spec.xms_cc = vec!["cp1".into()];
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &emu.issue_token(&spec).unwrap(),
        &activate_body(EXCHANGE_ADMIN, "PT1H", None),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn require_cp1_setting_rejects_acrs_without_cp1() {
    let mut s = Scenario::minimal();
    s.settings.require_cp1_for_acrs = true;
    let emu = start_with(s).await;
    let mut spec = TokenSpec::new(Resource::Graph);
    spec.acrs = vec!["c1".into()];
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &emu.issue_token(&spec).unwrap(),
        &activate_body(EXCHANGE_ADMIN, "PT1H", None),
    )
    .await;
    graph_err(&r, 400, "RoleAssignmentRequestAcrsValidationFailed");
}

#[tokio::test]
async fn approval_approve_deny_cancel_pending() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(SECURITY_ADMIN, "PT2H", Some("x")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "PendingApproval");
    assert!(r.body["approvalId"].is_string());
    assert!(r.body["completedDateTime"].is_null());
    let id = r.body["id"].as_str().unwrap().to_string();
    // A second request while pending.
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(SECURITY_ADMIN, "PT2H", Some("x")),
    )
    .await;
    graph_err(&r, 400, "PendingRoleAssignmentRequest");
    assert!(active_roles(&emu, &tok).await.is_empty());
    // Approve via the control endpoint.
    let r = send(client().get(format!("{}/_emulator/approvals", emu.base_url()))).await;
    assert_eq!(r.body["value"][0]["requestId"], id.as_str());
    let r = send(
        client()
            .post(format!("{}/_emulator/approvals/{id}", emu.base_url()))
            .json(&json!({"decision": "Approve"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        get(&g(&emu, &format!("{DIR_REQUESTS}/{id}")), &tok).await.body["status"],
        "Provisioned"
    );
    assert_eq!(active_roles(&emu, &tok).await.len(), 1);
    // Deny path (after deactivating would take 5 min, so use bob-free role: new scenario request on group? use deny on a fresh emulator).
    let emu2 = start_minimal().await;
    let tok2 = graph_token(&emu2);
    let r = post(
        &g(&emu2, DIR_REQUESTS),
        &tok2,
        &activate_body(SECURITY_ADMIN, "PT2H", Some("x")),
    )
    .await;
    let id2 = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(emu2.decide_approval(&id2, Decision::Deny).unwrap(), "Denied");
    assert_eq!(
        get(&g(&emu2, &format!("{DIR_REQUESTS}/{id2}")), &tok2).await.body["status"],
        "Denied"
    );
    assert!(emu2.decide_approval(&id2, Decision::Approve).is_err());
    // Cancel a pending request: 204, then Canceled; cancelling again → 400.
    let r = post(
        &g(&emu2, DIR_REQUESTS),
        &tok2,
        &activate_body(SECURITY_ADMIN, "PT2H", Some("x")),
    )
    .await;
    let id3 = r.body["id"].as_str().unwrap().to_string();
    let r = send(
        client()
            .post(g(&emu2, &format!("{DIR_REQUESTS}/{id3}/cancel")))
            .bearer_auth(&tok2),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(
        get(&g(&emu2, &format!("{DIR_REQUESTS}/{id3}")), &tok2).await.body["status"],
        "Canceled"
    );
    let r = send(
        client()
            .post(g(&emu2, &format!("{DIR_REQUESTS}/{id3}/cancel")))
            .bearer_auth(&tok2),
    )
    .await;
    graph_err(&r, 400, "BadRequest");
    let r = get(
        &g(&emu2, &format!("{DIR_REQUESTS}/00000000-0000-0000-0000-000000000000")),
        &tok2,
    )
    .await;
    graph_err(&r, 404, "ResourceNotFound");
}

#[tokio::test]
async fn auto_approval_and_provisioning_delay() {
    let mut s = Scenario::minimal();
    s.settings.provisioning_delay_ms = 300;
    for p in &mut s.policies {
        if p.directory_role_id.as_deref() == Some(SECURITY_ADMIN) {
            let a = p.approval.as_mut().unwrap();
            a.auto_decision = Some(Decision::Approve);
            a.auto_decision_after_sec = Some(0.2);
        }
    }
    let emu = start_with(s).await;
    let tok = graph_token(&emu);
    // No approval: PendingProvisioning, instance appears only after the delay.
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(GLOBAL_READER, "PT1H", Some("x")),
    )
    .await;
    assert_eq!(r.body["status"], "PendingProvisioning");
    let id = r.body["id"].as_str().unwrap().to_string();
    assert!(active_roles(&emu, &tok).await.is_empty());
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(
        get(&g(&emu, &format!("{DIR_REQUESTS}/{id}")), &tok).await.body["status"],
        "Provisioned"
    );
    assert_eq!(active_roles(&emu, &tok).await.len(), 1);
    // Approval auto-approved after 0.2 s, then provisioned after 0.3 s more.
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(SECURITY_ADMIN, "PT1H", Some("x")),
    )
    .await;
    assert_eq!(r.body["status"], "PendingApproval");
    let id = r.body["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(emu.request_status(&id).as_deref(), Some("PendingProvisioning"));
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(
        get(&g(&emu, &format!("{DIR_REQUESTS}/{id}")), &tok).await.body["status"],
        "Provisioned"
    );
    assert_eq!(active_roles(&emu, &tok).await.len(), 2);
}

#[tokio::test]
async fn future_start_is_granted_then_provisioned() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let mut b = activate_body(GLOBAL_READER, "PT1H", Some("x"));
    b["scheduleInfo"]["startDateTime"] = json!((chrono::Utc::now() + chrono::Duration::minutes(30)).to_rfc3339());
    let r = post(&g(&emu, DIR_REQUESTS), &tok, &b).await;
    assert_eq!(r.body["status"], "Granted");
    assert!(active_roles(&emu, &tok).await.is_empty());
    emu.advance_clock(Duration::from_secs(31 * 60));
    assert_eq!(active_roles(&emu, &tok).await.len(), 1);
}

#[tokio::test]
async fn deactivate_too_short_then_revoked_and_expiry() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let deactivate = json!({"action": "selfDeactivate", "principalId": ALICE, "roleDefinitionId": GLOBAL_READER, "directoryScopeId": "/"});
    let r = post(&g(&emu, DIR_REQUESTS), &tok, &deactivate).await;
    assert_eq!(
        graph_err(&r, 400, "RoleAssignmentDoesNotExist"),
        "The Role assignment does not exist."
    );
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(GLOBAL_READER, "PT2H", Some("x")),
    )
    .await;
    assert_eq!(r.status, 201);
    let r = post(&g(&emu, DIR_REQUESTS), &tok, &deactivate).await;
    assert_eq!(
        graph_err(&r, 400, "ActiveDurationTooShort"),
        "The Active duration is too short. Miniumum Required is 5 minutes."
    );
    emu.advance_clock(Duration::from_secs(301));
    let tok = graph_token(&emu);
    let r = post(&g(&emu, DIR_REQUESTS), &tok, &deactivate).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "Revoked");
    assert_eq!(r.body["action"], "selfDeactivate");
    assert!(active_roles(&emu, &tok).await.is_empty());
    // Expiry: activate for 30 min and jump past the end.
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(GLOBAL_READER, "PT30M", Some("x")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(active_roles(&emu, &tok).await.len(), 1);
    emu.advance_clock(Duration::from_secs(31 * 60));
    let tok = graph_token(&emu);
    assert!(active_roles(&emu, &tok).await.is_empty(), "expired lazily");
}

#[tokio::test]
async fn floor_is_configurable() {
    let mut s = Scenario::minimal();
    s.settings.min_active_duration_before_deactivate_sec = 0;
    let emu = start_with(s).await;
    let tok = graph_token(&emu);
    post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(GLOBAL_READER, "PT1H", Some("x")),
    )
    .await;
    let r = post(&g(&emu, DIR_REQUESTS), &tok, &json!({"action": "selfDeactivate", "principalId": ALICE, "roleDefinitionId": GLOBAL_READER, "directoryScopeId": "/"})).await;
    assert_eq!(r.body["status"], "Revoked");
}

#[tokio::test]
async fn group_activation_and_group_derived_role() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let body = json!({"accessId": "member", "principalId": ALICE, "groupId": GROUP1, "action": "selfActivate",
        "scheduleInfo": {"startDateTime": chrono::Utc::now().to_rfc3339(), "expiration": {"type": "afterDuration", "duration": "PT2H"}},
        "justification": "Activate assignment."});
    let r = post(&g(&emu, GROUP_REQUESTS), &tok, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    for k in [
        "id",
        "status",
        "completedDateTime",
        "createdDateTime",
        "approvalId",
        "customData",
        "createdBy",
        "action",
        "isValidationOnly",
        "justification",
        "scheduleInfo",
        "ticketInfo",
        "accessId",
        "principalId",
        "groupId",
        "targetScheduleId",
    ] {
        assert!(r.body.get(k).is_some(), "{k}");
    }
    assert!(r.body.get("roleDefinitionId").is_none());
    assert_eq!(r.body["status"], "Provisioned");
    assert!(
        r.body["targetScheduleId"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{GROUP1}_member_"))
    );
    let r = get(&format!("{}?$expand=group", g(&emu, "identityGovernance/privilegedAccess/group/assignmentScheduleInstances/filterByCurrentUser(on='principal')")), &tok).await;
    let items = r.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["assignmentType"], "activated");
    assert_eq!(items[0]["group"]["id"], GROUP1);
    // Owner access has the default policy (MFA+justification) → missing justification fails.
    let mut b = body.clone();
    b["accessId"] = json!("owner");
    b.as_object_mut().unwrap().remove("justification");
    let r = post(&g(&emu, GROUP_REQUESTS), &tok, &b).await;
    assert_eq!(
        graph_err(&r, 400, "RoleAssignmentRequestPolicyValidationFailed"),
        r#"The following policy rules failed: ["JustificationRule"]"#
    );
    // Requests list and cancel endpoints exist for groups.
    let r = get(
        &g(&emu, &format!("{GROUP_REQUESTS}/filterByCurrentUser(on='principal')")),
        &tok,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    let gid = r.body["value"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        get(&g(&emu, &format!("{GROUP_REQUESTS}/{gid}")), &tok).await.status,
        200
    );
    let r = send(
        client()
            .post(g(&emu, &format!("{GROUP_REQUESTS}/{gid}/cancel")))
            .bearer_auth(&tok),
    )
    .await;
    graph_err(&r, 400, "BadRequest");
    // Group-derived directory role activates with the user's own principalId.
    let r = post(
        &g(&emu, DIR_REQUESTS),
        &tok,
        &activate_body(HELPDESK_ADMIN, "PT1H", Some("x")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // Bad accessId.
    let mut b = body.clone();
    b["accessId"] = json!("admin");
    graph_err(&post(&g(&emu, GROUP_REQUESTS), &tok, &b).await, 400, "BadRequest");
}
