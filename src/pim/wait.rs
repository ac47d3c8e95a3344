//! Waiting for requests until access is real: per interval one list of my requests per surface (not
//! one call per request), then one list of active instances per surface to confirm that provisioned
//! requests really show up as active. Every request ends in a final state or `TimedOut`.

use super::model::{EligibleRole, Kind};
use super::requests::{my_requests, request_status};
use super::{arm, graph};
use crate::api::ApiClient;
use crate::error::{Error, ErrorKind};
use crate::events::EventSink;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaitTarget {
    pub request_id: String,
    pub kind: Kind,
    pub key: String,
    pub role_name: String,
    #[serde(default)]
    pub deactivate: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaitParams {
    pub requests: Vec<WaitTarget>,
    pub timeout_sec: Option<u64>,
    pub interval_sec: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WaitStatus {
    PendingApproval,
    Provisioning,
    Active,
    Deactivated,
    Denied,
    Canceled,
    Failed,
    TimedOut,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitResult {
    pub request_id: String,
    pub key: String,
    pub role_name: String,
    pub kind: Kind,
    pub status: WaitStatus,
    pub request_status: Option<String>,
    pub active_until: Option<DateTime<Utc>>,
    pub message: Option<String>,
}

const MAX_INTERVAL: Duration = Duration::from_secs(30);

fn classify(service_status: &str, deactivate: bool) -> WaitStatus {
    match service_status {
        "Provisioned" | "Revoked" if deactivate => WaitStatus::Deactivated,
        "Provisioned" | "Granted" | "ScheduleCreated" => WaitStatus::Provisioning, // until the instance shows up
        "Denied" | "AdminDenied" => WaitStatus::Denied,
        "Canceled" => WaitStatus::Canceled,
        "Failed" | "FailedAsResourceIsLocked" | "Invalid" | "TimedOut" | "Revoked" => WaitStatus::Failed,
        status if status.contains("Approval") || status == "PendingAdminDecision" || status == "PendingEvaluation" => {
            WaitStatus::PendingApproval
        }
        _ => WaitStatus::Provisioning,
    }
}

fn is_final(status: WaitStatus) -> bool {
    !matches!(status, WaitStatus::PendingApproval | WaitStatus::Provisioning)
}

fn request_id_matches(wanted: &str, listed: &Value) -> bool {
    let id = listed["id"].as_str().unwrap_or_default();
    id.eq_ignore_ascii_case(wanted)
        || listed["name"]
            .as_str()
            .is_some_and(|n| wanted.to_ascii_lowercase().ends_with(&n.to_ascii_lowercase()))
}

async fn active_instances(api: &ApiClient, events: &EventSink, kind: Kind) -> Result<Vec<EligibleRole>, Error> {
    match kind {
        Kind::DirectoryRole => graph::directory_roles(api, events, true).await,
        Kind::Group => graph::groups(api, events, true).await,
        Kind::AzureResource => arm::roles(api, events, true).await,
    }
}

pub async fn wait(api: &ApiClient, events: &EventSink, params: WaitParams) -> Result<Vec<WaitResult>, Error> {
    let timeout = Duration::from_secs(params.timeout_sec.unwrap_or(600));
    let base = Duration::from_secs_f64(params.interval_sec.unwrap_or(5.0).clamp(0.2, 300.0));
    let deadline = Instant::now() + timeout;
    let mut results: Vec<WaitResult> = params
        .requests
        .iter()
        .map(|t| WaitResult {
            request_id: t.request_id.clone(),
            key: t.key.clone(),
            role_name: t.role_name.clone(),
            kind: t.kind,
            status: WaitStatus::PendingApproval,
            request_status: None,
            active_until: None,
            message: None,
        })
        .collect();
    let mut interval = base;
    loop {
        let open: BTreeSet<Kind> = results.iter().filter(|r| !is_final(r.status)).map(|r| r.kind).collect();
        let lists = futures::future::join_all(
            open.iter()
                .map(|kind| async move { (*kind, my_requests(api, events, *kind).await) }),
        )
        .await;
        let lists: HashMap<Kind, Vec<Value>> = lists
            .into_iter()
            .filter_map(|(kind, listed)| match listed {
                Ok(listed) => Some((kind, listed)),
                Err(error) => {
                    tracing::warn!("could not read {kind:?} requests this round: {error}");
                    None
                }
            })
            .collect();
        for (result, target) in results.iter_mut().zip(&params.requests) {
            if is_final(result.status) {
                continue;
            }
            let Some(request) = lists
                .get(&target.kind)
                .and_then(|l| l.iter().find(|r| request_id_matches(&target.request_id, r)))
            else {
                continue;
            };
            let service_status = request_status(request).to_string();
            result.status = classify(&service_status, target.deactivate);
            result.request_status = Some(service_status);
        }
        // Provisioned is not yet active: confirm the instance is visible (one list per surface).
        let confirming: BTreeSet<Kind> = results
            .iter()
            .filter(|r| r.status == WaitStatus::Provisioning)
            .map(|r| r.kind)
            .collect();
        let instances = futures::future::join_all(
            confirming
                .iter()
                .map(|kind| async move { (*kind, active_instances(api, events, *kind).await) }),
        )
        .await;
        let active: HashMap<String, Option<DateTime<Utc>>> = instances
            .into_iter()
            .filter_map(|(_, found)| found.ok())
            .flatten()
            .map(|role| (role.key, role.active_until))
            .collect();
        for result in results
            .iter_mut()
            .filter(|r| r.status == WaitStatus::Provisioning && r.request_status.is_some())
        {
            if let Some(until) = active.get(&result.key) {
                result.status = WaitStatus::Active;
                result.active_until = *until;
            }
        }
        report(events, &results);
        if results.iter().all(|r| is_final(r.status)) {
            return Ok(results);
        }
        let now = Instant::now();
        if now >= deadline {
            for result in results.iter_mut().filter(|r| !is_final(r.status)) {
                result.message = Some(format!(
                    "still {} after {} s",
                    result.request_status.as_deref().unwrap_or("not visible"),
                    timeout.as_secs()
                ));
                result.status = WaitStatus::TimedOut;
            }
            return Ok(results);
        }
        tokio::time::sleep(interval.min(deadline - now)).await;
        interval = (interval.mul_f64(1.25)).min(MAX_INTERVAL.max(base));
    }
}

fn report(events: &EventSink, results: &[WaitResult]) {
    let done = results.iter().filter(|r| is_final(r.status)).count();
    events.progress(json!({
        "activity": "Waiting for PIM requests",
        "status": format!("{done} of {} done", results.len()),
        "percent": if results.is_empty() { 100 } else { done * 100 / results.len() },
    }));
    for result in results {
        events.emit(
            "requestStatus",
            json!({"requestId": result.request_id, "key": result.key, "roleName": result.role_name, "status": result.status, "requestStatus": result.request_status}),
        );
    }
}

/// Rejects an empty or malformed wait before any call.
pub fn validate(params: &WaitParams) -> Result<(), Error> {
    if params.requests.iter().any(|r| r.request_id.trim().is_empty()) {
        return Err(Error::service(
            ErrorKind::InvalidArgument,
            "MissingRequestId",
            "every request to wait for needs its RequestId",
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CancelParams {
    pub requests: Vec<WaitTarget>,
}

/// Cancels pending requests (Graph `POST …/{id}/cancel`, ARM `POST {requestId}/cancel`). Returns the
/// ids that were cancelled; a request no longer cancellable is reported, not an error for the rest.
pub async fn cancel(api: &ApiClient, events: &EventSink, params: CancelParams) -> Result<Value, Error> {
    let endpoints = api.auth().endpoints()?;
    let client = api.http().inner().clone();
    let mut cancelled = Vec::new();
    let mut refused = Vec::new();
    for target in &params.requests {
        let (resource, url) = match target.kind {
            Kind::AzureResource => (
                crate::auth::cloud::Resource::Arm,
                format!(
                    "{}{}/cancel?api-version={}",
                    endpoints.arm.as_str().trim_end_matches('/'),
                    target.request_id,
                    arm::API_VERSION
                ),
            ),
            kind => {
                let collection = if kind == Kind::Group {
                    "identityGovernance/privilegedAccess/group/assignmentScheduleRequests"
                } else {
                    "roleManagement/directory/roleAssignmentScheduleRequests"
                };
                (
                    crate::auth::cloud::Resource::Graph,
                    format!(
                        "{}/v1.0/{collection}/{}/cancel",
                        endpoints.graph.as_str().trim_end_matches('/'),
                        target.request_id
                    ),
                )
            }
        };
        let response = api
            .send(resource, crate::http::Idempotency::Idempotent, None, events, |token| {
                client
                    .post(&url)
                    .header("authorization", token.authorization())
                    .header("content-length", "0")
            })
            .await?;
        if response.status.is_success() {
            cancelled.push(target.request_id.clone());
        } else {
            let error = response.into_error(resource);
            refused.push(json!({"requestId": target.request_id, "code": error.code(), "message": error.to_string()}));
        }
    }
    Ok(json!({"cancelled": cancelled, "refused": refused}))
}
