//! Listing against the sandbox emulator: every kind, policies read once per distinct policy, paging,
//! a kind the user may not list, and throttling.

mod support;

use pimrust_core::pim::list::{self, ListOptions, Listing, PolicyCache};
use pimrust_core::pim::model::{Kind, MemberType, RoleStatus};
use pimrust_emulator::{FaultRule, LogEntry};
use serde_json::json;
use support::sandbox::*;

async fn list_all(api: &pimrust_core::api::ApiClient, cache: &PolicyCache) -> Listing {
    list::eligible(api, cache, &ListOptions::default()).await.unwrap()
}

fn is_policy_read(entry: &LogEntry) -> bool {
    entry.path.contains("roleManagementPolicyAssignments") || entry.path.ends_with("/$batch")
}

#[tokio::test]
async fn lists_every_kind_with_its_policy_and_state() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let listing = list_all(&api, &PolicyCache::default()).await;
    assert!(listing.failures.is_empty(), "{:?}", listing.failures);
    let count = |kind| listing.roles.iter().filter(|r| r.kind == kind).count();
    assert_eq!(
        (
            count(Kind::DirectoryRole),
            count(Kind::Group),
            count(Kind::AzureResource)
        ),
        (7, 2, 4)
    );

    let find = |name: &str| {
        listing
            .roles
            .iter()
            .find(|r| r.role_name == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    let security = find("Security Administrator");
    assert_eq!(security.policy.requires_approval, Some(true));
    assert_eq!(security.policy.max_duration.as_deref(), Some("PT4H"));
    assert_eq!(
        find("Exchange Administrator").policy.authentication_context.as_deref(),
        Some("c1")
    );
    assert_eq!(find("Privileged Role Administrator").policy.requires_ticket, Some(true));
    let reports = find("Reports Reader");
    assert_eq!(reports.status, RoleStatus::Active);
    assert!(reports.active_until.is_some());
    assert_eq!(find("Helpdesk Administrator").member_type, MemberType::Group);
    let owners = find("Platform Owners");
    assert_eq!(owners.access_id.as_deref(), Some("owner"));
    assert_eq!(owners.group_id.as_deref(), Some(owners.scope.as_str()));

    let via_group = listing
        .roles
        .iter()
        .find(|r| r.kind == Kind::AzureResource && r.member_type == MemberType::Group)
        .unwrap();
    assert_eq!(via_group.granted_via.as_deref(), Some("Helpdesk Operators"));
    let contributor = find("Contributor");
    assert!(
        contributor.role_definition_id.starts_with("/subscriptions/")
            && contributor.role_definition_id.contains("/roleDefinitions/")
    );
    assert!(
        contributor.eligibility_schedule_id.is_some(),
        "ARM activation needs the linked eligibility schedule"
    );
    let keys: std::collections::BTreeSet<_> = listing.roles.iter().map(|r| &r.key).collect();
    assert_eq!(keys.len(), listing.roles.len(), "keys are unique");
}

#[tokio::test]
async fn each_distinct_policy_is_read_once_and_then_cached() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let cache = PolicyCache::default();
    emulator.clear_request_log();
    let listing = list_all(&api, &cache).await;
    let log = emulator.request_log();
    let batches = log.iter().filter(|e| e.path.ends_with("/$batch")).count();
    assert_eq!(batches, 1, "9 Graph policies fit in one $batch");
    let arm_policy_reads: Vec<_> = log
        .iter()
        .filter(|e| e.path.contains("roleManagementPolicyAssignments"))
        .collect();
    let distinct_arm: std::collections::BTreeSet<_> = listing
        .roles
        .iter()
        .filter(|r| r.kind == Kind::AzureResource)
        .map(|r| (r.scope.to_lowercase(), r.role_definition_id.to_lowercase()))
        .collect();
    assert_eq!(
        arm_policy_reads.len(),
        distinct_arm.len(),
        "one read per distinct scope and role"
    );
    let batch_body = &log.iter().find(|e| e.path.ends_with("/$batch")).unwrap().body;
    assert_eq!(
        batch_body["requests"].as_array().unwrap().len(),
        9,
        "one request per distinct Graph policy"
    );

    emulator.clear_request_log();
    let again = list_all(&api, &cache).await;
    assert_eq!(
        emulator.request_log().iter().filter(|e| is_policy_read(e)).count(),
        0,
        "policies come from the session cache"
    );
    assert_eq!(again.roles.len(), listing.roles.len());

    emulator.clear_request_log();
    list::eligible(
        &api,
        &cache,
        &ListOptions {
            refresh: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        emulator.request_log().iter().any(is_policy_read),
        "-Refresh re-reads policies"
    );
}

#[tokio::test]
async fn follows_next_links_across_small_pages() {
    let emulator = emulator(|scenario| scenario["settings"]["pageSize"] = 2.into()).await;
    let api = signed_in(&emulator).await;
    emulator.clear_request_log();
    let listing = list_all(&api, &PolicyCache::default()).await;
    assert_eq!(listing.roles.len(), 13);
    let pages = emulator
        .request_log()
        .iter()
        .filter(|e| e.path.contains("roleEligibilityScheduleInstances"))
        .count();
    assert!(
        pages >= 4 + 2,
        "7 directory roles in pages of 2 plus 4 Azure roles: {pages} requests"
    );
}

#[tokio::test]
async fn a_kind_the_user_may_not_list_is_reported_once_and_the_rest_lists() {
    let emulator = emulator(|scenario| {
        scenario["users"][0]["deniedSurfaces"] = json!(["arm"]);
    })
    .await;
    let api = signed_in(&emulator).await;
    let listing = list_all(&api, &PolicyCache::default()).await;
    assert_eq!(listing.failures.len(), 1);
    assert_eq!(listing.failures[0].kind, Kind::AzureResource);
    assert_eq!(listing.failures[0].http_status, Some(403));
    assert_eq!(listing.failures[0].code, "AuthorizationFailed");
    assert_eq!(listing.roles.len(), 9, "directory roles and groups still list");
}

#[tokio::test]
async fn a_429_burst_is_absorbed_by_retry_after() {
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let rule: FaultRule = serde_json::from_value(json!({
        "pathPrefix": "/graph/v1.0/roleManagement/directory/roleEligibilityScheduleInstances", "firstN": 2, "status": 429, "retryAfterSec": 0
    }))
    .unwrap();
    emulator.set_faults(vec![rule]).unwrap();
    emulator.clear_request_log();
    let listing = list_all(&api, &PolicyCache::default()).await;
    assert!(listing.failures.is_empty(), "{:?}", listing.failures);
    assert_eq!(listing.roles.len(), 13);
    let throttled = emulator.request_log().iter().filter(|e| e.status == 429).count();
    assert_eq!(throttled, 2);
}
