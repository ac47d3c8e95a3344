//! Locating the external tools a step needs: repo-local installs under .tools/ win over PATH.

use std::path::{Path, PathBuf};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repo")
        .to_path_buf()
}

fn on_path(name: &str) -> Option<PathBuf> {
    let exe = if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_string()
    };
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(&exe))
        .find(|candidate| candidate.is_file())
}

/// pwsh 7.4+: .tools/pwsh (installed by .ci/setup-tools) or PATH.
pub fn pwsh() -> Option<PathBuf> {
    let local = repo_root()
        .join(".tools")
        .join("pwsh")
        .join(if cfg!(windows) { "pwsh.exe" } else { "pwsh" });
    if local.is_file() { Some(local) } else { on_path("pwsh") }
}

/// A Pester 5 module installed by .ci/setup-tools, if any; otherwise pwsh's own module path is used.
pub fn pester_manifest() -> Option<PathBuf> {
    let root = repo_root().join(".tools").join("Modules").join("Pester");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root).ok()?.flatten().map(|e| e.path()).collect();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .map(|v| v.join("Pester.psd1"))
        .find(|m| m.is_file())
}

pub fn node() -> Option<PathBuf> {
    on_path("node")
}
