//! R5 of issue 14: the token cache under concurrency and damage. Several processes (this test binary
//! re-invoked in a child role) sign in, refresh and sign out at once against one emulator, sharing
//! one encrypted cache folder; then damaged cache files (corrupted, truncated, foreign key, a
//! plaintext file) must each give a clear warning and a fresh sign-in.
//!
//! Invariants checked after every write, in every process: the file decrypts (independently of the
//! library), no write of this process was lost, the folder is 0700 and every file 0600, and no file
//! under the state folder (cache, lock, temp files) holds a token: every token the emulator mints
//! carries [`pimrust_emulator::TOKEN_MARKER`], and every JWT starts `eyJ`.
//!
//! Short run: 3 processes, ~100 cache writes. `PIMRUST_RELIABILITY=heavy`: 4 processes, ≥1,000.

mod damage;
#[path = "../token_cache/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;
mod logs;
mod state;
#[path = "../support/mod.rs"]
mod support;
mod worker;

use state::StateFolder;
use std::process::Command;
use std::time::Instant;

pub fn heavy() -> bool {
    std::env::var("PIMRUST_RELIABILITY").is_ok_and(|v| v.eq_ignore_ascii_case("heavy"))
}

/// Processes and the cache writes they make together.
fn plan() -> (usize, usize) {
    if heavy() { (4, 1_000) } else { (3, 100) }
}

#[test]
fn processes_sign_in_refresh_and_sign_out_at_once_without_losing_a_write() {
    if let Some(role) = worker::Role::from_env() {
        return role.run();
    }
    let (processes, writes) = plan();
    let state = StateFolder::new();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emulator = runtime.block_on(worker::start_emulator());
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let children: Vec<_> = (0..processes)
        .map(|id| {
            let mut command = Command::new(&exe);
            command.args([
                "--exact",
                "processes_sign_in_refresh_and_sign_out_at_once_without_losing_a_write",
                "--nocapture",
                "--test-threads=1",
            ]);
            worker::Role {
                id,
                writes: writes.div_ceil(processes),
                emulator: emulator.base_url(),
                tenant: emulator.tenant_id(),
                root: state.root().to_path_buf(),
            }
            .set_env(&mut command);
            command.output_async()
        })
        .collect();
    state.go();
    let mut total = 0;
    let mut last_tokens = Vec::new();
    for (id, child) in children.into_iter().enumerate() {
        let out = child.join().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "process {id} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report = worker::Report::find(&stdout).unwrap_or_else(|| panic!("process {id} did not report: {stdout}"));
        total += report.writes;
        last_tokens.push((worker::client_id(id), report.last_token));
    }
    let elapsed = started.elapsed();
    // The end state: each process left its sign-in, with the refresh token it saw stored last.
    state.check_invariants();
    let stored = state.stored_tokens();
    for (client, fingerprint) in &last_tokens {
        assert_eq!(
            stored.get(client),
            Some(fingerprint),
            "the last write of {client} was lost"
        );
    }
    assert_eq!(stored.len(), processes, "entries: {:?}", stored.keys());
    assert!(total >= writes, "{total} writes, {writes} planned");
    println!(
        "reliability_cache: writes {total}, processes {processes}, corruptions 0, lost writes 0, in {:.1} s",
        elapsed.as_secs_f64()
    );
    drop(emulator);
}

/// `Command::output` on its own thread, so that all children run at once.
trait OutputAsync {
    fn output_async(self) -> std::thread::JoinHandle<std::process::Output>;
}

impl OutputAsync for Command {
    fn output_async(mut self) -> std::thread::JoinHandle<std::process::Output> {
        std::thread::spawn(move || self.output().unwrap())
    }
}
