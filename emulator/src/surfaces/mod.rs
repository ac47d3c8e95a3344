//! The emulated hosts, one folder or file each: `login/` (Entra token endpoints), `graph/`
//! (Microsoft Graph PIM), `arm/` (ARM PIM), `control.rs` (the `_emulator` control plane); with
//! the OData helpers (`odata.rs`) and policy-rule rendering (`policy_rules.rs`) Graph and ARM
//! share. `mod.rs` hands a request to its surface.

pub mod arm;
pub mod control;
pub mod graph;
pub mod login;
pub mod odata;
pub mod policy_rules;

use hyper::Method;
use serde_json::json;

use crate::state::EmuState;
use crate::wire::{Req, Resp, Surface};

/// Serves a request of the Graph, ARM, login or other surface (not the control plane).
pub fn route(st: &mut EmuState, req: &mut Req, surface: Surface) -> Resp {
    let path = req.path.clone();
    match surface {
        Surface::Graph => graph::handle(st, req, path.trim_start_matches("/graph")),
        Surface::Arm => arm::handle(st, req, path.trim_start_matches("/arm")),
        Surface::Login => {
            let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            match segs.split_first() {
                Some((tenant, rest)) if !tenant.is_empty() => login::handle_login(st, tenant, rest, req),
                _ => not_found_other(&path),
            }
        }
        _ => {
            if path == "/" && req.method == Method::GET {
                Resp::json(
                    200,
                    json!({
                        "name": "pimrust-emulator",
                        "authority": format!("{}/{}", st.base_url, st.scenario.tenant.id),
                        "graph": format!("{}/graph", st.base_url),
                        "arm": format!("{}/arm", st.base_url),
                        "control": format!("{}/_emulator", st.base_url),
                    }),
                )
            } else {
                not_found_other(&path)
            }
        }
    }
}

fn not_found_other(path: &str) -> Resp {
    Resp::json(
        404,
        json!({"error": {"code": "NotFound", "message": format!("No emulated endpoint at '{path}'. Known prefixes: /{{tenant}}/oauth2/v2.0, /graph, /arm, /_emulator.")}}),
    )
}
