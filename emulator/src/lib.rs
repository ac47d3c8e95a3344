//! # pimrust-emulator — the sandbox tenant
//!
//! A stateful local emulator of the Entra token endpoints, Microsoft Graph PIM (directory roles,
//! PIM for Groups, policies) and ARM PIM (`Microsoft.Authorization`, api-version 2020-10-01).
//! One loopback listener serves all three "hosts" under path prefixes:
//!
//! | host | URL |
//! |---|---|
//! | login authority | `{base}/{tenant}/oauth2/v2.0/{authorize,token,devicecode}` |
//! | Graph | `{base}/graph` (e.g. `{base}/graph/v1.0/me`) |
//! | ARM | `{base}/arm` (e.g. `{base}/arm/providers/Microsoft.Authorization/...`) |
//! | control plane | `{base}/_emulator/...` (no auth) |
//!
//! See `emulator/SCENARIO.md` for the scenario format and every endpoint.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use pimrust_emulator::{Scenario, StartOptions, start};
//! let emu = start(Scenario::demo(), StartOptions::default()).await?;
//! println!("graph at {}", emu.graph_url());
//! emu.shutdown();
//! # Ok(()) }
//! ```

// Layers, each using only those below it: server → surfaces → state → identity / scenario
// (→ faults) → wire → util.
mod faults;
mod identity;
pub mod scenario;
mod server;
mod state;
mod surfaces;
mod util;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio_util::sync::CancellationToken;

pub use faults::FaultRule;
pub use identity::{ARM_AUDIENCE, AccessClaims, GRAPH_AUDIENCE, Resource, TEST_SIGNING_KEY, TOKEN_MARKER, TokenSpec};
pub use scenario::{Decision, Scenario, ScenarioError};
pub use surfaces::control::FaultConfig;
pub use wire::{FaultOutcome, LogEntry, Surface};

/// Options for [`start`].
#[derive(Debug, Clone)]
pub struct StartOptions {
    /// TCP port on 127.0.0.1; 0 = ephemeral (default).
    pub port: u16,
    /// Seed for jitter; `None` = the scenario's `settings.seed`.
    pub seed: Option<u64>,
    /// Maximum request body size in bytes (default 1 MiB); larger bodies get 413.
    pub body_limit: usize,
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            port: 0,
            seed: None,
            body_limit: 1024 * 1024,
        }
    }
}

/// Error starting the emulator.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot bind 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid scenario: {0}")]
    Scenario(String),
}

/// Error from an in-process control operation.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ControlError(pub String);

/// A running emulator. Dropping it stops the server.
pub struct RunningEmulator {
    addr: SocketAddr,
    shared: Arc<Mutex<state::EmuState>>,
    cancel: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Starts the emulator on a loopback port and returns once it accepts connections.
pub async fn start(scenario: Scenario, options: StartOptions) -> Result<RunningEmulator, StartError> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|source| StartError::Bind {
            port: options.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        port: options.port,
        source,
    })?;
    let base = format!("http://{addr}");
    let seed = options.seed.unwrap_or(scenario.settings.seed);
    let st = state::EmuState::new(scenario, base, seed).map_err(StartError::Scenario)?;
    let shared = Arc::new(Mutex::new(st));
    let cancel = CancellationToken::new();
    let task = tokio::spawn(server::serve(
        listener,
        shared.clone(),
        cancel.clone(),
        options.body_limit,
    ));
    Ok(RunningEmulator {
        addr,
        shared,
        cancel,
        task: Some(task),
    })
}

impl RunningEmulator {
    /// `http://127.0.0.1:{port}` (also the login authority host).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// Tenant id (GUID) of the scenario.
    pub fn tenant_id(&self) -> String {
        self.shared.lock().scenario.tenant.id.clone()
    }
    /// `{base}/{tenantId}` — the authority to configure in a client.
    pub fn authority_url(&self) -> String {
        format!("{}/{}", self.base_url(), self.tenant_id())
    }
    /// `{base}/graph` (append `/v1.0/...`).
    pub fn graph_url(&self) -> String {
        format!("{}/graph", self.base_url())
    }
    /// `{base}/arm` (append `/providers/...` or `/subscriptions/...`).
    pub fn arm_url(&self) -> String {
        format!("{}/arm", self.base_url())
    }

    /// The request log (Graph, ARM and login requests; control-plane calls are not logged).
    pub fn request_log(&self) -> Vec<LogEntry> {
        self.shared.lock().log.clone()
    }
    pub fn clear_request_log(&self) {
        self.shared.lock().log.clear();
    }

    /// Replaces the fault rules (match counters restart).
    pub fn set_faults(&self, rules: Vec<FaultRule>) -> Result<(), ControlError> {
        self.shared.lock().faults.set_rules(rules).map_err(ControlError)
    }
    pub fn faults(&self) -> Vec<FaultRule> {
        self.shared.lock().faults.rules()
    }
    pub fn clear_faults(&self) {
        let _ = self.shared.lock().faults.set_rules(vec![]);
    }

    /// Approves or denies a request in `PendingApproval` (by request id / ARM name).
    pub fn decide_approval(&self, request_id: &str, decision: Decision) -> Result<String, ControlError> {
        self.shared
            .lock()
            .decide(request_id, decision)
            .map(|r| r.status.as_str().to_string())
            .map_err(ControlError)
    }
    /// Ids of requests waiting for a decision.
    pub fn pending_approvals(&self) -> Vec<String> {
        let mut st = self.shared.lock();
        let now = st.now();
        st.tick(now);
        st.requests
            .iter()
            .filter(|r| {
                matches!(
                    r.status,
                    state::Status::PendingApproval | state::Status::PendingAdminDecision
                )
            })
            .map(|r| r.id.clone())
            .collect()
    }
    /// Current status of a request (after applying time-driven transitions).
    pub fn request_status(&self, request_id: &str) -> Option<String> {
        let mut st = self.shared.lock();
        let now = st.now();
        st.tick(now);
        st.find_request(request_id).map(|r| r.status.as_str().to_string())
    }

    /// Approves a pending device code as `upn` (default user when `None`).
    pub fn approve_device_code(&self, user_code: &str, upn: Option<&str>) -> Result<(), ControlError> {
        self.shared
            .lock()
            .decide_device_code(user_code, true, upn, None)
            .map_err(ControlError)
    }
    /// Like [`Self::approve_device_code`] with an explicit `amr` for the sign-in.
    pub fn approve_device_code_with_amr(
        &self,
        user_code: &str,
        upn: Option<&str>,
        amr: Vec<String>,
    ) -> Result<(), ControlError> {
        self.shared
            .lock()
            .decide_device_code(user_code, true, upn, Some(amr))
            .map_err(ControlError)
    }
    pub fn deny_device_code(&self, user_code: &str) -> Result<(), ControlError> {
        self.shared
            .lock()
            .decide_device_code(user_code, false, None, None)
            .map_err(ControlError)
    }

    /// Moves the emulator clock forward (tokens, activations, device codes, approvals).
    pub fn advance_clock(&self, by: std::time::Duration) {
        let mut st = self.shared.lock();
        let ms = i64::try_from(by.as_millis())
            .unwrap_or(i64::MAX)
            .min(100 * 365 * 86_400_000);
        st.clock_offset += chrono::Duration::milliseconds(ms);
        let now = st.now();
        st.tick(now);
    }

    /// Mints an access token directly (skips the OAuth dance).
    pub fn issue_token(&self, spec: &TokenSpec) -> Result<String, ControlError> {
        self.shared.lock().mint_access_token(spec).map_err(ControlError)
    }

    /// Debug dump of the tenant state (same as `GET /_emulator/state`).
    pub fn state_json(&self) -> serde_json::Value {
        self.shared.lock().debug_dump()
    }

    /// Stops accepting connections and closes open ones. Also done on drop.
    pub fn shutdown(&self) {
        self.cancel.cancel();
    }

    /// Stops the server and waits for the accept loop to end.
    pub async fn shutdown_and_wait(mut self) {
        self.cancel.cancel();
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
