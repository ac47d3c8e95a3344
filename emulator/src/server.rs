//! HTTP plumbing: listener, request/response types, dispatch by path prefix, faults, request log.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::faults::{FaultOutcome, Surface};
use crate::state::EmuState;
use crate::util::{fmt_time, new_guid};

pub type Shared = Arc<Mutex<EmuState>>;
type OutBody = BoxBody<Bytes, Infallible>;

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
    pub fn json_body(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Builds an error in the envelope of the surface.
pub fn surface_error(surface: Surface, status: u16, code: &str, message: &str) -> Resp {
    match surface {
        Surface::Graph => crate::graph::graph_error(status, code, message),
        Surface::Arm => crate::arm::arm_error(status, code, message),
        Surface::Login => crate::token::entra_error(status, "invalid_request", 900561, message),
        _ => Resp::json(status, json!({"error": {"code": code, "message": message}})),
    }
}

/// One entry of the request log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub seq: u64,
    pub time: String,
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
    #[serde(default)]
    pub fault: Option<FaultOutcome>,
}

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
                    let c = crate::token::peek_claims(tok.trim());
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

pub fn surface_of(path: &str) -> Surface {
    if path == "/graph" || path.starts_with("/graph/") {
        Surface::Graph
    } else if path == "/arm" || path.starts_with("/arm/") {
        Surface::Arm
    } else if path.starts_with("/_emulator") {
        Surface::Control
    } else if path.contains("/oauth2/") || path.contains("/.well-known/") {
        Surface::Login
    } else {
        Surface::Other
    }
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

/// Marker error that makes hyper close the connection without a response.
#[derive(Debug)]
struct DropConnection;
impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}
impl std::error::Error for DropConnection {}

pub async fn serve(listener: TcpListener, shared: Shared, cancel: CancellationToken, body_limit: usize) {
    loop {
        let accepted = tokio::select! {
            _ = cancel.cancelled() => break,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let shared = shared.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                let shared = shared.clone();
                async move { handle(shared, req, body_limit).await }
            });
            let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {},
                _ = cancel.cancelled() => {},
            }
        });
    }
}

fn full(b: Bytes) -> OutBody {
    Full::new(b).map_err(|never| match never {}).boxed()
}

fn to_hyper(resp: Resp, slow_body_ms: u64) -> Response<OutBody> {
    let mut builder = Response::builder().status(resp.status);
    for (k, v) in &resp.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let body = if slow_body_ms > 0 && !resp.body.is_empty() {
        let chunks: Vec<Bytes> = {
            let n = 10.min(resp.body.len()).max(1);
            let size = resp.body.len().div_ceil(n);
            resp.body.chunks(size).map(Bytes::copy_from_slice).collect()
        };
        let delay = Duration::from_millis(slow_body_ms / chunks.len().max(1) as u64);
        let stream = futures::stream::unfold(chunks.into_iter(), move |mut it| async move {
            let c = it.next()?;
            tokio::time::sleep(delay).await;
            Some((Ok::<_, Infallible>(Frame::data(c)), it))
        });
        BodyExt::boxed(StreamBody::new(stream))
    } else {
        full(resp.body)
    };
    builder.body(body).unwrap_or_else(|_| {
        let mut r = Response::new(full(Bytes::from_static(b"{}")));
        *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

async fn handle(
    shared: Shared,
    req: Request<Incoming>,
    body_limit: usize,
) -> Result<Response<OutBody>, DropConnection> {
    let (parts, body) = req.into_parts();
    let raw_path = parts.uri.path().to_string();
    let path = crate::util::url_decode(&raw_path);
    let surface = surface_of(&path);
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let query: Vec<(String, String)> = url::form_urlencoded::parse(raw_query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let declared_len = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = |surface| {
        surface_error(
            surface,
            413,
            "RequestEntityTooLarge",
            &format!("The request body exceeds the limit of {body_limit} bytes."),
        )
    };
    let body = if declared_len.is_some_and(|l| l > body_limit) {
        None
    } else {
        match Limited::new(body, body_limit).collect().await {
            Ok(c) => Some(c.to_bytes()),
            Err(_) => None,
        }
    };
    let mut request = Req {
        method: parts.method.clone(),
        path,
        raw_query,
        query,
        headers: parts.headers.clone(),
        body: body.clone().unwrap_or_default(),
    };
    let Some(_) = body else {
        let resp = too_large(surface);
        record(&shared, &request, surface, &resp, None);
        return Ok(to_hyper(resp, 0));
    };

    if surface == Surface::Control {
        let resp = {
            let mut st = shared.lock();
            crate::control::handle(&mut st, &request)
        };
        return Ok(to_hyper(resp, 0));
    }

    // Fault injection.
    let fault = {
        let mut st = shared.lock();
        st.faults.evaluate(request.method.as_str(), &request.path, surface)
    };
    if fault.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
    }
    let fault_rec = (!fault.is_noop()).then(|| fault.clone());
    if fault.drop_connection {
        record_status(&shared, &request, surface, 0, None, fault_rec);
        return Err(DropConnection);
    }
    if let Some(status) = fault.status {
        let code = fault.error_code.clone().unwrap_or_else(|| {
            match status {
                429 => "TooManyRequests",
                503 => "ServiceUnavailable",
                500 => "InternalServerError",
                502 => "BadGateway",
                504 => "GatewayTimeout",
                _ => "InjectedFault",
            }
            .to_string()
        });
        let mut resp = if surface == Surface::Login {
            crate::token::entra_error(status, "temporarily_unavailable", 90000, "Injected fault.")
        } else {
            surface_error(
                surface,
                status,
                &code,
                "Injected fault: the service is busy, retry later.",
            )
        };
        if let Some(ra) = fault.retry_after_sec {
            resp.header("retry-after", &ra.to_string());
        }
        record(&shared, &request, surface, &resp, fault_rec);
        return Ok(to_hyper(resp, fault.slow_body_ms));
    }

    let resp = {
        let mut st = shared.lock();
        let now = st.now();
        st.tick(now);
        if let Some(acrs) = &fault.claims_challenge_acrs
            && !token_has_acrs(&request, acrs)
        {
            claims_challenge(&st, surface, acrs)
        } else {
            route(&mut st, &mut request, surface)
        }
    };
    let mut resp = resp;
    let rid = request
        .header("client-request-id")
        .map(str::to_string)
        .unwrap_or_else(new_guid);
    match surface {
        Surface::Graph => {
            resp.header("request-id", &new_guid());
            resp.header("client-request-id", &rid);
        }
        Surface::Arm => {
            resp.header("x-ms-request-id", &new_guid());
            resp.header("x-ms-correlation-request-id", &rid);
        }
        _ => {}
    }
    record(&shared, &request, surface, &resp, fault_rec);
    if fault.drop_after_action {
        return Err(DropConnection);
    }
    Ok(to_hyper(resp, fault.slow_body_ms))
}

fn token_has_acrs(req: &Req, acrs: &str) -> bool {
    req.bearer()
        .and_then(|t| crate::token::decode(t).ok())
        .is_some_and(|c| c.acrs.iter().any(|a| a == acrs))
}

/// 401 with a standard `WWW-Authenticate` `insufficient_claims` challenge.
pub fn claims_challenge(st: &EmuState, surface: Surface, acrs: &str) -> Resp {
    let claims = json!({"access_token": {"acrs": {"essential": true, "value": acrs}}}).to_string();
    let mut r = surface_error(
        surface,
        401,
        "InvalidAuthenticationToken",
        "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: InsufficientClaims",
    );
    r.header(
        "www-authenticate",
        &format!(
            "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\", error=\"insufficient_claims\", claims=\"{}\"",
            st.base_url,
            crate::util::b64_std(claims.as_bytes())
        ),
    );
    r
}

fn route(st: &mut EmuState, req: &mut Req, surface: Surface) -> Resp {
    let path = req.path.clone();
    match surface {
        Surface::Graph => crate::graph::handle(st, req, path.trim_start_matches("/graph")),
        Surface::Arm => crate::arm::handle(st, req, path.trim_start_matches("/arm")),
        Surface::Login => {
            let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            match segs.split_first() {
                Some((tenant, rest)) if !tenant.is_empty() => crate::token::handle_login(st, tenant, rest, req),
                _ => not_found_other(&path),
            }
        }
        _ => {
            if path == "/" && req.method == Method::GET {
                Resp::json(
                    200,
                    json!({
                        "name": "pimrust-emulator",
                        "authority": format!("{}/{}", st.base_url, st.scenario.tenant.id),
                        "graph": format!("{}/graph", st.base_url),
                        "arm": format!("{}/arm", st.base_url),
                        "control": format!("{}/_emulator", st.base_url),
                    }),
                )
            } else {
                not_found_other(&path)
            }
        }
    }
}

fn not_found_other(path: &str) -> Resp {
    Resp::json(
        404,
        json!({"error": {"code": "NotFound", "message": format!("No emulated endpoint at '{path}'. Known prefixes: /{{tenant}}/oauth2/v2.0, /graph, /arm, /_emulator.")}}),
    )
}

fn record(shared: &Shared, req: &Req, surface: Surface, resp: &Resp, fault: Option<FaultOutcome>) {
    record_status(shared, req, surface, resp.status, resp.error_code.clone(), fault)
}

fn record_status(
    shared: &Shared,
    req: &Req,
    surface: Surface,
    status: u16,
    error_code: Option<String>,
    fault: Option<FaultOutcome>,
) {
    let headers = log_headers(req);
    let body = log_body(req);
    let mut st = shared.lock();
    st.log_seq += 1;
    let entry = LogEntry {
        seq: st.log_seq,
        time: fmt_time(chrono::Utc::now()),
        surface,
        method: req.method.to_string(),
        path: req.path.clone(),
        query: req.raw_query.clone(),
        headers,
        body,
        status,
        error_code,
        fault,
    };
    st.log.push(entry);
    if st.log.len() > 10_000 {
        st.log.remove(0);
    }
}
