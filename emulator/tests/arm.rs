//! ARM: listing with asTarget(), PUT/GET/validate/cancel, policies with inheritance, errors.
mod common;
use common::*;

use pimrust_emulator::{Resource, Scenario};
use serde_json::{Value, json};

const ELIG: &str = "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?$filter=asTarget()";
const ACTIVE: &str = "/providers/Microsoft.Authorization/roleAssignmentScheduleInstances?$filter=asTarget()";

fn sub_scope() -> String {
    format!("/subscriptions/{SUB}")
}

fn role_id(role: &str) -> String {
    format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}")
}

fn activate(role: &str, linked: Option<&str>, duration: &str, justification: Option<&str>) -> Value {
    let mut p = json!({
        "principalId": ALICE, "roleDefinitionId": role_id(role), "requestType": "SelfActivate",
        "scheduleInfo": {"startDateTime": chrono::Utc::now().to_rfc3339(), "expiration": {"type": "AfterDuration", "endDateTime": null, "duration": duration}},
    });
    if let Some(l) = linked {
        p["linkedRoleEligibilityScheduleId"] = json!(l);
    }
    if let Some(j) = justification {
        p["justification"] = json!(j);
    }
    json!({"properties": p})
}

fn req_url(scope: &str, name: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}")
}

#[tokio::test]
async fn eligibility_listing_across_scopes() {
    let emu = start_minimal().await;
    let tok = arm_token(&emu);
    let r = get(&arm(&emu, ELIG), &tok).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let c = items
        .iter()
        .find(|i| {
            i["properties"]["roleDefinitionId"]
                .as_str()
                .unwrap()
                .ends_with(CONTRIBUTOR)
        })
        .unwrap();
    assert_eq!(c["type"], "Microsoft.Authorization/RoleEligibilityScheduleInstances");
    assert!(c["id"].as_str().unwrap().starts_with(&format!(
        "/subscriptions/{SUB}/providers/Microsoft.Authorization/RoleEligibilityScheduleInstances/"
    )));
    let p = &c["properties"];
    assert_eq!(p["scope"], sub_scope());
    assert_eq!(p["roleDefinitionId"], role_id(CONTRIBUTOR));
    assert_eq!(p["principalId"], ALICE);
    assert_eq!(p["principalType"], "User");
    assert_eq!(p["memberType"], "Direct");
    assert_eq!(p["status"], "Provisioned");
    for k in [
        "roleEligibilityScheduleId",
        "startDateTime",
        "endDateTime",
        "condition",
        "conditionVersion",
        "createdOn",
    ] {
        assert!(p.get(k).is_some(), "{k}");
    }
    assert_eq!(
        p["expandedProperties"]["scope"],
        json!({"id": sub_scope(), "displayName": "Sub One", "type": "subscription"})
    );
    assert_eq!(p["expandedProperties"]["roleDefinition"]["displayName"], "Contributor");
    assert_eq!(p["expandedProperties"]["principal"]["type"], "User");
    let kv = items.iter().find(|i| i["properties"]["scope"] == MG).unwrap();
    assert_eq!(
        kv["properties"]["expandedProperties"]["scope"]["type"],
        "managementgroup"
    );
    assert_eq!(
        kv["properties"]["roleDefinitionId"],
        format!("{MG}/providers/Microsoft.Authorization/roleDefinitions/{KV_ADMIN}")
    );
    // At the resource group scope the MG and subscription eligibilities are inherited.
    let r = get(
        &arm(&emu, &format!("/subscriptions/{SUB}/resourceGroups/rg1{ELIG}")),
        &tok,
    )
    .await;
    let items = r.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .filter(|i| i["properties"]["memberType"] == "Inherited")
            .count()
            == 2
    );
    // Root listing without asTarget() is refused.
    let r = get(
        &arm(
            &emu,
            "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances",
        ),
        &tok,
    )
    .await;
    arm_err(&r, 403, "InsufficientPermissions");
    // Paging.
    let mut s = Scenario::minimal();
    s.settings.page_size = 1;
    let emu2 = start_with(s).await;
    let (items, pages) = all_pages(&arm(&emu2, ELIG), &arm_token(&emu2)).await;
    assert_eq!((items.len(), pages), (3, 3));
}

#[tokio::test]
async fn put_activate_get_and_instance() {
    let emu = start_minimal().await;
    let tok = arm_token(&emu);
    let r = get(&arm(&emu, ELIG), &tok).await;
    let c = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["properties"]["roleDefinitionId"]
                .as_str()
                .unwrap()
                .ends_with(CONTRIBUTOR)
        })
        .unwrap()
        .clone();
    let linked = c["properties"]["roleEligibilityScheduleId"]
        .as_str()
        .unwrap()
        .to_string();
    let name = uuid::Uuid::new_v4().to_string();
    let r = put(
        &arm(&emu, &req_url(&sub_scope(), &name)),
        &tok,
        &activate(CONTRIBUTOR, Some(&linked), "PT8H", Some("Deploy hotfix")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["name"], name.as_str());
    assert_eq!(r.body["type"], "Microsoft.Authorization/RoleAssignmentScheduleRequests");
    let p = &r.body["properties"];
    assert_eq!(p["status"], "Provisioned");
    assert_eq!(p["requestType"], "SelfActivate");
    assert_eq!(p["scheduleInfo"]["expiration"]["type"], "AfterDuration");
    assert_eq!(p["scheduleInfo"]["expiration"]["duration"], "PT8H");
    for k in [
        "targetRoleAssignmentScheduleId",
        "targetRoleAssignmentScheduleInstanceId",
        "scope",
        "roleDefinitionId",
        "principalId",
        "principalType",
        "approvalId",
        "ticketInfo",
        "justification",
        "requestorId",
        "createdOn",
        "expandedProperties",
    ] {
        assert!(p.get(k).is_some(), "{k}");
    }
    let r = get(&arm(&emu, &req_url(&sub_scope(), &name)), &tok).await;
    assert_eq!(r.body["properties"]["status"], "Provisioned");
    let r = get(&arm(&emu, ACTIVE), &tok).await;
    let items = r.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["properties"]["assignmentType"], "Activated");
    assert_eq!(
        items[0]["properties"]["linkedRoleEligibilityScheduleId"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase(),
        linked.to_ascii_lowercase()
    );
    // Requests list (asRequestor) and bare-GUID linked id.
    let r = get(
        &arm(
            &emu,
            "/providers/Microsoft.Authorization/roleAssignmentScheduleRequests?$filter=asRequestor()",
        ),
        &tok,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    // Already active.
    let r = put(
        &arm(&emu, &req_url(&sub_scope(), &uuid::Uuid::new_v4().to_string())),
        &tok,
        &activate(CONTRIBUTOR, None, "PT1H", Some("x")),
    )
    .await;
    assert_eq!(
        arm_err(&r, 400, "RoleAssignmentExists"),
        "The Role assignment already exists."
    );
    // Case-insensitive property names (az-pim-cli style).
    let body = json!({"Properties": {"PrincipalId": ALICE, "RoleDefinitionId": role_id(READER), "RequestType": "SelfActivate",
        "Justification": "x", "TicketInfo": {"TicketNumber": "1", "TicketSystem": "t"},
        "ScheduleInfo": {"Expiration": {"Type": "AfterDuration", "Duration": "PT1H"}}}});
    let rg = format!("/subscriptions/{SUB}/resourceGroups/rg1");
    let r = put(
        &arm(&emu, &req_url(&rg, &uuid::Uuid::new_v4().to_string())),
        &tok,
        &body,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // Deactivate too early, then after the floor.
    let deact = json!({"properties": {"principalId": ALICE, "roleDefinitionId": role_id(CONTRIBUTOR), "requestType": "SelfDeactivate", "justification": "Deactivated"}});
    let r = put(
        &arm(&emu, &req_url(&sub_scope(), &uuid::Uuid::new_v4().to_string())),
        &tok,
        &deact,
    )
    .await;
    assert_eq!(
        arm_err(&r, 400, "ActiveDurationTooShort"),
        "The Active duration is too short. Miniumum Required is 5 minutes."
    );
    emu.advance_clock(std::time::Duration::from_secs(400));
    let tok = arm_token(&emu);
    let r = put(
        &arm(&emu, &req_url(&sub_scope(), &uuid::Uuid::new_v4().to_string())),
        &tok,
        &deact,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["properties"]["status"], "Revoked");
    let r = put(
        &arm(&emu, &req_url(&sub_scope(), &uuid::Uuid::new_v4().to_string())),
        &tok,
        &deact,
    )
    .await;
    arm_err(&r, 400, "RoleAssignmentDoesNotExist");
}

#[tokio::test]
async fn arm_policy_failures_validate_and_cancel() {
    let emu = start_minimal().await;
    let tok = arm_token(&emu);
    // MG policy (inherited by the subscription for Key Vault Administrator) needs a ticket; max PT1H.
    let kv_role = format!("{MG}/providers/Microsoft.Authorization/roleDefinitions/{KV_ADMIN}");
    let mut b = activate(KV_ADMIN, None, "PT2H", None);
    b["properties"]["roleDefinitionId"] = json!(kv_role);
    let r = put(&arm(&emu, &req_url(MG, &uuid::Uuid::new_v4().to_string())), &tok, &b).await;
    assert_eq!(
        arm_err(&r, 400, "RoleAssignmentRequestPolicyValidationFailed"),
        r#"The following policy rules failed: ["ExpirationRule","JustificationRule","TicketingRule"]"#
    );
    // Reduced-scope activation at the subscription (child of the MG) with the MG eligibility.
    let mut b = activate(KV_ADMIN, None, "PT1H", Some("x"));
    b["properties"]["ticketInfo"] = json!({"ticketNumber": "INC-9", "ticketSystem": "SNOW"});
    let name = uuid::Uuid::new_v4().to_string();
    let r = send(
        client()
            .post(arm(&emu, &format!("{}/validate", req_url(&sub_scope(), &name))))
            .bearer_auth(&tok)
            .json(&b),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        get(&arm(&emu, ACTIVE), &tok).await.body["value"]
            .as_array()
            .unwrap()
            .is_empty(),
        "validate creates nothing"
    );
    let r = put(&arm(&emu, &req_url(&sub_scope(), &name)), &tok, &b).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // Same name again.
    let r = put(&arm(&emu, &req_url(&sub_scope(), &name)), &tok, &b).await;
    assert_eq!(r.status, 400);
    // Not eligible.
    let owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    let r = put(
        &arm(&emu, &req_url(&sub_scope(), &uuid::Uuid::new_v4().to_string())),
        &tok,
        &activate(owner, None, "PT1H", Some("x")),
    )
    .await;
    assert_eq!(
        arm_err(&r, 400, "RoleAssignmentRequestPolicyValidationFailed"),
        r#"The following policy rules failed: ["EligibilityRule"]"#
    );
    // MFA rule on ARM.
    let bob = token(&emu, BOB_UPN, Resource::Arm);
    let mut b = activate(CONTRIBUTOR, None, "PT1H", Some("x"));
    b["properties"]["principalId"] = json!(BOB);
    let r = put(
        &arm(&emu, &req_url(&sub_scope(), &uuid::Uuid::new_v4().to_string())),
        &bob,
        &b,
    )
    .await;
    arm_err(&r, 400, "RoleAssignmentRequestPolicyValidationFailed");
    // Invalid name, malformed body, bad duration.
    let r = put(
        &arm(&emu, &req_url(&sub_scope(), "not-a-guid")),
        &tok,
        &activate(CONTRIBUTOR, None, "PT1H", Some("x")),
    )
    .await;
    arm_err(&r, 400, "BadRequest");
    let r = send(
        client()
            .put(arm(&emu, &req_url(&sub_scope(), &uuid::Uuid::new_v4().to_string())))
            .bearer_auth(&tok)
            .header("content-type", "application/json")
            .body("{oops"),
    )
    .await;
    arm_err(&r, 400, "InvalidRequestContent");
    let r = put(
        &arm(&emu, &req_url(&sub_scope(), &uuid::Uuid::new_v4().to_string())),
        &tok,
        &activate(CONTRIBUTOR, None, "PT", Some("x")),
    )
    .await;
    arm_err(&r, 400, "BadRequest");
}

#[tokio::test]
async fn arm_approval_and_cancel() {
    let mut s = Scenario::minimal();
    for p in &mut s.policies {
        if p.scope.as_deref() == Some(&format!("/subscriptions/{SUB}")) {
            p.approval = Some(pimrust_emulator::scenario::ApprovalConfig {
                required: true,
                approvers: vec![BOB_UPN.into()],
                auto_decision: None,
                auto_decision_after_sec: None,
            });
        }
    }
    let emu = start_with(s).await;
    let tok = arm_token(&emu);
    let name = uuid::Uuid::new_v4().to_string();
    let r = send(
        client()
            .post(arm(&emu, &format!("{}/validate", req_url(&sub_scope(), &name))))
            .bearer_auth(&tok)
            .json(&activate(CONTRIBUTOR, None, "PT1H", Some("x"))),
    )
    .await;
    assert_eq!(r.body["properties"]["status"], "PendingEvaluation");
    let r = put(
        &arm(&emu, &req_url(&sub_scope(), &name)),
        &tok,
        &activate(CONTRIBUTOR, None, "PT1H", Some("x")),
    )
    .await;
    assert_eq!(r.body["properties"]["status"], "PendingApproval");
    assert!(
        r.body["properties"]["approvalId"]
            .as_str()
            .unwrap()
            .contains("roleAssignmentApprovals")
    );
    let r = put(
        &arm(&emu, &req_url(&sub_scope(), &uuid::Uuid::new_v4().to_string())),
        &tok,
        &activate(CONTRIBUTOR, None, "PT1H", Some("x")),
    )
    .await;
    arm_err(&r, 400, "PendingRoleAssignmentRequest");
    let r = send(
        client()
            .post(arm(&emu, &format!("{}/cancel", req_url(&sub_scope(), &name))))
            .bearer_auth(&tok),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        get(&arm(&emu, &req_url(&sub_scope(), &name)), &tok).await.body["properties"]["status"],
        "Canceled"
    );
    let r = send(
        client()
            .post(arm(&emu, &format!("{}/cancel", req_url(&sub_scope(), &name))))
            .bearer_auth(&tok),
    )
    .await;
    arm_err(&r, 400, "BadRequest");
    let r = get(
        &arm(&emu, &req_url(&sub_scope(), &uuid::Uuid::new_v4().to_string())),
        &tok,
    )
    .await;
    arm_err(&r, 404, "ResourceNotFound");
}

#[tokio::test]
async fn arm_policies_with_inheritance() {
    let emu = start_minimal().await;
    let tok = arm_token(&emu);
    let url = arm(
        &emu,
        &format!(
            "/subscriptions/{SUB}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?$filter=roleDefinitionId eq '{}'",
            role_id(CONTRIBUTOR)
        ),
    );
    let r = get(&url, &tok).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let p = &items[0]["properties"];
    assert_eq!(p["scope"], sub_scope());
    let rules = p["effectiveRules"].as_array().unwrap();
    let exp = rules
        .iter()
        .find(|r| r["id"] == "Expiration_EndUser_Assignment")
        .unwrap();
    assert_eq!(exp["ruleType"], "RoleManagementPolicyExpirationRule");
    assert_eq!(exp["maximumDuration"], "PT8H");
    assert_eq!(exp["target"]["operations"], json!(["All"]));
    assert!(exp["target"]["targetObjects"].is_array());
    // Follow policyId.
    let pid = p["policyId"].as_str().unwrap();
    let r = get(&arm(&emu, pid), &tok).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["properties"]["rules"].as_array().unwrap().len(), 4);
    assert!(r.body["properties"]["rules"][0]["ruleType"].is_string());
    // Resource group inherits from the MG policy for Key Vault Administrator (PT1H + ticket).
    let url = arm(
        &emu,
        &format!(
            "/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Authorization/roleManagementPolicyAssignments?$filter=roleDefinitionId eq '{}'",
            role_id(KV_ADMIN)
        ),
    );
    let r = get(&url, &tok).await;
    let p = &r.body["value"][0]["properties"];
    assert_eq!(p["scope"], MG);
    let rules = p["effectiveRules"].as_array().unwrap();
    assert_eq!(
        rules
            .iter()
            .find(|r| r["id"] == "Expiration_EndUser_Assignment")
            .unwrap()["maximumDuration"],
        "PT1H"
    );
    assert_eq!(
        rules
            .iter()
            .find(|r| r["id"] == "Enablement_EndUser_Assignment")
            .unwrap()["enabledRules"],
        json!(["MultiFactorAuthentication", "Justification", "Ticketing"])
    );
    // Reader at rg1 falls back to the MG "all roles" policy too; without filter all roles listed.
    let url = arm(
        &emu,
        &format!(
            "/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Authorization/roleManagementPolicyAssignments"
        ),
    );
    assert_eq!(get(&url, &tok).await.body["value"].as_array().unwrap().len(), 3);
    let r = get(
        &arm(
            &emu,
            &format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleManagementPolicies"),
        ),
        &tok,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn arm_envelopes_api_version_auth_and_denied() {
    let emu = start_minimal().await;
    let tok = arm_token(&emu);
    let base = emu.arm_url();
    let r = get(&format!("{base}{ELIG}"), &tok).await;
    arm_err(&r, 400, "MissingApiVersionParameter");
    let r = get(&format!("{base}{ELIG}&api-version=1999-01-01"), &tok).await;
    arm_err(&r, 400, "InvalidApiVersionParameter");
    let r = send(client().get(arm(&emu, ELIG))).await;
    arm_err(&r, 401, "AuthenticationFailed");
    assert!(r.headers.get("www-authenticate").is_some());
    arm_err(&get(&arm(&emu, ELIG), "x.y.z").await, 401, "InvalidAuthenticationToken");
    arm_err(
        &get(&arm(&emu, ELIG), &graph_token(&emu)).await,
        401,
        "InvalidAuthenticationTokenAudience",
    );
    let mut spec = pimrust_emulator::TokenSpec::new(Resource::Arm);
    spec.lifetime_sec = Some(-5);
    arm_err(
        &get(&arm(&emu, ELIG), &emu.issue_token(&spec).unwrap()).await,
        401,
        "ExpiredAuthenticationToken",
    );
    let carol = token(&emu, CAROL_UPN, Resource::Arm);
    let msg = arm_err(&get(&arm(&emu, ELIG), &carol).await, 403, "AuthorizationFailed");
    assert!(msg.contains("roleEligibilityScheduleInstances/read"), "{msg}");
    let r = get(&arm(&emu, "/subscriptions/00000000-0000-0000-0000-00000000dead/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?$filter=asTarget()"), &tok).await;
    arm_err(&r, 404, "SubscriptionNotFound");
    let r = get(&arm(&emu, "/providers/Microsoft.Authorization/nonsense"), &tok).await;
    arm_err(&r, 404, "InvalidResourceType");
    let r = send(
        client()
            .delete(arm(&emu, &req_url(&sub_scope(), &uuid::Uuid::new_v4().to_string())))
            .bearer_auth(&tok),
    )
    .await;
    arm_err(&r, 405, "MethodNotAllowed");
    let r = get(&format!("{base}/subscriptions?api-version=2022-12-01"), &tok).await;
    assert_eq!(r.body["value"][0]["subscriptionId"], SUB);
}
