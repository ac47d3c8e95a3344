//! ARM query helpers: `$filter` (`asTarget()`, `atScope()`, properties), `$top`/`$skipToken`
//! paging, and the rendering of PIM failures.

use serde_json::{Value, json};

use super::auth::forbidden;
use crate::scenario::User;
use crate::state::{EmuState, PimError};
use crate::surfaces::odata;
use crate::util::last_segment;
use crate::wire::{Req, Resp, arm_error};

pub fn bad(msg: &str) -> Resp {
    arm_error(400, "BadRequest", msg)
}

/// A PIM failure in the ARM error envelope.
pub fn pim_error(e: &PimError) -> Resp {
    let (status, code, message) = e.status_code_message("AuthorizationFailed");
    arm_error(status, code, &message)
}

pub fn page(st: &EmuState, req: &Req, items: Vec<Value>) -> Result<Resp, Resp> {
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
    let (value, next) = odata::page_of(&st.base_url, req, items, offset, size, "$skipToken");
    let mut body = json!({"value": value});
    if let Some(link) = next {
        body["nextLink"] = json!(link);
    }
    Ok(Resp::json(200, body))
}

/// Parses the ARM `$filter` into (asTarget/atScope/asRequestor flags, property clauses).
pub struct ArmFilter {
    pub mine: bool,
    pub at_scope: bool,
    pub clauses: Vec<odata::Clause>,
}

pub fn parse_arm_filter(req: &Req, user: &User) -> Result<ArmFilter, Resp> {
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

/// The role definition GUID a `$filter` asks for (`roleDefinitionId eq ...`), if any.
pub fn role_filter(req: &Req) -> Result<Option<String>, Resp> {
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
