//! Running child processes: echo their output live, count the tests they report, fail on non-zero.

use crate::layout::{Module, Profile};
use crate::tools::{self, repo_root};
use std::fmt;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[derive(Default)]
pub struct Tally {
    passed: u64,
    failed: u64,
    skipped: u64,
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

impl Tally {
    /// Reads the summary lines of cargo test, dotnet test (VSTest) and our Pester runner.
    fn read(&mut self, line: &str) {
        let number_after = |key: &str| -> Option<u64> {
            let start = line.find(key)? + key.len();
            line[start..]
                .trim_start()
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        };
        if line.starts_with("test result:") {
            // test result: ok. 12 passed; 0 failed; 1 ignored; ...
            let count_before = |word: &str| -> u64 {
                line.split(';')
                    .find(|part| part.trim_end().ends_with(word))
                    .and_then(|part| part.split_whitespace().rev().nth(1)?.parse().ok())
                    .unwrap_or(0)
            };
            self.passed += count_before("passed");
            self.failed += count_before("failed");
            self.skipped += count_before("ignored");
        } else if line.trim_start().starts_with("Passed!") || line.trim_start().starts_with("Failed!") {
            // Passed!  - Failed:     0, Passed:    15, Skipped:     0, Total:    15, Duration: ...
            self.passed += number_after("Passed:").unwrap_or(0);
            self.failed += number_after("Failed:").unwrap_or(0);
            self.skipped += number_after("Skipped:").unwrap_or(0);
        } else if let Some(rest) = line.strip_prefix("pester: ") {
            let mut numbers = rest
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse::<u64>().ok());
            self.passed += numbers.next().unwrap_or(0);
            self.failed += numbers.next().unwrap_or(0);
            self.skipped += numbers.next().unwrap_or(0);
        }
    }
}

/// Runs `command` from the repo root, echoing its stdout (and feeding `tally`); fails on non-zero exit.
pub fn run(command: &mut Command, mut tally: Option<&mut Tally>) -> Result<(), String> {
    let shown = format!("{command:?}");
    println!("xtask: running {shown}");
    let mut child = command
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading output of {shown}: {e}"))?;
        println!("{line}");
        if let Some(tally) = tally.as_deref_mut() {
            tally.read(&line);
        }
    }
    let status = child.wait().map_err(|e| format!("waiting for {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} exited with {status}"))
    }
}

pub fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(args);
    command
}

pub fn cargo_tests(profile: Profile, tally: &mut Tally) -> Result<(), String> {
    let mut args = vec!["test", "--workspace", "--locked"];
    if profile == Profile::Release {
        args.push("--release");
    }
    run(&mut cargo(&args), Some(tally))
}

/// The xunit suites: the interop assembly against the assembled module's native library, and the
/// cmdlets' own logic (durations, matching, error records) with PowerShell hosted in-process.
pub fn dotnet_tests(module: &Module, tally: &mut Tally) -> Result<(), String> {
    for project in ["ffi/dotnet/PimRust.Interop.Tests", "dotnet/PimRust.Commands.Tests"] {
        let mut command = Command::new("dotnet");
        command
            .args(["test", project, "--nologo", "--verbosity", "quiet"])
            .env("PIMRUST_MODULE_ROOT", &module.root);
        run(&mut command, Some(&mut *tally))?;
    }
    Ok(())
}

/// A pwsh command running `script` from the repo with -NoProfile -NonInteractive, where child pwsh
/// processes can find the same pwsh (a .NET-tool pwsh reports `dotnet` as its own process path).
fn pwsh_script(script: &str) -> Result<Command, String> {
    let pwsh = tools::pwsh()?;
    let mut command = Command::new(&pwsh);
    command
        .args(["-NoProfile", "-NonInteractive", "-File", script])
        .env("PIMRUST_PWSH", &pwsh);
    if let Some(shared) = tools::shared_module_path() {
        let mut paths = vec![shared];
        if let Some(existing) = std::env::var_os("PSModulePath") {
            paths.extend(std::env::split_paths(&existing));
        }
        let joined = std::env::join_paths(paths).map_err(|e| format!("cannot build PSModulePath: {e}"))?;
        command.env("PSModulePath", joined);
    }
    Ok(command)
}

/// The Pester suites in a fresh pwsh: as a plain caller, then as a strict one (Set-StrictMode -Version
/// Latest), each with $ErrorActionPreference = 'Stop'.
pub fn pester_tests(module: &Module, tally: &mut Tally) -> Result<(), String> {
    for strict in [false, true] {
        let mut command = pwsh_script("Pester/Invoke-PimRustTests.ps1")?;
        command
            .arg("-ModuleRoot")
            .arg(&module.root)
            .env("PIMRUST_EMULATOR", &module.emulator)
            .env("PIMRUST_CLI", &module.cli);
        if let Some(pester) = tools::pester_manifest() {
            command.arg("-PesterPath").arg(pester);
        }
        if strict {
            command.arg("-Strict");
        }
        run(&mut command, Some(&mut *tally))?;
    }
    Ok(())
}

/// PowerShell's own parser over every script, then PSScriptAnalyzer with the repo's settings.
pub fn powershell_lint() -> Result<(), String> {
    run(&mut pwsh_script("tools/Test-PowerShellSource.ps1")?, None)
}

/// The checked-in MAML (en-US/PimRust.Commands.dll-Help.xml) must be what docs/help generates.
pub fn help_unchanged() -> Result<(), String> {
    let mut command = pwsh_script("tools/Build-PimHelp.ps1")?;
    command.arg("-Check");
    run(&mut command, None)
}

#[cfg(test)]
mod tests {
    use super::Tally;

    #[test]
    fn reads_cargo_dotnet_and_pester_summaries() {
        let mut tally = Tally::default();
        for line in [
            "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.20s",
            "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
            "Passed!  - Failed:     0, Passed:    15, Skipped:     1, Total:    16, Duration: 2 s - x.dll (net10.0)",
            "pester: 9 passed, 1 failed, 2 skipped",
            "unrelated 5 passed line",
        ] {
            tally.read(line);
        }
        assert_eq!(tally.to_string(), "39 passed, 3 failed, 4 skipped");
    }
}
