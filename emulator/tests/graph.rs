//! Graph listing, paging, $expand/$select/$filter, policies, $batch, 401/403.
mod common;
use common::*;

use pimrust_emulator::{Resource, Scenario, TokenSpec};
use serde_json::{Value, json};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn me_and_eligibility_instances_shape() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let r = get(&format!("{}?$select=id", g(&emu, "me")), &tok).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["id"], ALICE);
    assert!(r.body.get("displayName").is_none(), "$select applied");

    let r = get(&g(&emu, DIR_ELIG_MINE), &tok).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#Collection(unifiedRoleEligibilityScheduleInstance)")
    );
    let items = r.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 5, "4 direct + 1 via group");
    let doc_keys = [
        "@odata.type",
        "appScopeId",
        "directoryScopeId",
        "endDateTime",
        "id",
        "memberType",
        "principalId",
        "roleDefinitionId",
        "roleEligibilityScheduleId",
        "startDateTime",
    ];
    assert_eq!(
        keys(&items[0]),
        doc_keys.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(
        items[0]["@odata.type"],
        "#microsoft.graph.unifiedRoleEligibilityScheduleInstance"
    );
    assert_eq!(items[0]["principalId"], ALICE);
    assert_eq!(items[0]["directoryScopeId"], "/");
    let via_group = items
        .iter()
        .find(|i| i["roleDefinitionId"] == HELPDESK_ADMIN)
        .expect("group-derived");
    assert_eq!(via_group["memberType"], "Group");
    assert_eq!(via_group["principalId"], ALICE);
    // Quotes may arrive percent-encoded.
    let enc = g(
        &emu,
        "roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on=%27principal%27)",
    );
    assert_eq!(get(&enc, &tok).await.status, 200);
    // Wrong `on` value.
    let bad = g(
        &emu,
        "roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='me')",
    );
    graph_err(&get(&bad, &tok).await, 400, "BadRequest");
}

#[tokio::test]
async fn expand_select_filter() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let url = format!(
        "{}?$expand=roleDefinition&$select=id,roleDefinitionId",
        g(&emu, DIR_ELIG_MINE)
    );
    let r = get(&url, &tok).await;
    let first = &r.body["value"][0];
    assert_eq!(
        keys(first),
        vec!["@odata.type", "id", "roleDefinition", "roleDefinitionId"]
    );
    let rd = &first["roleDefinition"];
    for k in [
        "id",
        "displayName",
        "description",
        "isBuiltIn",
        "isEnabled",
        "templateId",
        "version",
        "resourceScopes",
        "rolePermissions",
    ] {
        assert!(rd.get(k).is_some(), "roleDefinition.{k}");
    }
    let url = format!(
        "{}?$filter=roleDefinitionId eq '{GLOBAL_READER}'",
        g(&emu, DIR_ELIG_MINE)
    );
    let r = get(&url, &tok).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    let url = format!("{}?$filter=roleDefinitionId eq", g(&emu, DIR_ELIG_MINE));
    graph_err(&get(&url, &tok).await, 400, "BadRequest");
    let url = format!("{}?$expand=nonsense", g(&emu, DIR_ELIG_MINE));
    graph_err(&get(&url, &tok).await, 400, "BadRequest");
    // Admin-style listing works only pinned to the caller.
    let url = format!(
        "{}?$filter=principalId eq '{ALICE}'&$expand=roleDefinition",
        g(&emu, "roleManagement/directory/roleEligibilityScheduleInstances")
    );
    assert_eq!(get(&url, &tok).await.body["value"].as_array().unwrap().len(), 5);
    let url = g(&emu, "roleManagement/directory/roleEligibilityScheduleInstances");
    graph_err(&get(&url, &tok).await, 403, "Authorization_RequestDenied");
    // Schedules.
    let r = get(
        &g(
            &emu,
            "roleManagement/directory/roleEligibilitySchedules/filterByCurrentUser(on='principal')",
        ),
        &tok,
    )
    .await;
    assert_eq!(r.body["value"][0]["status"], "Provisioned");
    assert_eq!(r.body["value"][0]["scheduleInfo"]["expiration"]["type"], "noExpiration");
}

#[tokio::test]
async fn paging_across_pages_graph() {
    let mut s = Scenario::minimal();
    s.settings.page_size = 2;
    let emu = start_with(s).await;
    let tok = graph_token(&emu);
    let r = get(&g(&emu, DIR_ELIG_MINE), &tok).await;
    let next = r.body["@odata.nextLink"].as_str().unwrap();
    assert!(next.starts_with(&format!("{}/graph/v1.0/", emu.base_url())), "{next}");
    let (items, pages) = all_pages(&g(&emu, DIR_ELIG_MINE), &tok).await;
    assert_eq!(items.len(), 5);
    assert_eq!(pages, 3);
    let mut ids: Vec<_> = items.iter().map(|i| i["id"].as_str().unwrap().to_string()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    // $top smaller than the page size.
    let (items, pages) = all_pages(
        &format!("{}?$top=1&$expand=roleDefinition", g(&emu, DIR_ELIG_MINE)),
        &tok,
    )
    .await;
    assert_eq!((items.len(), pages), (5, 5));
    assert!(
        items.iter().all(|i| i["roleDefinition"]["displayName"].is_string()),
        "query kept across pages"
    );
}

#[tokio::test]
async fn groups_listing_and_expand_group() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let url = format!(
        "{}?$expand=group",
        g(
            &emu,
            "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances/filterByCurrentUser(on='principal')"
        )
    );
    let r = get(&url, &tok).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let m = items.iter().find(|i| i["accessId"] == "member").unwrap();
    assert_eq!(
        m["@odata.type"],
        "#microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance"
    );
    assert_eq!(m["groupId"], GROUP1);
    assert_eq!(m["group"]["displayName"], "PIM Group One");
    for k in [
        "id",
        "startDateTime",
        "endDateTime",
        "memberType",
        "principalId",
        "accessId",
        "groupId",
        "eligibilityScheduleId",
    ] {
        assert!(m.get(k).is_some(), "{k}");
    }
    // Plain collection needs a filter.
    let r = get(
        &g(
            &emu,
            "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances",
        ),
        &tok,
    )
    .await;
    let msg = graph_err(&r, 400, "MissingParameters");
    assert_eq!(msg, "The required parameters GroupId or PrincipalId is missing");
    let r = get(
        &format!(
            "{}?$filter=groupId eq '{GROUP1}'",
            g(
                &emu,
                "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances"
            )
        ),
        &tok,
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn policies_graph_roles_and_groups() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let url = format!(
        "{}?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{SECURITY_ADMIN}'&$expand=policy($expand=rules)",
        g(&emu, "policies/roleManagementPolicyAssignments")
    );
    let r = get(&url, &tok).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let a = &items[0];
    let id = a["id"].as_str().unwrap();
    assert!(
        id.starts_with(&format!("DirectoryRole_{TENANT}_")) && id.ends_with(SECURITY_ADMIN),
        "{id}"
    );
    assert_eq!(a["scopeType"], "DirectoryRole");
    let rules = a["policy"]["rules"].as_array().unwrap();
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap().clone();
    let exp = rule("Expiration_EndUser_Assignment");
    assert_eq!(
        exp["@odata.type"],
        "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"
    );
    assert_eq!(exp["maximumDuration"], "PT4H");
    assert_eq!(exp["isExpirationRequired"], true);
    assert_eq!(
        exp["target"],
        json!({"caller": "EndUser", "operations": ["all"], "level": "Assignment", "inheritableSettings": [], "enforcedSettings": []})
    );
    assert_eq!(
        rule("Enablement_EndUser_Assignment")["enabledRules"],
        json!(["MultiFactorAuthentication", "Justification"])
    );
    let appr = rule("Approval_EndUser_Assignment");
    assert_eq!(appr["setting"]["isApprovalRequired"], true);
    assert_eq!(
        appr["setting"]["approvalStages"][0]["primaryApprovers"][0]["userId"],
        BOB
    );
    assert_eq!(
        appr["setting"]["approvalStages"][0]["primaryApprovers"][0]["@odata.type"],
        "#microsoft.graph.singleUser"
    );
    let ac = rule("AuthenticationContext_EndUser_Assignment");
    assert_eq!(
        (ac["isEnabled"].clone(), ac["claimValue"].clone()),
        (json!(false), Value::Null)
    );

    let url = format!(
        "{}?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{EXCHANGE_ADMIN}'&$expand=policy($expand=rules)",
        g(&emu, "policies/roleManagementPolicyAssignments")
    );
    let r = get(&url, &tok).await;
    let rules = r.body["value"][0]["policy"]["rules"].as_array().unwrap().clone();
    let ac = rules
        .iter()
        .find(|r| r["id"] == "AuthenticationContext_EndUser_Assignment")
        .unwrap();
    assert_eq!(
        (ac["isEnabled"].clone(), ac["claimValue"].clone()),
        (json!(true), json!("c1"))
    );

    // Without $expand: no policy object; policyId resolves via roleManagementPolicies.
    let url = format!(
        "{}?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'",
        g(&emu, "policies/roleManagementPolicyAssignments")
    );
    let r = get(&url, &tok).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 5);
    assert!(r.body["value"][0].get("policy").is_none());
    let pid = r.body["value"][0]["policyId"].as_str().unwrap().to_string();
    let r = get(
        &format!(
            "{}?$expand=rules",
            g(&emu, &format!("policies/roleManagementPolicies/{pid}"))
        ),
        &tok,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["rules"].as_array().unwrap().len(), 4);
    let r = get(&g(&emu, &format!("policies/roleManagementPolicies/{pid}/rules")), &tok).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 4);

    // Missing scope filter → 400.
    let r = get(&g(&emu, "policies/roleManagementPolicyAssignments"), &tok).await;
    graph_err(&r, 400, "BadRequest");
    let r = get(
        &format!(
            "{}?$filter=roleDefinitionId eq '{GLOBAL_READER}'",
            g(&emu, "policies/roleManagementPolicyAssignments")
        ),
        &tok,
    )
    .await;
    graph_err(&r, 400, "BadRequest");

    // Groups.
    let url = format!(
        "{}?$filter=scopeId eq '{GROUP1}' and scopeType eq 'Group' and roleDefinitionId eq 'member'&$expand=policy($expand=rules)",
        g(&emu, "policies/roleManagementPolicyAssignments")
    );
    let r = get(&url, &tok).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let a = &r.body["value"][0];
    assert!(a["id"].as_str().unwrap().starts_with(&format!("Group_{GROUP1}_")));
    assert!(a["id"].as_str().unwrap().ends_with("_member"));
    assert_eq!(a["roleDefinitionId"], "member");
    let rules = a["policy"]["rules"].as_array().unwrap();
    assert_eq!(
        rules
            .iter()
            .find(|r| r["id"] == "Enablement_EndUser_Assignment")
            .unwrap()["enabledRules"],
        json!(["Justification"])
    );
}

#[tokio::test]
async fn batch_get_requests() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let body = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/me?$select=id"},
        {"id": "2", "method": "GET", "url": format!("/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{GLOBAL_READER}'&$expand=policy($expand=rules)")},
        {"id": "3", "method": "GET", "url": "/nope"},
    ]});
    let r = post(&g(&emu, "$batch"), &tok, &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rs = r.body["responses"].as_array().unwrap();
    let by = |id: &str| rs.iter().find(|x| x["id"] == id).unwrap().clone();
    assert_eq!(by("1")["status"], 200);
    assert_eq!(by("1")["body"]["id"], ALICE);
    assert!(by("1")["headers"].is_object());
    assert_eq!(
        by("2")["body"]["value"][0]["policy"]["rules"].as_array().unwrap().len(),
        4
    );
    assert_eq!(by("3")["status"], 404);
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    graph_err(
        &post(&g(&emu, "$batch"), &tok, &json!({"requests": many})).await,
        400,
        "BadRequest",
    );
    // Inner requests are authenticated with the outer token.
    let r = post(
        &g(&emu, "$batch"),
        "garbage",
        &json!({"requests": [{"id": "1", "method": "GET", "url": "/me"}]}),
    )
    .await;
    assert_eq!(r.body["responses"][0]["status"], 401);
}

#[tokio::test]
async fn auth_failures_401_and_403() {
    let emu = start_minimal().await;
    let url = g(&emu, DIR_ELIG_MINE);
    let r = send(client().get(&url)).await;
    graph_err(&r, 401, "InvalidAuthenticationToken");
    assert!(r.headers.get("www-authenticate").is_some());
    graph_err(&get(&url, "not.a.jwt").await, 401, "InvalidAuthenticationToken");
    // Bad signature.
    let tok = graph_token(&emu);
    let mut parts: Vec<&str> = tok.split('.').collect();
    parts[2] = "AAAA";
    graph_err(&get(&url, &parts.join(".")).await, 401, "InvalidAuthenticationToken");
    // Wrong audience.
    graph_err(&get(&url, &arm_token(&emu)).await, 401, "InvalidAuthenticationToken");
    // Expired.
    let mut spec = TokenSpec::new(Resource::Graph);
    spec.lifetime_sec = Some(-10);
    let msg = graph_err(
        &get(&url, &emu.issue_token(&spec).unwrap()).await,
        401,
        "InvalidAuthenticationToken",
    );
    assert!(msg.contains("expired"), "{msg}");
    // Missing scope.
    let mut spec = TokenSpec::new(Resource::Graph);
    spec.scopes = Some(vec!["User.Read".into()]);
    let t = emu.issue_token(&spec).unwrap();
    graph_err(&get(&url, &t).await, 403, "Authorization_RequestDenied");
    assert_eq!(get(&g(&emu, "me"), &t).await.status, 200);
    // Denied surface: carol has no P2 for groups but directory roles list.
    let carol = token(&emu, CAROL_UPN, Resource::Graph);
    assert_eq!(get(&url, &carol).await.status, 200);
    let r = get(&g(&emu, "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances/filterByCurrentUser(on='principal')"), &carol).await;
    graph_err(&r, 403, "AadPremiumLicenseRequired");
}
