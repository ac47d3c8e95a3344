//! Graph query and body helpers: `$expand`, `$filter`, `$select`, paging, single entities, the
//! caller-only filters, JSON bodies and the rendering of PIM failures.

use serde_json::{Value, json};

use crate::state::{EmuState, PimError};
use crate::surfaces::odata;
use crate::wire::{Req, Resp, graph_error};

pub fn bad(msg: &str) -> Resp {
    graph_error(400, "BadRequest", msg)
}

/// A PIM failure in the Graph error envelope.
pub fn pim_error(e: &PimError) -> Resp {
    let (status, code, message) = e.status_code_message("Authorization_RequestDenied");
    graph_error(status, code, &message)
}

pub fn expands(req: &Req, allowed: &[&str]) -> Result<Vec<(String, String)>, Resp> {
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

pub fn has_expand(ex: &[(String, String)], name: &str) -> bool {
    ex.iter().any(|(n, _)| n == "*" || n.eq_ignore_ascii_case(name))
}

pub fn filter_clauses(req: &Req) -> Result<Option<Vec<odata::Clause>>, Resp> {
    match req.q("$filter") {
        None => Ok(None),
        Some(f) => odata::parse_filter(f)
            .map(Some)
            .map_err(|e| bad(&format!("Invalid filter clause: {e}"))),
    }
}

/// Applies `$select` (keeping expanded relationships) to each item.
fn apply_select(req: &Req, items: &mut [Value]) {
    if let Some(sel) = req.q("$select") {
        let fields: Vec<String> = sel.split(',').map(|s| s.trim().to_string()).collect();
        let keep: Vec<String> = req
            .q("$expand")
            .map(|e| odata::parse_expand(e).into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default();
        for i in items {
            odata::select(i, &fields, &keep);
        }
    }
}

/// One entity, with `$select` applied.
pub fn single(req: &Req, mut v: Value) -> Result<Resp, Resp> {
    apply_select(req, std::slice::from_mut(&mut v));
    Ok(Resp::json(200, v))
}

/// Filters, pages and selects a collection.
pub fn collection(
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
    let (mut page, next) = odata::page_of(&st.base_url, req, items, offset, size, "$skiptoken");
    apply_select(req, &mut page);
    let mut body = json!({
        "@odata.context": format!("{}/graph/v1.0/$metadata#{ctx}", st.base_url),
        "value": page,
    });
    if let Some(link) = next {
        body["@odata.nextLink"] = json!(link);
    }
    Ok(Resp::json(200, body))
}

/// For admin-style collection listing: the `$filter` must pin `principalId` to the caller.
pub fn require_own_principal_filter(req: &Req, user_id: &str) -> Result<(), Resp> {
    let clauses = filter_clauses(req)?.unwrap_or_default();
    let own = clauses.iter().any(|c| {
        c.field.eq_ignore_ascii_case("principalId")
            && c.op == odata::Op::Eq
            && c.values
                .iter()
                .any(|v| v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(user_id)))
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

/// For PIM for Groups collection listing: the `$filter` must name a group or a principal.
pub fn require_group_or_principal_filter(req: &Req) -> Result<(), Resp> {
    let clauses = filter_clauses(req)?.unwrap_or_default();
    if clauses
        .iter()
        .any(|c| c.field.eq_ignore_ascii_case("groupId") || c.field.eq_ignore_ascii_case("principalId"))
    {
        Ok(())
    } else {
        Err(graph_error(
            400,
            "MissingParameters",
            "The required parameters GroupId or PrincipalId is missing",
        ))
    }
}

pub fn get_ci<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(kk, _)| kk.eq_ignore_ascii_case(k))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

pub fn get_str(v: &Value, k: &str) -> Result<Option<String>, Resp> {
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
