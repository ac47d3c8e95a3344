//! Running child processes: echo their output live, count the tests they report, fail on non-zero.

use crate::layout::{Module, Profile};
use crate::token_scan;
use crate::tools::{self, repo_root};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

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

/// Where each command's stdout and stderr are also kept (for the token scan), once set.
static LOG_DIR: OnceLock<PathBuf> = OnceLock::new();
static LOGGED: AtomicUsize = AtomicUsize::new(0);

/// From now on, every command's output is also written to a file of its own in `dir`.
pub fn keep_logs_in(dir: PathBuf) {
    let _ = LOG_DIR.set(dir);
}

/// The log file of the next command, when logs are kept.
fn log_file(command: &Command) -> Result<Option<Arc<Mutex<File>>>, String> {
    let Some(dir) = LOG_DIR.get() else { return Ok(None) };
    let program = Path::new(command.get_program())
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let path = dir.join(format!("{:02}-{program}.log", LOGGED.fetch_add(1, Ordering::SeqCst)));
    let file = File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    Ok(Some(Arc::new(Mutex::new(file))))
}

fn keep(log: &Option<Arc<Mutex<File>>>, line: &str) {
    if let Some(log) = log {
        let mut file = log.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(file, "{line}");
    }
}

/// Runs `command` from the repo root, echoing its stdout (and feeding `tally`), and its stderr when
/// logs are kept; fails on non-zero exit.
pub fn run(command: &mut Command, mut tally: Option<&mut Tally>) -> Result<(), String> {
    let shown = format!("{command:?}");
    println!("xtask: running {shown}");
    let log = log_file(command)?;
    if log.is_some() {
        command.stderr(Stdio::piped());
    }
    let mut child = command
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    let stderr = child.stderr.take().map(|stderr| {
        let log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                keep(&log, &line);
            }
        })
    });
    let stdout = child.stdout.take().expect("stdout is piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading output of {shown}: {e}"))?;
        println!("{line}");
        keep(&log, &line);
        if let Some(tally) = tally.as_deref_mut() {
            tally.read(&line);
        }
    }
    if let Some(stderr) = stderr {
        let _ = stderr.join();
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

/// Every test binary runs even when an earlier one fails, so one failure does not hide the others.
pub fn cargo_tests(profile: Profile, tally: &mut Tally) -> Result<(), String> {
    let mut args = vec!["test", "--workspace", "--locked", "--no-fail-fast"];
    if profile == Profile::Release {
        args.push("--release");
    }
    run(cargo(&args).env("TMPDIR", token_scan::temp_dir()), Some(tally))
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
pub fn pwsh_script(script: &str) -> Result<Command, String> {
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
        } else {
            // One pass with every Verbose and Debug message shown, for the token scan to read.
            command.args(["-Verbose", "-Debug"]);
        }
        command
            .arg("-RunFolder")
            .arg(token_scan::run_dir())
            .env("TMPDIR", token_scan::temp_dir());
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
