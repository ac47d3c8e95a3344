//! The ARM route table: a path (`{scope}/providers/Microsoft.Authorization/{type}/...` or
//! `/subscriptions`) to a route, its scope, resource name and methods; the api-version check.

use crate::state::normalize_scope;
use crate::wire::{Req, Resp, arm_error};

pub const API_VERSIONS: &[&str] = &["2020-10-01", "2020-10-01-preview"];
const AUTHZ: &str = "/providers/Microsoft.Authorization/";

/// An endpoint of the ARM surface.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Route {
    EligInstances,
    AssignInstances,
    Requests,
    Request,
    RequestCancel,
    RequestValidate,
    PolicyAssignments,
    Policies,
    Policy,
    RoleDefinition,
    Subscriptions,
}

/// A resolved path.
pub struct Resolved {
    pub route: Route,
    /// The ARM scope before `/providers/Microsoft.Authorization` (`/` for the tenant root).
    pub scope: String,
    /// The resource name segment (empty when none).
    pub name: String,
    pub methods: &'static [&'static str],
}

/// The `Microsoft.Authorization` resource types served below a scope.
fn authz_route(rest: &[&str]) -> Result<(Route, &'static [&'static str]), Resp> {
    let rt = rest.first().map(|s| s.to_ascii_lowercase()).unwrap_or_default();
    let r: (Route, &'static [&'static str]) = match (
        rt.as_str(),
        rest.len(),
        rest.get(2).map(|s| s.to_ascii_lowercase()),
    ) {
        ("roleeligibilityscheduleinstances", 1, _) => (Route::EligInstances, &["GET"]),
        ("roleassignmentscheduleinstances", 1, _) => (Route::AssignInstances, &["GET"]),
        ("roleassignmentschedulerequests", 1, _) => (Route::Requests, &["GET"]),
        ("roleassignmentschedulerequests", 2, _) => (Route::Request, &["GET", "PUT"]),
        ("roleassignmentschedulerequests", 3, Some(a)) if a == "cancel" => (Route::RequestCancel, &["POST"]),
        ("roleassignmentschedulerequests", 3, Some(a)) if a == "validate" => (Route::RequestValidate, &["POST"]),
        ("rolemanagementpolicyassignments", 1, _) => (Route::PolicyAssignments, &["GET"]),
        ("rolemanagementpolicies", 1, _) => (Route::Policies, &["GET"]),
        ("rolemanagementpolicies", 2, _) => (Route::Policy, &["GET"]),
        ("roledefinitions", 2, _) => (Route::RoleDefinition, &["GET"]),
        _ => {
            return Err(arm_error(
                404,
                "InvalidResourceType",
                &format!(
                    "The resource type '{}' could not be found in the namespace 'Microsoft.Authorization' for api version '2020-10-01'.",
                    rest.first().unwrap_or(&"")
                ),
            ));
        }
    };
    Ok(r)
}

/// Route table: the route of a path below `/arm`, or a 404.
pub fn resolve(path: &str) -> Result<Resolved, Resp> {
    let lower = path.to_ascii_lowercase();
    if let Some(pos) = lower.rfind(&AUTHZ.to_ascii_lowercase()) {
        let rest: Vec<&str> = path[pos + AUTHZ.len()..].split('/').filter(|s| !s.is_empty()).collect();
        let (route, methods) = authz_route(&rest)?;
        Ok(Resolved {
            route,
            scope: normalize_scope(&path[..pos]),
            name: rest.get(1).map(|s| s.to_string()).unwrap_or_default(),
            methods,
        })
    } else if lower.trim_end_matches('/') == "/subscriptions" {
        Ok(Resolved {
            route: Route::Subscriptions,
            scope: "/".into(),
            name: String::new(),
            methods: &["GET"],
        })
    } else {
        Err(arm_error(
            404,
            "NoRegisteredProviderFound",
            &format!(
                "No registered resource provider found for path '{path}'. The emulator serves Microsoft.Authorization PIM resources only."
            ),
        ))
    }
}

/// `api-version` is required; Microsoft.Authorization routes accept only the supported ones.
pub fn check_api_version(req: &Req, route: Route) -> Result<(), Resp> {
    match req.q("api-version") {
        None => Err(arm_error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )),
        Some(_) if route == Route::Subscriptions => Ok(()),
        Some(v) if !API_VERSIONS.contains(&v) => Err(arm_error(
            400,
            "InvalidApiVersionParameter",
            &format!(
                "The api-version '{v}' is invalid. The supported versions are '{}'.",
                API_VERSIONS.join(",")
            ),
        )),
        _ => Ok(()),
    }
}
