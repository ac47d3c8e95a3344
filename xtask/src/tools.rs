//! The external tools the test steps need, and `cargo xtask setup`, which installs the ones NuGet serves
//! into ignored folders: PowerShell as a .NET tool in .tools/pwsh, Pester under .tools/nuget. Repo-local
//! installs win over PATH and the user's module path, so every run uses the pinned versions.

use crate::run::run;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The PowerShell .NET tool version `setup` installs (NuGet serves no newer one here; a laptop's own
/// pwsh 7.4+ on PATH works too).
const PWSH_VERSION: &str = "7.6.9";
/// The NuGet project that downloads Pester; its `PackageDownload` pins the version.
const TEST_MODULES_PROJECT: &str = "tools/test-modules";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repo")
        .to_path_buf()
}

fn tools_dir() -> PathBuf {
    repo_root().join(".tools")
}

pub fn on_path(name: &str) -> Option<PathBuf> {
    let exe = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(&exe))
        .find(|candidate| candidate.is_file())
}

fn local_pwsh() -> PathBuf {
    tools_dir()
        .join("pwsh")
        .join(format!("pwsh{}", std::env::consts::EXE_SUFFIX))
}

/// pwsh 7.4+: .tools/pwsh (installed by `cargo xtask setup`) or PATH.
pub fn pwsh() -> Result<PathBuf, String> {
    let local = local_pwsh();
    if local.is_file() {
        return Ok(local);
    }
    on_path("pwsh").ok_or_else(|| {
        "pwsh (PowerShell 7.4+) was not found in .tools/pwsh or on PATH: run `cargo xtask setup` \
         (installs the PowerShell .NET tool) or install PowerShell 7.4+"
            .to_string()
    })
}

/// The Pester 5 manifest restored by `cargo xtask setup`, if any (otherwise the runner imports the
/// newest Pester 5.5+ from pwsh's module path, as on a laptop with `Install-PSResource Pester`).
pub fn pester_manifest() -> Option<PathBuf> {
    let root = tools_dir().join("nuget").join("pester");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root).ok()?.flatten().map(|e| e.path()).collect();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .map(|v| v.join("tools").join("Pester.psd1"))
        .find(|m| m.is_file())
}

/// A module folder that no registry here serves (PSScriptAnalyzer, platyPS), laid beside the repo in
/// ../shared/psmodules; prepended to PSModulePath for the steps that need it.
pub fn shared_module_path() -> Option<PathBuf> {
    let path = repo_root().parent()?.join("shared").join("psmodules");
    path.join("PSScriptAnalyzer").is_dir().then_some(path)
}

/// `cargo xtask setup`: installs pwsh and Pester where they are missing; fails if either cannot be had.
pub fn setup() -> Result<(), String> {
    if local_pwsh().is_file() {
        println!("xtask: pwsh already installed in .tools/pwsh");
    } else if let Some(found) = on_path("pwsh") {
        println!("xtask: using pwsh from PATH ({})", found.display());
    } else {
        run(
            Command::new("dotnet")
                .args([
                    "tool",
                    "install",
                    "PowerShell",
                    "--version",
                    PWSH_VERSION,
                    "--tool-path",
                ])
                .arg(tools_dir().join("pwsh")),
            None,
        )
        .map_err(|e| format!("cannot install PowerShell {PWSH_VERSION} as a .NET tool: {e}"))?;
    }
    match pester_manifest() {
        Some(manifest) => println!("xtask: Pester already restored ({})", manifest.display()),
        None => {
            run(
                Command::new("dotnet")
                    .args([
                        "restore",
                        TEST_MODULES_PROJECT,
                        "--nologo",
                        "--verbosity",
                        "quiet",
                        "--packages",
                    ])
                    .arg(tools_dir().join("nuget")),
                None,
            )
            .map_err(|e| format!("cannot restore Pester from NuGet: {e}"))?;
            let manifest = pester_manifest()
                .ok_or("NuGet restored no Pester module (expected .tools/nuget/pester/<version>/tools/Pester.psd1)")?;
            println!("xtask: restored {}", manifest.display());
        }
    }
    match shared_module_path() {
        Some(path) => println!("xtask: PSScriptAnalyzer found in {}", path.display()),
        None => println!(
            "xtask: ../shared/psmodules is not beside the repo: the lint step needs PSScriptAnalyzer \
             in pwsh's module path (Install-PSResource PSScriptAnalyzer)"
        ),
    }
    Ok(())
}
