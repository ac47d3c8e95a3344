//! Schedule instances of Azure roles (`roleEligibilityScheduleInstances`,
//! `roleAssignmentScheduleInstances`): the caller's, visible at the requested scope, direct,
//! inherited from a parent scope or through a group.

use serde_json::{Value, json};

use super::auth::Ctx;
use super::query::{page, parse_arm_filter};
use super::shapes::{member_type, principal_obj, role_obj, scope_obj};
use crate::state::{Assignment, Eligibility, EmuState, Kind, Target, scope_eq};
use crate::surfaces::odata;
use crate::util::{fmt_opt_time, fmt_time, last_segment, stable_guid};
use crate::wire::{Req, Resp, arm_error};

/// Who holds an instance as the caller sees it.
struct Holder {
    /// The user, or the group the user holds it through.
    principal: String,
    via_group: bool,
    member: &'static str,
}

impl Holder {
    fn new(user_id: &str, via: &Option<String>, inherited: bool) -> Self {
        Self {
            principal: via.clone().unwrap_or_else(|| user_id.to_string()),
            via_group: via.is_some(),
            member: member_type(via.is_some(), inherited),
        }
    }
    fn principal_type(&self) -> &'static str {
        if self.via_group { "Group" } else { "User" }
    }
}

/// `Some(inherited?)` when an item at `scope` is visible at the requested scope.
fn visible(st: &EmuState, requested: &str, at_scope_only: bool, scope: &str) -> Option<bool> {
    if requested == "/" || st.scope_within(scope, requested) {
        if at_scope_only && !scope_eq(scope, requested) && requested != "/" {
            return None;
        }
        Some(false)
    } else if st.scope_within(requested, scope) {
        Some(true)
    } else {
        None
    }
}

fn assignment_item(st: &EmuState, a: &Assignment, role_id: &str, scope: &str, h: &Holder) -> Value {
    let linked = a
        .linked_eligibility
        .as_deref()
        .and_then(|id| st.eligibility_by_schedule(id));
    let linked_scope = linked.and_then(|e| match &e.target {
        Target::Azure { scope, .. } => Some(scope.clone()),
        _ => None,
    });
    let props = json!({
        "scope": scope, "roleDefinitionId": st.arm_role_definition_id(scope, role_id),
        "principalId": h.principal, "principalType": h.principal_type(),
        "roleAssignmentScheduleId": format!("{scope}/providers/Microsoft.Authorization/roleAssignmentSchedules/{}", a.schedule_id),
        "originRoleAssignmentId": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{}", stable_guid(&format!("ra:{}", a.instance_id))),
        "status": "Provisioned",
        "startDateTime": fmt_opt_time(a.start), "endDateTime": fmt_opt_time(a.end),
        "linkedRoleEligibilityScheduleId": linked.zip(linked_scope.as_ref()).map(|(e, s)| format!("{s}/providers/Microsoft.Authorization/roleEligibilitySchedules/{}", e.schedule_id)),
        "linkedRoleEligibilityScheduleInstanceId": linked.zip(linked_scope.as_ref()).map(|(e, s)| format!("{s}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/{}", e.instance_id)),
        "assignmentType": a.assignment_type, "memberType": h.member,
        "condition": null, "conditionVersion": null, "createdOn": fmt_opt_time(a.start),
        "expandedProperties": {"scope": scope_obj(st, scope), "roleDefinition": role_obj(st, scope, role_id), "principal": principal_obj(st, &h.principal)},
    });
    json!({"properties": props, "name": a.instance_id,
        "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances/{}", a.instance_id),
        "type": "Microsoft.Authorization/roleAssignmentScheduleInstances"})
}

fn eligibility_item(st: &EmuState, e: &Eligibility, role_id: &str, scope: &str, h: &Holder) -> Value {
    let props = json!({
        "scope": scope, "roleDefinitionId": st.arm_role_definition_id(scope, role_id),
        "principalId": h.principal, "principalType": h.principal_type(),
        "roleEligibilityScheduleId": format!("{scope}/providers/Microsoft.Authorization/RoleEligibilitySchedules/{}", e.schedule_id),
        "status": "Provisioned",
        "startDateTime": fmt_time(e.start), "endDateTime": fmt_opt_time(e.end),
        "memberType": h.member, "condition": null, "conditionVersion": null, "createdOn": fmt_time(e.start),
        "expandedProperties": {"scope": scope_obj(st, scope), "roleDefinition": role_obj(st, scope, role_id), "principal": principal_obj(st, &h.principal)},
    });
    json!({"properties": props, "name": e.instance_id,
        "id": format!("{scope}/providers/Microsoft.Authorization/RoleEligibilityScheduleInstances/{}", e.instance_id),
        "type": "Microsoft.Authorization/RoleEligibilityScheduleInstances"})
}

/// The property clauses of the `$filter` (`roleDefinitionId` by GUID, `principalId` already
/// applied as "mine").
fn matches_clauses(props: &Value, clauses: &[odata::Clause]) -> bool {
    clauses.iter().all(|c| {
        if c.field.eq_ignore_ascii_case("principalId") {
            return true;
        }
        if c.field.eq_ignore_ascii_case("roleDefinitionId") {
            let actual = props["roleDefinitionId"].as_str().unwrap_or("");
            let hit = c
                .values
                .iter()
                .flatten()
                .any(|v| last_segment(v).eq_ignore_ascii_case(last_segment(actual)));
            return if c.op == odata::Op::Ne { !hit } else { hit };
        }
        odata::matches(props, std::slice::from_ref(c))
    })
}

/// Lists the caller's eligibility (`active = false`) or assignment instances at the scope.
pub fn list(st: &EmuState, req: &Req, ctx: &Ctx, active: bool) -> Result<Resp, Resp> {
    let f = parse_arm_filter(req, ctx.user)?;
    if ctx.scope == "/" && !f.mine {
        return Err(arm_error(
            403,
            "InsufficientPermissions",
            "The caller does not have sufficient permissions to list all schedule instances at the tenant root; use $filter=asTarget().",
        ));
    }
    let uid = &ctx.user.id;
    let holder = |scope: &str, via: &Option<String>| {
        visible(st, ctx.scope, f.at_scope, scope).map(|inherited| Holder::new(uid, via, inherited))
    };
    let mut items: Vec<Value> = if active {
        st.user_assignments(uid, Kind::Azure)
            .iter()
            .filter_map(|(a, via)| {
                let Target::Azure { role_id, scope } = &a.target else {
                    return None;
                };
                holder(scope, via).map(|h| assignment_item(st, a, role_id, scope, &h))
            })
            .collect()
    } else {
        st.user_eligibilities(uid, Kind::Azure)
            .iter()
            .filter_map(|(e, via)| {
                let Target::Azure { role_id, scope } = &e.target else {
                    return None;
                };
                holder(scope, via).map(|h| eligibility_item(st, e, role_id, scope, &h))
            })
            .collect()
    };
    items.retain(|i| matches_clauses(&i["properties"], &f.clauses));
    page(st, req, items)
}
