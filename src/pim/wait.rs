//! Waiting for requests until access is real: per interval one list of my requests per surface (not
//! one call per request), then one list of active instances per surface to confirm that provisioned
//! requests really show up as active. A request missing from its surface's list is looked up by id,
//! so an id the service does not know ends as `NotFound` at the first poll. `Scheduled` is final for
//! now: the role becomes active at its start, long after anyone should wait. Each request is reported
//! with a `requestFinished` event the moment it is final, and every request ends final or `TimedOut`.

pub use super::cancel::{CancelParams, cancel};

use super::model::{EligibleRole, Kind};
use super::requests::{self, my_requests, request_state, request_status};
use super::status::RequestState;
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
    /// Accepted for compatibility: the request's own action says whether it deactivates.
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
    /// Accepted with a start in the future (see `start`).
    Scheduled,
    Active,
    Deactivated,
    Denied,
    Canceled,
    Failed,
    /// The service does not know the request id (or it is not the caller's).
    NotFound,
    TimedOut,
}

impl WaitStatus {
    fn of(state: RequestState) -> Self {
        match state {
            RequestState::PendingApproval => WaitStatus::PendingApproval,
            // Provisioned is not yet usable: it stays Provisioning until the instance shows up.
            RequestState::Provisioning | RequestState::Provisioned => WaitStatus::Provisioning,
            RequestState::Scheduled => WaitStatus::Scheduled,
            RequestState::Deactivated => WaitStatus::Deactivated,
            RequestState::Denied => WaitStatus::Denied,
            RequestState::Canceled => WaitStatus::Canceled,
            RequestState::Failed => WaitStatus::Failed,
        }
    }

    pub fn is_final(self) -> bool {
        !matches!(self, WaitStatus::PendingApproval | WaitStatus::Provisioning)
    }
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
    /// When the requested activation starts (known once the request was seen).
    pub start: Option<DateTime<Utc>>,
    pub active_until: Option<DateTime<Utc>>,
    /// Why the request ended as it did, or what went wrong with the last poll.
    pub message: Option<String>,
}

impl WaitResult {
    fn waiting(target: &WaitTarget) -> Self {
        Self {
            request_id: target.request_id.clone(),
            key: target.key.clone(),
            role_name: target.role_name.clone(),
            kind: target.kind,
            status: WaitStatus::PendingApproval,
            request_status: None,
            start: None,
            active_until: None,
            message: None,
        }
    }

    /// Takes in the request as the service shows it now.
    fn update(&mut self, request: &Value) {
        let service_status = request_status(request).to_string();
        self.status = WaitStatus::of(request_state(request));
        self.start = requests::request_start(request);
        self.message = match self.status {
            WaitStatus::Scheduled => self
                .start
                .map(|start| format!("scheduled to start at {}", start.to_rfc3339())),
            WaitStatus::Denied | WaitStatus::Canceled | WaitStatus::Failed => {
                Some(format!("the request ended as {service_status}"))
            }
            _ => None,
        };
        self.request_status = Some(service_status);
    }

    fn not_found(&mut self) {
        self.status = WaitStatus::NotFound;
        self.message = Some(format!(
            "request {} was not found: it does not exist, or it is not yours",
            self.request_id
        ));
    }

    fn time_out(&mut self, timeout: Duration) {
        let seconds = timeout.as_secs();
        self.message = Some(match (self.message.take(), &self.request_status) {
            (Some(problem), _) => format!("gave up after {seconds} s: {problem}"),
            (None, Some(status)) => format!("still {status} after {seconds} s"),
            (None, None) => format!("still not visible after {seconds} s"),
        });
        self.status = WaitStatus::TimedOut;
    }
}

const MAX_INTERVAL: Duration = Duration::from_secs(30);

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
    let mut results: Vec<WaitResult> = params.requests.iter().map(WaitResult::waiting).collect();
    let mut reported = vec![false; results.len()];
    let mut interval = base;
    loop {
        poll(api, events, &params.requests, &mut results).await;
        confirm_active(api, events, &mut results).await;
        report(events, &results, &mut reported);
        if results.iter().all(|r| r.status.is_final()) {
            return Ok(results);
        }
        let now = Instant::now();
        if now >= deadline {
            for result in results.iter_mut().filter(|r| !r.status.is_final()) {
                result.time_out(timeout);
            }
            report_finished(events, &results, &mut reported);
            return Ok(results);
        }
        tokio::time::sleep(interval.min(deadline - now)).await;
        interval = (interval.mul_f64(1.25)).min(MAX_INTERVAL.max(base));
    }
}

/// One list of my requests per surface with open requests; a request missing from a list is looked
/// up by its id. A failed poll leaves the request open, with the failure as its message.
async fn poll(api: &ApiClient, events: &EventSink, targets: &[WaitTarget], results: &mut [WaitResult]) {
    let open: BTreeSet<Kind> = results
        .iter()
        .filter(|r| !r.status.is_final())
        .map(|r| r.kind)
        .collect();
    let lists: HashMap<Kind, Result<Vec<Value>, Error>> = futures::future::join_all(
        open.iter()
            .map(|kind| async move { (*kind, my_requests(api, events, *kind).await) }),
    )
    .await
    .into_iter()
    .collect();
    for (result, target) in results.iter_mut().zip(targets) {
        if result.status.is_final() {
            continue;
        }
        let listed = match lists.get(&target.kind) {
            Some(Ok(listed)) => listed
                .iter()
                .find(|r| request_id_matches(&target.request_id, r))
                .cloned(),
            Some(Err(error)) => {
                tracing::warn!("could not read {:?} requests this round: {error}", target.kind);
                result.message = Some(error.to_string());
                continue;
            }
            None => continue,
        };
        let found = match listed {
            Some(request) => Some(request),
            None => match requests::fetch(api, events, target.kind, &target.request_id).await {
                Ok(found) => found,
                Err(error) => {
                    result.message = Some(error.to_string());
                    continue;
                }
            },
        };
        match found {
            Some(request) => result.update(&request),
            None => result.not_found(),
        }
    }
}

/// Provisioned is not yet active: confirms the instance is visible (one list per surface).
async fn confirm_active(api: &ApiClient, events: &EventSink, results: &mut [WaitResult]) {
    let confirming: BTreeSet<Kind> = results
        .iter()
        .filter(|r| r.status == WaitStatus::Provisioning)
        .map(|r| r.kind)
        .collect();
    let instances = futures::future::join_all(
        confirming
            .iter()
            .map(|kind| async move { active_instances(api, events, *kind).await }),
    )
    .await;
    let active: HashMap<String, Option<DateTime<Utc>>> = instances
        .into_iter()
        .filter_map(Result::ok)
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
}

/// Progress, each request's status, and `requestFinished` for the requests that just became final.
fn report(events: &EventSink, results: &[WaitResult], reported: &mut [bool]) {
    let done = results.iter().filter(|r| r.status.is_final()).count();
    events.progress(json!({
        "activity": "Waiting for PIM requests",
        "status": format!("{done} of {} done", results.len()),
        "percent": if results.is_empty() { 100 } else { done * 100 / results.len() },
    }));
    for result in results {
        events.emit("requestStatus", serde_json::to_value(result).unwrap_or_default());
    }
    report_finished(events, results, reported);
}

/// `requestFinished` once per request: the same object the final result holds for it.
fn report_finished(events: &EventSink, results: &[WaitResult], reported: &mut [bool]) {
    for (result, reported) in results.iter().zip(reported.iter_mut()) {
        if result.status.is_final() && !*reported {
            *reported = true;
            events.emit("requestFinished", serde_json::to_value(result).unwrap_or_default());
        }
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
