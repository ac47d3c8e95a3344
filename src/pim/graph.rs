//! Microsoft Graph: my directory-role and PIM-for-Groups eligibilities and active assignments
//! (`filterByCurrentUser`), and their policies read through `$batch` (pim-api.md §2–4).

use super::model::{ActivationPolicy, EligibleRole, Kind, MemberType, RoleStatus};
use super::rules::policy_from_rules;
use crate::api::ApiClient;
use crate::auth::cloud::Resource;
use crate::error::{Error, ErrorKind};
use crate::events::EventSink;
use crate::http::Idempotency;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;

const ROLES: &str = "/roleManagement/directory";
const GROUPS: &str = "/identityGovernance/privilegedAccess/group";
/// Graph accepts at most 20 requests in one `$batch`.
const BATCH_LIMIT: usize = 20;

fn v1(api: &ApiClient) -> Result<String, Error> {
    Ok(format!(
        "{}/v1.0",
        api.auth().endpoints()?.graph.as_str().trim_end_matches('/')
    ))
}

/// Status, eligibility start, eligibility end, and active-until of an instance.
pub type Window = (
    RoleStatus,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// An eligibility has a start and end; an active assignment an end (`None` = permanent).
pub fn window(fields: &Value, active: bool) -> Window {
    let end = time(&fields["endDateTime"]);
    if active {
        (RoleStatus::Active, None, None, end)
    } else {
        (RoleStatus::Eligible, time(&fields["startDateTime"]), end, None)
    }
}

pub fn time(value: &Value) -> Option<DateTime<Utc>> {
    value
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

/// My instances of a Graph collection (`filterByCurrentUser`), each mapped with my object id.
async fn my_instances(
    api: &ApiClient,
    events: &EventSink,
    collection: &str,
    expand: &str,
    map: impl Fn(&Value, &str) -> EligibleRole,
) -> Result<Vec<EligibleRole>, Error> {
    let url = format!(
        "{}{collection}/filterByCurrentUser(on='principal')?$expand={expand}",
        v1(api)?
    );
    let me = api.auth().object_id()?;
    let items = api.get_all(Resource::Graph, url, events).await?;
    Ok(items.iter().map(|item| map(item, &me)).collect())
}

/// My directory-role instances: eligible or active.
pub async fn directory_roles(api: &ApiClient, events: &EventSink, active: bool) -> Result<Vec<EligibleRole>, Error> {
    let collection = if active {
        "roleAssignmentScheduleInstances"
    } else {
        "roleEligibilityScheduleInstances"
    };
    my_instances(
        api,
        events,
        &format!("{ROLES}/{collection}"),
        "roleDefinition",
        |item, me| directory_role(item, me, active),
    )
    .await
}

fn directory_role(item: &Value, me: &str, active: bool) -> EligibleRole {
    let role_definition_id = text(&item["roleDefinitionId"]);
    let scope = item["directoryScopeId"].as_str().unwrap_or("/").to_string();
    let principal = text(&item["principalId"]);
    let member_type = MemberType::parse(item["memberType"].as_str().unwrap_or("Direct"));
    let (status, eligibility_start, eligibility_end, active_until) = window(item, active);
    EligibleRole {
        kind: Kind::DirectoryRole,
        role_name: item["roleDefinition"]["displayName"]
            .as_str()
            .unwrap_or(&role_definition_id)
            .to_string(),
        access_id: None,
        scope_display_name: directory_scope_name(&scope),
        member_type,
        granted_via: (member_type == MemberType::Group && !principal.eq_ignore_ascii_case(me))
            .then(|| principal.clone()),
        status,
        eligibility_start,
        eligibility_end,
        active_until,
        policy: ActivationPolicy::default(),
        key: EligibleRole::make_key(Kind::DirectoryRole, &role_definition_id, &scope, None),
        principal_id: me.to_string(),
        group_id: None,
        directory_scope_id: Some(scope.clone()),
        eligibility_schedule_id: item["roleEligibilityScheduleId"].as_str().map(str::to_string),
        eligibility_instance_id: text(&item["id"]),
        role_definition_id,
        scope,
    }
}

fn directory_scope_name(scope: &str) -> String {
    match scope {
        "/" => "Directory".to_string(),
        other => match other.strip_prefix("/administrativeUnits/") {
            Some(unit) => format!("Administrative unit {unit}"),
            None => format!("Directory object {}", other.trim_start_matches('/')),
        },
    }
}

/// My PIM-for-Groups instances (member and owner): eligible or active.
pub async fn groups(api: &ApiClient, events: &EventSink, active: bool) -> Result<Vec<EligibleRole>, Error> {
    let collection = if active {
        "assignmentScheduleInstances"
    } else {
        "eligibilityScheduleInstances"
    };
    my_instances(api, events, &format!("{GROUPS}/{collection}"), "group", |item, me| {
        group(item, me, active)
    })
    .await
}

fn group(item: &Value, me: &str, active: bool) -> EligibleRole {
    let group_id = text(&item["groupId"]);
    let access_id = item["accessId"].as_str().unwrap_or("member").to_ascii_lowercase();
    let name = item["group"]["displayName"].as_str().unwrap_or(&group_id).to_string();
    let principal = text(&item["principalId"]);
    let member_type = MemberType::parse(item["memberType"].as_str().unwrap_or("Direct"));
    let (status, eligibility_start, eligibility_end, active_until) = window(item, active);
    EligibleRole {
        kind: Kind::Group,
        role_name: name.clone(),
        scope_display_name: name,
        member_type,
        granted_via: (member_type == MemberType::Group && !principal.eq_ignore_ascii_case(me))
            .then(|| principal.clone()),
        status,
        eligibility_start,
        eligibility_end,
        active_until,
        policy: ActivationPolicy::default(),
        key: EligibleRole::make_key(Kind::Group, &access_id, &group_id, Some(&access_id)),
        principal_id: me.to_string(),
        directory_scope_id: None,
        eligibility_schedule_id: item["eligibilityScheduleId"].as_str().map(str::to_string),
        eligibility_instance_id: text(&item["id"]),
        role_definition_id: access_id.clone(),
        scope: group_id.clone(),
        group_id: Some(group_id),
        access_id: Some(access_id),
    }
}

/// The Graph policy-assignment query for a role or a group's member/owner access.
pub fn policy_query(role: &EligibleRole) -> Option<String> {
    let filter = match role.kind {
        Kind::DirectoryRole => format!(
            "scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{}'",
            role.role_definition_id
        ),
        Kind::Group => format!(
            "scopeId eq '{}' and scopeType eq 'Group' and roleDefinitionId eq '{}'",
            role.group_id.as_deref()?,
            role.access_id.as_deref()?
        ),
        Kind::AzureResource => return None,
    };
    Some(format!(
        "/policies/roleManagementPolicyAssignments?$filter={filter}&$expand=policy($expand=rules)"
    ))
}

fn policy_from_assignments(body: &Value) -> ActivationPolicy {
    let Some(assignment) = body["value"].as_array().and_then(|v| v.first()) else {
        return ActivationPolicy::default();
    };
    let rules = assignment["policy"]["rules"].as_array().cloned().unwrap_or_default();
    policy_from_rules(&rules, assignment["policyId"].as_str().map(str::to_string))
}

/// Reads the policies behind `queries` (relative Graph URLs) with `$batch`, 20 per round trip.
/// Items the batch could not answer are read one by one (with the client's retries).
pub async fn policies(
    api: &ApiClient,
    events: &EventSink,
    queries: Vec<String>,
) -> Result<HashMap<String, Result<ActivationPolicy, Error>>, Error> {
    let base = v1(api)?;
    let mut results = HashMap::new();
    let client = api.http().inner().clone();
    for chunk in queries.chunks(BATCH_LIMIT) {
        let requests: Vec<Value> = chunk
            .iter()
            .enumerate()
            .map(|(i, url)| json!({"id": i.to_string(), "method": "GET", "url": url}))
            .collect();
        let body = json!({ "requests": requests });
        let batch_url = format!("{base}/$batch");
        let response = api
            .send(Resource::Graph, Idempotency::Idempotent, None, events, |token| {
                client
                    .post(&batch_url)
                    .header("authorization", token.authorization())
                    .json(&body)
            })
            .await?;
        let answers: HashMap<String, Value> = match response.status.is_success().then(|| response.json()).flatten() {
            Some(batch) => batch["responses"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .map(|r| (r["id"].as_str().unwrap_or_default().to_string(), r.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            None => {
                tracing::debug!("$batch answered {}; reading policies one by one", response.status);
                HashMap::new()
            }
        };
        for (index, query) in chunk.iter().enumerate() {
            let answer = answers.get(&index.to_string());
            let outcome = match answer {
                Some(answer) if answer["status"].as_u64() == Some(200) => Ok(policy_from_assignments(&answer["body"])),
                Some(answer) if matches!(answer["status"].as_u64(), Some(401 | 403)) => Err(Error::service(
                    ErrorKind::Forbidden,
                    answer["body"]["error"]["code"].as_str().unwrap_or("Forbidden"),
                    answer["body"]["error"]["message"]
                        .as_str()
                        .unwrap_or("access to the policy was denied")
                        .to_string(),
                )),
                _ => single_policy(api, events, &base, query).await,
            };
            results.insert(query.clone(), outcome);
        }
    }
    Ok(results)
}

async fn single_policy(
    api: &ApiClient,
    events: &EventSink,
    base: &str,
    query: &str,
) -> Result<ActivationPolicy, Error> {
    let url = format!("{base}{query}");
    let client = api.http().inner().clone();
    let response = api
        .send(Resource::Graph, Idempotency::Idempotent, None, events, |token| {
            client.get(&url).header("authorization", token.authorization())
        })
        .await?;
    if !response.status.is_success() {
        return Err(response.into_error(Resource::Graph));
    }
    Ok(response
        .json()
        .map(|body| policy_from_assignments(&body))
        .unwrap_or_default())
}
