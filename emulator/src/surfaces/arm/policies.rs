//! Role management policies and their assignments at a scope, role definitions, subscriptions.

use serde_json::{Value, json};

use super::auth::Ctx;
use super::query::{page, role_filter};
use super::shapes::{role_obj, scope_obj};
use crate::state::{EmuState, Target};
use crate::surfaces::policy_rules::rules;
use crate::util::stable_guid;
use crate::wire::{Req, Resp, arm_error};

fn policy_guid(def_scope: &str, role: &str) -> String {
    stable_guid(&format!(
        "arm-policy:{}:{}",
        def_scope.to_ascii_lowercase(),
        role.to_ascii_lowercase()
    ))
}

fn policy_id(def_scope: &str, role: &str) -> String {
    let base = if def_scope == "/" { "" } else { def_scope };
    format!(
        "{base}/providers/Microsoft.Authorization/roleManagementPolicies/{}",
        policy_guid(def_scope, role)
    )
}

fn policy_assignment_json(st: &EmuState, at_scope: &str, role: &str) -> Value {
    let target = Target::Azure {
        role_id: role.to_string(),
        scope: at_scope.to_string(),
    };
    let (settings, def_scope) = st.policy_for(&target);
    let def_scope = def_scope.unwrap_or_else(|| at_scope.to_string());
    let pid = policy_id(&def_scope, role);
    let pg = policy_guid(&def_scope, role);
    let name = format!("{pg}_{role}");
    json!({
        "properties": {
            "scope": def_scope, "roleDefinitionId": st.arm_role_definition_id(at_scope, role), "policyId": pid,
            "effectiveRules": rules(&st.scenario, &settings, true),
            "policyAssignmentProperties": {"scope": scope_obj(st, &def_scope), "roleDefinition": role_obj(st, at_scope, role),
                "policy": {"id": pid, "lastModifiedBy": null, "lastModifiedDateTime": null}},
        },
        "name": name,
        "id": format!("{}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{name}", if def_scope == "/" { "" } else { def_scope.as_str() }),
        "type": "Microsoft.Authorization/RoleManagementPolicyAssignment",
    })
}

pub fn assignments(st: &EmuState, req: &Req, ctx: &Ctx) -> Result<Resp, Resp> {
    let rf = role_filter(req)?;
    let items: Vec<Value> = st
        .scenario
        .azure_role_definitions
        .iter()
        .filter(|d| rf.as_deref().is_none_or(|r| r.eq_ignore_ascii_case(&d.id)))
        .map(|d| policy_assignment_json(st, ctx.scope, &d.id))
        .collect();
    page(st, req, items)
}

fn policy_json(st: &EmuState, def_scope: &str, role: &str) -> Value {
    let target = Target::Azure {
        role_id: role.to_string(),
        scope: def_scope.to_string(),
    };
    let (settings, _) = st.policy_for(&target);
    let pid = policy_id(def_scope, role);
    let rules = rules(&st.scenario, &settings, true);
    json!({
        "properties": {
            "scope": def_scope, "displayName": "Default", "description": "Default", "isOrganizationDefault": false,
            "lastModifiedBy": null, "lastModifiedDateTime": null,
            "rules": rules, "effectiveRules": rules,
            "policyProperties": {"scope": scope_obj(st, def_scope)},
        },
        "name": policy_guid(def_scope, role),
        "id": pid,
        "type": "Microsoft.Authorization/RoleManagementPolicies",
    })
}

pub fn list(st: &EmuState, req: &Req, ctx: &Ctx) -> Result<Resp, Resp> {
    let items: Vec<Value> = st
        .scenario
        .azure_role_definitions
        .iter()
        .map(|d| policy_json(st, ctx.scope, &d.id))
        .collect();
    page(st, req, items)
}

pub fn get(st: &EmuState, ctx: &Ctx, name: &str) -> Result<Resp, Resp> {
    for d in &st.scenario.azure_role_definitions {
        if policy_guid(ctx.scope, &d.id).eq_ignore_ascii_case(name) {
            return Ok(Resp::json(200, policy_json(st, ctx.scope, &d.id)));
        }
    }
    Err(arm_error(
        404,
        "RoleManagementPolicyNotFound",
        &format!(
            "The role management policy '{name}' could not be found at scope '{}'.",
            ctx.scope
        ),
    ))
}

pub fn role_definition(st: &EmuState, ctx: &Ctx, name: &str) -> Result<Resp, Resp> {
    match st
        .scenario
        .azure_role_definitions
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(name))
    {
        Some(d) => Ok(Resp::json(
            200,
            json!({
                "id": st.arm_role_definition_id(ctx.scope, &d.id), "name": d.id,
                "type": "Microsoft.Authorization/roleDefinitions",
                "properties": {"roleName": d.display_name, "type": d.r#type, "description": d.display_name,
                    "assignableScopes": ["/"], "permissions": []},
            }),
        )),
        None => Err(arm_error(
            404,
            "RoleDefinitionDoesNotExist",
            &format!("The specified role definition with ID '{name}' does not exist."),
        )),
    }
}

pub fn subscriptions(st: &EmuState, req: &Req) -> Result<Resp, Resp> {
    let items: Vec<Value> = st
        .scenario
        .subscriptions
        .iter()
        .map(|s| {
            json!({"id": format!("/subscriptions/{}", s.id), "subscriptionId": s.id,
            "tenantId": st.scenario.tenant.id, "displayName": s.display_name, "state": "Enabled"})
        })
        .collect();
    page(st, req, items)
}
