//! Directory objects: the signed-in user, directory role definitions, groups.

use serde_json::{Value, json};

use crate::state::EmuState;
use crate::surfaces::graph::auth::Ctx;
use crate::surfaces::graph::query::{collection, single};
use crate::surfaces::graph::shapes::{group_json, role_def_json, user_json};
use crate::wire::{Req, Resp, graph_error};

/// 404 for an object id that is not in the directory.
fn not_found(id: &str) -> Resp {
    graph_error(
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

pub fn me(st: &EmuState, req: &Req, ctx: &Ctx) -> Result<Resp, Resp> {
    let mut v = user_json(ctx.user);
    v["@odata.context"] = json!(format!("{}/graph/v1.0/$metadata#users/$entity", st.base_url));
    single(req, v)
}

pub fn role_definitions(st: &EmuState, req: &Req) -> Result<Resp, Resp> {
    let items: Vec<Value> = st
        .scenario
        .role_definitions
        .iter()
        .map(|d| role_def_json(st, &d.id))
        .collect();
    collection(st, req, items, "roleManagement/directory/roleDefinitions", &[])
}

pub fn role_definition(st: &EmuState, req: &Req, id: &str) -> Result<Resp, Resp> {
    if st
        .scenario
        .role_definitions
        .iter()
        .any(|d| d.id.eq_ignore_ascii_case(id))
    {
        single(req, role_def_json(st, id))
    } else {
        Err(not_found(id))
    }
}

pub fn groups(st: &EmuState, req: &Req) -> Result<Resp, Resp> {
    let items: Vec<Value> = st.scenario.groups.iter().map(|g| group_json(st, &g.id)).collect();
    collection(st, req, items, "groups", &[])
}

pub fn group(st: &EmuState, req: &Req, id: &str) -> Result<Resp, Resp> {
    match st.scenario.find_group(id) {
        Some(g) => single(req, group_json(st, &g.id)),
        None => Err(not_found(id)),
    }
}
