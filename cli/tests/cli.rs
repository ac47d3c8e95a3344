//! `pimrust` end to end against the sandbox emulator: every subcommand, every exit code, the JSON
//! documents (snapshots, ids and times redacted), tables at 80 columns, Ctrl+C during `wait`, and
//! `--pick` without a terminal.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::{Sandbox, run, run_json};

const SUBCOMMANDS: [&str; 8] = [
    "login",
    "logout",
    "status",
    "list",
    "activate",
    "deactivate",
    "wait",
    "completions",
];

fn bare() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_pimrust"));
    command.env("NO_COLOR", "1").env_remove("PIMRUST_ACCESS_TOKEN");
    command
}

#[test]
fn help_documents_every_subcommand_and_the_exit_codes() {
    let (code, help, _) = run(bare().env("COLUMNS", "80").arg("--help"));
    assert_eq!(code, 0);
    for subcommand in SUBCOMMANDS {
        assert!(help.contains(subcommand), "{subcommand} missing from:\n{help}");
    }
    for line in [
        "0    success",
        "1    some failed",
        "2    usage error",
        "3    some pending",
        "4    not signed in",
        "130  interrupted",
    ] {
        assert!(help.contains(line), "'{line}' missing from:\n{help}");
    }
    let exit_codes = &help[help.find("Exit codes:").unwrap()..];
    assert!(
        exit_codes
            .lines()
            .skip(1)
            .all(|line| line.starts_with("  ") && line.len() <= 80),
        "the exit codes fit 80 columns with their own indentation:\n{exit_codes}"
    );
    for subcommand in SUBCOMMANDS {
        let (code, help, _) = run(bare().args([subcommand, "--help"]));
        assert_eq!(code, 0, "{subcommand} --help");
        assert!(
            help.contains("Examples:"),
            "{subcommand} --help has no examples:\n{help}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["activate"][..],
        &["activate", "Global Reader", "--duration", "2"],
        &["activate", "Global Reader", "--start-at", "tomorrow"],
        &["activate", "Global Reader", "--pick"],
        &["wait", "3f7c0000-0000-0000-0000-000000000000"],
        &["list", "--kind", "mailbox"],
        &["frobnicate"],
    ] {
        let (code, _, stderr) = run(bare().args(args).env("PIMRUST_TOKEN_CACHE", "disabled"));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(!stderr.is_empty(), "{args:?} says why");
    }
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, script, _) = run(bare().args(["completions", shell]));
        assert_eq!(code, 0, "{shell}");
        assert!(
            script.contains("pimrust") && script.contains("activate"),
            "{shell}: {script}"
        );
    }
}

#[test]
fn pick_refuses_without_a_terminal() {
    let (code, stdout, stderr) = run(bare()
        .args(["activate", "--pick"])
        .env("PIMRUST_TOKEN_CACHE", "disabled"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--pick needs an interactive terminal"), "{stderr}");
    assert!(stdout.is_empty(), "nothing was listed or activated: {stdout}");
}

#[test]
fn not_signed_in_exits_4_and_never_prompts_without_a_terminal() {
    let sandbox = Sandbox::start();
    let started = Instant::now();
    let (code, _, stderr) = run(sandbox.command().arg("list"));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("pimrust login"), "{stderr}");
    let (code, status) = run_json(sandbox.command().arg("status"));
    assert_eq!(code, 4);
    assert_eq!(status, serde_json::json!({"connected": false, "v": 1}));
    assert!(started.elapsed() < Duration::from_secs(20), "no sign-in was waited for");
}

fn redact_roles(document: &Value) {
    insta::assert_json_snapshot!("list", document, {
        ".roles[].eligibilityStart" => "[time]",
        ".roles[].eligibilityEnd" => "[time]",
        ".roles[].activeUntil" => "[time]",
        ".roles[].eligibilityInstanceId" => "[id]",
        ".roles[].eligibilityScheduleId" => "[id]",
    });
}

#[test]
fn list_prints_one_json_document_with_the_module_fields_and_filters_by_name_and_scope() {
    let sandbox = Sandbox::start();
    let (code, listed) = run_json(sandbox.signed_in().args(["list", "--kind", "directory-role,group"]));
    assert_eq!(code, 0, "{listed}");
    redact_roles(&listed);

    let names = |document: &Value| -> Vec<String> {
        document["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["displayName"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, exact) = run_json(sandbox.signed_in().args(["list", "--name", "global reader"]));
    assert_eq!(names(&exact), ["Global Reader"]);
    let (_, wildcard) =
        run_json(
            sandbox
                .signed_in()
                .args(["list", "--name", "*Administrator", "--kind", "directory-role"]),
        );
    assert_eq!(names(&wildcard).len(), 5, "{:?}", names(&wildcard));
    let (_, group) = run_json(
        sandbox
            .signed_in()
            .args(["list", "--name", "Finance Approvers (member)"]),
    );
    assert_eq!(names(&group), ["Finance Approvers (member)"]);
    let (_, scoped) = run_json(
        sandbox
            .signed_in()
            .args(["list", "--name", "Reader", "--scope", "rg-*"]),
    );
    assert_eq!(names(&scoped), ["Reader", "Reader"]);

    let (code, _, stderr) = run(sandbox.signed_in().args(["list", "--name", "Global"]));
    assert_eq!(code, 1, "a plain name that matches nothing fails");
    assert!(
        stderr.contains("No eligible role is named 'Global'. Similar: Global Reader"),
        "{stderr}"
    );
}

#[test]
fn tables_fit_80_columns() {
    let sandbox = Sandbox::start();
    for args in [
        &["list"][..],
        &["list", "--active"],
        &["activate", "User Administrator", "Exchange Administrator", "-j", "x"],
    ] {
        let (_, table, stderr) = run(sandbox.signed_in().args(args));
        assert!(table.contains("Role"), "{args:?}: {table}{stderr}");
        for line in table.lines() {
            assert!(
                line.chars().count() <= 80,
                "{args:?}: {} columns: '{line}'",
                line.chars().count()
            );
        }
        assert!(
            !table.contains('\u{1b}'),
            "no colour with NO_COLOR or without a terminal"
        );
    }
}

#[test]
fn activate_waits_until_access_is_real() {
    let sandbox = Sandbox::start();
    let mut command = sandbox.signed_in();
    command.args([
        "activate",
        "Global Reader",
        "-j",
        "Quarterly review",
        "--duration",
        "2h",
        "--wait",
        "--interval",
        "0.5",
    ]);
    let (code, document) = run_json(&mut command);
    assert_eq!(code, 0, "{document}");
    insta::assert_json_snapshot!("activate_wait", document, {
        ".requests[].requestId" => "[id]",
        ".requests[].start" => "[time]",
        ".requests[].end" => "[time]",
    });
    let (code, active) = run_json(
        sandbox
            .signed_in()
            .args(["list", "--active", "--name", "Global Reader"]),
    );
    assert_eq!((code, active["roles"].as_array().unwrap().len()), (0, 1), "{active}");
}

#[test]
fn activating_by_name_reads_only_the_chosen_roles_policy() {
    let sandbox = Sandbox::start();
    let is_policy_read = |path: &String| path.contains("roleManagementPolicyAssignments") || path.ends_with("/$batch");
    sandbox.take_request_paths();
    let (code, validated) = run_json(sandbox.signed_in().args([
        "activate",
        "Contributor",
        "--scope",
        "/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f",
        "-j",
        "x",
        "--validate",
    ]));
    assert_eq!(code, 0, "{validated}");
    let reads: Vec<String> = sandbox
        .take_request_paths()
        .into_iter()
        .filter(is_policy_read)
        .collect();
    assert_eq!(reads.len(), 1, "only Contributor's policy, not every role's: {reads:?}");
    assert!(
        reads[0].starts_with("/arm/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f/"),
        "{reads:?}"
    );

    let (code, outside) = run_json(sandbox.signed_in().args([
        "activate",
        "Global Reader",
        "--scope",
        "/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f",
        "-j",
        "x",
        "--validate",
    ]));
    assert_eq!(code, 1, "a name outside the scope given is not activated: {outside}");
    assert_eq!(outside["requests"], serde_json::json!([]), "{outside}");
    assert_eq!(
        outside["errors"][0]["message"],
        "No eligible role is named 'Global Reader' within --scope; it is eligible at /.",
    );
    sandbox.take_request_paths();

    let (code, listed) = run_json(sandbox.signed_in().args(["list"]));
    assert_eq!(code, 0, "{listed}");
    assert!(
        sandbox
            .take_request_paths()
            .iter()
            .filter(|p| is_policy_read(p))
            .count()
            > 1,
        "a listing shows every role's requirements, so it reads their policies"
    );
}

#[test]
fn exit_codes_say_failed_pending_and_validated() {
    let sandbox = Sandbox::start();
    let (code, failed) = run_json(sandbox.signed_in().args(["activate", "User Administrator"]));
    assert_eq!(code, 1, "no justification: refused before submitting: {failed}");
    assert_eq!(failed["requests"][0]["status"], "Failed");
    assert_eq!(failed["requests"][0]["requestId"], Value::Null, "nothing was submitted");

    let (code, validated) =
        run_json(
            sandbox
                .signed_in()
                .args(["activate", "User Administrator", "-j", "x", "--validate"]),
        );
    assert_eq!(
        (code, validated["requests"][0]["status"].as_str()),
        (0, Some("Validated")),
        "{validated}"
    );

    let (code, pending) = run_json(
        sandbox
            .signed_in()
            .args(["activate", "Security Administrator", "-j", "x"]),
    );
    assert_eq!(code, 3, "{pending}");
    assert_eq!(pending["requests"][0]["status"], "PendingApproval");
    let id = pending["requests"][0]["requestId"].as_str().unwrap().to_string();

    let (code, again) = run_json(
        sandbox
            .signed_in()
            .args(["activate", "Security Administrator", "-j", "x"]),
    );
    assert_eq!(code, 3, "{again}");
    assert_eq!(
        again["requests"][0]["requestId"],
        id.as_str(),
        "the pending request is reported, never submitted twice"
    );

    let waited = sandbox
        .signed_in()
        .args([
            "wait",
            "--kind",
            "directory-role",
            &id,
            "--timeout",
            "1",
            "--interval",
            "0.5",
        ])
        .output()
        .unwrap();
    assert_eq!(
        waited.status.code(),
        Some(3),
        "still pending when the wait times out: {}",
        String::from_utf8_lossy(&waited.stderr)
    );
}

#[test]
fn ctrl_c_during_wait_ends_at_once_and_prints_what_is_pending() {
    let sandbox = Sandbox::start();
    let (_, pending) = run_json(
        sandbox
            .signed_in()
            .args(["activate", "Security Administrator", "-j", "x"]),
    );
    let id = pending["requests"][0]["requestId"].as_str().unwrap().to_string();

    let mut command = sandbox.signed_in_process();
    command.args(["wait", "--kind", "directory-role", &id, "--interval", "0.5"]);
    let child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let signalled = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "Ctrl+C ends the wait at once: {:?}",
        signalled.elapsed()
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert_eq!(output.status.code(), Some(130), "{stdout}{stderr}");
    assert!(stderr.contains("Stopped waiting. Still pending in PIM: "), "{stderr}");
    assert!(
        stdout.contains("PendingApproval") && stdout.contains(&id),
        "what stands is printed: {stdout}"
    );
}

#[test]
fn deactivate_ends_an_active_role() {
    let sandbox = Sandbox::start();
    let (code, document) = run_json(sandbox.signed_in().args(["deactivate", "Reports Reader"]));
    assert_eq!(code, 0, "{document}");
    assert_eq!(document["requests"][0]["status"], "Deactivated");
    assert_eq!(document["requests"][0]["deactivate"], true);
}

#[test]
fn login_keeps_the_sign_in_for_the_next_run_and_logout_forgets_it() {
    let sandbox = Sandbox::start();
    let (code, _, stderr) = run(sandbox.command().args(["login", "--device-code"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("enter the code"),
        "the device code prompt is shown: {stderr}"
    );

    let (code, status) = run_json(sandbox.command().arg("status"));
    assert_eq!(code, 0, "signed in from the cache, without a prompt: {status}");
    assert_eq!(status["account"], "adele@contoso.onmicrosoft.com");
    let text = status.to_string();
    assert!(!text.contains("eyJ"), "never a token: {text}");
    let (code, shown, _) = run(sandbox.command().arg("status"));
    assert_eq!(code, 0, "{shown}");
    let graph = shown
        .lines()
        .find(|line| line.starts_with("Token:       Microsoft Graph until "))
        .unwrap_or_else(|| panic!("no Graph token line in:\n{shown}"));
    let until = graph["Token:       Microsoft Graph until ".len()..]
        .split(" [")
        .next()
        .unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(until, "%Y-%m-%d %H:%MZ").is_ok(),
        "expiry to the minute, in UTC: {graph}"
    );
    assert!(!shown.contains("eyJ"), "never a token: {shown}");

    // login signs in to Azure Resource Manager too: Azure roles list without a prompt.
    let (code, listed) = run_json(
        sandbox
            .command()
            .args(["list", "--name", "Global Reader", "--name", "Contributor"]),
    );
    assert_eq!((code, listed["roles"].as_array().unwrap().len()), (0, 2), "{listed}");

    let (code, _, _) = run(sandbox.command().arg("logout"));
    assert_eq!(code, 0);
    let (code, _, _) = run(sandbox.command().arg("status"));
    assert_eq!(code, 4, "signed out");
}
