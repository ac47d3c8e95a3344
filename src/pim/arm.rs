//! Azure Resource Manager: my eligibilities and active assignments at every scope (`asTarget()`),
//! and the effective policy per scope and role (pim-api.md §5).

use super::graph::window;
use super::model::{ActivationPolicy, EligibleRole, Kind, MemberType};
use super::rules::policy_from_rules;
use crate::api::ApiClient;
use crate::auth::cloud::Resource;
use crate::error::Error;
use crate::events::EventSink;
use crate::http::Idempotency;
use serde_json::Value;

pub const API_VERSION: &str = "2020-10-01";

fn base(api: &ApiClient) -> Result<String, Error> {
    Ok(api.auth().endpoints()?.arm.as_str().trim_end_matches('/').to_string())
}

pub async fn roles(api: &ApiClient, events: &EventSink, active: bool) -> Result<Vec<EligibleRole>, Error> {
    let collection = if active {
        "roleAssignmentScheduleInstances"
    } else {
        "roleEligibilityScheduleInstances"
    };
    let url = format!(
        "{}/providers/Microsoft.Authorization/{collection}?api-version={API_VERSION}&$filter=asTarget()",
        base(api)?
    );
    let me = api.auth().object_id()?;
    let items = api.get_all(Resource::Arm, url, events).await?;
    Ok(items.iter().map(|item| role(item, &me, active)).collect())
}

fn role(item: &Value, me: &str, active: bool) -> EligibleRole {
    let p = &item["properties"];
    let expanded = &p["expandedProperties"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let scope = text(&p["scope"]);
    let role_definition_id = text(&p["roleDefinitionId"]);
    let member_type = MemberType::parse(p["memberType"].as_str().unwrap_or("Direct"));
    let principal = text(&p["principalId"]);
    let via_group = !principal.is_empty() && !principal.eq_ignore_ascii_case(me);
    let (status, eligibility_start, eligibility_end, active_until) = window(p, active);
    EligibleRole {
        kind: Kind::AzureResource,
        role_name: expanded["roleDefinition"]["displayName"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| role_definition_id.rsplit('/').next().unwrap_or_default().to_string()),
        access_id: None,
        scope_display_name: expanded["scope"]["displayName"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| scope.clone()),
        member_type,
        granted_via: via_group.then(|| {
            expanded["principal"]["displayName"]
                .as_str()
                .unwrap_or(&principal)
                .to_string()
        }),
        status,
        eligibility_start,
        eligibility_end,
        active_until,
        policy: ActivationPolicy::default(),
        key: EligibleRole::make_key(Kind::AzureResource, &role_definition_id, &scope, None),
        principal_id: me.to_string(),
        group_id: None,
        directory_scope_id: None,
        eligibility_schedule_id: p["roleEligibilityScheduleId"]
            .as_str()
            .or(p["linkedRoleEligibilityScheduleId"].as_str())
            .map(str::to_string),
        eligibility_instance_id: text(&item["id"]),
        role_definition_id,
        scope,
    }
}

/// The effective activation policy of `role_definition_id` at `scope`. The `$filter` is not in the
/// 2020-10-01 spec, so the answer is also filtered here (pim-api.md §5.5).
pub async fn policy(
    api: &ApiClient,
    events: &EventSink,
    scope: &str,
    role_definition_id: &str,
) -> Result<ActivationPolicy, Error> {
    let url = format!(
        "{}{scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?api-version={API_VERSION}&$filter=roleDefinitionId eq '{role_definition_id}'",
        base(api)?
    );
    let client = api.http().inner().clone();
    let response = api
        .send(Resource::Arm, Idempotency::Idempotent, None, events, |token| {
            client.get(&url).header("authorization", token.authorization())
        })
        .await?;
    if !response.status.is_success() {
        return Err(response.into_error(Resource::Arm));
    }
    let body = response.json().unwrap_or_default();
    let guid = |id: &str| id.rsplit('/').next().unwrap_or_default().to_ascii_lowercase();
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
