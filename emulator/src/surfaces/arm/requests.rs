//! Role assignment schedule requests: create (`PUT`), validate, get, list the caller's, cancel.

use serde_json::{Map, Value};

use super::auth::{Ctx, forbidden};
use super::query::{bad, page, parse_arm_filter, pim_error};
use super::shapes::request_json;
use crate::state::{Action, EmuState, Kind, NewRequest, RequestDetails, Target, parse_schedule};
use crate::surfaces::odata;
use crate::util::last_segment;
use crate::wire::{Req, Resp, arm_error};

/// 400 `InvalidRequestContent` with the given message.
fn invalid_content(message: &str) -> Resp {
    arm_error(400, "InvalidRequestContent", message)
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

/// The request body with keys lower-cased; the request name must be a GUID.
fn read_body(req: &Req, name: &str) -> Result<Value, Resp> {
    if uuid::Uuid::parse_str(name).is_err() {
        return Err(bad(&format!(
            "The role assignment schedule request name '{name}' is not valid. It must be a GUID."
        )));
    }
    if req.body.is_empty() {
        return Err(invalid_content(
            "The request content was invalid and could not be deserialized: 'The request body is empty.'",
        ));
    }
    let body: Value = serde_json::from_slice(&req.body).map_err(|e| {
        invalid_content(&format!(
            "The request content was invalid and could not be deserialized: '{e}'."
        ))
    })?;
    Ok(lower_keys(&body))
}

/// A string property (lower-cased key) of `properties`.
fn prop(props: &Value, k: &str) -> Result<Option<String>, Resp> {
    match props.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid_content(&format!(
            "The request content was invalid: property '{k}' must be a string."
        ))),
    }
}

/// A required string property; `name` is how the error spells it.
fn required_prop(props: &Value, k: &str, name: &str) -> Result<String, Resp> {
    prop(props, k)?.ok_or_else(|| invalid_content(&format!("The request content was invalid: '{name}' is required.")))
}

/// Creates (`validate = false`) or validates a request named `name` at the scope.
pub fn put(st: &mut EmuState, req: &Req, ctx: &Ctx, name: &str, validate: bool) -> Result<Resp, Resp> {
    let body = read_body(req, name)?;
    let Some(props) = body.get("properties").filter(|p| p.is_object()) else {
        return Err(invalid_content(
            "The request content was invalid and could not be deserialized: 'Required property 'properties' not found in JSON.'",
        ));
    };
    let req_type = required_prop(props, "requesttype", "requestType")?;
    let principal = required_prop(props, "principalid", "principalId")?;
    let role = required_prop(props, "roledefinitionid", "roleDefinitionId")?;
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
        details: RequestDetails {
            justification: prop(props, "justification")?,
            ticket_number: tstr("ticketnumber"),
            ticket_system: tstr("ticketsystem"),
            schedule: parse_schedule(props.get("scheduleinfo")).map_err(|e| pim_error(&e))?,
            custom_data: None,
        },
        linked_eligibility: prop(props, "linkedroleeligibilityscheduleid")?,
        is_validation_only: validate,
    };
    let r = st.submit(ctx.claims, nr).map_err(|e| pim_error(&e))?;
    Ok(Resp::json(
        if validate { 200 } else { 201 },
        request_json(st, &r, validate),
    ))
}

pub fn get(st: &EmuState, ctx: &Ctx, name: &str) -> Result<Resp, Resp> {
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

pub fn list(st: &EmuState, req: &Req, ctx: &Ctx) -> Result<Resp, Resp> {
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

pub fn cancel(st: &mut EmuState, ctx: &Ctx, name: &str) -> Result<Resp, Resp> {
    st.cancel(name, &ctx.user.id, Kind::Azure)
        .map(|_| Resp::empty(200))
        .map_err(|e| pim_error(&e))
}
