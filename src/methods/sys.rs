//! Built-in methods that prove the plumbing: `sys.echo` returns its params; `sys.sleep` waits,
//! reporting progress, and stops at once when cancelled.

use super::Context;
use crate::error::Error;
use crate::events::Event;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub(super) fn echo(params: Value) -> Value {
    tracing::debug!("echoing {} bytes of params", params.to_string().len());
    params
}

/// Longest sleep accepted: one day.
const MAX_SLEEP_MS: u64 = 86_400_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct SleepParams {
    ms: u64,
    #[serde(default = "default_progress_interval")]
    progress_interval_ms: u64,
}

fn default_progress_interval() -> u64 {
    100
}

pub(super) async fn sleep(context: &Context, params: SleepParams) -> Result<Value, Error> {
    if params.ms > MAX_SLEEP_MS {
        return Err(Error::InvalidArgument(format!("ms must be at most {MAX_SLEEP_MS}")));
    }
    if params.progress_interval_ms == 0 {
        return Err(Error::InvalidArgument("progressIntervalMs must be positive".into()));
    }
    let total = Duration::from_millis(params.ms);
    let step = Duration::from_millis(params.progress_interval_ms);
    let started = Instant::now();
    tracing::info!("sleeping {} ms", params.ms);
    // The first report is the start (0 %), however late the task got to run.
    let mut elapsed = Duration::ZERO;
    loop {
        let percent = if total.is_zero() {
            100
        } else {
            (elapsed.as_millis() * 100 / total.as_millis()).min(100) as u64
        };
        context.events.emit(Event::Progress {
            activity: "sys.sleep".into(),
            status: None,
            percent,
            elapsed_ms: Some(elapsed.as_millis() as u64),
        });
        if elapsed >= total {
            break;
        }
        tokio::time::sleep(step.min(total - elapsed)).await;
        elapsed = started.elapsed();
    }
    Ok(json!({ "sleptMs": started.elapsed().as_millis() as u64 }))
}
