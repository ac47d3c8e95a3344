//! The HTTP server: the accept loop and, for each request, the path to its surface, fault
//! injection, the handlers, correlation headers and the request log. `io.rs` converts between
//! hyper and the wire types, `inject.rs` builds the answers of injected faults, `log.rs` records
//! requests.

mod inject;
mod io;
mod log;

use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use self::inject::{claims_challenge, injected_error, token_has_acrs};
use self::io::{Delivery, OutBody, read_request, to_hyper};
use self::log::{record, record_dropped};
use crate::state::EmuState;
use crate::surfaces;
use crate::util::new_guid;
use crate::wire::{Req, Resp, Surface, surface_error};

pub type Shared = Arc<Mutex<EmuState>>;

fn surface_of(path: &str) -> Surface {
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

/// Answers a request: control plane directly; else faults, handlers, correlation headers and
/// the request log.
async fn handle(
    shared: Shared,
    req: Request<Incoming>,
    body_limit: usize,
) -> Result<Response<OutBody>, DropConnection> {
    let (mut request, body) = read_request(req, body_limit).await;
    let surface = surface_of(&request.path);
    if body.is_none() {
        let resp = surface_error(
            surface,
            413,
            "RequestEntityTooLarge",
            &format!("The request body exceeds the limit of {body_limit} bytes."),
        );
        record(&shared, &request, surface, &resp, None);
        return Ok(to_hyper(resp, Delivery::default()));
    }

    if surface == Surface::Control {
        let resp = {
            let mut st = shared.lock();
            surfaces::control::handle(&mut st, &request)
        };
        return Ok(to_hyper(resp, Delivery::default()));
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
    let delivery = Delivery {
        slow_body_ms: fault.slow_body_ms,
        truncate: fault.truncate_body,
    };
    if fault.drop_connection {
        record_dropped(&shared, &request, surface, fault_rec);
        return Err(DropConnection);
    }
    if let Some(status) = fault.status {
        let resp = injected_error(surface, status, &fault);
        record(&shared, &request, surface, &resp, fault_rec);
        return Ok(to_hyper(resp, delivery));
    }

    let mut resp = {
        let mut st = shared.lock();
        let now = st.now();
        st.tick(now);
        if let Some(acrs) = &fault.claims_challenge_acrs
            && !token_has_acrs(&request, acrs)
        {
            claims_challenge(&st.base_url, surface, acrs)
        } else {
            surfaces::route(&mut st, &mut request, surface)
        }
    };
    add_correlation_headers(&mut resp, &request, surface);
    if let Some(body) = &fault.replace_body {
        resp.body = bytes::Bytes::from(body.clone());
    }
    record(&shared, &request, surface, &resp, fault_rec);
    if fault.drop_after_action {
        return Err(DropConnection);
    }
    Ok(to_hyper(resp, delivery))
}

/// Graph's `request-id` / `client-request-id`, ARM's `x-ms-request-id` /
/// `x-ms-correlation-request-id` (the client's id echoed, else a new one).
fn add_correlation_headers(resp: &mut Resp, request: &Req, surface: Surface) {
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
}
