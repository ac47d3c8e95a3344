//! Policy reads of a listing against the sandbox: one concurrent wave when cold, none from a fresh
//! cache on disk (a new process), rereads after the TTL or with `refresh`, a corrupt file ignored and
//! rewritten, the file private and free of tokens, and deleted by signing out of everything; and a
//! host that lists without policies has only the chosen roles' policies read when it activates.

mod support;

use pimrust_core::api::ApiClient;
use pimrust_core::pim::activate::{self, ActivateParams};
use pimrust_core::pim::list::{self, ListOptions, Listing, PolicyCache};
use pimrust_core::pim::outcome::OutcomeStatus;
use pimrust_core::pim::policy_cache::{POLICY_FILE, POLICY_TTL};
use pimrust_emulator::{FaultRule, LogEntry, RunningEmulator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use support::engine::{call, engine_with_cache, passthrough};
use support::sandbox::*;

/// More Azure eligibilities (one role at each of `azure` resource groups) than the old bound of 8.
const AZURE: usize = 12;
const ARM_LATENCY_MS: u64 = 1000;

async fn sandbox() -> RunningEmulator {
    emulator(|s| {
        let subscription = s["subscriptions"][0]["id"].as_str().unwrap().to_string();
        let user = s["defaultUser"].as_str().unwrap().to_string();
        let groups: Vec<String> = (0..AZURE).map(|i| format!("rg-wave-{i:02}")).collect();
        s["subscriptions"][0]["resourceGroups"]
            .as_array_mut()
            .unwrap()
            .extend(groups.iter().map(|g| json!(g)));
        for rg in &groups {
            s["eligibilities"].as_array_mut().unwrap().push(json!({
                "principal": user, "azureRoleId": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
                "scope": format!("/subscriptions/{subscription}/resourceGroups/{rg}")
            }));
        }
    })
    .await
}

fn is_policy_read(entry: &LogEntry) -> bool {
    entry.path.contains("roleManagementPolicyAssignments") || entry.path.ends_with("/$batch")
}

fn policy_reads(emulator: &RunningEmulator) -> Vec<LogEntry> {
    emulator.request_log().into_iter().filter(is_policy_read).collect()
}

async fn listing(api: &ApiClient, cache: &PolicyCache, refresh: bool) -> Listing {
    let options = ListOptions {
        refresh,
        ..Default::default()
    };
    list::eligible(api, cache, &options).await.unwrap()
}

fn cache_in(dir: &Path) -> (PolicyCache, PathBuf) {
    let file = dir.join("state").join(POLICY_FILE);
    (PolicyCache::on_disk(file.clone()), file)
}

fn read_json(file: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap()
}

#[tokio::test]
async fn a_cold_listing_reads_its_policies_in_one_wave_and_a_fresh_process_reads_none() {
    let emulator = sandbox().await;
    let api = signed_in(&emulator).await;
    let slow_arm_policies: FaultRule = serde_json::from_value(json!({
        "pathRegex": "roleManagementPolicyAssignments", "surface": "arm", "latencyMs": ARM_LATENCY_MS
    }))
    .unwrap();
    emulator.set_faults(vec![slow_arm_policies]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cold, file) = cache_in(dir.path());
    emulator.clear_request_log();
    let listed = listing(&api, &cold, false).await;
    assert!(listed.failures.is_empty(), "{:?}", listed.failures);
    let reads = policy_reads(&emulator);
    let arm: Vec<&LogEntry> = reads.iter().filter(|e| e.path.starts_with("/arm/")).collect();
    let distinct_arm = listed
        .roles
        .iter()
        .filter(|r| r.kind == pimrust_core::pim::model::Kind::AzureResource)
        .count();
    assert!(arm.len() > 8 && arm.len() == distinct_arm, "{} ARM reads", arm.len());
    assert_eq!(reads.len(), arm.len() + 1, "and one Graph $batch");
    // The log stamps an answer when it leaves (after the latency): one wave ends within a fraction
    // of the latency, a second wave at least one latency later.
    let done: Vec<chrono::DateTime<chrono::Utc>> = arm.iter().map(|e| e.time.parse().unwrap()).collect();
    let spread = *done.iter().max().unwrap() - *done.iter().min().unwrap();
    assert!(
        spread.num_milliseconds() < (ARM_LATENCY_MS / 2) as i64,
        "ARM policy reads answered {spread} apart: more than one wave"
    );
    emulator.clear_faults();

    emulator.clear_request_log();
    let (fresh, _) = cache_in(dir.path());
    let again = listing(&api, &fresh, false).await;
    assert!(policy_reads(&emulator).is_empty(), "policies come from the file");
    assert_eq!(emulator.request_log().len(), 9, "eligible, active, requests per kind");
    let policies = |l: &Listing| l.roles.iter().map(|r| r.policy.clone()).collect::<Vec<_>>();
    assert_eq!(policies(&again), policies(&listed));

    let text = std::fs::read_to_string(&file).unwrap();
    for secret in ["eyJ", "access_token", "refresh_token", "Bearer"] {
        assert!(!text.contains(secret), "the policy cache holds rules only ({secret})");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
    }
}

#[tokio::test]
async fn expired_policies_and_refresh_are_reread_and_rewritten() {
    let emulator = sandbox().await;
    let api = signed_in(&emulator).await;
    let dir = tempfile::tempdir().unwrap();
    let (first, file) = cache_in(dir.path());
    let listed = listing(&api, &first, false).await;
    let all_reads = listed
        .roles
        .iter()
        .filter(|r| r.kind == pimrust_core::pim::model::Kind::AzureResource)
        .count()
        + 1;

    let age = |seconds: u64| {
        let mut json = read_json(&file);
        let now = chrono::Utc::now().timestamp() as u64;
        for entry in json["entries"].as_object_mut().unwrap().values_mut() {
            entry["readAt"] = (now - seconds).into();
        }
        std::fs::write(&file, json.to_string()).unwrap();
    };
    age(POLICY_TTL.as_secs() + 60);
    emulator.clear_request_log();
    listing(&api, &cache_in(dir.path()).0, false).await;
    assert_eq!(policy_reads(&emulator).len(), all_reads, "expired policies are reread");

    age(60);
    emulator.clear_request_log();
    let (warm, _) = cache_in(dir.path());
    listing(&api, &warm, true).await;
    assert_eq!(policy_reads(&emulator).len(), all_reads, "refresh rereads");
    let now = chrono::Utc::now().timestamp() as u64;
    let rewritten = read_json(&file);
    assert!(
        rewritten["entries"]
            .as_object()
            .unwrap()
            .values()
            .all(|e| e["readAt"].as_u64().unwrap() + 30 > now),
        "refresh rewrites the file"
    );
    emulator.clear_request_log();
    listing(&api, &warm, false).await;
    assert!(policy_reads(&emulator).is_empty(), "and then serves from memory");
}

#[tokio::test]
async fn a_corrupt_file_is_ignored_and_rewritten() {
    let emulator = sandbox().await;
    let api = signed_in(&emulator).await;
    let dir = tempfile::tempdir().unwrap();
    let (cache, file) = cache_in(dir.path());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"{\"version\":1,\"entries\":{\"x\": not json").unwrap();
    let listed = listing(&api, &cache, false).await;
    assert!(listed.roles.iter().all(|r| r.policy.requires_mfa.is_some()));
    assert!(!policy_reads(&emulator).is_empty());
    let rewritten = read_json(&file);
    assert_eq!(rewritten["version"], 1);
    assert_eq!(
        rewritten["entries"].as_object().unwrap().len(),
        listed
            .roles
            .iter()
            .map(|r| (&r.scope, &r.role_definition_id))
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_keeps_policies_next_to_the_token_cache_and_sign_out_of_everything_deletes_them() {
    let emulator = sandbox().await;
    let connect = passthrough(&emulator);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let engine = engine_with_cache(&state);
        let (connected, _) = call(&engine, "auth.connect", connect);
        assert_eq!(connected["ok"], true, "{connected}");
        let (listed, _) = call(&engine, "pim.listEligible", json!({}));
        assert_eq!(listed["ok"], true, "{listed}");
        assert!(
            state.join(POLICY_FILE).exists(),
            "policies.json next to the token cache"
        );
        let (signed_out, _) = call(&engine, "auth.disconnect", json!({"all": true}));
        assert_eq!(signed_out["ok"], true, "{signed_out}");
        assert!(!state.join(POLICY_FILE).exists(), "deleted with everything else");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn roles_listed_without_policies_have_only_theirs_read_when_activated() {
    let emulator = sandbox().await;
    let api = signed_in(&emulator).await;
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = cache_in(dir.path());
    emulator.clear_request_log();
    let options = ListOptions {
        skip_policies: true,
        ..Default::default()
    };
    let listed = list::eligible(&api, &cache, &options).await.unwrap();
    assert!(
        policy_reads(&emulator).is_empty(),
        "a listing without policies reads none"
    );
    assert!(listed.roles.iter().all(|r| r.policy == Default::default()));

    emulator.clear_request_log();
    let targets = pick(&listed.roles, &["Privileged Role Administrator", "Contributor"]);
    let mut params = ActivateParams::new(targets, Some("INC-7 by name"));
    params.duration = Some("Max".into());
    params.read_policies = true;
    let outcomes = activate::activate(&api, &cache, params).await.unwrap();
    let reads = policy_reads(&emulator);
    let arm: Vec<&LogEntry> = reads.iter().filter(|e| e.path.starts_with("/arm/")).collect();
    assert_eq!(arm.len(), 1, "the chosen Azure role's policy only: {arm:?}");
    assert!(
        arm[0]
            .path
            .starts_with("/arm/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f/providers")
    );
    assert_eq!(reads.len(), 2, "and one Graph read for the directory role: {reads:?}");
    let by_name = |name: &str| outcomes.iter().find(|o| o.role_name == name).unwrap();
    let ticketed = by_name("Privileged Role Administrator");
    assert_eq!(ticketed.status, OutcomeStatus::Failed, "its policy asks for a ticket");
    assert_eq!(ticketed.error.as_ref().unwrap().code, "TicketRequired");
    let contributor = by_name("Contributor");
    assert_eq!(contributor.status, OutcomeStatus::Activated);
    assert_eq!(
        contributor.duration.as_deref(),
        Some("PT8H"),
        "Max is its policy's maximum"
    );
    assert!(contributor.warnings.is_empty(), "{:?}", contributor.warnings);

    emulator.clear_request_log();
    let (fresh, _) = cache_in(dir.path());
    let again = list::eligible(&api, &fresh, &ListOptions::default()).await.unwrap();
    let arm_reads = policy_reads(&emulator)
        .into_iter()
        .filter(|e| e.path.starts_with("/arm/"))
        .count();
    let arm_roles = again
        .roles
        .iter()
        .filter(|r| r.kind == pimrust_core::pim::model::Kind::AzureResource)
        .count();
    assert_eq!(
        arm_reads,
        arm_roles - 1,
        "the next full listing reads all but the cached one"
    );
}
