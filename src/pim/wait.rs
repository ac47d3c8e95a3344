//! Waiting for requests until access is real: per interval one list of my requests per surface (not
//! one call per request), then one list of active instances per surface to confirm that provisioned
//! requests really show up as active. A request missing from its surface's list is looked up by id,
//! so an id the service does not know ends as `NotFound` at the first poll. `Scheduled` is final for
//! now: the role becomes active at its start, long after anyone should wait. Each request is reported
//! with a `requestFinished` event the moment it is final, and every request ends final or `TimedOut`.

pub use super::cancel::{CancelParams, cancel};
pub use super::model::WaitTarget;

use super::list::instances;
use super::model::Kind;
use super::requests::{fetch, my_requests};
use super::status::{RequestState, request_start, request_status, state_of};
use crate::api::ApiClient;
use crate::error::{Error, ErrorIdentity, ErrorKind};
use crate::events::{Event, EventSink};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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

    /// The error a request that ended this way is reported as; `None` while it is open or when it
    /// ended with the access asked for.
    fn failure(self) -> Option<ErrorIdentity> {
        match self {
            WaitStatus::Denied | WaitStatus::Canceled | WaitStatus::Failed | WaitStatus::NotFound => {
                Some(ErrorIdentity::new(ErrorKind::Request, &format!("{self:?}")))
            }
            WaitStatus::TimedOut => Some(ErrorIdentity::new(ErrorKind::Timeout, "Timeout")),
            _ => None,
        }
    }
}

/// The statuses of a request still on its way (which a host shows as open): the states that are
/// [`RequestState::in_progress`], as waits name them. `Scheduled` is among them though a wait ends there.
pub fn open_statuses() -> Vec<WaitStatus> {
    RequestState::ALL
        .into_iter()
        .filter(|state| state.in_progress())
        .map(WaitStatus::of)
        .collect()
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
    /// How a host names the failure, when the request ended without access or the wait timed out.
    pub error: Option<ErrorIdentity>,
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
            error: None,
        }
    }

    /// Takes in the request as the service shows it now.
    fn update(&mut self, request: &Value) {
        let service_status = request_status(request).to_string();
        self.status = WaitStatus::of(state_of(request));
        self.start = request_start(request);
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
        self.error = self.status.failure();
    }

    fn not_found(&mut self) {
        self.status = WaitStatus::NotFound;
        self.message = Some(format!(
            "request {} was not found: it does not exist, or it is not yours",
            self.request_id
        ));
        self.error = self.status.failure();
    }

    fn time_out(&mut self, timeout: Duration) {
        let seconds = timeout.as_secs();
        self.message = Some(match (self.message.take(), &self.request_status) {
            (Some(problem), _) => format!("gave up after {seconds} s: {problem}"),
            (None, Some(status)) => format!("still {status} after {seconds} s"),
            (None, None) => format!("still not visible after {seconds} s"),
        });
        self.status = WaitStatus::TimedOut;
        self.error = self.status.failure();
    }
}

const MAX_INTERVAL: Duration = Duration::from_secs(30);
const LAST_ROUND: Duration = Duration::from_secs(2);

fn request_id_matches(wanted: &str, listed: &Value) -> bool {
    let id = listed["id"].as_str().unwrap_or_default();
    id.eq_ignore_ascii_case(wanted)
        || listed["name"]
            .as_str()
            .is_some_and(|n| wanted.to_ascii_lowercase().ends_with(&n.to_ascii_lowercase()))
}

/// When to poll and when to give up, shared by every surface's loop.
#[derive(Clone, Copy)]
struct Schedule {
    deadline: Instant,
    timeout: Duration,
    base: Duration,
}

/// Requests of one surface, with their place in the caller's list.
struct SurfaceWait<'a> {
    kind: Kind,
    targets: Vec<&'a WaitTarget>,
    results: Vec<(usize, WaitResult)>,
    reported: Vec<bool>,
}

/// Each surface polls on its own: a slow or failing surface never holds back another's results.
pub async fn wait(api: &ApiClient, params: WaitParams) -> Result<Vec<WaitResult>, Error> {
    let timeout = Duration::from_secs(params.timeout_sec.unwrap_or(600));
    let schedule = Schedule {
        deadline: Instant::now() + timeout,
        timeout,
        base: Duration::from_secs_f64(params.interval_sec.unwrap_or(5.0).clamp(0.2, 300.0)),
    };
    let kinds: BTreeSet<Kind> = params.requests.iter().map(|r| r.kind).collect();
    let surfaces = kinds.into_iter().map(|kind| {
        let (indexes, targets): (Vec<usize>, Vec<&WaitTarget>) = params
            .requests
            .iter()
            .enumerate()
            .filter(|(_, target)| target.kind == kind)
            .unzip();
        SurfaceWait {
            kind,
            results: indexes
                .into_iter()
                .zip(&targets)
                .map(|(index, target)| (index, WaitResult::waiting(target)))
                .collect(),
            reported: vec![false; targets.len()],
            targets,
        }
    });
    let progress = Progress {
        done: AtomicUsize::new(0),
        total: params.requests.len(),
    };
    let finished =
        futures::future::join_all(surfaces.map(|surface| wait_surface(api, surface, schedule, &progress))).await;
    let mut results: Vec<(usize, WaitResult)> = finished.into_iter().flatten().collect();
    results.sort_by_key(|(index, _)| *index);
    Ok(results.into_iter().map(|(_, result)| result).collect())
}

async fn wait_surface(
    api: &ApiClient,
    mut surface: SurfaceWait<'_>,
    schedule: Schedule,
    progress: &Progress,
) -> Vec<(usize, WaitResult)> {
    let mut interval = schedule.base;
    loop {
        // The round at the deadline still gets a moment: a healthy poll answers in milliseconds.
        let left = schedule
            .deadline
            .saturating_duration_since(Instant::now())
            .max(LAST_ROUND);
        let round = async {
            poll(api, &surface.targets, &mut surface.results).await;
            confirm_active(api, surface.kind, &mut surface.results).await;
        };
        if tokio::time::timeout(left, round).await.is_err() {
            // The last problem a finished round saw says more than the round cut short.
            for (_, result) in surface.results.iter_mut().filter(|(_, r)| !r.status.is_final()) {
                result
                    .message
                    .get_or_insert_with(|| "the service did not answer in the time left".into());
            }
        }
        if Instant::now() >= schedule.deadline {
            for (_, result) in surface.results.iter_mut().filter(|(_, r)| !r.status.is_final()) {
                result.time_out(schedule.timeout);
            }
        }
        report(api.events(), &mut surface, progress);
        if surface.results.iter().all(|(_, r)| r.status.is_final()) {
            return surface.results;
        }
        let left = schedule.deadline.saturating_duration_since(Instant::now());
        tokio::time::sleep(interval.min(left)).await;
        interval = (interval.mul_f64(1.25)).min(MAX_INTERVAL.max(schedule.base));
    }
}

/// My requests of one surface in one list; a request missing from it is looked up by its id. A
/// failed poll leaves the request open, with the failure as its message.
async fn poll(api: &ApiClient, targets: &[&WaitTarget], results: &mut [(usize, WaitResult)]) {
    let Some(kind) = targets.first().map(|t| t.kind) else {
        return;
    };
    let listed = match my_requests(api, kind).await {
        Ok(listed) => listed,
        Err(error) => {
            tracing::warn!("could not read {kind:?} requests this round: {error}");
            for (_, result) in results.iter_mut().filter(|(_, r)| !r.status.is_final()) {
                result.message = Some(error.to_string());
            }
            return;
        }
    };
    for ((_, result), target) in results.iter_mut().zip(targets) {
        if result.status.is_final() {
            continue;
        }
        let found = match listed.iter().find(|r| request_id_matches(&target.request_id, r)) {
            Some(request) => Some(request.clone()),
            None => match fetch(api, kind, &target.request_id).await {
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

/// Provisioned is not yet active: confirms the instance is visible (one list for the surface).
async fn confirm_active(api: &ApiClient, kind: Kind, results: &mut [(usize, WaitResult)]) {
    let confirming = |r: &WaitResult| r.status == WaitStatus::Provisioning && r.request_status.is_some();
    if !results.iter().any(|(_, r)| confirming(r)) {
        return;
    }
    let Ok(instances) = instances(api, kind, true).await else {
        return;
    };
    let active: HashMap<String, Option<DateTime<Utc>>> = instances
        .into_iter()
        .map(|role| (role.key, role.active_until))
        .collect();
    for (_, result) in results.iter_mut().filter(|(_, r)| confirming(r)) {
        if let Some(until) = active.get(&result.key) {
            result.status = WaitStatus::Active;
            result.active_until = *until;
        }
    }
}

/// How many requests of all surfaces are final, for the one progress bar.
struct Progress {
    done: AtomicUsize,
    total: usize,
}

/// Progress, each request's status, and `requestFinished` for the requests that just became final
/// (the same object the final result holds for it).
fn report(events: &EventSink, surface: &mut SurfaceWait<'_>, progress: &Progress) {
    let mut newly_final = 0;
    for ((_, result), reported) in surface.results.iter().zip(surface.reported.iter_mut()) {
        events.emit(Event::RequestStatus(serde_json::to_value(result).unwrap_or_default()));
        if result.status.is_final() && !*reported {
            *reported = true;
            newly_final += 1;
            events.emit(Event::RequestFinished(serde_json::to_value(result).unwrap_or_default()));
        }
    }
    let done = progress.done.fetch_add(newly_final, Ordering::SeqCst) + newly_final;
    events.emit(Event::progress(
        "Waiting for PIM requests",
        format!("{done} of {} done", progress.total),
        (done * 100).checked_div(progress.total).unwrap_or(100) as u64,
    ));
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn revoked_ends_the_wait_as_deactivated() {
        for action in ["selfActivate", "selfDeactivate"] {
            let request = json!({"id": "1", "status": "Revoked", "action": action});
            assert_eq!(WaitStatus::of(state_of(&request)), WaitStatus::Deactivated, "{action}");
        }
    }

    #[test]
    fn open_statuses_are_the_in_progress_states() {
        use WaitStatus::*;
        assert_eq!(open_statuses(), [PendingApproval, Provisioning, Scheduled]);
    }

    #[test]
    fn ended_requests_carry_the_error_hosts_report() {
        let target = json!({"requestId": "r1", "kind": "DirectoryRole", "key": "k", "roleName": "Reader"});
        let mut result = WaitResult::waiting(&serde_json::from_value(target).unwrap());
        let error = |r: &WaitResult| serde_json::to_value(r).unwrap()["error"].clone();
        result.update(&json!({"id": "r1", "status": "Denied"}));
        assert_eq!(error(&result)["errorId"], "PimRust.Request.Denied");
        assert_eq!(error(&result)["category"], "PermissionDenied");
        result.not_found();
        assert_eq!(error(&result)["errorId"], "PimRust.Request.NotFound");
        result.time_out(Duration::from_secs(1));
        assert_eq!(error(&result)["errorId"], "PimRust.Timeout");
        result.update(&json!({"id": "r1", "status": "Provisioned"}));
        assert!(error(&result).is_null());
    }
}
