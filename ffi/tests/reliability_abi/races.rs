//! Several host threads racing on one client: cancel, release, wait, drain and collect the same ops
//! while another thread frees the client. Every answer is defined, nothing is collected twice, and a
//! client that survives ends with no live or running op.

use crate::host::{self, assert_defined, empty, take_text};
use crate::{heavy, report};
use pimrust::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const THREADS: usize = 4;
const OPS_PER_ROUND: usize = 24;

fn rounds() -> usize {
    if heavy() { 2_000 } else { 40 }
}

/// A small deterministic generator, so that each thread picks its own calls without sharing state.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

fn new_client() -> u64 {
    let mut handle = 0;
    let config = host::CONFIG;
    let status = unsafe { pim_client_new(config.as_ptr(), config.len(), &mut handle, std::ptr::null_mut()) };
    assert_eq!(status, PimStatus::Ok);
    handle
}

fn start(client: u64, dice: &mut Dice) -> Option<u64> {
    let request = match dice.roll(3) {
        0 => r#"{"method":"sys.echo","params":{"n":1}}"#.to_string(),
        1 => format!(
            r#"{{"method":"sys.sleep","params":{{"ms":{},"progressIntervalMs":1}}}}"#,
            dice.roll(5)
        ),
        _ => r#"{"method":"sys.sleep","params":{"ms":600000}}"#.to_string(),
    };
    let mut op = 0;
    let status = unsafe { pim_op_start(client, request.as_ptr(), request.len(), &mut op) };
    assert_defined(status);
    // A client freed by another thread refuses new ops with a defined status.
    assert!(
        matches!(status, PimStatus::Ok | PimStatus::InvalidHandle | PimStatus::ShutDown),
        "{status:?}"
    );
    (status == PimStatus::Ok).then_some(op)
}

/// One thread's random calls on the round's ops; returns how many results it collected.
fn hammer(client: u64, ops: &[u64], seed: u64, free_at: Option<usize>) -> usize {
    let mut dice = Dice(seed | 1);
    let mut collected = 0;
    for call in 0..200 {
        if free_at == Some(call) {
            let status = pim_client_free(client);
            assert!(matches!(status, PimStatus::Ok | PimStatus::InvalidHandle), "{status:?}");
        }
        let op = ops[dice.roll(ops.len() as u64) as usize];
        let status = match dice.roll(6) {
            0 => pim_op_cancel(client, op),
            1 => pim_op_release(client, op),
            2 => pim_op_wait(client, op, dice.roll(2) as u32),
            3 | 4 => {
                let mut out = empty();
                let result = dice.roll(2) == 0;
                let take = if result { pim_op_result } else { pim_op_next_event };
                let status = unsafe { take(client, op, &mut out) };
                let text = take_text(out);
                assert_eq!(text.is_some(), status == PimStatus::Ok);
                if result && status == PimStatus::Ok {
                    host::check_envelope(&serde_json::from_str(&text.unwrap()).unwrap());
                    collected += 1;
                }
                status
            }
            _ => {
                let mut out = empty();
                let status = unsafe { pim_client_info(client, &mut out) };
                take_text(out);
                status
            }
        };
        assert_defined(status);
    }
    collected
}

/// Retires whatever is left: release every op, then the client must drain to zero.
fn drain(client: u64, ops: &[u64]) {
    for &op in ops {
        assert_defined(pim_op_release(client, op));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut out = empty();
        assert_eq!(unsafe { pim_client_info(client, &mut out) }, PimStatus::Ok);
        let info: serde_json::Value = serde_json::from_str(&take_text(out).unwrap()).unwrap();
        if info["liveOps"] == 0 && info["runningOps"] == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "ops left behind: {info}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn concurrent_cancel_release_collect_and_free_stay_defined() {
    let calls = Arc::new(AtomicUsize::new(0));
    for round in 0..rounds() {
        let client = new_client();
        let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ round as u64);
        let ops: Arc<Vec<u64>> = Arc::new((0..OPS_PER_ROUND).filter_map(|_| start(client, &mut dice)).collect());
        // Every other round, one thread frees the client part-way through.
        let freer = (round % 2 == 1).then(|| dice.roll(THREADS as u64) as usize);
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let ops = ops.clone();
                let calls = calls.clone();
                let free_at = (freer == Some(t)).then(|| (round * 7) % 200);
                let seed = dice.roll(u64::MAX);
                std::thread::spawn(move || {
                    let collected = hammer(client, &ops, seed, free_at);
                    calls.fetch_add(200, Ordering::Relaxed);
                    collected
                })
            })
            .collect();
        let collected: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert!(collected <= ops.len(), "a result was collected twice");
        if freer.is_none() {
            drain(client, &ops);
            assert_eq!(pim_client_free(client), PimStatus::Ok);
        }
        assert_eq!(pim_client_free(client), PimStatus::InvalidHandle);
    }
    report(
        &format!(
            "concurrent cancel/release/free ({} rounds x {THREADS} threads)",
            rounds()
        ),
        calls.load(Ordering::Relaxed) as u64,
    );
}
