//! Checks run on a parsed scenario, in a fixed order (the first failure is reported).

use std::collections::HashSet;

use super::document::{Scenario, ScenarioError};
use super::policy::PolicySettings;
use super::tenant::Grant;
use crate::util::parse_iso_duration;

fn bad(m: String) -> Result<(), ScenarioError> {
    Err(ScenarioError::Invalid(m))
}

/// A number of seconds within a year (or absent).
fn secs_ok(v: Option<f64>) -> bool {
    v.is_none_or(|x| x.is_finite() && (0.0..=31_536_000.0).contains(&x))
}

impl Scenario {
    /// Runs every check on a parsed scenario.
    pub(super) fn validate(&self) -> Result<(), ScenarioError> {
        self.validate_directory()?;
        self.validate_settings()?;
        self.validate_approval_timers()?;
        for (list, name) in [
            (&self.eligibilities, "eligibilities"),
            (&self.active_assignments, "activeAssignments"),
        ] {
            for (i, g) in list.iter().enumerate() {
                self.validate_grant(name, i, g)?;
            }
        }
        self.validate_policies()?;
        for (i, f) in self.faults.iter().enumerate() {
            f.validate()
                .map_err(|e| ScenarioError::Invalid(format!("faults[{i}]: {e}")))?;
        }
        Ok(())
    }

    /// Users, the default user, group members and subscription management groups.
    fn validate_directory(&self) -> Result<(), ScenarioError> {
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
        Ok(())
    }

    /// Paging, lifetimes, delays and timers within their limits.
    fn validate_settings(&self) -> Result<(), ScenarioError> {
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
        if !secs_ok(st.device_code_auto_approve_after_sec) {
            return bad("settings.deviceCodeAutoApproveAfterSec must be between 0 and 31536000".into());
        }
        Ok(())
    }

    /// Automatic approval decisions fire within a year.
    fn validate_approval_timers(&self) -> Result<(), ScenarioError> {
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
        Ok(())
    }

    /// One eligibility or active assignment: one target kind, known principal, role, group and scope.
    fn validate_grant(&self, name: &str, i: usize, g: &Grant) -> Result<(), ScenarioError> {
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
        Ok(())
    }

    /// Policy targets and maximum durations.
    fn validate_policies(&self) -> Result<(), ScenarioError> {
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
        Ok(())
    }
}
