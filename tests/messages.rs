//! Messages as the host shows them: a per-role message never repeats the role name (the host puts
//! it in front), a kind that cannot be listed is reported once, in the listing's failures, and no
//! core message names a host's commands or parameters (each host adds its own advice).

mod support;

use pimrust_core::pim::activate::ActivateParams;
use pimrust_core::pim::outcome::ActivationOutcome;
use serde_json::json;

async fn outcome(api: &pimrust_core::api::ApiClient, params: ActivateParams) -> ActivationOutcome {
    support::sandbox::run(api, params).await.remove(0)
}

#[tokio::test]
async fn per_role_failure_messages_do_not_repeat_the_role_name() {
    use support::sandbox::{emulator, pick, roles, signed_in};
    let emulator = emulator(|_| {}).await;
    let api = signed_in(&emulator).await;
    let roles = roles(&api).await;
    let user_admin = || pick(&roles, &["User Administrator"]);
    let mut too_long = ActivateParams::new(user_admin(), Some("x"));
    too_long.duration = Some("PT8H".into());
    let mut service_side = ActivateParams::new(user_admin(), None);
    service_side.roles[0].policy = Default::default(); // unknown policy: the service refuses
    service_side.duration = Some("PT8H".into());
    let cases = [
        ("JustificationRequired", ActivateParams::new(user_admin(), None)),
        (
            "TicketRequired",
            ActivateParams::new(pick(&roles, &["Privileged Role Administrator"]), Some("x")),
        ),
        ("DurationTooLong", too_long),
        ("RoleAssignmentRequestPolicyValidationFailed", service_side),
    ];
    for (code, params) in cases {
        let outcome = outcome(&api, params).await;
        let error = outcome.error.as_ref().unwrap();
        assert_eq!(error.code, code);
        assert!(
            !error.message.to_lowercase().contains(&outcome.role_name.to_lowercase()),
            "{code}: {}",
            error.message
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kind_that_cannot_be_listed_is_reported_once() {
    use support::engine::{call, call_at, engine, parsed, passthrough};
    let emulator = support::sandbox::emulator(|scenario| {
        scenario["users"][0]["deniedSurfaces"] = json!(["arm"]);
    })
    .await;
    let connect = passthrough(&emulator);
    tokio::task::spawn_blocking(move || {
        let engine = engine();
        call(&engine, "auth.connect", connect);
        let (listed, events) = call_at(&engine, "pim.listEligible", json!({}), "warn");
        let failures = listed["data"]["failures"].as_array().unwrap();
        assert_eq!(failures.len(), 1, "{listed}");
        assert_eq!(failures[0]["kind"], "AzureResource");
        let repeated: Vec<_> = parsed(&events)
            .into_iter()
            .filter(|e| {
                e["event"] == "log"
                    && e["message"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("could not be listed")
            })
            .collect();
        assert!(repeated.is_empty(), "also reported as a warning: {repeated:?}");
    })
    .await
    .unwrap();
}

/// Words that only make sense in one host: PowerShell's command names and parameter names.
fn host_words(line: &str) -> Vec<String> {
    let commands = [
        "Connect-Pim",
        "Disconnect-Pim",
        "-PimEligible",
        "-PimActive",
        "-PimActivation",
        "-PimRequest",
        "-PimRole",
        "-PimContext",
    ];
    let mut found: Vec<String> = commands
        .iter()
        .filter(|c| line.contains(*c))
        .map(|c| c.to_string())
        .collect();
    // A PowerShell parameter: " -Name" (a dash at a word start, then a capital letter).
    let bytes = line.as_bytes();
    for i in 1..bytes.len().saturating_sub(1) {
        if bytes[i] == b'-' && matches!(bytes[i - 1], b' ' | b'(' | b'"' | b'`') && bytes[i + 1].is_ascii_uppercase() {
            let word: String = line[i..]
                .chars()
                .take_while(|c| *c == '-' || c.is_ascii_alphanumeric())
                .collect();
            found.push(word);
        }
    }
    found
}

#[test]
fn core_messages_name_no_host_command_or_parameter() {
    let mut hits = Vec::new();
    let mut pending = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (number, line) in text.lines().enumerate() {
                    if line.trim_start().starts_with("//") {
                        continue;
                    }
                    for word in host_words(line) {
                        hits.push(format!("{}:{}: {word}", path.display(), number + 1));
                    }
                }
            }
        }
    }
    assert!(hits.is_empty(), "host wording in core messages:\n{}", hits.join("\n"));
}

#[test]
fn the_host_wording_check_finds_commands_and_parameters() {
    assert_eq!(
        host_words(r#""not connected; run Connect-Pim -UseDeviceCode""#),
        ["Connect-Pim", "-UseDeviceCode"]
    );
    assert_eq!(host_words(r#"format!("{a} -{b} PT-1H x-Y")"#), Vec::<String>::new());
}
