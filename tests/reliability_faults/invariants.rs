//! The checks of one batch against the emulator's state and request log, and what they measured.

use crate::figures::BatchFigures;
use crate::log::{create_identity, fault_kinds, identity_of_state, identity_of_target, looks_up, not_processed, time};
use crate::sandbox::{CLIENT_TIMEOUT, retry_policy};
use pimrust_core::pim::model::ActivationTarget;
use pimrust_core::pim::outcome::{ActivationOutcome, OutcomeStatus};
use pimrust_emulator::LogEntry;
use serde_json::Value;
use std::collections::HashMap;

/// How much later than its `Retry-After` a retry may come. The core adds no jitter of its own to a
/// `Retry-After`; this is the allowance for timers and scheduling on a loaded machine.
pub const RETRY_AFTER_SLACK_MS: i64 = 300;

/// A role is sent at most once plus one resend per look-up that found nothing (three), each send
/// with the retry policy's attempts; each look-up likewise.
fn max_sends_per_role() -> usize {
    4 * retry_policy().max_attempts as usize
}
fn max_calls_per_role() -> usize {
    max_sends_per_role() + 3 * retry_policy().max_attempts as usize
}

/// Checks one batch: `targets` asked for, `outcomes` reported, and the tenant's `state` and `log`.
pub fn check(
    targets: &[ActivationTarget],
    outcomes: &[ActivationOutcome],
    state: &Value,
    log: &[LogEntry],
) -> BatchFigures {
    let mut figures = BatchFigures {
        roles: targets.len(),
        ..BatchFigures::default()
    };
    for entry in log {
        for kind in fault_kinds(entry) {
            *figures.faults.entry(kind).or_default() += 1;
        }
    }
    check_outcomes(targets, outcomes, state, log, &mut figures);
    check_resends(log, &mut figures);
    check_retry_after(log, &mut figures);
    figures.calls = log.len();
    if log.len() > targets.len() * max_calls_per_role() {
        figures.violation(format!("{} calls for {} roles", log.len(), targets.len()));
    }
    figures
}

/// Every role has one outcome, and it agrees with what the service holds: accepted once at most,
/// reported with that request when accepted, never reported as taken when it was not.
fn check_outcomes(
    targets: &[ActivationTarget],
    outcomes: &[ActivationOutcome],
    state: &Value,
    log: &[LogEntry],
    figures: &mut BatchFigures,
) {
    if outcomes.len() != targets.len() {
        figures.violation(format!("{} outcomes for {} roles", outcomes.len(), targets.len()));
        figures.lost += targets.len().saturating_sub(outcomes.len());
    }
    let mut held: HashMap<String, Vec<String>> = HashMap::new();
    for request in state["requests"].as_array().unwrap() {
        if request["action"] == "selfActivate" {
            let id = request["id"].as_str().unwrap().to_ascii_lowercase();
            held.entry(identity_of_state(&request["target"])).or_default().push(id);
        }
    }
    let mut accepted: HashMap<String, usize> = HashMap::new();
    for entry in log.iter().filter(|e| (200..300).contains(&e.status)) {
        if let Some(identity) = create_identity(entry) {
            *accepted.entry(identity).or_default() += 1;
        }
    }
    for (target, outcome) in targets.iter().zip(outcomes) {
        let identity = identity_of_target(target);
        if outcome.key != target.key {
            figures.violation(format!("the outcome of {} is reported for {}", target.key, outcome.key));
        }
        *figures.outcomes.entry(format!("{:?}", outcome.status)).or_default() += 1;
        let ids = held.get(&identity).cloned().unwrap_or_default();
        let sends = accepted.get(&identity).copied().unwrap_or(0);
        if ids.len() > 1 || sends > 1 {
            figures.duplicated += 1;
            figures.violation(format!("{identity}: {} requests held, {sends} accepted", ids.len()));
        }
        let reported_id = outcome
            .request_id
            .as_deref()
            .map(|id| id.rsplit('/').next().unwrap_or(id).to_ascii_lowercase());
        let taken = matches!(
            outcome.status,
            OutcomeStatus::Activated
                | OutcomeStatus::PendingApproval
                | OutcomeStatus::PendingProvisioning
                | OutcomeStatus::Scheduled
        );
        let unknown = outcome.error.as_ref().is_some_and(|e| e.code == "OutcomeUnknown");
        match ids.first() {
            Some(id) if taken && reported_id.as_ref() == Some(id) => {}
            Some(_) if unknown => figures.unknown += 1,
            Some(_) if outcome.status == OutcomeStatus::AlreadyActive => figures.found_active += 1,
            Some(id) => {
                figures.lost += 1;
                figures.violation(format!(
                    "{identity}: the service holds request {id}, the outcome says {:?} {:?} {:?}",
                    outcome.status, outcome.request_id, outcome.error
                ));
            }
            None if taken || outcome.status == OutcomeStatus::AlreadyActive => figures.violation(format!(
                "{identity}: reported {:?} but the service holds no request",
                outcome.status
            )),
            None => {}
        }
    }
}

/// A request the service may have taken is looked up before it is sent again.
fn check_resends(log: &[LogEntry], figures: &mut BatchFigures) {
    let mut by_role: HashMap<String, Vec<&LogEntry>> = HashMap::new();
    for entry in log {
        if let Some(identity) = create_identity(entry) {
            by_role.entry(identity).or_default().push(entry);
        }
    }
    for (identity, sends) in by_role {
        if sends.len() > max_sends_per_role() {
            figures.violation(format!("{identity}: sent {} times", sends.len()));
        }
        figures.max_sends_per_role = figures.max_sends_per_role.max(sends.len());
        for pair in sends.windows(2) {
            let (first, again) = (pair[0], pair[1]);
            if not_processed(first.status) {
                continue;
            }
            figures.resends += 1;
            let looked_up = log
                .iter()
                .any(|e| e.seq > first.seq && e.seq < again.seq && looks_up(e, first));
            if !looked_up {
                figures.resent_blindly += 1;
                figures.violation(format!(
                    "{identity}: resent (#{}) after answer {} (#{}) without a look-up",
                    again.seq, first.status, first.seq
                ));
            }
        }
    }
}

/// Each retry after a `Retry-After` waits at least that long, and not much longer.
fn check_retry_after(log: &[LogEntry], figures: &mut BatchFigures) {
    for (index, entry) in log.iter().enumerate() {
        let (Some(header), Some(identity)) = (&entry.retry_after, create_identity(entry)) else {
            continue;
        };
        if entry
            .fault
            .as_ref()
            .is_some_and(|f| f.latency_ms >= CLIENT_TIMEOUT.as_millis() as u64)
        {
            continue; // answered after the client had given up: it never saw the Retry-After
        }
        let later = &log[index + 1..];
        let Some(offset) = later
            .iter()
            .position(|e| e.path == entry.path && create_identity(e).as_ref() == Some(&identity))
        else {
            continue; // the last attempt: nothing follows
        };
        let retry = &later[offset];
        if later[..offset].iter().any(|e| looks_up(e, entry)) {
            continue; // the attempt after the wait never arrived; this is the resend after a look-up
        }
        let answered = time(&entry.time);
        let not_before = match header.parse::<i64>() {
            Ok(seconds) => answered + chrono::Duration::seconds(seconds),
            Err(_) => chrono::DateTime::parse_from_rfc2822(header)
                .unwrap_or_else(|e| panic!("Retry-After {header}: {e}"))
                .to_utc(),
        };
        let arrived = time(&retry.received_at);
        let waited = (arrived - answered).num_milliseconds();
        let asked = (not_before - answered).num_milliseconds().max(0);
        let over = waited - asked;
        figures.retry_after_waits += 1;
        if waited > figures.longest_retry_wait.0 {
            figures.longest_retry_wait = (waited, asked);
        }
        if over > figures.max_retry_over_ms {
            figures.max_retry_over_ms = over;
            figures.max_retry_wait = (waited, asked);
        }
        if arrived < not_before - chrono::Duration::milliseconds(1) {
            figures.violation(format!(
                "{identity}: retried {waited} ms after Retry-After: {header} (asked {asked} ms)"
            ));
        } else if over > RETRY_AFTER_SLACK_MS {
            figures.violation(format!(
                "{identity}: retried (#{}) {over} ms later than Retry-After: {header} (#{} at {}, {:?}) asked",
                retry.seq, entry.seq, entry.time, entry.fault
            ));
        }
    }
}
