//! Role management policies: assignments by scope (directory roles, groups), one policy, its
//! rules.

use serde_json::{Value, json};

use crate::scenario::{DeniedSurface, User};
use crate::state::{EmuState, Target};
use crate::surfaces::graph::auth::{denied, groups_license_required, request_denied};
use crate::surfaces::graph::query::{bad, collection, expands, filter_clauses, single};
use crate::surfaces::odata;
use crate::surfaces::policy_rules::rules;
use crate::util::stable_guid;
use crate::wire::{Req, Resp, graph_error};

fn dir_policy_guid(role: &str) -> String {
    stable_guid(&format!("graph-policy:directory:{}", role.to_ascii_lowercase()))
}

fn group_policy_guid(gid: &str, access: &str) -> String {
    stable_guid(&format!("graph-policy:group:{}:{access}", gid.to_ascii_lowercase()))
}

fn policy_json(st: &EmuState, target: &Target, policy_id: &str, with_rules: bool) -> Value {
    let (settings, _) = st.policy_for(target);
    let (scope_id, scope_type) = match target {
        Target::Group { group_id, .. } => (group_id.clone(), "Group"),
        _ => ("/".to_string(), "DirectoryRole"),
    };
    let mut v = json!({
        "id": policy_id, "displayName": scope_type, "description": scope_type,
        "isOrganizationDefault": false, "scopeId": scope_id, "scopeType": scope_type,
        "lastModifiedDateTime": null, "lastModifiedBy": {"displayName": null, "id": null},
    });
    if with_rules {
        v["rules"] = json!(rules(&st.scenario, &settings, false));
    }
    v
}

/// What a policy-assignment listing asks for besides the scope.
struct AssignmentQuery {
    role_filter: Option<String>,
    expand_policy: bool,
    expand_rules: bool,
}

impl AssignmentQuery {
    fn skips(&self, role: &str) -> bool {
        self.role_filter
            .as_deref()
            .is_some_and(|r| !r.eq_ignore_ascii_case(role))
    }
}

/// One policy assignment of a directory role or group access, with the policy if expanded.
fn assignment_item(st: &EmuState, q: &AssignmentQuery, target: &Target, policy_id: &str) -> Value {
    let (scope_id, scope_type, role) = match target {
        Target::Group { group_id, access_id } => (group_id.as_str(), "Group", access_id.as_str()),
        Target::Directory { role_id, .. } | Target::Azure { role_id, .. } => ("/", "DirectoryRole", role_id.as_str()),
    };
    let mut v = json!({"id": format!("{policy_id}_{role}"), "policyId": policy_id,
        "scopeId": scope_id, "scopeType": scope_type, "roleDefinitionId": role});
    if q.expand_policy {
        v["policy"] = policy_json(st, target, policy_id, q.expand_rules);
    }
    v
}

fn directory_assignments(st: &EmuState, user: &User, scope_id: &str, q: &AssignmentQuery) -> Result<Vec<Value>, Resp> {
    if scope_id != "/" {
        return Err(bad("For directory roles scopeId must be '/'."));
    }
    if denied(user, DeniedSurface::DirectoryRoles) {
        return Err(request_denied());
    }
    let tid = &st.scenario.tenant.id;
    let mut items = Vec::new();
    for d in st.scenario.role_definitions.iter().filter(|d| !q.skips(&d.id)) {
        let policy_id = format!("DirectoryRole_{tid}_{}", dir_policy_guid(&d.id));
        let t = Target::Directory {
            role_id: d.id.clone(),
            scope_id: "/".into(),
        };
        items.push(assignment_item(st, q, &t, &policy_id));
    }
    Ok(items)
}

fn group_assignments(st: &EmuState, user: &User, scope_id: &str, q: &AssignmentQuery) -> Result<Vec<Value>, Resp> {
    if denied(user, DeniedSurface::Groups) {
        return Err(groups_license_required());
    }
    let Some(g) = st.scenario.find_group(scope_id) else {
        return Err(graph_error(
            404,
            "ResourceNotFound",
            &format!("The group '{scope_id}' was not found."),
        ));
    };
    let mut items = Vec::new();
    for access in ["member", "owner"].into_iter().filter(|a| !q.skips(a)) {
        let policy_id = format!("Group_{}_{}", g.id, group_policy_guid(&g.id, access));
        let t = Target::Group {
            group_id: g.id.clone(),
            access_id: access.into(),
        };
        items.push(assignment_item(st, q, &t, &policy_id));
    }
    Ok(items)
}

pub fn assignments(st: &EmuState, req: &Req, user: &User) -> Result<Resp, Resp> {
    let Some(clauses) = filter_clauses(req)? else {
        return Err(bad(
            "The $filter query parameter with scopeId and scopeType is required.",
        ));
    };
    let get = |f: &str| -> Option<String> {
        clauses
            .iter()
            .find(|c| c.field.eq_ignore_ascii_case(f) && c.op == odata::Op::Eq)
            .and_then(|c| c.values.first().cloned().flatten())
    };
    let (Some(scope_id), Some(scope_type)) = (get("scopeId"), get("scopeType")) else {
        return Err(bad(
            "The $filter must specify both scopeId and scopeType (e.g. scopeId eq '/' and scopeType eq 'DirectoryRole').",
        ));
    };
    let ex = expands(req, &["policy"])?;
    let (expand_policy, expand_rules) = match ex.iter().find(|(n, _)| n.eq_ignore_ascii_case("policy")) {
        Some((_, inner)) => (true, inner.to_ascii_lowercase().contains("rules")),
        None => (false, false),
    };
    let q = AssignmentQuery {
        role_filter: get("roleDefinitionId"),
        expand_policy,
        expand_rules,
    };
    let items = match scope_type.to_ascii_lowercase().as_str() {
        "directoryrole" | "directory" => directory_assignments(st, user, &scope_id, &q)?,
        "group" => group_assignments(st, user, &scope_id, &q)?,
        other => {
            return Err(bad(&format!(
                "Unsupported scopeType '{other}'; use DirectoryRole or Group."
            )));
        }
    };
    let skip = ["scopeId", "scopeType", "roleDefinitionId"];
    collection(st, req, items, "policies/roleManagementPolicyAssignments", &skip)
}

pub fn get(st: &EmuState, req: &Req, user: &User, id: &str, rules_only: bool) -> Result<Resp, Resp> {
    let nf = || graph_error(404, "ResourceNotFound", &format!("The policy '{id}' was not found."));
    let target = if let Some(rest) = id.strip_prefix("DirectoryRole_") {
        let pg = rest.rsplit('_').next().unwrap_or("");
        st.scenario
            .role_definitions
            .iter()
            .find(|d| dir_policy_guid(&d.id) == pg)
            .map(|d| Target::Directory {
                role_id: d.id.clone(),
                scope_id: "/".into(),
            })
    } else if let Some(rest) = id.strip_prefix("Group_") {
        let mut parts = rest.splitn(2, '_');
        let gid = parts.next().unwrap_or("");
        let pg = parts.next().unwrap_or("");
        ["member", "owner"]
            .iter()
            .find(|a| group_policy_guid(gid, a) == pg)
            .map(|a| Target::Group {
                group_id: gid.to_string(),
                access_id: a.to_string(),
            })
    } else {
        None
    };
    let Some(target) = target else {
        return Err(nf());
    };
    if matches!(target, Target::Group { .. }) && denied(user, DeniedSurface::Groups) {
        return Err(graph_error(
            403,
            "AadPremiumLicenseRequired",
            "The tenant needs to have a Microsoft Entra ID P2 license to use PIM for Groups.",
        ));
    }
    let with_rules = req
        .q("$expand")
        .is_some_and(|e| e.to_ascii_lowercase().contains("rules"));
    if rules_only {
        let (settings, _) = st.policy_for(&target);
        let items = rules(&st.scenario, &settings, false);
        return collection(st, req, items, "policies/roleManagementPolicies/rules", &[]);
    }
    let mut v = policy_json(st, &target, id, with_rules);
    v["@odata.context"] = json!(format!(
        "{}/graph/v1.0/$metadata#policies/roleManagementPolicies/$entity",
        st.base_url
    ));
    single(req, v)
}
