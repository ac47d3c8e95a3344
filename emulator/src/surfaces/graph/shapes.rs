//! JSON shapes of Graph entities: users, groups, role definitions, schedule instances, schedule
//! requests, and the relationships `$expand` adds to them.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::query::has_expand;
use crate::scenario::User;
use crate::state::{Action, Assignment, Eligibility, EmuState, PimRequest, Target, expiration_type_out};
use crate::util::{fmt_opt_time, fmt_time};

/// `scheduleInfo` of a schedule with a fixed start and an optional end.
pub fn fixed_schedule_info(start: Value, end: Option<DateTime<Utc>>) -> Value {
    json!({"startDateTime": start, "recurrence": null,
        "expiration": {"type": if end.is_some() { "afterDateTime" } else { "noExpiration" },
                       "endDateTime": fmt_opt_time(end), "duration": null}})
}

pub fn user_json(u: &User) -> Value {
    json!({"@odata.type": "#microsoft.graph.user", "id": u.id, "displayName": u.display_name,
           "userPrincipalName": u.user_principal_name, "mail": u.mail})
}

pub fn principal_json(st: &EmuState, id: &str) -> Value {
    if let Some(u) = st.scenario.find_user(id) {
        return user_json(u);
    }
    if st.scenario.find_group(id).is_some() {
        return group_json(st, id);
    }
    Value::Null
}

pub fn group_json(st: &EmuState, id: &str) -> Value {
    match st.scenario.find_group(id) {
        Some(g) => {
            json!({"@odata.type": "#microsoft.graph.group", "id": g.id, "displayName": g.display_name,
            "description": g.description, "securityEnabled": true, "mailEnabled": false,
            "isAssignableToRole": g.is_assignable_to_role})
        }
        None => Value::Null,
    }
}

pub fn role_def_json(st: &EmuState, id: &str) -> Value {
    match st
        .scenario
        .role_definitions
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(id))
    {
        Some(d) => json!({"id": d.id, "displayName": d.display_name, "description": d.description,
            "isBuiltIn": true, "isEnabled": true, "templateId": d.id, "version": "1",
            "resourceScopes": ["/"], "rolePermissions": []}),
        None => Value::Null,
    }
}

pub fn dir_elig_json(e: &Eligibility, user_id: &str, via_group: bool) -> Value {
    let Target::Directory { role_id, scope_id } = &e.target else {
        return Value::Null;
    };
    json!({
        "@odata.type": "#microsoft.graph.unifiedRoleEligibilityScheduleInstance",
        "id": e.instance_id, "principalId": user_id, "roleDefinitionId": role_id,
        "directoryScopeId": scope_id, "appScopeId": null,
        "startDateTime": fmt_time(e.start), "endDateTime": fmt_opt_time(e.end),
        "memberType": if via_group { "Group" } else { "Direct" },
        "roleEligibilityScheduleId": e.schedule_id,
    })
}

pub fn dir_assign_json(a: &Assignment, user_id: &str, via_group: bool) -> Value {
    let Target::Directory { role_id, scope_id } = &a.target else {
        return Value::Null;
    };
    json!({
        "@odata.type": "#microsoft.graph.unifiedRoleAssignmentScheduleInstance",
        "id": a.instance_id, "principalId": user_id, "roleDefinitionId": role_id,
        "directoryScopeId": scope_id, "appScopeId": null,
        "startDateTime": fmt_opt_time(a.start), "endDateTime": fmt_opt_time(a.end),
        "assignmentType": a.assignment_type,
        "memberType": if via_group { "Group" } else { "Direct" },
        "roleAssignmentOriginId": a.instance_id, "roleAssignmentScheduleId": a.schedule_id,
    })
}

pub fn group_elig_json(e: &Eligibility, user_id: &str, via_group: bool) -> Value {
    let Target::Group { group_id, access_id } = &e.target else {
        return Value::Null;
    };
    json!({
        "@odata.type": "#microsoft.graph.privilegedAccessGroupEligibilityScheduleInstance",
        "id": e.instance_id, "startDateTime": fmt_time(e.start), "endDateTime": fmt_opt_time(e.end),
        "memberType": if via_group { "Group" } else { "Direct" },
        "principalId": user_id, "accessId": access_id, "groupId": group_id,
        "eligibilityScheduleId": e.schedule_id,
    })
}

pub fn group_assign_json(a: &Assignment, user_id: &str, via_group: bool) -> Value {
    let Target::Group { group_id, access_id } = &a.target else {
        return Value::Null;
    };
    json!({
        "@odata.type": "#microsoft.graph.privilegedAccessGroupAssignmentScheduleInstance",
        "id": a.instance_id, "accessId": access_id, "assignmentScheduleId": a.schedule_id,
        "assignmentType": a.assignment_type.to_ascii_lowercase(),
        "memberType": if via_group { "Group" } else { "Direct" },
        "groupId": group_id, "principalId": user_id,
        "startDateTime": fmt_opt_time(a.start), "endDateTime": fmt_opt_time(a.end),
    })
}

pub fn request_json(st: &EmuState, r: &PimRequest) -> Value {
    let schedule = if r.details.schedule.present || r.action == Action::SelfActivate {
        json!({"startDateTime": fmt_time(r.activation_start), "recurrence": null,
               "expiration": {"type": expiration_type_out(&r.details.schedule, false),
                              "endDateTime": fmt_opt_time(r.details.schedule.end), "duration": r.details.schedule.duration}})
    } else {
        Value::Null
    };
    let ticket = json!({"ticketNumber": r.details.ticket_number, "ticketSystem": r.details.ticket_system});
    let created_by = json!({"application": null, "device": null, "user": {"displayName": null, "id": r.principal_id}});
    let mut v = json!({
        "id": r.id, "status": r.status.as_str(),
        "createdDateTime": fmt_time(r.created), "completedDateTime": fmt_opt_time(r.completed),
        "approvalId": r.approval_id, "customData": r.details.custom_data, "action": r.action.graph(),
        "principalId": r.principal_id,
    });
    match &r.target {
        Target::Directory { role_id, scope_id } => {
            v["@odata.context"] = json!(format!(
                "{}/graph/v1.0/$metadata#roleManagement/directory/roleAssignmentScheduleRequests/$entity",
                st.base_url
            ));
            v["roleDefinitionId"] = json!(role_id);
            v["directoryScopeId"] = json!(scope_id);
            v["appScopeId"] = Value::Null;
        }
        Target::Group { group_id, access_id } => {
            v["@odata.context"] = json!(format!(
                "{}/graph/v1.0/$metadata#identityGovernance/privilegedAccess/group/assignmentScheduleRequests/$entity",
                st.base_url
            ));
            v["accessId"] = json!(access_id);
            v["groupId"] = json!(group_id);
        }
        Target::Azure { .. } => {}
    }
    v["isValidationOnly"] = json!(r.is_validation_only);
    v["targetScheduleId"] = json!(r.target_schedule_id);
    v["justification"] = json!(r.details.justification);
    v["createdBy"] = created_by;
    v["scheduleInfo"] = schedule;
    v["ticketInfo"] = ticket;
    v
}

/// `activatedUsing`: the eligibility an activation used (`linked` = its schedule id), if
/// expanded.
pub fn expand_activated_using(
    st: &EmuState,
    v: &mut Value,
    ex: &[(String, String)],
    linked: Option<&str>,
    user_id: &str,
) {
    if has_expand(ex, "activatedUsing") {
        v["activatedUsing"] = linked
            .and_then(|id| st.eligibility_by_schedule(id))
            .map(|e| match e.target {
                Target::Group { .. } => group_elig_json(e, user_id, false),
                _ => dir_elig_json(e, user_id, !e.principal_id.eq_ignore_ascii_case(user_id)),
            })
            .unwrap_or(Value::Null);
    }
}

/// `activatedUsing` / `targetSchedule` on a request object.
pub fn expand_request(st: &EmuState, v: &mut Value, r: &PimRequest, ex: &[(String, String)]) {
    expand_activated_using(st, v, ex, r.linked_eligibility.as_deref(), &r.principal_id);
    if has_expand(ex, "targetSchedule") {
        v["targetSchedule"] = st
            .assignments
            .iter()
            .find(|a| a.schedule_id == r.target_schedule_id)
            .map(|a| {
                json!({"id": a.schedule_id, "principalId": a.principal_id, "status": "Provisioned",
                       "assignmentType": a.assignment_type, "memberType": "Direct",
                       "scheduleInfo": fixed_schedule_info(fmt_opt_time(a.start), a.end)})
            })
            .unwrap_or(Value::Null);
    }
}

pub fn expand_common(st: &EmuState, v: &mut Value, ex: &[(String, String)], user_id: &str) {
    if has_expand(ex, "roleDefinition") {
        let id = v["roleDefinitionId"].as_str().unwrap_or("").to_string();
        v["roleDefinition"] = role_def_json(st, &id);
    }
    if has_expand(ex, "principal") {
        v["principal"] = principal_json(st, user_id);
    }
    if has_expand(ex, "directoryScope") {
        v["directoryScope"] = Value::Null;
    }
    if has_expand(ex, "appScope") {
        v["appScope"] = Value::Null;
    }
    if has_expand(ex, "group") {
        let id = v["groupId"].as_str().unwrap_or("").to_string();
        v["group"] = group_json(st, &id);
    }
}
