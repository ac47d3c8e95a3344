//! What the batches measured, added up and printed.

use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct BatchFigures {
    pub batches: usize,
    pub roles: usize,
    pub calls: usize,
    pub outcomes: BTreeMap<String, usize>,
    pub faults: BTreeMap<String, usize>,
    /// Roles the service took but the caller was not told about (or told the wrong request).
    pub lost: usize,
    /// Roles with more than one accepted activation request.
    pub duplicated: usize,
    /// Roles reported as possibly taken (the answer was lost and the look-ups failed too).
    pub unknown: usize,
    /// Roles reported as already active (a resend met the request's own activation).
    pub found_active: usize,
    /// Sends that followed a send the service may have acted on, and those without a look-up.
    pub resends: usize,
    pub resent_blindly: usize,
    pub max_sends_per_role: usize,
    pub max_calls_per_batch: usize,
    pub retry_after_waits: usize,
    /// The longest wait beyond its `Retry-After`, and that wait: (observed ms, asked ms).
    pub max_retry_over_ms: i64,
    pub max_retry_wait: (i64, i64),
    /// The longest wait for a `Retry-After`: (observed ms, asked ms).
    pub longest_retry_wait: (i64, i64),
    pub violations: Vec<String>,
}

impl BatchFigures {
    pub fn violation(&mut self, what: String) {
        self.violations.push(what);
    }

    pub fn add(&mut self, batch: BatchFigures) {
        self.batches += 1;
        self.roles += batch.roles;
        self.calls += batch.calls;
        for (k, v) in batch.outcomes {
            *self.outcomes.entry(k).or_default() += v;
        }
        for (k, v) in batch.faults {
            *self.faults.entry(k).or_default() += v;
        }
        self.lost += batch.lost;
        self.duplicated += batch.duplicated;
        self.unknown += batch.unknown;
        self.found_active += batch.found_active;
        self.resends += batch.resends;
        self.resent_blindly += batch.resent_blindly;
        self.max_sends_per_role = self.max_sends_per_role.max(batch.max_sends_per_role);
        self.max_calls_per_batch = self.max_calls_per_batch.max(batch.calls);
        self.retry_after_waits += batch.retry_after_waits;
        if batch.longest_retry_wait.0 > self.longest_retry_wait.0 {
            self.longest_retry_wait = batch.longest_retry_wait;
        }
        if batch.max_retry_over_ms > self.max_retry_over_ms {
            self.max_retry_over_ms = batch.max_retry_over_ms;
            self.max_retry_wait = batch.max_retry_wait;
        }
        self.violations.extend(batch.violations);
    }

    pub fn print(&self, seed: u64, seconds: f64) {
        let faults: usize = self.faults.values().sum();
        println!("R1 reliability_faults: seed {seed} (PIMRUST_RELIABILITY_SEED={seed} repeats it)");
        println!(
            "  batches run            {} ({} roles, {} calls) in {seconds:.1} s",
            self.batches, self.roles, self.calls
        );
        println!("  faults injected        {faults}");
        for (kind, count) in &self.faults {
            println!("    {kind:<28}{count}");
        }
        println!("  outcomes               {:?}", self.outcomes);
        println!("  lost                   {}", self.lost);
        println!("  duplicated             {}", self.duplicated);
        println!(
            "  resent without look-up {} of {} resends",
            self.resent_blindly, self.resends
        );
        println!(
            "  outcome unknown        {} (answer lost and every look-up failed; reported as such)",
            self.unknown
        );
        println!("  found already active   {}", self.found_active);
        println!(
            "  Retry-After waits      {}; longest {} ms for {} ms asked; most over: {} ms for {} ms asked (+{} ms, allowed +{} ms)",
            self.retry_after_waits,
            self.longest_retry_wait.0,
            self.longest_retry_wait.1,
            self.max_retry_wait.0,
            self.max_retry_wait.1,
            self.max_retry_over_ms,
            crate::invariants::RETRY_AFTER_SLACK_MS
        );
        println!(
            "  retries bounded        max {} sends of one role, max {} calls in one batch",
            self.max_sends_per_role, self.max_calls_per_batch
        );
    }
}
