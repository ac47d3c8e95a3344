//! Who may call an ARM route: the bearer token (signature, audience, lifetime, tenant, user),
//! `user_impersonation`, the surfaces the scenario denies the user, and whether the scope exists.

use super::routes::Route;
use crate::identity::{AccessClaims, decode};
use crate::scenario::{DeniedSurface, User};
use crate::state::EmuState;
use crate::wire::{Req, Resp, arm_error};

/// The signed-in caller of a request and the scope it addresses.
pub struct Ctx<'a> {
    pub claims: &'a AccessClaims,
    pub user: &'a User,
    pub scope: &'a str,
}

/// Validates the bearer token for ARM.
pub fn authenticate(st: &EmuState, req: &Req) -> Result<(AccessClaims, User), Resp> {
    let fail = |code: &str, msg: &str| {
        let mut r = arm_error(401, code, msg);
        r.header(
            "www-authenticate",
            &format!(
                "Bearer authorization_uri=\"{}/{}\", error=\"invalid_token\", error_description=\"{}\"",
                st.base_url, st.scenario.tenant.id, msg
            ),
        );
        r
    };
    let Some(tok) = req.bearer() else {
        return Err(fail(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        ));
    };
    let claims = decode(tok).map_err(|_| fail("InvalidAuthenticationToken", "The access token is invalid."))?;
    let aud_ok = [
        "https://management.core.windows.net/",
        "https://management.core.windows.net",
        "https://management.azure.com/",
        "https://management.azure.com",
    ]
    .contains(&claims.aud.as_str());
    if !aud_ok {
        return Err(fail(
            "InvalidAuthenticationTokenAudience",
            &format!(
                "The access token has been obtained for wrong audience or resource '{}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.",
                claims.aud
            ),
        ));
    }
    let now = st.now();
    if claims.exp <= now.timestamp() {
        let exp = chrono::DateTime::from_timestamp(claims.exp, 0).unwrap_or_default();
        return Err(fail(
            "ExpiredAuthenticationToken",
            &format!(
                "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                exp.format("%-m/%-d/%Y %-I:%M:%S %p"),
                now.format("%-m/%-d/%Y %-I:%M:%S %p")
            ),
        ));
    }
    if !claims.tid.eq_ignore_ascii_case(&st.scenario.tenant.id) {
        return Err(fail(
            "InvalidAuthenticationTokenTenant",
            "The access token is from the wrong issuer.",
        ));
    }
    let Some(user) = st.scenario.find_user(&claims.oid).cloned() else {
        return Err(fail(
            "InvalidAuthenticationToken",
            "The user in the access token does not exist in the tenant.",
        ));
    };
    Ok((claims, user))
}

pub fn forbidden(user: &User, action: &str, scope: &str) -> Resp {
    arm_error(
        403,
        "AuthorizationFailed",
        &format!(
            "The client '{}' with object id '{}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
            user.user_principal_name, user.id
        ),
    )
}

/// The token may act for the user, the user may use the route's surface, the scope exists.
pub fn authorize(st: &EmuState, req: &Req, route: Route, ctx: &Ctx) -> Result<(), Resp> {
    let (user, scope) = (ctx.user, ctx.scope);
    if !ctx.claims.has_scope("user_impersonation") {
        return Err(forbidden(user, "Microsoft.Authorization/*/read", scope));
    }
    if user.denied_surfaces.contains(&DeniedSurface::Arm) {
        let action = match route {
            Route::EligInstances => "Microsoft.Authorization/roleEligibilityScheduleInstances/read",
            Route::AssignInstances => "Microsoft.Authorization/roleAssignmentScheduleInstances/read",
            Route::Request if req.method == "PUT" => "Microsoft.Authorization/roleAssignmentScheduleRequests/write",
            _ => "Microsoft.Authorization/*/read",
        };
        return Err(forbidden(user, action, scope));
    }
    if matches!(route, Route::PolicyAssignments | Route::Policies | Route::Policy)
        && user.denied_surfaces.contains(&DeniedSurface::ArmPolicies)
    {
        return Err(forbidden(
            user,
            "Microsoft.Authorization/roleManagementPolicies/read",
            scope,
        ));
    }
    if route != Route::Subscriptions
        && let Err((code, msg)) = st.arm_scope_known(scope)
    {
        return Err(arm_error(404, code, &msg));
    }
    Ok(())
}
