//! The Azure Resource Manager surface (`{base}/arm/...`, `Microsoft.Authorization`,
//! 2020-10-01): `mod.rs` is the entry, `routes.rs` the route table and api-version check,
//! `auth.rs` the token and access checks, `instances.rs`, `requests.rs` and `policies.rs` the
//! endpoints, `query.rs` filters and paging, `shapes.rs` the resource JSON.

mod auth;
mod instances;
mod policies;
mod query;
mod requests;
mod routes;
mod shapes;

use self::auth::{Ctx, authenticate, authorize};
use self::routes::{Route, check_api_version, resolve};
use crate::state::EmuState;
use crate::wire::{Req, Resp, arm_error};

/// Serves one ARM request (`path` = the part after `/arm`).
pub fn handle(st: &mut EmuState, req: &Req, path: &str) -> Resp {
    let path = if path.is_empty() { "/" } else { path };
    let r = match resolve(path) {
        Ok(r) => r,
        Err(e) => return e,
    };
    if !r.methods.contains(&req.method.as_str()) {
        let e = arm_error(
            405,
            "MethodNotAllowed",
            &format!("The requested resource does not support http method '{}'.", req.method),
        );
        return e.with_allow(r.methods);
    }
    let (claims, user) = match authenticate(st, req) {
        Ok(x) => x,
        Err(e) => return e,
    };
    if let Err(e) = check_api_version(req, r.route) {
        return e;
    }
    let ctx = Ctx {
        claims: &claims,
        user: &user,
        scope: &r.scope,
    };
    if let Err(e) = authorize(st, req, r.route, &ctx) {
        return e;
    }
    dispatch(st, req, &ctx, r.route, &r.name).unwrap_or_else(|e| e)
}

fn dispatch(st: &mut EmuState, req: &Req, ctx: &Ctx, route: Route, name: &str) -> Result<Resp, Resp> {
    match route {
        Route::EligInstances => instances::list(st, req, ctx, false),
        Route::AssignInstances => instances::list(st, req, ctx, true),
        Route::Requests => requests::list(st, req, ctx),
        Route::Request if req.method == "PUT" => requests::put(st, req, ctx, name, false),
        Route::Request => requests::get(st, ctx, name),
        Route::RequestValidate => requests::put(st, req, ctx, name, true),
        Route::RequestCancel => requests::cancel(st, ctx, name),
        Route::PolicyAssignments => policies::assignments(st, req, ctx),
        Route::Policies => policies::list(st, req, ctx),
        Route::Policy => policies::get(st, ctx, name),
        Route::RoleDefinition => policies::role_definition(st, ctx, name),
        Route::Subscriptions => policies::subscriptions(st, req),
    }
}
