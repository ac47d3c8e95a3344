//! Azure Resource Manager: how my eligibilities and active assignments at every scope (`asTarget()`)
//! name their role, and the effective policy per scope and role (pim-api.md §5).

use super::endpoints::Urls;
use super::model::{ActivationPolicy, EligibleRole, InstanceNames, Kind, guid, last_segment};
use super::rules::policy_from_rules;
use crate::api::ApiClient;
use crate::auth::cloud::Resource;
use crate::error::Error;
use serde_json::Value;

/// One of my Azure resource role instances.
pub fn instance(kind: Kind, item: &Value, me: &str, active: bool) -> EligibleRole {
    let p = &item["properties"];
    let expanded = &p["expandedProperties"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let scope = text(&p["scope"]);
    let role_definition_id = text(&p["roleDefinitionId"]);
    let principal = text(&p["principalId"]);
    let via_group = !principal.is_empty() && !principal.eq_ignore_ascii_case(me);
    let names = InstanceNames {
        role_name: expanded["roleDefinition"]["displayName"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| last_segment(&role_definition_id).to_string()),
        scope_display_name: expanded["scope"]["displayName"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| scope.clone()),
        granted_via: via_group.then(|| {
            expanded["principal"]["displayName"]
                .as_str()
                .unwrap_or(&principal)
                .to_string()
        }),
        access_id: None,
        group_id: None,
        directory_scope_id: None,
        eligibility_schedule_id: p["roleEligibilityScheduleId"]
            .as_str()
            .or(p["linkedRoleEligibilityScheduleId"].as_str())
            .map(str::to_string),
        role_definition_id,
        scope,
    };
    EligibleRole::from_instance(kind, names, p, text(&item["id"]), me, active)
}

/// The effective activation policy of `role_definition_id` at `scope`. The `$filter` is not in the
/// 2020-10-01 spec, so the answer is also filtered here (pim-api.md §5.5).
pub async fn policy(api: &ApiClient, scope: &str, role_definition_id: &str) -> Result<ActivationPolicy, Error> {
    let url = Urls::of(api)?.arm_policy(scope, role_definition_id);
    let response = api.get_json(Resource::Arm, &url).await?;
    if !response.status.is_success() {
        return Err(response.into_error(Resource::Arm));
    }
    let body = response.json().unwrap_or_default();
    let assignment = body["value"].as_array().and_then(|list| {
        list.iter().find(|a| {
            guid(a["properties"]["roleDefinitionId"].as_str().unwrap_or_default()) == guid(role_definition_id)
        })
    });
    Ok(match assignment {
        Some(assignment) => {
            let rules = assignment["properties"]["effectiveRules"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            policy_from_rules(
                &rules,
                assignment["properties"]["policyId"].as_str().map(str::to_string),
            )
        }
        None => ActivationPolicy::default(),
    })
}
