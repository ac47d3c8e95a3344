//! Wire types shared by every layer: the request and response as the handlers see them, the
//! request-log entry, and the error bodies of each emulated host (Graph, ARM, Entra login).
//!
//! A leaf: it uses nothing from the crate but the helpers in `util`.

use bytes::Bytes;
use chrono::Utc;
use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::util::{fmt_time, new_guid};

/// Which emulated host a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Surface {
    /// `/{tenant}/oauth2/v2.0/...` and OIDC metadata.
    Login,
    /// `/graph/...`
    Graph,
    /// `/arm/...`
    Arm,
    /// `/_emulator/...`
    Control,
    Other,
}

/// What the fault engine decided for one request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultOutcome {
    pub latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_sec: Option<u64>,
    #[serde(default)]
    pub retry_after_http_date: bool,
    #[serde(default)]
    pub html_error: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    pub drop_connection: bool,
    pub drop_after_action: bool,
    pub slow_body_ms: u64,
    #[serde(default)]
    pub truncate_body: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims_challenge_acrs: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fired_rules: Vec<String>,
}

impl FaultOutcome {
    pub fn is_noop(&self) -> bool {
        self.latency_ms == 0
            && self.status.is_none()
            && !self.drop_connection
            && !self.drop_after_action
            && self.slow_body_ms == 0
            && !self.truncate_body
            && self.replace_body.is_none()
            && self.claims_challenge_acrs.is_none()
    }
}

/// A fully-read request.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    /// Percent-decoded path.
    pub path: String,
    pub raw_query: String,
    /// Decoded query pairs (in order).
    pub query: Vec<(String, String)>,
    pub headers: http::HeaderMap,
    pub body: Bytes,
    /// When the request arrived (before any injected latency).
    pub received_at: chrono::DateTime<Utc>,
}

impl Req {
    pub fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers.get(k).and_then(|v| v.to_str().ok())
    }
    pub fn bearer(&self) -> Option<&str> {
        let h = self.header("authorization")?;
        let (scheme, tok) = h.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then_some(tok.trim())
    }
}

/// A response built by the handlers.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Error code, for the request log.
    pub error_code: Option<String>,
}

impl Resp {
    pub fn json(status: u16, v: Value) -> Self {
        let error_code = v
            .get("error")
            .and_then(|e| e.get("code").or(Some(e)))
            .and_then(Value::as_str)
            .map(str::to_string);
        Self {
            status,
            headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
            body: Bytes::from(serde_json::to_vec(&v).unwrap_or_default()),
            error_code,
        }
    }
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
            error_code: None,
        }
    }
    pub fn html(status: u16, s: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
            body: Bytes::from(s.to_string()),
            error_code: None,
        }
    }
    pub fn redirect(location: &str) -> Self {
        let mut r = Self::empty(302);
        r.header("location", location);
        r
    }
    pub fn header(&mut self, k: &str, v: &str) {
        self.headers.push((k.to_string(), v.to_string()));
    }
    /// Adds the `allow` header of a 405 answer.
    pub fn with_allow(mut self, methods: &[&str]) -> Self {
        self.header("allow", &methods.join(", "));
        self
    }
    pub fn json_body(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// One entry of the request log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub seq: u64,
    /// When the answer was ready (after any injected latency).
    pub time: String,
    /// When the request arrived.
    #[serde(default)]
    pub received_at: String,
    pub surface: Surface,
    pub method: String,
    pub path: String,
    pub query: String,
    /// Selected request headers; `authorization` is replaced by a summary of the token claims.
    pub headers: serde_json::Map<String, Value>,
    /// JSON body, form body as an object (secrets redacted), or a string.
    pub body: Value,
    pub status: u16,
    #[serde(default)]
    pub error_code: Option<String>,
    /// The `Retry-After` header of the answer, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<String>,
    #[serde(default)]
    pub fault: Option<FaultOutcome>,
}

// ---------------------------------------------------------------------------------------------
// Error bodies
// ---------------------------------------------------------------------------------------------

/// Builds an error in the envelope of the surface.
pub fn surface_error(surface: Surface, status: u16, code: &str, message: &str) -> Resp {
    match surface {
        Surface::Graph => graph_error(status, code, message),
        Surface::Arm => arm_error(status, code, message),
        Surface::Login => entra_error(status, "invalid_request", 900561, message),
        _ => Resp::json(status, json!({"error": {"code": code, "message": message}})),
    }
}

/// Graph error envelope (`error.code`, `error.message`, `error.innerError`).
pub fn graph_error(status: u16, code: &str, message: &str) -> Resp {
    let now = fmt_time(chrono::Utc::now());
    let rid = new_guid();
    Resp::json(
        status,
        json!({"error": {"code": code, "message": message,
            "innerError": {"date": now, "request-id": rid, "client-request-id": rid}}}),
    )
}

/// ARM error envelope (`error.code`, `error.message`).
pub fn arm_error(status: u16, code: &str, message: &str) -> Resp {
    Resp::json(status, json!({"error": {"code": code, "message": message}}))
}

/// Entra (AADSTS) error body of the token endpoints.
pub fn entra_error(status: u16, error: &str, code: u32, description: &str) -> Resp {
    let trace = new_guid();
    let corr = new_guid();
    let now = fmt_time(Utc::now());
    let desc = format!("AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {corr} Timestamp: {now}");
    Resp::json(
        status,
        json!({
            "error": error,
            "error_description": desc,
            "error_codes": [code],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}
