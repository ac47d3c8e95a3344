//! The install test of `cargo xtask test`: a local test package of this build (this machine's RID only),
//! installed and used as a Gallery user would (tools/Test-PimInstall.ps1), in a fresh pwsh whose HOME
//! is a new temporary folder and whose environment carries none of the test run's module paths.

use crate::layout::{Module, VERSION};
use crate::package::{Options, package_module};
use crate::run::run;
use crate::tools;
use std::process::Command;

/// Variables of the calling shell that would let the module or its state come from elsewhere.
fn inherited_elsewhere(name: &str) -> bool {
    name == "PSModulePath" || name.starts_with("XDG_") || name.starts_with("PIMRUST_")
}

/// Written into HOME by the test script once it has installed the module (so only its own is removed).
const INSTALLED_MARKER: &str = "pimrust-installed-by-test";

pub fn install_like_a_user(module: &Module) -> Result<(), String> {
    let package = package_module(
        &module.root,
        &Options {
            native_root: None,
            allow_missing_rid: true,
        },
    )?;
    let scratch = std::env::temp_dir().join(format!("pimrust-install-{}", std::process::id()));
    let home = scratch.join("home");
    std::fs::create_dir_all(&home).map_err(|e| format!("cannot create {}: {e}", home.display()))?;

    let pwsh = tools::pwsh()?;
    let mut command = Command::new(&pwsh);
    command
        .args([
            "-NoProfile",
            "-NonInteractive",
            "-File",
            "tools/Test-PimInstall.ps1",
            "-Package",
        ])
        .arg(&package)
        .arg("-Emulator")
        .arg(&module.emulator);
    for (name, _) in std::env::vars_os() {
        if inherited_elsewhere(&name.to_string_lossy()) {
            command.env_remove(name);
        }
    }
    command
        .env("HOME", &home)
        .env("USERPROFILE", &home)
        .env("LOCALAPPDATA", home.join("AppData").join("Local"))
        .env("APPDATA", home.join("AppData").join("Roaming"));
    let outcome = run(&mut command, None);

    let cleanup = if cfg!(windows) && home.join(INSTALLED_MARKER).exists() {
        // CurrentUser installs land in Documents on Windows, which HOME does not move; the test's
        // process has exited, so its DLLs are no longer locked.
        let mut uninstall = Command::new(&pwsh);
        uninstall.args([
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            &format!("Uninstall-PSResource -Name PimRust -Version {VERSION} -Scope CurrentUser -ErrorAction Stop"),
        ]);
        run(&mut uninstall, None)
    } else {
        Ok(())
    };
    std::fs::remove_dir_all(&scratch).map_err(|e| format!("cannot remove {}: {e}", scratch.display()))?;
    outcome.and(cleanup)
}

#[cfg(test)]
mod tests {
    use super::inherited_elsewhere;

    #[test]
    fn drops_module_paths_and_pimrust_settings() {
        for name in [
            "PSModulePath",
            "XDG_DATA_HOME",
            "PIMRUST_TOKEN_CACHE_DIR",
            "PIMRUST_SANDBOX_URL",
        ] {
            assert!(inherited_elsewhere(name), "{name}");
        }
        for name in ["PATH", "DOTNET_ROOT", "TMPDIR"] {
            assert!(!inherited_elsewhere(name), "{name}");
        }
    }
}
