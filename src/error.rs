//! The one error type of the core. Every error has a stable machine [`ErrorKind`] that crosses the
//! C ABI in the result envelope; the set of kinds is append-only.

use serde::{Deserialize, Serialize};
use serde_json::Value;
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
    /// Not signed in, or no usable token and interaction was not allowed.
    AuthenticationRequired,
    /// The sign-in service refused (invalid_grant, consent, declined device code, expired code...).
    AuthenticationFailed,
    /// A claims challenge (MFA, authentication context, CAE) could not be satisfied.
    InteractionRequired,
    /// The service refused access (403, or a token lacking a needed scope).
    Forbidden,
    /// Throttled and retries were exhausted.
    Throttled,
    /// The service could not be reached, or the connection failed.
    Network,
    /// The service answered with an error not covered by a more specific kind.
    Service,
    /// A PIM policy rule refused the request (justification, ticket, duration, MFA, eligibility...).
    PolicyViolation,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "InvalidArgument",
            ErrorKind::UnknownMethod => "UnknownMethod",
            ErrorKind::Cancelled => "Cancelled",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Internal => "Internal",
            ErrorKind::AuthenticationRequired => "AuthenticationRequired",
            ErrorKind::AuthenticationFailed => "AuthenticationFailed",
            ErrorKind::InteractionRequired => "InteractionRequired",
            ErrorKind::Forbidden => "Forbidden",
            ErrorKind::Throttled => "Throttled",
            ErrorKind::Network => "Network",
            ErrorKind::Service => "Service",
            ErrorKind::PolicyViolation => "PolicyViolation",
        }
    }
}

/// An error reported by (or about) a remote service, with everything a host needs to act on it.
#[derive(Debug, Clone)]
pub struct ServiceError {
    pub kind: ErrorKind,
    /// The service's machine code (`invalid_grant`, `RoleAssignmentExists`...), or the kind.
    pub code: String,
    pub message: String,
    pub http_status: Option<u16>,
    pub retry_after: Option<Duration>,
    /// Structured extras (AADSTS codes, claims, failed policy rules...).
    pub details: Value,
}

impl ServiceError {
    pub fn new(kind: ErrorKind, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: code.into(),
            message: message.into(),
            http_status: None,
            retry_after: None,
            details: Value::Null,
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
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
    #[error("{}", .0.message)]
    Service(Box<ServiceError>),
}

impl From<ServiceError> for Error {
    fn from(error: ServiceError) -> Self {
        Error::Service(Box::new(error))
    }
}

impl Error {
    pub fn service(kind: ErrorKind, code: impl Into<String>, message: impl Into<String>) -> Self {
        ServiceError::new(kind, code, message).into()
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::UnknownMethod { .. } => ErrorKind::UnknownMethod,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::Internal(_) => ErrorKind::Internal,
            Error::Service(error) => error.kind,
        }
    }

    /// The service's (or our own) machine code; for local errors this is the kind itself.
    pub fn code(&self) -> &str {
        match self {
            Error::Service(error) => &error.code,
            other => other.kind().as_str(),
        }
    }

    /// HTTP status of the failed service call, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Service(error) => error.http_status,
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Service(error) => error.retry_after,
            _ => None,
        }
    }

    pub fn details(&self) -> &Value {
        match self {
            Error::Service(error) => &error.details,
            _ => &Value::Null,
        }
    }

    pub fn invalid_params(err: serde_json::Error) -> Self {
        Error::InvalidArgument(format!("invalid params: {err}"))
    }
}
