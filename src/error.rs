//! The one error type of the core. Every error has a stable machine [`ErrorKind`] that crosses the
//! C ABI in the result envelope; the set of kinds is append-only.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Stable error categories. Append-only: hosts map these to `FullyQualifiedErrorId`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorKind {
    /// The caller passed something malformed (bad JSON, missing or unknown field, bad value).
    InvalidArgument,
    /// No method of that name exists.
    UnknownMethod,
    /// The operation was cancelled by the caller.
    Cancelled,
    /// An operation did not finish within its own time limit.
    Timeout,
    /// A bug inside PimRust (including a caught panic).
    Internal,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "InvalidArgument",
            ErrorKind::UnknownMethod => "UnknownMethod",
            ErrorKind::Cancelled => "Cancelled",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Internal => "Internal",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidArgument(String),
    #[error("unknown method '{method}'; known methods: {known}")]
    UnknownMethod { method: String, known: String },
    #[error("the operation was cancelled")]
    Cancelled,
    #[error("the operation did not finish within {0:?}")]
    Timeout(Duration),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::UnknownMethod { .. } => ErrorKind::UnknownMethod,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The service's (or our own) machine code; for local errors this is the kind itself.
    pub fn code(&self) -> &str {
        self.kind().as_str()
    }

    /// HTTP status of the failed service call, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        None
    }

    pub fn invalid_params(err: serde_json::Error) -> Self {
        Error::InvalidArgument(format!("invalid params: {err}"))
    }
}
