//! `cargo xtask package`: the Gallery package (out/package/PimRust.<version>.nupkg) of the assembled module,
//! with runtimes/<rid>/native/<lib> for every RID in layout::RIDS and the release notes in its manifest.
//! The native libraries of other RIDs come from `--native-root DIR`, laid out as `DIR/<rid>/<lib>` (what
//! the release workflow downloads); when DIR lacks this machine's RID, it is built here with the `dist` profile.

use crate::layout::{self, RIDS, VERSION, copy, create_dir, host_rid, native_file_name};
use crate::tools::repo_root;
use std::path::{Path, PathBuf};

/// What `package` was asked for on the command line.
#[derive(Default)]
pub struct Options {
    /// `--native-root DIR`: DIR/<rid>/<lib> for the RIDs not built on this machine.
    pub native_root: Option<PathBuf>,
    /// `--allow-missing-rid`: a local test package with only the RIDs at hand (never for the Gallery).
    pub allow_missing_rid: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options::default();
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--native-root" => {
                    let dir = rest.next().ok_or("--native-root needs a folder")?;
                    options.native_root = Some(PathBuf::from(dir));
                }
                "--allow-missing-rid" => options.allow_missing_rid = true,
                _ => {}
            }
        }
        Ok(options)
    }
}

/// Checks that the manifest, crate and ABI versions agree, builds the module, then packages it.
pub fn package(profile: layout::Profile, options: &Options) -> Result<PathBuf, String> {
    crate::checks::versions_agree()?;
    let module = layout::build(profile)?;
    package_module(&module.root, options)
}

/// Stages a copy of the assembled module under target/package, adds the other RIDs' libraries and the
/// release notes, and packs it with PSResourceGet's Compress-PSResource into out/package.
pub fn package_module(assembled: &Path, options: &Options) -> Result<PathBuf, String> {
    let staging = repo_root().join("target").join("package").join("PimRust");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| format!("cannot clear {}: {e}", staging.display()))?;
    }
    copy_tree(assembled, &staging)?;

    let mut shipped = Vec::new();
    let mut missing = Vec::new();
    for rid in RIDS {
        let file = native_file_name(rid);
        let target = staging.join("runtimes").join(rid).join("native").join(file);
        let given = options.native_root.as_ref().map(|root| root.join(rid).join(file));
        match given {
            Some(source) if source.is_file() => {
                create_dir(target.parent().expect("native folder"))?;
                copy(&source, &target)?;
                shipped.push(format!("{rid} (from {})", source.display()));
            }
            _ if rid == host_rid() => {
                layout::use_shipped_native(&staging)?;
                shipped.push(format!("{rid} (built here, dist profile)"));
            }
            given => missing.push(match given {
                Some(source) => format!("{rid} (no {})", source.display()),
                None => format!("{rid} (no --native-root given)"),
            }),
        }
    }
    if let Some(stray) = stray_runtimes(&staging)? {
        return Err(format!("the assembled module has runtimes for unknown RIDs: {stray}"));
    }
    println!("xtask: native libraries: {}", shipped.join(", "));
    if !missing.is_empty() {
        let list = missing.join(", ");
        if !options.allow_missing_rid {
            return Err(format!(
                "the package would lack the native library for {} of {} RIDs: {list}. Pass --native-root DIR \
                 with DIR/<rid>/<pimrust.dll|libpimrust.dylib|libpimrust.so> from the release build, or \
                 --allow-missing-rid for a local test package that must not be published",
                missing.len(),
                RIDS.len()
            ));
        }
        println!("xtask: LOCAL TEST PACKAGE (--allow-missing-rid), not for the Gallery: it lacks {list}");
    }

    let manifest_path = staging.join("PimRust.psd1");
    let manifest =
        std::fs::read_to_string(&manifest_path).map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    layout::write(
        &manifest_path,
        &crate::manifest::with_release_notes(&manifest, VERSION)?,
    )?;

    let destination = repo_root().join("out").join("package");
    create_dir(&destination)?;
    let package = destination.join(format!("PimRust.{VERSION}.nupkg"));
    if package.exists() {
        std::fs::remove_file(&package).map_err(|e| format!("cannot replace {}: {e}", package.display()))?;
    }
    let mut command = crate::run::pwsh_script("tools/Compress-PimPackage.ps1")?;
    command
        .arg("-ModuleFolder")
        .arg(&staging)
        .arg("-Destination")
        .arg(&destination);
    crate::run::run(&mut command, None)?;
    if !package.is_file() {
        return Err(format!("Compress-PSResource did not write {}", package.display()));
    }
    Ok(package)
}

/// RID folders under runtimes/ that layout::RIDS does not name (a new platform must be added there).
fn stray_runtimes(module: &Path) -> Result<Option<String>, String> {
    let runtimes = module.join("runtimes");
    let stray: Vec<String> = std::fs::read_dir(&runtimes)
        .map_err(|e| format!("cannot list {}: {e}", runtimes.display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|name| !RIDS.contains(&name.as_str()))
        .collect();
    Ok((!stray.is_empty()).then(|| stray.join(", ")))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    create_dir(to)?;
    for entry in std::fs::read_dir(from)
        .map_err(|e| format!("cannot list {}: {e}", from.display()))?
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            copy(&entry.path(), &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_library_as_cargo_builds_it_here() {
        let cargo_name = format!(
            "{}pimrust{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        );
        assert_eq!(native_file_name(&host_rid()), cargo_name);
        assert!(RIDS.contains(&host_rid().as_str()));
    }

    #[test]
    fn follows_each_platform_convention() {
        assert_eq!(native_file_name("win-arm64"), "pimrust.dll");
        assert_eq!(native_file_name("osx-x64"), "libpimrust.dylib");
        assert_eq!(native_file_name("linux-arm64"), "libpimrust.so");
    }

    #[test]
    fn reads_the_options() {
        let args: Vec<String> = ["package", "--native-root", "native", "--allow-missing-rid"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let options = Options::parse(&args).unwrap();
        assert_eq!(options.native_root, Some(PathBuf::from("native")));
        assert!(options.allow_missing_rid);
        assert!(Options::parse(&args[..2]).is_err());
    }
}
