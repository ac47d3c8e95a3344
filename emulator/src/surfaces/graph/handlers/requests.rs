//! Schedule requests of both PIM surfaces: create (self-service actions only), list the
//! caller's, get one, cancel.

use serde_json::Value;

use crate::state::{Action, EmuState, Kind, NewRequest, RequestDetails, Target, parse_schedule};
use crate::surfaces::graph::auth::Ctx;
use crate::surfaces::graph::query::{bad, collection, expands, get_ci, get_str, parse_json_body, pim_error, single};
use crate::surfaces::graph::shapes::{expand_common, expand_request, request_json};
use crate::wire::{Req, Resp, graph_error};

/// The request's target: a directory role at a scope, or a group membership or ownership.
fn parse_target(body: &Value, kind: Kind) -> Result<Target, Resp> {
    let target = match kind {
        Kind::Directory => {
            let role = get_str(body, "roleDefinitionId")?
                .ok_or_else(|| bad("The property 'roleDefinitionId' is required."))?;
            let scope = get_str(body, "directoryScopeId")?;
            let app = get_str(body, "appScopeId")?;
            if scope.is_none() && app.is_none() {
                return Err(bad("Either 'directoryScopeId' or 'appScopeId' is required."));
            }
            Target::Directory {
                role_id: role,
                scope_id: scope.unwrap_or_else(|| "/".into()),
            }
        }
        _ => {
            let gid = get_str(body, "groupId")?.ok_or_else(|| bad("The property 'groupId' is required."))?;
            let access = get_str(body, "accessId")?.ok_or_else(|| bad("The property 'accessId' is required."))?;
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
    Ok(target)
}

pub fn create(st: &mut EmuState, req: &Req, ctx: &Ctx, kind: Kind) -> Result<Resp, Resp> {
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
    let target = parse_target(&body, kind)?;
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
        details: RequestDetails {
            justification: get_str(&body, "justification")?,
            ticket_number: get_str(&ticket, "ticketNumber")?,
            ticket_system: get_str(&ticket, "ticketSystem")?,
            schedule: parse_schedule(get_ci(&body, "scheduleInfo")).map_err(|e| pim_error(&e))?,
            custom_data: get_str(&body, "customData")?,
        },
        linked_eligibility: None,
        is_validation_only,
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

pub fn list(st: &EmuState, req: &Req, ctx: &Ctx, kind: Kind) -> Result<Resp, Resp> {
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

pub fn get(st: &EmuState, req: &Req, ctx: &Ctx, kind: Kind, id: &str) -> Result<Resp, Resp> {
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

pub fn cancel(st: &mut EmuState, ctx: &Ctx, kind: Kind, id: &str) -> Result<Resp, Resp> {
    st.cancel(id, &ctx.user.id, kind).map_err(|e| pim_error(&e))?;
    Ok(Resp::empty(204))
}
