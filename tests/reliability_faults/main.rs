//! R1 of the reliability suite: activation batches of mixed kinds (1 to 20 roles) against the
//! sandbox while it throttles (`Retry-After` in seconds and as a date), fails (500/502/503/504,
//! HTML error pages), drops connections after taking a request, answers too slowly and cuts
//! answers short. Nothing may be lost or doubled: see `invariants.rs` for the checks.
//!
//! A short run by default; `PIMRUST_RELIABILITY=heavy` runs 1,000 batches.
//! `PIMRUST_RELIABILITY_SEED` repeats a run (the seed is printed).

#[path = "../support/mod.rs"]
mod support;

mod figures;
mod invariants;
mod log;
mod plan;
mod sandbox;

use figures::BatchFigures;
use pimrust_core::pim::activate::{self, ActivateParams, ActivationTarget};
use pimrust_core::pim::list::PolicyCache;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SHORT_BATCHES: usize = 32;
const HEAVY_BATCHES: usize = 1000;
/// Batches run side by side, each against its own emulator (they mostly wait on timers).
const WORKERS: usize = 4;
/// A batch that takes longer than this hangs.
const BATCH_TIME_LIMIT: Duration = Duration::from_secs(90);

fn batches() -> usize {
    match std::env::var("PIMRUST_RELIABILITY").as_deref() {
        Ok("heavy") => HEAVY_BATCHES,
        _ => SHORT_BATCHES,
    }
}

fn seed() -> u64 {
    std::env::var("PIMRUST_RELIABILITY_SEED")
        .ok()
        .map(|s| s.parse().expect("PIMRUST_RELIABILITY_SEED is a number"))
        .unwrap_or_else(rand::random)
}

/// A batch whose roles got no outcome at all.
fn unreported(targets: &[ActivationTarget], why: String) -> BatchFigures {
    BatchFigures {
        roles: targets.len(),
        lost: targets.len(),
        violations: vec![why],
        ..BatchFigures::default()
    }
}

/// One batch: a fresh tenant, 1 to 20 of its roles, faults drawn from the batch's own seed.
async fn run_batch(seed: u64, index: usize) -> BatchFigures {
    let batch_seed = seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut rng = StdRng::seed_from_u64(batch_seed);
    let sandbox = sandbox::start(batch_seed).await;
    let mut targets: Vec<ActivationTarget> = sandbox.roles.iter().map(Into::into).collect();
    targets.shuffle(&mut rng);
    targets.truncate(rng.random_range(1..=20));
    sandbox.emulator.set_faults(plan::draw(&mut rng)).unwrap();
    sandbox.emulator.clear_request_log();
    let params = ActivateParams::new(targets.clone(), Some(&format!("reliability batch {index}")));
    let outcomes = tokio::time::timeout(
        BATCH_TIME_LIMIT,
        activate::activate(&sandbox.api, &PolicyCache::default(), params),
    )
    .await;
    sandbox.emulator.clear_faults();
    let mut figures = match outcomes {
        Ok(Ok(outcomes)) => invariants::check(
            &targets,
            &outcomes,
            &sandbox.emulator.state_json(),
            &sandbox.emulator.request_log(),
        ),
        Ok(Err(error)) => unreported(&targets, format!("the batch failed as a whole: {error}")),
        Err(_) => unreported(&targets, format!("the batch hung for {BATCH_TIME_LIMIT:?}")),
    };
    for violation in &mut figures.violations {
        *violation = format!("batch {index} (seed {batch_seed}): {violation}");
    }
    figures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activation_batches_under_random_faults_lose_and_double_nothing() {
    let seed = seed();
    let total = batches();
    println!("R1 reliability_faults: seed {seed}, {total} batches");
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let next = next.clone();
            tokio::spawn(async move {
                let mut figures = Vec::new();
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if index >= total {
                        return figures;
                    }
                    figures.push(run_batch(seed, index).await);
                }
            })
        })
        .collect();
    let mut all = BatchFigures::default();
    for worker in workers {
        for batch in worker.await.unwrap() {
            all.add(batch);
        }
    }
    all.print(seed, started.elapsed().as_secs_f64());
    assert_eq!(all.batches, total);
    assert!(
        all.violations.is_empty(),
        "seed {seed}: {} violation(s):\n{}",
        all.violations.len(),
        all.violations.join("\n")
    );
    assert_eq!((all.lost, all.duplicated, all.resent_blindly), (0, 0, 0));
    assert!(all.faults.values().sum::<usize>() > 0, "faults were injected");
}
