//! Who may call a Graph route: the bearer token (signature, audience, lifetime, tenant, user),
//! its scopes, and the surfaces the scenario denies the user.

use super::routes::{Route, required_scopes};
use crate::identity::{AccessClaims, GRAPH_AUDIENCE, decode};
use crate::scenario::{DeniedSurface, User};
use crate::state::{EmuState, Kind};
use crate::wire::{Req, Resp, graph_error};

/// The signed-in caller of a request.
pub struct Ctx<'a> {
    pub claims: &'a AccessClaims,
    pub user: &'a User,
}

/// Validates the bearer token for Graph.
pub fn authenticate(st: &EmuState, req: &Req) -> Result<(AccessClaims, User), Resp> {
    let fail = |msg: &str| {
        let mut r = graph_error(401, "InvalidAuthenticationToken", msg);
        r.header(
            "www-authenticate",
            &format!(
                "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                st.base_url
            ),
        );
        r
    };
    let Some(tok) = req.bearer() else {
        return Err(fail("Access token is empty."));
    };
    let claims =
        decode(tok).map_err(|_| fail("Access token validation failure. Invalid signature or malformed token."))?;
    if claims.aud != GRAPH_AUDIENCE && claims.aud != "00000003-0000-0000-c000-000000000000" {
        return Err(fail("Access token validation failure. Invalid audience."));
    }
    let now = st.now().timestamp();
    if claims.exp <= now {
        return Err(fail("Lifetime validation failed, the token is expired."));
    }
    if !claims.tid.eq_ignore_ascii_case(&st.scenario.tenant.id) {
        return Err(fail("Access token validation failure. Invalid tenant."));
    }
    let Some(user) = st.scenario.find_user(&claims.oid).cloned() else {
        return Err(fail(
            "The user or application in the token does not exist in the tenant.",
        ));
    };
    Ok((claims, user))
}

pub fn denied(user: &User, s: DeniedSurface) -> bool {
    user.denied_surfaces.contains(&s)
}

/// 403 for PIM for Groups without the license.
pub fn groups_license_required() -> Resp {
    graph_error(
        403,
        "AadPremiumLicenseRequired",
        "The tenant needs to have a Microsoft Entra ID P2 or Microsoft Entra ID Governance license to use PIM for Groups.",
    )
}

/// 403 for a surface the user may not use.
pub fn request_denied() -> Resp {
    graph_error(
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

/// The token carries one of the route's scopes and the user may use its surface.
pub fn authorize(route: Route, claims: &AccessClaims, user: &User) -> Result<(), Resp> {
    let scopes = required_scopes(route);
    if !scopes.is_empty() && !scopes.iter().any(|s| claims.has_scope(s)) {
        return Err(graph_error(
            403,
            "Authorization_RequestDenied",
            &format!(
                "Insufficient privileges to complete the operation. The token needs one of the scopes: {}.",
                scopes.join(", ")
            ),
        ));
    }
    match route {
        Route::Pim(Kind::Group, _) if denied(user, DeniedSurface::Groups) => Err(groups_license_required()),
        Route::Pim(Kind::Directory, _) if denied(user, DeniedSurface::DirectoryRoles) => Err(request_denied()),
        Route::PolicyAssignments | Route::PolicyGet { .. } if denied(user, DeniedSurface::GraphPolicies) => {
            Err(request_denied())
        }
        _ => Ok(()),
    }
}
