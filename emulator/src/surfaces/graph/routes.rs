//! The Graph route table: path segments to a route and its methods, and the delegated scopes
//! each route needs.

use super::query::bad;
use crate::state::Kind;
use crate::wire::{Resp, graph_error};

const ELIG_READ: &[&str] = &[
    "RoleEligibilitySchedule.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const ASSIGN_READ: &[&str] = &[
    "RoleAssignmentSchedule.Read.Directory",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const ASSIGN_WRITE: &[&str] = &[
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleAssignmentSchedule.Remove.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const POLICY_READ: &[&str] = &[
    "RoleManagementPolicy.Read.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagementPolicy.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const GROUP_ELIG_READ: &[&str] = &[
    "PrivilegedEligibilitySchedule.Read.AzureADGroup",
    "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
];
const GROUP_ASSIGN_READ: &[&str] = &[
    "PrivilegedAssignmentSchedule.Read.AzureADGroup",
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
];
const GROUP_ASSIGN_WRITE: &[&str] = &["PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup"];
const GROUP_POLICY_READ: &[&str] = &[
    "RoleManagementPolicy.Read.AzureADGroup",
    "RoleManagementPolicy.ReadWrite.AzureADGroup",
];
const USER_READ: &[&str] = &["User.Read", "User.ReadBasic.All", "User.Read.All", "Directory.Read.All"];

/// An endpoint of Graph v1.0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Route {
    Me,
    /// A PIM collection of directory roles (`Kind::Directory`) or PIM for Groups (`Kind::Group`).
    Pim(Kind, PimRoute),
    RoleDefinitions,
    RoleDefinitionGet,
    PolicyAssignments,
    PolicyGet {
        rules_only: bool,
    },
    Groups,
    GroupGet,
    Batch,
}

/// The schedule and request collections both PIM surfaces of Graph have.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PimRoute {
    EligInstances { mine: bool },
    EligSchedules,
    AssignInstances { mine: bool },
    RequestCreate,
    RequestsMine,
    RequestGet,
    RequestCancel,
}

/// Segment names of the PIM collections of one surface.
struct PimSegments {
    elig_instances: &'static str,
    elig_schedules: &'static str,
    assign_instances: &'static str,
    requests: &'static str,
}

const DIRECTORY_SEGMENTS: PimSegments = PimSegments {
    elig_instances: "roleEligibilityScheduleInstances",
    elig_schedules: "roleEligibilitySchedules",
    assign_instances: "roleAssignmentScheduleInstances",
    requests: "roleAssignmentScheduleRequests",
};

const GROUP_SEGMENTS: PimSegments = PimSegments {
    elig_instances: "eligibilityScheduleInstances",
    elig_schedules: "eligibilitySchedules",
    assign_instances: "assignmentScheduleInstances",
    requests: "assignmentScheduleRequests",
};

const GET: &[&str] = &["GET"];
const POST: &[&str] = &["POST"];

/// A resolved route: the route, its allowed methods and the id segment (if any).
pub type Resolved = (Route, &'static [&'static str], Option<String>);

fn is_fbcu(seg: &str) -> Option<Result<(), Resp>> {
    let s: String = seg
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if !s.starts_with("filterbycurrentuser(") {
        return None;
    }
    if s == "filterbycurrentuser(on='principal')" {
        Some(Ok(()))
    } else {
        Some(Err(bad("filterByCurrentUser requires the parameter on='principal'.")))
    }
}

/// `true` for a valid `filterByCurrentUser(on='principal')` segment, a 400 for another
/// `filterByCurrentUser(...)`, `false` for anything else.
fn fb(s: &str) -> Result<bool, Resp> {
    match is_fbcu(s) {
        Some(Ok(())) => Ok(true),
        Some(Err(e)) => Err(e),
        None => Ok(false),
    }
}

/// The PIM collections under one surface's prefix; `None` when no collection matches.
fn pim_route(kind: Kind, rest: &[&str], s: &PimSegments) -> Result<Option<Resolved>, Resp> {
    let (r, methods, id) = match rest {
        [c] if *c == s.elig_instances => (PimRoute::EligInstances { mine: false }, GET, None),
        [c, f] if *c == s.elig_instances && fb(f)? => (PimRoute::EligInstances { mine: true }, GET, None),
        [c, f] if *c == s.elig_schedules && fb(f)? => (PimRoute::EligSchedules, GET, None),
        [c] if *c == s.assign_instances => (PimRoute::AssignInstances { mine: false }, GET, None),
        [c, f] if *c == s.assign_instances && fb(f)? => (PimRoute::AssignInstances { mine: true }, GET, None),
        [c] if *c == s.requests => (PimRoute::RequestCreate, POST, None),
        [c, f] if *c == s.requests && fb(f)? => (PimRoute::RequestsMine, GET, None),
        [c, id] if *c == s.requests => (PimRoute::RequestGet, GET, Some(id.to_string())),
        [c, id, "cancel"] if *c == s.requests => (PimRoute::RequestCancel, POST, Some(id.to_string())),
        _ => return Ok(None),
    };
    Ok(Some((Route::Pim(kind, r), methods, id)))
}

/// Route table: the route with its allowed methods and id, or a 404.
pub fn resolve(segs: &[&str]) -> Result<Resolved, Resp> {
    let nf = || {
        graph_error(
            404,
            "ResourceNotFound",
            &format!("Resource not found for the segment '{}'.", segs.last().unwrap_or(&"")),
        )
    };
    let pim = |kind: Kind, rest: &[&str], s: &PimSegments| -> Result<Resolved, Resp> {
        pim_route(kind, rest, s)?.ok_or_else(nf)
    };
    let r = match segs {
        ["me"] => (Route::Me, GET, None),
        ["$batch"] => (Route::Batch, POST, None),
        ["roleManagement", "directory", "roleDefinitions"] => (Route::RoleDefinitions, GET, None),
        ["roleManagement", "directory", "roleDefinitions", id] => (Route::RoleDefinitionGet, GET, Some(id.to_string())),
        ["roleManagement", "directory", rest @ ..] => return pim(Kind::Directory, rest, &DIRECTORY_SEGMENTS),
        ["identityGovernance", "privilegedAccess", "group", rest @ ..] => {
            return pim(Kind::Group, rest, &GROUP_SEGMENTS);
        }
        ["policies", "roleManagementPolicyAssignments"] => (Route::PolicyAssignments, GET, None),
        ["policies", "roleManagementPolicies", id] => {
            (Route::PolicyGet { rules_only: false }, GET, Some(id.to_string()))
        }
        ["policies", "roleManagementPolicies", id, "rules"] => {
            (Route::PolicyGet { rules_only: true }, GET, Some(id.to_string()))
        }
        ["groups"] => (Route::Groups, GET, None),
        ["groups", id] => (Route::GroupGet, GET, Some(id.to_string())),
        _ => return Err(nf()),
    };
    Ok(r)
}

/// The delegated scopes of which the token needs one (empty = any signed-in user).
pub fn required_scopes(r: Route) -> Vec<&'static str> {
    match r {
        Route::Me | Route::Batch => USER_READ.to_vec(),
        Route::Pim(kind, p) => {
            let (elig_read, assign_read, assign_write) = match kind {
                Kind::Group => (GROUP_ELIG_READ, GROUP_ASSIGN_READ, GROUP_ASSIGN_WRITE),
                _ => (ELIG_READ, ASSIGN_READ, ASSIGN_WRITE),
            };
            match p {
                PimRoute::EligInstances { .. } | PimRoute::EligSchedules => elig_read.to_vec(),
                PimRoute::AssignInstances { .. } | PimRoute::RequestsMine | PimRoute::RequestGet => {
                    assign_read.to_vec()
                }
                PimRoute::RequestCreate | PimRoute::RequestCancel => assign_write.to_vec(),
            }
        }
        Route::RoleDefinitions | Route::RoleDefinitionGet => ELIG_READ.to_vec(),
        Route::PolicyAssignments | Route::PolicyGet { .. } => {
            POLICY_READ.iter().chain(GROUP_POLICY_READ.iter()).copied().collect()
        }
        Route::Groups | Route::GroupGet => {
            let mut v = vec!["Group.Read.All", "Directory.Read.All", "GroupMember.Read.All"];
            v.extend(GROUP_ELIG_READ);
            v.extend(GROUP_ASSIGN_READ);
            v
        }
    }
}
