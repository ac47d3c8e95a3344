//! The methods a host calls, through the engine's JSON layer, against the sandbox: sign-in, listing,
//! activation and waiting; no token text in any event or envelope even at trace level; cancelling a
//! wait (what Ctrl+C does) returns at once and leaves nothing running.

mod support;

use pimrust_emulator::{Resource, TokenSpec};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::engine::*;
use support::sandbox::{auto_approving_sandbox, device_code_sign_ins, emulator};

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_list_activate_and_wait_through_the_engine_without_leaking_tokens() {
    let emulator = emulator(|scenario| {
        for policy in scenario["policies"].as_array_mut().unwrap() {
            if policy["approval"].is_object() {
                policy["approval"]["autoDecisionAfterSec"] = Value::Null;
            }
        }
    })
    .await;
    let graph = emulator.issue_token(&TokenSpec::new(Resource::Graph)).unwrap();
    let arm = emulator.issue_token(&TokenSpec::new(Resource::Arm)).unwrap();
    let base = emulator.base_url();
    let engine = tokio::task::spawn_blocking(engine).await.unwrap();
    let engine = std::sync::Arc::new(engine);

    let work = {
        let engine = engine.clone();
        tokio::task::spawn_blocking(move || {
            let mut everything = Vec::new();
            let (connected, events) = call(
                &engine,
                "auth.connect",
                json!({"accessToken": graph, "armAccessToken": arm, "sandboxUrl": base}),
            );
            assert_eq!(
                connected["data"]["account"], "adele@contoso.onmicrosoft.com",
                "{connected}"
            );
            everything.extend(events);
            everything.push(connected.to_string());

            let (listed, events) = call(&engine, "pim.listEligible", json!({}));
            let roles = listed["data"]["roles"].as_array().unwrap().clone();
            assert_eq!(roles.len(), 13);
            everything.extend(events);

            let security = roles
                .iter()
                .find(|r| r["roleName"] == "Security Administrator")
                .unwrap();
            let (activated, events) = call(
                &engine,
                "pim.activate",
                json!({"roles": [target(security)], "justification": "engine test"}),
            );
            let outcome = &activated["data"][0];
            assert_eq!(outcome["status"], "PendingApproval", "{activated}");
            everything.extend(events);

            // Waiting on a request nobody approves, then cancelling (Ctrl+C in PowerShell).
            let wait = json!({"method": "pim.wait", "params": {"requests": [{
                "requestId": outcome["requestId"], "kind": outcome["kind"], "key": outcome["key"], "roleName": outcome["roleName"]
            }], "intervalSec": 0.3, "timeoutSec": 600}});
            let op = engine.start(&wait.to_string()).unwrap();
            std::thread::sleep(Duration::from_millis(700));
            let cancelled_at = Instant::now();
            engine.cancel(op).unwrap();
            let (cancelled, events) = run(&engine, op);
            assert!(
                cancelled_at.elapsed() < Duration::from_millis(500),
                "took {:?}",
                cancelled_at.elapsed()
            );
            assert_eq!(cancelled["error"]["kind"], "Cancelled");
            assert!(
                events
                    .iter()
                    .any(|e| e.contains("requestStatus") && e.contains("PendingApproval")),
                "progress while waiting"
            );
            everything.extend(events);
            (everything, graph, arm)
        })
    };
    let (everything, graph, arm) = work.await.unwrap();
    assert_eq!(engine.info().running_ops, 0);
    assert_eq!(engine.info().live_ops, 0);
    let text = everything.join("\n");
    assert!(
        text.contains("\"level\":\"trace\"") || text.contains("\"level\":\"debug\""),
        "trace logs were captured"
    );
    for secret in [&graph, &arm] {
        assert!(
            !text.contains(secret.as_str()),
            "a token leaked into events or envelopes"
        );
        assert!(
            !text.contains(secret.split('.').nth(1).unwrap()),
            "a token payload leaked"
        );
    }
}

/// Connects a fresh engine (a new PowerShell process) to the sandbox and drops it.
fn connect_once(dir: &std::path::Path, base: &str, tenant: &str) {
    let engine = engine_with_cache(dir);
    let params = json!({"sandboxUrl": base, "tenantId": tenant, "useDeviceCode": true, "clientId": "AzureCli"});
    let (connected, _) = call(&engine, "auth.connect", params);
    assert_eq!(connected["ok"], true, "{connected}");
}

fn cached_text(dir: &std::path::Path) -> String {
    String::from_utf8_lossy(&std::fs::read(dir.join("tokens.bin")).unwrap_or_default()).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn disconnect_in_a_new_process_removes_the_last_sign_in() {
    let emulator = auto_approving_sandbox().await;
    let (base, tenant) = (emulator.base_url(), emulator.tenant_id());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let work = tokio::task::spawn_blocking(move || {
        connect_once(&path, &base, &tenant);
        assert!(cached_text(&path).contains("adele@contoso.onmicrosoft.com"));

        let (report, _) = call(&engine_with_cache(&path), "auth.disconnect", json!({}));
        assert_eq!(report["data"]["wasConnected"], false, "{report}");
        assert_eq!(report["data"]["removedCacheEntries"], 1, "{report}");
        let removed = &report["data"]["removedAccounts"];
        assert_eq!(removed.as_array().map(Vec::len), Some(1), "{report}");
        assert_eq!(removed[0]["account"], "adele@contoso.onmicrosoft.com");
        assert_eq!(removed[0]["tenantId"], tenant);
        assert_eq!(removed[0]["endpoints"]["graph"], format!("{base}/graph"));
        assert!(!cached_text(&path).contains("adele@contoso.onmicrosoft.com"));
        (path, base, tenant)
    });
    let (path, base, tenant) = work.await.unwrap();
    assert_eq!(device_code_sign_ins(&emulator), 1);
    tokio::task::spawn_blocking(move || connect_once(&path, &base, &tenant))
        .await
        .unwrap();
    assert_eq!(
        device_code_sign_ins(&emulator),
        2,
        "signed in again, not silently from the cache"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn disconnect_in_a_new_process_removes_only_the_sign_in_it_names() {
    let emulator = auto_approving_sandbox().await;
    let (base, tenant) = (emulator.base_url(), emulator.tenant_id());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        connect_once(&path, &base, &tenant);
        let engine = engine_with_cache(&path);
        let misses = [
            json!({"sandboxUrl": base, "account": "someone.else@contoso.onmicrosoft.com"}),
            json!({"sandboxUrl": base, "tenantId": "99999999-9999-9999-9999-999999999999"}),
            json!({"tenantId": tenant}),
        ];
        for params in misses {
            let (report, _) = call(&engine, "auth.disconnect", params.clone());
            assert_eq!(report["data"]["removedCacheEntries"], 0, "{params}: {report}");
        }
        assert!(cached_text(&path).contains("adele@contoso.onmicrosoft.com"));
        let params = json!({"sandboxUrl": base, "tenantId": tenant, "account": "Adele@contoso.onmicrosoft.com"});
        let (report, _) = call(&engine, "auth.disconnect", params);
        assert_eq!(report["data"]["removedCacheEntries"], 1, "{report}");
        assert!(!cached_text(&path).contains("adele@contoso.onmicrosoft.com"));
    })
    .await
    .unwrap();
}
