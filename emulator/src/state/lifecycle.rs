//! Time-driven transitions, evaluated lazily on every request: automatic approval decisions,
//! provisioning, expiry of assignments and device-code auto-approval; and approver decisions.

use chrono::{DateTime, Utc};

use super::EmuState;
use super::model::{Assignment, PimRequest, Status};
use crate::scenario::Decision;
use crate::util::new_guid;

impl EmuState {
    /// Applies every transition due at `now`.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        for i in 0..self.requests.len() {
            if self.requests[i].status == Status::PendingApproval
                && let Some((d, at)) = self.requests[i].auto_decision
                && now >= at
            {
                self.apply_decision(i, d, at);
            }
            self.advance_provisioning(i, now);
        }
        self.assignments.retain(|a| a.end.is_none_or(|e| e > now));
        if let Some(after) = self.scenario.settings.device_code_auto_approve_after_sec
            && let Some(user_id) = self.scenario.default_user().map(|u| u.id.clone())
        {
            self.auth.auto_approve_device_codes(now, after, &user_id);
        }
    }

    /// Approves or denies a request waiting for approval / an admin decision.
    pub fn decide(&mut self, id: &str, d: Decision) -> Result<PimRequest, String> {
        let now = self.now();
        self.tick(now);
        let Some(i) = self.requests.iter().position(|r| r.id.eq_ignore_ascii_case(id)) else {
            return Err(format!("request {id} not found"));
        };
        let st = self.requests[i].status;
        if st != Status::PendingApproval && st != Status::PendingAdminDecision {
            return Err(format!("request {id} is {} and cannot be decided", st.as_str()));
        }
        self.apply_decision(i, d, now);
        self.advance_provisioning(i, now);
        Ok(self.requests[i].clone())
    }

    fn advance_provisioning(&mut self, i: usize, now: DateTime<Utc>) {
        let r = &mut self.requests[i];
        if r.status == Status::PendingProvisioning && r.provision_at.is_some_and(|p| now >= p) {
            r.status = Status::Granted;
            r.completed = Some(r.provision_at.unwrap_or(now));
        }
        if r.status == Status::Granted && now >= r.activation_start {
            r.status = Status::Provisioned;
            let req = r.clone();
            self.create_assignment(&req);
        }
    }

    fn apply_decision(&mut self, i: usize, d: Decision, at: DateTime<Utc>) {
        let delay = chrono::Duration::milliseconds(self.scenario.settings.provisioning_delay_ms as i64);
        let r = &mut self.requests[i];
        match (r.status, d) {
            (Status::PendingApproval, Decision::Approve) => {
                if r.activation_start < at {
                    r.activation_start = at;
                    if let Some(dur) = r.duration {
                        r.activation_end = Some(at + dur);
                    }
                }
                r.status = Status::PendingProvisioning;
                r.provision_at = Some(at + delay);
            }
            (Status::PendingAdminDecision, Decision::Approve) => {
                r.status = Status::Provisioned;
                r.completed = Some(at);
            }
            (_, Decision::Deny) => {
                r.status = Status::Denied;
                r.completed = Some(at);
            }
            _ => {}
        }
    }

    pub(super) fn create_assignment(&mut self, r: &PimRequest) {
        if self.assignments.iter().any(|a| a.schedule_id == r.target_schedule_id) {
            return;
        }
        let instance_id = r.target_instance_id.clone().unwrap_or_else(new_guid);
        self.assignments.push(Assignment {
            instance_id,
            schedule_id: r.target_schedule_id.clone(),
            principal_id: r.principal_id.clone(),
            target: r.target.clone(),
            start: Some(r.activation_start),
            end: r.activation_end,
            assignment_type: "Activated".into(),
            linked_eligibility: r.linked_eligibility.clone(),
        });
    }
}
