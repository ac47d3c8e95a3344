//! `cargo xtask bindings`: generates the C# P/Invoke declarations (`NativeMethods.g.cs`) from the
//! exported functions of `ffi/src` with csbindgen, and the core's rules the cmdlets declare
//! (`CoreRules.g.cs`, rendered by the core itself). The output is checked in and is written only by
//! this step (never by a build); `bindings --check` and `cargo xtask test` fail when a checked-in
//! file differs from what generation produces.

use crate::layout::Profile;
use crate::run::{cargo, run};
use crate::tools::repo_root;
use std::path::Path;

/// The checked-in generated file, relative to the repository root.
pub const CHECKED_IN: &str = "ffi/dotnet/PimRust.Interop/NativeMethods.g.cs";
/// The sources whose `extern "C"` functions are bound.
const INPUTS: [&str; 3] = ["ffi/src/lib.rs", "ffi/src/status.rs", "ffi/src/buffer.rs"];

/// What csbindgen generates from the current sources.
pub fn generate() -> Result<String, String> {
    let root = repo_root();
    let out_dir = root.join("target").join("xtask");
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let generated_path = out_dir.join("NativeMethods.g.cs");
    INPUTS
        .iter()
        .fold(csbindgen::Builder::default(), |builder, input| {
            builder.input_extern_file(root.join(input))
        })
        .csharp_dll_name("pimrust")
        .csharp_namespace("PimRust.Interop")
        .csharp_class_name("NativeMethods")
        .csharp_class_accessibility("internal")
        .csharp_use_nint_types(true)
        .generate_csharp_file(&generated_path)
        .map_err(|e| format!("csbindgen failed: {e}"))?;
    read(&generated_path)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// `CoreRules.g.cs` is rendered by the core, so its check is a core test (`tests/host_rules.rs`, the
/// tests named `core_rules_*`), which rewrites the file when `bless` is set. It is built as the whole
/// workspace's tests are (same packages, profile and features), so `cargo xtask test` reuses the build
/// instead of compiling the core a second way; `--tests` leaves out the doctests.
fn core_rules(profile: Profile, bless: bool) -> Result<(), String> {
    let mut args = vec!["test", "--workspace", "--locked", "--tests"];
    if profile == Profile::Release {
        args.push("--release");
    }
    args.extend(["--", "core_rules_"]);
    if bless {
        // Shows the test's note when it rewrote the file.
        args.push("--nocapture");
    }
    let mut command = cargo(&args);
    if bless {
        command.env("PIMRUST_BLESS", "1");
    } else {
        command.env_remove("PIMRUST_BLESS");
    }
    run(&mut command, None).map_err(|e| format!("the core's rules (CoreRules.g.cs): {e}"))
}

/// `cargo xtask bindings`: rewrites the checked-in files when generation gives something else.
pub fn write(profile: Profile) -> Result<(), String> {
    write_native_methods()?;
    core_rules(profile, true)
}

fn write_native_methods() -> Result<(), String> {
    let generated = generate()?;
    let path = repo_root().join(CHECKED_IN);
    if std::fs::read_to_string(&path).ok().as_deref() == Some(generated.as_str()) {
        println!("xtask: {CHECKED_IN} is up to date");
        return Ok(());
    }
    std::fs::write(&path, generated).map_err(|e| format!("cannot write {CHECKED_IN}: {e}"))?;
    println!("xtask: regenerated {CHECKED_IN}; commit it");
    Ok(())
}

/// The drift check: the checked-in files must be exactly what generation produces.
pub fn check(profile: Profile) -> Result<(), String> {
    check_native_methods()?;
    core_rules(profile, false)
}

fn check_native_methods() -> Result<(), String> {
    let generated = generate()?;
    let checked_in = read(&repo_root().join(CHECKED_IN))?;
    if checked_in != generated {
        let line = checked_in
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| checked_in.lines().count().min(generated.lines().count()));
        return Err(format!(
            "{CHECKED_IN} is not what generation produces (first difference at line {}); run cargo xtask bindings and commit the result",
            line + 1
        ));
    }
    println!("xtask: bindings are up to date");
    Ok(())
}
