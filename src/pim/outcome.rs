//! What became of each role's activation: the request's status in the service's words mapped to
//! Activated / PendingApproval / PendingProvisioning / Scheduled / AlreadyActive / Validated /
//! Deactivated / Failed, with Microsoft's error codes turned into actionable messages.

use super::activate::ActivationTarget;
use super::model::Kind;
use super::requests::{self, RequestRef};
use crate::api::{ApiClient, ApiResponse};
use crate::auth::cloud::Resource;
use crate::error::{Error, ErrorKind};
use crate::events::EventSink;
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
        outcome.error = Some(OutcomeError {
            kind,
            code: code.to_string(),
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

/// Maps the service's status word.
pub fn status_of(service_status: &str, deactivate: bool, start: Option<DateTime<Utc>>) -> OutcomeStatus {
    match service_status {
        "Provisioned" if deactivate => OutcomeStatus::Deactivated,
        "Revoked" => OutcomeStatus::Deactivated,
        "Provisioned" => OutcomeStatus::Activated,
        "Granted" | "ScheduleCreated" | "PendingScheduleCreation"
            if start.is_some_and(|s| s > Utc::now() + chrono::Duration::minutes(1)) =>
        {
            OutcomeStatus::Scheduled
        }
        "PendingApproval" | "PendingAdminDecision" | "PendingEvaluation" | "PendingApprovalProvisioning" => {
            OutcomeStatus::PendingApproval
        }
        "Granted"
        | "PendingProvisioning"
        | "PendingScheduleCreation"
        | "ScheduleCreated"
        | "Accepted"
        | "ProvisioningStarted"
        | "AdminApproved"
        | "PendingExternalProvisioning"
        | "PendingRevocation" => OutcomeStatus::PendingProvisioning,
        _ => OutcomeStatus::Failed,
    }
}

/// The outcome of an accepted request (Graph body, or ARM `{properties}`).
pub fn from_request(
    target: &ActivationTarget,
    body: &Value,
    deactivate: bool,
    validate_only: bool,
    request: &RequestRef,
) -> ActivationOutcome {
    let arm = request.resource == Resource::Arm;
    let fields = if arm { &body["properties"] } else { body };
    let service_status = fields["status"].as_str().unwrap_or_default().to_string();
    let schedule = &fields["scheduleInfo"];
    let start = schedule["startDateTime"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let length = schedule["expiration"]["duration"]
        .as_str()
        .and_then(|d| super::duration::parse(d).ok());
    let status = if validate_only {
        OutcomeStatus::Validated
    } else {
        match status_of(&service_status, deactivate, start) {
            OutcomeStatus::Failed => {
                let mut failed = ActivationOutcome::failed(
                    target,
                    ErrorKind::Service,
                    &service_status,
                    format!("the request for {} ended as {service_status}", target.role_name),
                    None,
                    Vec::new(),
                );
                failed.request_id = body["id"].as_str().map(str::to_string);
                failed.request_status = Some(service_status);
                return failed;
            }
            other => other,
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
    outcome.duration = length.map(super::duration::format);
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

fn explain(rule: &str, role: &str) -> String {
    match rule {
        "ExpirationRule" => format!("the requested duration exceeds {role}'s maximum (use -Duration Max)"),
        "JustificationRule" => format!("{role} requires a justification (-Justification)"),
        "TicketingRule" => format!("{role} requires ticket information (-TicketNumber and -TicketSystem)"),
        "MfaRule" => {
            "this session has not completed multi-factor authentication; run Connect-Pim -Force and complete MFA"
                .to_string()
        }
        "EligibilityRule" => {
            format!("you are not (or no longer) eligible for {role} at this scope; refresh with Get-PimEligibleRole")
        }
        other => format!("policy rule {other} failed"),
    }
}

/// The outcome of a refused request.
pub async fn from_error_response(
    api: &ApiClient,
    events: &EventSink,
    target: &ActivationTarget,
    response: &ApiResponse,
    resource: Resource,
    deactivate: bool,
    request: &RequestRef,
) -> ActivationOutcome {
    let status = response.status.as_u16();
    let Some((code, message)) = response.error_code_and_message() else {
        return ActivationOutcome::from_error(target, &response.into_error(resource), Vec::new());
    };
    let role = &target.role_name;
    match code.as_str() {
        "RoleAssignmentRequestExists" if request.resource == Resource::Arm => {
            // This request's own name already exists: an earlier send of it went through.
            match requests::read_back(api, events, request).await {
                Some(body) => from_request(target, &body, deactivate, false, request),
                None => ActivationOutcome::already_active(target),
            }
        }
        "RoleAssignmentExists" | "RoleAssignmentRequestExists" if !deactivate => {
            ActivationOutcome::already_active(target)
        }
        "PendingRoleAssignmentRequest" => match requests::find_pending(api, events, target).await {
            Ok(Some(pending)) => {
                let mut outcome = from_request(target, &pending, deactivate, false, request);
                outcome
                    .warnings
                    .push("a request for this role was already pending; attached to it".into());
                outcome
            }
            _ => {
                let mut outcome = ActivationOutcome::new(target, OutcomeStatus::PendingApproval);
                outcome
                    .warnings
                    .push("a request for this role is already pending; it could not be looked up".into());
                outcome
            }
        },
        "RoleAssignmentRequestPolicyValidationFailed" => {
            let rules = failed_rules(&message);
            let explained: Vec<String> = rules.iter().map(|r| explain(r, role)).collect();
            let text = if explained.is_empty() {
                message.clone()
            } else {
                format!("{}: {}", role, explained.join("; "))
            };
            ActivationOutcome::failed(target, ErrorKind::PolicyViolation, &code, text, Some(status), rules)
        }
        "ActiveDurationTooShort" => ActivationOutcome::failed(
            target,
            ErrorKind::PolicyViolation,
            &code,
            format!(
                "{role} can be deactivated only after it has been active for 5 minutes; try again in a few minutes"
            ),
            Some(status),
            Vec::new(),
        ),
        "RoleAssignmentDoesNotExist" => ActivationOutcome::failed(
            target,
            ErrorKind::Service,
            &code,
            format!("{role} is not active at this scope (or the activation has not propagated yet)"),
            Some(status),
            Vec::new(),
        ),
        code if code.contains("AcrsValidationFailed") => ActivationOutcome::failed(
            target,
            ErrorKind::InteractionRequired,
            code,
            format!("{role} requires a Conditional Access authentication context that this sign-in could not satisfy"),
            Some(status),
            Vec::new(),
        ),
        _ => ActivationOutcome::from_error(target, &response.into_error(resource), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn maps_service_statuses() {
        assert_eq!(status_of("Provisioned", false, None), OutcomeStatus::Activated);
        assert_eq!(
            status_of("PendingApproval", false, None),
            OutcomeStatus::PendingApproval
        );
        assert_eq!(
            status_of("PendingEvaluation", false, None),
            OutcomeStatus::PendingApproval
        );
        assert_eq!(
            status_of("PendingProvisioning", false, None),
            OutcomeStatus::PendingProvisioning
        );
        assert_eq!(
            status_of("Granted", false, Some(Utc::now() + chrono::Duration::hours(2))),
            OutcomeStatus::Scheduled
        );
        assert_eq!(status_of("Revoked", true, None), OutcomeStatus::Deactivated);
        assert_eq!(status_of("Denied", false, None), OutcomeStatus::Failed);
    }
}
