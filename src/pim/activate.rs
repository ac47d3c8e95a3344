//! Activation and deactivation: pre-flight against each role's policy before any call, one step-up per
//! distinct authentication context (shared through the token cache), concurrent submission with a
//! bound, and every role ending in a known state. Nothing is submitted twice: ARM requests carry a
//! name chosen here (a resend is the same request), and a Graph request whose answer was lost is
//! looked up before it is sent again.

pub use super::model::ActivationTarget;

use super::duration;
use super::endpoints::Urls;
use super::model::{Answer, RoleStatus};
use super::outcome::{self, ActivationOutcome, Refusal};
use super::policies::attach_policies;
use super::policy_cache::PolicyCache;
use super::requests::{self, RequestOptions, RequestRef};
use crate::api::ApiClient;
use crate::auth::claims;
use crate::error::{Error, ErrorKind};
use crate::events::Event;
use crate::http::Idempotency;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActivateParams {
    pub roles: Vec<ActivationTarget>,
    pub justification: Option<String>,
    pub ticket_number: Option<String>,
    pub ticket_system: Option<String>,
    /// ISO 8601 (`PT2H`), the short form (`2h`, `1h30m`) or `Max` (each role's policy maximum). Default: one hour, or the maximum if shorter.
    pub duration: Option<String>,
    pub start_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub validate_only: bool,
    #[serde(default)]
    pub deactivate: bool,
    pub throttle_limit: Option<usize>,
    /// Read the roles' policies (through the policy cache) before pre-flight: the roles were listed
    /// without them (`ListOptions::skip_policies`), so only the chosen ones are read.
    #[serde(default)]
    pub read_policies: bool,
}

/// How many times one role's request is looked up after its answer was lost (each look-up that
/// finds nothing is followed by one resend) before its outcome is reported as unknown.
const LOST_ANSWER_LOOKUPS: usize = 3;

/// Without a duration: this, or the policy maximum if shorter.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(3600);
const MIN_DURATION: Duration = Duration::from_secs(300);
/// Requests in flight at once unless the caller says otherwise: a typical batch (up to 20 roles) goes
/// out in one wave, as the policy reads do (`policies::ARM_POLICY_CONCURRENCY`), well inside ARM's
/// write bucket (pim-api.md §6.5); 429s are retried after `Retry-After` either way.
pub const DEFAULT_THROTTLE: usize = 20;
pub const THROTTLE_RANGE: std::ops::RangeInclusive<usize> = 1..=32;

/// A role that passed pre-flight, with what will be requested.
struct Plan {
    target: ActivationTarget,
    duration: Duration,
    start: DateTime<Utc>,
    claims: Option<Value>,
    warnings: Vec<String>,
}

pub async fn activate(
    api: &ApiClient,
    policies: &PolicyCache,
    mut params: ActivateParams,
) -> Result<Vec<ActivationOutcome>, Error> {
    let limit = params.throttle_limit.unwrap_or(DEFAULT_THROTTLE);
    if !THROTTLE_RANGE.contains(&limit) {
        let (min, max) = (THROTTLE_RANGE.start(), THROTTLE_RANGE.end());
        return Err(Error::InvalidArgument(format!(
            "ThrottleLimit must be between {min} and {max}"
        )));
    }
    if params.justification.as_ref().is_some_and(|j| j.chars().count() > 500) {
        return Err(Error::InvalidArgument(
            "the justification may be at most 500 characters".into(),
        ));
    }
    let requested = match params.duration.as_deref().map(str::trim) {
        None | Some("") => Requested::Default,
        Some(text) if text.eq_ignore_ascii_case("max") => Requested::Max,
        Some(text) => Requested::Exactly(duration::parse_requested(text)?),
    };

    if params.read_policies && !params.deactivate {
        attach_policies(api, policies, &mut params.roles, false).await;
    }
    let mut outcomes: Vec<Option<ActivationOutcome>> = vec![None; params.roles.len()];
    let mut first_by_key: HashMap<String, usize> = HashMap::new();
    let mut plans = Vec::new();
    for (index, target) in params.roles.iter().enumerate() {
        if first_by_key.contains_key(&target.key) {
            continue; // a duplicate of an earlier input: it gets that role's outcome, never a second request
        }
        first_by_key.insert(target.key.clone(), index);
        match preflight(target, &params, requested) {
            Ok(plan) => plans.push((index, plan)),
            Err(outcome) => outcomes[index] = Some(*outcome),
        }
    }
    let total = plans.len();
    api.events().emit(Event::progress(
        "PIM activation",
        format!("Submitting {total} request(s)"),
        0,
    ));
    let deactivate = params.deactivate;
    let validate_only = params.validate_only;
    let justification = params.justification.clone();
    let ticket = params
        .ticket_number
        .clone()
        .map(|number| (number, params.ticket_system.clone().unwrap_or_default()));
    let submitted: Vec<(usize, ActivationOutcome)> = futures::stream::iter(plans)
        .map(|(index, plan)| {
            let options = RequestOptions {
                deactivate,
                validate_only,
                justification: justification.as_deref(),
                ticket: ticket.as_ref(),
            };
            async move { (index, submit(api, plan, options).await) }
        })
        .buffer_unordered(limit)
        .collect()
        .await;
    for (index, outcome) in submitted {
        outcomes[index] = Some(outcome);
    }
    for (index, target) in params.roles.iter().enumerate() {
        if outcomes[index].is_none() {
            let first = first_by_key[&target.key];
            let mut copy = outcomes[first].clone().expect("the first occurrence has an outcome");
            copy.warnings
                .push("listed more than once in the input; submitted once".into());
            outcomes[index] = Some(copy);
        }
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.expect("every role has an outcome"))
        .collect())
}

#[derive(Clone, Copy)]
enum Requested {
    Default,
    Max,
    Exactly(Duration),
}

fn preflight(
    target: &ActivationTarget,
    params: &ActivateParams,
    requested: Requested,
) -> Result<Plan, Box<ActivationOutcome>> {
    let fail = |code: &str, message: String| {
        Box::new(ActivationOutcome::failed(
            target,
            ErrorKind::PolicyViolation,
            code,
            message,
            None,
            Vec::new(),
        ))
    };
    let policy = &target.policy;
    let mut warnings = Vec::new();
    if params.deactivate {
        return Ok(Plan {
            target: target.clone(),
            duration: Duration::ZERO,
            start: Utc::now(),
            claims: None,
            warnings,
        });
    }
    if target.status == Some(RoleStatus::Active) && !params.validate_only {
        return Err(Box::new(ActivationOutcome::already_active(target)));
    }
    let blank = |value: &Option<String>| value.as_deref().is_none_or(|v| v.trim().is_empty());
    if policy.requires_justification == Some(true) && blank(&params.justification) {
        return Err(fail("JustificationRequired", "a justification is required".into()));
    }
    if policy.requires_ticket == Some(true) && (blank(&params.ticket_number) || blank(&params.ticket_system)) {
        return Err(fail(
            "TicketRequired",
            "ticket information (a ticket number and its system) is required".into(),
        ));
    }
    let maximum = match policy.max_duration.as_deref().map(duration::parse) {
        Some(Ok(max)) => Some(max),
        Some(Err(_)) | None => None,
    };
    let chosen = match (requested, maximum) {
        (Requested::Exactly(wanted), Some(max)) if wanted > max => {
            return Err(fail(
                "DurationTooLong",
                format!(
                    "the role may be active for at most {}; {} was requested",
                    duration::human(max),
                    duration::human(wanted)
                ),
            ));
        }
        (Requested::Exactly(wanted), _) => wanted,
        (Requested::Max, Some(max)) => max,
        (Requested::Max, None) => {
            let default = duration::human(DEFAULT_DURATION);
            warnings.push(format!("the role's maximum duration is unknown; requesting {default}"));
            DEFAULT_DURATION
        }
        (Requested::Default, Some(max)) => DEFAULT_DURATION.min(max),
        (Requested::Default, None) => DEFAULT_DURATION,
    };
    if chosen < MIN_DURATION {
        return Err(fail(
            "DurationTooShort",
            format!(
                "activations last at least 5 minutes; {} was requested",
                duration::human(chosen)
            ),
        ));
    }
    let claims = policy.authentication_context.as_deref().map(claims::for_acrs);
    Ok(Plan {
        target: target.clone(),
        duration: chosen,
        start: params.start_at.unwrap_or_else(Utc::now),
        claims,
        warnings,
    })
}

/// The `activation` event of `target` at `status`: `Submitting`, then the outcome's status.
fn activation(target: &ActivationTarget, status: impl Serialize) -> Event {
    Event::Activation {
        key: target.key.clone(),
        role_name: target.role_name.clone(),
        // The name the result uses (a unit variant serializes as its name).
        status: serde_json::to_value(status)
            .ok()
            .and_then(|name| name.as_str().map(str::to_string))
            .unwrap_or_default(),
    }
}

async fn submit(api: &ApiClient, plan: Plan, options: RequestOptions<'_>) -> ActivationOutcome {
    let target = &plan.target;
    api.events().emit(activation(target, "Submitting"));
    let sent_at = Utc::now();
    let request = match Urls::of(api) {
        Ok(urls) => requests::build(&urls, target, plan.duration, plan.start, &options),
        Err(error) => return ActivationOutcome::from_error(target, &error, plan.warnings),
    };
    let mut result = send(api, &request, plan.claims.as_ref(), options.validate_only).await;
    let mut lookups = 0;
    while !options.validate_only && result.as_ref().is_err_and(answer_lost) {
        lookups += 1;
        let lost = result.as_ref().err().map(ToString::to_string).unwrap_or_default();
        if lookups > LOST_ANSWER_LOOKUPS {
            result = Err(outcome_unknown(&lost, "the answers kept getting lost"));
            break;
        }
        // The request may have reached the service: find it before sending anything again.
        tracing::warn!(
            "the answer to the {} request was lost ({lost}); looking it up before any resend",
            target.role_name
        );
        result = match requests::find_submitted(api, target, &request, sent_at, options.deactivate).await {
            Ok(Some(found)) => Ok(found),
            Ok(None) => send(api, &request, plan.claims.as_ref(), false).await,
            Err(lookup) => {
                result = Err(outcome_unknown(&lost, &format!("the look-up failed too: {lookup}")));
                break;
            }
        };
    }
    let mut outcome = match result {
        Ok(Answer::Accepted(body)) => outcome::from_request(target, &body, options.deactivate, options.validate_only),
        Ok(Answer::Refused(response)) => refused(api, target, &response, &request, options.deactivate).await,
        Err(error) => ActivationOutcome::from_error(target, &error, Vec::new()),
    };
    outcome.warnings.extend(plan.warnings);
    if outcome.duration.is_none() && !options.deactivate {
        outcome.duration = Some(duration::format(plan.duration));
    }
    api.events().emit(activation(target, outcome.status));
    outcome
}

/// The outcome of a refused request, after the look-up the refusal asks for.
async fn refused(
    api: &ApiClient,
    target: &ActivationTarget,
    response: &crate::api::ApiResponse,
    request: &RequestRef,
    deactivate: bool,
) -> ActivationOutcome {
    match outcome::from_error_response(target, response, request.resource, deactivate) {
        Refusal::Outcome(outcome) => *outcome,
        Refusal::ReadBack => {
            let found = requests::read_back(api, request).await;
            outcome::read_back(target, found.as_ref(), deactivate)
        }
        Refusal::FindPending => {
            let pending = requests::find_pending(api, target).await.ok().flatten();
            outcome::attach_pending(target, pending.as_ref(), deactivate)
        }
    }
}

async fn send(
    api: &ApiClient,
    request: &RequestRef,
    claims: Option<&Value>,
    validate_only: bool,
) -> Result<Answer, Error> {
    let (method, url) = match (&request.validate_url, validate_only) {
        (Some(validate_url), true) => (reqwest::Method::POST, validate_url),
        _ => (request.method.clone(), &request.url),
    };
    // Never resent blindly: a lost answer is looked up first (see `submit`).
    let response = api
        .send_json(
            request.resource,
            method,
            url,
            Some(&request.body),
            Idempotency::NotIdempotent,
            claims,
        )
        .await?;
    if !response.status.is_success() {
        return Ok(Answer::Refused(response));
    }
    match response.json() {
        // A validation answer names no request; an accepted request is named by its id.
        Some(body) if body.is_object() && (validate_only || body["id"].is_string()) => Ok(Answer::Accepted(body)),
        // Taken, but which request was taken cannot be read: as good as a lost answer.
        _ => Err(Error::service(
            ErrorKind::Network,
            "UnreadableAnswer",
            format!(
                "{} accepted the request (HTTP {}) but its answer does not say which request it is",
                request.resource.name(),
                response.status.as_u16()
            ),
        )),
    }
}

/// Whether a send ended without a readable answer, so the request may or may not have been taken.
fn answer_lost(error: &Error) -> bool {
    error.kind() == ErrorKind::Network
}

/// The error of a request that may have been taken although its answer was lost.
fn outcome_unknown(lost: &str, why: &str) -> Error {
    Error::service(
        ErrorKind::Network,
        "OutcomeUnknown",
        format!(
            "the request may have been taken, but its answer was lost ({lost}) and {why}; list the roles to see whether it is active"
        ),
    )
}

impl ActivateParams {
    /// Activation of `roles` with a justification and everything else at its default.
    pub fn new(roles: Vec<ActivationTarget>, justification: Option<&str>) -> Self {
        Self {
            roles,
            justification: justification.map(str::to_string),
            ticket_number: None,
            ticket_system: None,
            duration: None,
            start_at: None,
            validate_only: false,
            deactivate: false,
            throttle_limit: None,
            read_policies: false,
        }
    }
}
