//! ARM scopes in the tenant: the ancestors of a scope (resource group, subscription,
//! management groups, tenant root), display names, existence checks, role definition ids.

use super::EmuState;
use super::model::{mg_scope, scope_eq};
use crate::util::last_segment;

impl EmuState {
    /// Ancestors of an ARM scope, nearest first (resource group, subscription, management
    /// groups, tenant root `/`).
    pub fn arm_ancestors(&self, scope: &str) -> Vec<String> {
        let mut out = Vec::new();
        let segs: Vec<&str> = scope.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
        let mut mg: Option<String> = None;
        if segs.len() >= 2 && segs[0].eq_ignore_ascii_case("subscriptions") {
            let sub = segs[1];
            if segs.len() > 4 && segs[2].eq_ignore_ascii_case("resourceGroups") {
                out.push(format!("/subscriptions/{sub}/resourceGroups/{}", segs[3]));
            }
            if segs.len() > 2 {
                out.push(format!("/subscriptions/{sub}"));
            }
            mg = self
                .scenario
                .subscriptions
                .iter()
                .find(|s| s.id.eq_ignore_ascii_case(sub))
                .and_then(|s| s.management_group.clone());
        } else if segs.len() == 4 && segs[1].eq_ignore_ascii_case("Microsoft.Management") {
            mg = self
                .scenario
                .management_groups
                .iter()
                .find(|m| m.name.eq_ignore_ascii_case(segs[3]))
                .and_then(|m| m.parent.clone());
        }
        let mut guard = 0;
        while let Some(name) = mg {
            guard += 1;
            if guard > 32 {
                break;
            }
            out.push(mg_scope(&name));
            mg = self
                .scenario
                .management_groups
                .iter()
                .find(|m| m.name.eq_ignore_ascii_case(&name))
                .and_then(|m| m.parent.clone());
        }
        if !segs.is_empty() {
            out.push("/".into());
        }
        out
    }

    /// `inner` equals `outer` or lies below it.
    pub fn scope_within(&self, inner: &str, outer: &str) -> bool {
        scope_eq(inner, outer) || self.arm_ancestors(inner).iter().any(|a| scope_eq(a, outer))
    }

    /// Display name and type of an ARM scope.
    pub fn scope_info(&self, scope: &str) -> (String, &'static str) {
        let segs: Vec<&str> = scope.trim_matches('/').split('/').collect();
        if segs.len() >= 2 && segs[0].eq_ignore_ascii_case("subscriptions") {
            if segs.len() == 2 {
                let name = self
                    .scenario
                    .subscriptions
                    .iter()
                    .find(|s| s.id.eq_ignore_ascii_case(segs[1]))
                    .map(|s| s.display_name.clone())
                    .unwrap_or_else(|| segs[1].to_string());
                return (name, "subscription");
            }
            if segs.len() == 4 {
                return (segs[3].to_string(), "resourcegroup");
            }
            return (last_segment(scope).to_string(), "resource");
        }
        if segs.len() == 4 && segs[1].eq_ignore_ascii_case("Microsoft.Management") {
            let name = self
                .scenario
                .management_groups
                .iter()
                .find(|m| m.name.eq_ignore_ascii_case(segs[3]))
                .map(|m| m.display_name.clone())
                .unwrap_or_else(|| segs[3].to_string());
            return (name, "managementgroup");
        }
        ("Tenant Root".into(), "tenant")
    }

    /// Checks that an ARM scope exists in the scenario. `Err((code, message))`.
    pub fn arm_scope_known(&self, scope: &str) -> Result<(), (&'static str, String)> {
        let segs: Vec<&str> = scope.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
        if segs.is_empty() {
            return Ok(());
        }
        if segs[0].eq_ignore_ascii_case("subscriptions") && segs.len() >= 2 {
            let Some(sub) = self
                .scenario
                .subscriptions
                .iter()
                .find(|s| s.id.eq_ignore_ascii_case(segs[1]))
            else {
                return Err((
                    "SubscriptionNotFound",
                    format!("The subscription '{}' could not be found.", segs[1]),
                ));
            };
            if segs.len() >= 4
                && segs[2].eq_ignore_ascii_case("resourceGroups")
                && !sub.resource_groups.iter().any(|r| r.eq_ignore_ascii_case(segs[3]))
            {
                return Err((
                    "ResourceGroupNotFound",
                    format!("Resource group '{}' could not be found.", segs[3]),
                ));
            }
            if segs.len() == 3 || (segs.len() > 2 && !segs[2].eq_ignore_ascii_case("resourceGroups")) {
                return Err(("InvalidScope", format!("The scope '{scope}' is not valid.")));
            }
            return Ok(());
        }
        if segs.len() == 4
            && segs[0].eq_ignore_ascii_case("providers")
            && segs[1].eq_ignore_ascii_case("Microsoft.Management")
            && segs[2].eq_ignore_ascii_case("managementGroups")
        {
            if self
                .scenario
                .management_groups
                .iter()
                .any(|m| m.name.eq_ignore_ascii_case(segs[3]))
            {
                return Ok(());
            }
            return Err((
                "ManagementGroupNotFound",
                format!("The management group '{}' could not be found.", segs[3]),
            ));
        }
        Err(("InvalidScope", format!("The scope '{scope}' is not valid.")))
    }

    /// Full ARM role definition id for a role used at a scope.
    pub fn arm_role_definition_id(&self, scope: &str, role_guid: &str) -> String {
        let segs: Vec<&str> = scope.trim_matches('/').split('/').collect();
        let base = if segs.len() >= 2 && segs[0].eq_ignore_ascii_case("subscriptions") {
            format!("/subscriptions/{}", segs[1])
        } else if scope.trim_matches('/').is_empty() {
            String::new()
        } else {
            scope.trim_end_matches('/').to_string()
        };
        format!("{base}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}")
    }
}
