//! `POST /graph/v1.0/$batch`: up to 20 requests run in order through the Graph router, answered
//! together.

use serde_json::{Value, json};

use super::query::{bad, parse_json_body};
use crate::state::EmuState;
use crate::wire::{Req, Resp};

/// The Graph router a batch hands each request to: `(state, request, path after /graph)`.
pub type Router = fn(&mut EmuState, &Req, &str) -> Resp;

/// One batched request: its id, the request as the router sees it, and its path.
struct Item {
    id: String,
    req: Req,
    path: String,
    nested_batch: bool,
}

/// Reads one entry of `requests` (headers of the outer request apply unless overridden).
fn parse_item(outer: &Req, r: &Value, seen: &mut Vec<String>) -> Result<Item, Resp> {
    let id = match r.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(bad("Every batch request needs an 'id'.")),
    };
    if seen.contains(&id) {
        return Err(bad(&format!("Duplicate batch request id '{id}'.")));
    }
    seen.push(id.clone());
    let (Some(method), Some(url)) = (
        r.get("method").and_then(Value::as_str),
        r.get("url").and_then(Value::as_str),
    ) else {
        return Err(bad("Every batch request needs 'method' and 'url'."));
    };
    let Ok(m) = http::Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
        return Err(bad(&format!("Invalid method '{method}'.")));
    };
    let rel = url.trim_start_matches('/');
    let rel = rel.strip_prefix("v1.0/").unwrap_or(rel);
    let (p, q) = rel.split_once('?').unwrap_or((rel, ""));
    let mut headers = outer.headers.clone();
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
    let req = Req {
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
        received_at: outer.received_at,
    };
    Ok(Item {
        id,
        req,
        path: format!("/v1.0/{}", crate::util::url_decode(p)),
        nested_batch: p.trim_matches('/') == "$batch",
    })
}

/// One entry of `responses`.
fn response_item(id: &str, resp: &Resp) -> Value {
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
    item
}

pub fn batch(st: &mut EmuState, req: &Req, route: Router) -> Resp {
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
        let item = match parse_item(req, r, &mut seen) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let resp = if item.nested_batch {
            bad("Nested $batch requests are not supported.")
        } else {
            route(st, &item.req, &item.path)
        };
        responses.push(response_item(&item.id, &resp));
    }
    Resp::json(200, json!({"responses": responses}))
}
