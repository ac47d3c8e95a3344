//! Fault and latency injection rules, and the engine that decides the faults of each request.

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

use crate::wire::{FaultOutcome, Surface};

/// One fault rule. A rule *matches* a request by method / path / surface; a matching rule
/// *fires* on the 1st..`firstN`-th match (if `firstN` is set), on every `everyKth` match (if set),
/// or on every match otherwise. A firing rule applies its latency and its effect.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// HTTP method (case-insensitive); omitted = any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Path prefix including the surface prefix, e.g. `/graph/v1.0/roleManagement`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    /// Regular expression matched against the path (without query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_regex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surface: Option<Surface>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_n: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_kth: Option<u64>,
    /// A match that would fire fires only with this probability (0..=1), drawn from the seeded RNG.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default)]
    pub latency_ms: u64,
    #[serde(default)]
    pub jitter_ms: u64,
    /// Respond with this status (429, 500, 503, ...) in the surface's error envelope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_sec: Option<u64>,
    /// Send `Retry-After` as an HTTP date (now + `retryAfterSec`) instead of seconds.
    #[serde(default)]
    pub retry_after_http_date: bool,
    /// Answer the injected status with an HTML page (as a gateway or proxy does) instead of JSON.
    #[serde(default)]
    pub html_error: bool,
    /// Overrides the error code of the injected error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Close the connection without any response, before the request is processed.
    #[serde(default)]
    pub drop_connection: bool,
    /// Process the request (state changes), then close the connection without a response.
    #[serde(default)]
    pub drop_after_action: bool,
    /// Stream the response body slowly over this many milliseconds.
    #[serde(default)]
    pub slow_body_ms: u64,
    /// Send only the first half of the body, then close the connection short of its length.
    #[serde(default)]
    pub truncate_body: bool,
    /// Process the request, then answer with this body (same status and headers) instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_body: Option<String>,
    /// Answer 401 with a `WWW-Authenticate` `insufficient_claims` challenge asking for this
    /// `acrs` value, unless the bearer token already carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims_challenge_acrs: Option<String>,
}

impl FaultRule {
    pub fn validate(&self) -> Result<(), String> {
        if let Some(r) = &self.path_regex {
            regex::Regex::new(r).map_err(|e| format!("pathRegex: {e}"))?;
        }
        if self.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Err("probability must be between 0 and 1".into());
        }
        if self.every_kth == Some(0) {
            return Err("everyKth must be at least 1".into());
        }
        if let Some(s) = self.status
            && !(100..=599).contains(&s)
        {
            return Err(format!("status {s} is not an HTTP status"));
        }
        Ok(())
    }
}

struct CompiledRule {
    rule: FaultRule,
    regex: Option<regex::Regex>,
    matches: u64,
}

pub struct FaultEngine {
    rules: Vec<CompiledRule>,
    rng: StdRng,
}

impl FaultEngine {
    pub fn new(rules: Vec<FaultRule>, seed: u64) -> Result<Self, String> {
        let mut e = Self {
            rules: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
        };
        e.set_rules(rules)?;
        Ok(e)
    }

    /// Replaces the rules (match counters restart at zero).
    pub fn set_rules(&mut self, rules: Vec<FaultRule>) -> Result<(), String> {
        let mut compiled = Vec::new();
        for (i, r) in rules.into_iter().enumerate() {
            r.validate().map_err(|e| format!("rules[{i}]: {e}"))?;
            let regex = match &r.path_regex {
                Some(p) => Some(regex::Regex::new(p).map_err(|e| format!("rules[{i}]: {e}"))?),
                None => None,
            };
            compiled.push(CompiledRule {
                rule: r,
                regex,
                matches: 0,
            });
        }
        self.rules = compiled;
        Ok(())
    }

    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.iter().map(|r| r.rule.clone()).collect()
    }

    pub fn reseed(&mut self, seed: u64) {
        self.rng = StdRng::seed_from_u64(seed);
    }

    pub fn evaluate(&mut self, method: &str, path: &str, surface: Surface) -> FaultOutcome {
        let mut out = FaultOutcome::default();
        for (idx, c) in self.rules.iter_mut().enumerate() {
            let r = &c.rule;
            if let Some(m) = &r.method
                && !m.eq_ignore_ascii_case(method)
            {
                continue;
            }
            if let Some(p) = &r.path_prefix
                && !path.starts_with(p.as_str())
            {
                continue;
            }
            if let Some(re) = &c.regex
                && !re.is_match(path)
            {
                continue;
            }
            if let Some(s) = r.surface
                && s != surface
            {
                continue;
            }
            c.matches += 1;
            let n = c.matches;
            let fires = match (r.first_n, r.every_kth) {
                (Some(first), _) if n <= first => true,
                (Some(_), None) => false,
                (_, Some(k)) => n % k.max(1) == 0,
                (None, None) => true,
            };
            if !fires || r.probability.is_some_and(|p| !self.rng.random_bool(p)) {
                continue;
            }
            out.fired_rules.push(r.id.clone().unwrap_or_else(|| format!("#{idx}")));
            let jitter = if r.jitter_ms > 0 {
                self.rng.random_range(0..=r.jitter_ms)
            } else {
                0
            };
            out.latency_ms = out.latency_ms.saturating_add(r.latency_ms.saturating_add(jitter));
            out.slow_body_ms = out.slow_body_ms.max(r.slow_body_ms);
            out.truncate_body |= r.truncate_body;
            if out.replace_body.is_none() {
                out.replace_body = r.replace_body.clone();
            }
            let effect_taken = out.status.is_some() || out.drop_connection || out.drop_after_action;
            if !effect_taken {
                if r.drop_connection {
                    out.drop_connection = true;
                } else if r.drop_after_action {
                    out.drop_after_action = true;
                } else if let Some(s) = r.status {
                    out.status = Some(s);
                    out.retry_after_sec = r.retry_after_sec;
                    out.retry_after_http_date = r.retry_after_http_date;
                    out.html_error = r.html_error;
                    out.error_code = r.error_code.clone();
                }
            }
            if out.claims_challenge_acrs.is_none() {
                out.claims_challenge_acrs = r.claims_challenge_acrs.clone();
            }
        }
        out
    }
}
