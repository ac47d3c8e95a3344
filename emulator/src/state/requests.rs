//! The request engine: checks a self-service request against eligibility, existing assignments,
//! policy rules and authentication context, gives it its first status and records it; looks up
//! and cancels requests.

use chrono::{DateTime, Utc};

use super::EmuState;
use super::model::{Action, Eligibility, Kind, NewRequest, PimError, PimRequest, Status, Target};
use super::schedule::requested_duration;
use crate::identity::AccessClaims;
use crate::scenario::PolicySettings;
use crate::util::{last_segment, new_guid, parse_iso_duration};

/// The request record before any checks: ids, requested schedule, start no earlier than now.
fn new_record(nr: &NewRequest, user_id: &str, now: DateTime<Utc>) -> PimRequest {
    let id = nr.id.clone().unwrap_or_else(new_guid);
    let target_schedule_id = match &nr.target {
        Target::Group { group_id, access_id } => format!("{group_id}_{access_id}_{}", new_guid()),
        Target::Directory { .. } => id.clone(),
        Target::Azure { .. } => new_guid(),
    };
    let mut req = PimRequest {
        id,
        action: nr.action,
        principal_id: user_id.to_string(),
        target: nr.target.clone(),
        details: nr.details.clone(),
        duration: None,
        activation_start: nr
            .details
            .schedule
            .start
            .unwrap_or(now)
            .max(now - chrono::Duration::minutes(5)),
        activation_end: None,
        created: now,
        completed: None,
        status: Status::Provisioned,
        approval_id: None,
        auto_decision: None,
        provision_at: None,
        linked_eligibility: None,
        target_schedule_id,
        target_instance_id: None,
        is_validation_only: nr.is_validation_only,
    };
    if req.activation_start < now {
        req.activation_start = now;
    }
    req
}

/// The end-user rules of the policy that the request breaks (expiration, justification,
/// ticket, MFA), in the order PIM lists them.
fn policy_failures(
    policy: &PolicySettings,
    nr: &NewRequest,
    caller: &AccessClaims,
    duration: Option<chrono::Duration>,
) -> Vec<&'static str> {
    let mut failed = Vec::new();
    match (&policy.maximum_duration, duration) {
        (Some(max), Some(d)) => {
            let max = parse_iso_duration(max).unwrap_or_else(|_| chrono::Duration::hours(8));
            if d > max || d <= chrono::Duration::zero() {
                failed.push("ExpirationRule");
            }
        }
        (Some(_), None) => failed.push("ExpirationRule"),
        _ => {}
    }
    if policy.require_justification && nr.details.justification.as_deref().is_none_or(|j| j.trim().is_empty()) {
        failed.push("JustificationRule");
    }
    if policy.require_ticket
        && (nr.details.ticket_number.as_deref().is_none_or(|t| t.trim().is_empty())
            || nr.details.ticket_system.as_deref().is_none_or(|t| t.trim().is_empty()))
    {
        failed.push("TicketingRule");
    }
    if policy.require_mfa && !caller.amr.iter().any(|a| a.eq_ignore_ascii_case("mfa")) {
        failed.push("MfaRule");
    }
    failed
}

impl EmuState {
    /// Validates and (unless validation-only) records a self-service request.
    pub fn submit(&mut self, caller: &AccessClaims, nr: NewRequest) -> Result<PimRequest, PimError> {
        let now = self.now();
        if !nr.principal_id.eq_ignore_ascii_case(&caller.oid) {
            return Err(PimError::Forbidden(format!(
                "The principal '{}' is not the caller '{}'; self-service actions can only target the signed-in user.",
                nr.principal_id, caller.oid
            )));
        }
        let req = new_record(&nr, &caller.oid, now);
        match nr.action {
            Action::SelfActivate => self.activate(caller, &nr, req, now),
            Action::SelfExtend | Action::SelfRenew => self.extend_or_renew(&nr, req),
            Action::SelfDeactivate => self.deactivate(&nr, req, now),
        }
    }

    /// `selfActivate`: eligible, not active or pending yet, within policy, then approval,
    /// provisioning or immediate activation.
    fn activate(
        &mut self,
        caller: &AccessClaims,
        nr: &NewRequest,
        mut req: PimRequest,
        now: DateTime<Utc>,
    ) -> Result<PimRequest, PimError> {
        self.link_eligibility(nr, &mut req)?;
        self.ensure_not_active_or_pending(&req.principal_id, &nr.target, now)?;
        let (policy, _) = self.policy_for(&nr.target);
        let duration = requested_duration(&nr.details.schedule, req.activation_start)?;
        let failed = policy_failures(&policy, nr, caller, duration);
        if !failed.is_empty() {
            return Err(PimError::PolicyRules(failed));
        }
        self.check_auth_context(&policy, caller)?;
        req.duration = duration;
        req.activation_end = duration.map(|d| req.activation_start + d);
        self.set_first_status(&policy, &mut req, now);
        if !req.is_validation_only && req.status == Status::Provisioned {
            self.create_assignment(&req);
        }
        Ok(self.record(req))
    }

    /// `selfExtend` / `selfRenew`: eligible, then waits for an administrator's decision.
    fn extend_or_renew(&mut self, nr: &NewRequest, mut req: PimRequest) -> Result<PimRequest, PimError> {
        self.link_eligibility(nr, &mut req)?;
        req.status = Status::PendingAdminDecision;
        req.completed = None;
        Ok(self.record(req))
    }

    /// `selfDeactivate`: ends the caller's activation of the target, once it is old enough.
    fn deactivate(&mut self, nr: &NewRequest, mut req: PimRequest, now: DateTime<Utc>) -> Result<PimRequest, PimError> {
        let Some(idx) = self.assignments.iter().position(|a| {
            a.principal_id.eq_ignore_ascii_case(&req.principal_id)
                && a.assignment_type == "Activated"
                && a.target.same(&nr.target)
                && a.end.is_none_or(|e| e > now)
        }) else {
            return Err(PimError::DoesNotExist);
        };
        let a = &self.assignments[idx];
        let floor = self.scenario.settings.min_active_duration_before_deactivate_sec;
        if let Some(start) = a.start
            && now - start < chrono::Duration::seconds(floor as i64)
        {
            return Err(PimError::TooShort(floor));
        }
        req.status = Status::Revoked;
        req.completed = Some(now);
        req.linked_eligibility = a.linked_eligibility.clone();
        req.target_schedule_id = a.schedule_id.clone();
        req.target_instance_id = Some(a.instance_id.clone());
        if !req.is_validation_only {
            self.assignments.remove(idx);
        }
        Ok(self.record(req))
    }

    /// Links the request to the eligibility it uses (`EligibilityRule` when there is none).
    fn link_eligibility(&self, nr: &NewRequest, req: &mut PimRequest) -> Result<(), PimError> {
        let Some(elig) = self.find_eligibility(&req.principal_id, &nr.target, nr.linked_eligibility.as_deref()) else {
            return Err(PimError::PolicyRules(vec!["EligibilityRule"]));
        };
        req.linked_eligibility = Some(elig.schedule_id);
        Ok(())
    }

    /// `RoleAssignmentExists` / `PendingRoleAssignmentRequest` for a second activation.
    fn ensure_not_active_or_pending(&self, user_id: &str, target: &Target, now: DateTime<Utc>) -> Result<(), PimError> {
        if self.assignments.iter().any(|a| {
            a.principal_id.eq_ignore_ascii_case(user_id) && a.target.same(target) && a.end.is_none_or(|e| e > now)
        }) {
            return Err(PimError::Exists);
        }
        if self.requests.iter().any(|r| {
            r.principal_id.eq_ignore_ascii_case(user_id)
                && r.action == Action::SelfActivate
                && r.status.is_pending()
                && r.target.same(target)
        }) {
            return Err(PimError::Pending);
        }
        Ok(())
    }

    /// The token must carry the policy's authentication context (and `cp1` when the scenario
    /// requires it).
    fn check_auth_context(&self, policy: &PolicySettings, caller: &AccessClaims) -> Result<(), PimError> {
        if let Some(c) = &policy.authentication_context {
            let has_acrs = caller.acrs.iter().any(|a| a == c);
            let has_cp1 = caller.xms_cc.iter().any(|x| x.eq_ignore_ascii_case("cp1"));
            if !has_acrs || (self.scenario.settings.require_cp1_for_acrs && !has_cp1) {
                return Err(PimError::Acrs(c.clone()));
            }
        }
        Ok(())
    }

    /// Approval, provisioning delay, scheduled start, or active now.
    fn set_first_status(&self, policy: &PolicySettings, req: &mut PimRequest, now: DateTime<Utc>) {
        let delay = chrono::Duration::milliseconds(self.scenario.settings.provisioning_delay_ms as i64);
        if policy.approval.as_ref().is_some_and(|a| a.required) {
            req.status = Status::PendingApproval;
            if !req.is_validation_only {
                req.approval_id = Some(new_guid());
            }
            if let Some(a) = &policy.approval
                && let (Some(d), Some(after)) = (a.auto_decision, a.auto_decision_after_sec)
            {
                req.auto_decision = Some((d, now + chrono::Duration::milliseconds((after * 1000.0) as i64)));
            }
        } else if delay > chrono::Duration::zero() {
            req.status = Status::PendingProvisioning;
            req.provision_at = Some(now + delay);
        } else if req.activation_start > now {
            req.status = Status::Granted;
            req.completed = Some(now);
        } else {
            req.status = Status::Provisioned;
            req.completed = Some(now);
        }
    }

    /// Keeps the request unless it only validates.
    fn record(&mut self, req: PimRequest) -> PimRequest {
        if !req.is_validation_only {
            self.requests.push(req.clone());
        }
        req
    }

    fn find_eligibility(&self, user_id: &str, target: &Target, linked: Option<&str>) -> Option<Eligibility> {
        let list = self.user_eligibilities(user_id, target.kind());
        list.into_iter().map(|(e, _)| e).find(|e| {
            let matches = match (&e.target, target) {
                (Target::Azure { role_id: a, scope: es }, Target::Azure { role_id: b, scope: rs }) => {
                    a.eq_ignore_ascii_case(b) && self.scope_within(rs, es)
                }
                _ => e.target.same(target),
            };
            matches && linked.is_none_or(|l| last_segment(l).eq_ignore_ascii_case(&e.schedule_id))
        })
    }

    pub fn find_request(&self, id: &str) -> Option<&PimRequest> {
        self.requests.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    pub fn cancel(&mut self, id: &str, caller_oid: &str, kind: Kind) -> Result<PimRequest, PimError> {
        let now = self.now();
        let Some(r) = self.requests.iter_mut().find(|r| {
            r.id.eq_ignore_ascii_case(id) && r.principal_id.eq_ignore_ascii_case(caller_oid) && r.target.kind() == kind
        }) else {
            return Err(PimError::NotFound(format!("The request '{id}' was not found.")));
        };
        if !(r.status.is_pending() || r.status == Status::PendingAdminDecision) {
            return Err(PimError::BadRequest(format!(
                "The request cannot be canceled because its status is '{}'.",
                r.status.as_str()
            )));
        }
        r.status = Status::Canceled;
        r.completed = Some(now);
        Ok(r.clone())
    }
}
