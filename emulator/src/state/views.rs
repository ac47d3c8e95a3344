//! What a user holds: group memberships, current eligibilities and assignments (direct or
//! through a group), and the effective policy of a target.

use super::EmuState;
use super::model::{Assignment, Eligibility, Kind, Target, normalize_scope, scope_eq};

use crate::scenario::PolicySettings;

/// Items held by the user directly (`None`) or through one of the user's groups (`Some(group)`).
fn held_by<'a, T: Clone + 'a>(
    user_id: &str,
    groups: &[String],
    items: impl Iterator<Item = &'a T>,
    principal: impl Fn(&T) -> &str,
) -> Vec<(T, Option<String>)> {
    items
        .filter_map(|x| {
            let p = principal(x);
            if p.eq_ignore_ascii_case(user_id) {
                Some((x.clone(), None))
            } else {
                groups
                    .iter()
                    .find(|g| g.eq_ignore_ascii_case(p))
                    .map(|g| (x.clone(), Some(g.clone())))
            }
        })
        .collect()
}

impl EmuState {
    /// Groups the user is a member of: standing members plus active PIM memberships.
    pub fn user_groups(&self, user_id: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .scenario
            .groups
            .iter()
            .filter(|g| {
                g.members.iter().any(|m| {
                    self.scenario
                        .find_user(m)
                        .is_some_and(|u| u.id.eq_ignore_ascii_case(user_id))
                })
            })
            .map(|g| g.id.clone())
            .collect();
        for a in &self.assignments {
            if let Target::Group { group_id, access_id } = &a.target
                && access_id == "member"
                && a.principal_id.eq_ignore_ascii_case(user_id)
                && !out.iter().any(|g| g.eq_ignore_ascii_case(group_id))
            {
                out.push(group_id.clone());
            }
        }
        out
    }

    /// The user's current eligibilities of a kind, with the group they come through (if any).
    pub fn user_eligibilities(&self, user_id: &str, kind: Kind) -> Vec<(Eligibility, Option<String>)> {
        let now = self.now();
        let live = self
            .eligibilities
            .iter()
            .filter(|e| e.target.kind() == kind && e.start <= now && e.end.is_none_or(|x| x > now));
        held_by(user_id, &self.user_groups(user_id), live, |e| &e.principal_id)
    }

    /// The user's current assignments of a kind, with the group they come through (if any).
    pub fn user_assignments(&self, user_id: &str, kind: Kind) -> Vec<(Assignment, Option<String>)> {
        let now = self.now();
        let live = self
            .assignments
            .iter()
            .filter(|a| a.target.kind() == kind && a.start.is_none_or(|s| s <= now) && a.end.is_none_or(|x| x > now));
        held_by(user_id, &self.user_groups(user_id), live, |a| &a.principal_id)
    }

    pub fn eligibility_by_schedule(&self, id: &str) -> Option<&Eligibility> {
        self.eligibilities
            .iter()
            .find(|e| e.schedule_id.eq_ignore_ascii_case(id))
    }
    pub fn default_policy(&self) -> PolicySettings {
        self.scenario.default_policy.clone().unwrap_or_default()
    }

    /// Effective policy for a target; for Azure also the scope the policy is defined at.
    pub fn policy_for(&self, target: &Target) -> (PolicySettings, Option<String>) {
        match target {
            Target::Directory { role_id, .. } => (
                self.scenario
                    .policies
                    .iter()
                    .find(|p| {
                        p.directory_role_id
                            .as_deref()
                            .is_some_and(|r| r.eq_ignore_ascii_case(role_id))
                    })
                    .map(|p| p.settings())
                    .unwrap_or_else(|| self.default_policy()),
                None,
            ),
            Target::Group { group_id, access_id } => (
                self.scenario
                    .policies
                    .iter()
                    .find(|p| {
                        p.group_id.as_deref().is_some_and(|g| g.eq_ignore_ascii_case(group_id))
                            && p.access_id.as_deref() == Some(access_id.as_str())
                    })
                    .map(|p| p.settings())
                    .unwrap_or_else(|| self.default_policy()),
                None,
            ),
            Target::Azure { role_id, scope } => {
                let mut chain = vec![scope.clone()];
                chain.extend(self.arm_ancestors(scope));
                for s in &chain {
                    let at_scope: Vec<_> = self
                        .scenario
                        .policies
                        .iter()
                        .filter(|p| p.scope.as_deref().is_some_and(|x| scope_eq(x, s)))
                        .collect();
                    let specific = at_scope
                        .iter()
                        .find(|p| {
                            p.azure_role_id
                                .as_deref()
                                .is_some_and(|r| r.eq_ignore_ascii_case(role_id))
                        })
                        .or_else(|| at_scope.iter().find(|p| p.azure_role_id.is_none()));
                    if let Some(p) = specific {
                        return (p.settings(), Some(normalize_scope(s)));
                    }
                }
                (self.default_policy(), Some(scope.clone()))
            }
        }
    }
}
