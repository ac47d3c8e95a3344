//! Building activation requests for each surface, and finding requests already submitted (a lost
//! answer, or the service saying one is pending).

use super::duration;
use super::endpoints::Urls;
use super::model::{ActivationTarget, Answer, Kind, guid};
use super::status::{request_action, request_created, state_of};
use crate::api::ApiClient;
use crate::auth::cloud::Resource;
use crate::error::Error;
use chrono::{DateTime, Utc};
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

pub fn build(
    urls: &Urls,
    target: &ActivationTarget,
    length: Duration,
    start: DateTime<Utc>,
    options: &RequestOptions<'_>,
) -> RequestRef {
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
        let (url, validate_url) = urls.new_arm_request(&target.scope, &uuid::Uuid::new_v4().to_string());
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
        return RequestRef {
            resource: Resource::Arm,
            method: reqwest::Method::PUT,
            url,
            validate_url: Some(validate_url),
            body: json!({ "properties": properties }),
        };
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
    for (field, value) in target.graph_identity().into_iter().flatten() {
        body.insert(field.into(), json!(value));
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
    RequestRef {
        resource: Resource::Graph,
        method: reqwest::Method::POST,
        url: urls.new_graph_request(target.kind),
        validate_url: None,
        body: Value::Object(body),
    }
}

/// My requests on the target's surface (Graph: filterByCurrentUser; ARM: asRequestor).
pub async fn my_requests(api: &ApiClient, kind: Kind) -> Result<Vec<Value>, Error> {
    api.get_all(kind.resource(), Urls::of(api)?.my_requests(kind)).await
}

/// Whether a listed request is for the same role, scope (and access) as `target`.
pub fn same_role(target: &ActivationTarget, request: &Value) -> bool {
    let eq = |a: &Value, b: &str| a.as_str().is_some_and(|a| a.eq_ignore_ascii_case(b));
    match target.graph_identity() {
        Some(fields) => fields.iter().all(|(field, value)| eq(&request[*field], value)),
        None => {
            let p = &request["properties"];
            guid(p["roleDefinitionId"].as_str().unwrap_or_default()) == guid(&target.role_definition_id)
                && eq(&p["scope"], &target.scope)
                && eq(&p["principalId"], &target.principal_id)
        }
    }
}

/// The request this client sent at `sent_at`, if the service has it (its answer was lost).
pub async fn find_submitted(
    api: &ApiClient,
    target: &ActivationTarget,
    request: &RequestRef,
    sent_at: DateTime<Utc>,
    deactivate: bool,
) -> Result<Option<Answer>, Error> {
    if request.resource == Resource::Arm {
        // ARM requests are named by this client: read that name back.
        return Ok(read_back(api, request).await.map(Answer::Accepted));
    }
    let wanted_action = if deactivate { "selfdeactivate" } else { "selfactivate" };
    let earliest = sent_at - chrono::Duration::minutes(2);
    let found = my_requests(api, target.kind)
        .await?
        .into_iter()
        .filter(|r| same_role(target, r) && request_action(r).eq_ignore_ascii_case(wanted_action))
        .filter(|r| request_created(r).is_some_and(|c| c >= earliest))
        .max_by_key(request_created);
    Ok(found.map(Answer::Accepted))
}

/// An ARM request read back by the name this client gave it; `None` if the service does not have it.
pub async fn read_back(api: &ApiClient, request: &RequestRef) -> Option<Value> {
    let response = api.get_json(Resource::Arm, &request.url).await.ok()?;
    response.status.is_success().then(|| response.json()).flatten()
}

/// The caller's pending request for the target's role, if any (to attach to it).
pub async fn find_pending(api: &ApiClient, target: &ActivationTarget) -> Result<Option<Value>, Error> {
    Ok(my_requests(api, target.kind)
        .await?
        .into_iter()
        .filter(|r| same_role(target, r) && state_of(r).in_progress())
        .max_by_key(request_created))
}

/// One of my requests by its id (Graph: the request id; ARM: its resource id); `None` when the
/// service does not know it.
pub async fn fetch(api: &ApiClient, kind: Kind, request_id: &str) -> Result<Option<Value>, Error> {
    let Some(url) = Urls::of(api)?.request(kind, request_id) else {
        return Ok(None);
    };
    let resource = kind.resource();
    let response = api.get_json(resource, &url).await?;
    match response.status.as_u16() {
        404 => Ok(None),
        _ if response.status.is_success() => Ok(response.json()),
        _ => Err(response.into_error(resource)),
    }
}
