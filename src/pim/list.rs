//! Listing across kinds: every kind concurrently (eligible and active at once), a kind that fails
//! (no permission, no licence, no ARM sign-in) reported once while the rest lists, and each distinct
//! policy read once per session — Graph's through `$batch`, ARM's with bounded concurrency.

use super::endpoints::{Urls, graph_policy_query};
use super::model::{ActivationPolicy, EligibleRole, Kind, KindFailure, RoleStatus};
use super::requests::{my_requests, same_role};
use super::status::is_activation_in_progress;
use super::{arm, graph};
use crate::api::ApiClient;
use crate::auth::cloud::Resource;
use crate::error::{Error, ErrorKind};
use crate::events::Event;
use futures::StreamExt;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Policies read this session, by policy key.
#[derive(Default)]
pub struct PolicyCache(Mutex<HashMap<String, ActivationPolicy>>);

/// ARM policy reads in flight at once.
const ARM_POLICY_CONCURRENCY: usize = 8;

/// The activity of the listing's progress events.
const LISTING: &str = "Listing PIM roles";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListOptions {
    /// Kinds to list; all when empty.
    #[serde(default)]
    pub kinds: Vec<Kind>,
    /// Re-read policies instead of using the session's cache.
    #[serde(default)]
    pub refresh: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    pub roles: Vec<EligibleRole>,
    pub failures: Vec<KindFailure>,
}

fn wanted(options: &ListOptions) -> BTreeSet<Kind> {
    if options.kinds.is_empty() {
        [Kind::DirectoryRole, Kind::Group, Kind::AzureResource].into()
    } else {
        options.kinds.iter().copied().collect()
    }
}

/// My eligible or active instances of one kind, each read by its surface.
pub async fn instances(api: &ApiClient, kind: Kind, active: bool) -> Result<Vec<EligibleRole>, Error> {
    let url = Urls::of(api)?.instances(kind, active);
    let me = api.auth().object_id()?;
    let items = api.get_all(kind.resource(), url).await?;
    let read = match kind.resource() {
        Resource::Graph => graph::instance,
        Resource::Arm => arm::instance,
    };
    Ok(items.iter().map(|item| read(kind, item, &me, active)).collect())
}

type KindListing = (Vec<EligibleRole>, Vec<EligibleRole>, Vec<serde_json::Value>);

/// Eligible instances, active instances and my pending requests of one kind, concurrently. The
/// pending requests only refine the status, so failing to read them is not a failure of the kind.
async fn all_of(api: &ApiClient, kind: Kind) -> (Kind, Result<KindListing, Error>) {
    let (eligible, active, pending) = tokio::join!(
        instances(api, kind, false),
        instances(api, kind, true),
        my_requests(api, kind)
    );
    let pending = pending.unwrap_or_else(|error| {
        tracing::debug!("pending {kind:?} requests could not be read: {error}");
        Vec::new()
    });
    (kind, eligible.and_then(|e| active.map(|a| (e, a, pending))))
}

/// A kind that could not be listed. Reported in the listing's `failures` only (the host shows each
/// once), so the log line is debug-level.
fn failure(kind: Kind, error: &Error) -> KindFailure {
    tracing::debug!("{kind:?} roles could not be listed: {error}");
    KindFailure {
        kind,
        code: error.code().to_string(),
        message: error.to_string(),
        http_status: error.http_status(),
    }
}

/// My eligibilities with their activation policies and whether each is active now.
pub async fn eligible(api: &ApiClient, cache: &PolicyCache, options: &ListOptions) -> Result<Listing, Error> {
    let kinds = wanted(options);
    let events = api.events();
    events.emit(Event::progress(LISTING, "Reading eligibilities", 10));
    let results = futures::future::join_all(kinds.iter().map(|kind| all_of(api, *kind))).await;
    let mut roles = Vec::new();
    let mut failures = Vec::new();
    for (kind, result) in results {
        match result {
            Ok((eligible, active, requests)) => {
                let active: HashMap<&str, &EligibleRole> = active.iter().map(|r| (r.key.as_str(), r)).collect();
                let pending: Vec<&serde_json::Value> =
                    requests.iter().filter(|r| is_activation_in_progress(r)).collect();
                roles.extend(eligible.into_iter().map(|mut role| {
                    if let Some(instance) = active.get(role.key.as_str()) {
                        role.status = RoleStatus::Active;
                        role.active_until = instance.active_until;
                    } else if pending.iter().any(|r| same_role(&(&role).into(), r)) {
                        role.status = RoleStatus::PendingActivation;
                    }
                    role
                }));
            }
            Err(error) if error.kind() == ErrorKind::Cancelled => return Err(error),
            Err(error) => failures.push(failure(kind, &error)),
        }
    }
    if roles.is_empty() && failures.len() == kinds.len() {
        let first = &failures[0];
        return Err(Error::service(
            ErrorKind::Service,
            first.code.clone(),
            first.message.clone(),
        ));
    }
    events.emit(Event::progress(LISTING, "Reading activation policies", 50));
    if options.refresh {
        cache.0.lock().clear();
    }
    attach_policies(api, cache, &mut roles).await;
    roles.sort_by(|a, b| (a.kind, &a.role_name, &a.scope).cmp(&(b.kind, &b.role_name, &b.scope)));
    events.emit(Event::progress(LISTING, "Done", 100));
    Ok(Listing { roles, failures })
}

/// My active assignments (activated or standing).
pub async fn active(api: &ApiClient, options: &ListOptions) -> Result<Listing, Error> {
    let kinds = wanted(options);
    let results = futures::future::join_all(
        kinds
            .iter()
            .map(|kind| async move { (*kind, instances(api, *kind, true).await) }),
    )
    .await;
    let mut roles = Vec::new();
    let mut failures = Vec::new();
    for (kind, result) in results {
        match result {
            Ok(found) => roles.extend(found),
            Err(error) if error.kind() == ErrorKind::Cancelled => return Err(error),
            Err(error) => failures.push(failure(kind, &error)),
        }
    }
    roles.sort_by(|a, b| (a.kind, &a.role_name, &a.scope).cmp(&(b.kind, &b.role_name, &b.scope)));
    Ok(Listing { roles, failures })
}

fn policy_key(role: &EligibleRole) -> String {
    match role.kind {
        Kind::AzureResource => format!(
            "arm|{}|{}",
            role.scope.to_ascii_lowercase(),
            role.role_definition_id.to_ascii_lowercase()
        ),
        _ => format!("graph|{}", graph_policy_query(role).unwrap_or_default()),
    }
}

async fn attach_policies(api: &ApiClient, cache: &PolicyCache, roles: &mut [EligibleRole]) {
    let missing: BTreeSet<String> = {
        let cached = cache.0.lock();
        roles
            .iter()
            .map(policy_key)
            .filter(|key| !cached.contains_key(key))
            .collect()
    };
    let graph_queries: Vec<String> = missing
        .iter()
        .filter_map(|k| k.strip_prefix("graph|"))
        .map(str::to_string)
        .collect();
    let arm_targets: Vec<(String, String, String)> = roles
        .iter()
        .filter(|r| r.kind == Kind::AzureResource && missing.contains(&policy_key(r)))
        .map(|r| (policy_key(r), r.scope.clone(), r.role_definition_id.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();

    let graph_read = async {
        if graph_queries.is_empty() {
            return Ok(HashMap::new());
        }
        graph::policies(api, graph_queries).await
    };
    let arm_read = futures::stream::iter(arm_targets)
        .map(|(key, scope, role)| async move { (key, arm::policy(api, &scope, &role).await) })
        .buffer_unordered(ARM_POLICY_CONCURRENCY)
        .collect::<Vec<_>>();
    let (graph_results, arm_results) = tokio::join!(graph_read, arm_read);

    let mut warned = BTreeSet::new();
    let mut found: HashMap<String, ActivationPolicy> = HashMap::new();
    let graph_results = graph_results.unwrap_or_else(|error| {
        tracing::warn!("activation policies could not be read from Microsoft Graph: {error}");
        HashMap::new()
    });
    let all = graph_results
        .into_iter()
        .map(|(q, r)| (format!("graph|{q}"), r))
        .chain(arm_results);
    for (key, result) in all {
        match result {
            Ok(policy) => {
                found.insert(key, policy);
            }
            Err(error) => {
                let surface = key.split('|').next().unwrap_or_default().to_string();
                if warned.insert(surface) {
                    tracing::warn!(
                        "some activation policies could not be read ({error}); their requirements show as unknown"
                    );
                }
            }
        }
    }
    let mut cached = cache.0.lock();
    cached.extend(found);
    for role in roles.iter_mut() {
        if let Some(policy) = cached.get(&policy_key(role)) {
            role.policy = policy.clone();
        }
    }
}
