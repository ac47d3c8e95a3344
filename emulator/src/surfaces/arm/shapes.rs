//! JSON shapes of ARM resources: the expanded scope, role and principal objects, schedule
//! requests, and `memberType`.

use serde_json::{Value, json};

use crate::state::{Action, EmuState, PimRequest, Status, Target, expiration_type_out};
use crate::util::{fmt_opt_time, fmt_time};

pub fn scope_obj(st: &EmuState, scope: &str) -> Value {
    let (name, ty) = st.scope_info(scope);
    json!({"id": scope, "displayName": name, "type": ty})
}

pub fn role_obj(st: &EmuState, scope: &str, role: &str) -> Value {
    let (name, ty) = st
        .scenario
        .azure_role_definitions
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(role))
        .map(|d| (d.display_name.clone(), d.r#type.clone()))
        .unwrap_or_else(|| (role.to_string(), "BuiltInRole".into()));
    json!({"id": st.arm_role_definition_id(scope, role), "displayName": name, "type": ty})
}

pub fn principal_obj(st: &EmuState, id: &str) -> Value {
    if let Some(u) = st.scenario.find_user(id) {
        return json!({"id": u.id, "displayName": u.display_name, "email": u.mail.clone().unwrap_or_else(|| u.user_principal_name.clone()), "type": "User"});
    }
    if let Some(g) = st.scenario.find_group(id) {
        return json!({"id": g.id, "displayName": g.display_name, "email": null, "type": "Group"});
    }
    json!({"id": id, "displayName": null, "email": null, "type": "User"})
}

pub fn request_json(st: &EmuState, r: &PimRequest, validate: bool) -> Value {
    let Target::Azure { role_id, scope } = &r.target else {
        return Value::Null;
    };
    let mut status = r.status.as_str();
    if validate && r.status == Status::PendingApproval {
        status = "PendingEvaluation";
    } else if validate && r.is_validation_only && r.action == Action::SelfActivate {
        status = "Accepted";
    }
    let linked_scope = r
        .linked_eligibility
        .as_deref()
        .and_then(|id| st.eligibility_by_schedule(id))
        .and_then(|e| match &e.target {
            Target::Azure { scope, .. } => Some(scope.clone()),
            _ => None,
        });
    json!({
        "properties": {
            "targetRoleAssignmentScheduleId": format!("{scope}/providers/Microsoft.Authorization/roleAssignmentSchedules/{}", r.target_schedule_id),
            "targetRoleAssignmentScheduleInstanceId": r.target_instance_id.as_ref().map(|i| format!("{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances/{i}")),
            "scope": scope, "roleDefinitionId": st.arm_role_definition_id(scope, role_id),
            "principalId": r.principal_id, "principalType": "User", "requestType": r.action.arm(),
            "status": status,
            "approvalId": r.approval_id.as_ref().map(|a| format!("{scope}/providers/Microsoft.Authorization/roleAssignmentApprovals/{a}")),
            "scheduleInfo": {"startDateTime": fmt_time(r.activation_start),
                "expiration": {"type": expiration_type_out(&r.details.schedule, true), "endDateTime": fmt_opt_time(r.details.schedule.end), "duration": r.details.schedule.duration}},
            "linkedRoleEligibilityScheduleId": r.linked_eligibility.as_ref().map(|l| match &linked_scope {
                Some(s) => format!("{s}/providers/Microsoft.Authorization/roleEligibilitySchedules/{l}"),
                None => l.clone(),
            }),
            "justification": r.details.justification,
            "ticketInfo": {"ticketNumber": r.details.ticket_number, "ticketSystem": r.details.ticket_system},
            "condition": null, "conditionVersion": null,
            "createdOn": fmt_time(r.created), "requestorId": r.principal_id,
            "expandedProperties": {"scope": scope_obj(st, scope), "roleDefinition": role_obj(st, scope, role_id), "principal": principal_obj(st, &r.principal_id)},
        },
        "name": r.id,
        "id": format!("{scope}/providers/Microsoft.Authorization/RoleAssignmentScheduleRequests/{}", r.id),
        "type": "Microsoft.Authorization/RoleAssignmentScheduleRequests",
    })
}

/// ARM `memberType`: through a group, inherited from a parent scope, or direct.
pub fn member_type(via_group: bool, inherited: bool) -> &'static str {
    if via_group {
        "Group"
    } else if inherited {
        "Inherited"
    } else {
        "Direct"
    }
}
