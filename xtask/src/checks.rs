//! Consistency checks between the Rust exports, the generated C# bindings and the module manifest.

use crate::layout::VERSION;
use crate::tools::repo_root;

use crate::bindings::CHECKED_IN as BINDINGS;

fn read(relative: &str) -> Result<String, String> {
    std::fs::read_to_string(repo_root().join(relative)).map_err(|e| format!("cannot read {relative}: {e}"))
}

pub fn read_bindings() -> Result<String, String> {
    read(BINDINGS)
}

/// csbindgen skips functions it cannot translate without failing; every `pim_*` export must be bound.
pub fn every_export_is_bound() -> Result<(), String> {
    let bindings = read_bindings()?;
    let mut exports = Vec::new();
    for entry in std::fs::read_dir(repo_root().join("ffi/src"))
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let source = std::fs::read_to_string(entry.path()).map_err(|e| e.to_string())?;
        exports.extend(source.lines().filter_map(export_name));
    }
    if exports.len() < 2 {
        return Err(format!(
            "found only {} exports in ffi/src; the scan is broken",
            exports.len()
        ));
    }
    let missing: Vec<&String> = exports
        .iter()
        .filter(|name| !bindings.contains(&format!("EntryPoint = \"{name}\"")))
        .collect();
    if !missing.is_empty() {
        return Err(format!("exports missing from {BINDINGS}: {missing:?}"));
    }
    println!("xtask: all {} pim_* exports are bound", exports.len());
    Ok(())
}

fn export_name(line: &str) -> Option<String> {
    let rest = line.split("extern \"C\" fn ").nth(1)?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    name.starts_with("pim_").then_some(name)
}

/// The C# ABI guard must expect the Rust ABI version, and the manifest must carry the crate version.
pub fn versions_agree() -> Result<(), String> {
    let rust_abi = value_after(&read("ffi/src/lib.rs")?, "pub const PIM_ABI_VERSION: u32 =")?;
    let csharp_abi = value_after(
        &read("ffi/dotnet/PimRust.Interop/NativeLoader.cs")?,
        "public const uint ExpectedAbiVersion =",
    )?;
    if rust_abi != csharp_abi {
        return Err(format!(
            "PIM_ABI_VERSION is {rust_abi} but NativeLoader.ExpectedAbiVersion is {csharp_abi}"
        ));
    }
    let manifest_version = value_after(&read("PimRust.psd1")?, "ModuleVersion")?;
    if manifest_version != VERSION {
        return Err(format!(
            "PimRust.psd1 ModuleVersion is {manifest_version} but the crates are {VERSION}"
        ));
    }
    println!("xtask: ABI version {rust_abi} and module version {VERSION} agree");
    Ok(())
}

/// The literal value after `key` on its line, without `=`, quotes or `;`.
fn value_after(text: &str, key: &str) -> Result<String, String> {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(key))
        .ok_or(format!("'{key}' not found"))?;
    let value = line.trim_start()[key.len()..].trim().trim_start_matches('=').trim();
    Ok(value
        .trim_end_matches(';')
        .trim_matches(|c| c == '\'' || c == '"')
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_export_names() {
        assert_eq!(
            export_name("pub unsafe extern \"C\" fn pim_op_start("),
            Some("pim_op_start".into())
        );
        assert_eq!(
            export_name("pub extern \"C\" fn pim_abi_version() -> u32 {"),
            Some("pim_abi_version".into())
        );
        assert_eq!(export_name("fn helper()"), None);
    }

    #[test]
    fn reads_values_after_keys() {
        assert_eq!(
            value_after("    ModuleVersion        = '0.1.0'", "ModuleVersion").unwrap(),
            "0.1.0"
        );
        assert_eq!(
            value_after(
                "pub const PIM_ABI_VERSION: u32 = 1;",
                "pub const PIM_ABI_VERSION: u32 ="
            )
            .unwrap(),
            "1"
        );
    }
}
