//! Graph handlers, one file per area: `directory.rs` (me, role definitions, groups), `roles.rs`
//! (directory-role PIM collections), `groups.rs` (PIM for Groups collections), `requests.rs`
//! (schedule requests of both), `policies.rs` (role management policies). `mod.rs` dispatches a
//! resolved route to its handler.

mod directory;
mod groups;
mod policies;
mod requests;
mod roles;

use crate::state::{EmuState, Kind};
use crate::surfaces::graph::auth::Ctx;
use crate::surfaces::graph::routes::{PimRoute, Route};
use crate::wire::{Req, Resp};

/// Runs the handler of an authorized route (`id` = the id segment, empty when none).
pub fn dispatch(st: &mut EmuState, req: &Req, ctx: &Ctx, route: Route, id: &str) -> Resp {
    let res = match route {
        Route::Me => directory::me(st, req, ctx),
        Route::Pim(kind, p) => pim(st, req, ctx, kind, p, id),
        Route::RoleDefinitions => directory::role_definitions(st, req),
        Route::RoleDefinitionGet => directory::role_definition(st, req, id),
        Route::PolicyAssignments => policies::assignments(st, req, ctx.user),
        Route::PolicyGet { rules_only } => policies::get(st, req, ctx.user, id, rules_only),
        Route::Groups => directory::groups(st, req),
        Route::GroupGet => directory::group(st, req, id),
        Route::Batch => Ok(Resp::empty(500)),
    };
    res.unwrap_or_else(|e| e)
}

fn pim(st: &mut EmuState, req: &Req, ctx: &Ctx, kind: Kind, p: PimRoute, id: &str) -> Result<Resp, Resp> {
    match (kind, p) {
        (Kind::Group, PimRoute::EligInstances { mine }) => groups::elig_instances(st, req, ctx, mine, false),
        (Kind::Group, PimRoute::EligSchedules) => groups::elig_instances(st, req, ctx, true, true),
        (Kind::Group, PimRoute::AssignInstances { mine }) => groups::assign_instances(st, req, ctx, mine),
        (_, PimRoute::EligInstances { mine }) => roles::elig_instances(st, req, ctx, mine),
        (_, PimRoute::EligSchedules) => roles::elig_schedules(st, req, ctx),
        (_, PimRoute::AssignInstances { mine }) => roles::assign_instances(st, req, ctx, mine),
        (_, PimRoute::RequestCreate) => requests::create(st, req, ctx, kind),
        (_, PimRoute::RequestsMine) => requests::list(st, req, ctx, kind),
        (_, PimRoute::RequestGet) => requests::get(st, req, ctx, kind, id),
        (_, PimRoute::RequestCancel) => requests::cancel(st, ctx, kind, id),
    }
}
