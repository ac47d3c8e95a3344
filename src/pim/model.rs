//! One object model for every kind of eligibility (pim-api.md §2, §4, §5) — what the host shows and
//! what an activation needs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    DirectoryRole,
    Group,
    AzureResource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberType {
    Direct,
    Group,
    Inherited,
}

impl MemberType {
    pub fn parse(text: &str) -> Self {
        match text.to_ascii_lowercase().as_str() {
            "group" => MemberType::Group,
            "inherited" => MemberType::Inherited,
            _ => MemberType::Direct,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleStatus {
    Eligible,
    Active,
    PendingActivation,
}

/// What activating requires, from the role's (group's, scope's) policy. `None` fields: unknown
/// (the policy could not be read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivationPolicy {
    /// ISO 8601 duration, e.g. `PT8H`.
    pub max_duration: Option<String>,
    pub requires_justification: Option<bool>,
    pub requires_ticket: Option<bool>,
    pub requires_mfa: Option<bool>,
    pub requires_approval: Option<bool>,
    /// The `acrs` claim value an activation token must carry (Conditional Access authentication context).
    pub authentication_context: Option<String>,
    /// Where the policy came from (policy id), when known.
    pub policy_id: Option<String>,
}

/// One eligibility, whatever its kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EligibleRole {
    pub kind: Kind,
    pub role_name: String,
    /// `member` or `owner` for groups.
    pub access_id: Option<String>,
    /// `/` (tenant), an administrative unit, a group id, or an ARM scope.
    pub scope: String,
    pub scope_display_name: String,
    pub member_type: MemberType,
    /// The group through which the eligibility is held, when it is not direct.
    pub granted_via: Option<String>,
    pub status: RoleStatus,
    pub eligibility_start: Option<DateTime<Utc>>,
    pub eligibility_end: Option<DateTime<Utc>>,
    pub active_until: Option<DateTime<Utc>>,
    pub policy: ActivationPolicy,
    /// Ids the activation request needs.
    pub role_definition_id: String,
    pub principal_id: String,
    pub group_id: Option<String>,
    pub directory_scope_id: Option<String>,
    pub eligibility_schedule_id: Option<String>,
    pub eligibility_instance_id: String,
    /// Stable identity across listings: kind, role, scope and access.
    pub key: String,
}

impl EligibleRole {
    pub fn make_key(kind: Kind, role_definition_id: &str, scope: &str, access_id: Option<&str>) -> String {
        format!(
            "{kind:?}|{}|{}|{}",
            role_definition_id.to_ascii_lowercase(),
            scope.to_ascii_lowercase(),
            access_id.unwrap_or("")
        )
    }
}

/// A kind that could not be listed (no permission, no licence...): reported once, the rest lists.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KindFailure {
    pub kind: Kind,
    pub code: String,
    pub message: String,
    pub http_status: Option<u16>,
}
