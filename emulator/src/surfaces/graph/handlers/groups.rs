//! PIM for Groups collections: eligibility instances and schedules, assignment instances.

use serde_json::{Value, json};

use crate::state::{EmuState, Kind};
use crate::surfaces::graph::auth::Ctx;
use crate::surfaces::graph::query::{collection, expands, require_group_or_principal_filter};
use crate::surfaces::graph::shapes::{
    expand_activated_using, expand_common, fixed_schedule_info, group_assign_json, group_elig_json,
};
use crate::util::fmt_time;
use crate::wire::{Req, Resp};

pub fn elig_instances(st: &EmuState, req: &Req, ctx: &Ctx, mine: bool, schedules: bool) -> Result<Resp, Resp> {
    if !mine {
        require_group_or_principal_filter(req)?;
    }
    let ex = expands(req, &["group", "principal"])?;
    let items: Vec<Value> = st
        .user_eligibilities(&ctx.user.id, Kind::Group)
        .iter()
        .map(|(e, g)| {
            let mut v = group_elig_json(e, &ctx.user.id, g.is_some());
            if schedules {
                v["@odata.type"] = json!("#microsoft.graph.privilegedAccessGroupEligibilitySchedule");
                v["id"] = json!(e.schedule_id);
                v["status"] = json!("Provisioned");
                v["createdUsing"] = json!(e.schedule_id);
                v["createdDateTime"] = json!(fmt_time(e.start));
                v["scheduleInfo"] = fixed_schedule_info(json!(fmt_time(e.start)), e.end);
            }
            expand_common(st, &mut v, &ex, &ctx.user.id);
            v
        })
        .collect();
    let ctxname = if schedules {
        "Collection(privilegedAccessGroupEligibilitySchedule)"
    } else {
        "Collection(privilegedAccessGroupEligibilityScheduleInstance)"
    };
    collection(st, req, items, ctxname, &[])
}

pub fn assign_instances(st: &EmuState, req: &Req, ctx: &Ctx, mine: bool) -> Result<Resp, Resp> {
    if !mine {
        require_group_or_principal_filter(req)?;
    }
    let ex = expands(req, &["group", "principal", "activatedUsing"])?;
    let items: Vec<Value> = st
        .user_assignments(&ctx.user.id, Kind::Group)
        .iter()
        .map(|(a, g)| {
            let mut v = group_assign_json(a, &ctx.user.id, g.is_some());
            expand_common(st, &mut v, &ex, &ctx.user.id);
            expand_activated_using(st, &mut v, &ex, a.linked_eligibility.as_deref(), &ctx.user.id);
            v
        })
        .collect();
    collection(
        st,
        req,
        items,
        "Collection(privilegedAccessGroupAssignmentScheduleInstance)",
        &[],
    )
}
