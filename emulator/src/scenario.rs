//! Scenario file: the typed description of the sandbox tenant (see `SCENARIO.md`).
//!
//! Every struct rejects unknown fields; loading errors name the JSON path of the bad field.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::faults::FaultRule;
use crate::util::parse_iso_duration;

/// Error raised while loading or validating a scenario.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid scenario at `{path}`: {message}")]
    Parse { path: String, message: String },
    #[error("invalid scenario: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    pub tenant: Tenant,
    #[serde(default)]
    pub settings: Settings,
    /// UPN of the user picked when no `login_hint` is given (defaults to the first user).
    #[serde(default)]
    pub default_user: Option<String>,
    pub users: Vec<User>,
    #[serde(default)]
    pub role_definitions: Vec<DirectoryRoleDefinition>,
    #[serde(default)]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub management_groups: Vec<ManagementGroup>,
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
    #[serde(default)]
    pub azure_role_definitions: Vec<AzureRoleDefinition>,
    #[serde(default)]
    pub eligibilities: Vec<Grant>,
    #[serde(default)]
    pub active_assignments: Vec<Grant>,
    #[serde(default)]
    pub policies: Vec<PolicyConfig>,
    #[serde(default)]
    pub default_policy: Option<PolicySettings>,
    #[serde(default)]
    pub faults: Vec<FaultRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tenant {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub domains: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Settings {
    pub page_size: usize,
    pub token_lifetime_sec: u64,
    pub provisioning_delay_ms: u64,
    pub min_active_duration_before_deactivate_sec: u64,
    pub device_code_interval_sec: u64,
    pub device_code_expires_in_sec: u64,
    pub device_code_auto_approve_after_sec: Option<f64>,
    pub headless_authorize: bool,
    pub require_cp1_for_acrs: bool,
    pub seed: u64,
    pub consented_graph_scopes: Vec<String>,
    pub consented_arm_scopes: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            page_size: 100,
            token_lifetime_sec: 3600,
            provisioning_delay_ms: 0,
            min_active_duration_before_deactivate_sec: 300,
            device_code_interval_sec: 5,
            device_code_expires_in_sec: 900,
            device_code_auto_approve_after_sec: None,
            headless_authorize: true,
            require_cp1_for_acrs: false,
            seed: 0,
            consented_graph_scopes: default_graph_scopes(),
            consented_arm_scopes: vec!["user_impersonation".into()],
        }
    }
}

/// The Graph delegated scopes consented by default (pim-api.md §1.1 plus `User.Read`).
pub fn default_graph_scopes() -> Vec<String> {
    [
        "User.Read",
        "RoleEligibilitySchedule.Read.Directory",
        "RoleAssignmentSchedule.ReadWrite.Directory",
        "RoleManagementPolicy.Read.Directory",
        "PrivilegedEligibilitySchedule.Read.AzureADGroup",
        "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
        "RoleManagementPolicy.Read.AzureADGroup",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DeniedSurface {
    /// Graph directory-role PIM endpoints return 403.
    DirectoryRoles,
    /// PIM for Groups endpoints return 403 (`AadPremiumLicenseRequired`).
    Groups,
    /// Every ARM endpoint returns 403 `AuthorizationFailed`.
    Arm,
    /// Graph `roleManagementPolicyAssignments` / `roleManagementPolicies` return 403.
    GraphPolicies,
    /// ARM policy endpoints return 403.
    ArmPolicies,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    pub id: String,
    pub user_principal_name: String,
    pub display_name: String,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default = "default_amr")]
    pub amr: Vec<String>,
    #[serde(default)]
    pub denied_surfaces: Vec<DeniedSurface>,
}

fn default_amr() -> Vec<String> {
    vec!["pwd".into(), "mfa".into()]
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DirectoryRoleDefinition {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Group {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub is_assignable_to_role: bool,
    /// Standing members (user UPNs or object ids).
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub owners: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManagementGroup {
    /// The management group name (the last segment of its resource id).
    pub name: String,
    pub display_name: String,
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Subscription {
    pub id: String,
    pub display_name: String,
    #[serde(default)]
    pub management_group: Option<String>,
    #[serde(default)]
    pub resource_groups: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AzureRoleDefinition {
    /// Role definition GUID (e.g. `b24988ac-6180-42a0-ab88-20f7382dd24c` for Contributor).
    pub id: String,
    pub display_name: String,
    #[serde(default = "default_role_type")]
    pub r#type: String,
}

fn default_role_type() -> String {
    "BuiltInRole".into()
}

/// One eligibility or active assignment. Exactly one target kind must be given:
/// `directoryRoleId` (+ optional `directoryScopeId`), `groupId` + `accessId`, or
/// `azureRoleId` + `scope`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Grant {
    /// UPN or object id of a user, or object id of a group.
    pub principal: String,
    #[serde(default)]
    pub directory_role_id: Option<String>,
    #[serde(default)]
    pub directory_scope_id: Option<String>,
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub access_id: Option<String>,
    #[serde(default)]
    pub azure_role_id: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub start_date_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    pub end_date_time: Option<chrono::DateTime<chrono::Utc>>,
    /// End relative to emulator start, in minutes (alternative to `endDateTime`).
    #[serde(default)]
    pub expires_in_minutes: Option<f64>,
    /// Active assignments only: `Assigned` (standing) or `Activated`; default `Activated` when
    /// an end is set, else `Assigned`.
    #[serde(default)]
    pub assignment_type: Option<String>,
}

/// A policy for one role / group access / Azure scope.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyConfig {
    #[serde(default)]
    pub directory_role_id: Option<String>,
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub access_id: Option<String>,
    /// ARM scope the policy is defined at (inherited by child scopes).
    #[serde(default)]
    pub scope: Option<String>,
    /// ARM: role definition GUID; omitted = every Azure role at that scope.
    #[serde(default)]
    pub azure_role_id: Option<String>,
    #[serde(default = "default_max_duration")]
    pub maximum_duration: Option<String>,
    #[serde(default = "yes")]
    pub require_justification: bool,
    #[serde(default)]
    pub require_ticket: bool,
    #[serde(default = "yes")]
    pub require_mfa: bool,
    #[serde(default)]
    pub approval: Option<ApprovalConfig>,
    #[serde(default)]
    pub authentication_context: Option<String>,
}

fn default_max_duration() -> Option<String> {
    Some("PT8H".into())
}

impl PolicyConfig {
    pub fn settings(&self) -> PolicySettings {
        PolicySettings {
            maximum_duration: self.maximum_duration.clone(),
            require_justification: self.require_justification,
            require_ticket: self.require_ticket,
            require_mfa: self.require_mfa,
            approval: self.approval.clone(),
            authentication_context: self.authentication_context.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PolicySettings {
    /// ISO 8601 maximum activation duration; `null` = no expiration required.
    pub maximum_duration: Option<String>,
    pub require_justification: bool,
    pub require_ticket: bool,
    pub require_mfa: bool,
    pub approval: Option<ApprovalConfig>,
    /// Authentication context class reference (`acrs` claim value, e.g. `c1`).
    pub authentication_context: Option<String>,
}

impl Default for PolicySettings {
    fn default() -> Self {
        Self {
            maximum_duration: Some("PT8H".into()),
            require_justification: true,
            require_ticket: false,
            require_mfa: true,
            approval: None,
            authentication_context: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalConfig {
    #[serde(default = "yes")]
    pub required: bool,
    /// UPNs or object ids of the approvers (users) or group ids.
    #[serde(default)]
    pub approvers: Vec<String>,
    /// `Approve` or `Deny`, applied automatically after `autoDecisionAfterSec`.
    #[serde(default)]
    pub auto_decision: Option<Decision>,
    #[serde(default)]
    pub auto_decision_after_sec: Option<f64>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Approve,
    Deny,
}

impl Scenario {
    /// Parses a scenario from JSON, rejecting unknown fields with the path of the offender.
    pub fn from_json_str(text: &str) -> Result<Self, ScenarioError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| ScenarioError::Parse {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Reads and parses a scenario file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ScenarioError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json_str(&text)
    }

    /// The demo scenario shipped in `emulator/scenarios/demo.json`.
    pub fn demo() -> Self {
        Self::from_json_str(include_str!("../scenarios/demo.json")).expect("bundled demo scenario is valid")
    }

    /// The minimal scenario shipped in `emulator/scenarios/minimal.json`.
    pub fn minimal() -> Self {
        Self::from_json_str(include_str!("../scenarios/minimal.json")).expect("bundled minimal scenario is valid")
    }

    pub(crate) fn find_user(&self, key: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.id.eq_ignore_ascii_case(key) || u.user_principal_name.eq_ignore_ascii_case(key))
    }

    pub(crate) fn find_group(&self, key: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id.eq_ignore_ascii_case(key))
    }

    fn validate(&self) -> Result<(), ScenarioError> {
        let bad = |m: String| Err(ScenarioError::Invalid(m));
        if self.users.is_empty() {
            return bad("`users` must contain at least one user".into());
        }
        let mut ids = HashSet::new();
        for (i, u) in self.users.iter().enumerate() {
            if !ids.insert(u.id.to_ascii_lowercase()) || !ids.insert(u.user_principal_name.to_ascii_lowercase()) {
                return bad(format!("users[{i}]: duplicate id or userPrincipalName"));
            }
        }
        if let Some(d) = &self.default_user
            && self.find_user(d).is_none()
        {
            return bad(format!("defaultUser `{d}` is not one of `users`"));
        }
        for (i, g) in self.groups.iter().enumerate() {
            for m in g.members.iter().chain(g.owners.iter()) {
                if self.find_user(m).is_none() {
                    return bad(format!("groups[{i}]: member/owner `{m}` is not a user"));
                }
            }
        }
        for (i, s) in self.subscriptions.iter().enumerate() {
            if let Some(mg) = &s.management_group
                && !self.management_groups.iter().any(|m| &m.name == mg)
            {
                return bad(format!(
                    "subscriptions[{i}].managementGroup `{mg}` is not a management group"
                ));
            }
        }
        let st = &self.settings;
        if st.page_size == 0 || st.page_size > 100_000 {
            return bad("settings.pageSize must be between 1 and 100000".into());
        }
        let limits: [(&str, u64, u64); 5] = [
            ("tokenLifetimeSec", st.token_lifetime_sec, 10 * 365 * 86_400),
            ("provisioningDelayMs", st.provisioning_delay_ms, 86_400_000),
            (
                "minActiveDurationBeforeDeactivateSec",
                st.min_active_duration_before_deactivate_sec,
                365 * 86_400,
            ),
            ("deviceCodeIntervalSec", st.device_code_interval_sec, 3600),
            ("deviceCodeExpiresInSec", st.device_code_expires_in_sec, 365 * 86_400),
        ];
        for (name, v, max) in limits {
            if v > max {
                return bad(format!("settings.{name} must be at most {max}"));
            }
        }
        let secs_ok = |v: Option<f64>| v.is_none_or(|x| x.is_finite() && (0.0..=31_536_000.0).contains(&x));
        if !secs_ok(st.device_code_auto_approve_after_sec) {
            return bad("settings.deviceCodeAutoApproveAfterSec must be between 0 and 31536000".into());
        }
        for (i, p) in self.policies.iter().enumerate() {
            if !secs_ok(p.approval.as_ref().and_then(|a| a.auto_decision_after_sec)) {
                return bad(format!(
                    "policies[{i}].approval.autoDecisionAfterSec must be between 0 and 31536000"
                ));
            }
        }
        if !secs_ok(
            self.default_policy
                .as_ref()
                .and_then(|p| p.approval.as_ref())
                .and_then(|a| a.auto_decision_after_sec),
        ) {
            return bad("defaultPolicy.approval.autoDecisionAfterSec must be between 0 and 31536000".into());
        }
        for (list, name) in [
            (&self.eligibilities, "eligibilities"),
            (&self.active_assignments, "activeAssignments"),
        ] {
            for (i, g) in list.iter().enumerate() {
                let kinds = [
                    g.directory_role_id.is_some(),
                    g.group_id.is_some(),
                    g.azure_role_id.is_some(),
                ]
                .iter()
                .filter(|b| **b)
                .count();
                if kinds != 1 {
                    return bad(format!(
                        "{name}[{i}]: exactly one of directoryRoleId, groupId, azureRoleId is required"
                    ));
                }
                if g.expires_in_minutes
                    .is_some_and(|m| !m.is_finite() || m.abs() > 5_256_000.0)
                {
                    return bad(format!("{name}[{i}].expiresInMinutes must be within ten years"));
                }
                if self.find_user(&g.principal).is_none() && self.find_group(&g.principal).is_none() {
                    return bad(format!(
                        "{name}[{i}].principal `{}` is neither a user nor a group",
                        g.principal
                    ));
                }
                if let Some(r) = &g.directory_role_id
                    && !self.role_definitions.iter().any(|d| d.id.eq_ignore_ascii_case(r))
                {
                    return bad(format!("{name}[{i}].directoryRoleId `{r}` is not in roleDefinitions"));
                }
                if let Some(gid) = &g.group_id {
                    if self.find_group(gid).is_none() {
                        return bad(format!("{name}[{i}].groupId `{gid}` is not in groups"));
                    }
                    match g.access_id.as_deref() {
                        Some("member") | Some("owner") => {}
                        _ => {
                            return bad(format!("{name}[{i}].accessId must be `member` or `owner`"));
                        }
                    }
                }
                if let Some(r) = &g.azure_role_id {
                    if !self.azure_role_definitions.iter().any(|d| d.id.eq_ignore_ascii_case(r)) {
                        return bad(format!("{name}[{i}].azureRoleId `{r}` is not in azureRoleDefinitions"));
                    }
                    match &g.scope {
                        Some(s) if s.starts_with('/') => {}
                        _ => {
                            return bad(format!(
                                "{name}[{i}].scope is required for Azure roles and must start with `/`"
                            ));
                        }
                    }
                }
            }
        }
        let check_settings = |s: &PolicySettings, what: &str| -> Result<(), ScenarioError> {
            if let Some(d) = &s.maximum_duration {
                parse_iso_duration(d).map_err(|e| ScenarioError::Invalid(format!("{what}.maximumDuration: {e}")))?;
            }
            Ok(())
        };
        if let Some(d) = &self.default_policy {
            check_settings(d, "defaultPolicy")?;
        }
        for (i, p) in self.policies.iter().enumerate() {
            let kinds = [p.directory_role_id.is_some(), p.group_id.is_some(), p.scope.is_some()]
                .iter()
                .filter(|b| **b)
                .count();
            if kinds != 1 {
                return bad(format!(
                    "policies[{i}]: exactly one of directoryRoleId, groupId, scope is required"
                ));
            }
            if p.group_id.is_some() && !matches!(p.access_id.as_deref(), Some("member" | "owner")) {
                return bad(format!("policies[{i}].accessId must be `member` or `owner`"));
            }
            check_settings(&p.settings(), &format!("policies[{i}]"))?;
        }
        for (i, f) in self.faults.iter().enumerate() {
            f.validate()
                .map_err(|e| ScenarioError::Invalid(format!("faults[{i}]: {e}")))?;
        }
        Ok(())
    }
}
