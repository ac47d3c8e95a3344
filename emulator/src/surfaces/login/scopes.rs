//! Requested scopes: one resource per request (Graph or ARM), OIDC scopes set aside.

use crate::identity::Resource;
use crate::wire::{Resp, entra_error};

const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

/// Splits requested scopes into the single resource and the scope names for it.
pub fn resolve_scopes(scopes: &[String]) -> Result<(Resource, Vec<String>), Resp> {
    let mut resource: Option<Resource> = None;
    let mut names = Vec::new();
    for s in scopes {
        if OIDC_SCOPES.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            continue;
        }
        let lower = s.to_ascii_lowercase();
        let (res, name) = if let Some(n) = lower
            .strip_prefix("https://graph.microsoft.com/")
            .map(|_| &s["https://graph.microsoft.com/".len()..])
        {
            (Resource::Graph, n.to_string())
        } else if lower.starts_with("https://management.core.windows.net/") {
            (
                Resource::Arm,
                s["https://management.core.windows.net/".len()..]
                    .trim_start_matches('/')
                    .to_string(),
            )
        } else if lower.starts_with("https://management.azure.com/") {
            (
                Resource::Arm,
                s["https://management.azure.com/".len()..]
                    .trim_start_matches('/')
                    .to_string(),
            )
        } else if !s.contains("://") && !s.contains('/') {
            (Resource::Graph, s.clone())
        } else {
            return Err(entra_error(
                400,
                "invalid_resource",
                500011,
                &format!(
                    "The resource principal named {s} was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant."
                ),
            ));
        };
        if name.is_empty() {
            return Err(entra_error(
                400,
                "invalid_scope",
                70011,
                &format!(
                    "The provided value for the input parameter 'scope' is not valid. The scope {s} is not valid."
                ),
            ));
        }
        if let Some(r) = resource
            && r != res
        {
            return Err(entra_error(
                400,
                "invalid_scope",
                28000,
                &format!(
                    "Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {} is not valid.",
                    scopes.join(" ")
                ),
            ));
        }
        resource = Some(res);
        names.push(name);
    }
    match resource {
        Some(r) => Ok((r, names)),
        None => Ok((Resource::Graph, vec!["User.Read".into()])),
    }
}

pub fn split_scopes(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}
