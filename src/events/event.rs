//! The events an operation emits, one variant per kind. This enum is the host contract: each event
//! reaches the host as one JSON object `{"v":1,"event":"<kind>", ...fields}` (keys in sorted order);
//! the doc comment of each variant says what it carries.

use serde::Serialize;
use serde_json::{Map, Value};

pub const EVENT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Event {
    /// A line of the core's `tracing` output at the level the host asked for, or a warning
    /// ([`Event::warning`]) shown whatever that level. `code` (warnings only) is stable; `fields` are
    /// the line's structured fields, left out when there are none. Values are redacted at the source.
    Log {
        level: LogLevel,
        target: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        message: String,
        #[serde(skip_serializing_if = "Map::is_empty")]
        fields: Map<String, Value>,
    },
    /// How far the operation is: `percent` 0..=100 of `activity`, with a `status` line when there is
    /// one (`elapsedMs`: `sys.sleep` only).
    Progress {
        activity: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<String>,
        percent: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        elapsed_ms: Option<u64>,
    },
    /// One role of `pim.activate`: `Submitting` when its request goes out, then its outcome status
    /// (`Activated`, `PendingApproval`, ... as in the result).
    Activation {
        key: String,
        role_name: String,
        status: String,
    },
    /// `pim.wait`, every round: one request's current wait result (the fields of the result object:
    /// `requestId`, `key`, `roleName`, `kind`, `status`, `requestStatus`, `start`, `activeUntil`,
    /// `message`).
    RequestStatus(Value),
    /// `pim.wait`: a request became final; the same object the final result holds for it.
    RequestFinished(Value),
    /// Browser sign-in: the authorization `url`, and whether the system browser was `opened`; the
    /// host shows the message (and the URL when not opened).
    Browser {
        url: String,
        opened: bool,
        #[serde(flatten)]
        prompt: Prompt,
    },
    /// Device code sign-in: enter `userCode` at `verificationUri` within `expiresInSec`.
    DeviceCode {
        user_code: String,
        verification_uri: String,
        expires_in_sec: u64,
        #[serde(flatten)]
        prompt: Prompt,
    },
    /// The queue was full because nobody drained it: `count` older events were dropped. Comes before
    /// the events that are left.
    EventsDropped { count: u64 },
}

/// What every sign-in prompt carries: the `resource` signed in to, which sign-in of how many
/// (`step` of `steps`, `label` e.g. `(1 of 2: Microsoft Graph)`), and the message to show, labelled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prompt {
    pub resource: String,
    pub step: u8,
    pub steps: u8,
    pub label: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl From<&tracing::Level> for LogLevel {
    fn from(level: &tracing::Level) -> Self {
        match *level {
            tracing::Level::ERROR => LogLevel::Error,
            tracing::Level::WARN => LogLevel::Warn,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::TRACE => LogLevel::Trace,
        }
    }
}

/// The target of warnings the core emits itself (not through `tracing`).
const CORE_TARGET: &str = "pimrust_core";

impl Event {
    /// A warning with a stable `code`, shown whatever log level the host asked for.
    pub fn warning(code: &str, message: &str) -> Self {
        Event::Log {
            level: LogLevel::Warn,
            target: CORE_TARGET.into(),
            code: Some(code.into()),
            message: message.into(),
            fields: Map::new(),
        }
    }

    /// Progress of `activity` with a status line.
    pub fn progress(activity: &str, status: impl Into<String>, percent: u64) -> Self {
        Event::Progress {
            activity: activity.into(),
            status: Some(status.into()),
            percent,
            elapsed_ms: None,
        }
    }

    /// The JSON line the host reads. Goes through a `Value` so that keys come out sorted, as they
    /// always have.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Versioned<'a> {
            v: u32,
            #[serde(flatten)]
            event: &'a Event,
        }
        let versioned = Versioned {
            v: EVENT_VERSION,
            event: self,
        };
        // Cannot fail: every map key is a string and no field has a fallible serializer.
        serde_json::to_value(versioned)
            .expect("an event serializes to JSON")
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prompt() -> Prompt {
        Prompt {
            resource: "Microsoft Graph".into(),
            step: 1,
            steps: 2,
            label: "(1 of 2: Microsoft Graph)".into(),
            message: "(1 of 2: Microsoft Graph) Sign in.".into(),
        }
    }

    /// The exact bytes of every kind: a change here is a change of the host contract.
    #[test]
    fn every_event_serializes_as_the_host_reads_it() {
        let mut fields = Map::new();
        fields.insert("status".into(), json!(200));
        let wait_result = json!({"requestId": "r1", "key": "k", "roleName": "Reader", "kind": "EntraRole",
            "status": "Active", "requestStatus": "Provisioned", "start": null, "activeUntil": null, "message": null});
        let cases = [
            (
                Event::warning("PartialOverride", "be careful"),
                r#"{"code":"PartialOverride","event":"log","level":"warn","message":"be careful","target":"pimrust_core","v":1}"#,
            ),
            (
                Event::Log {
                    level: LogLevel::Debug,
                    target: "pimrust_core::http".into(),
                    code: None,
                    message: "GET done".into(),
                    fields,
                },
                r#"{"event":"log","fields":{"status":200},"level":"debug","message":"GET done","target":"pimrust_core::http","v":1}"#,
            ),
            (
                Event::Log {
                    level: LogLevel::Info,
                    target: "t".into(),
                    code: None,
                    message: "m".into(),
                    fields: Map::new(),
                },
                r#"{"event":"log","level":"info","message":"m","target":"t","v":1}"#,
            ),
            (
                Event::progress("Listing PIM roles", "Done", 100),
                r#"{"activity":"Listing PIM roles","event":"progress","percent":100,"status":"Done","v":1}"#,
            ),
            (
                Event::Progress {
                    activity: "sys.sleep".into(),
                    status: None,
                    percent: 40,
                    elapsed_ms: Some(20),
                },
                r#"{"activity":"sys.sleep","elapsedMs":20,"event":"progress","percent":40,"v":1}"#,
            ),
            (
                Event::Activation {
                    key: "k".into(),
                    role_name: "Reader".into(),
                    status: "Submitting".into(),
                },
                r#"{"event":"activation","key":"k","roleName":"Reader","status":"Submitting","v":1}"#,
            ),
            (
                Event::RequestStatus(wait_result.clone()),
                r#"{"activeUntil":null,"event":"requestStatus","key":"k","kind":"EntraRole","message":null,"requestId":"r1","requestStatus":"Provisioned","roleName":"Reader","start":null,"status":"Active","v":1}"#,
            ),
            (
                Event::RequestFinished(wait_result),
                r#"{"activeUntil":null,"event":"requestFinished","key":"k","kind":"EntraRole","message":null,"requestId":"r1","requestStatus":"Provisioned","roleName":"Reader","start":null,"status":"Active","v":1}"#,
            ),
            (
                Event::Browser {
                    url: "https://login/authorize".into(),
                    opened: false,
                    prompt: prompt(),
                },
                r#"{"event":"browser","label":"(1 of 2: Microsoft Graph)","message":"(1 of 2: Microsoft Graph) Sign in.","opened":false,"resource":"Microsoft Graph","step":1,"steps":2,"url":"https://login/authorize","v":1}"#,
            ),
            (
                Event::DeviceCode {
                    user_code: "ABCD".into(),
                    verification_uri: "https://microsoft.com/devicelogin".into(),
                    expires_in_sec: 900,
                    prompt: prompt(),
                },
                r#"{"event":"deviceCode","expiresInSec":900,"label":"(1 of 2: Microsoft Graph)","message":"(1 of 2: Microsoft Graph) Sign in.","resource":"Microsoft Graph","step":1,"steps":2,"userCode":"ABCD","v":1,"verificationUri":"https://microsoft.com/devicelogin"}"#,
            ),
            (
                Event::EventsDropped { count: 3 },
                r#"{"count":3,"event":"eventsDropped","v":1}"#,
            ),
        ];
        for (event, expected) in cases {
            assert_eq!(event.to_json(), expected);
        }
    }
}
