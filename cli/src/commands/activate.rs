//! `activate` and `deactivate`: roles resolved against one listing, then one `pim.activate` batch of
//! the core, which checks each role against its policy first, steps up once per authentication
//! context, never submits a role twice and reports every role. `--wait` then follows the pending ones.

use super::list::{choose, listing};
use super::{Context, pick, wait};
use crate::args::{Activate, Deactivate};
use crate::exit::Exit;
use crate::output::{print_json, print_requests, requests_json};
use crate::requests::{Request, exit_of};
use crate::session::CallError;
use pimrust_core::pim::model::{ActivationTarget, EligibleRole};
use serde_json::{Value, json};
use std::collections::HashMap;

/// What the user asked for besides the roles.
struct Options {
    justification: Option<String>,
    ticket: Option<String>,
    ticket_system: Option<String>,
    duration: Option<String>,
    start_at: Option<chrono::DateTime<chrono::Utc>>,
    validate: bool,
    deactivate: bool,
    /// The roles were listed without their policies: the core reads the chosen roles' ones.
    read_policies: bool,
}

pub fn activate(context: &mut Context, args: Activate) -> Result<Exit, CallError> {
    if args.pick {
        pick::check_terminal()?;
    }
    wait::check_interval(args.interval)?;
    // Named roles are resolved without policies; the core then reads only the chosen roles' ones.
    // The picker shows each role's requirements, so it needs them all.
    let listed = listing(context, false, &args.filter, args.pick)?;
    context.session.feedback.done();
    let mut options = Options {
        justification: args.justification,
        ticket: args.ticket,
        ticket_system: args.ticket_system,
        duration: args.duration,
        start_at: args.start_at,
        validate: args.validate,
        deactivate: false,
        read_policies: !args.pick,
    };
    let (roles, errors) = if args.pick {
        let roles = pick::pick(&listed.roles, &args.filter.scope)?;
        pick::ask_for_requirements(&roles, &mut options.justification, &mut options.ticket)?;
        (roles, Vec::new())
    } else {
        choose(&listed.roles, &args.names, &args.filter.scope, "eligible")
    };
    let (mut requests, mut interrupted) = submit(context, &roles, &options)?;
    if args.wait && !options.validate && !interrupted {
        interrupted = wait::follow(context, &mut requests, args.timeout, args.interval)?;
    }
    Ok(finish(context, &requests, &errors, interrupted))
}

pub fn deactivate(context: &mut Context, args: Deactivate) -> Result<Exit, CallError> {
    let listed = listing(context, true, &args.filter, false)?;
    let (roles, errors) = choose(&listed.roles, &args.names, &args.filter.scope, "active");
    let options = Options {
        justification: None,
        ticket: None,
        ticket_system: None,
        duration: None,
        start_at: None,
        validate: false,
        deactivate: true,
        read_policies: false,
    };
    let (requests, interrupted) = submit(context, &roles, &options)?;
    Ok(finish(context, &requests, &errors, interrupted))
}

/// One `pim.activate` batch; on Ctrl+C, the roles PIM had answered for keep their answer and the
/// others are reported as stopped (true in the second field).
fn submit(
    context: &mut Context,
    roles: &[&EligibleRole],
    options: &Options,
) -> Result<(Vec<Request>, bool), CallError> {
    if roles.is_empty() {
        return Ok((Vec::new(), false));
    }
    let targets: Vec<ActivationTarget> = roles.iter().map(|role| ActivationTarget::from(*role)).collect();
    let mut params = json!({
        "roles": targets,
        "validateOnly": options.validate,
        "deactivate": options.deactivate,
        "interactive": context.session.interactive,
        "readPolicies": options.read_policies,
    });
    let optional = [
        ("justification", options.justification.clone()),
        ("ticketNumber", options.ticket.clone()),
        ("ticketSystem", options.ticket_system.clone()),
        ("duration", options.duration.clone()),
        (
            "startAt",
            options
                .start_at
                .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        ),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            params[name] = json!(value);
        }
    }
    let tenant = context.session.tenant_id.clone();
    let mut answered: HashMap<String, String> = HashMap::new();
    let result = context.session.call("pim.activate", params, &mut |event| {
        if event["event"] == "activation" {
            if let (Some(key), Some(status)) = (event["key"].as_str(), event["status"].as_str()) {
                answered.insert(key.to_ascii_lowercase(), status.to_string());
            }
        }
    });
    context.session.feedback.done();
    match result {
        Ok(data) => {
            let outcomes = data.as_array().cloned().unwrap_or_default();
            let requests = outcomes
                .iter()
                .enumerate()
                .map(|(index, outcome)| {
                    let role = roles
                        .get(index)
                        .copied()
                        .filter(|r| Some(r.key.as_str()) == outcome["key"].as_str());
                    let role = role.or_else(|| {
                        roles
                            .iter()
                            .copied()
                            .find(|r| Some(r.key.as_str()) == outcome["key"].as_str())
                    });
                    Request::from_outcome(outcome, role, options.deactivate, tenant.as_deref())
                })
                .collect();
            Ok((requests, false))
        }
        Err(CallError::Interrupted) => Ok((stopped(roles, &answered, options.deactivate, tenant.as_deref()), true)),
        Err(error) => Err(error),
    }
}

/// Ctrl+C during a batch: each role with the last status PIM gave it, or stopped.
fn stopped(
    roles: &[&EligibleRole],
    answered: &HashMap<String, String>,
    deactivate: bool,
    tenant: Option<&str>,
) -> Vec<Request> {
    roles
        .iter()
        .map(|role| match answered.get(&role.key.to_ascii_lowercase()) {
            Some(status) if status != "Submitting" => {
                let outcome = json!({"key": role.key, "roleName": role.role_name, "kind": role.kind, "scope": role.scope, "status": status});
                Request::from_outcome(&outcome, Some(role), deactivate, tenant)
            }
            answer => Request::stopped(role, answer.is_some(), deactivate, tenant),
        })
        .collect()
}

/// Prints the requests (table or JSON) and says how the run exits.
pub fn finish(context: &Context, requests: &[Request], errors: &[Value], interrupted: bool) -> Exit {
    for error in errors {
        context
            .session
            .feedback
            .error(error["message"].as_str().unwrap_or_default());
    }
    for request in requests {
        for warning in &request.warnings {
            context
                .session
                .feedback
                .warn(&format!("{}: {warning}", request.display_name));
        }
    }
    if context.json {
        print_json(requests_json(requests, errors, interrupted));
    } else {
        print_requests(requests);
        if requests.is_empty() && errors.is_empty() {
            out!("No role matched: nothing was done.");
        }
    }
    if interrupted {
        return Exit::Interrupted;
    }
    exit_of(requests, errors.len())
}
