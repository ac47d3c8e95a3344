//! Azure Resource Manager surface (`{base}/arm/...`, `Microsoft.Authorization`, 2020-10-01).

use serde_json::{Map, Value, json};

use crate::odata;
use crate::scenario::{DeniedSurface, User};
use crate::server::{Req, Resp};
use crate::state::{
    Action, EmuState, Kind, NewRequest, PimError, PimRequest, Status, Target, expiration_type_out, normalize_scope,
    parse_schedule, scope_eq,
};
use crate::token::AccessClaims;
use crate::util::{fmt_opt_time, fmt_time, last_segment, stable_guid};

pub const API_VERSIONS: &[&str] = &["2020-10-01", "2020-10-01-preview"];
const AUTHZ: &str = "/providers/Microsoft.Authorization/";

pub fn arm_error(status: u16, code: &str, message: &str) -> Resp {
    Resp::json(status, json!({"error": {"code": code, "message": message}}))
}

fn bad(msg: &str) -> Resp {
    arm_error(400, "BadRequest", msg)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Route {
    EligInstances,
    AssignInstances,
    Requests,
    Request,
    RequestCancel,
    RequestValidate,
    PolicyAssignments,
    Policies,
    Policy,
    RoleDefinition,
    Subscriptions,
}

fn authenticate(st: &EmuState, req: &Req) -> Result<(AccessClaims, User), Resp> {
    let fail = |code: &str, msg: &str| {
        let mut r = arm_error(401, code, msg);
        r.header(
            "www-authenticate",
            &format!(
                "Bearer authorization_uri=\"{}/{}\", error=\"invalid_token\", error_description=\"{}\"",
                st.base_url, st.scenario.tenant.id, msg
            ),
        );
        r
    };
    let Some(tok) = req.bearer() else {
        return Err(fail(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        ));
    };
    let claims =
        crate::token::decode(tok).map_err(|_| fail("InvalidAuthenticationToken", "The access token is invalid."))?;
    let aud_ok = [
        "https://management.core.windows.net/",
        "https://management.core.windows.net",
        "https://management.azure.com/",
        "https://management.azure.com",
    ]
    .contains(&claims.aud.as_str());
    if !aud_ok {
        return Err(fail(
            "InvalidAuthenticationTokenAudience",
            &format!(
                "The access token has been obtained for wrong audience or resource '{}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.",
                claims.aud
            ),
        ));
    }
    let now = st.now();
    if claims.exp <= now.timestamp() {
        let exp = chrono::DateTime::from_timestamp(claims.exp, 0).unwrap_or_default();
        return Err(fail(
            "ExpiredAuthenticationToken",
            &format!(
                "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                exp.format("%-m/%-d/%Y %-I:%M:%S %p"),
                now.format("%-m/%-d/%Y %-I:%M:%S %p")
            ),
        ));
    }
    if !claims.tid.eq_ignore_ascii_case(&st.scenario.tenant.id) {
        return Err(fail(
            "InvalidAuthenticationTokenTenant",
            "The access token is from the wrong issuer.",
        ));
    }
    let Some(user) = st.scenario.find_user(&claims.oid).cloned() else {
        return Err(fail(
            "InvalidAuthenticationToken",
            "The user in the access token does not exist in the tenant.",
        ));
    };
    Ok((claims, user))
}

fn forbidden(user: &User, action: &str, scope: &str) -> Resp {
    arm_error(
        403,
        "AuthorizationFailed",
        &format!(
            "The client '{}' with object id '{}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
            user.user_principal_name, user.id
        ),
    )
}

pub fn handle(st: &mut EmuState, req: &Req, path: &str) -> Resp {
    let path = if path.is_empty() { "/" } else { path };
    let lower = path.to_ascii_lowercase();
    let (route, scope, name, methods): (Route, String, String, &[&str]) = if let Some(pos) =
        lower.rfind(&AUTHZ.to_ascii_lowercase())
    {
        let scope = normalize_scope(&path[..pos]);
        let rest: Vec<&str> = path[pos + AUTHZ.len()..].split('/').filter(|s| !s.is_empty()).collect();
        let rt = rest.first().map(|s| s.to_ascii_lowercase()).unwrap_or_default();
        let name = rest.get(1).map(|s| s.to_string()).unwrap_or_default();
        let (route, methods): (Route, &[&str]) = match (
            rt.as_str(),
            rest.len(),
            rest.get(2).map(|s| s.to_ascii_lowercase()),
        ) {
            ("roleeligibilityscheduleinstances", 1, _) => (Route::EligInstances, &["GET"]),
            ("roleassignmentscheduleinstances", 1, _) => (Route::AssignInstances, &["GET"]),
            ("roleassignmentschedulerequests", 1, _) => (Route::Requests, &["GET"]),
            ("roleassignmentschedulerequests", 2, _) => (Route::Request, &["GET", "PUT"]),
            ("roleassignmentschedulerequests", 3, Some(a)) if a == "cancel" => (Route::RequestCancel, &["POST"]),
            ("roleassignmentschedulerequests", 3, Some(a)) if a == "validate" => (Route::RequestValidate, &["POST"]),
            ("rolemanagementpolicyassignments", 1, _) => (Route::PolicyAssignments, &["GET"]),
            ("rolemanagementpolicies", 1, _) => (Route::Policies, &["GET"]),
            ("rolemanagementpolicies", 2, _) => (Route::Policy, &["GET"]),
            ("roledefinitions", 2, _) => (Route::RoleDefinition, &["GET"]),
            _ => {
                return arm_error(
                    404,
                    "InvalidResourceType",
                    &format!(
                        "The resource type '{}' could not be found in the namespace 'Microsoft.Authorization' for api version '2020-10-01'.",
                        rest.first().unwrap_or(&"")
                    ),
                );
            }
        };
        (route, scope, name, methods)
    } else if lower.trim_end_matches('/') == "/subscriptions" {
        (Route::Subscriptions, "/".into(), String::new(), &["GET"])
    } else {
        return arm_error(
            404,
            "NoRegisteredProviderFound",
            &format!(
                "No registered resource provider found for path '{path}'. The emulator serves Microsoft.Authorization PIM resources only."
            ),
        );
    };
    if !methods.contains(&req.method.as_str()) {
        let mut r = arm_error(
            405,
            "MethodNotAllowed",
            &format!("The requested resource does not support http method '{}'.", req.method),
        );
        r.header("allow", &methods.join(", "));
        return r;
    }
    let (claims, user) = match authenticate(st, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match req.q("api-version") {
        None => {
            return arm_error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            );
        }
        Some(v) if route == Route::Subscriptions => {
            let _ = v;
        }
        Some(v) if !API_VERSIONS.contains(&v) => {
            return arm_error(
                400,
                "InvalidApiVersionParameter",
                &format!(
                    "The api-version '{v}' is invalid. The supported versions are '{}'.",
                    API_VERSIONS.join(",")
                ),
            );
        }
        _ => {}
    }
    if !claims.has_scope("user_impersonation") {
        return forbidden(&user, "Microsoft.Authorization/*/read", &scope);
    }
    if user.denied_surfaces.contains(&DeniedSurface::Arm) {
        let action = match route {
            Route::EligInstances => "Microsoft.Authorization/roleEligibilityScheduleInstances/read",
            Route::AssignInstances => "Microsoft.Authorization/roleAssignmentScheduleInstances/read",
            Route::Request if req.method == "PUT" => "Microsoft.Authorization/roleAssignmentScheduleRequests/write",
            _ => "Microsoft.Authorization/*/read",
        };
        return forbidden(&user, action, &scope);
    }
    if matches!(route, Route::PolicyAssignments | Route::Policies | Route::Policy)
        && user.denied_surfaces.contains(&DeniedSurface::ArmPolicies)
    {
        return forbidden(&user, "Microsoft.Authorization/roleManagementPolicies/read", &scope);
    }
    if route != Route::Subscriptions
        && let Err((code, msg)) = st.arm_scope_known(&scope)
    {
        return arm_error(404, code, &msg);
    }
    let ctx = Ctx {
        claims: &claims,
        user: &user,
        scope: &scope,
    };
    let res = match route {
        Route::EligInstances => list_instances(st, req, &ctx, false),
        Route::AssignInstances => list_instances(st, req, &ctx, true),
        Route::Requests => list_requests(st, req, &ctx),
        Route::Request if req.method == "PUT" => put_request(st, req, &ctx, &name, false),
        Route::Request => get_request(st, &ctx, &name),
        Route::RequestValidate => put_request(st, req, &ctx, &name, true),
        Route::RequestCancel => st
            .cancel(&name, &user.id, Kind::Azure)
            .map(|_| Resp::empty(200))
            .map_err(|e| pim_error(&e)),
        Route::PolicyAssignments => policy_assignments(st, req, &ctx),
        Route::Policies => policies(st, req, &ctx),
        Route::Policy => policy_get(st, &ctx, &name),
        Route::RoleDefinition => role_definition(st, &ctx, &name),
        Route::Subscriptions => {
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
    };
    res.unwrap_or_else(|e| e)
}

struct Ctx<'a> {
    claims: &'a AccessClaims,
    user: &'a User,
    scope: &'a str,
}

pub fn pim_error(e: &PimError) -> Resp {
    match e {
        PimError::Forbidden(m) => arm_error(403, "AuthorizationFailed", m),
        PimError::NotFound(m) => arm_error(404, "ResourceNotFound", m),
        other => {
            let (s, c, m) = other.status_code_message();
            arm_error(s, c, &m)
        }
    }
}

fn page(st: &EmuState, req: &Req, items: Vec<Value>) -> Result<Resp, Resp> {
    let size = st.scenario.settings.page_size;
    let size = match req.q("$top") {
        Some(t) => match t.parse::<usize>() {
            Ok(n) if n > 0 => n.min(size),
            _ => return Err(bad(&format!("Invalid $top value '{t}'."))),
        },
        None => size,
    };
    let offset = match req.q("$skipToken") {
        Some(t) => odata::decode_skip(t).ok_or_else(|| bad("Invalid $skipToken."))?,
        None => 0,
    };
    let total = items.len();
    let value: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let mut body = json!({"value": value});
    if offset.saturating_add(size) < total {
        body["nextLink"] = json!(odata::next_link(
            &st.base_url,
            &req.path,
            &req.query,
            "$skipToken",
            offset.saturating_add(size)
        ));
    }
    Ok(Resp::json(200, body))
}

fn scope_obj(st: &EmuState, scope: &str) -> Value {
    let (name, ty) = st.scope_info(scope);
    json!({"id": scope, "displayName": name, "type": ty})
}

fn role_obj(st: &EmuState, scope: &str, role: &str) -> Value {
    let (name, ty) = st
        .scenario
        .azure_role_definitions
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(role))
        .map(|d| (d.display_name.clone(), d.r#type.clone()))
        .unwrap_or_else(|| (role.to_string(), "BuiltInRole".into()));
    json!({"id": st.arm_role_definition_id(scope, role), "displayName": name, "type": ty})
}

fn principal_obj(st: &EmuState, id: &str) -> Value {
    if let Some(u) = st.scenario.find_user(id) {
        return json!({"id": u.id, "displayName": u.display_name, "email": u.mail.clone().unwrap_or_else(|| u.user_principal_name.clone()), "type": "User"});
    }
    if let Some(g) = st.scenario.find_group(id) {
        return json!({"id": g.id, "displayName": g.display_name, "email": null, "type": "Group"});
    }
    json!({"id": id, "displayName": null, "email": null, "type": "User"})
}

/// Parses the ARM `$filter` into (asTarget/atScope/asRequestor flags, property clauses).
struct ArmFilter {
    mine: bool,
    at_scope: bool,
    clauses: Vec<odata::Clause>,
}

fn parse_arm_filter(req: &Req, user: &User) -> Result<ArmFilter, Resp> {
    let mut f = ArmFilter {
        mine: false,
        at_scope: false,
        clauses: vec![],
    };
    let Some(raw) = req.q("$filter") else {
        return Ok(f);
    };
    let clauses = odata::parse_filter(raw).map_err(|e| bad(&format!("The filter '{raw}' is not supported: {e}")))?;
    for c in clauses {
        match c.field.to_ascii_lowercase().as_str() {
            "astarget()" | "asrequestor()" => f.mine = true,
            "atscope()" => f.at_scope = true,
            "assignedto()" => {
                if c.values
                    .first()
                    .cloned()
                    .flatten()
                    .is_some_and(|v| v.eq_ignore_ascii_case(&user.id))
                {
                    f.mine = true;
                } else {
                    return Err(forbidden(user, "Microsoft.Authorization/*/read", "/"));
                }
            }
            "asapprover()" => {
                return Err(bad("asApprover() is not supported by the emulator."));
            }
            x if x.ends_with("()") => {
                return Err(bad(&format!("The filter function '{}' is not supported.", c.field)));
            }
            "principalid" => {
                if c.op == odata::Op::Eq && c.values.iter().flatten().any(|v| v.eq_ignore_ascii_case(&user.id)) {
                    f.mine = true;
                }
                f.clauses.push(c);
            }
            _ => f.clauses.push(c),
        }
    }
    Ok(f)
}

fn list_instances(st: &EmuState, req: &Req, ctx: &Ctx, active: bool) -> Result<Resp, Resp> {
    let f = parse_arm_filter(req, ctx.user)?;
    if ctx.scope == "/" && !f.mine {
        return Err(arm_error(
            403,
            "InsufficientPermissions",
            "The caller does not have sufficient permissions to list all schedule instances at the tenant root; use $filter=asTarget().",
        ));
    }
    let uid = &ctx.user.id;
    let mut items = Vec::new();
    let relevant = |scope: &str| -> Option<bool> {
        // Some(inherited?) when the item is visible at the requested scope.
        if ctx.scope == "/" || st.scope_within(scope, ctx.scope) {
            if f.at_scope && !scope_eq(scope, ctx.scope) && ctx.scope != "/" {
                return None;
            }
            Some(false)
        } else if st.scope_within(ctx.scope, scope) {
            Some(true)
        } else {
            None
        }
    };
    if active {
        for (a, via) in st.user_assignments(uid, Kind::Azure) {
            let Target::Azure { role_id, scope } = &a.target else {
                continue;
            };
            let Some(inherited) = relevant(scope) else {
                continue;
            };
            let member = member_type(via.is_some(), inherited);
            let principal = via.clone().unwrap_or_else(|| uid.clone());
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
                "principalId": principal, "principalType": if via.is_some() { "Group" } else { "User" },
                "roleAssignmentScheduleId": format!("{scope}/providers/Microsoft.Authorization/roleAssignmentSchedules/{}", a.schedule_id),
                "originRoleAssignmentId": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{}", stable_guid(&format!("ra:{}", a.instance_id))),
                "status": "Provisioned",
                "startDateTime": fmt_opt_time(a.start), "endDateTime": fmt_opt_time(a.end),
                "linkedRoleEligibilityScheduleId": linked.zip(linked_scope.as_ref()).map(|(e, s)| format!("{s}/providers/Microsoft.Authorization/roleEligibilitySchedules/{}", e.schedule_id)),
                "linkedRoleEligibilityScheduleInstanceId": linked.zip(linked_scope.as_ref()).map(|(e, s)| format!("{s}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/{}", e.instance_id)),
                "assignmentType": a.assignment_type, "memberType": member,
                "condition": null, "conditionVersion": null, "createdOn": fmt_opt_time(a.start),
                "expandedProperties": {"scope": scope_obj(st, scope), "roleDefinition": role_obj(st, scope, role_id), "principal": principal_obj(st, &principal)},
            });
            items.push(json!({"properties": props, "name": a.instance_id,
                "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances/{}", a.instance_id),
                "type": "Microsoft.Authorization/roleAssignmentScheduleInstances"}));
        }
    } else {
        for (e, via) in st.user_eligibilities(uid, Kind::Azure) {
            let Target::Azure { role_id, scope } = &e.target else {
                continue;
            };
            let Some(inherited) = relevant(scope) else {
                continue;
            };
            let member = member_type(via.is_some(), inherited);
            let principal = via.clone().unwrap_or_else(|| uid.clone());
            let props = json!({
                "scope": scope, "roleDefinitionId": st.arm_role_definition_id(scope, role_id),
                "principalId": principal, "principalType": if via.is_some() { "Group" } else { "User" },
                "roleEligibilityScheduleId": format!("{scope}/providers/Microsoft.Authorization/RoleEligibilitySchedules/{}", e.schedule_id),
                "status": "Provisioned",
                "startDateTime": fmt_time(e.start), "endDateTime": fmt_opt_time(e.end),
                "memberType": member, "condition": null, "conditionVersion": null, "createdOn": fmt_time(e.start),
                "expandedProperties": {"scope": scope_obj(st, scope), "roleDefinition": role_obj(st, scope, role_id), "principal": principal_obj(st, &principal)},
            });
            items.push(json!({"properties": props, "name": e.instance_id,
                "id": format!("{scope}/providers/Microsoft.Authorization/RoleEligibilityScheduleInstances/{}", e.instance_id),
                "type": "Microsoft.Authorization/RoleEligibilityScheduleInstances"}));
        }
    }
    items.retain(|i| {
        let props = &i["properties"];
        f.clauses.iter().all(|c| {
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
    });
    page(st, req, items)
}

fn request_json(st: &EmuState, r: &PimRequest, validate: bool) -> Value {
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
                "expiration": {"type": expiration_type_out(&r.schedule, true), "endDateTime": fmt_opt_time(r.schedule.end), "duration": r.schedule.duration}},
            "linkedRoleEligibilityScheduleId": r.linked_eligibility.as_ref().map(|l| match &linked_scope {
                Some(s) => format!("{s}/providers/Microsoft.Authorization/roleEligibilitySchedules/{l}"),
                None => l.clone(),
            }),
            "justification": r.justification,
            "ticketInfo": {"ticketNumber": r.ticket_number, "ticketSystem": r.ticket_system},
            "condition": null, "conditionVersion": null,
            "createdOn": fmt_time(r.created), "requestorId": r.principal_id,
            "expandedProperties": {"scope": scope_obj(st, scope), "roleDefinition": role_obj(st, scope, role_id), "principal": principal_obj(st, &r.principal_id)},
        },
        "name": r.id,
        "id": format!("{scope}/providers/Microsoft.Authorization/RoleAssignmentScheduleRequests/{}", r.id),
        "type": "Microsoft.Authorization/RoleAssignmentScheduleRequests",
    })
}

fn lower_keys(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let mut m = Map::new();
            for (k, vv) in o {
                m.insert(k.to_ascii_lowercase(), lower_keys(vv));
            }
            Value::Object(m)
        }
        Value::Array(a) => Value::Array(a.iter().map(lower_keys).collect()),
        other => other.clone(),
    }
}

fn put_request(st: &mut EmuState, req: &Req, ctx: &Ctx, name: &str, validate: bool) -> Result<Resp, Resp> {
    if uuid::Uuid::parse_str(name).is_err() {
        return Err(bad(&format!(
            "The role assignment schedule request name '{name}' is not valid. It must be a GUID."
        )));
    }
    if req.body.is_empty() {
        return Err(arm_error(
            400,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized: 'The request body is empty.'",
        ));
    }
    let body: Value = serde_json::from_slice(&req.body).map_err(|e| {
        arm_error(
            400,
            "InvalidRequestContent",
            &format!("The request content was invalid and could not be deserialized: '{e}'."),
        )
    })?;
    let body = lower_keys(&body);
    let Some(props) = body.get("properties").filter(|p| p.is_object()) else {
        return Err(arm_error(
            400,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized: 'Required property 'properties' not found in JSON.'",
        ));
    };
    let s = |k: &str| -> Result<Option<String>, Resp> {
        match props.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(arm_error(
                400,
                "InvalidRequestContent",
                &format!("The request content was invalid: property '{k}' must be a string."),
            )),
        }
    };
    let req_type = s("requesttype")?.ok_or_else(|| {
        arm_error(
            400,
            "InvalidRequestContent",
            "The request content was invalid: 'requestType' is required.",
        )
    })?;
    let principal = s("principalid")?.ok_or_else(|| {
        arm_error(
            400,
            "InvalidRequestContent",
            "The request content was invalid: 'principalId' is required.",
        )
    })?;
    let role = s("roledefinitionid")?.ok_or_else(|| {
        arm_error(
            400,
            "InvalidRequestContent",
            "The request content was invalid: 'roleDefinitionId' is required.",
        )
    })?;
    let action = match Action::parse(&req_type) {
        Ok(a) => a,
        Err(true) => {
            return Err(forbidden(
                ctx.user,
                "Microsoft.Authorization/roleAssignmentScheduleRequests/write",
                ctx.scope,
            ));
        }
        Err(false) => return Err(bad(&format!("The requestType '{req_type}' is not valid."))),
    };
    if !validate && st.find_request(name).is_some() {
        return Err(arm_error(
            400,
            "RoleAssignmentRequestExists",
            &format!("A role assignment schedule request with the name '{name}' already exists."),
        ));
    }
    let ticket = props.get("ticketinfo").cloned().unwrap_or(Value::Null);
    let tstr = |k: &str| ticket.get(k).and_then(Value::as_str).map(str::to_string);
    let nr = NewRequest {
        id: Some(name.to_string()),
        action,
        principal_id: principal,
        target: Target::Azure {
            role_id: last_segment(&role).to_string(),
            scope: ctx.scope.to_string(),
        },
        justification: s("justification")?,
        ticket_number: tstr("ticketnumber"),
        ticket_system: tstr("ticketsystem"),
        schedule: parse_schedule(props.get("scheduleinfo")).map_err(|e| pim_error(&e))?,
        linked_eligibility: s("linkedroleeligibilityscheduleid")?,
        is_validation_only: validate,
        custom_data: None,
    };
    let r = st.submit(ctx.claims, nr).map_err(|e| pim_error(&e))?;
    Ok(Resp::json(
        if validate { 200 } else { 201 },
        request_json(st, &r, validate),
    ))
}

fn get_request(st: &EmuState, ctx: &Ctx, name: &str) -> Result<Resp, Resp> {
    match st
        .find_request(name)
        .filter(|r| r.target.kind() == Kind::Azure && r.principal_id.eq_ignore_ascii_case(&ctx.user.id))
    {
        Some(r) => Ok(Resp::json(200, request_json(st, r, false))),
        None => Err(arm_error(
            404,
            "ResourceNotFound",
            &format!("The role assignment schedule request '{name}' could not be found."),
        )),
    }
}

fn list_requests(st: &EmuState, req: &Req, ctx: &Ctx) -> Result<Resp, Resp> {
    let f = parse_arm_filter(req, ctx.user)?;
    let items: Vec<Value> = st
        .requests
        .iter()
        .filter(|r| r.target.kind() == Kind::Azure && r.principal_id.eq_ignore_ascii_case(&ctx.user.id))
        .filter(|r| match &r.target {
            Target::Azure { scope, .. } => ctx.scope == "/" || st.scope_within(scope, ctx.scope),
            _ => false,
        })
        .map(|r| request_json(st, r, false))
        .filter(|v| {
            f.clauses
                .iter()
                .filter(|c| !c.field.eq_ignore_ascii_case("principalId"))
                .all(|c| odata::matches(&v["properties"], std::slice::from_ref(c)))
        })
        .collect();
    page(st, req, items)
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

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
            "effectiveRules": crate::policy::rules(st, &settings, true),
            "policyAssignmentProperties": {"scope": scope_obj(st, &def_scope), "roleDefinition": role_obj(st, at_scope, role),
                "policy": {"id": pid, "lastModifiedBy": null, "lastModifiedDateTime": null}},
        },
        "name": name,
        "id": format!("{}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{name}", if def_scope == "/" { "" } else { def_scope.as_str() }),
        "type": "Microsoft.Authorization/RoleManagementPolicyAssignment",
    })
}

fn role_filter(req: &Req) -> Result<Option<String>, Resp> {
    let Some(raw) = req.q("$filter") else {
        return Ok(None);
    };
    let clauses = odata::parse_filter(raw).map_err(|e| bad(&format!("The filter '{raw}' is not supported: {e}")))?;
    Ok(clauses
        .iter()
        .find(|c| c.field.eq_ignore_ascii_case("roleDefinitionId"))
        .and_then(|c| c.values.first().cloned().flatten())
        .map(|v| last_segment(&v).to_string()))
}

fn policy_assignments(st: &EmuState, req: &Req, ctx: &Ctx) -> Result<Resp, Resp> {
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
    let rules = crate::policy::rules(st, &settings, true);
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

fn policies(st: &EmuState, req: &Req, ctx: &Ctx) -> Result<Resp, Resp> {
    let items: Vec<Value> = st
        .scenario
        .azure_role_definitions
        .iter()
        .map(|d| policy_json(st, ctx.scope, &d.id))
        .collect();
    page(st, req, items)
}

fn policy_get(st: &EmuState, ctx: &Ctx, name: &str) -> Result<Resp, Resp> {
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

fn role_definition(st: &EmuState, ctx: &Ctx, name: &str) -> Result<Resp, Resp> {
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

/// ARM `memberType`: through a group, inherited from a parent scope, or direct.
fn member_type(via_group: bool, inherited: bool) -> &'static str {
    if via_group {
        "Group"
    } else if inherited {
        "Inherited"
    } else {
        "Direct"
    }
}
