//! Building and assembling the module: out/PimRust/<version>/ with the manifest, the format file and help,
//! lib/ (the compiled cmdlets and the interop assembly) and runtimes/<rid>/native/.

use crate::run::{cargo, run};
use crate::tools::repo_root;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Debug,
    Release,
}

impl Profile {
    fn target_dir(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        }
    }
}

/// An assembled, importable module, and the sandbox emulator and `pimrust` CLI built with it.
pub struct Module {
    pub root: PathBuf,
    pub emulator: PathBuf,
    pub cli: PathBuf,
}

/// The module manifest, written with its Gallery links filled in (manifest.rs).
const MANIFEST: &str = "PimRust.psd1";
/// Module files copied as they are.
const MODULE_FILES: [&str; 1] = ["LICENSE"];
/// Help folders copied whole when present (MAML for the cmdlets and about_ topics, per culture).
const HELP_FOLDERS: [&str; 1] = ["en-US"];
/// The C# project of the cmdlets; building it builds the interop assembly it references.
const COMMANDS_PROJECT: &str = "dotnet/PimRust.Commands";
/// The assemblies that go to lib/: the cmdlets (the module's root) and the interop glue.
const ASSEMBLIES: [&str; 2] = ["PimRust.Commands.dll", "PimRust.Interop.dll"];

/// The runtime identifier of this machine, as in runtimes/<rid>/native.
pub fn host_rid() -> String {
    let os = match std::env::consts::OS {
        "windows" => "win",
        "macos" => "osx",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "x86" => "x86",
        other => other,
    };
    format!("{os}-{arch}")
}

/// Every runtime the module ships a native library for (the release workflow builds each on its own runner).
pub const RIDS: [&str; 6] = [
    "win-x64",
    "win-arm64",
    "linux-x64",
    "linux-arm64",
    "osx-x64",
    "osx-arm64",
];

/// The native library's file name on the RID's platform, as cargo names the cdylib there and
/// PimRust.Interop's NativeLoader expects it.
pub fn native_file_name(rid: &str) -> &'static str {
    if rid.starts_with("win-") {
        "pimrust.dll"
    } else if rid.starts_with("osx-") {
        "libpimrust.dylib"
    } else {
        "libpimrust.so"
    }
}

pub fn build(profile: Profile) -> Result<Module, String> {
    let mut args = vec![
        "build",
        "--locked",
        "--package",
        "pimrust-ffi",
        "--package",
        "pimrust-emulator",
        "--package",
        "pimrust-cli",
    ];
    if profile == Profile::Release {
        args.push("--release");
    }
    run(&mut cargo(&args), None)?;
    let assemblies = repo_root().join("target/dotnet/PimRust.Commands");
    run(
        Command::new("dotnet")
            .args([
                "build",
                COMMANDS_PROJECT,
                "--nologo",
                "--verbosity",
                "quiet",
                "-c",
                "Release",
                "-o",
            ])
            .arg(&assemblies),
        None,
    )?;
    assemble(profile, &assemblies)
}

/// The cargo profile of the native library that ships (Cargo.toml `[profile.dist]`). Tests build with
/// `release`, which links far faster; the package, the install test and the benchmark use this one.
const DIST_PROFILE: &str = "dist";

/// Builds the native library as it ships and puts it in place of the one in `module_root`.
pub fn use_shipped_native(module_root: &Path) -> Result<(), String> {
    // pimrust-ffi is an rlib too (its tests link it), and cargo applies no LTO to a crate it also
    // builds as an rlib: building the cdylib alone is what makes the profile's LTO happen.
    run(
        &mut cargo(&[
            "rustc",
            "--locked",
            "--profile",
            DIST_PROFILE,
            "--package",
            "pimrust-ffi",
            "--crate-type",
            "cdylib",
        ]),
        None,
    )?;
    let file_name = native_file_name(&host_rid());
    let built = repo_root().join("target").join(DIST_PROFILE).join(file_name);
    copy(
        &built,
        &module_root
            .join("runtimes")
            .join(host_rid())
            .join("native")
            .join(file_name),
    )?;
    let size = std::fs::metadata(&built).map(|m| m.len()).unwrap_or(0);
    println!(
        "xtask: {file_name} of the {DIST_PROFILE} profile in {} ({size} bytes)",
        module_root.display()
    );
    Ok(())
}

fn assemble(profile: Profile, assemblies: &Path) -> Result<Module, String> {
    let root = repo_root().join("out").join("PimRust").join(VERSION);
    if root.exists() {
        std::fs::remove_dir_all(&root).map_err(|e| format!("cannot clear {}: {e}", root.display()))?;
    }
    let native_dir = root.join("runtimes").join(host_rid()).join("native");
    create_dir(&root.join("lib"))?;
    create_dir(&native_dir)?;
    let manifest =
        std::fs::read_to_string(repo_root().join(MANIFEST)).map_err(|e| format!("cannot read {MANIFEST}: {e}"))?;
    write(&root.join(MANIFEST), &crate::manifest::with_links(&manifest)?)?;
    for file in MODULE_FILES {
        copy(&repo_root().join(file), &root.join(file))?;
    }
    for entry in std::fs::read_dir(repo_root()).map_err(|e| e.to_string())?.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".Format.ps1xml") || name.ends_with(".Types.ps1xml") {
            copy(&entry.path(), &root.join(&name))?;
        }
    }
    for folder in HELP_FOLDERS {
        let source = repo_root().join(folder);
        if !source.is_dir() {
            continue;
        }
        create_dir(&root.join(folder))?;
        for entry in std::fs::read_dir(&source).map_err(|e| e.to_string())?.flatten() {
            if entry.path().is_file() {
                copy(&entry.path(), &root.join(folder).join(entry.file_name()))?;
            }
        }
    }
    for assembly in ASSEMBLIES {
        copy(&assemblies.join(assembly), &root.join("lib").join(assembly))?;
    }
    let file_name = native_file_name(&host_rid());
    let native = repo_root().join("target").join(profile.target_dir()).join(file_name);
    copy(&native, &native_dir.join(file_name))?;
    let size = std::fs::metadata(&native).map(|m| m.len()).unwrap_or(0);
    println!("xtask: assembled {} ({file_name} {size} bytes)", root.display());
    let emulator = repo_root()
        .join("target")
        .join(profile.target_dir())
        .join(format!("pimrust-emulator{}", std::env::consts::EXE_SUFFIX));
    let cli = repo_root()
        .join("target")
        .join(profile.target_dir())
        .join(format!("pimrust{}", std::env::consts::EXE_SUFFIX));
    let size = std::fs::metadata(&cli).map(|m| m.len()).unwrap_or(0);
    println!("xtask: built {} ({size} bytes)", cli.display());
    Ok(Module { root, emulator, cli })
}

pub fn clean() -> Result<(), String> {
    run(&mut cargo(&["clean"]), None)?;
    for dir in [
        "out",
        "ffi/dotnet/PimRust.Interop/bin",
        "ffi/dotnet/PimRust.Interop/obj",
        "ffi/dotnet/PimRust.Interop.Tests/bin",
        "ffi/dotnet/PimRust.Interop.Tests/obj",
        "dotnet/PimRust.Commands/bin",
        "dotnet/PimRust.Commands/obj",
        "dotnet/PimRust.Commands.Tests/bin",
        "dotnet/PimRust.Commands.Tests/obj",
    ] {
        let path = repo_root().join(dir);
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

pub fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub fn create_dir(path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(path).map_err(|e| format!("cannot create {}: {e}", path.display()))
}

pub fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}
