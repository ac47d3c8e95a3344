//! Robustness (malformed input never panics), scenario loading, and the binary.
mod common;
use common::*;

use pimrust_emulator::Scenario;
use serde_json::json;
use std::io::{BufRead, BufReader};

#[tokio::test]
async fn malformed_and_hostile_inputs_get_4xx() {
    let emu = start_minimal().await;
    let tok = graph_token(&emu);
    let c = client();
    // Malformed JSON on Graph → Graph envelope.
    let r = send(
        c.post(g(&emu, DIR_REQUESTS))
            .bearer_auth(&tok)
            .header("content-type", "application/json")
            .body("{\"action\":"),
    )
    .await;
    graph_err(&r, 400, "BadRequest");
    let r = send(c.post(g(&emu, DIR_REQUESTS)).bearer_auth(&tok).body("")).await;
    graph_err(&r, 400, "BadRequest");
    let r = send(c.post(g(&emu, DIR_REQUESTS)).bearer_auth(&tok).json(&json!([1, 2]))).await;
    graph_err(&r, 400, "BadRequest");
    let r = send(
        c.post(g(&emu, DIR_REQUESTS))
            .bearer_auth(&tok)
            .json(&json!({"action": 5})),
    )
    .await;
    graph_err(&r, 400, "BadRequest");
    let r = send(c.post(g(&emu, DIR_REQUESTS)).bearer_auth(&tok).json(&json!({"action": "selfActivate", "principalId": ALICE, "roleDefinitionId": GLOBAL_READER, "directoryScopeId": "/", "scheduleInfo": "soon"}))).await;
    graph_err(&r, 400, "BadRequest");
    let r = send(c.post(g(&emu, DIR_REQUESTS)).bearer_auth(&tok).json(&json!({"action": "selfActivate", "principalId": ALICE, "roleDefinitionId": GLOBAL_READER, "directoryScopeId": "/", "scheduleInfo": {"startDateTime": "yesterday"}}))).await;
    graph_err(&r, 400, "BadRequest");
    // Huge body → 413.
    let big = "x".repeat(2 * 1024 * 1024);
    let r = send(c.post(g(&emu, DIR_REQUESTS)).bearer_auth(&tok).body(big.clone())).await;
    graph_err(&r, 413, "RequestEntityTooLarge");
    let r = send(
        c.put(arm(
            &emu,
            "/subscriptions/x/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/y",
        ))
        .bearer_auth(&tok)
        .body(big),
    )
    .await;
    arm_err(&r, 413, "RequestEntityTooLarge");
    // Wrong methods.
    let r = send(c.delete(g(&emu, DIR_ELIG_MINE)).bearer_auth(&tok)).await;
    assert_eq!(r.status, 405);
    assert!(r.body["error"]["code"].is_string());
    assert!(r.headers.get("allow").is_some());
    let r = send(c.get(g(&emu, DIR_REQUESTS)).bearer_auth(&tok)).await;
    assert_eq!(r.status, 405);
    // Unknown routes in each surface.
    graph_err(&get(&g(&emu, "nothing/here"), &tok).await, 404, "ResourceNotFound");
    graph_err(
        &get(&format!("{}/beta/me", emu.graph_url()), &tok).await,
        404,
        "ResourceNotFound",
    );
    assert_eq!(get(&format!("{}/whatever", emu.base_url()), &tok).await.status, 404);
    assert_eq!(
        get(&format!("{}/_emulator/nothing", emu.base_url()), &tok).await.status,
        404
    );
    assert_eq!(
        get(&format!("{}/{TENANT}/oauth2/v2.0/nothing", emu.base_url()), &tok)
            .await
            .status,
        404
    );
    // Weird query strings / paths.
    let r = get(
        &format!("{}?$filter=%27%27%27&$top=-1&$skiptoken=%%%", g(&emu, DIR_ELIG_MINE)),
        &tok,
    )
    .await;
    assert_eq!(r.status, 400);
    let r = get(&format!("{}?$skiptoken=garbage", g(&emu, DIR_ELIG_MINE)), &tok).await;
    assert_eq!(r.status, 400);
    let r = get(&format!("{}/graph/v1.0/%FF%FE/..%2F..", emu.base_url()), &tok).await;
    assert_eq!(r.status, 404);
    let r = send(c.post(format!("{}/_emulator/approvals/x", emu.base_url())).body("nope")).await;
    assert_eq!(r.status, 400);
    let r = send(
        c.post(format!("{}/{TENANT}/oauth2/v2.0/token", emu.base_url()))
            .body(vec![0xffu8, 0xfe, 0x00]),
    )
    .await;
    assert_eq!(r.status, 400);
    // Server still healthy.
    assert_eq!(get(&g(&emu, "me"), &tok).await.status, 200);
}

#[test]
fn bundled_scenarios_load_and_unknown_fields_are_named() {
    let demo = Scenario::load(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/demo.json")).expect("demo loads");
    assert_eq!(demo.tenant.display_name, "Contoso");
    assert_eq!(demo.default_user.as_deref(), Some("adele@contoso.onmicrosoft.com"));
    assert!(
        demo.policies
            .iter()
            .any(|p| p.approval.as_ref().is_some_and(|a| a.required))
    );
    assert!(
        demo.policies
            .iter()
            .any(|p| p.authentication_context.as_deref() == Some("c1"))
    );
    Scenario::minimal();

    let mut v: serde_json::Value = serde_json::from_str(include_str!("../scenarios/minimal.json")).unwrap();
    v["users"][1]["amrr"] = json!(["pwd"]);
    let err = Scenario::from_json_str(&v.to_string()).unwrap_err().to_string();
    assert!(err.contains("users[1]") && err.contains("amrr"), "{err}");
    let mut v: serde_json::Value = serde_json::from_str(include_str!("../scenarios/minimal.json")).unwrap();
    v["policies"][0]["maxDuration"] = json!("PT1H");
    let err = Scenario::from_json_str(&v.to_string()).unwrap_err().to_string();
    assert!(err.contains("policies[0]") && err.contains("maxDuration"), "{err}");
    let mut v: serde_json::Value = serde_json::from_str(include_str!("../scenarios/minimal.json")).unwrap();
    v["policies"][0]["maximumDuration"] = json!("8 hours");
    let err = Scenario::from_json_str(&v.to_string()).unwrap_err().to_string();
    assert!(err.contains("maximumDuration"), "{err}");
    let mut v: serde_json::Value = serde_json::from_str(include_str!("../scenarios/minimal.json")).unwrap();
    v["eligibilities"][0]["principal"] = json!("ghost@nowhere");
    assert!(
        Scenario::from_json_str(&v.to_string())
            .unwrap_err()
            .to_string()
            .contains("ghost@nowhere")
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.json");
    std::fs::write(&p, "{").unwrap();
    assert!(Scenario::load(&p).is_err());
    assert!(Scenario::load(dir.path().join("missing.json")).is_err());
}

#[test]
fn binary_prints_base_url_first() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pimrust-emulator"))
        .args([
            "--scenario",
            concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/demo.json"),
            "--port",
            "0",
            "--seed",
            "3",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn emulator");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let base = line.trim().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        send(client().get(format!(
            "{base}/4a1c9e2d-7b3f-4c55-9e1a-2f6d8b0c3e71/v2.0/.well-known/openid-configuration"
        )))
        .await
        .status
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200);
    // Bad scenario → non-zero exit with a message.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pimrust-emulator"))
        .args(["--scenario", "/nonexistent/scenario.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read scenario file"));
}

#[tokio::test]
async fn demo_scenario_end_to_end_list_activate_wait() {
    const ADELE: &str = "6e7b768e-07e2-4810-8459-485f84f8f204";
    const SEC_ADMIN: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
    let mut s = Scenario::demo();
    s.settings.provisioning_delay_ms = 150;
    for p in &mut s.policies {
        if let Some(a) = p.approval.as_mut() {
            a.auto_decision_after_sec = Some(0.1);
        }
    }
    let emu = pimrust_emulator::start(s, Default::default()).await.unwrap();
    let tok = common::token(&emu, "adele@contoso.onmicrosoft.com", pimrust_emulator::Resource::Graph);
    let r = get(&g(&emu, DIR_ELIG_MINE), &tok).await;
    let items = r.body["value"].as_array().unwrap().clone();
    assert_eq!(items.len(), 7);
    assert_eq!(items.iter().filter(|i| i["memberType"] == "Group").count(), 1);
    let r = get(&g(&emu, DIR_ACTIVE_MINE), &tok).await;
    assert_eq!(
        r.body["value"].as_array().unwrap().len(),
        1,
        "Reports Reader already active"
    );
    // ARM: 4 eligibilities across scopes, one via group membership.
    let arm_tok = common::token(&emu, "adele@contoso.onmicrosoft.com", pimrust_emulator::Resource::Arm);
    let r = get(
        &arm(
            &emu,
            "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?$filter=asTarget()",
        ),
        &arm_tok,
    )
    .await;
    let items = r.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 4, "{}", r.text);
    let grp = items.iter().find(|i| i["properties"]["memberType"] == "Group").unwrap();
    assert_eq!(grp["properties"]["principalType"], "Group");
    // Activate the approval-gated role and wait until it is active.
    let mut b = activate_body(SEC_ADMIN, "PT2H", Some("demo"));
    b["principalId"] = json!(ADELE);
    let r = post(&g(&emu, DIR_REQUESTS), &tok, &b).await;
    assert_eq!(r.body["status"], "PendingApproval", "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let mut seen = vec![];
    for _ in 0..100 {
        let st = get(&g(&emu, &format!("{DIR_REQUESTS}/{id}")), &tok).await.body["status"]
            .as_str()
            .unwrap()
            .to_string();
        if seen.last() != Some(&st) {
            seen.push(st.clone());
        }
        if st == "Provisioned" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(seen, vec!["PendingApproval", "PendingProvisioning", "Provisioned"]);
    let r = get(&g(&emu, DIR_ACTIVE_MINE), &tok).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 2);
    emu.shutdown_and_wait().await;
}
