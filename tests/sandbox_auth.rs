//! Sign-in against the sandbox emulator, which verifies PKCE (S256), device codes and refresh grants
//! as Entra does.

mod support;

use pimrust_core::auth::authenticator::{Authenticator, ConnectOptions};
use pimrust_core::auth::cloud::Resource;
use pimrust_core::events::EventSink;
use serde_json::Value;
use std::sync::Arc;
use support::sandbox::*;

#[tokio::test]
async fn browser_sign_in_round_trip_yields_graph_and_arm_tokens() {
    let emulator = emulator(|_| {}).await;
    let auth = Arc::new(Authenticator::new(http(), None));
    let events = EventSink::buffered();
    let browser = play_browser(events.clone());
    let context = auth.connect(browser_options(&emulator), &events).await.unwrap();
    assert_eq!(context.tokens().len(), 1, "connect signs in to Graph only");
    auth.access_token(Resource::Arm, None, &events, true).await.unwrap();
    assert_eq!(
        browser.await.unwrap(),
        2,
        "one browser sign-in per app (Graph at connect, ARM when first needed)"
    );
    assert_eq!(context.account().unwrap().username, "adele@contoso.onmicrosoft.com");
    assert_eq!(context.account().unwrap().tenant_id, emulator.tenant_id());
    let graph = auth
        .access_token(Resource::Graph, None, &EventSink::buffered(), false)
        .await
        .unwrap();
    assert!(
        graph.claims.has_scope("RoleAssignmentSchedule.ReadWrite.Directory"),
        "{:?}",
        graph.claims.scp
    );
    assert!(
        graph.claims.xms_cc.contains(&"cp1".to_string()),
        "cp1 declared: {:?}",
        graph.claims.xms_cc
    );
    let arm = auth
        .access_token(Resource::Arm, None, &EventSink::buffered(), false)
        .await
        .unwrap();
    assert_eq!(arm.claims.aud.as_deref(), Some("https://management.core.windows.net/"));

    let log = emulator.request_log();
    let redemptions: Vec<_> = log.iter().filter(|e| e.path.ends_with("/oauth2/v2.0/token")).collect();
    assert!(
        redemptions.iter().all(|e| e.status == 200),
        "the emulator accepted every PKCE verifier"
    );
    assert!(redemptions.iter().any(|e| e.body["grant_type"] == "authorization_code"));
}

#[tokio::test]
async fn device_code_sign_in_waits_for_approval() {
    let emulator = emulator(|scenario| {
        scenario["settings"]["deviceCodeIntervalSec"] = 1.into();
        scenario["settings"]["deviceCodeAutoApproveAfterSec"] = Value::Null;
    })
    .await;
    let auth = Arc::new(Authenticator::new(http(), None));
    let events = EventSink::buffered();
    let options = ConnectOptions {
        use_device_code: true,
        client_id: Some("AzureCli".into()),
        ..browser_options(&emulator)
    };
    let connecting = tokio::spawn({
        let (auth, events) = (auth.clone(), events.clone());
        async move { auth.connect(options, &events).await }
    });
    let user_code = loop {
        if let Some(code) = events
            .drain()
            .iter()
            .map(|e| serde_json::from_str::<Value>(e).unwrap())
            .find(|e| e["event"] == "deviceCode")
        {
            break code["userCode"].as_str().unwrap().to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await; // at least one pending poll
    emulator.approve_device_code(&user_code, None).unwrap();
    let context = connecting.await.unwrap().unwrap();
    assert_eq!(context.account().unwrap().username, "adele@contoso.onmicrosoft.com");
    let polls: Vec<_> = emulator
        .request_log()
        .into_iter()
        .filter(|e| e.body["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code")
        .collect();
    assert!(
        polls
            .iter()
            .any(|p| p.error_code.as_deref() == Some("authorization_pending")),
        "polled while pending"
    );
    assert!(
        polls.iter().all(|p| p.error_code.as_deref() != Some("slow_down")),
        "the interval was respected"
    );
}

#[tokio::test]
async fn the_first_call_signs_in_when_not_connected() {
    let emulator = emulator(|scenario| {
        scenario["settings"]["deviceCodeIntervalSec"] = 1.into();
        scenario["settings"]["deviceCodeAutoApproveAfterSec"] = 0.into();
    })
    .await;
    let auth = Arc::new(Authenticator::new(http(), None).with_auto_connect(browser_options(&emulator)));
    let events = EventSink::buffered();
    let player = play_browser(events.clone());
    let token = auth.access_token(Resource::Graph, None, &events, true).await.unwrap();
    player.abort();
    assert_eq!(token.claims.username(), Some("adele@contoso.onmicrosoft.com"));
    assert!(auth.status().await.is_connected());
    let refused = Authenticator::new(http(), None)
        .access_token(Resource::Graph, None, &EventSink::buffered(), false)
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        "NonInteractiveSignInRequired",
        "without interaction allowed and nothing cached there is no sign-in"
    );
}
