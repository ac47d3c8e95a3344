//! Reading the activation requirements out of role-management policy rules, which Graph (`@odata.type`)
//! and ARM (`ruleType`) shape alike under the same rule ids (pim-api.md §3.2).

use super::model::ActivationPolicy;
use serde_json::Value;

pub fn policy_from_rules(rules: &[Value], policy_id: Option<String>) -> ActivationPolicy {
    let mut policy = ActivationPolicy {
        policy_id,
        ..ActivationPolicy::default()
    };
    for rule in rules {
        match rule["id"].as_str().unwrap_or_default() {
            "Expiration_EndUser_Assignment" => {
                policy.max_duration = rule["maximumDuration"].as_str().map(str::to_string);
            }
            "Enablement_EndUser_Assignment" => {
                let enabled: Vec<String> = rule["enabledRules"]
                    .as_array()
                    .map(|list| {
                        list.iter()
                            .filter_map(|v| v.as_str())
                            .map(str::to_ascii_lowercase)
                            .collect()
                    })
                    .unwrap_or_default();
                let has = |name: &str| enabled.iter().any(|e| e == name);
                policy.requires_justification = Some(has("justification"));
                policy.requires_ticket = Some(has("ticketing"));
                policy.requires_mfa = Some(has("multifactorauthentication"));
            }
            "Approval_EndUser_Assignment" => {
                policy.requires_approval = Some(rule["setting"]["isApprovalRequired"].as_bool().unwrap_or(false));
            }
            "AuthenticationContext_EndUser_Assignment" => {
                let enabled = rule["isEnabled"].as_bool().unwrap_or(false);
                policy.authentication_context = if enabled {
                    rule["claimValue"]
                        .as_str()
                        .filter(|v| !v.is_empty())
                        .map(str::to_string)
                } else {
                    None
                };
            }
            _ => {}
        }
    }
    policy
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_documented_default_policy() {
        // pim-api.md §3.2, Graph rule JSON (default Entra-role policy).
        let rules = json!([
            {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule", "id": "Expiration_EndUser_Assignment", "isExpirationRequired": true, "maximumDuration": "PT8H"},
            {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule", "id": "Enablement_EndUser_Assignment", "enabledRules": ["MultiFactorAuthentication", "Justification"]},
            {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule", "id": "Approval_EndUser_Assignment", "setting": {"isApprovalRequired": false}},
            {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule", "id": "AuthenticationContext_EndUser_Assignment", "isEnabled": false, "claimValue": null},
            {"id": "Expiration_Admin_Eligibility", "maximumDuration": "P365D"}
        ]);
        let policy = policy_from_rules(rules.as_array().unwrap(), Some("p".into()));
        assert_eq!(policy.max_duration.as_deref(), Some("PT8H"));
        assert_eq!(policy.requires_justification, Some(true));
        assert_eq!(policy.requires_mfa, Some(true));
        assert_eq!(policy.requires_ticket, Some(false));
        assert_eq!(policy.requires_approval, Some(false));
        assert_eq!(policy.authentication_context, None);
    }

    #[test]
    fn reads_arm_rules_with_approval_ticketing_and_auth_context() {
        let rules = json!([
            {"id": "Enablement_EndUser_Assignment", "ruleType": "RoleManagementPolicyEnablementRule", "enabledRules": ["Ticketing"]},
            {"id": "Approval_EndUser_Assignment", "ruleType": "RoleManagementPolicyApprovalRule", "setting": {"isApprovalRequired": true}},
            {"id": "AuthenticationContext_EndUser_Assignment", "ruleType": "RoleManagementPolicyAuthenticationContextRule", "isEnabled": true, "claimValue": "c1"}
        ]);
        let policy = policy_from_rules(rules.as_array().unwrap(), None);
        assert_eq!(policy.requires_ticket, Some(true));
        assert_eq!(policy.requires_justification, Some(false));
        assert_eq!(policy.requires_approval, Some(true));
        assert_eq!(policy.authentication_context.as_deref(), Some("c1"));
        assert_eq!(policy.max_duration, None, "unknown, not invented");
    }
}
