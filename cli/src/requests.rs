//! What became of one role's activation or deactivation: the fields and status words of the module's
//! `PimRust.ActivationRequest` (Activated, PendingApproval, PendingProvisioning, Scheduled,
//! AlreadyActive, Validated, Deactivated, Failed), in camelCase.

use crate::exit::Exit;
use pimrust_core::pim::model::EligibleRole;
use pimrust_core::pim::outcome;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub role_name: String,
    pub display_name: String,
    pub kind: String,
    pub scope: String,
    pub scope_display_name: String,
    pub access_id: Option<String>,
    pub status: String,
    pub request_id: Option<String>,
    /// The service's own word for the request's state (Provisioned, PendingApproval, Denied…).
    pub request_status: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    /// ISO 8601, as PIM granted it.
    pub duration: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub failed_rules: Vec<String>,
    pub warnings: Vec<String>,
    pub deactivate: bool,
    pub key: String,
    pub tenant_id: Option<String>,
}

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

fn texts(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(text).collect())
        .unwrap_or_default()
}

impl Request {
    /// One outcome of `pim.activate`, with the role it was for.
    pub fn from_outcome(outcome: &Value, role: Option<&EligibleRole>, deactivate: bool, tenant: Option<&str>) -> Self {
        let role_name = text(&outcome["roleName"])
            .or_else(|| role.map(|r| r.role_name.clone()))
            .unwrap_or_default();
        let scope = text(&outcome["scope"])
            .or_else(|| role.map(|r| r.scope.clone()))
            .unwrap_or_default();
        let access_id = role.and_then(|r| r.access_id.clone());
        let error = &outcome["error"];
        Self {
            display_name: display(&role_name, access_id.as_deref()),
            kind: text(&outcome["kind"]).unwrap_or_default(),
            scope_display_name: role
                .map(|r| r.scope_display_name.clone())
                .unwrap_or_else(|| scope.clone()),
            scope,
            access_id,
            status: text(&outcome["status"]).unwrap_or_else(|| "Failed".into()),
            request_id: text(&outcome["requestId"]),
            request_status: text(&outcome["requestStatus"]),
            start: text(&outcome["start"]),
            end: text(&outcome["end"]),
            duration: text(&outcome["duration"]),
            error_code: text(&error["code"]),
            error_message: text(&error["message"]),
            failed_rules: texts(&error["failedRules"]),
            warnings: texts(&outcome["warnings"]),
            deactivate,
            key: text(&outcome["key"])
                .or_else(|| role.map(|r| r.key.clone()))
                .unwrap_or_default(),
            tenant_id: role.and_then(|_| tenant.map(str::to_string)),
            role_name,
        }
    }

    /// A role whose answer never came because Ctrl+C stopped the batch.
    pub fn stopped(role: &EligibleRole, submitted: bool, deactivate: bool, tenant: Option<&str>) -> Self {
        let mut request = Self::from_outcome(&Value::Null, Some(role), deactivate, tenant);
        request.kind = serde_json::to_value(role.kind)
            .ok()
            .as_ref()
            .and_then(text)
            .unwrap_or_default();
        request.error_code = Some("Cancelled".into());
        request.error_message = Some(if submitted {
            "stopped by Ctrl+C before PIM answered; the request may have been submitted (check `pimrust list --active`)"
                .into()
        } else {
            "stopped by Ctrl+C before it was submitted; nothing was sent".into()
        });
        request
    }

    /// A request known only by its id (`pimrust wait`).
    pub fn from_id(request_id: &str, kind: &str) -> Self {
        let mut request = Self::from_outcome(&Value::Null, None, false, None);
        request.role_name = request_id.to_string();
        request.display_name = request_id.to_string();
        request.kind = kind.to_string();
        request.status = "PendingApproval".into();
        request.request_id = Some(request_id.to_string());
        request
    }

    /// Whether the request still waits for an approver, for provisioning or for its start time.
    pub fn is_pending(&self) -> bool {
        self.request_id.is_some() && outcome::pending_statuses().iter().any(|s| word(s) == self.status)
    }

    /// What `pim.wait` takes to follow this request.
    pub fn wait_target(&self) -> Value {
        serde_json::json!({
            "requestId": self.request_id, "kind": self.kind, "key": self.key,
            "roleName": self.role_name, "deactivate": self.deactivate,
        })
    }

    /// Takes in a final result of `pim.wait`, as the module's Wait-PimRequest does.
    pub fn apply_wait(&mut self, result: &Value) {
        self.request_status = text(&result["requestStatus"]).or(self.request_status.take());
        if self.role_name.is_empty() || Some(&self.role_name) == self.request_id.as_ref() {
            if let Some(name) = text(&result["roleName"]) {
                self.display_name = display(&name, self.access_id.as_deref());
                self.role_name = name;
            }
        }
        let message = text(&result["message"]);
        match result["status"].as_str() {
            Some("Active") => {
                self.status = "Activated".into();
                self.end = text(&result["activeUntil"]).or(self.end.take());
            }
            Some(word @ ("Deactivated" | "Scheduled")) => self.status = word.into(),
            Some("TimedOut") => self.error_message = message.or(Some("the wait timed out".into())),
            other => {
                let ended = self
                    .request_status
                    .clone()
                    .or(other.map(str::to_string))
                    .unwrap_or("Failed".into());
                self.status = "Failed".into();
                self.error_code = text(&result["error"]["code"]).or(Some("Internal".into()));
                self.error_message = message.or(Some(format!("the request ended as {ended}")));
                self.end = None;
            }
        }
    }
}

fn display(role_name: &str, access_id: Option<&str>) -> String {
    match access_id {
        Some(access) => format!("{role_name} ({access})"),
        None => role_name.to_string(),
    }
}

/// The wire word of a core status.
fn word(status: impl Serialize) -> String {
    serde_json::to_value(status)
        .ok()
        .as_ref()
        .and_then(text)
        .unwrap_or_default()
}

/// How a run that ended with these requests (and `errors` besides) exits.
pub fn exit_of(requests: &[Request], errors: usize) -> Exit {
    if errors > 0 || requests.iter().any(|r| r.status == "Failed") {
        Exit::Failed
    } else if requests.iter().any(Request::is_pending) {
        Exit::Pending
    } else {
        Exit::Success
    }
}

/// "2 Activated, 1 PendingApproval", in order of first appearance.
pub fn summary(requests: &[Request]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for request in requests {
        match counts.iter_mut().find(|(status, _)| *status == request.status) {
            Some((_, count)) => *count += 1,
            None => counts.push((request.status.clone(), 1)),
        }
    }
    counts
}
