//! The one HTTP client of the core: rustls, no redirects, bounded timeouts, and retries that honour
//! `Retry-After`. What is retried depends on whether the request may be repeated safely: a 429/503 or
//! a failed connect never reached the service's logic and is always retried; a 5xx or a broken
//! connection after sending is retried only for idempotent requests (a write may have happened).
//! An answer whose body breaks off counts as a connection broken after sending.
//! Each completed attempt is logged at debug level (method, URL without query values, status,
//! attempt, elapsed time), each retry decision at info level with its delay.

use crate::error::{Error, ErrorKind};
use crate::redact::{redact, url_for_log};
use rand::Rng;
use reqwest::{RequestBuilder, Response, StatusCode};
use std::time::{Duration, Instant, SystemTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, and writes whose repetition is harmless.
    Idempotent,
    /// Writes that must not be sent twice unless the service said it did not process them.
    NotIdempotent,
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, including the first.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for; the caller gets the throttling error.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// One attempt's limit: connecting, sending and reading the whole answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(100);

/// A response with its body read.
#[derive(Debug)]
pub struct ReadResponse {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: bytes::Bytes,
}

#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    retry: RetryPolicy,
}

impl HttpClient {
    pub fn new(retry: RetryPolicy) -> Result<Self, Error> {
        Self::with_timeout(retry, REQUEST_TIMEOUT)
    }

    /// A client whose attempts each give up after `timeout` (tests use a short one).
    pub fn with_timeout(retry: RetryPolicy, timeout: Duration) -> Result<Self, Error> {
        let inner = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .use_rustls_tls()
            .user_agent(concat!("PimRust/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(15).min(timeout))
            .timeout(timeout)
            .build()
            .map_err(|e| Error::Internal(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { inner, retry })
    }

    pub fn inner(&self) -> &reqwest::Client {
        &self.inner
    }

    /// Sends the request built by `build` (called once per attempt), retrying as described above.
    /// Returns the last response whatever its status; only transport failures become errors.
    pub async fn send(&self, idempotency: Idempotency, build: impl Fn() -> RequestBuilder) -> Result<Response, Error> {
        self.send_then(idempotency, build, |response| async move { Ok(response) })
            .await
    }

    /// Like [`send`](Self::send), with the body read as part of the attempt: an answer cut short is a
    /// failed connection after sending, retried under the same rule (only when idempotent).
    pub async fn send_and_read(
        &self,
        idempotency: Idempotency,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<ReadResponse, Error> {
        self.send_then(idempotency, build, |response| async move {
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok(ReadResponse { status, headers, body })
        })
        .await
    }

    /// The retry loop; `finish` completes an attempt whose status is final (e.g. reads its body).
    async fn send_then<T, F>(
        &self,
        idempotency: Idempotency,
        build: impl Fn() -> RequestBuilder,
        finish: impl Fn(Response) -> F,
    ) -> Result<T, Error>
    where
        F: Future<Output = Result<T, reqwest::Error>>,
    {
        let max = self.retry.max_attempts;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = build()
                .build()
                .map_err(|e| Error::Internal(format!("invalid request: {e}")))?;
            let method = request.method().clone();
            let url = url_for_log(request.url());
            let started = Instant::now();
            let outcome = self.inner.execute(request).await;
            let last = attempt >= max;
            let failure = match outcome {
                Ok(response) => {
                    let status = response.status();
                    let elapsed_ms = started.elapsed().as_millis() as u64;
                    tracing::debug!(
                        %method, %url, status = status.as_u16(), attempt, elapsed_ms,
                        "{method} {url}: {} in {elapsed_ms} ms (attempt {attempt} of {max})",
                        status.as_u16()
                    );
                    let retryable = status == StatusCode::TOO_MANY_REQUESTS
                        || status == StatusCode::SERVICE_UNAVAILABLE
                        || (idempotency == Idempotency::Idempotent && status.is_server_error());
                    let delay = match retry_after(&response) {
                        _ if !retryable || last => None,
                        Some(wait) if wait > self.retry.max_retry_after => {
                            tracing::debug!(
                                "{method} {url}: not retried, Retry-After {} s is over the {} s limit",
                                wait.as_secs(),
                                self.retry.max_retry_after.as_secs()
                            );
                            None
                        }
                        Some(wait) => Some((wait, "Retry-After")),
                        None => Some((self.backoff(attempt), "backoff")),
                    };
                    if let Some((delay, why)) = delay {
                        tracing::info!(
                            "{method} {url}: {}; retry {} in {} ms ({why})",
                            status.as_u16(),
                            attempt + 1,
                            delay.as_millis()
                        );
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    match finish(response).await {
                        Ok(done) => return Ok(done),
                        Err(error) => error,
                    }
                }
                Err(error) => error,
            };
            let error = failure.without_url(); // the URL is shown without its query values
            let never_sent = error.is_connect();
            let elapsed_ms = started.elapsed().as_millis() as u64;
            tracing::debug!(
                %method, %url, attempt, elapsed_ms,
                "{method} {url}: {} after {elapsed_ms} ms (attempt {attempt} of {max})",
                redact(&error.to_string())
            );
            if last || !(never_sent || idempotency == Idempotency::Idempotent) {
                return Err(network_error(&method, &url, &error));
            }
            let delay = self.backoff(attempt);
            tracing::info!(
                "{method} {url}: {}; retry {} in {} ms (backoff)",
                failure_kind(&error),
                attempt + 1,
                delay.as_millis()
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// Exponential backoff with full jitter.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .retry
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.retry.max_delay);
        let millis = ceiling.as_millis().max(1) as u64;
        Duration::from_millis(rand::rng().random_range(millis / 2..=millis))
    }
}

fn failure_kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "the connection failed"
    }
}

fn network_error(method: &reqwest::Method, url: &str, error: &reqwest::Error) -> Error {
    Error::service(
        ErrorKind::Network,
        "NetworkError",
        format!("{method} {url} {}: {}", failure_kind(error), redact(&error.to_string())),
    )
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(response: &Response) -> Option<Duration> {
    let value = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    parse_retry_after(value, SystemTime::now())
}

pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_zero_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(30)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let client = HttpClient::new(RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..RetryPolicy::default()
        })
        .unwrap();
        for _ in 0..50 {
            assert!(client.backoff(1) <= Duration::from_millis(100));
            assert!(client.backoff(1) >= Duration::from_millis(50));
            assert!(client.backoff(10) <= Duration::from_millis(350));
        }
    }
}
