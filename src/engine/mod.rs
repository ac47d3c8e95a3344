//! The operation engine: a tokio runtime plus a registry of operations addressed by `u64` ids.
//! Hosts start an op with a JSON request, wait for it in bounded slices, drain its events, take its
//! result envelope, and cancel or release it. Ids are never reused, so a stale id is an error, never
//! another op.

pub(crate) mod op;

use crate::error::Error;
use crate::events::{EventQueue, EventSink};
use crate::services::{Services, cache_options};
use crate::{envelope, logging, methods};
use futures::FutureExt;
use op::Op;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::runtime::{Handle, Runtime};
use tracing::instrument::WithSubscriber;
use tracing::level_filters::LevelFilter;

pub type OpId = u64;

/// Failures of the host-facing calls themselves (not of the operation's work).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    #[error("no operation with that id (it finished and was collected, or never existed)")]
    UnknownOp,
    #[error("the engine has been shut down")]
    ShutDown,
}

/// Engine settings, from the JSON the host passes at creation. Unknown fields are rejected.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EngineConfig {
    /// Tokio worker threads; default 2.
    pub worker_threads: Option<usize>,
    /// Default level of the log events each op emits (`off`, `error`, `warn`, `info`, `debug`,
    /// `trace`); a request's `logLevel` overrides it. Default `info`.
    pub log_level: Option<String>,
    /// Where sign-ins persist: `auto` (encrypted, key in the OS key store), `disabled`, or
    /// `plaintextFile` (opt-in for machines without a key store).
    pub token_cache: Option<String>,
    /// Folder of the token cache; default: the per-user local data folder + `PimRust`.
    pub token_cache_dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineInfo {
    /// Ops whose ids are still live (running, or finished but not collected).
    pub live_ops: usize,
    /// Ops whose task is still running.
    pub running_ops: usize,
}

/// What a host sends to start an op.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct OpRequest {
    method: String,
    #[serde(default)]
    params: Value,
    log_level: Option<String>,
}

#[derive(Default)]
struct Registry {
    ops: Mutex<HashMap<OpId, Arc<Op>>>,
    next_id: AtomicU64,
    running: AtomicUsize,
    shut_down: AtomicBool,
}

impl Registry {
    fn get(&self, id: OpId) -> Result<Arc<Op>, OpError> {
        self.ops.lock().get(&id).cloned().ok_or(OpError::UnknownOp)
    }

    fn retire(&self, id: OpId) {
        self.ops.lock().remove(&id);
    }
}

/// Counts a running task; dropping it (task done, or task dropped unpolled) uncounts it.
struct RunningGuard(Arc<Registry>);

impl RunningGuard {
    fn new(registry: Arc<Registry>) -> Self {
        registry.running.fetch_add(1, Ordering::SeqCst);
        Self(registry)
    }
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct Engine {
    runtime: Mutex<Option<Runtime>>,
    handle: Handle,
    registry: Arc<Registry>,
    default_level: LevelFilter,
    services: Arc<Services>,
}

impl Engine {
    /// Creates an engine from the host's JSON config; blank text means defaults.
    pub fn from_config_json(text: &str) -> Result<Self, Error> {
        let text = if text.trim().is_empty() { "{}" } else { text };
        let config = serde_json::from_str::<EngineConfig>(text)
            .map_err(|e| Error::InvalidArgument(format!("invalid client config: {e}")))?;
        Self::new(config)
    }

    pub fn new(config: EngineConfig) -> Result<Self, Error> {
        let default_level = match &config.log_level {
            Some(text) => logging::parse_level(text)
                .ok_or_else(|| Error::InvalidArgument(format!("unknown log level '{text}'")))?,
            None => LevelFilter::INFO,
        };
        let workers = config.worker_threads.unwrap_or(2);
        if !(1..=64).contains(&workers) {
            return Err(Error::InvalidArgument("workerThreads must be between 1 and 64".into()));
        }
        let cache = cache_options(config.token_cache.as_deref(), config.token_cache_dir.clone())?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("pimrust-worker")
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
        Ok(Self {
            handle: runtime.handle().clone(),
            runtime: Mutex::new(Some(runtime)),
            registry: Arc::new(Registry {
                next_id: AtomicU64::new(1),
                ..Registry::default()
            }),
            default_level,
            services: Arc::new(Services::new(cache)?),
        })
    }

    /// Parses `request` (`{"method", "params"?, "logLevel"?}`) and starts the op; returns at once.
    /// A malformed request or unknown method still yields an op, whose result is the error envelope.
    pub fn start(&self, request: &str) -> Result<OpId, OpError> {
        if self.registry.shut_down.load(Ordering::SeqCst) {
            return Err(OpError::ShutDown);
        }
        let id = self.registry.next_id.fetch_add(1, Ordering::SeqCst);
        let op = Arc::new(Op::new());
        self.registry.ops.lock().insert(id, op.clone());

        let request = serde_json::from_str::<OpRequest>(request)
            .map_err(|e| Error::InvalidArgument(format!("invalid request: {e}")));
        let level = match &request {
            Ok(OpRequest {
                log_level: Some(text), ..
            }) => logging::parse_level(text),
            _ => Some(self.default_level),
        };
        let events = EventSink::new(op.clone());
        let dispatch = logging::dispatch_for_op(events.clone(), level.unwrap_or(self.default_level));
        let request = match (request, level) {
            (Ok(req), Some(_)) => Ok(req),
            (Ok(req), None) => Err(Error::InvalidArgument(format!(
                "unknown log level '{}'",
                req.log_level.unwrap_or_default()
            ))),
            (Err(e), _) => Err(e),
        };

        let registry = self.registry.clone();
        let services = self.services.clone();
        let running = RunningGuard::new(registry.clone());
        let task = async move {
            let started = Instant::now();
            let outcome = match request {
                Err(error) => Err(error),
                Ok(req) => {
                    tracing::debug!(op = id, method = %req.method, "operation started");
                    let work =
                        AssertUnwindSafe(methods::dispatch(services, events, req.method, req.params)).catch_unwind();
                    tokio::select! {
                        biased;
                        _ = op.cancel.cancelled() => Err(Error::Cancelled),
                        result = work => result.unwrap_or_else(|panic| Err(Error::Internal(panic_message(&*panic)))),
                    }
                }
            };
            tracing::debug!(
                op = id,
                ok = outcome.is_ok(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "operation finished"
            );
            // Uncount before publishing, so a host that sees the result never sees the op running.
            drop(running);
            if op.finish(envelope::from_result(outcome)) {
                registry.retire(id);
            }
        }
        .with_subscriber(dispatch);
        self.handle.spawn(task);
        Ok(id)
    }

    /// Blocks up to `timeout` (the caller keeps slices short so it stays interruptible). Returns
    /// true once the op has finished; false on time-out or when a new event is waiting.
    pub fn wait(&self, id: OpId, timeout: Duration) -> Result<bool, OpError> {
        Ok(self.registry.get(id)?.wait(timeout))
    }

    pub fn next_event(&self, id: OpId) -> Result<Option<String>, OpError> {
        Ok(self.registry.get(id)?.pop())
    }

    /// The final envelope, once; collecting it retires the id. `None` while the op still runs.
    pub fn take_result(&self, id: OpId) -> Result<Option<String>, OpError> {
        let op = self.registry.get(id)?;
        let result = op.take_result();
        if result.is_some() {
            self.registry.retire(id);
        }
        Ok(result)
    }

    /// Requests cancellation; idempotent and non-blocking. The result (kind `Cancelled`, unless the
    /// op completed first) is still collected with [`Engine::take_result`].
    pub fn cancel(&self, id: OpId) -> Result<(), OpError> {
        self.registry.get(id)?.cancel.cancel();
        Ok(())
    }

    /// The host gives up on the op: it is cancelled if still running and its id is retired as soon
    /// as it has finished. Idempotent until the id is retired.
    pub fn release(&self, id: OpId) -> Result<(), OpError> {
        let op = self.registry.get(id)?;
        op.cancel.cancel();
        if op.release() {
            self.registry.retire(id);
        }
        Ok(())
    }

    pub fn info(&self) -> EngineInfo {
        EngineInfo {
            live_ops: self.registry.ops.lock().len(),
            running_ops: self.registry.running.load(Ordering::SeqCst),
        }
    }

    /// Cancels every op and stops the runtime without blocking the caller. Idempotent.
    pub fn shutdown(&self) {
        self.registry.shut_down.store(true, Ordering::SeqCst);
        let ops: Vec<Arc<Op>> = self.registry.ops.lock().drain().map(|(_, op)| op).collect();
        for op in ops {
            op.cancel.cancel();
        }
        if let Some(runtime) = self.runtime.lock().take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_string());
    format!("panic inside the operation: {detail}")
}
