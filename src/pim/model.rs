//! One object model for every kind of eligibility (pim-api.md §2, §4, §5) — what the host shows and
//! what an activation needs.

use crate::api::ApiResponse;
use crate::auth::cloud::Resource;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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

impl ActivationPolicy {
    /// What activating asks of the user, as tables show it: `Justification,Ticket,MFA,Approval,AuthContext:c1`.
    pub fn requirements(&self) -> String {
        let flags = [
            (self.requires_justification, "Justification"),
            (self.requires_ticket, "Ticket"),
            (self.requires_mfa, "MFA"),
            (self.requires_approval, "Approval"),
        ];
        let mut parts: Vec<String> = flags
            .into_iter()
            .filter(|(required, _)| *required == Some(true))
            .map(|(_, name)| name.to_string())
            .collect();
        if let Some(context) = self.authentication_context.as_deref().filter(|c| !c.is_empty()) {
            parts.push(format!("AuthContext:{context}"));
        }
        parts.join(",")
    }
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

/// What names a role's activation policy: the kind, and the ids its policy is read by.
pub struct PolicySubject<'a> {
    pub kind: Kind,
    pub scope: &'a str,
    pub role_definition_id: &'a str,
    pub group_id: Option<&'a str>,
    pub access_id: Option<&'a str>,
}

/// A role whose activation policy can be looked up and filled in: a listed eligibility, or an
/// activation target named without one.
pub trait PolicyHolder {
    fn policy_subject(&self) -> PolicySubject<'_>;
    fn set_policy(&mut self, policy: ActivationPolicy);
}

impl PolicyHolder for EligibleRole {
    fn policy_subject(&self) -> PolicySubject<'_> {
        PolicySubject {
            kind: self.kind,
            scope: &self.scope,
            role_definition_id: &self.role_definition_id,
            group_id: self.group_id.as_deref(),
            access_id: self.access_id.as_deref(),
        }
    }

    fn set_policy(&mut self, policy: ActivationPolicy) {
        self.policy = policy;
    }
}

impl PolicyHolder for ActivationTarget {
    fn policy_subject(&self) -> PolicySubject<'_> {
        PolicySubject {
            kind: self.kind,
            scope: &self.scope,
            role_definition_id: &self.role_definition_id,
            group_id: self.group_id.as_deref(),
            access_id: self.access_id.as_deref(),
        }
    }

    fn set_policy(&mut self, policy: ActivationPolicy) {
        self.policy = policy;
    }
}

/// What names the role of one listed instance, as its surface reads it.
pub struct InstanceNames {
    pub role_name: String,
    pub role_definition_id: String,
    pub scope: String,
    pub scope_display_name: String,
    pub access_id: Option<String>,
    pub group_id: Option<String>,
    pub directory_scope_id: Option<String>,
    pub eligibility_schedule_id: Option<String>,
    pub granted_via: Option<String>,
}

impl EligibleRole {
    /// One listed instance of `kind` held by `me`: `fields` are Graph's top level or ARM's
    /// `properties` (member type, start and end), `instance_id` the instance's own id.
    pub fn from_instance(
        kind: Kind,
        names: InstanceNames,
        fields: &Value,
        instance_id: String,
        me: &str,
        active: bool,
    ) -> Self {
        let (status, eligibility_start, eligibility_end, active_until) = window(fields, active);
        Self {
            kind,
            key: Self::make_key(
                kind,
                &names.role_definition_id,
                &names.scope,
                names.access_id.as_deref(),
            ),
            role_name: names.role_name,
            access_id: names.access_id,
            scope: names.scope,
            scope_display_name: names.scope_display_name,
            member_type: MemberType::parse(fields["memberType"].as_str().unwrap_or("Direct")),
            granted_via: names.granted_via,
            status,
            eligibility_start,
            eligibility_end,
            active_until,
            policy: ActivationPolicy::default(),
            role_definition_id: names.role_definition_id,
            principal_id: me.to_string(),
            group_id: names.group_id,
            directory_scope_id: names.directory_scope_id,
            eligibility_schedule_id: names.eligibility_schedule_id,
            eligibility_instance_id: instance_id,
        }
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

impl Kind {
    /// The service that holds this kind.
    pub fn resource(self) -> Resource {
        match self {
            Kind::DirectoryRole | Kind::Group => Resource::Graph,
            Kind::AzureResource => Resource::Arm,
        }
    }
}

/// Status, eligibility start, eligibility end, and active-until of an instance.
pub type Window = (
    RoleStatus,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// An eligibility has a start and end; an active assignment an end (`None` = permanent).
pub fn window(fields: &Value, active: bool) -> Window {
    let end = time(&fields["endDateTime"]);
    if active {
        (RoleStatus::Active, None, None, end)
    } else {
        (RoleStatus::Eligible, time(&fields["startDateTime"]), end, None)
    }
}

/// A service timestamp (RFC 3339).
pub fn time(value: &Value) -> Option<DateTime<Utc>> {
    value
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The last segment of an ARM id (a role definition's guid).
pub fn last_segment(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or_default()
}

/// The last segment of an ARM id, lower-cased: what two ids of one role definition share.
pub fn guid(id: &str) -> String {
    last_segment(id).to_ascii_lowercase()
}

/// The parts of an eligible role an activation needs (the host sends back what it listed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActivationTarget {
    pub key: String,
    pub kind: Kind,
    pub role_name: String,
    pub role_definition_id: String,
    pub scope: String,
    pub principal_id: String,
    pub group_id: Option<String>,
    pub access_id: Option<String>,
    pub directory_scope_id: Option<String>,
    pub eligibility_schedule_id: Option<String>,
    pub status: Option<RoleStatus>,
    #[serde(default)]
    pub policy: ActivationPolicy,
}

impl ActivationTarget {
    /// The two fields that name a Graph role in a request (directory role: definition and directory
    /// scope; group: group and access), with this target's values. `None` for Azure resources.
    pub fn graph_identity(&self) -> Option<[(&'static str, &str); 2]> {
        match self.kind {
            Kind::DirectoryRole => Some([
                ("roleDefinitionId", &self.role_definition_id),
                (
                    "directoryScopeId",
                    self.directory_scope_id.as_deref().unwrap_or(&self.scope),
                ),
            ]),
            Kind::Group => Some([
                ("groupId", self.group_id.as_deref().unwrap_or(&self.scope)),
                ("accessId", self.access_id.as_deref().unwrap_or("member")),
            ]),
            Kind::AzureResource => None,
        }
    }
}

impl From<&EligibleRole> for ActivationTarget {
    fn from(role: &EligibleRole) -> Self {
        Self {
            key: role.key.clone(),
            kind: role.kind,
            role_name: role.role_name.clone(),
            role_definition_id: role.role_definition_id.clone(),
            scope: role.scope.clone(),
            principal_id: role.principal_id.clone(),
            group_id: role.group_id.clone(),
            access_id: role.access_id.clone(),
            directory_scope_id: role.directory_scope_id.clone(),
            eligibility_schedule_id: role.eligibility_schedule_id.clone(),
            status: Some(role.status),
            policy: role.policy.clone(),
        }
    }
}

/// A request the service took (its body) or refused (its whole answer).
pub enum Answer {
    Accepted(Value),
    Refused(ApiResponse),
}

/// A request to wait for (or cancel), as the host got it from an activation.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
