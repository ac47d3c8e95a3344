//! Directory-role PIM collections: eligibility instances and schedules, assignment instances.

use serde_json::{Value, json};

use crate::state::{EmuState, Kind, Target};
use crate::surfaces::graph::auth::Ctx;
use crate::surfaces::graph::query::{collection, expands, require_own_principal_filter};
use crate::surfaces::graph::shapes::{
    dir_assign_json, dir_elig_json, expand_activated_using, expand_common, fixed_schedule_info,
};
use crate::util::fmt_time;
use crate::wire::{Req, Resp};

pub fn elig_instances(st: &EmuState, req: &Req, ctx: &Ctx, mine: bool) -> Result<Resp, Resp> {
    if !mine {
        require_own_principal_filter(req, &ctx.user.id)?;
    }
    let ex = expands(req, &["roleDefinition", "principal", "directoryScope", "appScope"])?;
    let items: Vec<Value> = st
        .user_eligibilities(&ctx.user.id, Kind::Directory)
        .iter()
        .map(|(e, g)| {
            let mut v = dir_elig_json(e, &ctx.user.id, g.is_some());
            expand_common(st, &mut v, &ex, &ctx.user.id);
            v
        })
        .collect();
    collection(
        st,
        req,
        items,
        "Collection(unifiedRoleEligibilityScheduleInstance)",
        &[],
    )
}

pub fn elig_schedules(st: &EmuState, req: &Req, ctx: &Ctx) -> Result<Resp, Resp> {
    let ex = expands(req, &["roleDefinition", "principal", "directoryScope", "appScope"])?;
    let items: Vec<Value> = st
        .user_eligibilities(&ctx.user.id, Kind::Directory)
        .iter()
        .filter_map(|(e, g)| {
            let Target::Directory { role_id, scope_id } = &e.target else {
                return None;
            };
            let mut v = json!({
                "@odata.type": "#microsoft.graph.unifiedRoleEligibilitySchedule",
                "id": e.schedule_id, "principalId": ctx.user.id, "roleDefinitionId": role_id,
                "directoryScopeId": scope_id, "appScopeId": null, "createdUsing": e.schedule_id,
                "createdDateTime": fmt_time(e.start), "modifiedDateTime": null, "status": "Provisioned",
                "memberType": if g.is_some() { "Group" } else { "Direct" },
                "scheduleInfo": fixed_schedule_info(json!(fmt_time(e.start)), e.end),
            });
            expand_common(st, &mut v, &ex, &ctx.user.id);
            Some(v)
        })
        .collect();
    collection(st, req, items, "Collection(unifiedRoleEligibilitySchedule)", &[])
}

pub fn assign_instances(st: &EmuState, req: &Req, ctx: &Ctx, mine: bool) -> Result<Resp, Resp> {
    if !mine {
        require_own_principal_filter(req, &ctx.user.id)?;
    }
    let ex = expands(
        req,
        &[
            "roleDefinition",
            "principal",
            "directoryScope",
            "appScope",
            "activatedUsing",
        ],
    )?;
    let items: Vec<Value> = st
        .user_assignments(&ctx.user.id, Kind::Directory)
        .iter()
        .map(|(a, g)| {
            let mut v = dir_assign_json(a, &ctx.user.id, g.is_some());
            expand_common(st, &mut v, &ex, &ctx.user.id);
            expand_activated_using(st, &mut v, &ex, a.linked_eligibility.as_deref(), &ctx.user.id);
            v
        })
        .collect();
    collection(st, req, items, "Collection(unifiedRoleAssignmentScheduleInstance)", &[])
}
