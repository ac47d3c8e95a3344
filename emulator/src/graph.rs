//! Microsoft Graph v1.0 surface (`{base}/graph/v1.0/...`).

use serde_json::{Value, json};

use crate::odata;
use crate::scenario::{DeniedSurface, User};
use crate::server::{Req, Resp};
use crate::state::{
    Action, Assignment, Eligibility, EmuState, Kind, NewRequest, PimError, PimRequest, Target, expiration_type_out,
    parse_schedule,
};
use crate::token::{AccessClaims, GRAPH_AUDIENCE};
use crate::util::{fmt_opt_time, fmt_time, new_guid, stable_guid};

pub fn graph_error(status: u16, code: &str, message: &str) -> Resp {
    let now = fmt_time(chrono::Utc::now());
    let rid = new_guid();
    Resp::json(
        status,
        json!({"error": {"code": code, "message": message,
            "innerError": {"date": now, "request-id": rid, "client-request-id": rid}}}),
    )
}

fn bad(msg: &str) -> Resp {
    graph_error(400, "BadRequest", msg)
}

const ELIG_READ: &[&str] = &[
    "RoleEligibilitySchedule.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const ASSIGN_READ: &[&str] = &[
    "RoleAssignmentSchedule.Read.Directory",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const ASSIGN_WRITE: &[&str] = &[
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleAssignmentSchedule.Remove.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const POLICY_READ: &[&str] = &[
    "RoleManagementPolicy.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagementPolicy.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const GROUP_ELIG_READ: &[&str] = &[
    "PrivilegedEligibilitySchedule.Read.AzureADGroup",
    "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
];
const GROUP_ASSIGN_READ: &[&str] = &[
    "PrivilegedAssignmentSchedule.Read.AzureADGroup",
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
];
const GROUP_ASSIGN_WRITE: &[&str] = &["PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"];
const GROUP_POLICY_READ: &[&str] = &[
    "RoleManagementPolicy.Read.AzureADGroup",
    "RoleManagementPolicy.ReadWrite.AzureADGroup",
];
const USER_READ: &[&str] = &["User.Read", "User.ReadBasic.All", "User.Read.All", "Directory.Read.All"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Route {
    Me,
    DirEligInstances { mine: bool },
    DirEligSchedules,
    DirAssignInstances { mine: bool },
    DirRequestCreate,
    DirRequestsMine,
    DirRequestGet,
    DirRequestCancel,
    RoleDefinitions,
    RoleDefinitionGet,
    GroupEligInstances { mine: bool },
    GroupEligSchedules,
    GroupAssignInstances { mine: bool },
    GroupRequestCreate,
    GroupRequestsMine,
    GroupRequestGet,
    GroupRequestCancel,
    PolicyAssignments,
    PolicyGet { rules_only: bool },
    Groups,
    GroupGet,
    Batch,
}

fn is_fbcu(seg: &str) -> Option<Result<(), Resp>> {
    let s: String = seg
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if !s.starts_with("filterbycurrentuser(") {
        return None;
    }
    if s == "filterbycurrentuser(on='principal')" {
        Some(Ok(()))
    } else {
        Some(Err(bad("filterByCurrentUser requires the parameter on='principal'.")))
    }
}

/// Route table: `Ok((route, allowed methods))`, or a 404.
fn resolve(segs: &[&str]) -> Result<(Route, &'static [&'static str], Option<String>), Resp> {
    let nf = || {
        graph_error(
            404,
            "ResourceNotFound",
            &format!("Resource not found for the segment '{}'.", segs.last().unwrap_or(&"")),
        )
    };
    let get: &'static [&'static str] = &["GET"];
    let post: &'static [&'static str] = &["POST"];
    let fb = |s: &str| -> Result<bool, Resp> {
        match is_fbcu(s) {
            Some(Ok(())) => Ok(true),
            Some(Err(e)) => Err(e),
            None => Ok(false),
        }
    };
    let r = match segs {
        ["me"] => (Route::Me, get, None),
        ["$batch"] => (Route::Batch, post, None),
        ["roleManagement", "directory", rest @ ..] => match rest {
            ["roleEligibilityScheduleInstances"] => (Route::DirEligInstances { mine: false }, get, None),
            ["roleEligibilityScheduleInstances", f] if fb(f)? => (Route::DirEligInstances { mine: true }, get, None),
            ["roleEligibilitySchedules", f] if fb(f)? => (Route::DirEligSchedules, get, None),
            ["roleAssignmentScheduleInstances"] => (Route::DirAssignInstances { mine: false }, get, None),
            ["roleAssignmentScheduleInstances", f] if fb(f)? => (Route::DirAssignInstances { mine: true }, get, None),
            ["roleAssignmentScheduleRequests"] => (Route::DirRequestCreate, post, None),
            ["roleAssignmentScheduleRequests", f] if fb(f)? => (Route::DirRequestsMine, get, None),
            ["roleAssignmentScheduleRequests", id] => (Route::DirRequestGet, get, Some(id.to_string())),
            ["roleAssignmentScheduleRequests", id, "cancel"] => (Route::DirRequestCancel, post, Some(id.to_string())),
            ["roleDefinitions"] => (Route::RoleDefinitions, get, None),
            ["roleDefinitions", id] => (Route::RoleDefinitionGet, get, Some(id.to_string())),
            _ => return Err(nf()),
        },
        ["identityGovernance", "privilegedAccess", "group", rest @ ..] => match rest {
            ["eligibilityScheduleInstances"] => (Route::GroupEligInstances { mine: false }, get, None),
            ["eligibilityScheduleInstances", f] if fb(f)? => (Route::GroupEligInstances { mine: true }, get, None),
            ["eligibilitySchedules", f] if fb(f)? => (Route::GroupEligSchedules, get, None),
            ["assignmentScheduleInstances"] => (Route::GroupAssignInstances { mine: false }, get, None),
            ["assignmentScheduleInstances", f] if fb(f)? => (Route::GroupAssignInstances { mine: true }, get, None),
            ["assignmentScheduleRequests"] => (Route::GroupRequestCreate, post, None),
            ["assignmentScheduleRequests", f] if fb(f)? => (Route::GroupRequestsMine, get, None),
            ["assignmentScheduleRequests", id] => (Route::GroupRequestGet, get, Some(id.to_string())),
            ["assignmentScheduleRequests", id, "cancel"] => (Route::GroupRequestCancel, post, Some(id.to_string())),
            _ => return Err(nf()),
        },
        ["policies", "roleManagementPolicyAssignments"] => (Route::PolicyAssignments, get, None),
        ["policies", "roleManagementPolicies", id] => {
            (Route::PolicyGet { rules_only: false }, get, Some(id.to_string()))
        }
        ["policies", "roleManagementPolicies", id, "rules"] => {
            (Route::PolicyGet { rules_only: true }, get, Some(id.to_string()))
        }
        ["groups"] => (Route::Groups, get, None),
        ["groups", id] => (Route::GroupGet, get, Some(id.to_string())),
        _ => return Err(nf()),
    };
    Ok(r)
}

fn required_scopes(r: Route) -> &'static [&'static str] {
    match r {
        Route::Me | Route::Batch => USER_READ,
        Route::DirEligInstances { .. } | Route::DirEligSchedules => ELIG_READ,
        Route::DirAssignInstances { .. } | Route::DirRequestsMine | Route::DirRequestGet => ASSIGN_READ,
        Route::DirRequestCreate | Route::DirRequestCancel => ASSIGN_WRITE,
        Route::RoleDefinitions | Route::RoleDefinitionGet => ELIG_READ,
        Route::GroupEligInstances { .. } | Route::GroupEligSchedules => GROUP_ELIG_READ,
        Route::GroupAssignInstances { .. } | Route::GroupRequestsMine | Route::GroupRequestGet => GROUP_ASSIGN_READ,
        Route::GroupRequestCreate | Route::GroupRequestCancel => GROUP_ASSIGN_WRITE,
        Route::PolicyAssignments | Route::PolicyGet { .. } => &[],
        Route::Groups | Route::GroupGet => &[],
    }
}

/// Validates the bearer token for Graph.
pub fn authenticate(st: &EmuState, req: &Req) -> Result<(AccessClaims, User), Resp> {
    let fail = |msg: &str| {
        let mut r = graph_error(401, "InvalidAuthenticationToken", msg);
        r.header(
            "www-authenticate",
            &format!(
                "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                st.base_url
            ),
        );
        r
    };
    let Some(tok) = req.bearer() else {
        return Err(fail("Access token is empty."));
    };
    let claims = crate::token::decode(tok)
        .map_err(|_| fail("Access token validation failure. Invalid signature or malformed token."))?;
    if claims.aud != GRAPH_AUDIENCE && claims.aud != "00000003-0000-0000-c000-000000000000" {
        return Err(fail("Access token validation failure. Invalid audience."));
    }
    let now = st.now().timestamp();
    if claims.exp <= now {
        return Err(fail("Lifetime validation failed, the token is expired."));
    }
    if !claims.tid.eq_ignore_ascii_case(&st.scenario.tenant.id) {
        return Err(fail("Access token validation failure. Invalid tenant."));
    }
    let Some(user) = st.scenario.find_user(&claims.oid).cloned() else {
        return Err(fail(
            "The user or application in the token does not exist in the tenant.",
        ));
    };
    Ok((claims, user))
}

fn denied(user: &User, s: DeniedSurface) -> bool {
    user.denied_surfaces.contains(&s)
}

pub fn handle(st: &mut EmuState, req: &Req, path: &str) -> Resp {
    let segs: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let Some((version, rest)) = segs.split_first() else {
        return graph_error(404, "ResourceNotFound", "Resource not found: use /graph/v1.0/...");
    };
    if *version != "v1.0" {
        return graph_error(
            404,
            "ResourceNotFound",
            &format!("The emulator serves Graph v1.0 only (got version segment '{version}')."),
        );
    }
    let (route, methods, id) = match resolve(rest) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !methods.contains(&req.method.as_str()) {
        let mut r = graph_error(
            405,
            "Request_BadRequest",
            &format!("The HTTP method '{}' is not allowed for this resource.", req.method),
        );
        r.header("allow", &methods.join(", "));
        return r;
    }
    if route == Route::Batch {
        return batch(st, req);
    }
    let (claims, user) = match authenticate(st, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let scopes = required_scopes(route);
    let scopes: Vec<&str> = if matches!(route, Route::PolicyAssignments | Route::PolicyGet { .. }) {
        POLICY_READ.iter().chain(GROUP_POLICY_READ.iter()).copied().collect()
    } else if matches!(route, Route::Groups | Route::GroupGet) {
        let mut v = vec!["Group.Read.All", "Directory.Read.All", "GroupMember.Read.All"];
        v.extend(GROUP_ELIG_READ);
        v.extend(GROUP_ASSIGN_READ);
        v
    } else {
        scopes.to_vec()
    };
    if !scopes.is_empty() && !scopes.iter().any(|s| claims.has_scope(s)) {
        return graph_error(
            403,
            "Authorization_RequestDenied",
            &format!(
                "Insufficient privileges to complete the operation. The token needs one of the scopes: {}.",
                scopes.join(", ")
            ),
        );
    }
    let group_route = matches!(
        route,
        Route::GroupEligInstances { .. }
            | Route::GroupEligSchedules
            | Route::GroupAssignInstances { .. }
            | Route::GroupRequestCreate
            | Route::GroupRequestsMine
            | Route::GroupRequestGet
            | Route::GroupRequestCancel
    );
    let dir_route = matches!(
        route,
        Route::DirEligInstances { .. }
            | Route::DirEligSchedules
            | Route::DirAssignInstances { .. }
            | Route::DirRequestCreate
            | Route::DirRequestsMine
            | Route::DirRequestGet
            | Route::DirRequestCancel
    );
    if group_route && denied(&user, DeniedSurface::Groups) {
        return graph_error(
            403,
            "AadPremiumLicenseRequired",
            "The tenant needs to have a Microsoft Entra ID P2 or Microsoft Entra ID Governance license to use PIM for Groups.",
        );
    }
    if dir_route && denied(&user, DeniedSurface::DirectoryRoles) {
        return graph_error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        );
    }
    if matches!(route, Route::PolicyAssignments | Route::PolicyGet { .. })
        && denied(&user, DeniedSurface::GraphPolicies)
    {
        return graph_error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        );
    }
    let id = id.unwrap_or_default();
    let ctx = Ctx {
        claims: &claims,
        user: &user,
    };
    let res = match route {
        Route::Me => {
            let mut v = user_json(&user);
            v["@odata.context"] = json!(format!("{}/graph/v1.0/$metadata#users/$entity", st.base_url));
            single(req, v)
        }
        Route::DirEligInstances { mine } => dir_elig_instances(st, req, &ctx, mine),
        Route::DirEligSchedules => dir_elig_schedules(st, req, &ctx),
        Route::DirAssignInstances { mine } => dir_assign_instances(st, req, &ctx, mine),
        Route::DirRequestCreate => create_request(st, req, &ctx, Kind::Directory),
        Route::GroupRequestCreate => create_request(st, req, &ctx, Kind::Group),
        Route::DirRequestsMine => list_requests(st, req, &ctx, Kind::Directory),
        Route::GroupRequestsMine => list_requests(st, req, &ctx, Kind::Group),
        Route::DirRequestGet => get_request(st, req, &ctx, Kind::Directory, &id),
        Route::GroupRequestGet => get_request(st, req, &ctx, Kind::Group, &id),
        Route::DirRequestCancel => cancel_request(st, &ctx, Kind::Directory, &id),
        Route::GroupRequestCancel => cancel_request(st, &ctx, Kind::Group, &id),
        Route::RoleDefinitions => {
            let items: Vec<Value> = st
                .scenario
                .role_definitions
                .iter()
                .map(|d| role_def_json(st, &d.id))
                .collect();
            collection(st, req, items, "roleManagement/directory/roleDefinitions", &[])
        }
        Route::RoleDefinitionGet => {
            if st
                .scenario
                .role_definitions
                .iter()
                .any(|d| d.id.eq_ignore_ascii_case(&id))
            {
                single(req, role_def_json(st, &id))
            } else {
                Err(graph_error(
                    404,
                    "Request_ResourceNotFound",
                    &format!(
                        "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
                    ),
                ))
            }
        }
        Route::GroupEligInstances { mine } => group_elig_instances(st, req, &ctx, mine, false),
        Route::GroupEligSchedules => group_elig_instances(st, req, &ctx, true, true),
        Route::GroupAssignInstances { mine } => group_assign_instances(st, req, &ctx, mine),
        Route::PolicyAssignments => policy_assignments(st, req, &user),
        Route::PolicyGet { rules_only } => policy_get(st, req, &user, &id, rules_only),
        Route::Groups => {
            let items: Vec<Value> = st.scenario.groups.iter().map(|g| group_json(st, &g.id)).collect();
            collection(st, req, items, "groups", &[])
        }
        Route::GroupGet => match st.scenario.find_group(&id) {
            Some(g) => single(req, group_json(st, &g.id.clone())),
            None => Err(graph_error(
                404,
                "Request_ResourceNotFound",
                &format!(
                    "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
                ),
            )),
        },
        Route::Batch => Ok(Resp::empty(500)),
    };
    res.unwrap_or_else(|e| e)
}

struct Ctx<'a> {
    claims: &'a AccessClaims,
    user: &'a User,
}

// ---------------------------------------------------------------------------------------------
// JSON shapes
// ---------------------------------------------------------------------------------------------

fn user_json(u: &User) -> Value {
    json!({"@odata.type": "#microsoft.graph.user", "id": u.id, "displayName": u.display_name,
           "userPrincipalName": u.user_principal_name, "mail": u.mail})
}

fn principal_json(st: &EmuState, id: &str) -> Value {
    if let Some(u) = st.scenario.find_user(id) {
        return user_json(u);
    }
    if st.scenario.find_group(id).is_some() {
        return group_json(st, id);
    }
    Value::Null
}

fn group_json(st: &EmuState, id: &str) -> Value {
    match st.scenario.find_group(id) {
        Some(g) => {
            json!({"@odata.type": "#microsoft.graph.group", "id": g.id, "displayName": g.display_name,
            "description": g.description, "securityEnabled": true, "mailEnabled": false,
            "isAssignableToRole": g.is_assignable_to_role})
        }
        None => Value::Null,
    }
}

fn role_def_json(st: &EmuState, id: &str) -> Value {
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

fn dir_elig_json(e: &Eligibility, user_id: &str, via_group: bool) -> Value {
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

fn dir_assign_json(st: &EmuState, a: &Assignment, user_id: &str, via_group: bool) -> Value {
    let Target::Directory { role_id, scope_id } = &a.target else {
        return Value::Null;
    };
    let _ = st;
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

fn group_elig_json(e: &Eligibility, user_id: &str, via_group: bool) -> Value {
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

fn group_assign_json(a: &Assignment, user_id: &str, via_group: bool) -> Value {
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

fn request_json(st: &EmuState, r: &PimRequest) -> Value {
    let schedule = if r.schedule.present || r.action == Action::SelfActivate {
        json!({"startDateTime": fmt_time(r.activation_start), "recurrence": null,
               "expiration": {"type": expiration_type_out(&r.schedule, false),
                              "endDateTime": fmt_opt_time(r.schedule.end), "duration": r.schedule.duration}})
    } else {
        Value::Null
    };
    let ticket = json!({"ticketNumber": r.ticket_number, "ticketSystem": r.ticket_system});
    let created_by = json!({"application": null, "device": null, "user": {"displayName": null, "id": r.principal_id}});
    let mut v = json!({
        "id": r.id, "status": r.status.as_str(),
        "createdDateTime": fmt_time(r.created), "completedDateTime": fmt_opt_time(r.completed),
        "approvalId": r.approval_id, "customData": r.custom_data, "action": r.action.graph(),
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
    v["justification"] = json!(r.justification);
    v["createdBy"] = created_by;
    v["scheduleInfo"] = schedule;
    v["ticketInfo"] = ticket;
    v
}

// ---------------------------------------------------------------------------------------------
// Query helpers
// ---------------------------------------------------------------------------------------------

fn expands(req: &Req, allowed: &[&str]) -> Result<Vec<(String, String)>, Resp> {
    let Some(e) = req.q("$expand") else {
        return Ok(vec![]);
    };
    let items = odata::parse_expand(e);
    for (name, _) in &items {
        if name != "*" && !allowed.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            return Err(bad(&format!(
                "Parsing OData Select and Expand failed: Could not find a property named '{name}' on type. Expandable: {}.",
                allowed.join(", ")
            )));
        }
    }
    Ok(items)
}

fn has_expand(ex: &[(String, String)], name: &str) -> bool {
    ex.iter().any(|(n, _)| n == "*" || n.eq_ignore_ascii_case(name))
}

fn filter_clauses(req: &Req) -> Result<Option<Vec<odata::Clause>>, Resp> {
    match req.q("$filter") {
        None => Ok(None),
        Some(f) => odata::parse_filter(f)
            .map(Some)
            .map_err(|e| bad(&format!("Invalid filter clause: {e}"))),
    }
}

fn single(req: &Req, mut v: Value) -> Result<Resp, Resp> {
    if let Some(sel) = req.q("$select") {
        let fields: Vec<String> = sel.split(',').map(|s| s.trim().to_string()).collect();
        let keep: Vec<String> = req
            .q("$expand")
            .map(|e| odata::parse_expand(e).into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default();
        odata::select(&mut v, &fields, &keep);
    }
    Ok(Resp::json(200, v))
}

/// Filters, pages and selects a collection.
fn collection(
    st: &EmuState,
    req: &Req,
    items: Vec<Value>,
    ctx: &str,
    skip_filter_fields: &[&str],
) -> Result<Resp, Resp> {
    let mut items = items;
    if let Some(clauses) = filter_clauses(req)? {
        let clauses: Vec<_> = clauses
            .into_iter()
            .filter(|c| !skip_filter_fields.iter().any(|f| f.eq_ignore_ascii_case(&c.field)))
            .collect();
        items.retain(|i| odata::matches(i, &clauses));
    }
    let page_size = st.scenario.settings.page_size;
    let top = match req.q("$top") {
        Some(t) => match t.parse::<usize>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(bad(&format!("Invalid value '{t}' for $top."))),
        },
        None => None,
    };
    let size = top.map(|t| t.min(page_size)).unwrap_or(page_size);
    let offset = match req.q("$skiptoken") {
        Some(t) => odata::decode_skip(t).ok_or_else(|| bad("Invalid $skiptoken."))?,
        None => 0,
    };
    let total = items.len();
    let mut page: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    if let Some(sel) = req.q("$select") {
        let fields: Vec<String> = sel.split(',').map(|s| s.trim().to_string()).collect();
        let keep: Vec<String> = req
            .q("$expand")
            .map(|e| odata::parse_expand(e).into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default();
        for i in &mut page {
            odata::select(i, &fields, &keep);
        }
    }
    let mut body = json!({
        "@odata.context": format!("{}/graph/v1.0/$metadata#{ctx}", st.base_url),
        "value": page,
    });
    if offset.saturating_add(size) < total {
        body["@odata.nextLink"] = json!(odata::next_link(
            &st.base_url,
            &req.path,
            &req.query,
            "$skiptoken",
            offset.saturating_add(size)
        ));
    }
    Ok(Resp::json(200, body))
}

/// For admin-style collection listing: the `$filter` must pin `principalId` to the caller.
fn require_own_principal_filter(req: &Req, ctx: &Ctx) -> Result<(), Resp> {
    let clauses = filter_clauses(req)?.unwrap_or_default();
    let own = clauses.iter().any(|c| {
        c.field.eq_ignore_ascii_case("principalId")
            && c.op == odata::Op::Eq
            && c.values
                .iter()
                .any(|v| v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(&ctx.user.id)))
    });
    if own {
        Ok(())
    } else {
        Err(graph_error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation. Non-admin callers must use filterByCurrentUser(on='principal') or $filter=principalId eq '{own id}'.",
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Directory roles
// ---------------------------------------------------------------------------------------------

fn dir_elig_instances(st: &EmuState, req: &Req, ctx: &Ctx, mine: bool) -> Result<Resp, Resp> {
    if !mine {
        require_own_principal_filter(req, ctx)?;
    }
    let ex = expands(req, &["roleDefinition", "principal", "directoryScope", "appScope"])?;
    let items: Vec<Value> = st
        .user_eligibilities(&ctx.user.id, Kind::Directory)
        .iter()
        .map(|(e, g)| {
            let mut v = dir_elig_json(e, &ctx.user.id, g.is_some());
            expand_common(st, &mut v, &ex, &ctx.user.id);
            v
        })
        .collect();
    collection(
        st,
        req,
        items,
        "Collection(unifiedRoleEligibilityScheduleInstance)",
        &[],
    )
}

/// `activatedUsing` / `targetSchedule` on a request object.
fn expand_request(st: &EmuState, v: &mut Value, r: &PimRequest, ex: &[(String, String)]) {
    if has_expand(ex, "activatedUsing") {
        v["activatedUsing"] = r
            .linked_eligibility
            .as_deref()
            .and_then(|id| st.eligibility_by_schedule(id))
            .map(|e| match e.target {
                Target::Group { .. } => group_elig_json(e, &r.principal_id, false),
                _ => dir_elig_json(
                    e,
                    &r.principal_id,
                    !e.principal_id.eq_ignore_ascii_case(&r.principal_id),
                ),
            })
            .unwrap_or(Value::Null);
    }
    if has_expand(ex, "targetSchedule") {
        v["targetSchedule"] = st
            .assignments
            .iter()
            .find(|a| a.schedule_id == r.target_schedule_id)
            .map(|a| {
                json!({"id": a.schedule_id, "principalId": a.principal_id, "status": "Provisioned",
                       "assignmentType": a.assignment_type, "memberType": "Direct",
                       "scheduleInfo": {"startDateTime": fmt_opt_time(a.start), "recurrence": null,
                           "expiration": {"type": if a.end.is_some() { "afterDateTime" } else { "noExpiration" },
                                          "endDateTime": fmt_opt_time(a.end), "duration": null}}})
            })
            .unwrap_or(Value::Null);
    }
}

fn expand_common(st: &EmuState, v: &mut Value, ex: &[(String, String)], user_id: &str) {
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

fn dir_elig_schedules(st: &EmuState, req: &Req, ctx: &Ctx) -> Result<Resp, Resp> {
    let ex = expands(req, &["roleDefinition", "principal", "directoryScope", "appScope"])?;
    let items: Vec<Value> = st
        .user_eligibilities(&ctx.user.id, Kind::Directory)
        .iter()
        .filter_map(|(e, g)| {
            let Target::Directory { role_id, scope_id } = &e.target else {
                return None;
            };
            let mut v = json!({
                "@odata.type": "#microsoft.graph.unifiedRoleEligibilitySchedule",
                "id": e.schedule_id, "principalId": ctx.user.id, "roleDefinitionId": role_id,
                "directoryScopeId": scope_id, "appScopeId": null, "createdUsing": e.schedule_id,
                "createdDateTime": fmt_time(e.start), "modifiedDateTime": null, "status": "Provisioned",
                "memberType": if g.is_some() { "Group" } else { "Direct" },
                "scheduleInfo": {"startDateTime": fmt_time(e.start), "recurrence": null,
                    "expiration": {"type": if e.end.is_some() { "afterDateTime" } else { "noExpiration" },
                                   "endDateTime": fmt_opt_time(e.end), "duration": null}},
            });
            expand_common(st, &mut v, &ex, &ctx.user.id);
            Some(v)
        })
        .collect();
    collection(st, req, items, "Collection(unifiedRoleEligibilitySchedule)", &[])
}

fn dir_assign_instances(st: &EmuState, req: &Req, ctx: &Ctx, mine: bool) -> Result<Resp, Resp> {
    if !mine {
        require_own_principal_filter(req, ctx)?;
    }
    let ex = expands(
        req,
        &[
            "roleDefinition",
            "principal",
            "directoryScope",
            "appScope",
            "activatedUsing",
        ],
    )?;
    let items: Vec<Value> = st
        .user_assignments(&ctx.user.id, Kind::Directory)
        .iter()
        .map(|(a, g)| {
            let mut v = dir_assign_json(st, a, &ctx.user.id, g.is_some());
            expand_common(st, &mut v, &ex, &ctx.user.id);
            if has_expand(&ex, "activatedUsing") {
                v["activatedUsing"] = a
                    .linked_eligibility
                    .as_deref()
                    .and_then(|id| st.eligibility_by_schedule(id))
                    .map(|e| dir_elig_json(e, &ctx.user.id, !e.principal_id.eq_ignore_ascii_case(&ctx.user.id)))
                    .unwrap_or(Value::Null);
            }
            v
        })
        .collect();
    collection(st, req, items, "Collection(unifiedRoleAssignmentScheduleInstance)", &[])
}

// ---------------------------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------------------------

fn group_elig_instances(st: &EmuState, req: &Req, ctx: &Ctx, mine: bool, schedules: bool) -> Result<Resp, Resp> {
    if !mine {
        let clauses = filter_clauses(req)?.unwrap_or_default();
        let has = clauses
            .iter()
            .any(|c| c.field.eq_ignore_ascii_case("groupId") || c.field.eq_ignore_ascii_case("principalId"));
        if !has {
            return Err(graph_error(
                400,
                "MissingParameters",
                "The required parameters GroupId or PrincipalId is missing",
            ));
        }
    }
    let ex = expands(req, &["group", "principal"])?;
    let items: Vec<Value> = st
        .user_eligibilities(&ctx.user.id, Kind::Group)
        .iter()
        .map(|(e, g)| {
            let mut v = group_elig_json(e, &ctx.user.id, g.is_some());
            if schedules {
                v["@odata.type"] = json!("#microsoft.graph.privilegedAccessGroupEligibilitySchedule");
                v["id"] = json!(e.schedule_id);
                v["status"] = json!("Provisioned");
                v["createdUsing"] = json!(e.schedule_id);
                v["createdDateTime"] = json!(fmt_time(e.start));
                v["scheduleInfo"] = json!({"startDateTime": fmt_time(e.start), "recurrence": null,
                    "expiration": {"type": if e.end.is_some() { "afterDateTime" } else { "noExpiration" },
                                   "endDateTime": fmt_opt_time(e.end), "duration": null}});
            }
            expand_common(st, &mut v, &ex, &ctx.user.id);
            v
        })
        .collect();
    let ctxname = if schedules {
        "Collection(privilegedAccessGroupEligibilitySchedule)"
    } else {
        "Collection(privilegedAccessGroupEligibilityScheduleInstance)"
    };
    collection(st, req, items, ctxname, &[])
}

fn group_assign_instances(st: &EmuState, req: &Req, ctx: &Ctx, mine: bool) -> Result<Resp, Resp> {
    if !mine {
        let clauses = filter_clauses(req)?.unwrap_or_default();
        if !clauses
            .iter()
            .any(|c| c.field.eq_ignore_ascii_case("groupId") || c.field.eq_ignore_ascii_case("principalId"))
        {
            return Err(graph_error(
                400,
                "MissingParameters",
                "The required parameters GroupId or PrincipalId is missing",
            ));
        }
    }
    let ex = expands(req, &["group", "principal", "activatedUsing"])?;
    let items: Vec<Value> = st
        .user_assignments(&ctx.user.id, Kind::Group)
        .iter()
        .map(|(a, g)| {
            let mut v = group_assign_json(a, &ctx.user.id, g.is_some());
            expand_common(st, &mut v, &ex, &ctx.user.id);
            if has_expand(&ex, "activatedUsing") {
                v["activatedUsing"] = a
                    .linked_eligibility
                    .as_deref()
                    .and_then(|id| st.eligibility_by_schedule(id))
                    .map(|e| group_elig_json(e, &ctx.user.id, false))
                    .unwrap_or(Value::Null);
            }
            v
        })
        .collect();
    collection(
        st,
        req,
        items,
        "Collection(privilegedAccessGroupAssignmentScheduleInstance)",
        &[],
    )
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

pub fn pim_error(e: &PimError) -> Resp {
    match e {
        PimError::Forbidden(m) => graph_error(403, "Authorization_RequestDenied", m),
        PimError::NotFound(m) => graph_error(404, "ResourceNotFound", m),
        other => {
            let (s, c, m) = other.status_code_message();
            graph_error(s, c, &m)
        }
    }
}

fn get_ci<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(kk, _)| kk.eq_ignore_ascii_case(k))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn get_str(v: &Value, k: &str) -> Result<Option<String>, Resp> {
    match get_ci(v, k) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(&format!("Invalid value for property '{k}': expected a string."))),
    }
}

pub fn parse_json_body(req: &Req) -> Result<Value, Resp> {
    if req.body.is_empty() {
        return Err(bad("Empty Payload. JSON content expected."));
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(bad("Unable to read JSON request payload: a JSON object is expected.")),
        Err(e) => Err(bad(&format!(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format. ({e})"
        ))),
    }
}

fn create_request(st: &mut EmuState, req: &Req, ctx: &Ctx, kind: Kind) -> Result<Resp, Resp> {
    let body = parse_json_body(req)?;
    let action_s = get_str(&body, "action")?.ok_or_else(|| bad("The property 'action' is required."))?;
    let action = match Action::parse(&action_s) {
        Ok(a) => a,
        Err(true) => {
            return Err(graph_error(
                403,
                "Authorization_RequestDenied",
                "The emulator only supports self-service actions (selfActivate, selfDeactivate, selfExtend, selfRenew).",
            ));
        }
        Err(false) => {
            return Err(bad(&format!("Invalid value '{action_s}' for property 'action'.")));
        }
    };
    let principal_id = get_str(&body, "principalId")?.ok_or_else(|| bad("The property 'principalId' is required."))?;
    let target = match kind {
        Kind::Directory => {
            let role = get_str(&body, "roleDefinitionId")?
                .ok_or_else(|| bad("The property 'roleDefinitionId' is required."))?;
            let scope = get_str(&body, "directoryScopeId")?;
            let app = get_str(&body, "appScopeId")?;
            if scope.is_none() && app.is_none() {
                return Err(bad("Either 'directoryScopeId' or 'appScopeId' is required."));
            }
            Target::Directory {
                role_id: role,
                scope_id: scope.unwrap_or_else(|| "/".into()),
            }
        }
        _ => {
            let gid = get_str(&body, "groupId")?.ok_or_else(|| bad("The property 'groupId' is required."))?;
            let access = get_str(&body, "accessId")?.ok_or_else(|| bad("The property 'accessId' is required."))?;
            let access = access.to_ascii_lowercase();
            if access != "member" && access != "owner" {
                return Err(bad(&format!(
                    "Invalid value '{access}' for property 'accessId'; expected member or owner."
                )));
            }
            Target::Group {
                group_id: gid,
                access_id: access,
            }
        }
    };
    let ticket = get_ci(&body, "ticketInfo").cloned().unwrap_or(Value::Null);
    let is_validation_only = match get_ci(&body, "isValidationOnly") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(bad("Invalid value for 'isValidationOnly': expected a boolean."));
        }
    };
    let nr = NewRequest {
        id: None,
        action,
        principal_id,
        target,
        justification: get_str(&body, "justification")?,
        ticket_number: get_str(&ticket, "ticketNumber")?,
        ticket_system: get_str(&ticket, "ticketSystem")?,
        schedule: parse_schedule(get_ci(&body, "scheduleInfo")).map_err(|e| pim_error(&e))?,
        linked_eligibility: None,
        is_validation_only,
        custom_data: get_str(&body, "customData")?,
    };
    let r = st.submit(ctx.claims, nr).map_err(|e| pim_error(&e))?;
    Ok(Resp::json(201, request_json(st, &r)))
}

/// Relationships a schedule request can `$expand`.
const REQUEST_EXPANDS: [&str; 7] = [
    "roleDefinition",
    "principal",
    "activatedUsing",
    "targetSchedule",
    "group",
    "directoryScope",
    "appScope",
];

fn list_requests(st: &EmuState, req: &Req, ctx: &Ctx, kind: Kind) -> Result<Resp, Resp> {
    let ex = expands(req, &REQUEST_EXPANDS)?;
    let items: Vec<Value> = st
        .requests
        .iter()
        .filter(|r| r.target.kind() == kind && r.principal_id.eq_ignore_ascii_case(&ctx.user.id))
        .map(|r| {
            let mut v = request_json(st, r);
            if let Some(o) = v.as_object_mut() {
                o.remove("@odata.context");
            }
            expand_common(st, &mut v, &ex, &ctx.user.id);
            expand_request(st, &mut v, r, &ex);
            v
        })
        .collect();
    let ctxname = if kind == Kind::Directory {
        "Collection(unifiedRoleAssignmentScheduleRequest)"
    } else {
        "Collection(privilegedAccessGroupAssignmentScheduleRequest)"
    };
    collection(st, req, items, ctxname, &[])
}

fn get_request(st: &EmuState, req: &Req, ctx: &Ctx, kind: Kind, id: &str) -> Result<Resp, Resp> {
    let ex = expands(req, &REQUEST_EXPANDS)?;
    let Some(r) = st
        .find_request(id)
        .filter(|r| r.target.kind() == kind && r.principal_id.eq_ignore_ascii_case(&ctx.user.id))
    else {
        return Err(graph_error(
            404,
            "ResourceNotFound",
            &format!("The request '{id}' was not found."),
        ));
    };
    let mut v = request_json(st, r);
    expand_common(st, &mut v, &ex, &ctx.user.id);
    expand_request(st, &mut v, r, &ex);
    single(req, v)
}

fn cancel_request(st: &mut EmuState, ctx: &Ctx, kind: Kind, id: &str) -> Result<Resp, Resp> {
    st.cancel(id, &ctx.user.id, kind).map_err(|e| pim_error(&e))?;
    Ok(Resp::empty(204))
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

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
        v["rules"] = json!(crate::policy::rules(st, &settings, false));
    }
    v
}

fn policy_assignments(st: &EmuState, req: &Req, user: &User) -> Result<Resp, Resp> {
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
    let role_filter = get("roleDefinitionId");
    let ex = expands(req, &["policy"])?;
    let (expand_policy, expand_rules) = match ex.iter().find(|(n, _)| n.eq_ignore_ascii_case("policy")) {
        Some((_, inner)) => (true, inner.to_ascii_lowercase().contains("rules")),
        None => (false, false),
    };
    let tid = &st.scenario.tenant.id;
    let mut items = Vec::new();
    match scope_type.to_ascii_lowercase().as_str() {
        "directoryrole" | "directory" => {
            if scope_id != "/" {
                return Err(bad("For directory roles scopeId must be '/'."));
            }
            if denied(user, DeniedSurface::DirectoryRoles) {
                return Err(graph_error(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                ));
            }
            for d in &st.scenario.role_definitions {
                if role_filter.as_deref().is_some_and(|r| !r.eq_ignore_ascii_case(&d.id)) {
                    continue;
                }
                let pg = dir_policy_guid(&d.id);
                let policy_id = format!("DirectoryRole_{tid}_{pg}");
                let mut v = json!({"id": format!("{policy_id}_{}", d.id), "policyId": policy_id,
                    "scopeId": "/", "scopeType": "DirectoryRole", "roleDefinitionId": d.id});
                if expand_policy {
                    let t = Target::Directory {
                        role_id: d.id.clone(),
                        scope_id: "/".into(),
                    };
                    v["policy"] = policy_json(st, &t, &policy_id, expand_rules);
                }
                items.push(v);
            }
        }
        "group" => {
            if denied(user, DeniedSurface::Groups) {
                return Err(graph_error(
                    403,
                    "AadPremiumLicenseRequired",
                    "The tenant needs to have a Microsoft Entra ID P2 or Microsoft Entra ID Governance license to use PIM for Groups.",
                ));
            }
            let Some(g) = st.scenario.find_group(&scope_id) else {
                return Err(graph_error(
                    404,
                    "ResourceNotFound",
                    &format!("The group '{scope_id}' was not found."),
                ));
            };
            for access in ["member", "owner"] {
                if role_filter.as_deref().is_some_and(|r| !r.eq_ignore_ascii_case(access)) {
                    continue;
                }
                let pg = group_policy_guid(&g.id, access);
                let policy_id = format!("Group_{}_{pg}", g.id);
                let mut v = json!({"id": format!("{policy_id}_{access}"), "policyId": policy_id,
                    "scopeId": g.id, "scopeType": "Group", "roleDefinitionId": access});
                if expand_policy {
                    let t = Target::Group {
                        group_id: g.id.clone(),
                        access_id: access.into(),
                    };
                    v["policy"] = policy_json(st, &t, &policy_id, expand_rules);
                }
                items.push(v);
            }
        }
        other => {
            return Err(bad(&format!(
                "Unsupported scopeType '{other}'; use DirectoryRole or Group."
            )));
        }
    }
    let skip = ["scopeId", "scopeType", "roleDefinitionId"];
    collection(st, req, items, "policies/roleManagementPolicyAssignments", &skip)
}

fn policy_get(st: &EmuState, req: &Req, user: &User, id: &str, rules_only: bool) -> Result<Resp, Resp> {
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
        let items = crate::policy::rules(st, &settings, false);
        return collection(st, req, items, "policies/roleManagementPolicies/rules", &[]);
    }
    let mut v = policy_json(st, &target, id, with_rules);
    v["@odata.context"] = json!(format!(
        "{}/graph/v1.0/$metadata#policies/roleManagementPolicies/$entity",
        st.base_url
    ));
    single(req, v)
}

// ---------------------------------------------------------------------------------------------
// $batch
// ---------------------------------------------------------------------------------------------

fn batch(st: &mut EmuState, req: &Req) -> Resp {
    let body = match parse_json_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(reqs) = body.get("requests").and_then(Value::as_array) else {
        return bad("The batch payload must contain a 'requests' array.");
    };
    if reqs.len() > 20 {
        return bad("Number of requests exceeds the maximum of 20.");
    }
    let mut seen = Vec::new();
    let mut responses = Vec::new();
    for r in reqs {
        let id = match r.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return bad("Every batch request needs an 'id'."),
        };
        if seen.contains(&id) {
            return bad(&format!("Duplicate batch request id '{id}'."));
        }
        seen.push(id.clone());
        let (Some(method), Some(url)) = (
            r.get("method").and_then(Value::as_str),
            r.get("url").and_then(Value::as_str),
        ) else {
            return bad("Every batch request needs 'method' and 'url'.");
        };
        let Ok(m) = http::Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
            return bad(&format!("Invalid method '{method}'."));
        };
        let rel = url.trim_start_matches('/');
        let rel = rel.strip_prefix("v1.0/").unwrap_or(rel);
        let (p, q) = rel.split_once('?').unwrap_or((rel, ""));
        let mut headers = req.headers.clone();
        if let Some(h) = r.get("headers").and_then(Value::as_object) {
            for (k, v) in h {
                if let (Ok(name), Some(Ok(val))) = (
                    http::HeaderName::from_bytes(k.as_bytes()),
                    v.as_str().map(http::HeaderValue::from_str),
                ) {
                    headers.insert(name, val);
                }
            }
        }
        let inner = Req {
            method: m,
            path: format!("/graph/v1.0/{}", crate::util::url_decode(p)),
            raw_query: q.to_string(),
            query: url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            headers,
            body: r
                .get("body")
                .map(|b| bytes::Bytes::from(serde_json::to_vec(b).unwrap_or_default()))
                .unwrap_or_default(),
        };
        let path = format!("/v1.0/{}", crate::util::url_decode(p));
        let resp = if p.trim_matches('/') == "$batch" {
            bad("Nested $batch requests are not supported.")
        } else {
            handle(st, &inner, &path)
        };
        let mut hdrs = serde_json::Map::new();
        for (k, v) in &resp.headers {
            hdrs.insert(k.clone(), json!(v));
        }
        let body = if resp.body.is_empty() {
            Value::Null
        } else {
            resp.json_body()
        };
        let mut item = json!({"id": id, "status": resp.status, "headers": hdrs});
        if !body.is_null() {
            item["body"] = body;
        }
        responses.push(item);
    }
    Resp::json(200, json!({"responses": responses}))
}
