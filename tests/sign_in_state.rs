//! When sign-in may happen and what a stopped one leaves behind, through the engine's JSON layer:
//! `interactive: false` fails at once instead of prompting, methods connect on first use with the
//! connect options they are given, and a cancelled sign-in leaves the previous connection intact.

mod support;

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::engine::*;
use support::sandbox::{auto_approving_sandbox, device_code_sign_ins, emulator};

fn prompts_requested(emulator: &pimrust_emulator::RunningEmulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|e| e.path.ends_with("/oauth2/v2.0/devicecode") || e.path.ends_with("/oauth2/v2.0/authorize"))
        .count()
}

fn assert_non_interactive_failure(result: &Value) {
    assert_eq!(result["ok"], false, "{result}");
    assert_eq!(result["error"]["kind"], "InteractionRequired", "{result}");
    assert_eq!(result["error"]["code"], "NonInteractiveSignInRequired", "{result}");
    // The reason, in the core's words; each host adds the commands that fix it.
    let message = result["error"]["message"].as_str().unwrap();
    assert!(message.contains("needs interaction"), "{message}");
    assert_eq!(result["error"]["details"]["resource"], "Microsoft Graph", "{result}");
}

#[tokio::test(flavor = "multi_thread")]
async fn non_interactive_sign_in_fails_at_once_without_prompting() {
    let emulator = auto_approving_sandbox().await;
    let (base, tenant) = (emulator.base_url(), emulator.tenant_id());
    tokio::task::spawn_blocking(move || {
        let engine = engine();
        let device_code = json!({"sandboxUrl": base, "tenantId": tenant, "useDeviceCode": true});
        let cases = [
            (
                "auth.connect",
                json!({"sandboxUrl": base, "tenantId": tenant, "useDeviceCode": true, "interactive": false}),
            ),
            (
                "auth.connect",
                json!({"sandboxUrl": base, "tenantId": tenant, "browser": "None", "interactive": false}),
            ),
            (
                "pim.listEligible",
                json!({"interactive": false, "connect": device_code}),
            ),
            ("pim.listActive", json!({"interactive": false})),
        ];
        for (method, params) in cases {
            let started = Instant::now();
            let (result, _) = call(&engine, method, params.clone());
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{method} {params} took {:?}",
                started.elapsed()
            );
            assert_non_interactive_failure(&result);
        }
        let (context, _) = call(&engine, "auth.context", json!({}));
        assert_eq!(context["data"]["connected"], false, "{context}");
    })
    .await
    .unwrap();
    assert_eq!(prompts_requested(&emulator), 0, "no device code and no browser sign-in");
}

#[tokio::test(flavor = "multi_thread")]
async fn non_interactive_calls_use_a_cached_sign_in() {
    let emulator = auto_approving_sandbox().await;
    let (base, tenant) = (emulator.base_url(), emulator.tenant_id());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let connect = json!({"sandboxUrl": base, "tenantId": tenant, "clientId": "AzureCli"});
        let mut interactive = connect.clone();
        interactive["useDeviceCode"] = true.into();
        let (connected, _) = call(&engine_with_cache(&path), "auth.connect", interactive);
        assert_eq!(connected["ok"], true, "{connected}");

        let fresh = engine_with_cache(&path);
        let (listed, _) = call(
            &fresh,
            "pim.listEligible",
            json!({"interactive": false, "connect": connect}),
        );
        assert_eq!(listed["ok"], true, "{listed}");
        assert_eq!(listed["data"]["roles"].as_array().unwrap().len(), 13);
    })
    .await
    .unwrap();
    assert_eq!(
        device_code_sign_ins(&emulator),
        1,
        "the second engine signed in from the cache"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_method_connects_on_first_use_with_the_connect_options_it_is_given() {
    let emulator = auto_approving_sandbox().await;
    let (base, tenant) = (emulator.base_url(), emulator.tenant_id());
    tokio::task::spawn_blocking(move || {
        let engine = engine();
        let connect = json!({"sandboxUrl": base, "tenantId": tenant, "useDeviceCode": true, "clientId": "AzureCli"});
        let (listed, events) = call(&engine, "pim.listEligible", json!({"connect": connect}));
        assert_eq!(listed["ok"], true, "{listed}");
        assert_eq!(listed["data"]["roles"].as_array().unwrap().len(), 13);
        assert!(parsed(&events).iter().any(|e| e["event"] == "deviceCode"));
        let (context, _) = call(&engine, "auth.context", json!({}));
        assert_eq!(context["data"]["account"], "adele@contoso.onmicrosoft.com", "{context}");
    })
    .await
    .unwrap();
}

/// Starts a device-code connect, waits for its prompt, cancels it (Ctrl+C) and returns the envelope.
fn cancel_a_device_code_sign_in(engine: &pimrust_core::Engine, base: &str, tenant: &str) -> Value {
    let params = json!({"sandboxUrl": base, "tenantId": tenant, "useDeviceCode": true, "clientId": "AzureCli"});
    let op = start_at(engine, "auth.connect", params, "info");
    wait_for_event(engine, op, "deviceCode", &mut Vec::new());
    engine.cancel(op).unwrap();
    run(engine, op).0
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_sign_in_leaves_the_previous_state_intact() {
    let emulator = emulator(|scenario| {
        scenario["settings"]["deviceCodeIntervalSec"] = 1.into();
        scenario["settings"]["deviceCodeAutoApproveAfterSec"] = Value::Null;
    })
    .await;
    let (base, tenant) = (emulator.base_url(), emulator.tenant_id());
    let account_a = passthrough(&emulator);
    tokio::task::spawn_blocking(move || {
        let engine = engine();
        let (connected, _) = call(&engine, "auth.connect", account_a);
        assert_eq!(connected["data"]["account"], "adele@contoso.onmicrosoft.com");

        let cancelled = cancel_a_device_code_sign_in(&engine, &base, &tenant);
        assert_eq!(cancelled["error"]["kind"], "Cancelled", "{cancelled}");
        let (context, _) = call(&engine, "auth.context", json!({}));
        assert_eq!(context["data"]["account"], "adele@contoso.onmicrosoft.com", "{context}");
        assert_eq!(context["data"]["tokens"].as_array().unwrap().len(), 2, "{context}");
        let (listed, _) = call(&engine, "pim.listEligible", json!({}));
        assert_eq!(listed["ok"], true, "{listed}");
        assert_eq!(listed["data"]["roles"].as_array().unwrap().len(), 13);

        let fresh = support::engine::engine();
        cancel_a_device_code_sign_in(&fresh, &base, &tenant);
        let (context, _) = call(&fresh, "auth.context", json!({}));
        assert_eq!(
            context["data"],
            json!({"connected": false}),
            "no account-less half state"
        );
    })
    .await
    .unwrap();
}
