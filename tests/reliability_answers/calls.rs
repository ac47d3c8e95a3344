//! The calls a listing makes, their real answers, and a listing run while one of them answers
//! something else (bounded in time, a panic caught and reported).

use crate::support::sandbox::roles;
use pimrust_core::api::ApiClient;
use pimrust_core::auth::cloud::Resource;
use pimrust_core::http::Idempotency;
use pimrust_core::pim::list::{self, ListOptions, Listing, PolicyCache};
use pimrust_emulator::{FaultRule, LogEntry, RunningEmulator, Surface};
use serde_json::{Value, json};
use std::time::Duration;

/// A listing that takes longer than this hangs.
pub const LISTING_TIME_LIMIT: Duration = Duration::from_secs(20);

/// One call of a listing, and what the service really answers it.
pub struct Call {
    pub entry: LogEntry,
    pub url: String,
    pub answer: Value,
}

impl Call {
    pub fn name(&self) -> String {
        format!("{} {}", self.entry.method, self.entry.path)
    }
}

fn resource(surface: Surface) -> Resource {
    match surface {
        Surface::Arm => Resource::Arm,
        _ => Resource::Graph,
    }
}

/// The Graph and ARM calls of one listing, each sent again to read its answer.
pub async fn of_listing(emulator: &RunningEmulator, api: &ApiClient) -> Vec<Call> {
    emulator.clear_request_log();
    roles(api).await;
    let mut calls = Vec::new();
    for entry in emulator.request_log() {
        if !matches!(entry.surface, Surface::Graph | Surface::Arm)
            || calls
                .iter()
                .any(|c: &Call| c.name() == format!("{} {}", entry.method, entry.path))
        {
            continue;
        }
        let query = if entry.query.is_empty() {
            String::new()
        } else {
            format!("?{}", entry.query)
        };
        let url = format!("{}{}{query}", emulator.base_url(), entry.path);
        let method = reqwest::Method::from_bytes(entry.method.as_bytes()).unwrap();
        let body = (!entry.body.is_null()).then_some(&entry.body);
        let response = api
            .send_json(
                resource(entry.surface),
                method,
                &url,
                body,
                Idempotency::Idempotent,
                None,
            )
            .await
            .unwrap();
        assert!(
            response.status.is_success(),
            "{} answered {}",
            entry.path,
            response.status
        );
        let answer = response.json().unwrap();
        calls.push(Call { entry, url, answer });
    }
    calls
}

/// What became of a listing.
#[derive(Debug)]
pub enum Ending {
    Listed(Listing),
    Failed(pimrust_core::Error),
    Panicked(String),
    Hung,
}

/// A listing while `call` answers `body` instead (its status and headers unchanged).
pub async fn listing_with(emulator: &RunningEmulator, api: &ApiClient, call: &Call, body: String) -> Ending {
    let rule: FaultRule = serde_json::from_value(json!({
        "method": call.entry.method,
        "pathRegex": format!("^{}$", regex::escape(&call.entry.path)),
        "replaceBody": body,
    }))
    .unwrap();
    emulator.set_faults(vec![rule]).unwrap();
    let api = api.clone();
    let mut listing =
        tokio::spawn(async move { list::eligible(&api, &PolicyCache::default(), &ListOptions::default()).await });
    let ending = match tokio::time::timeout(LISTING_TIME_LIMIT, &mut listing).await {
        Err(_) => {
            listing.abort();
            Ending::Hung
        }
        Ok(Err(join)) => Ending::Panicked(join.to_string()),
        Ok(Ok(Ok(listing))) => Ending::Listed(listing),
        Ok(Ok(Err(error))) => Ending::Failed(error),
    };
    emulator.clear_faults();
    ending
}
