//! `cargo xtask reliability` (`./build.ps1 Reliability`): the reliability suite at full size. Every
//! `reliability_*` test program of the workspace runs with `PIMRUST_RELIABILITY=heavy` and prints its
//! figures; then the C ABI's program (`reliability_abi`) runs again under valgrind, which must report
//! no error and no leak; then the module's Ctrl+C test (`Pester/Interrupt.Tests.ps1`) stops 100
//! commands at random points.

use crate::layout::{self, Profile};
use crate::run::{cargo, pwsh_script, run};
use crate::tools::{on_path, pester_manifest, repo_root};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// The test program of the C ABI that valgrind runs.
const ABI_TEST: &str = "reliability_abi";

/// The Pester file that stops the module's commands at random points (issue 14, R4).
const INTERRUPT_TEST: &str = "Pester/Interrupt.Tests.ps1";

pub fn reliability() -> Result<(), String> {
    let started = Instant::now();
    let mut heavy = cargo(&[
        "test",
        "--release",
        "--locked",
        "--workspace",
        "--test",
        "reliability_*",
        "--",
        "--nocapture",
    ]);
    heavy.env("PIMRUST_RELIABILITY", "heavy");
    let tests = run(&mut heavy, None);
    let valgrind = abi_under_valgrind();
    let interrupt = interrupt_heavy();
    println!("xtask: reliability run took {:.0} s", started.elapsed().as_secs_f64());
    let failures: Vec<String> = [tests, valgrind, interrupt]
        .into_iter()
        .filter_map(Result::err)
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}

/// The module's Ctrl+C test at full size (100 runs), through the runner that `cargo xtask test` uses.
fn interrupt_heavy() -> Result<(), String> {
    let module = layout::build(Profile::Release)?;
    let mut command = pwsh_script("Pester/Invoke-PimRustTests.ps1")?;
    command
        .arg("-ModuleRoot")
        .arg(&module.root)
        .arg("-TestPath")
        .arg(INTERRUPT_TEST)
        .env("PIMRUST_EMULATOR", &module.emulator)
        .env("PIMRUST_RELIABILITY", "heavy");
    if let Some(pester) = pester_manifest() {
        command.arg("-PesterPath").arg(pester);
    }
    run(&mut command, None)
}

/// The ABI's reliability program (500 cases) under valgrind; its summary is printed.
fn abi_under_valgrind() -> Result<(), String> {
    if !cfg!(target_os = "linux") {
        println!("xtask: valgrind runs on Linux only; the {ABI_TEST} program was not run under it");
        return Ok(());
    }
    let package = package_with_test(ABI_TEST)?.ok_or(format!("no test program named {ABI_TEST} in the workspace"))?;
    let valgrind = on_path("valgrind").ok_or("valgrind is not on PATH (apt-get install valgrind)")?;
    let executable = test_executable(&package, ABI_TEST)?;
    let log = repo_root().join("target").join("valgrind-reliability_abi.log");
    let mut command = Command::new(valgrind);
    command
        // Only definite leaks fail: the runtime's worker threads are still alive at exit, and valgrind
        // counts their stacks and thread-locals as "possibly lost".
        .args([
            "--error-exitcode=1",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
        ])
        .arg(format!("--log-file={}", log.display()))
        .arg(&executable)
        .env_remove("PIMRUST_RELIABILITY")
        .env("PIMRUST_ABI_CASES", "500");
    let outcome = run(&mut command, None);
    let text = std::fs::read_to_string(&log).map_err(|e| format!("cannot read {}: {e}", log.display()))?;
    println!("xtask: valgrind summary of {ABI_TEST} (full log: {}):", log.display());
    for line in text.lines().filter(|line| is_summary(line)) {
        println!("  {}", line.split_once("== ").map_or(line, |(_, rest)| rest));
    }
    outcome
}

fn is_summary(line: &str) -> bool {
    [
        "ERROR SUMMARY",
        "definitely lost",
        "indirectly lost",
        "possibly lost",
        "All heap blocks were freed",
    ]
    .iter()
    .any(|key| line.contains(key))
}

fn json_lines(output: &[u8]) -> impl Iterator<Item = Value> + '_ {
    output
        .split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice(line).ok())
}

/// The workspace package that has a test target named `test`, if any.
fn package_with_test(test: &str) -> Result<Option<String>, String> {
    let output = cargo(&["metadata", "--no-deps", "--format-version", "1", "--locked"])
        .current_dir(repo_root())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata exited with {}", output.status));
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata is not JSON: {e}"))?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    Ok(packages.iter().find_map(|package| {
        let targets = package["targets"].as_array()?;
        let has_test = targets
            .iter()
            .any(|t| t["name"] == test && t["kind"].as_array().is_some_and(|k| k.contains(&"test".into())));
        has_test.then(|| package["name"].as_str().map(str::to_string)).flatten()
    }))
}

/// Builds the test program `test` of `package` (release) and returns its executable.
fn test_executable(package: &str, test: &str) -> Result<PathBuf, String> {
    let output = cargo(&[
        "test",
        "--release",
        "--locked",
        "-p",
        package,
        "--test",
        test,
        "--no-run",
        "--message-format=json",
    ])
    .current_dir(repo_root())
    .output()
    .map_err(|e| format!("cannot build {test}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building {test} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    json_lines(&output.stdout)
        .find(|message| message["reason"] == "compiler-artifact" && message["target"]["name"] == test)
        .and_then(|artifact| artifact["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo named no executable for {test}"))
}
