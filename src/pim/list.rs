//! Listing across kinds: every kind concurrently (eligible and active at once), a kind that fails
//! (no permission, no licence, no ARM sign-in) reported once while the rest lists, then the policies
//! the cache does not hold, in one wave (see `policies`).

use super::endpoints::Urls;
use super::model::{EligibleRole, Kind, KindFailure, RoleStatus};
use super::policies::attach_policies;
use super::requests::{my_requests, same_role};
use super::status::is_activation_in_progress;
use super::{arm, graph};
use crate::api::ApiClient;
use crate::auth::cloud::Resource;
use crate::error::{Error, ErrorKind};
use crate::events::Event;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

pub use super::policy_cache::PolicyCache;

/// The activity of the listing's progress events.
const LISTING: &str = "Listing PIM roles";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListOptions {
    /// Kinds to list; all when empty.
    #[serde(default)]
    pub kinds: Vec<Kind>,
    /// Re-read policies instead of using the cache (which is then rewritten).
    #[serde(default)]
    pub refresh: bool,
    /// Leave out the policies: for a host that picks roles from the listing and has only the chosen
    /// ones' policies read when it activates them (`ActivateParams::read_policies`).
    #[serde(default)]
    pub skip_policies: bool,
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
    if !options.skip_policies {
        events.emit(Event::progress(LISTING, "Reading activation policies", 50));
        attach_policies(api, cache, &mut roles, options.refresh).await;
    }
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
