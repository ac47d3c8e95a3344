//! `list`: the core's `pim.listEligible` / `pim.listActive`, then the roles chosen by kind, scope and
//! name (the core's `pim::select` rules). Also the listing `activate` and `deactivate` resolve names in.

use super::Context;
use crate::args::{Filter, List};
use crate::exit::Exit;
use crate::output::{print_json, print_roles, role_json};
use crate::session::CallError;
use pimrust_core::error::{ErrorIdentity, ErrorKind};
use pimrust_core::pim::model::EligibleRole;
use pimrust_core::pim::select;
use serde_json::{Value, json};

/// One listing of the core: the roles, and the kinds that could not be listed.
pub struct Listing {
    pub roles: Vec<EligibleRole>,
    pub failures: Vec<Value>,
}

/// Lists eligible (or active) roles of `filter`'s kinds; a kind that could not be listed is a warning.
pub fn listing(
    context: &mut Context,
    active: bool,
    filter: &Filter,
    with_policies: bool,
) -> Result<Listing, CallError> {
    context.connect()?;
    let kinds: Vec<&str> = filter.kind.iter().map(|k| k.core_name()).collect();
    let mut params = json!({"interactive": context.session.interactive, "skipPolicies": !with_policies});
    if !kinds.is_empty() {
        params["kinds"] = json!(kinds);
    }
    let method = if active { "pim.listActive" } else { "pim.listEligible" };
    let data = context.session.call(method, params, &mut |_| {})?;
    let roles = data["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|role| serde_json::from_value::<EligibleRole>(role.clone()).ok())
        .collect();
    let failures = data["failures"].as_array().cloned().unwrap_or_default();
    for failure in &failures {
        let kind = failure["kind"].as_str().unwrap_or("some");
        let message = failure["message"].as_str().unwrap_or("unknown error");
        // The core logs this as a warning too, in the same words: it is shown once.
        context
            .session
            .feedback
            .warn(&format!("{kind} roles could not be listed: {message}"));
    }
    Ok(Listing { roles, failures })
}

/// The roles named by `patterns` within `filter`'s scopes (every match, each role once), and a
/// `RoleNotFound` error for each plain name that matched nothing.
pub fn choose<'a>(
    roles: &'a [EligibleRole],
    patterns: &[String],
    scopes: &[String],
    what: &str,
) -> (Vec<&'a EligibleRole>, Vec<Value>) {
    let in_scope = select::in_scopes(roles, scopes);
    if patterns.is_empty() {
        return (in_scope, Vec::new());
    }
    let mut chosen: Vec<&EligibleRole> = Vec::new();
    let mut errors = Vec::new();
    for pattern in patterns {
        let found: Vec<&EligibleRole> = in_scope
            .iter()
            .copied()
            .filter(|r| select::name_matches(r, pattern))
            .collect();
        if found.is_empty() && !select::has_wildcards(pattern) {
            let elsewhere: Vec<&str> = roles
                .iter()
                .filter(|r| select::name_matches(r, pattern))
                .map(|r| r.scope.as_str())
                .collect();
            let similar = select::similar_names(&in_scope, pattern);
            let message = if !elsewhere.is_empty() {
                format!(
                    "No {what} role is named '{pattern}' within --scope; it is {what} at {}.",
                    elsewhere.join(", ")
                )
            } else if similar.is_empty() {
                format!("No {what} role is named '{pattern}'.")
            } else {
                format!(
                    "No {what} role is named '{pattern}'. Similar: {}. Use wildcards (e.g. '*{pattern}*') to match several.",
                    similar.join(", ")
                )
            };
            errors.push(error(ErrorKind::RoleNotFound, &message));
        }
        for role in found {
            if !chosen.iter().any(|c| c.key.eq_ignore_ascii_case(&role.key)) {
                chosen.push(role);
            }
        }
    }
    (chosen, errors)
}

/// An error not tied to one request, as the JSON documents carry it.
pub fn error(kind: ErrorKind, message: &str) -> Value {
    let identity = ErrorIdentity::new(kind, kind.as_str());
    json!({"errorId": identity.error_id, "code": identity.code, "category": identity.category, "message": message})
}

pub fn run(context: &mut Context, options: List) -> Result<Exit, CallError> {
    let listed = listing(context, options.active, &options.filter, true)?;
    let what = if options.active { "active" } else { "eligible" };
    let (roles, errors) = choose(&listed.roles, &options.name, &options.filter.scope, what);
    context.session.feedback.done();
    for error in &errors {
        context
            .session
            .feedback
            .error(error["message"].as_str().unwrap_or_default());
    }
    if context.json {
        let tenant = context.session.tenant_id.as_deref();
        let roles: Vec<Value> = roles.iter().map(|r| role_json(r, tenant)).collect();
        print_json(json!({"list": what, "roles": roles, "failures": listed.failures, "errors": errors}));
    } else {
        print_roles(&roles, options.active);
    }
    let failed = !errors.is_empty() || !listed.failures.is_empty();
    Ok(if failed { Exit::Failed } else { Exit::Success })
}
