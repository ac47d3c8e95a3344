//! Rendering of role management policy rules (Graph `@odata.type` and ARM `ruleType` forms).

use serde_json::{Value, json};

use crate::scenario::{PolicySettings, Scenario};

fn target(arm: bool) -> Value {
    if arm {
        json!({"caller": "EndUser", "operations": ["All"], "level": "Assignment", "targetObjects": [], "inheritableSettings": [], "enforcedSettings": []})
    } else {
        json!({"caller": "EndUser", "operations": ["all"], "level": "Assignment", "inheritableSettings": [], "enforcedSettings": []})
    }
}

fn approvers(scenario: &Scenario, p: &PolicySettings, arm: bool) -> Vec<Value> {
    let Some(a) = &p.approval else { return vec![] };
    a.approvers
        .iter()
        .map(|key| {
            if let Some(u) = scenario.find_user(key) {
                if arm {
                    json!({"id": u.id, "userType": "User", "isBackup": false, "description": u.display_name})
                } else {
                    json!({"@odata.type": "#microsoft.graph.singleUser", "userId": u.id, "description": u.display_name})
                }
            } else {
                let desc = scenario.find_group(key).map(|g| g.display_name.clone());
                if arm {
                    json!({"id": key, "userType": "Group", "isBackup": false, "description": desc})
                } else {
                    json!({"@odata.type": "#microsoft.graph.groupMembers", "groupId": key, "description": desc})
                }
            }
        })
        .collect()
}

/// The four end-user activation rules for a policy.
pub fn rules(scenario: &Scenario, p: &PolicySettings, arm: bool) -> Vec<Value> {
    let ty = |graph: &str, armty: &str| -> (&'static str, Value) {
        if arm {
            ("ruleType", json!(armty))
        } else {
            ("@odata.type", json!(format!("#microsoft.graph.{graph}")))
        }
    };
    let mut enabled = Vec::new();
    if p.require_mfa {
        enabled.push("MultiFactorAuthentication");
    }
    if p.require_justification {
        enabled.push("Justification");
    }
    if p.require_ticket {
        enabled.push("Ticketing");
    }
    let approval_required = p.approval.as_ref().is_some_and(|a| a.required);
    let mut out = Vec::new();
    let mut push = |(k, v): (&str, Value), mut body: Value| {
        if let Some(o) = body.as_object_mut() {
            let mut m = serde_json::Map::new();
            m.insert(k.to_string(), v);
            for (kk, vv) in o.iter() {
                m.insert(kk.clone(), vv.clone());
            }
            out.push(Value::Object(m));
        }
    };
    push(
        ty(
            "unifiedRoleManagementPolicyExpirationRule",
            "RoleManagementPolicyExpirationRule",
        ),
        json!({"id": "Expiration_EndUser_Assignment", "isExpirationRequired": p.maximum_duration.is_some(),
               "maximumDuration": p.maximum_duration.clone().unwrap_or_else(|| "P365D".into()), "target": target(arm)}),
    );
    push(
        ty(
            "unifiedRoleManagementPolicyEnablementRule",
            "RoleManagementPolicyEnablementRule",
        ),
        json!({"id": "Enablement_EndUser_Assignment", "enabledRules": enabled, "target": target(arm)}),
    );
    push(
        ty(
            "unifiedRoleManagementPolicyApprovalRule",
            "RoleManagementPolicyApprovalRule",
        ),
        json!({"id": "Approval_EndUser_Assignment", "target": target(arm), "setting": {
            "isApprovalRequired": approval_required, "isApprovalRequiredForExtension": false,
            "isRequestorJustificationRequired": true,
            "approvalMode": if approval_required { "SingleStage" } else { "NoApproval" },
            "approvalStages": [{"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": true,
                "escalationTimeInMinutes": 0, "isEscalationEnabled": false,
                "primaryApprovers": approvers(scenario, p, arm), "escalationApprovers": []}]}}),
    );
    push(
        ty(
            "unifiedRoleManagementPolicyAuthenticationContextRule",
            "RoleManagementPolicyAuthenticationContextRule",
        ),
        json!({"id": "AuthenticationContext_EndUser_Assignment", "isEnabled": p.authentication_context.is_some(),
               "claimValue": p.authentication_context, "target": target(arm)}),
    );
    out
}
