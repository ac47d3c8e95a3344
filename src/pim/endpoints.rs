//! Every Graph and ARM URL PIM calls, built from the session's service roots (pim-api.md §2–5): one
//! table of paths per kind, one place that knows the ARM api-version.

use super::model::{Kind, PolicySubject};
use crate::api::ApiClient;
use crate::error::Error;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

pub const ARM_API_VERSION: &str = "2020-10-01";
const ARM_PROVIDER: &str = "/providers/Microsoft.Authorization";

/// Where one kind's collections live: a path prefix under Graph's `v1.0` (empty for ARM, whose
/// collections hang below a scope), and the collection names.
struct Paths {
    prefix: &'static str,
    eligible: &'static str,
    active: &'static str,
    requests: &'static str,
    /// Graph: what to `$expand` on instances.
    expand: &'static str,
}

fn paths(kind: Kind) -> &'static Paths {
    const DIRECTORY_ROLES: Paths = Paths {
        prefix: "/roleManagement/directory",
        eligible: "roleEligibilityScheduleInstances",
        active: "roleAssignmentScheduleInstances",
        requests: "roleAssignmentScheduleRequests",
        expand: "roleDefinition",
    };
    const GROUPS: Paths = Paths {
        prefix: "/identityGovernance/privilegedAccess/group",
        eligible: "eligibilityScheduleInstances",
        active: "assignmentScheduleInstances",
        requests: "assignmentScheduleRequests",
        expand: "group",
    };
    const AZURE_RESOURCES: Paths = Paths {
        prefix: ARM_PROVIDER,
        eligible: "roleEligibilityScheduleInstances",
        active: "roleAssignmentScheduleInstances",
        requests: "roleAssignmentScheduleRequests",
        expand: "",
    };
    match kind {
        Kind::DirectoryRole => &DIRECTORY_ROLES,
        Kind::Group => &GROUPS,
        Kind::AzureResource => &AZURE_RESOURCES,
    }
}

/// The service roots of this session, without trailing slashes (Graph with its `/v1.0`).
pub struct Urls {
    graph: String,
    arm: String,
}

impl Urls {
    pub fn of(api: &ApiClient) -> Result<Self, Error> {
        let endpoints = api.auth().endpoints()?;
        Ok(Self {
            graph: format!("{}/v1.0", endpoints.graph.as_str().trim_end_matches('/')),
            arm: endpoints.arm.as_str().trim_end_matches('/').to_string(),
        })
    }

    /// My eligible or active instances of `kind` (Graph `filterByCurrentUser`, ARM `asTarget()`).
    pub fn instances(&self, kind: Kind, active: bool) -> String {
        let paths = paths(kind);
        let collection = if active { paths.active } else { paths.eligible };
        match kind {
            Kind::AzureResource => format!(
                "{}{}/{collection}?api-version={ARM_API_VERSION}&$filter=asTarget()",
                self.arm, paths.prefix
            ),
            _ => format!(
                "{}{}/{collection}/filterByCurrentUser(on='principal')?$expand={}",
                self.graph, paths.prefix, paths.expand
            ),
        }
    }

    /// The collection of requests of a Graph kind (or of ARM at `scope`, `""` for all scopes).
    fn requests(&self, kind: Kind, scope: &str) -> String {
        let paths = paths(kind);
        match kind {
            Kind::AzureResource => format!("{}{scope}{}/{}", self.arm, paths.prefix, paths.requests),
            _ => format!("{}{}/{}", self.graph, paths.prefix, paths.requests),
        }
    }

    /// Where a new Graph request of `kind` is posted.
    pub fn new_graph_request(&self, kind: Kind) -> String {
        self.requests(kind, "")
    }

    /// An ARM request named `name` at `scope`: where it is put, and where it is validated.
    pub fn new_arm_request(&self, scope: &str, name: &str) -> (String, String) {
        let collection = self.requests(Kind::AzureResource, scope);
        (
            format!("{collection}/{name}?api-version={ARM_API_VERSION}"),
            format!("{collection}/{name}/validate?api-version={ARM_API_VERSION}"),
        )
    }

    /// My requests of `kind` (Graph `filterByCurrentUser`, ARM `asRequestor()`).
    pub fn my_requests(&self, kind: Kind) -> String {
        let collection = self.requests(kind, "");
        match kind {
            Kind::AzureResource => format!("{collection}?api-version={ARM_API_VERSION}&$filter=asRequestor()"),
            _ => format!("{collection}/filterByCurrentUser(on='principal')"),
        }
    }

    /// One request by its id (Graph: the request id; ARM: its resource id, which starts with `/`;
    /// `None` for anything else).
    pub fn request(&self, kind: Kind, request_id: &str) -> Option<String> {
        match kind {
            Kind::AzureResource if !request_id.starts_with('/') => None,
            Kind::AzureResource => Some(format!("{}{request_id}?api-version={ARM_API_VERSION}", self.arm)),
            _ => {
                let id = utf8_percent_encode(request_id, NON_ALPHANUMERIC);
                Some(format!("{}/{id}", self.requests(kind, "")))
            }
        }
    }

    /// Cancelling a request (the id as the activation returned it).
    pub fn cancel(&self, kind: Kind, request_id: &str) -> String {
        match kind {
            Kind::AzureResource => format!("{}{request_id}/cancel?api-version={ARM_API_VERSION}", self.arm),
            _ => format!("{}/{request_id}/cancel", self.requests(kind, "")),
        }
    }

    /// The ARM policy assignments of `role_definition_id` at `scope`.
    pub fn arm_policy(&self, scope: &str, role_definition_id: &str) -> String {
        format!(
            "{}{scope}{ARM_PROVIDER}/roleManagementPolicyAssignments?api-version={ARM_API_VERSION}&$filter=roleDefinitionId eq '{role_definition_id}'",
            self.arm
        )
    }

    /// Graph's `$batch`.
    pub fn graph_batch(&self) -> String {
        format!("{}/$batch", self.graph)
    }

    /// A Graph URL relative to `v1.0` (e.g. a [`graph_policy_query`]), made absolute.
    pub fn graph(&self, relative: &str) -> String {
        format!("{}{relative}", self.graph)
    }
}

/// The Graph policy-assignment query (relative to `v1.0`) for a role or a group's member/owner access.
pub fn graph_policy_query(role: &PolicySubject) -> Option<String> {
    let filter = match role.kind {
        Kind::DirectoryRole => format!(
            "scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{}'",
            role.role_definition_id
        ),
        Kind::Group => format!(
            "scopeId eq '{}' and scopeType eq 'Group' and roleDefinitionId eq '{}'",
            role.group_id?, role.access_id?
        ),
        Kind::AzureResource => return None,
    };
    Some(format!(
        "/policies/roleManagementPolicyAssignments?$filter={filter}&$expand=policy($expand=rules)"
    ))
}
