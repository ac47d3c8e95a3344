//! R2 of issue 14: the C ABI cannot be crashed. Property tests call every `pim_*` export (the list in
//! `NativeMethods.g.cs`) exactly as a careless host could: arbitrary bytes, invalid UTF-8, huge
//! strings, deeply nested JSON, wrong types and unknown fields for every method name, stale and
//! random handles and op ids, and cancel/release/free racing from several threads. Every call must
//! return a defined status, every op an envelope; a panic anywhere fails the test.
//!
//! Cases per export: `PIMRUST_ABI_CASES` if set, else 100,000 with `PIMRUST_RELIABILITY=heavy`,
//! else a short run. Nothing reaches the network: every client has its token cache disabled and
//! every sign-in is non-interactive, so `pim.*` methods fail (or are cancelled) locally.

mod exports;
mod host;
mod inputs;
mod races;

use proptest::test_runner::{Config, FileFailurePersistence};

/// Cases in the short run (`cargo xtask test`): a few seconds for all exports together.
const SHORT_CASES: u32 = 300;
/// The floor for the heavy run, per export.
const HEAVY_CASES: u32 = 100_000;

pub fn heavy() -> bool {
    std::env::var("PIMRUST_RELIABILITY").is_ok_and(|v| v.eq_ignore_ascii_case("heavy"))
}

pub fn cases() -> u32 {
    match std::env::var("PIMRUST_ABI_CASES").ok().and_then(|v| v.parse().ok()) {
        Some(cases) => cases,
        None if heavy() => HEAVY_CASES,
        None => SHORT_CASES,
    }
}

/// Proptest settings: our case count, no regression files written into the source tree.
pub fn config() -> Config {
    Config {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        max_shrink_iters: 2_000,
        ..Config::default()
    }
}

/// One line per property for the figures of the closing note.
pub fn report(export: &str, inputs: u64) {
    println!("reliability_abi: {export}: {inputs} generated inputs, 0 crashes");
}
