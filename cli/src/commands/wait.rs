//! `wait` and `activate --wait`: the core's `pim.wait`, which reports each request the moment it is
//! final (`requestFinished`); on Ctrl+C those are kept and the rest stay as they were (pending).

use super::Context;
use super::activate::finish;
use crate::args::Wait;
use crate::exit::Exit;
use crate::requests::Request;
use crate::session::CallError;
use serde_json::{Value, json};

pub fn run(context: &mut Context, args: Wait) -> Result<Exit, CallError> {
    let mut requests = Vec::new();
    for id in &args.request_ids {
        let kind = match args.kind {
            Some(kind) => kind.core_name(),
            // ARM names a request by its resource id; Graph by a bare id, of a directory role or a group.
            None if id.starts_with('/') => "AzureResource",
            None => {
                return Err(super::usage(
                    "--kind is needed for a request id that is not an Azure resource id",
                ));
            }
        };
        if !requests.iter().any(|r: &Request| {
            r.request_id
                .as_deref()
                .is_some_and(|known| known.eq_ignore_ascii_case(id))
        }) {
            requests.push(Request::from_id(id, kind));
        }
    }
    check_interval(args.interval)?;
    context.connect()?;
    let interrupted = follow(context, &mut requests, args.timeout, args.interval)?;
    Ok(finish(context, &requests, &[], interrupted))
}

pub fn check_interval(seconds: f64) -> Result<(), CallError> {
    if (0.2..=300.0).contains(&seconds) {
        Ok(())
    } else {
        Err(super::usage("--interval must be between 0.2 and 300 seconds"))
    }
}

/// Waits for the pending requests among `requests`, updating each as it ends. Returns whether Ctrl+C
/// stopped the wait (what had finished is already applied).
pub fn follow(
    context: &mut Context,
    requests: &mut [Request],
    timeout_sec: u64,
    interval_sec: f64,
) -> Result<bool, CallError> {
    let targets: Vec<Value> = requests
        .iter()
        .filter(|r| r.is_pending())
        .map(Request::wait_target)
        .collect();
    if targets.is_empty() {
        return Ok(false);
    }
    let params = json!({
        "requests": targets,
        "timeoutSec": timeout_sec,
        "intervalSec": interval_sec,
        "interactive": context.session.interactive,
    });
    let mut finished: Vec<Value> = Vec::new();
    let result = context.session.call("pim.wait", params, &mut |event| {
        if event["event"] == "requestFinished" {
            finished.push(event.clone());
        }
    });
    context.session.feedback.done();
    let (results, interrupted) = match result {
        Ok(data) => (data.as_array().cloned().unwrap_or_default(), false),
        Err(CallError::Interrupted) => (finished, true),
        Err(error) => return Err(error),
    };
    for result in &results {
        let id = result["requestId"].as_str().unwrap_or_default();
        for request in requests.iter_mut().filter(|r| {
            r.request_id
                .as_deref()
                .is_some_and(|known| known.eq_ignore_ascii_case(id))
        }) {
            if request.is_pending() {
                request.apply_wait(result);
            }
        }
    }
    if interrupted {
        let pending: Vec<String> = requests
            .iter()
            .filter(|r| r.is_pending())
            .map(|r| {
                format!(
                    "{} ({}, request {})",
                    r.display_name,
                    r.status,
                    r.request_id.as_deref().unwrap_or_default()
                )
            })
            .collect();
        if !pending.is_empty() {
            context.session.feedback.warn(&format!(
                "Stopped waiting. Still pending in PIM: {}.",
                pending.join(", ")
            ));
        }
    }
    Ok(interrupted)
}
