//! `login`, `logout`, `status`: the core's `auth.*` methods. No token ever reaches the output: the
//! core returns none.

use super::Context;
use crate::args::{Login, Logout};
use crate::exit::Exit;
use crate::output::{print_json, short_time};
use crate::session::CallError;
use serde_json::{Value, json};

pub fn login(context: &mut Context, options: Login) -> Result<Exit, CallError> {
    // Azure Resource Manager too, so that later runs without a terminal need no prompt for it.
    let mut connect = json!({
        "useDeviceCode": options.device_code,
        "force": options.force,
        "includeArm": true,
    });
    let optional = [
        ("tenantId", options.tenant),
        ("clientId", options.client_id),
        ("environment", options.environment),
        ("account", options.account),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            connect[name] = json!(value);
        }
    }
    // The user asked to sign in: prompting is allowed even without a terminal (a device code is
    // answered on another device).
    let status = context.connect_with(connect, true)?;
    context.session.feedback.done();
    if context.has_passthrough() {
        context
            .session
            .feedback
            .warn("access tokens passed in are used by this command only and never cached; pass them to each command");
    }
    show_status(context, &status);
    Ok(Exit::Success)
}

pub fn logout(context: &mut Context, options: Logout) -> Result<Exit, CallError> {
    let mut params = json!({"all": options.all});
    if let Some(tenant) = options.tenant {
        params["tenantId"] = json!(tenant);
    }
    if let Some(account) = options.account {
        params["account"] = json!(account);
    }
    let report = context.session.call("auth.disconnect", params, &mut |_| {})?;
    if context.json {
        print_json(report);
        return Ok(Exit::Success);
    }
    let removed = report["removedAccounts"].as_array().cloned().unwrap_or_default();
    if removed.is_empty() {
        out!("No cached sign-in to remove.");
    }
    for account in removed {
        let who = account["account"].as_str().unwrap_or("an account");
        let tenant = account["tenantId"]
            .as_str()
            .or(account["tenant"].as_str())
            .unwrap_or("?");
        out!("Signed out {who} (tenant {tenant}).");
    }
    Ok(Exit::Success)
}

/// Who is signed in: the cached sign-in, used without prompting. Not signed in exits 4.
pub fn status(context: &mut Context) -> Result<Exit, CallError> {
    let session_interactive = false;
    let status = match context
        .session
        .connect(context_passthrough(context), session_interactive)
    {
        Ok(status) => status,
        Err(error) if error.exit() == Exit::NotSignedIn => {
            if context.json {
                print_json(json!({"connected": false}));
            } else {
                out!("Not signed in: {}", error.message());
            }
            return Ok(Exit::NotSignedIn);
        }
        Err(error) => return Err(error),
    };
    show_status(context, &status);
    Ok(Exit::Success)
}

fn context_passthrough(context: &Context) -> Value {
    let mut options = json!({});
    if context.has_passthrough() {
        options = context.passthrough.clone();
    }
    options
}

fn show_status(context: &Context, status: &Value) {
    if context.json {
        print_json(status.clone());
        return;
    }
    let field = |name: &str| status[name].as_str().unwrap_or("-").to_string();
    out!("Account:     {}", field("account"));
    out!("Tenant:      {} ({})", field("tenantId"), field("tenant"));
    out!("Cloud:       {}", field("environment"));
    let endpoints = &status["endpoints"];
    for (label, name) in [("Sign-in:", "authority"), ("Graph:", "graph"), ("ARM:", "arm")] {
        out!("{label:<12} {}", endpoints[name].as_str().unwrap_or("-"));
    }
    out!("Token cache: {}", field("tokenCache"));
    for token in status["tokens"].as_array().into_iter().flatten() {
        let step_up = if token["stepUp"].is_null() || token["stepUp"] == json!(false) {
            ""
        } else {
            " (step-up)"
        };
        out!(
            "Token:       {} until {} [{}]{step_up}",
            token["resource"].as_str().unwrap_or("?"),
            short_time(Some(token["expiresOn"].as_str().unwrap_or("?"))),
            token["source"].as_str().unwrap_or("?"),
        );
    }
}
