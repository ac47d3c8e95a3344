//! Microsoft Graph: how directory-role and PIM-for-Groups instances (`filterByCurrentUser`) name
//! their role, and their policies read through `$batch` (pim-api.md §2–4).

use super::endpoints::Urls;
use super::model::{ActivationPolicy, EligibleRole, InstanceNames, Kind, MemberType};
use super::rules::policy_from_rules;
use crate::api::ApiClient;
use crate::auth::cloud::Resource;
use crate::error::{Error, ErrorKind};
use crate::http::Idempotency;
use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Graph accepts at most 20 requests in one `$batch`.
const BATCH_LIMIT: usize = 20;

/// `$batch` requests in flight at once: 80 policies in one wave covers any realistic listing, and
/// Graph throttles a batch's items one by one, so more would only trade a wave for 429s.
const BATCHES_IN_FLIGHT: usize = 4;

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

/// One of my directory-role or group instances.
pub fn instance(kind: Kind, item: &Value, me: &str, active: bool) -> EligibleRole {
    let principal = text(&item["principalId"]);
    let via_group = MemberType::parse(item["memberType"].as_str().unwrap_or("Direct")) == MemberType::Group
        && !principal.eq_ignore_ascii_case(me);
    let granted_via = via_group.then_some(principal);
    let names = if kind == Kind::Group {
        let group_id = text(&item["groupId"]);
        let access_id = item["accessId"].as_str().unwrap_or("member").to_ascii_lowercase();
        let name = item["group"]["displayName"].as_str().unwrap_or(&group_id).to_string();
        InstanceNames {
            role_name: name.clone(),
            role_definition_id: access_id.clone(),
            scope: group_id.clone(),
            scope_display_name: name,
            access_id: Some(access_id),
            group_id: Some(group_id),
            directory_scope_id: None,
            eligibility_schedule_id: item["eligibilityScheduleId"].as_str().map(str::to_string),
            granted_via,
        }
    } else {
        let role_definition_id = text(&item["roleDefinitionId"]);
        let scope = item["directoryScopeId"].as_str().unwrap_or("/").to_string();
        InstanceNames {
            role_name: item["roleDefinition"]["displayName"]
                .as_str()
                .unwrap_or(&role_definition_id)
                .to_string(),
            scope_display_name: directory_scope_name(&scope),
            directory_scope_id: Some(scope.clone()),
            role_definition_id,
            scope,
            access_id: None,
            group_id: None,
            eligibility_schedule_id: item["roleEligibilityScheduleId"].as_str().map(str::to_string),
            granted_via,
        }
    };
    EligibleRole::from_instance(kind, names, item, text(&item["id"]), me, active)
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

fn policy_from_assignments(body: &Value) -> ActivationPolicy {
    let Some(assignment) = body["value"].as_array().and_then(|v| v.first()) else {
        return ActivationPolicy::default();
    };
    let rules = assignment["policy"]["rules"].as_array().cloned().unwrap_or_default();
    policy_from_rules(&rules, assignment["policyId"].as_str().map(str::to_string))
}

/// Reads the policies behind `queries` (relative Graph URLs) with `$batch`, 20 per request, the
/// batches concurrently. Items a batch could not answer are read one by one (with the client's retries).
pub async fn policies(
    api: &ApiClient,
    queries: Vec<String>,
) -> Result<HashMap<String, Result<ActivationPolicy, Error>>, Error> {
    let urls = Urls::of(api)?;
    let urls = &urls;
    let chunks: Vec<Vec<String>> = queries.chunks(BATCH_LIMIT).map(<[String]>::to_vec).collect();
    let batches = futures::stream::iter(chunks)
        .map(|chunk| batch(api, urls, chunk))
        .buffer_unordered(BATCHES_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let mut results = HashMap::new();
    for answered in batches {
        results.extend(answered?);
    }
    Ok(results)
}

async fn batch(
    api: &ApiClient,
    urls: &Urls,
    chunk: Vec<String>,
) -> Result<Vec<(String, Result<ActivationPolicy, Error>)>, Error> {
    let requests: Vec<Value> = chunk
        .iter()
        .enumerate()
        .map(|(i, url)| json!({"id": i.to_string(), "method": "GET", "url": url}))
        .collect();
    let body = json!({ "requests": requests });
    let response = api
        .send_json(
            Resource::Graph,
            Method::POST,
            &urls.graph_batch(),
            Some(&body),
            Idempotency::Idempotent,
            None,
        )
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
    let mut results = Vec::new();
    for (index, query) in chunk.into_iter().enumerate() {
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
            _ => single_policy(api, &urls.graph(&query)).await,
        };
        results.push((query, outcome));
    }
    Ok(results)
}

async fn single_policy(api: &ApiClient, url: &str) -> Result<ActivationPolicy, Error> {
    let response = api.get_json(Resource::Graph, url).await?;
    if !response.status.is_success() {
        return Err(response.into_error(Resource::Graph));
    }
    Ok(response
        .json()
        .map(|body| policy_from_assignments(&body))
        .unwrap_or_default())
}
