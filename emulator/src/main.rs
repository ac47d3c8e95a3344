//! `pimrust-emulator --scenario FILE [--port 0] [--seed N]`
//!
//! Prints the base URL as the first line of stdout, then serves until killed or Ctrl+C.

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use pimrust_emulator::{Scenario, StartOptions, start};

#[derive(Parser, Debug)]
#[command(
    name = "pimrust-emulator",
    version,
    about = "Sandbox tenant: local emulator of Entra token endpoints, Graph PIM and ARM PIM"
)]
struct Args {
    /// Scenario file (JSON, see emulator/SCENARIO.md). `demo` / `minimal` = the bundled ones.
    #[arg(long, env = "PIMRUST_EMULATOR_SCENARIO")]
    scenario: String,
    /// Port on 127.0.0.1 (0 = ephemeral).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed for deterministic jitter (overrides the scenario's settings.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Maximum request body size in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    body_limit: usize,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let scenario = match args.scenario.as_str() {
        "demo" => Ok(Scenario::demo()),
        "minimal" => Ok(Scenario::minimal()),
        path => Scenario::load(PathBuf::from(path)),
    };
    let scenario = match scenario {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pimrust-emulator: {e}");
            std::process::exit(2);
        }
    };
    let tenant = scenario.tenant.id.clone();
    let opts = StartOptions {
        port: args.port,
        seed: args.seed,
        body_limit: args.body_limit,
    };
    let emu = match start(scenario, opts).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("pimrust-emulator: {e}");
            std::process::exit(1);
        }
    };
    let base = emu.base_url();
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{base}");
        let _ = out.flush();
    }
    eprintln!(
        "pimrust-emulator: authority {base}/{tenant}  graph {base}/graph  arm {base}/arm  control {base}/_emulator"
    );
    wait_for_signal().await;
    emu.shutdown_and_wait().await;
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = term.recv() => {},
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
