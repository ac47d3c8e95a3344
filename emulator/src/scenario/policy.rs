//! PIM policies of the scenario: per role, group access or Azure scope, with approval settings.

use serde::{Deserialize, Serialize};

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
