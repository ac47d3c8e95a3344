//! The scenario document: its root, the loading error, and the lookups the other layers use.

use serde::{Deserialize, Serialize};

use super::policy::{PolicyConfig, PolicySettings};
use super::tenant::{
    AzureRoleDefinition, DirectoryRoleDefinition, Grant, Group, ManagementGroup, Settings, Subscription, Tenant, User,
};
use crate::faults::FaultRule;

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

impl Scenario {
    pub(crate) fn find_user(&self, key: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.id.eq_ignore_ascii_case(key) || u.user_principal_name.eq_ignore_ascii_case(key))
    }

    pub(crate) fn find_group(&self, key: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id.eq_ignore_ascii_case(key))
    }

    /// The user picked when no `login_hint` is given: `defaultUser`, else the first user.
    pub(crate) fn default_user(&self) -> Option<&User> {
        match &self.default_user {
            Some(u) => self.find_user(u),
            None => self.users.first(),
        }
    }
}
