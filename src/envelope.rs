//! The versioned JSON documents that cross the C ABI: the final result of an operation.
//!
//! `{"v":1,"ok":true,"data":…}` or
//! `{"v":1,"ok":false,"error":{"kind","code","errorId","category","message","httpStatus","retryAfterSec","details"}}`
//! (`errorId` and `category` are what hosts name the error by; see [`crate::error::ErrorIdentity`]).

use crate::error::Error;
use crate::redact::redact;
use serde_json::{Value, json};

pub const ENVELOPE_VERSION: u32 = 1;

pub fn success(data: Value) -> String {
    json!({ "v": ENVELOPE_VERSION, "ok": true, "data": data }).to_string()
}

pub fn failure(error: &Error) -> String {
    let identity = error.identity();
    json!({
        "v": ENVELOPE_VERSION,
        "ok": false,
        "error": {
            "kind": identity.kind,
            "code": identity.code,
            "errorId": identity.error_id,
            "category": identity.category,
            "message": redact(&error.to_string()),
            "httpStatus": error.http_status(),
            "retryAfterSec": error.retry_after().map(|d| d.as_secs_f64()),
            "details": redact_value(error.details()),
        }
    })
    .to_string()
}

/// Details can echo service text; the same redaction applies to every string inside them.
fn redact_value(value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(redact(text).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(redact_value).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), redact_value(v))).collect()),
        other => other.clone(),
    }
}

pub fn from_result(result: Result<Value, Error>) -> String {
    match result {
        Ok(data) => success(data),
        Err(error) => failure(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn success_envelope_shape() {
        let v: Value = serde_json::from_str(&success(json!({"a": 1}))).unwrap();
        assert_eq!(v, json!({"v": 1, "ok": true, "data": {"a": 1}}));
    }

    #[test]
    fn failure_envelope_carries_kind_code_and_message() {
        let v: Value = serde_json::from_str(&failure(&Error::Cancelled)).unwrap();
        assert_eq!(v["v"], 1);
        assert_eq!(v["ok"], false);
        assert_eq!(v["error"]["kind"], "Cancelled");
        assert_eq!(v["error"]["code"], "Cancelled");
        assert_eq!(v["error"]["message"], "the operation was cancelled");
        assert!(v["error"]["httpStatus"].is_null());
    }

    #[test]
    fn failure_envelope_carries_the_error_id_and_host_category() {
        let error = Error::service(ErrorKind::PolicyViolation, "TicketRequired", "pass a ticket");
        let v: Value = serde_json::from_str(&failure(&error)).unwrap();
        assert_eq!(v["error"]["errorId"], "PimRust.PolicyViolation.TicketRequired");
        assert_eq!(v["error"]["category"], "PermissionDenied");
        let v: Value = serde_json::from_str(&failure(&Error::Cancelled)).unwrap();
        assert_eq!(v["error"]["errorId"], "PimRust.Cancelled");
        assert_eq!(v["error"]["category"], "OperationStopped");
    }

    #[test]
    fn failure_messages_are_redacted() {
        let err = Error::InvalidArgument("bad header Authorization: Bearer eyJabc.def.ghi".into());
        let text = failure(&err);
        assert!(!text.contains("eyJabc"), "{text}");
    }
}
