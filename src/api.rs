//! Authorized requests to Graph and ARM. A claims challenge — a 401 with `WWW-Authenticate` claims,
//! or PIM's 400 `...AcrsValidationFailed` with `claims=` in the message — is answered by one step-up
//! sign-in and exactly one retry with the new token; a 401 without claims drops the cached token and
//! retries once with a refreshed one.

use crate::auth::authenticator::Authenticator;
use crate::auth::claims;
use crate::auth::cloud::Resource;
use crate::auth::token::AccessToken;
use crate::error::{Error, ErrorKind};
use crate::events::EventSink;
use crate::http::{HttpClient, Idempotency};
use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use url::Url;

/// A finished response with its body read.
#[derive(Debug)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ApiResponse {
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// `error.code` and `error.message` of a Graph or ARM error body.
    pub fn error_code_and_message(&self) -> Option<(String, String)> {
        let body = self.json()?;
        let error = body.get("error")?;
        Some((
            error["code"].as_str()?.to_string(),
            error["message"].as_str().unwrap_or_default().to_string(),
        ))
    }

    /// The claims challenge this response carries, in either in-band form.
    pub fn claims_challenge(&self) -> Option<Value> {
        if self.status == StatusCode::UNAUTHORIZED {
            return self
                .headers
                .get_all(reqwest::header::WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(claims::from_www_authenticate);
        }
        if self.status == StatusCode::BAD_REQUEST {
            let (code, message) = self.error_code_and_message()?;
            if code.contains("AcrsValidationFailed") || message.contains("AcrsValidationFailed") {
                return claims::from_pim_message(&message);
            }
        }
        None
    }
}

/// The services' client, and per operation ([`for_operation`](Self::for_operation)) the client a
/// method calls through: it carries that op's events and whether it may prompt.
#[derive(Clone)]
pub struct ApiClient {
    http: HttpClient,
    auth: Arc<Authenticator>,
    /// Where sign-in prompts and the callers' progress go.
    events: EventSink,
    /// Whether a sign-in (first use, expired refresh token, step-up) may prompt the user.
    interactive: bool,
}

impl ApiClient {
    /// A client whose events go to a buffered sink of its own, and that may prompt.
    pub fn new(http: HttpClient, auth: Arc<Authenticator>) -> Self {
        Self {
            http,
            auth,
            events: EventSink::buffered(),
            interactive: true,
        }
    }

    /// This client for one operation: its events go to `events`; it prompts only if `interactive`.
    pub fn for_operation(&self, events: EventSink, interactive: bool) -> Self {
        Self {
            events,
            interactive,
            ..self.clone()
        }
    }

    pub fn auth(&self) -> &Authenticator {
        &self.auth
    }

    pub fn events(&self) -> &EventSink {
        &self.events
    }

    /// Sends `build(token)` with a token for `resource`, proactively satisfying `claims` (e.g. a
    /// policy's authentication context) when given, and reacting to challenges as described above.
    pub async fn send(
        &self,
        resource: Resource,
        idempotency: Idempotency,
        proactive_claims: Option<&Value>,
        build: impl Fn(&AccessToken) -> RequestBuilder,
    ) -> Result<ApiResponse, Error> {
        let token = self
            .auth
            .access_token(resource, proactive_claims, &self.events, self.interactive)
            .await?;
        let response = self.send_once(&token, idempotency, &build).await?;
        if let Some(challenge) = response.claims_challenge() {
            tracing::info!(
                "{} answered {} with a claims challenge; stepping up once",
                resource.name(),
                response.status.as_u16()
            );
            let merged = match proactive_claims {
                Some(first) => claims::combine(first, &challenge),
                None => challenge,
            };
            let stepped_up = self
                .auth
                .access_token(resource, Some(&merged), &self.events, self.interactive)
                .await?;
            return self.send_once(&stepped_up, idempotency, &build).await;
        }
        if response.status == StatusCode::UNAUTHORIZED && proactive_claims.is_none() {
            tracing::info!("{} rejected the access token; refreshing it once", resource.name());
            self.auth.invalidate(resource);
            let fresh = self
                .auth
                .access_token(resource, None, &self.events, self.interactive)
                .await?;
            return self.send_once(&fresh, idempotency, &build).await;
        }
        Ok(response)
    }

    async fn send_once(
        &self,
        token: &AccessToken,
        idempotency: Idempotency,
        build: &impl Fn(&AccessToken) -> RequestBuilder,
    ) -> Result<ApiResponse, Error> {
        let resource = token.resource;
        let response = self
            .http
            .send_and_read(idempotency, || build(token))
            .await
            .map_err(|error| unavailable(resource, error))?;
        let crate::http::ReadResponse { status, headers, body } = response;
        Ok(ApiResponse { status, headers, body })
    }
}

/// A transport failure that outlasted the retries means the service is unavailable; says which.
fn unavailable(resource: Resource, error: Error) -> Error {
    match error {
        Error::Service(mut error) if error.kind == ErrorKind::Network => {
            error.message = format!("{} is unavailable: {}", resource.name(), error.message);
            Error::Service(error)
        }
        other => other,
    }
}

impl ApiResponse {
    /// What a body without the services' error envelope says, for a message: an HTML page (a
    /// gateway's or proxy's error page) is named as such rather than quoted.
    fn body_summary(&self) -> String {
        let html = self
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("html"))
            || self.body.trim_ascii_start().starts_with(b"<");
        if html {
            "the answer was an HTML page, not JSON (an error page of a gateway or proxy)".into()
        } else {
            String::from_utf8_lossy(&self.body).chars().take(300).collect()
        }
    }

    /// The error this (non-success) response means, with the service's code and message.
    pub fn into_error(&self, resource: Resource) -> Error {
        let (code, message) = self
            .error_code_and_message()
            .unwrap_or_else(|| (format!("Http{}", self.status.as_u16()), self.body_summary()));
        let kind = match self.status.as_u16() {
            401 => ErrorKind::AuthenticationRequired,
            403 => ErrorKind::Forbidden,
            429 => ErrorKind::Throttled,
            _ => ErrorKind::Service,
        };
        let text = if message.is_empty() { code.clone() } else { message };
        let text = match self.status.as_u16() {
            status @ 502..=504 => format!("{} is unavailable (HTTP {status}): {text}", resource.name()),
            _ => format!("{}: {text}", resource.name()),
        };
        let mut error = crate::error::ServiceError::new(kind, code, text).with_status(self.status.as_u16());
        error.retry_after = self
            .headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| crate::http::parse_retry_after(v, std::time::SystemTime::now()));
        error.into()
    }
}

impl ApiClient {
    /// GETs a collection and follows every `@odata.nextLink` (Graph) or `nextLink` (ARM), as long as
    /// it stays on the service's origin (see [`check_next_link`]).
    pub async fn get_all(&self, resource: Resource, first: String) -> Result<Vec<Value>, Error> {
        let root = self.auth.endpoints()?.service_root(resource).clone();
        let mut items = Vec::new();
        let mut visited = HashSet::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            visited.insert(url.clone());
            let response = self.get_json(resource, &url).await?;
            if !response.status.is_success() {
                return Err(response.into_error(resource));
            }
            let body = response.json().ok_or_else(|| {
                Error::service(
                    ErrorKind::Service,
                    "UnexpectedResponse",
                    format!("{} answered with a body that is not JSON", resource.name()),
                )
            })?;
            items.extend(body["value"].as_array().cloned().unwrap_or_default());
            next = body["@odata.nextLink"]
                .as_str()
                .or(body["nextLink"].as_str())
                .filter(|l| !l.is_empty())
                .map(|link| check_next_link(resource, &root, &visited, link))
                .transpose()?;
        }
        Ok(items)
    }

    /// GETs `url` with a token for `resource` (idempotent: retried on transport failures).
    pub async fn get_json(&self, resource: Resource, url: &str) -> Result<ApiResponse, Error> {
        self.send_json(resource, Method::GET, url, None, Idempotency::Idempotent, None)
            .await
    }

    /// Sends `method url` with a token for `resource`: a JSON `body`, or an empty one (declared as
    /// such, except on GET). `claims` as in [`send`](Self::send).
    pub async fn send_json(
        &self,
        resource: Resource,
        method: Method,
        url: &str,
        body: Option<&Value>,
        idempotency: Idempotency,
        claims: Option<&Value>,
    ) -> Result<ApiResponse, Error> {
        let root = self.auth.endpoints()?.service_root(resource).clone();
        let url = token_destination(resource, &root, url)?;
        let client = self.http.inner().clone();
        self.send(resource, idempotency, claims, |token| {
            let request = client
                .request(method.clone(), url.clone())
                .header("authorization", token.authorization());
            match body {
                Some(body) => request.json(body),
                None if method == Method::GET => request,
                None => request.header("content-length", "0"),
            }
        })
        .await
    }
}

/// Where a bearer token may go: only to the origin (scheme, host and port) of the service root
/// configured for its resource, and over plain http only to a loopback host. Redirects are never
/// followed (see [`crate::http`]), so a token never crosses to another host that way either.
pub fn token_may_go_to(root: &Url, url: &Url) -> bool {
    let secure = url.scheme() == "https" || (url.scheme() == "http" && crate::auth::cloud::is_loopback(url));
    secure && url.origin() == root.origin()
}

/// `url`, parsed, if a token for `resource` may be sent there; else an error that names the host (not
/// the query) and says no token was sent.
fn token_destination(resource: Resource, root: &Url, url: &str) -> Result<Url, Error> {
    let parsed =
        Url::parse(url).map_err(|e| Error::Internal(format!("invalid {} request URL: {e}", resource.name())))?;
    if token_may_go_to(root, &parsed) {
        return Ok(parsed);
    }
    Err(Error::service(
        ErrorKind::Service,
        "ForeignTokenDestination",
        format!(
            "a request for {} to {} was refused: a token for it goes only to {}, so none was sent",
            resource.name(),
            crate::redact::url_for_log(&parsed),
            root.origin().ascii_serialization()
        ),
    ))
}

/// A next-page link is followed (with the bearer token) only to the origin — scheme, host and port —
/// of the service root configured for the resource, and never back to a page already fetched.
fn check_next_link(resource: Resource, root: &Url, visited: &HashSet<String>, link: &str) -> Result<String, Error> {
    let refuse = |code: &str, why: &str| {
        Error::service(
            ErrorKind::Service,
            code,
            format!(
                "{} returned a next-page link ({}) {why}; the listing was stopped",
                resource.name(),
                Url::parse(link)
                    .map(|url| crate::redact::url_for_log(&url))
                    .unwrap_or_else(|_| "not a valid URL".into())
            ),
        )
    };
    let same_origin = Url::parse(link).is_ok_and(|url| token_may_go_to(root, &url));
    if !same_origin {
        return Err(refuse(
            "ForeignNextLink",
            &format!(
                "outside {}, so it was not followed and no token was sent there",
                root.origin().ascii_serialization()
            ),
        ));
    }
    if visited.contains(link) {
        return Err(refuse("PagingLoop", "that points to a page already fetched"));
    }
    Ok(link.to_string())
}
