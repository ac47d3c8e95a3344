//! What became of each role's activation: the request's status in the service's words mapped to
//! Activated / PendingApproval / PendingProvisioning / Scheduled / AlreadyActive / Validated /
//! Deactivated / Failed, with Microsoft's error codes turned into actionable messages.

use super::duration;
use super::model::{ActivationTarget, Kind};
use super::status::{self, RequestState, request_fields, request_start, request_status};
use crate::api::ApiResponse;
use crate::auth::cloud::Resource;
use crate::error::{Error, ErrorIdentity, ErrorKind};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OutcomeStatus {
    Activated,
    PendingApproval,
    PendingProvisioning,
    Scheduled,
    AlreadyActive,
    Validated,
    Deactivated,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeError {
    pub kind: ErrorKind,
    pub code: String,
    /// What hosts name the error by (see [`ErrorIdentity`]).
    pub error_id: String,
    pub category: &'static str,
    pub message: String,
    pub http_status: Option<u16>,
    /// Policy rules the service named (`ExpirationRule`, `JustificationRule`, ...).
    pub failed_rules: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivationOutcome {
    pub key: String,
    pub role_name: String,
    pub kind: Kind,
    pub scope: String,
    pub status: OutcomeStatus,
    /// Graph: the request id; ARM: the request's resource id.
    pub request_id: Option<String>,
    /// The service's own status word (`Provisioned`, `PendingApproval`...).
    pub request_status: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub duration: Option<String>,
    pub error: Option<OutcomeError>,
    pub warnings: Vec<String>,
}

impl ActivationOutcome {
    fn new(target: &ActivationTarget, status: OutcomeStatus) -> Self {
        Self {
            key: target.key.clone(),
            role_name: target.role_name.clone(),
            kind: target.kind,
            scope: target.scope.clone(),
            status,
            request_id: None,
            request_status: None,
            start: None,
            end: None,
            duration: None,
            error: None,
            warnings: Vec::new(),
        }
    }

    pub fn already_active(target: &ActivationTarget) -> Self {
        Self::new(target, OutcomeStatus::AlreadyActive)
    }

    pub fn failed(
        target: &ActivationTarget,
        kind: ErrorKind,
        code: &str,
        message: String,
        http_status: Option<u16>,
        failed_rules: Vec<String>,
    ) -> Self {
        let mut outcome = Self::new(target, OutcomeStatus::Failed);
        let identity = ErrorIdentity::new(kind, code);
        outcome.error = Some(OutcomeError {
            kind,
            code: identity.code,
            error_id: identity.error_id,
            category: identity.category,
            message,
            http_status,
            failed_rules,
        });
        outcome
    }

    pub fn from_error(target: &ActivationTarget, error: &Error, warnings: Vec<String>) -> Self {
        let mut outcome = Self::failed(
            target,
            error.kind(),
            error.code(),
            error.to_string(),
            error.http_status(),
            Vec::new(),
        );
        outcome.warnings = warnings;
        outcome
    }
}

/// What an outcome says for a request in `state`; `None` for the states that are failures.
fn outcome_status(state: RequestState) -> Option<OutcomeStatus> {
    match state {
        RequestState::PendingApproval => Some(OutcomeStatus::PendingApproval),
        RequestState::Provisioning => Some(OutcomeStatus::PendingProvisioning),
        RequestState::Scheduled => Some(OutcomeStatus::Scheduled),
        RequestState::Provisioned => Some(OutcomeStatus::Activated),
        RequestState::Deactivated => Some(OutcomeStatus::Deactivated),
        RequestState::Denied | RequestState::Canceled | RequestState::Failed => None,
    }
}

/// The outcomes still on their way, which a wait can follow: the states that are
/// [`RequestState::in_progress`], as outcomes name them.
pub fn pending_statuses() -> Vec<OutcomeStatus> {
    RequestState::ALL
        .into_iter()
        .filter(|state| state.in_progress())
        .filter_map(outcome_status)
        .collect()
}

/// The outcome of an accepted request (Graph body, or ARM `{properties}`).
pub fn from_request(
    target: &ActivationTarget,
    body: &Value,
    deactivate: bool,
    validate_only: bool,
) -> ActivationOutcome {
    let service_status = request_status(body).to_string();
    let start = request_start(body);
    let length = request_fields(body)["scheduleInfo"]["expiration"]["duration"]
        .as_str()
        .and_then(|d| duration::parse(d).ok());
    let state = status::request_state(&service_status, deactivate, start, Utc::now());
    let status = match outcome_status(state) {
        _ if validate_only => OutcomeStatus::Validated,
        Some(status) => status,
        None => {
            let mut failed = ActivationOutcome::failed(
                target,
                ErrorKind::Service,
                &service_status,
                format!("the request ended as {service_status}"),
                None,
                Vec::new(),
            );
            failed.request_id = body["id"].as_str().map(str::to_string);
            failed.request_status = Some(service_status);
            return failed;
        }
    };
    let mut outcome = ActivationOutcome::new(target, status);
    outcome.request_id = body["id"].as_str().map(str::to_string);
    outcome.request_status = Some(service_status);
    outcome.start = start;
    outcome.end = match (start, length) {
        (Some(start), Some(length)) => chrono::Duration::from_std(length).ok().map(|l| start + l),
        _ => None,
    };
    outcome.duration = length.map(duration::format);
    outcome
}

const RULES: [&str; 8] = [
    "ExpirationRule",
    "JustificationRule",
    "TicketingRule",
    "MfaRule",
    "EligibilityRule",
    "ApprovalRule",
    "ActivationDayRule",
    "AdminRequestRule",
];

/// Rule names in either message form: `["ExpirationRule","JustificationRule"]` or `JustificationRule - ...`.
pub fn failed_rules(message: &str) -> Vec<String> {
    let lower = message.to_ascii_lowercase();
    RULES
        .iter()
        .filter(|rule| lower.contains(&rule.to_ascii_lowercase()))
        .map(|r| r.to_string())
        .collect()
}

/// What a failed rule means. Like every per-role message, without the role's name (the host shows it
/// in front) and without the host's own commands or parameters (the host recommends those).
fn explain(rule: &str) -> String {
    match rule {
        "ExpirationRule" => "the requested duration exceeds the role's maximum".into(),
        "JustificationRule" => "a justification is required".into(),
        "TicketingRule" => "ticket information (a ticket number and its system) is required".into(),
        "MfaRule" => "this sign-in has not completed multi-factor authentication".into(),
        "EligibilityRule" => "you are not (or no longer) eligible for this role at this scope".into(),
        other => format!("policy rule {other} failed"),
    }
}

/// What a refused request means: an outcome, or a look-up the caller makes first.
pub enum Refusal {
    Outcome(Box<ActivationOutcome>),
    /// The ARM request's own name already exists (an earlier send went through): read it back and
    /// pass what was found to [`read_back`].
    ReadBack,
    /// A request for the role is already on its way: find it and pass it to [`attach_pending`].
    FindPending,
}

/// The outcome of an ARM request read back by its name (`None`: the service does not have it).
pub fn read_back(target: &ActivationTarget, found: Option<&Value>, deactivate: bool) -> ActivationOutcome {
    match found {
        Some(body) => from_request(target, body, deactivate, false),
        None => ActivationOutcome::already_active(target),
    }
}

/// The outcome of attaching to the pending request found for the role (`None`: it could not be
/// looked up).
pub fn attach_pending(target: &ActivationTarget, pending: Option<&Value>, deactivate: bool) -> ActivationOutcome {
    match pending {
        Some(pending) => {
            let mut outcome = from_request(target, pending, deactivate, false);
            let status = request_status(pending);
            outcome.warnings.push(format!(
                "a request for this role was already on its way ({status}); attached to it"
            ));
            outcome
        }
        None => {
            let mut outcome = ActivationOutcome::new(target, OutcomeStatus::PendingApproval);
            outcome
                .warnings
                .push("a request for this role is already pending; it could not be looked up".into());
            outcome
        }
    }
}

/// What the refusal `response` to a request sent to `resource` means.
pub fn from_error_response(
    target: &ActivationTarget,
    response: &ApiResponse,
    resource: Resource,
    deactivate: bool,
) -> Refusal {
    let status = response.status.as_u16();
    let Some((code, message)) = response.error_code_and_message() else {
        return Refusal::Outcome(Box::new(ActivationOutcome::from_error(
            target,
            &response.into_error(resource),
            Vec::new(),
        )));
    };
    let outcome = match code.as_str() {
        "RoleAssignmentRequestExists" if resource == Resource::Arm => return Refusal::ReadBack,
        "RoleAssignmentExists" | "RoleAssignmentRequestExists" if !deactivate => {
            ActivationOutcome::already_active(target)
        }
        "PendingRoleAssignmentRequest" => return Refusal::FindPending,
        "RoleAssignmentRequestPolicyValidationFailed" => {
            let rules = failed_rules(&message);
            let explained: Vec<String> = rules.iter().map(|r| explain(r)).collect();
            let text = if explained.is_empty() {
                message.clone()
            } else {
                explained.join("; ")
            };
            ActivationOutcome::failed(target, ErrorKind::PolicyViolation, &code, text, Some(status), rules)
        }
        "ActiveDurationTooShort" => ActivationOutcome::failed(
            target,
            ErrorKind::PolicyViolation,
            &code,
            "the role can be deactivated only after it has been active for 5 minutes; try again in a few minutes"
                .into(),
            Some(status),
            Vec::new(),
        ),
        "RoleAssignmentDoesNotExist" => ActivationOutcome::failed(
            target,
            ErrorKind::Service,
            &code,
            "the role is not active at this scope (or the activation has not propagated yet)".into(),
            Some(status),
            Vec::new(),
        ),
        code if code.contains("AcrsValidationFailed") => ActivationOutcome::failed(
            target,
            ErrorKind::InteractionRequired,
            code,
            "the role requires a Conditional Access authentication context that this sign-in could not satisfy".into(),
            Some(status),
            Vec::new(),
        ),
        _ => ActivationOutcome::from_error(target, &response.into_error(resource), Vec::new()),
    };
    Refusal::Outcome(Box::new(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reader() -> ActivationTarget {
        serde_json::from_value(json!({
            "key": "k", "kind": "DirectoryRole", "roleName": "Reader", "roleDefinitionId": "r", "scope": "/",
            "principalId": "me", "groupId": null, "accessId": null, "directoryScopeId": "/",
            "eligibilityScheduleId": null, "status": null
        }))
        .unwrap()
    }

    #[test]
    fn revoked_ends_as_deactivated_whichever_way_the_request_went() {
        let target = reader();
        for deactivate in [false, true] {
            let outcome = from_request(&target, &json!({"id": "1", "status": "Revoked"}), deactivate, false);
            assert_eq!(outcome.status, OutcomeStatus::Deactivated, "deactivate={deactivate}");
        }
    }

    #[test]
    fn pending_outcomes_are_the_in_progress_states() {
        use OutcomeStatus::*;
        assert_eq!(pending_statuses(), [PendingApproval, PendingProvisioning, Scheduled]);
    }

    #[test]
    fn a_failed_outcome_carries_its_error_id_and_category() {
        let target = reader();
        let outcome = ActivationOutcome::failed(
            &target,
            ErrorKind::PolicyViolation,
            "TicketRequired",
            "pass a ticket".into(),
            None,
            Vec::new(),
        );
        let error = &serde_json::to_value(&outcome).unwrap()["error"];
        assert_eq!(error["errorId"], "PimRust.PolicyViolation.TicketRequired");
        assert_eq!(error["category"], "PermissionDenied");
        assert_eq!(error["kind"], "PolicyViolation");
        assert_eq!(error["code"], "TicketRequired");
    }

    #[test]
    fn reads_failed_rules_in_both_message_forms() {
        assert_eq!(
            failed_rules(r#"The following policy rules failed: ["ExpirationRule","JustificationRule"]"#),
            ["ExpirationRule", "JustificationRule"]
        );
        assert_eq!(
            failed_rules("The following policy rules failed: MfaRule - Multi-factor authentication is required"),
            ["MfaRule"]
        );
        assert!(failed_rules("something else").is_empty());
    }
}
