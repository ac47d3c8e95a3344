//! The control plane (`{base}/_emulator/...`, no auth): request log, faults, approvals, device
//! codes, clock, token minting, state dump.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::faults::FaultRule;
use crate::identity::{Resource, TokenSpec};
use crate::scenario::Decision;
use crate::state::{EmuState, Status, target_json};
use crate::util::fmt_time;
use crate::wire::{Req, Resp};

fn err(status: u16, msg: &str) -> Resp {
    let code = match status {
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        _ => "BadRequest",
    };
    Resp::json(status, json!({"error": {"code": code, "message": msg}}))
}

fn body<T: for<'de> Deserialize<'de>>(req: &Req) -> Result<T, Resp> {
    let de = &mut serde_json::Deserializer::from_slice(&req.body);
    serde_path_to_error::deserialize(de)
        .map_err(|e| err(400, &format!("invalid JSON body at `{}`: {}", e.path(), e.inner())))
}

/// Body of `PUT /_emulator/faults`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultConfig {
    #[serde(default)]
    pub rules: Vec<FaultRule>,
    /// Re-seeds the jitter generator.
    #[serde(default)]
    pub seed: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ApprovalBody {
    decision: Decision,
    #[serde(default)]
    #[allow(dead_code)]
    justification: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeviceBody {
    user_code: String,
    #[serde(default)]
    upn: Option<String>,
    #[serde(default)]
    amr: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockBody {
    seconds: f64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TokenBody {
    #[serde(default)]
    upn: Option<String>,
    resource: Resource,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    amr: Option<Vec<String>>,
    #[serde(default)]
    acrs: Vec<String>,
    #[serde(default, alias = "xms_cc")]
    xms_cc: Vec<String>,
    #[serde(default)]
    lifetime_sec: Option<i64>,
}

pub fn pending_approvals(st: &EmuState) -> Value {
    json!(
        st.requests
            .iter()
            .filter(|r| matches!(r.status, Status::PendingApproval | Status::PendingAdminDecision))
            .map(|r| json!({
                "requestId": r.id, "approvalId": r.approval_id, "status": r.status.as_str(),
                "principalId": r.principal_id, "action": r.action.graph(), "target": target_json(&r.target),
                "createdDateTime": fmt_time(r.created),
            }))
            .collect::<Vec<_>>()
    )
}

/// Parses a JSON body into `T`, or answers 400.
macro_rules! body_or_return {
    ($req:expr) => {
        match body($req) {
            Ok(b) => b,
            Err(r) => return r,
        }
    };
}

fn not_allowed(m: &str) -> Resp {
    err(405, &format!("method {m} not allowed here"))
}

/// `GET|DELETE /_emulator/requests`.
fn request_log(st: &mut EmuState, m: &str) -> Resp {
    match m {
        "GET" => Resp::json(200, json!({"value": st.log})),
        "DELETE" => {
            st.log.clear();
            Resp::empty(204)
        }
        _ => not_allowed(m),
    }
}

/// `GET|PUT|DELETE /_emulator/faults`.
fn faults(st: &mut EmuState, req: &Req, m: &str) -> Resp {
    match m {
        "GET" => Resp::json(200, json!({"rules": st.faults.rules()})),
        "PUT" => {
            // Accept `{"rules": [...], "seed"?: n}` or a bare array of rules.
            let is_array = req.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
            let cfg: FaultConfig = if is_array {
                FaultConfig {
                    rules: body_or_return!(req),
                    seed: None,
                }
            } else {
                body_or_return!(req)
            };
            if let Err(e) = st.faults.set_rules(cfg.rules) {
                return err(400, &e);
            }
            if let Some(s) = cfg.seed {
                st.faults.reseed(s);
            }
            Resp::json(200, json!({"rules": st.faults.rules()}))
        }
        "DELETE" => {
            let _ = st.faults.set_rules(vec![]);
            Resp::empty(204)
        }
        _ => not_allowed(m),
    }
}

/// `POST /_emulator/approvals/{id}`.
fn decide_approval(st: &mut EmuState, req: &Req, id: &str) -> Resp {
    let b: ApprovalBody = body_or_return!(req);
    if st.find_request(id).is_none() {
        return err(404, &format!("request {id} not found"));
    }
    match st.decide(id, b.decision) {
        Ok(r) => Resp::json(200, json!({"requestId": r.id, "status": r.status.as_str()})),
        Err(e) => err(409, &e),
    }
}

/// `POST /_emulator/devicecode/{approve,deny}`.
fn decide_device_code(st: &mut EmuState, req: &Req, action: &str) -> Resp {
    let b: DeviceBody = body_or_return!(req);
    match st.decide_device_code(&b.user_code, action == "approve", b.upn.as_deref(), b.amr) {
        Ok(()) => Resp::json(200, json!({"userCode": b.user_code, "status": action})),
        Err(e) => err(404, &e),
    }
}

/// `POST /_emulator/clock/advance`.
fn advance_clock(st: &mut EmuState, req: &Req) -> Resp {
    let b: ClockBody = body_or_return!(req);
    if !b.seconds.is_finite() || b.seconds.abs() > 1e9 {
        return err(400, "seconds out of range");
    }
    if (st.clock_offset.num_seconds() as f64 + b.seconds).abs() > 100.0 * 365.0 * 86_400.0 {
        return err(400, "the clock offset cannot exceed 100 years");
    }
    st.clock_offset += chrono::Duration::milliseconds((b.seconds * 1000.0) as i64);
    let now = st.now();
    st.tick(now);
    Resp::json(
        200,
        json!({"now": fmt_time(now), "offsetSec": st.clock_offset.num_seconds()}),
    )
}

/// `POST /_emulator/tokens`.
fn mint_token(st: &mut EmuState, req: &Req) -> Resp {
    let b: TokenBody = body_or_return!(req);
    let mut spec = TokenSpec::new(b.resource);
    spec.user = b.upn;
    spec.scopes = b.scopes;
    spec.amr = b.amr;
    spec.acrs = b.acrs;
    spec.xms_cc = b.xms_cc;
    spec.lifetime_sec = b.lifetime_sec.map(|l| l.clamp(-315_360_000, 315_360_000));
    match st.mint_access_token(&spec) {
        Ok(t) => Resp::json(200, json!({"access_token": t, "token_type": "Bearer"})),
        Err(e) => err(400, &e),
    }
}

pub fn handle(st: &mut EmuState, req: &Req) -> Resp {
    let now = st.now();
    st.tick(now);
    let segs: Vec<&str> = req
        .path
        .trim_start_matches("/_emulator")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let m = req.method.as_str();
    match segs.as_slice() {
        ["health"] => Resp::json(200, json!({"status": "ok", "now": fmt_time(now)})),
        ["requests"] => request_log(st, m),
        ["faults"] => faults(st, req, m),
        ["state"] if m == "GET" => Resp::json(200, st.debug_dump()),
        ["approvals"] if m == "GET" => Resp::json(200, json!({"value": pending_approvals(st)})),
        ["approvals", id] if m == "POST" => decide_approval(st, req, id),
        ["devicecode", action @ ("approve" | "deny")] if m == "POST" => decide_device_code(st, req, action),
        ["clock", "advance"] if m == "POST" => advance_clock(st, req),
        ["tokens"] if m == "POST" => mint_token(st, req),
        []
        | ["health", ..]
        | ["requests", ..]
        | ["faults", ..]
        | ["state"]
        | ["approvals", ..]
        | ["devicecode", ..]
        | ["clock", ..]
        | ["tokens"] => {
            if segs.is_empty() {
                Resp::json(
                    200,
                    json!({"endpoints": ["health", "requests", "faults", "state", "approvals", "devicecode/approve", "devicecode/deny", "clock/advance", "tokens"]}),
                )
            } else {
                not_allowed(m)
            }
        }
        _ => err(404, &format!("unknown control endpoint {}", req.path)),
    }
}
