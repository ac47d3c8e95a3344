//! The Microsoft Graph v1.0 surface (`{base}/graph/v1.0/...`): `mod.rs` is the entry,
//! `routes.rs` the route table and scopes, `auth.rs` the token and access checks, `handlers/`
//! the endpoints, `batch.rs` `$batch`, `query.rs` OData and body helpers, `shapes.rs` the
//! entity JSON.

mod auth;
mod batch;
mod handlers;
mod query;
mod routes;
mod shapes;

use self::auth::{Ctx, authenticate, authorize};
use self::routes::{Route, resolve};
use crate::state::EmuState;
use crate::wire::{Req, Resp, graph_error};

/// Serves one Graph request (`path` = the part after `/graph`).
pub fn handle(st: &mut EmuState, req: &Req, path: &str) -> Resp {
    let segs: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let Some((version, rest)) = segs.split_first() else {
        return graph_error(404, "ResourceNotFound", "Resource not found: use /graph/v1.0/...");
    };
    if *version != "v1.0" {
        return graph_error(
            404,
            "ResourceNotFound",
            &format!("The emulator serves Graph v1.0 only (got version segment '{version}')."),
        );
    }
    let (route, methods, id) = match resolve(rest) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !methods.contains(&req.method.as_str()) {
        let r = graph_error(
            405,
            "Request_BadRequest",
            &format!("The HTTP method '{}' is not allowed for this resource.", req.method),
        );
        return r.with_allow(methods);
    }
    if route == Route::Batch {
        return batch::batch(st, req, handle);
    }
    let (claims, user) = match authenticate(st, req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = authorize(route, &claims, &user) {
        return r;
    }
    let ctx = Ctx {
        claims: &claims,
        user: &user,
    };
    handlers::dispatch(st, req, &ctx, route, &id.unwrap_or_default())
}
