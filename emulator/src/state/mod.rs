//! The stateful tenant shared by every surface. `mod.rs` holds the state itself (built from the
//! scenario, the clock, token minting, the debug dump); `model.rs` the PIM types, `schedule.rs`
//! requested schedules, `requests.rs` the request engine, `lifecycle.rs` time-driven
//! transitions and decisions, `views.rs` what a user holds and the effective policies,
//! `scopes.rs` ARM scopes.

mod lifecycle;
mod model;
mod requests;
mod schedule;
mod scopes;
mod views;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::faults::FaultEngine;
use crate::identity::{AuthStore, DeviceStatus, Issuer, TokenSpec};
use crate::scenario::{Grant, Scenario};
use crate::util::{fmt_opt_time, fmt_time, stable_guid};
use crate::wire::LogEntry;

pub use model::{
    Action, Assignment, Eligibility, Kind, NewRequest, PimError, PimRequest, RequestDetails, Status, Target,
    normalize_scope, scope_eq, target_json,
};
pub use schedule::{expiration_type_out, parse_schedule};

/// The tenant: scenario, clock, sign-in grants, PIM objects, fault rules and request log.
pub struct EmuState {
    pub scenario: Scenario,
    pub base_url: String,
    pub clock_offset: chrono::Duration,
    pub auth: AuthStore,
    pub eligibilities: Vec<Eligibility>,
    pub assignments: Vec<Assignment>,
    pub requests: Vec<PimRequest>,
    pub faults: FaultEngine,
    pub log: Vec<LogEntry>,
    pub log_seq: u64,
}

impl EmuState {
    pub fn new(scenario: Scenario, base_url: String, seed: u64) -> Result<Self, String> {
        let faults = FaultEngine::new(scenario.faults.clone(), seed)?;
        let now = Utc::now();
        let mut st = Self {
            scenario,
            base_url,
            clock_offset: chrono::Duration::zero(),
            auth: AuthStore::default(),
            eligibilities: Vec::new(),
            assignments: Vec::new(),
            requests: Vec::new(),
            faults,
            log: Vec::new(),
            log_seq: 0,
        };
        let grants = st.scenario.eligibilities.clone();
        for (i, g) in grants.iter().enumerate() {
            let target = st.grant_target(g);
            let schedule_id = stable_guid(&format!("eligibility-schedule:{i}"));
            let instance_id = instance_id(&target, "eligibility", i);
            st.eligibilities.push(Eligibility {
                schedule_id,
                instance_id,
                principal_id: st.principal_id(&g.principal),
                target,
                start: g.start_date_time.unwrap_or(now - chrono::Duration::days(30)),
                end: grant_end(g, now),
            });
        }
        let grants = st.scenario.active_assignments.clone();
        for (i, g) in grants.iter().enumerate() {
            let target = st.grant_target(g);
            let schedule_id = stable_guid(&format!("assignment-schedule:{i}"));
            let instance_id = instance_id(&target, "assignment", i);
            let end = grant_end(g, now);
            let assignment_type = g
                .assignment_type
                .clone()
                .unwrap_or_else(|| if end.is_some() { "Activated" } else { "Assigned" }.into());
            let start = g
                .start_date_time
                .or_else(|| (assignment_type == "Activated").then(|| now - chrono::Duration::minutes(30)));
            st.assignments.push(Assignment {
                instance_id,
                schedule_id,
                principal_id: st.principal_id(&g.principal),
                target,
                start,
                end,
                assignment_type,
                linked_eligibility: None,
            });
        }
        Ok(st)
    }

    fn principal_id(&self, key: &str) -> String {
        if let Some(u) = self.scenario.find_user(key) {
            return u.id.clone();
        }
        key.to_string()
    }

    fn grant_target(&self, g: &Grant) -> Target {
        if let Some(r) = &g.directory_role_id {
            Target::Directory {
                role_id: r.clone(),
                scope_id: g.directory_scope_id.clone().unwrap_or_else(|| "/".into()),
            }
        } else if let Some(gid) = &g.group_id {
            Target::Group {
                group_id: gid.clone(),
                access_id: g.access_id.clone().unwrap_or_else(|| "member".into()),
            }
        } else {
            Target::Azure {
                role_id: g.azure_role_id.clone().unwrap_or_default(),
                scope: normalize_scope(g.scope.as_deref().unwrap_or("/")),
            }
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.clock_offset
    }

    /// The token issuer of the tenant, at the emulator clock.
    pub fn issuer(&self) -> Issuer<'_> {
        Issuer {
            scenario: &self.scenario,
            base_url: &self.base_url,
            now: self.now(),
        }
    }

    /// Mints an access token for a user.
    pub fn mint_access_token(&self, spec: &TokenSpec) -> Result<String, String> {
        self.issuer().mint(spec)
    }

    /// Approves (as `upn`, default user when `None`) or denies a pending device code.
    pub fn decide_device_code(
        &mut self,
        user_code: &str,
        approve: bool,
        upn: Option<&str>,
        amr: Option<Vec<String>>,
    ) -> Result<(), String> {
        let user_id = match upn {
            Some(u) => self
                .scenario
                .find_user(u)
                .map(|u| u.id.clone())
                .ok_or_else(|| format!("unknown user {u}"))?,
            None => self
                .scenario
                .default_user()
                .map(|u| u.id.clone())
                .ok_or_else(|| "no default user".to_string())?,
        };
        let decision = if approve {
            DeviceStatus::Approved { user_id, amr }
        } else {
            DeviceStatus::Denied
        };
        self.auth.decide_device_code(user_code, decision)
    }

    pub fn debug_dump(&self) -> Value {
        let now = self.now();
        json!({
            "now": fmt_time(now),
            "clockOffsetSec": self.clock_offset.num_seconds(),
            "eligibilities": self.eligibilities.iter().map(|e| json!({
                "scheduleId": e.schedule_id, "instanceId": e.instance_id, "principalId": e.principal_id,
                "target": target_json(&e.target), "start": fmt_time(e.start), "end": fmt_opt_time(e.end),
            })).collect::<Vec<_>>(),
            "assignments": self.assignments.iter().map(|a| json!({
                "scheduleId": a.schedule_id, "instanceId": a.instance_id, "principalId": a.principal_id,
                "target": target_json(&a.target), "assignmentType": a.assignment_type,
                "start": fmt_opt_time(a.start), "end": fmt_opt_time(a.end),
            })).collect::<Vec<_>>(),
            "requests": self.requests.iter().map(|r| json!({
                "id": r.id, "action": r.action.graph(), "status": r.status.as_str(),
                "principalId": r.principal_id, "target": target_json(&r.target),
                "approvalId": r.approval_id, "created": fmt_time(r.created),
                "activationStart": fmt_time(r.activation_start), "activationEnd": fmt_opt_time(r.activation_end),
            })).collect::<Vec<_>>(),
            "deviceCodes": self.auth.device.iter().map(|d| json!({
                "userCode": d.user_code, "status": format!("{:?}", d.status), "expiresAt": fmt_time(d.expires_at),
            })).collect::<Vec<_>>(),
            "faults": self.faults.rules(),
            "requestLogLength": self.log.len(),
        })
    }
}

fn grant_end(g: &Grant, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    g.end_date_time.or_else(|| {
        g.expires_in_minutes
            .map(|m| now + chrono::Duration::milliseconds((m * 60_000.0) as i64))
    })
}

/// Instance ids as the services shape them: groups `{groupId}_{accessId}_{guid}`, others a GUID.
fn instance_id(target: &Target, label: &str, index: usize) -> String {
    let guid = stable_guid(&format!("{label}-instance:{index}"));
    match target {
        Target::Group { group_id, access_id } => format!("{group_id}_{access_id}_{guid}"),
        _ => guid,
    }
}
