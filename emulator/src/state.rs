//! The stateful tenant model: eligibilities, assignments, requests and the PIM rules engine
//! shared by the Graph and ARM surfaces.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::faults::FaultEngine;
use crate::scenario::{Decision, Grant, PolicySettings, Scenario};
use crate::server::LogEntry;
use crate::token::{AccessClaims, AuthStore, DeviceStatus};
use crate::util::{fmt_opt_time, fmt_time, last_segment, new_guid, parse_iso_duration, stable_guid};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Directory,
    Group,
    Azure,
}

#[derive(Debug, Clone)]
pub enum Target {
    Directory { role_id: String, scope_id: String },
    Group { group_id: String, access_id: String },
    Azure { role_id: String, scope: String },
}

impl Target {
    pub fn kind(&self) -> Kind {
        match self {
            Target::Directory { .. } => Kind::Directory,
            Target::Group { .. } => Kind::Group,
            Target::Azure { .. } => Kind::Azure,
        }
    }
    /// Same role and exactly the same scope (case-insensitive).
    pub fn same(&self, o: &Target) -> bool {
        match (self, o) {
            (
                Target::Directory {
                    role_id: a,
                    scope_id: s,
                },
                Target::Directory {
                    role_id: b,
                    scope_id: t,
                },
            ) => a.eq_ignore_ascii_case(b) && s.eq_ignore_ascii_case(t),
            (
                Target::Group {
                    group_id: a,
                    access_id: s,
                },
                Target::Group {
                    group_id: b,
                    access_id: t,
                },
            ) => a.eq_ignore_ascii_case(b) && s.eq_ignore_ascii_case(t),
            (Target::Azure { role_id: a, scope: s }, Target::Azure { role_id: b, scope: t }) => {
                a.eq_ignore_ascii_case(b) && scope_eq(s, t)
            }
            _ => false,
        }
    }
}

pub fn scope_eq(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

#[derive(Debug, Clone)]
pub struct Eligibility {
    pub schedule_id: String,
    pub instance_id: String,
    pub principal_id: String,
    pub target: Target,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Assignment {
    pub instance_id: String,
    pub schedule_id: String,
    pub principal_id: String,
    pub target: Target,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// `Assigned` or `Activated`.
    pub assignment_type: String,
    pub linked_eligibility: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    PendingApproval,
    PendingProvisioning,
    Granted,
    Provisioned,
    Denied,
    Canceled,
    Revoked,
    PendingAdminDecision,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::PendingApproval => "PendingApproval",
            Status::PendingProvisioning => "PendingProvisioning",
            Status::Granted => "Granted",
            Status::Provisioned => "Provisioned",
            Status::Denied => "Denied",
            Status::Canceled => "Canceled",
            Status::Revoked => "Revoked",
            Status::PendingAdminDecision => "PendingAdminDecision",
        }
    }
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            Status::PendingApproval | Status::PendingProvisioning | Status::Granted
        )
    }
}

/// Self-service request actions (names mirror the API enum).
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SelfActivate,
    SelfDeactivate,
    SelfExtend,
    SelfRenew,
}

impl Action {
    /// Parses Graph (`selfActivate`) or ARM (`SelfActivate`) casing, case-insensitively.
    /// `Err(true)` = a known admin action, `Err(false)` = unknown.
    pub fn parse(s: &str) -> Result<Self, bool> {
        match s.to_ascii_lowercase().as_str() {
            "selfactivate" => Ok(Action::SelfActivate),
            "selfdeactivate" => Ok(Action::SelfDeactivate),
            "selfextend" => Ok(Action::SelfExtend),
            "selfrenew" => Ok(Action::SelfRenew),
            "adminassign" | "adminupdate" | "adminremove" | "adminextend" | "adminrenew" => Err(true),
            _ => Err(false),
        }
    }
    pub fn graph(self) -> &'static str {
        match self {
            Action::SelfActivate => "selfActivate",
            Action::SelfDeactivate => "selfDeactivate",
            Action::SelfExtend => "selfExtend",
            Action::SelfRenew => "selfRenew",
        }
    }
    pub fn arm(self) -> &'static str {
        match self {
            Action::SelfActivate => "SelfActivate",
            Action::SelfDeactivate => "SelfDeactivate",
            Action::SelfExtend => "SelfExtend",
            Action::SelfRenew => "SelfRenew",
        }
    }
}

/// Requested schedule as sent by the client.
#[derive(Debug, Clone, Default)]
pub struct ScheduleIn {
    pub start: Option<DateTime<Utc>>,
    /// Lower-cased expiration type (`afterduration`, `afterdatetime`, `noexpiration`, `notspecified`).
    pub exp_type: Option<String>,
    pub duration: Option<String>,
    pub end: Option<DateTime<Utc>>,
    pub present: bool,
}

#[derive(Debug, Clone)]
pub struct PimRequest {
    pub id: String,
    pub action: Action,
    pub principal_id: String,
    pub target: Target,
    pub justification: Option<String>,
    pub ticket_number: Option<String>,
    pub ticket_system: Option<String>,
    pub schedule: ScheduleIn,
    pub duration: Option<chrono::Duration>,
    pub activation_start: DateTime<Utc>,
    pub activation_end: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
    pub completed: Option<DateTime<Utc>>,
    pub status: Status,
    pub approval_id: Option<String>,
    pub auto_decision: Option<(Decision, DateTime<Utc>)>,
    pub provision_at: Option<DateTime<Utc>>,
    pub linked_eligibility: Option<String>,
    pub target_schedule_id: String,
    pub target_instance_id: Option<String>,
    pub is_validation_only: bool,
    pub custom_data: Option<String>,
}

/// What the client asked for.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub id: Option<String>,
    pub action: Action,
    pub principal_id: String,
    pub target: Target,
    pub justification: Option<String>,
    pub ticket_number: Option<String>,
    pub ticket_system: Option<String>,
    pub schedule: ScheduleIn,
    pub linked_eligibility: Option<String>,
    pub is_validation_only: bool,
    pub custom_data: Option<String>,
}

/// PIM failures, rendered by each surface in its envelope.
#[derive(Debug, Clone, PartialEq)]
pub enum PimError {
    PolicyRules(Vec<&'static str>),
    Exists,
    Pending,
    Acrs(String),
    TooShort(u64),
    DoesNotExist,
    BadRequest(String),
    Forbidden(String),
    NotFound(String),
}

impl PimError {
    pub fn status_code_message(&self) -> (u16, &'static str, String) {
        match self {
            PimError::PolicyRules(rules) => (
                400,
                "RoleAssignmentRequestPolicyValidationFailed",
                format!(
                    "The following policy rules failed: [{}]",
                    rules.iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(",")
                ),
            ),
            PimError::Exists => (
                400,
                "RoleAssignmentExists",
                "The Role assignment already exists.".into(),
            ),
            PimError::Pending => (
                400,
                "PendingRoleAssignmentRequest",
                "There is already an existing pending Role assignment request.".into(),
            ),
            PimError::Acrs(c) => {
                let claims = format!("{{\"access_token\":{{\"acrs\":{{\"essential\":true, \"value\":\"{c}\"}}}}}}");
                (
                    400,
                    "RoleAssignmentRequestAcrsValidationFailed",
                    format!(
                        "The Role assignment request requires an authentication context. &claims={}",
                        crate::util::url_encode(&claims)
                    ),
                )
            }
            PimError::TooShort(min) => (
                400,
                "ActiveDurationTooShort",
                format!(
                    "The Active duration is too short. Miniumum Required is {} minutes.",
                    min.div_ceil(60)
                ),
            ),
            PimError::DoesNotExist => (
                400,
                "RoleAssignmentDoesNotExist",
                "The Role assignment does not exist.".into(),
            ),
            PimError::BadRequest(m) => (400, "BadRequest", m.clone()),
            PimError::Forbidden(m) => (403, "Forbidden", m.clone()),
            PimError::NotFound(m) => (404, "ResourceNotFound", m.clone()),
        }
    }
}

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

    // -----------------------------------------------------------------------------------------
    // Time-driven transitions (evaluated lazily on every request)
    // -----------------------------------------------------------------------------------------

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
        if let Some(after) = self.scenario.settings.device_code_auto_approve_after_sec {
            let default_user = self.default_user().map(|u| u.id.clone());
            for d in &mut self.auth.device {
                if d.status == DeviceStatus::Pending
                    && now >= d.created + chrono::Duration::milliseconds((after * 1000.0) as i64)
                    && let Some(u) = &default_user
                {
                    d.status = DeviceStatus::Approved {
                        user_id: u.clone(),
                        amr: None,
                    };
                }
            }
        }
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

    fn create_assignment(&mut self, r: &PimRequest) {
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

    // -----------------------------------------------------------------------------------------
    // Views
    // -----------------------------------------------------------------------------------------

    /// Groups the user is a member of: standing members plus active PIM memberships.
    pub fn user_groups(&self, user_id: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .scenario
            .groups
            .iter()
            .filter(|g| {
                g.members.iter().any(|m| {
                    self.scenario
                        .find_user(m)
                        .is_some_and(|u| u.id.eq_ignore_ascii_case(user_id))
                })
            })
            .map(|g| g.id.clone())
            .collect();
        for a in &self.assignments {
            if let Target::Group { group_id, access_id } = &a.target
                && access_id == "member"
                && a.principal_id.eq_ignore_ascii_case(user_id)
                && !out.iter().any(|g| g.eq_ignore_ascii_case(group_id))
            {
                out.push(group_id.clone());
            }
        }
        out
    }

    /// The user's current eligibilities of a kind, with the group they come through (if any).
    pub fn user_eligibilities(&self, user_id: &str, kind: Kind) -> Vec<(Eligibility, Option<String>)> {
        let now = self.now();
        let groups = self.user_groups(user_id);
        self.eligibilities
            .iter()
            .filter(|e| e.target.kind() == kind && e.start <= now && e.end.is_none_or(|x| x > now))
            .filter_map(|e| {
                if e.principal_id.eq_ignore_ascii_case(user_id) {
                    Some((e.clone(), None))
                } else {
                    groups
                        .iter()
                        .find(|g| g.eq_ignore_ascii_case(&e.principal_id))
                        .map(|g| (e.clone(), Some(g.clone())))
                }
            })
            .collect()
    }

    pub fn user_assignments(&self, user_id: &str, kind: Kind) -> Vec<(Assignment, Option<String>)> {
        let now = self.now();
        let groups = self.user_groups(user_id);
        self.assignments
            .iter()
            .filter(|a| a.target.kind() == kind && a.start.is_none_or(|s| s <= now) && a.end.is_none_or(|x| x > now))
            .filter_map(|a| {
                if a.principal_id.eq_ignore_ascii_case(user_id) {
                    Some((a.clone(), None))
                } else {
                    groups
                        .iter()
                        .find(|g| g.eq_ignore_ascii_case(&a.principal_id))
                        .map(|g| (a.clone(), Some(g.clone())))
                }
            })
            .collect()
    }

    pub fn eligibility_by_schedule(&self, id: &str) -> Option<&Eligibility> {
        self.eligibilities
            .iter()
            .find(|e| e.schedule_id.eq_ignore_ascii_case(id))
    }

    // -----------------------------------------------------------------------------------------
    // Scopes (ARM)
    // -----------------------------------------------------------------------------------------

    /// Ancestors of an ARM scope, nearest first (resource group, subscription, management
    /// groups, tenant root `/`).
    pub fn arm_ancestors(&self, scope: &str) -> Vec<String> {
        let mut out = Vec::new();
        let segs: Vec<&str> = scope.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
        let mut mg: Option<String> = None;
        if segs.len() >= 2 && segs[0].eq_ignore_ascii_case("subscriptions") {
            let sub = segs[1];
            if segs.len() > 4 && segs[2].eq_ignore_ascii_case("resourceGroups") {
                out.push(format!("/subscriptions/{sub}/resourceGroups/{}", segs[3]));
            }
            if segs.len() > 2 {
                out.push(format!("/subscriptions/{sub}"));
            }
            mg = self
                .scenario
                .subscriptions
                .iter()
                .find(|s| s.id.eq_ignore_ascii_case(sub))
                .and_then(|s| s.management_group.clone());
        } else if segs.len() == 4 && segs[1].eq_ignore_ascii_case("Microsoft.Management") {
            mg = self
                .scenario
                .management_groups
                .iter()
                .find(|m| m.name.eq_ignore_ascii_case(segs[3]))
                .and_then(|m| m.parent.clone());
        }
        let mut guard = 0;
        while let Some(name) = mg {
            guard += 1;
            if guard > 32 {
                break;
            }
            out.push(mg_scope(&name));
            mg = self
                .scenario
                .management_groups
                .iter()
                .find(|m| m.name.eq_ignore_ascii_case(&name))
                .and_then(|m| m.parent.clone());
        }
        if !segs.is_empty() {
            out.push("/".into());
        }
        out
    }

    /// `inner` equals `outer` or lies below it.
    pub fn scope_within(&self, inner: &str, outer: &str) -> bool {
        scope_eq(inner, outer) || self.arm_ancestors(inner).iter().any(|a| scope_eq(a, outer))
    }

    /// Display name and type of an ARM scope.
    pub fn scope_info(&self, scope: &str) -> (String, &'static str) {
        let segs: Vec<&str> = scope.trim_matches('/').split('/').collect();
        if segs.len() >= 2 && segs[0].eq_ignore_ascii_case("subscriptions") {
            if segs.len() == 2 {
                let name = self
                    .scenario
                    .subscriptions
                    .iter()
                    .find(|s| s.id.eq_ignore_ascii_case(segs[1]))
                    .map(|s| s.display_name.clone())
                    .unwrap_or_else(|| segs[1].to_string());
                return (name, "subscription");
            }
            if segs.len() == 4 {
                return (segs[3].to_string(), "resourcegroup");
            }
            return (last_segment(scope).to_string(), "resource");
        }
        if segs.len() == 4 && segs[1].eq_ignore_ascii_case("Microsoft.Management") {
            let name = self
                .scenario
                .management_groups
                .iter()
                .find(|m| m.name.eq_ignore_ascii_case(segs[3]))
                .map(|m| m.display_name.clone())
                .unwrap_or_else(|| segs[3].to_string());
            return (name, "managementgroup");
        }
        ("Tenant Root".into(), "tenant")
    }

    /// Checks that an ARM scope exists in the scenario. `Err((code, message))`.
    pub fn arm_scope_known(&self, scope: &str) -> Result<(), (&'static str, String)> {
        let segs: Vec<&str> = scope.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
        if segs.is_empty() {
            return Ok(());
        }
        if segs[0].eq_ignore_ascii_case("subscriptions") && segs.len() >= 2 {
            let Some(sub) = self
                .scenario
                .subscriptions
                .iter()
                .find(|s| s.id.eq_ignore_ascii_case(segs[1]))
            else {
                return Err((
                    "SubscriptionNotFound",
                    format!("The subscription '{}' could not be found.", segs[1]),
                ));
            };
            if segs.len() >= 4
                && segs[2].eq_ignore_ascii_case("resourceGroups")
                && !sub.resource_groups.iter().any(|r| r.eq_ignore_ascii_case(segs[3]))
            {
                return Err((
                    "ResourceGroupNotFound",
                    format!("Resource group '{}' could not be found.", segs[3]),
                ));
            }
            if segs.len() == 3 || (segs.len() > 2 && !segs[2].eq_ignore_ascii_case("resourceGroups")) {
                return Err(("InvalidScope", format!("The scope '{scope}' is not valid.")));
            }
            return Ok(());
        }
        if segs.len() == 4
            && segs[0].eq_ignore_ascii_case("providers")
            && segs[1].eq_ignore_ascii_case("Microsoft.Management")
            && segs[2].eq_ignore_ascii_case("managementGroups")
        {
            if self
                .scenario
                .management_groups
                .iter()
                .any(|m| m.name.eq_ignore_ascii_case(segs[3]))
            {
                return Ok(());
            }
            return Err((
                "ManagementGroupNotFound",
                format!("The management group '{}' could not be found.", segs[3]),
            ));
        }
        Err(("InvalidScope", format!("The scope '{scope}' is not valid.")))
    }

    /// Full ARM role definition id for a role used at a scope.
    pub fn arm_role_definition_id(&self, scope: &str, role_guid: &str) -> String {
        let segs: Vec<&str> = scope.trim_matches('/').split('/').collect();
        let base = if segs.len() >= 2 && segs[0].eq_ignore_ascii_case("subscriptions") {
            format!("/subscriptions/{}", segs[1])
        } else if scope.trim_matches('/').is_empty() {
            String::new()
        } else {
            scope.trim_end_matches('/').to_string()
        };
        format!("{base}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}")
    }

    // -----------------------------------------------------------------------------------------
    // Policies
    // -----------------------------------------------------------------------------------------

    pub fn default_policy(&self) -> PolicySettings {
        self.scenario.default_policy.clone().unwrap_or_default()
    }

    /// Effective policy for a target; for Azure also the scope the policy is defined at.
    pub fn policy_for(&self, target: &Target) -> (PolicySettings, Option<String>) {
        match target {
            Target::Directory { role_id, .. } => (
                self.scenario
                    .policies
                    .iter()
                    .find(|p| {
                        p.directory_role_id
                            .as_deref()
                            .is_some_and(|r| r.eq_ignore_ascii_case(role_id))
                    })
                    .map(|p| p.settings())
                    .unwrap_or_else(|| self.default_policy()),
                None,
            ),
            Target::Group { group_id, access_id } => (
                self.scenario
                    .policies
                    .iter()
                    .find(|p| {
                        p.group_id.as_deref().is_some_and(|g| g.eq_ignore_ascii_case(group_id))
                            && p.access_id.as_deref() == Some(access_id.as_str())
                    })
                    .map(|p| p.settings())
                    .unwrap_or_else(|| self.default_policy()),
                None,
            ),
            Target::Azure { role_id, scope } => {
                let mut chain = vec![scope.clone()];
                chain.extend(self.arm_ancestors(scope));
                for s in &chain {
                    let at_scope: Vec<_> = self
                        .scenario
                        .policies
                        .iter()
                        .filter(|p| p.scope.as_deref().is_some_and(|x| scope_eq(x, s)))
                        .collect();
                    let specific = at_scope
                        .iter()
                        .find(|p| {
                            p.azure_role_id
                                .as_deref()
                                .is_some_and(|r| r.eq_ignore_ascii_case(role_id))
                        })
                        .or_else(|| at_scope.iter().find(|p| p.azure_role_id.is_none()));
                    if let Some(p) = specific {
                        return (p.settings(), Some(normalize_scope(s)));
                    }
                }
                (self.default_policy(), Some(scope.clone()))
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Requests
    // -----------------------------------------------------------------------------------------

    /// Validates and (unless validation-only) records a self-service request.
    pub fn submit(&mut self, caller: &AccessClaims, nr: NewRequest) -> Result<PimRequest, PimError> {
        let now = self.now();
        if !nr.principal_id.eq_ignore_ascii_case(&caller.oid) {
            return Err(PimError::Forbidden(format!(
                "The principal '{}' is not the caller '{}'; self-service actions can only target the signed-in user.",
                nr.principal_id, caller.oid
            )));
        }
        let user_id = caller.oid.clone();
        let kind = nr.target.kind();
        let id = nr.id.clone().unwrap_or_else(new_guid);
        let target_schedule_id = match &nr.target {
            Target::Group { group_id, access_id } => format!("{group_id}_{access_id}_{}", new_guid()),
            Target::Directory { .. } => id.clone(),
            Target::Azure { .. } => new_guid(),
        };
        let mut req = PimRequest {
            id,
            action: nr.action,
            principal_id: user_id.clone(),
            target: nr.target.clone(),
            justification: nr.justification.clone(),
            ticket_number: nr.ticket_number.clone(),
            ticket_system: nr.ticket_system.clone(),
            schedule: nr.schedule.clone(),
            duration: None,
            activation_start: nr.schedule.start.unwrap_or(now).max(now - chrono::Duration::minutes(5)),
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
            custom_data: nr.custom_data.clone(),
        };
        if req.activation_start < now {
            req.activation_start = now;
        }
        match nr.action {
            Action::SelfActivate | Action::SelfExtend | Action::SelfRenew => {
                let elig = self.find_eligibility(&user_id, &nr.target, nr.linked_eligibility.as_deref());
                let Some(elig) = elig else {
                    return Err(PimError::PolicyRules(vec!["EligibilityRule"]));
                };
                req.linked_eligibility = Some(elig.schedule_id.clone());
                if nr.action != Action::SelfActivate {
                    req.status = Status::PendingAdminDecision;
                    req.completed = None;
                    if !nr.is_validation_only {
                        self.requests.push(req.clone());
                    }
                    return Ok(req);
                }
                if self.assignments.iter().any(|a| {
                    a.principal_id.eq_ignore_ascii_case(&user_id)
                        && a.target.same(&nr.target)
                        && a.end.is_none_or(|e| e > now)
                }) {
                    return Err(PimError::Exists);
                }
                if self.requests.iter().any(|r| {
                    r.principal_id.eq_ignore_ascii_case(&user_id)
                        && r.action == Action::SelfActivate
                        && r.status.is_pending()
                        && r.target.same(&nr.target)
                }) {
                    return Err(PimError::Pending);
                }
                let (policy, _) = self.policy_for(&nr.target);
                let mut failed = Vec::new();
                let duration = requested_duration(&nr.schedule, req.activation_start)?;
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
                if policy.require_justification && nr.justification.as_deref().is_none_or(|j| j.trim().is_empty()) {
                    failed.push("JustificationRule");
                }
                if policy.require_ticket
                    && (nr.ticket_number.as_deref().is_none_or(|t| t.trim().is_empty())
                        || nr.ticket_system.as_deref().is_none_or(|t| t.trim().is_empty()))
                {
                    failed.push("TicketingRule");
                }
                if policy.require_mfa && !caller.amr.iter().any(|a| a.eq_ignore_ascii_case("mfa")) {
                    failed.push("MfaRule");
                }
                if !failed.is_empty() {
                    return Err(PimError::PolicyRules(failed));
                }
                if let Some(c) = &policy.authentication_context {
                    let has_acrs = caller.acrs.iter().any(|a| a == c);
                    let has_cp1 = caller.xms_cc.iter().any(|x| x.eq_ignore_ascii_case("cp1"));
                    if !has_acrs || (self.scenario.settings.require_cp1_for_acrs && !has_cp1) {
                        return Err(PimError::Acrs(c.clone()));
                    }
                }
                req.duration = duration;
                req.activation_end = duration.map(|d| req.activation_start + d);
                let delay = chrono::Duration::milliseconds(self.scenario.settings.provisioning_delay_ms as i64);
                if policy.approval.as_ref().is_some_and(|a| a.required) {
                    req.status = Status::PendingApproval;
                    if !nr.is_validation_only {
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
                if !nr.is_validation_only {
                    if req.status == Status::Provisioned {
                        self.create_assignment(&req);
                    }
                    self.requests.push(req.clone());
                }
                Ok(req)
            }
            Action::SelfDeactivate => {
                let Some(idx) = self.assignments.iter().position(|a| {
                    a.principal_id.eq_ignore_ascii_case(&user_id)
                        && a.assignment_type == "Activated"
                        && a.target.same(&nr.target)
                        && a.end.is_none_or(|e| e > now)
                }) else {
                    return Err(PimError::DoesNotExist);
                };
                let a = self.assignments[idx].clone();
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
                let _ = kind;
                if !nr.is_validation_only {
                    self.assignments.remove(idx);
                    self.requests.push(req.clone());
                }
                Ok(req)
            }
        }
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

pub fn target_json(t: &Target) -> Value {
    match t {
        Target::Directory { role_id, scope_id } => {
            json!({"kind": "directoryRole", "roleDefinitionId": role_id, "directoryScopeId": scope_id})
        }
        Target::Group { group_id, access_id } => json!({"kind": "group", "groupId": group_id, "accessId": access_id}),
        Target::Azure { role_id, scope } => {
            json!({"kind": "azure", "roleDefinitionId": role_id, "scope": scope})
        }
    }
}

pub fn mg_scope(name: &str) -> String {
    format!("/providers/Microsoft.Management/managementGroups/{name}")
}

pub fn normalize_scope(s: &str) -> String {
    let t = s.trim().trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    // Accept the docs' `providers/Microsoft.Subscription/subscriptions/{id}` form.
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("/providers/microsoft.subscription/subscriptions/") {
        let start = t.len() - rest.len();
        return format!("/subscriptions/{}", &t[start..]);
    }
    if t.starts_with('/') {
        t.to_string()
    } else {
        format!("/{t}")
    }
}

/// Requested activation length from the schedule (`Ok(None)` = no expiration asked for).
fn requested_duration(s: &ScheduleIn, start: DateTime<Utc>) -> Result<Option<chrono::Duration>, PimError> {
    let t = s.exp_type.as_deref().unwrap_or("");
    match t {
        "afterduration" | "" | "notspecified" => match &s.duration {
            Some(d) => parse_iso_duration(d)
                .map(Some)
                .map_err(|e| PimError::BadRequest(format!("Invalid scheduleInfo.expiration.duration: {e}"))),
            None if t == "afterduration" => Err(PimError::BadRequest(
                "scheduleInfo.expiration.duration is required when the expiration type is afterDuration.".into(),
            )),
            None => match s.end {
                Some(e) => Ok(Some(e - start)),
                None => Ok(None),
            },
        },
        "afterdatetime" => match s.end {
            Some(e) => Ok(Some(e - start)),
            None => Err(PimError::BadRequest(
                "scheduleInfo.expiration.endDateTime is required when the expiration type is afterDateTime.".into(),
            )),
        },
        "noexpiration" => Ok(None),
        other => Err(PimError::BadRequest(format!(
            "Invalid value '{other}' for scheduleInfo.expiration.type; expected afterDuration, afterDateTime, noExpiration or notSpecified."
        ))),
    }
}

/// Expiration type echoed in responses (`camel` for Graph, Pascal for ARM).
pub fn expiration_type_out(s: &ScheduleIn, pascal: bool) -> Value {
    let t = match s.exp_type.as_deref() {
        Some("afterduration") => "afterDuration",
        Some("afterdatetime") => "afterDateTime",
        Some("noexpiration") => "noExpiration",
        Some("notspecified") => "notSpecified",
        _ if s.duration.is_some() => "afterDuration",
        _ if s.end.is_some() => "afterDateTime",
        _ => return Value::Null,
    };
    if pascal {
        let mut c = t.chars();
        match c.next() {
            Some(f) => json!(format!("{}{}", f.to_ascii_uppercase(), c.as_str())),
            None => Value::Null,
        }
    } else {
        json!(t)
    }
}

/// Parses a `scheduleInfo` JSON object (keys already lower-cased for ARM or original for Graph).
pub fn parse_schedule(v: Option<&Value>) -> Result<ScheduleIn, PimError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(ScheduleIn::default());
    };
    let get = |o: &Value, k: &str| -> Option<Value> {
        o.as_object()?
            .iter()
            .find(|(kk, _)| kk.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_null())
    };
    let time = |x: Option<Value>, name: &str| -> Result<Option<DateTime<Utc>>, PimError> {
        match x {
            None => Ok(None),
            Some(Value::String(s)) => DateTime::parse_from_rfc3339(&s)
                .map(|d| Some(d.with_timezone(&Utc)))
                .map_err(|_| {
                    PimError::BadRequest(format!("Invalid {name} '{s}': expected an ISO 8601 UTC timestamp."))
                }),
            Some(other) => Err(PimError::BadRequest(format!(
                "Invalid {name} {other}: expected a string."
            ))),
        }
    };
    if !v.is_object() {
        return Err(PimError::BadRequest("scheduleInfo must be an object.".into()));
    }
    let mut s = ScheduleIn {
        present: true,
        start: time(get(v, "startDateTime"), "scheduleInfo.startDateTime")?,
        ..Default::default()
    };
    if let Some(exp) = get(v, "expiration") {
        if let Some(t) = get(&exp, "type") {
            s.exp_type = Some(
                t.as_str()
                    .ok_or_else(|| PimError::BadRequest("scheduleInfo.expiration.type must be a string.".into()))?
                    .to_ascii_lowercase(),
            );
        }
        if let Some(d) = get(&exp, "duration") {
            s.duration = Some(
                d.as_str()
                    .ok_or_else(|| PimError::BadRequest("scheduleInfo.expiration.duration must be a string.".into()))?
                    .to_string(),
            );
        }
        s.end = time(get(&exp, "endDateTime"), "scheduleInfo.expiration.endDateTime")?;
    }
    Ok(s)
}

/// Instance ids as the services shape them: groups `{groupId}_{accessId}_{guid}`, others a GUID.
fn instance_id(target: &Target, label: &str, index: usize) -> String {
    let guid = stable_guid(&format!("{label}-instance:{index}"));
    match target {
        Target::Group { group_id, access_id } => format!("{group_id}_{access_id}_{guid}"),
        _ => guid,
    }
}
