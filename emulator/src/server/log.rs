//! The request log: what each Graph, ARM and login request looked like (secrets redacted, the
//! bearer token summarised by its claims) and how it was answered.

use serde_json::{Value, json};

use parking_lot::Mutex;

use crate::identity::peek_claims;
use crate::state::EmuState;
use crate::util::fmt_time;
use crate::wire::{FaultOutcome, LogEntry, Req, Resp, Surface};

/// The log keeps the most recent entries only.
const LOG_CAPACITY: usize = 10_000;

const SECRET_FORM_FIELDS: [&str; 7] = [
    "refresh_token",
    "code",
    "code_verifier",
    "device_code",
    "client_secret",
    "client_assertion",
    "assertion",
];

fn log_headers(req: &Req) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    for (k, v) in req.headers.iter() {
        let name = k.as_str().to_ascii_lowercase();
        if matches!(name.as_str(), "cookie" | "proxy-authorization") {
            continue;
        }
        if name == "authorization" {
            let raw = v.to_str().unwrap_or("");
            let summary = match raw.split_once(' ') {
                Some((scheme, tok)) => {
                    let c = peek_claims(tok.trim());
                    json!({
                        "scheme": scheme,
                        "oid": c.as_ref().and_then(|c| c.get("oid")).cloned(),
                        "aud": c.as_ref().and_then(|c| c.get("aud")).cloned(),
                        "acrs": c.as_ref().and_then(|c| c.get("acrs")).cloned(),
                        "xms_cc": c.as_ref().and_then(|c| c.get("xms_cc")).cloned(),
                        "scp": c.as_ref().and_then(|c| c.get("scp")).cloned(),
                    })
                }
                None => json!({"scheme": "unknown"}),
            };
            m.insert(name, summary);
            continue;
        }
        m.insert(name, json!(v.to_str().unwrap_or("<binary>")));
    }
    m
}

fn log_body(req: &Req) -> Value {
    if req.body.is_empty() {
        return Value::Null;
    }
    if let Ok(v) = serde_json::from_slice::<Value>(&req.body) {
        return v;
    }
    let ct = req.header("content-type").unwrap_or("");
    if ct.starts_with("application/x-www-form-urlencoded")
        && let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&req.body)
    {
        let mut m = serde_json::Map::new();
        for (k, v) in pairs {
            let v = if SECRET_FORM_FIELDS.contains(&k.as_str()) {
                json!("<redacted>")
            } else {
                json!(v)
            };
            m.insert(k, v);
        }
        return Value::Object(m);
    }
    if req.body.len() > 4096 {
        return json!(format!("<{} bytes>", req.body.len()));
    }
    json!(String::from_utf8_lossy(&req.body))
}

pub fn record(shared: &Mutex<EmuState>, req: &Req, surface: Surface, resp: &Resp, fault: Option<FaultOutcome>) {
    let retry_after = resp
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
        .map(|(_, v)| v.clone());
    let answer = Answer {
        status: resp.status,
        error_code: resp.error_code.clone(),
        retry_after,
    };
    record_answer(shared, req, surface, answer, fault)
}

/// What the log keeps of an answer.
pub struct Answer {
    pub status: u16,
    pub error_code: Option<String>,
    pub retry_after: Option<String>,
}

/// A request that got no answer (its connection was dropped): status 0.
pub fn record_dropped(shared: &Mutex<EmuState>, req: &Req, surface: Surface, fault: Option<FaultOutcome>) {
    let answer = Answer {
        status: 0,
        error_code: None,
        retry_after: None,
    };
    record_answer(shared, req, surface, answer, fault)
}

fn record_answer(shared: &Mutex<EmuState>, req: &Req, surface: Surface, answer: Answer, fault: Option<FaultOutcome>) {
    let headers = log_headers(req);
    let body = log_body(req);
    let mut st = shared.lock();
    st.log_seq += 1;
    let entry = LogEntry {
        seq: st.log_seq,
        time: fmt_time(chrono::Utc::now()),
        received_at: fmt_time(req.received_at),
        surface,
        method: req.method.to_string(),
        path: req.path.clone(),
        query: req.raw_query.clone(),
        headers,
        body,
        status: answer.status,
        error_code: answer.error_code,
        retry_after: answer.retry_after,
        fault,
    };
    st.log.push(entry);
    if st.log.len() > LOG_CAPACITY {
        st.log.remove(0);
    }
}
