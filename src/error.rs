//! The one error type of the core. Every error has a stable machine [`ErrorKind`] that crosses the
//! C ABI in the result envelope; the set of kinds is append-only. How hosts name an error (its id
//! and category) is decided here too, for the host's own errors as well: see [`ErrorIdentity`].

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// Stable error kinds. Append-only: the error id and the host category follow from them.
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
    /// A request ended without access: denied, cancelled, failed, or unknown to the service.
    Request,
    // The kinds below are raised by the host itself, never by the core; they are listed here so that
    // every kind's id and category come from one place.
    /// No role matched a name the caller gave.
    RoleNotFound,
    /// A role identity matched more than one role.
    AmbiguousRole,
    /// Pipeline input that is not a role (or lacks what identifies one).
    InvalidInput,
    /// A role listed in another tenant than the session's.
    WrongTenant,
    /// The command needs someone to answer, and nobody can.
    NonInteractive,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 19] = [
        ErrorKind::InvalidArgument,
        ErrorKind::UnknownMethod,
        ErrorKind::Cancelled,
        ErrorKind::Timeout,
        ErrorKind::Internal,
        ErrorKind::AuthenticationRequired,
        ErrorKind::AuthenticationFailed,
        ErrorKind::InteractionRequired,
        ErrorKind::Forbidden,
        ErrorKind::Throttled,
        ErrorKind::Network,
        ErrorKind::Service,
        ErrorKind::PolicyViolation,
        ErrorKind::Request,
        ErrorKind::RoleNotFound,
        ErrorKind::AmbiguousRole,
        ErrorKind::InvalidInput,
        ErrorKind::WrongTenant,
        ErrorKind::NonInteractive,
    ];

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
            ErrorKind::Request => "Request",
            ErrorKind::RoleNotFound => "RoleNotFound",
            ErrorKind::AmbiguousRole => "AmbiguousRole",
            ErrorKind::InvalidInput => "InvalidInput",
            ErrorKind::WrongTenant => "WrongTenant",
            ErrorKind::NonInteractive => "NonInteractive",
        }
    }

    /// The category hosts file the error under, named as PowerShell's `ErrorCategory` members.
    pub fn category(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument
            | ErrorKind::InvalidInput
            | ErrorKind::AmbiguousRole
            | ErrorKind::WrongTenant => "InvalidArgument",
            ErrorKind::UnknownMethod => "NotImplemented",
            ErrorKind::Cancelled => "OperationStopped",
            ErrorKind::Timeout => "OperationTimeout",
            ErrorKind::AuthenticationRequired | ErrorKind::AuthenticationFailed | ErrorKind::InteractionRequired => {
                "AuthenticationError"
            }
            ErrorKind::NonInteractive => "InvalidOperation",
            ErrorKind::Forbidden | ErrorKind::PolicyViolation | ErrorKind::Request => "PermissionDenied",
            ErrorKind::Throttled => "LimitsExceeded",
            ErrorKind::Network => "ConnectionError",
            ErrorKind::Service => "InvalidResult",
            ErrorKind::RoleNotFound => "ObjectNotFound",
            ErrorKind::Internal => "NotSpecified",
        }
    }
}

/// How hosts name an error: its kind and code, the id made of both (`PimRust.<Kind>`, or
/// `PimRust.<Kind>.<Code>` when the code says more than the kind) and the host category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorIdentity {
    pub kind: ErrorKind,
    pub code: String,
    pub error_id: String,
    pub category: &'static str,
}

impl ErrorIdentity {
    pub fn new(kind: ErrorKind, code: &str) -> Self {
        let error_id = if code.is_empty() || code == kind.as_str() {
            format!("PimRust.{}", kind.as_str())
        } else {
            format!("PimRust.{}.{code}", kind.as_str())
        };
        Self {
            kind,
            code: code.to_string(),
            error_id,
            category: kind.category(),
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

    pub fn identity(&self) -> ErrorIdentity {
        ErrorIdentity::new(self.kind(), self.code())
    }

    pub fn invalid_params(err: serde_json::Error) -> Self {
        Error::InvalidArgument(format!("invalid params: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The categories PowerShell users see; a change here changes every script that filters on them.
    #[test]
    fn every_kind_has_its_host_category() {
        #[rustfmt::skip]
        let table = [
            ("InvalidArgument", "InvalidArgument"), ("UnknownMethod", "NotImplemented"),
            ("Cancelled", "OperationStopped"), ("Timeout", "OperationTimeout"), ("Internal", "NotSpecified"),
            ("AuthenticationRequired", "AuthenticationError"), ("AuthenticationFailed", "AuthenticationError"),
            ("InteractionRequired", "AuthenticationError"), ("Forbidden", "PermissionDenied"),
            ("Throttled", "LimitsExceeded"), ("Network", "ConnectionError"), ("Service", "InvalidResult"),
            ("PolicyViolation", "PermissionDenied"), ("Request", "PermissionDenied"),
            ("RoleNotFound", "ObjectNotFound"), ("AmbiguousRole", "InvalidArgument"),
            ("InvalidInput", "InvalidArgument"), ("WrongTenant", "InvalidArgument"),
            ("NonInteractive", "InvalidOperation"),
        ];
        let actual: Vec<(&str, &str)> = ErrorKind::ALL.iter().map(|k| (k.as_str(), k.category())).collect();
        assert_eq!(actual, table);
        for kind in ErrorKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                kind.as_str(),
                "the wire name is the name"
            );
        }
    }

    #[test]
    fn the_error_id_adds_the_code_only_when_it_says_more() {
        let id = |kind, code| ErrorIdentity::new(kind, code).error_id;
        assert_eq!(id(ErrorKind::Cancelled, "Cancelled"), "PimRust.Cancelled");
        assert_eq!(id(ErrorKind::Service, ""), "PimRust.Service");
        assert_eq!(
            id(ErrorKind::PolicyViolation, "TicketRequired"),
            "PimRust.PolicyViolation.TicketRequired"
        );
        let error = Error::service(ErrorKind::AuthenticationRequired, "NotConnected", "not connected");
        let identity = error.identity();
        assert_eq!(identity.error_id, "PimRust.AuthenticationRequired.NotConnected");
        assert_eq!(identity.category, "AuthenticationError");
        assert_eq!(
            serde_json::to_value(&identity).unwrap(),
            serde_json::json!({"kind": "AuthenticationRequired", "code": "NotConnected",
                "errorId": "PimRust.AuthenticationRequired.NotConnected", "category": "AuthenticationError"})
        );
    }
}
