//! Reading the emulator's request log: which role an activation request is for, which calls look a
//! lost request up, and what each fault was.

use pimrust_core::pim::model::{ActivationTarget, Kind, guid};
use pimrust_emulator::LogEntry;
use serde_json::Value;

/// A role as one string, from a target, a logged request or the emulator's state.
pub fn identity_of_target(target: &ActivationTarget) -> String {
    match target.kind {
        Kind::DirectoryRole => format!("dir|{}", guid(&target.role_definition_id)),
        Kind::Group => format!(
            "group|{}|{}",
            target.group_id.as_deref().unwrap_or_default(),
            target.access_id.as_deref().unwrap_or_default()
        )
        .to_ascii_lowercase(),
        Kind::AzureResource => format!(
            "azure|{}|{}",
            guid(&target.role_definition_id),
            target.scope.to_ascii_lowercase()
        ),
    }
}

/// The target of a request in the emulator's state dump.
pub fn identity_of_state(target: &Value) -> String {
    let text = |field: &str| target[field].as_str().unwrap_or_default().to_ascii_lowercase();
    match target["kind"].as_str() {
        Some("directoryRole") => format!("dir|{}", guid(&text("roleDefinitionId"))),
        Some("group") => format!("group|{}|{}", text("groupId"), text("accessId")),
        _ => format!("azure|{}|{}", guid(&text("roleDefinitionId")), text("scope")),
    }
}

const ARM_REQUESTS: &str = "/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/";

/// The role of an activation request (Graph POST, ARM PUT); `None` for any other call.
pub fn create_identity(entry: &LogEntry) -> Option<String> {
    let body = &entry.body;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_ascii_lowercase();
    if entry.method == "POST" && entry.path.ends_with("/roleAssignmentScheduleRequests") {
        return Some(format!("dir|{}", guid(&text(&body["roleDefinitionId"]))));
    }
    if entry.method == "POST" && entry.path.ends_with("/assignmentScheduleRequests") {
        return Some(format!("group|{}|{}", text(&body["groupId"]), text(&body["accessId"])));
    }
    if entry.method == "PUT" {
        let (scope, _) = entry.path.strip_prefix("/arm")?.split_once(ARM_REQUESTS)?;
        let role = guid(&text(&body["properties"]["roleDefinitionId"]));
        return Some(format!("azure|{role}|{}", scope.to_ascii_lowercase()));
    }
    None
}

/// Whether `entry` looks up the request that `create` sent: Graph lists the caller's requests of
/// that kind; ARM reads the request back by the name the client gave it.
pub fn looks_up(entry: &LogEntry, create: &LogEntry) -> bool {
    if entry.method != "GET" {
        return false;
    }
    if create.method == "PUT" {
        return entry.path == create.path;
    }
    let family = |path: &str| path.contains("/privilegedAccess/group/");
    entry.path.contains("ScheduleRequests") && family(&entry.path) == family(&create.path)
}

/// Whether the service certainly did not act on a request answered with `status`: the core resends
/// those at once (throttled, or unavailable before processing).
pub fn not_processed(status: u16) -> bool {
    status == 429 || status == 503
}

/// The kinds of the faults that fired on one request.
pub fn fault_kinds(entry: &LogEntry) -> Vec<String> {
    let Some(fault) = &entry.fault else {
        return Vec::new();
    };
    let mut kinds = Vec::new();
    match fault.status {
        Some(429) if fault.retry_after_http_date => kinds.push("429 (Retry-After date)".into()),
        Some(429) => kinds.push("429 (Retry-After seconds)".into()),
        Some(status) if fault.html_error => kinds.push(format!("{status} HTML page")),
        Some(status) => kinds.push(status.to_string()),
        None => {}
    }
    if fault.drop_after_action {
        kinds.push("dropped after accept".into());
    }
    if fault.latency_ms > 0 || fault.slow_body_ms > 0 {
        kinds.push("slow past timeout".into());
    }
    if fault.truncate_body {
        kinds.push("truncated body".into());
    }
    kinds
}

pub fn time(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("log time {text}: {e}"))
        .to_utc()
}
