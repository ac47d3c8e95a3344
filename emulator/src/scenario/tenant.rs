//! Directory objects of the scenario (tenant, users, groups, role definitions, Azure scopes),
//! its settings, and the grants (eligibilities and active assignments).

use serde::{Deserialize, Serialize};

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
