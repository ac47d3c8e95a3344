//! The activation policies of a listing: what identifies each role's policy, and reading the ones the
//! cache does not hold in one concurrent wave — Graph's through `$batch`, ARM's one GET per
//! (scope, role definition).
//!
//! ARM reads are not shared between scopes, not even resource groups of one subscription: a policy
//! can be set at any scope, and which one applies (the `policyId`, possibly a parent's) is only known
//! from the answer for that scope (pim-api.md §5.5), so reading one scope and assuming it for another
//! would show the wrong requirements wherever a resource group has its own policy.

use super::endpoints::graph_policy_query;
use super::model::{ActivationPolicy, Kind, PolicyHolder, PolicySubject};
use super::policy_cache::PolicyCache;
use super::{arm, graph};
use crate::api::ApiClient;
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// ARM policy reads in flight at once: as many as Graph answers in one `$batch` (20), so a typical
/// user's reads go out in one wave, while someone eligible at hundreds of scopes neither opens
/// hundreds of connections nor spends ARM's per-user read quota in one burst (429s would cost more
/// waves than the bound does).
pub const ARM_POLICY_CONCURRENCY: usize = 20;

/// What one policy read asks for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Read {
    /// A Graph query relative to `v1.0`.
    Graph(String),
    /// An ARM scope and full role definition id.
    Arm(String, String),
}

/// The cache key of `role`'s policy (service root + tenant + what the read asks for), and the read.
fn policy_read(role: &PolicySubject, roots: &(String, String), tenant: &str) -> (String, Read) {
    match role.kind {
        Kind::AzureResource => (
            format!(
                "{}|{tenant}|arm|{}|{}",
                roots.1,
                role.scope.to_ascii_lowercase(),
                role.role_definition_id.to_ascii_lowercase()
            ),
            Read::Arm(role.scope.to_string(), role.role_definition_id.to_string()),
        ),
        _ => {
            let query = graph_policy_query(role).unwrap_or_default();
            (format!("{}|{tenant}|graph|{query}", roots.0), Read::Graph(query))
        }
    }
}

/// Fills in each role's policy: from the cache, else read (all missing ones at once) and cached.
/// `refresh` rereads everything and rewrites the cache.
pub async fn attach_policies(api: &ApiClient, cache: &PolicyCache, roles: &mut [impl PolicyHolder], refresh: bool) {
    let Ok(endpoints) = api.auth().endpoints() else {
        return;
    };
    let roots = (
        endpoints.graph.as_str().trim_end_matches('/').to_string(),
        endpoints.arm.as_str().trim_end_matches('/').to_string(),
    );
    let tenant = api.auth().tenant_id().unwrap_or_default().to_ascii_lowercase();
    let wanted: BTreeMap<String, Read> = roles
        .iter()
        .map(|r| policy_read(&r.policy_subject(), &roots, &tenant))
        .collect();
    let keys: Vec<String> = wanted.keys().cloned().collect();
    let (mut known, rewrite) = if refresh {
        (HashMap::new(), false)
    } else {
        cache.lookup(&keys).await
    };
    let missing: Vec<(String, Read)> = wanted.into_iter().filter(|(k, _)| !known.contains_key(k)).collect();
    let read = read_policies(api, missing).await;
    known.extend(read.iter().map(|(k, p)| (k.clone(), p.clone())));
    cache.store(read, rewrite || refresh).await;
    for role in roles.iter_mut() {
        if let Some(policy) = known.get(&policy_read(&role.policy_subject(), &roots, &tenant).0) {
            role.set_policy(policy.clone());
        }
    }
}

/// Reads `missing` in one wave (the Graph batch and the ARM GETs concurrently). A policy that cannot
/// be read is left out (its requirements show as unknown), with one warning per surface.
async fn read_policies(api: &ApiClient, missing: Vec<(String, Read)>) -> HashMap<String, ActivationPolicy> {
    let mut graph_keys: HashMap<String, String> = HashMap::new();
    let mut arm_reads = Vec::new();
    for (key, read) in missing {
        match read {
            Read::Graph(query) => {
                graph_keys.insert(query, key);
            }
            Read::Arm(scope, role) => arm_reads.push((key, scope, role)),
        }
    }
    let graph_read = async {
        if graph_keys.is_empty() {
            return Ok(HashMap::new());
        }
        graph::policies(api, graph_keys.keys().cloned().collect()).await
    };
    let arm_read = futures::stream::iter(arm_reads)
        .map(|(key, scope, role)| async move { (key, arm::policy(api, &scope, &role).await) })
        .buffer_unordered(ARM_POLICY_CONCURRENCY)
        .collect::<Vec<_>>();
    let (graph_results, arm_results) = tokio::join!(graph_read, arm_read);
    let graph_results = graph_results.unwrap_or_else(|error| {
        tracing::warn!("activation policies could not be read from Microsoft Graph: {error}");
        HashMap::new()
    });
    let all = graph_results
        .into_iter()
        .filter_map(|(query, result)| Some((graph_keys.get(&query)?.clone(), "graph", result)))
        .chain(arm_results.into_iter().map(|(key, result)| (key, "arm", result)));
    let mut warned = BTreeSet::new();
    let mut found = HashMap::new();
    for (key, surface, result) in all {
        match result {
            Ok(policy) => {
                found.insert(key, policy);
            }
            Err(error) => {
                if warned.insert(surface) {
                    tracing::warn!(
                        "some activation policies could not be read ({error}); their requirements show as unknown"
                    );
                }
            }
        }
    }
    found
}
