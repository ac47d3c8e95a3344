//! The PIM domain model: targets and ARM scope strings, eligibilities, assignments, requested
//! schedules, requests and their states, and the PIM failures each surface renders in its own
//! envelope.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::scenario::Decision;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Directory,
    Group,
    Azure,
}

#[derive(Debug, Clone)]
pub enum Target {
    Directory { role_id: String, scope_id: String },
    Group { group_id: String, access_id: String },
    Azure { role_id: String, scope: String },
}

impl Target {
    pub fn kind(&self) -> Kind {
        match self {
            Target::Directory { .. } => Kind::Directory,
            Target::Group { .. } => Kind::Group,
            Target::Azure { .. } => Kind::Azure,
        }
    }
    /// Same role and exactly the same scope (case-insensitive).
    pub fn same(&self, o: &Target) -> bool {
        match (self, o) {
            (
                Target::Directory {
                    role_id: a,
                    scope_id: s,
                },
                Target::Directory {
                    role_id: b,
                    scope_id: t,
                },
            ) => a.eq_ignore_ascii_case(b) && s.eq_ignore_ascii_case(t),
            (
                Target::Group {
                    group_id: a,
                    access_id: s,
                },
                Target::Group {
                    group_id: b,
                    access_id: t,
                },
            ) => a.eq_ignore_ascii_case(b) && s.eq_ignore_ascii_case(t),
            (Target::Azure { role_id: a, scope: s }, Target::Azure { role_id: b, scope: t }) => {
                a.eq_ignore_ascii_case(b) && scope_eq(s, t)
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Eligibility {
    pub schedule_id: String,
    pub instance_id: String,
    pub principal_id: String,
    pub target: Target,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Assignment {
    pub instance_id: String,
    pub schedule_id: String,
    pub principal_id: String,
    pub target: Target,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// `Assigned` or `Activated`.
    pub assignment_type: String,
    pub linked_eligibility: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    PendingApproval,
    PendingProvisioning,
    Granted,
    Provisioned,
    Denied,
    Canceled,
    Revoked,
    PendingAdminDecision,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::PendingApproval => "PendingApproval",
            Status::PendingProvisioning => "PendingProvisioning",
            Status::Granted => "Granted",
            Status::Provisioned => "Provisioned",
            Status::Denied => "Denied",
            Status::Canceled => "Canceled",
            Status::Revoked => "Revoked",
            Status::PendingAdminDecision => "PendingAdminDecision",
        }
    }
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            Status::PendingApproval | Status::PendingProvisioning | Status::Granted
        )
    }
}

/// Self-service request actions (names mirror the API enum).
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SelfActivate,
    SelfDeactivate,
    SelfExtend,
    SelfRenew,
}

impl Action {
    /// Parses Graph (`selfActivate`) or ARM (`SelfActivate`) casing, case-insensitively.
    /// `Err(true)` = a known admin action, `Err(false)` = unknown.
    pub fn parse(s: &str) -> Result<Self, bool> {
        match s.to_ascii_lowercase().as_str() {
            "selfactivate" => Ok(Action::SelfActivate),
            "selfdeactivate" => Ok(Action::SelfDeactivate),
            "selfextend" => Ok(Action::SelfExtend),
            "selfrenew" => Ok(Action::SelfRenew),
            "adminassign" | "adminupdate" | "adminremove" | "adminextend" | "adminrenew" => Err(true),
            _ => Err(false),
        }
    }
    pub fn graph(self) -> &'static str {
        match self {
            Action::SelfActivate => "selfActivate",
            Action::SelfDeactivate => "selfDeactivate",
            Action::SelfExtend => "selfExtend",
            Action::SelfRenew => "selfRenew",
        }
    }
    pub fn arm(self) -> &'static str {
        match self {
            Action::SelfActivate => "SelfActivate",
            Action::SelfDeactivate => "SelfDeactivate",
            Action::SelfExtend => "SelfExtend",
            Action::SelfRenew => "SelfRenew",
        }
    }
}

/// Requested schedule as sent by the client.
#[derive(Debug, Clone, Default)]
pub struct ScheduleIn {
    pub start: Option<DateTime<Utc>>,
    /// Lower-cased expiration type (`afterduration`, `afterdatetime`, `noexpiration`, `notspecified`).
    pub exp_type: Option<String>,
    pub duration: Option<String>,
    pub end: Option<DateTime<Utc>>,
    pub present: bool,
}

/// What the requester wrote besides the action and target: justification, ticket, requested
/// schedule, custom data. Kept unchanged on the request.
#[derive(Debug, Clone, Default)]
pub struct RequestDetails {
    pub justification: Option<String>,
    pub ticket_number: Option<String>,
    pub ticket_system: Option<String>,
    pub schedule: ScheduleIn,
    pub custom_data: Option<String>,
}

/// A recorded request and where it stands.
#[derive(Debug, Clone)]
pub struct PimRequest {
    pub id: String,
    pub action: Action,
    pub principal_id: String,
    pub target: Target,
    pub details: RequestDetails,
    pub duration: Option<chrono::Duration>,
    pub activation_start: DateTime<Utc>,
    pub activation_end: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
    pub completed: Option<DateTime<Utc>>,
    pub status: Status,
    pub approval_id: Option<String>,
    pub auto_decision: Option<(Decision, DateTime<Utc>)>,
    pub provision_at: Option<DateTime<Utc>>,
    pub linked_eligibility: Option<String>,
    pub target_schedule_id: String,
    pub target_instance_id: Option<String>,
    pub is_validation_only: bool,
}

/// What the client asked for.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub id: Option<String>,
    pub action: Action,
    pub principal_id: String,
    pub target: Target,
    pub details: RequestDetails,
    pub linked_eligibility: Option<String>,
    pub is_validation_only: bool,
}

/// PIM failures, rendered by each surface in its envelope.
#[derive(Debug, Clone, PartialEq)]
pub enum PimError {
    PolicyRules(Vec<&'static str>),
    Exists,
    Pending,
    Acrs(String),
    TooShort(u64),
    DoesNotExist,
    BadRequest(String),
    Forbidden(String),
    NotFound(String),
}

impl PimError {
    /// Status, error code and message; `forbidden_code` is the surface's code for a 403.
    pub fn status_code_message(&self, forbidden_code: &'static str) -> (u16, &'static str, String) {
        match self {
            PimError::PolicyRules(rules) => (
                400,
                "RoleAssignmentRequestPolicyValidationFailed",
                format!(
                    "The following policy rules failed: [{}]",
                    rules.iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(",")
                ),
            ),
            PimError::Exists => (
                400,
                "RoleAssignmentExists",
                "The Role assignment already exists.".into(),
            ),
            PimError::Pending => (
                400,
                "PendingRoleAssignmentRequest",
                "There is already an existing pending Role assignment request.".into(),
            ),
            PimError::Acrs(c) => {
                let claims = format!("{{\"access_token\":{{\"acrs\":{{\"essential\":true, \"value\":\"{c}\"}}}}}}");
                (
                    400,
                    "RoleAssignmentRequestAcrsValidationFailed",
                    format!(
                        "The Role assignment request requires an authentication context. &claims={}",
                        crate::util::url_encode(&claims)
                    ),
                )
            }
            PimError::TooShort(min) => (
                400,
                "ActiveDurationTooShort",
                format!(
                    "The Active duration is too short. Miniumum Required is {} minutes.",
                    min.div_ceil(60)
                ),
            ),
            PimError::DoesNotExist => (
                400,
                "RoleAssignmentDoesNotExist",
                "The Role assignment does not exist.".into(),
            ),
            PimError::BadRequest(m) => (400, "BadRequest", m.clone()),
            PimError::Forbidden(m) => (403, forbidden_code, m.clone()),
            PimError::NotFound(m) => (404, "ResourceNotFound", m.clone()),
        }
    }
}

/// A target as shown in the control plane (state dump, pending approvals).
pub fn target_json(t: &Target) -> Value {
    match t {
        Target::Directory { role_id, scope_id } => {
            json!({"kind": "directoryRole", "roleDefinitionId": role_id, "directoryScopeId": scope_id})
        }
        Target::Group { group_id, access_id } => json!({"kind": "group", "groupId": group_id, "accessId": access_id}),
        Target::Azure { role_id, scope } => {
            json!({"kind": "azure", "roleDefinitionId": role_id, "scope": scope})
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scope strings
// ---------------------------------------------------------------------------------------------

/// Same scope, ignoring case and a trailing `/`.
pub fn scope_eq(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// Resource id of a management group.
pub fn mg_scope(name: &str) -> String {
    format!("/providers/Microsoft.Management/managementGroups/{name}")
}

pub fn normalize_scope(s: &str) -> String {
    let t = s.trim().trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    // Accept the docs' `providers/Microsoft.Subscription/subscriptions/{id}` form.
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("/providers/microsoft.subscription/subscriptions/") {
        let start = t.len() - rest.len();
        return format!("/subscriptions/{}", &t[start..]);
    }
    if t.starts_with('/') {
        t.to_string()
    } else {
        format!("/{t}")
    }
}
