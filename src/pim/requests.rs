//! Building activation requests for each surface, and finding requests already submitted (a lost
//! answer, or the service saying one is pending).

use super::activate::{ActivationTarget, Answer};
use super::arm::API_VERSION;
use super::duration;
use super::model::Kind;
use super::status::{self, RequestState};
use crate::api::ApiClient;
use crate::auth::cloud::Resource;
use crate::error::Error;
use crate::events::EventSink;
use chrono::{DateTime, Utc};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// One request, ready to send (and to look up again).
pub struct RequestRef {
    pub resource: Resource,
    pub method: reqwest::Method,
    pub url: String,
    pub validate_url: Option<String>,
    pub body: Value,
}

pub struct RequestOptions<'a> {
    pub deactivate: bool,
    pub validate_only: bool,
    pub justification: Option<&'a str>,
    pub ticket: Option<&'a (String, String)>,
}

fn graph_base(api: &ApiClient) -> Result<String, Error> {
    Ok(format!(
        "{}/v1.0",
        api.auth().endpoints()?.graph.as_str().trim_end_matches('/')
    ))
}

pub(super) fn arm_base(api: &ApiClient) -> Result<String, Error> {
    Ok(api.auth().endpoints()?.arm.as_str().trim_end_matches('/').to_string())
}

pub(super) fn graph_collection(api: &ApiClient, kind: Kind) -> Result<String, Error> {
    let path = match kind {
        Kind::Group => "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests",
        _ => "/roleManagement/directory/roleAssignmentScheduleRequests",
    };
    Ok(format!("{}{path}", graph_base(api)?))
}

pub fn build(
    api: &ApiClient,
    target: &ActivationTarget,
    length: Duration,
    start: DateTime<Utc>,
    options: &RequestOptions<'_>,
) -> Result<RequestRef, Error> {
    let schedule = |expiration_type: &str| {
        json!({
            "startDateTime": start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "expiration": {"type": expiration_type, "duration": duration::format(length)},
        })
    };
    let ticket = options
        .ticket
        .map(|(number, system)| json!({"ticketNumber": number, "ticketSystem": system}));
    if target.kind == Kind::AzureResource {
        let name = uuid::Uuid::new_v4();
        let collection = format!(
            "{}{}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests",
            arm_base(api)?,
            target.scope
        );
        let mut properties = Map::new();
        properties.insert("principalId".into(), json!(target.principal_id));
        properties.insert("roleDefinitionId".into(), json!(target.role_definition_id));
        if options.deactivate {
            properties.insert("requestType".into(), json!("SelfDeactivate"));
            properties.insert(
                "justification".into(),
                json!(options.justification.unwrap_or("Deactivated with PimRust")),
            );
        } else {
            properties.insert("requestType".into(), json!("SelfActivate"));
            if let Some(schedule_id) = &target.eligibility_schedule_id {
                properties.insert("linkedRoleEligibilityScheduleId".into(), json!(schedule_id));
            }
            properties.insert("scheduleInfo".into(), schedule("AfterDuration"));
            if let Some(justification) = options.justification {
                properties.insert("justification".into(), json!(justification));
            }
            if let Some(ticket) = ticket {
                properties.insert("ticketInfo".into(), ticket);
            }
        }
        return Ok(RequestRef {
            resource: Resource::Arm,
            method: reqwest::Method::PUT,
            url: format!("{collection}/{name}?api-version={API_VERSION}"),
            validate_url: Some(format!("{collection}/{name}/validate?api-version={API_VERSION}")),
            body: json!({ "properties": properties }),
        });
    }
    let mut body = Map::new();
    body.insert(
        "action".into(),
        json!(if options.deactivate {
            "selfDeactivate"
        } else {
            "selfActivate"
        }),
    );
    body.insert("principalId".into(), json!(target.principal_id));
    if target.kind == Kind::Group {
        body.insert(
            "groupId".into(),
            json!(target.group_id.as_deref().unwrap_or(&target.scope)),
        );
        body.insert(
            "accessId".into(),
            json!(target.access_id.as_deref().unwrap_or("member")),
        );
    } else {
        body.insert("roleDefinitionId".into(), json!(target.role_definition_id));
        body.insert(
            "directoryScopeId".into(),
            json!(target.directory_scope_id.as_deref().unwrap_or(&target.scope)),
        );
    }
    if let Some(justification) = options.justification {
        body.insert("justification".into(), json!(justification));
    }
    if !options.deactivate {
        body.insert("scheduleInfo".into(), schedule("afterDuration"));
        if let Some(ticket) = ticket {
            body.insert("ticketInfo".into(), ticket);
        }
    }
    if options.validate_only {
        body.insert("isValidationOnly".into(), json!(true));
    }
    Ok(RequestRef {
        resource: Resource::Graph,
        method: reqwest::Method::POST,
        url: graph_collection(api, target.kind)?,
        validate_url: None,
        body: Value::Object(body),
    })
}

/// My requests on the target's surface (Graph: filterByCurrentUser; ARM: asRequestor).
pub async fn my_requests(api: &ApiClient, events: &EventSink, kind: Kind) -> Result<Vec<Value>, Error> {
    let (resource, url) = match kind {
        Kind::AzureResource => (
            Resource::Arm,
            format!(
                "{}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests?api-version={API_VERSION}&$filter=asRequestor()",
                arm_base(api)?
            ),
        ),
        _ => (
            Resource::Graph,
            format!("{}/filterByCurrentUser(on='principal')", graph_collection(api, kind)?),
        ),
    };
    api.get_all(resource, url, events).await
}

/// Whether a listed request is for the same role, scope (and access) as `target`.
pub fn same_role(target: &ActivationTarget, request: &Value) -> bool {
    let eq = |a: &Value, b: &str| a.as_str().is_some_and(|a| a.eq_ignore_ascii_case(b));
    match target.kind {
        Kind::AzureResource => {
            let p = &request["properties"];
            let guid = |id: &str| id.rsplit('/').next().unwrap_or_default().to_ascii_lowercase();
            guid(p["roleDefinitionId"].as_str().unwrap_or_default()) == guid(&target.role_definition_id)
                && eq(&p["scope"], &target.scope)
                && eq(&p["principalId"], &target.principal_id)
        }
        Kind::Group => {
            eq(&request["groupId"], target.group_id.as_deref().unwrap_or(&target.scope))
                && eq(&request["accessId"], target.access_id.as_deref().unwrap_or("member"))
        }
        Kind::DirectoryRole => {
            eq(&request["roleDefinitionId"], &target.role_definition_id)
                && eq(
                    &request["directoryScopeId"],
                    target.directory_scope_id.as_deref().unwrap_or(&target.scope),
                )
        }
    }
}

/// A request's own fields: Graph's top level, or ARM's `properties`.
pub fn request_fields(request: &Value) -> &Value {
    if request["properties"].is_object() {
        &request["properties"]
    } else {
        request
    }
}

pub fn request_status(request: &Value) -> &str {
    request_fields(request)["status"].as_str().unwrap_or_default()
}

fn request_action(request: &Value) -> &str {
    let fields = request_fields(request);
    fields["action"]
        .as_str()
        .or(fields["requestType"].as_str())
        .unwrap_or_default()
}

/// When the requested activation starts.
pub fn request_start(request: &Value) -> Option<DateTime<Utc>> {
    let text = request_fields(request)["scheduleInfo"]["startDateTime"].as_str()?;
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// Where a listed or returned request stands (see [`status`](super::status)).
pub fn request_state(request: &Value) -> RequestState {
    let deactivate = request_action(request).eq_ignore_ascii_case("selfDeactivate");
    status::request_state(request_status(request), deactivate, request_start(request), Utc::now())
}

/// Whether a listed request activates a role and is still on its way.
pub fn is_activation_in_progress(request: &Value) -> bool {
    request_action(request).eq_ignore_ascii_case("selfActivate") && request_state(request).in_progress()
}

fn created(request: &Value) -> Option<DateTime<Utc>> {
    let fields = request_fields(request);
    let text = fields["createdDateTime"].as_str().or(fields["createdOn"].as_str())?;
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// The request this client sent at `sent_at`, if the service has it (its answer was lost).
pub async fn find_submitted(
    api: &ApiClient,
    events: &EventSink,
    target: &ActivationTarget,
    request: &RequestRef,
    sent_at: DateTime<Utc>,
    deactivate: bool,
) -> Result<Option<Answer>, Error> {
    if request.resource == Resource::Arm {
        // ARM requests are named by this client: read that name back.
        return Ok(read_back(api, events, request).await.map(Answer::Accepted));
    }
    let wanted_action = if deactivate { "selfdeactivate" } else { "selfactivate" };
    let earliest = sent_at - chrono::Duration::minutes(2);
    let found = my_requests(api, events, target.kind)
        .await?
        .into_iter()
        .filter(|r| same_role(target, r) && request_action(r).eq_ignore_ascii_case(wanted_action))
        .filter(|r| created(r).is_some_and(|c| c >= earliest))
        .max_by_key(created);
    Ok(found.map(Answer::Accepted))
}

/// An ARM request read back by the name this client gave it; `None` if the service does not have it.
pub async fn read_back(api: &ApiClient, events: &EventSink, request: &RequestRef) -> Option<Value> {
    let client = api.http().inner().clone();
    let url = request.url.clone();
    let response = api
        .send(
            Resource::Arm,
            crate::http::Idempotency::Idempotent,
            None,
            events,
            |token| client.get(&url).header("authorization", token.authorization()),
        )
        .await
        .ok()?;
    response.status.is_success().then(|| response.json()).flatten()
}

/// The caller's pending request for the target's role, if any (to attach to it).
pub async fn find_pending(
    api: &ApiClient,
    events: &EventSink,
    target: &ActivationTarget,
) -> Result<Option<Value>, Error> {
    Ok(my_requests(api, events, target.kind)
        .await?
        .into_iter()
        .filter(|r| same_role(target, r) && request_state(r).in_progress())
        .max_by_key(created))
}

/// One of my requests by its id (Graph: the request id; ARM: its resource id); `None` when the
/// service does not know it.
pub async fn fetch(api: &ApiClient, events: &EventSink, kind: Kind, request_id: &str) -> Result<Option<Value>, Error> {
    let (resource, url) = match kind {
        Kind::AzureResource if !request_id.starts_with('/') => return Ok(None),
        Kind::AzureResource => (
            Resource::Arm,
            format!("{}{request_id}?api-version={API_VERSION}", arm_base(api)?),
        ),
        _ => {
            let id = utf8_percent_encode(request_id, NON_ALPHANUMERIC);
            (Resource::Graph, format!("{}/{id}", graph_collection(api, kind)?))
        }
    };
    let client = api.http().inner().clone();
    let response = api
        .send(resource, crate::http::Idempotency::Idempotent, None, events, |token| {
            client.get(&url).header("authorization", token.authorization())
        })
        .await?;
    match response.status.as_u16() {
        404 => Ok(None),
        _ if response.status.is_success() => Ok(response.json()),
        _ => Err(response.into_error(resource)),
    }
}
