//! The loopback listener that receives the authorization code: `127.0.0.1` on a random port,
//! redirect URI `http://localhost:{port}` (auth.md §1.2), a friendly page for the browser tab.
//! Any local process can reach the port, so only a callback carrying the state this sign-in sent is
//! passed on; anything else is refused with a page saying so, and the sign-in keeps waiting.

use crate::error::{Error, ErrorKind};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::instrument::WithSubscriber;
use zeroize::Zeroizing;

/// What the browser brought back for the sign-in in progress.
pub enum Callback {
    Code(Zeroizing<String>),
    Error { error: String, description: String },
}

pub struct Loopback {
    port: u16,
    callbacks: mpsc::Receiver<Callback>,
    server: JoinHandle<()>,
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Loopback {
    /// Listens for the callback of the sign-in that sent `state`.
    pub async fn bind(state: &str) -> Result<Self, Error> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
            Error::service(
                ErrorKind::Network,
                "LoopbackUnavailable",
                format!("cannot listen on 127.0.0.1: {e}"),
            )
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Internal(e.to_string()))?
            .port();
        let (sender, callbacks) = mpsc::channel(4);
        let state: Arc<str> = Arc::from(state);
        let server = tokio::spawn(
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let (sender, state) = (sender.clone(), state.clone());
                    tokio::spawn(async move {
                        let service = service_fn(move |request| answer(request, state.clone(), sender.clone()));
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            }
            .with_current_subscriber(),
        );
        Ok(Self {
            port,
            callbacks,
            server,
        })
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// The next callback of this sign-in; `None` if the listener stopped.
    pub async fn next(&mut self) -> Option<Callback> {
        self.callbacks.recv().await
    }
}

async fn answer(
    request: Request<Incoming>,
    expected_state: Arc<str>,
    sender: mpsc::Sender<Callback>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.method() != Method::GET || request.uri().path() != "/" {
        return Ok(page(
            StatusCode::NOT_FOUND,
            "Not found",
            "This address only receives PimRust sign-ins.",
        ));
    }
    let query = request.uri().query().unwrap_or_default();
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = String::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "code" => code = Some(Zeroizing::new(value.into_owned())),
            "state" => state = Some(value.into_owned()),
            "error" => error = Some(value.into_owned()),
            "error_description" => description = value.into_owned(),
            _ => {}
        }
    }
    if state.as_deref() != Some(&*expected_state) {
        tracing::warn!(
            "refused a sign-in response that does not belong to the sign-in in progress (another program on this computer may have sent it); still waiting for the real one"
        );
        return Ok(page(
            StatusCode::BAD_REQUEST,
            "Sign-in response rejected",
            "This sign-in response was rejected: it does not belong to the sign-in in progress.",
        ));
    }
    let (callback, response) = match (code, error) {
        (Some(code), _) => (
            Callback::Code(code),
            page(
                StatusCode::OK,
                "Signed in",
                "You are signed in to PimRust. You can close this tab and return to PowerShell.",
            ),
        ),
        (None, Some(error)) => {
            let text = format!(
                "Sign-in failed: {error}. {}",
                description.lines().next().unwrap_or_default()
            );
            (
                Callback::Error { error, description },
                page(StatusCode::OK, "Sign-in failed", &text),
            )
        }
        (None, None) => {
            return Ok(page(
                StatusCode::BAD_REQUEST,
                "Nothing to do",
                "The request carried no authorization code.",
            ));
        }
    };
    let _ = sender.send(callback).await;
    Ok(response)
}

fn page(status: StatusCode, title: &str, text: &str) -> Response<Full<Bytes>> {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>PimRust: {title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{}</p></body></html>",
        escape(text)
    );
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        "content-type",
        "text/html; charset=utf-8".parse().expect("static header"),
    );
    response
}
