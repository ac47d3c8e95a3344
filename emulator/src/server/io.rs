//! Between hyper and the handlers: reading a request (with the body limit) into a `Req`, and
//! writing a `Resp` back, optionally streamed slowly or cut short.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};

use crate::wire::{Req, Resp};

pub type OutBody = BoxBody<Bytes, Infallible>;

/// Reads the whole request; `None` as the body when it is over `body_limit` bytes.
pub async fn read_request(req: Request<Incoming>, body_limit: usize) -> (Req, Option<Bytes>) {
    let (parts, body) = req.into_parts();
    let raw_path = parts.uri.path().to_string();
    let path = crate::util::url_decode(&raw_path);
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let query: Vec<(String, String)> = url::form_urlencoded::parse(raw_query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let declared_len = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let body = if declared_len.is_some_and(|l| l > body_limit) {
        None
    } else {
        match Limited::new(body, body_limit).collect().await {
            Ok(c) => Some(c.to_bytes()),
            Err(_) => None,
        }
    };
    let request = Req {
        method: parts.method.clone(),
        path,
        raw_query,
        query,
        headers: parts.headers.clone(),
        body: body.clone().unwrap_or_default(),
        received_at: chrono::Utc::now(),
    };
    (request, body)
}

fn full(b: Bytes) -> OutBody {
    Full::new(b).map_err(|never| match never {}).boxed()
}

/// How the body of an answer is delivered.
#[derive(Debug, Clone, Copy, Default)]
pub struct Delivery {
    /// Stream the body in chunks over this many milliseconds.
    pub slow_body_ms: u64,
    /// Declare the whole length but send only the first half: hyper then closes the connection.
    pub truncate: bool,
}

pub fn to_hyper(resp: Resp, delivery: Delivery) -> Response<OutBody> {
    let mut builder = Response::builder().status(resp.status);
    for (k, v) in &resp.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let slow_body_ms = delivery.slow_body_ms;
    let body = if delivery.truncate && !resp.body.is_empty() {
        builder = builder.header(http::header::CONTENT_LENGTH, resp.body.len());
        let half = resp.body.slice(..resp.body.len() / 2);
        // A stream has no exact size, so hyper keeps the declared length and fails short of it.
        // The pause before the end lets hyper flush what it has, so the half does arrive.
        let stream = futures::stream::unfold(Some(half), |half| async move {
            match half {
                Some(half) => Some((Ok::<_, Infallible>(Frame::data(half)), None)),
                None => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    None
                }
            }
        });
        BodyExt::boxed(StreamBody::new(stream))
    } else if slow_body_ms > 0 && !resp.body.is_empty() {
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
