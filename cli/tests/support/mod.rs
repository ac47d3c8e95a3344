//! The sandbox emulator for `pimrust` tests: a quick variant of the demo tenant (device codes
//! answered within a second, Security Administrator's approval never decided), tokens from its
//! control plane, and the `pimrust` command set up to use it with a token cache of its own.

#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use tempfile::TempDir;

pub struct Sandbox {
    pub url: String,
    process: Child,
    _scenario: TempDir,
    /// The token cache of this test's `pimrust` runs.
    pub cache: TempDir,
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `PIMRUST_EMULATOR`, else the emulator built next to this `pimrust` (same profile).
fn emulator_binary() -> PathBuf {
    match std::env::var_os("PIMRUST_EMULATOR") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_BIN_EXE_pimrust"))
            .with_file_name(format!("pimrust-emulator{}", std::env::consts::EXE_SUFFIX)),
    }
}

impl Sandbox {
    pub fn start() -> Self {
        let mut scenario: Value =
            serde_json::from_str(&std::fs::read_to_string(workspace().join("emulator/scenarios/demo.json")).unwrap())
                .unwrap();
        scenario["settings"]["deviceCodeIntervalSec"] = json!(1);
        scenario["settings"]["deviceCodeAutoApproveAfterSec"] = json!(0);
        for policy in scenario["policies"].as_array_mut().unwrap() {
            if policy["approval"].is_object() {
                policy["approval"]["autoDecisionAfterSec"] = json!(86_400);
            }
        }
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("scenario.json");
        std::fs::write(&path, scenario.to_string()).unwrap();
        let binary = emulator_binary();
        let mut process = std::process::Command::new(&binary)
            .args(["--scenario", path.to_str().unwrap(), "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} (build it, or set PIMRUST_EMULATOR): {e}",
                    binary.display()
                )
            });
        let mut line = String::new();
        BufReader::new(process.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("http://127.0.0.1:"), "the emulator printed '{line}'");
        Self {
            url: line.trim().to_string(),
            process,
            _scenario: folder,
            cache: tempfile::tempdir().unwrap(),
        }
    }

    /// An access token for `resource` (`graph` or `arm`), minted by the emulator.
    pub fn token(&self, resource: &str) -> String {
        let url = format!("{}/_emulator/tokens", self.url);
        let answer: Value = block_on(async {
            reqwest::Client::new()
                .post(url)
                .json(&json!({"resource": resource}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        answer["access_token"].as_str().unwrap().to_string()
    }

    /// The paths of the requests the emulator has answered since the last call, which clears its log.
    pub fn take_request_paths(&self) -> Vec<String> {
        let url = format!("{}/_emulator/requests", self.url);
        block_on(async {
            let client = reqwest::Client::new();
            let log: Value = client.get(&url).send().await.unwrap().json().await.unwrap();
            client.delete(&url).send().await.unwrap();
            log["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|entry| entry["path"].as_str().unwrap().to_string())
                .collect()
        })
    }

    /// The environment of `pimrust` against this sandbox (`None`: removed): no colour, 80 columns,
    /// this test's token cache, and the access tokens when `signed_in`.
    fn environment(&self, signed_in: bool) -> Vec<(&'static str, Option<String>)> {
        let mut variables = vec![
            ("PIMRUST_SANDBOX_URL", Some(self.url.clone())),
            ("PIMRUST_TOKEN_CACHE_DIR", Some(self.cache.path().display().to_string())),
            ("PIMRUST_TOKEN_CACHE", None),
            ("PIMRUST_TENANT", None),
            ("NO_COLOR", Some("1".into())),
            ("COLUMNS", Some("80".into())),
        ];
        variables.push(("PIMRUST_ACCESS_TOKEN", signed_in.then(|| self.token("graph"))));
        variables.push(("PIMRUST_ARM_ACCESS_TOKEN", signed_in.then(|| self.token("arm"))));
        variables
    }

    /// `pimrust` against this sandbox, not signed in, with no terminal and no colour.
    pub fn command(&self) -> Command {
        self.with_environment(false)
    }

    /// `pimrust` signed in with access tokens passed in (nothing cached).
    pub fn signed_in(&self) -> Command {
        self.with_environment(true)
    }

    fn with_environment(&self, signed_in: bool) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pimrust"));
        for (name, value) in self.environment(signed_in) {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        command.timeout(std::time::Duration::from_secs(60));
        command
    }

    /// A signed-in `pimrust` process to start and signal.
    pub fn signed_in_process(&self) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pimrust"));
        for (name, value) in self.environment(true) {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        command
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Runs `command` and returns its exit code, stdout and stderr.
/// Runs one call to the emulator's control plane from a synchronous test.
fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

pub fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs `command`, expecting `--json` output, and returns its exit code and document.
pub fn run_json(command: &mut Command) -> (i32, Value) {
    let (code, stdout, stderr) = run(command.arg("--json"));
    let document = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    (code, document)
}
