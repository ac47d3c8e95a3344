//! The scenario: the typed description of the sandbox tenant (see `SCENARIO.md`), read from JSON.
//!
//! `mod.rs` loads it, `document.rs` holds the root and its lookups, `tenant.rs` the directory
//! objects, settings and grants, `policy.rs` the PIM policies, `validate.rs` the checks run after
//! parsing. Every struct rejects unknown fields; loading errors name the JSON path of the bad
//! field.

mod document;
mod policy;
mod tenant;
mod validate;

use std::path::Path;

pub use document::{Scenario, ScenarioError};
pub use policy::{ApprovalConfig, Decision, PolicyConfig, PolicySettings};
pub use tenant::{
    AzureRoleDefinition, DeniedSurface, DirectoryRoleDefinition, Grant, Group, ManagementGroup, Settings, Subscription,
    Tenant, User, default_graph_scopes,
};

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
        Self::from_json_str(include_str!("../../scenarios/demo.json")).expect("bundled demo scenario is valid")
    }

    /// The minimal scenario shipped in `emulator/scenarios/minimal.json`.
    pub fn minimal() -> Self {
        Self::from_json_str(include_str!("../../scenarios/minimal.json")).expect("bundled minimal scenario is valid")
    }
}
