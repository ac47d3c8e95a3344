//! The one reading of the services' request status words (pim-api.md §2.7, §5.6; Graph and ARM
//! share them, and both are open sets): where a request stands, given whether it activates or
//! deactivates and when its activation starts. Activation outcomes, waiting and listing all map
//! from here.

use super::model::time;
use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    /// Waiting for an approver.
    PendingApproval,
    /// Accepted; the service is still writing (or removing) the assignment.
    Provisioning,
    /// Accepted; the activation starts later (Graph answers `Granted` with a future start).
    Scheduled,
    /// The activation is in force; the active instance may take a few seconds to show.
    Provisioned,
    /// A deactivation completed, or the assignment was revoked.
    Deactivated,
    Denied,
    Canceled,
    Failed,
}

impl RequestState {
    pub const ALL: [RequestState; 8] = [
        RequestState::PendingApproval,
        RequestState::Provisioning,
        RequestState::Scheduled,
        RequestState::Provisioned,
        RequestState::Deactivated,
        RequestState::Denied,
        RequestState::Canceled,
        RequestState::Failed,
    ];

    /// Still on its way: approval, provisioning, or a start yet to come. The one reading of
    /// "pending": listings, activation outcomes and waits (and the host, through them) follow it.
    pub fn in_progress(self) -> bool {
        matches!(
            self,
            RequestState::PendingApproval | RequestState::Provisioning | RequestState::Scheduled
        )
    }
}

/// A start at most this far ahead is "now" (clocks differ; the service rounds).
fn scheduled_after() -> chrono::Duration {
    chrono::Duration::minutes(1)
}

/// Where a request with the service's `status` stands at `now`.
pub fn request_state(status: &str, deactivate: bool, start: Option<DateTime<Utc>>, now: DateTime<Utc>) -> RequestState {
    let starts_later = start.is_some_and(|start| start > now + scheduled_after());
    match status {
        "PendingApproval" | "PendingAdminDecision" | "PendingEvaluation" | "PendingApprovalProvisioning" => {
            RequestState::PendingApproval
        }
        other if other.starts_with("Pending") && other.contains("Approval") => RequestState::PendingApproval,
        "Provisioned" if deactivate => RequestState::Deactivated,
        "Provisioned" => RequestState::Provisioned,
        // The result of a deactivation, or an assignment ended by someone else: not active either way.
        "Revoked" => RequestState::Deactivated,
        "Denied" | "AdminDenied" => RequestState::Denied,
        "Canceled" => RequestState::Canceled,
        "Failed" | "FailedAsResourceIsLocked" | "Invalid" | "TimedOut" | "" => RequestState::Failed,
        _ if deactivate => RequestState::Provisioning,
        // Granted, PendingProvisioning, PendingScheduleCreation, ScheduleCreated, Accepted,
        // ProvisioningStarted, AdminApproved, PendingExternalProvisioning, and words not known yet.
        _ if starts_later => RequestState::Scheduled,
        _ => RequestState::Provisioning,
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

/// A request's status word, as the service wrote it.
pub fn request_status(request: &Value) -> &str {
    request_fields(request)["status"].as_str().unwrap_or_default()
}

/// `selfActivate` / `selfDeactivate` (Graph `action`, ARM `requestType`).
pub fn request_action(request: &Value) -> &str {
    let fields = request_fields(request);
    fields["action"]
        .as_str()
        .or(fields["requestType"].as_str())
        .unwrap_or_default()
}

/// When the requested activation starts.
pub fn request_start(request: &Value) -> Option<DateTime<Utc>> {
    time(&request_fields(request)["scheduleInfo"]["startDateTime"])
}

/// When the service created the request.
pub fn request_created(request: &Value) -> Option<DateTime<Utc>> {
    let fields = request_fields(request);
    let text = fields["createdDateTime"].as_str().or(fields["createdOn"].as_str())?;
    time(&Value::from(text))
}

/// Where a listed or returned request stands now.
pub fn state_of(request: &Value) -> RequestState {
    let deactivate = request_action(request).eq_ignore_ascii_case("selfDeactivate");
    request_state(request_status(request), deactivate, request_start(request), Utc::now())
}

/// Whether a listed request activates a role and is still on its way.
pub fn is_activation_in_progress(request: &Value) -> bool {
    request_action(request).eq_ignore_ascii_case("selfActivate") && state_of(request).in_progress()
}

#[cfg(test)]
mod tests {
    use super::RequestState::*;
    use super::*;

    #[test]
    fn every_status_word_maps_to_one_state() {
        let now = Utc::now();
        let later = Some(now + chrono::Duration::hours(2));
        let soon = Some(now + chrono::Duration::seconds(20));
        #[rustfmt::skip]
        let table = [
            // status, deactivate, start, state
            ("Provisioned", false, None, Provisioned),
            ("Provisioned", false, soon, Provisioned),
            ("Provisioned", true, None, Deactivated),
            ("Revoked", true, None, Deactivated),
            ("Revoked", false, None, Deactivated),
            ("Granted", false, None, Provisioning),
            ("Granted", false, soon, Provisioning),
            ("Granted", false, later, Scheduled),
            ("PendingProvisioning", false, None, Provisioning),
            ("PendingProvisioning", false, later, Scheduled),
            ("PendingScheduleCreation", false, later, Scheduled),
            ("ScheduleCreated", false, later, Scheduled),
            ("ScheduleCreated", false, None, Provisioning),
            ("Accepted", false, None, Provisioning),
            ("ProvisioningStarted", false, None, Provisioning),
            ("AdminApproved", false, None, Provisioning),
            ("PendingExternalProvisioning", false, None, Provisioning),
            ("PendingRevocation", true, None, Provisioning),
            ("PendingApproval", false, None, PendingApproval),
            ("PendingApproval", false, later, PendingApproval),
            ("PendingAdminDecision", false, None, PendingApproval),
            ("PendingEvaluation", false, None, PendingApproval),
            ("PendingApprovalProvisioning", false, None, PendingApproval),
            ("Denied", false, None, Denied),
            ("AdminDenied", false, None, Denied),
            ("Canceled", false, None, Canceled),
            ("Failed", false, None, Failed),
            ("FailedAsResourceIsLocked", false, None, Failed),
            ("Invalid", false, None, Failed),
            ("TimedOut", false, None, Failed),
            ("", false, None, Failed),
            ("SomethingNew", false, None, Provisioning),
        ];
        for (status, deactivate, start, state) in table {
            assert_eq!(
                request_state(status, deactivate, start, now),
                state,
                "{status} deactivate={deactivate} start={start:?}"
            );
        }
    }

    #[test]
    fn in_progress_is_what_a_new_request_would_collide_with() {
        let every = [
            PendingApproval,
            Provisioning,
            Scheduled,
            Provisioned,
            Deactivated,
            Denied,
            Canceled,
            Failed,
        ];
        let in_progress: Vec<RequestState> = every.into_iter().filter(|s| s.in_progress()).collect();
        assert_eq!(in_progress, [PendingApproval, Provisioning, Scheduled]);
    }
}
