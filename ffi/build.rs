//! Writes the ABI version (`PIM_ABI_VERSION` in src/lib.rs, the one place it is stated) into the native
//! library's file metadata where the platform's linker has a field for it: the ELF SONAME on Linux
//! (`libpimrust.so.<abi>`) and the Mach-O compatibility version on macOS (`<abi>.0.0`, with the crate
//! version as the current version), and a VERSIONINFO resource in the DLL on Windows (MSVC), written by
//! build/version_resource.rs since no resource compiler crate is at hand. Hosts load the library by its
//! path, so none of this changes how it loads.

#[path = "build/version_resource.rs"]
mod version_resource;

fn main() {
    println!("cargo:rerun-if-changed=build/version_resource.rs");
    println!("cargo:rerun-if-changed=src/lib.rs");
    let source = std::fs::read_to_string("src/lib.rs").expect("ffi/src/lib.rs is readable");
    let abi: u32 = source
        .lines()
        .find_map(|line| line.trim().strip_prefix("pub const PIM_ABI_VERSION: u32 ="))
        .and_then(|value| value.trim().trim_end_matches(';').trim().parse().ok())
        .expect("ffi/src/lib.rs states `pub const PIM_ABI_VERSION: u32 = <n>;`");
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    match std::env::var("CARGO_CFG_TARGET_OS").as_deref() {
        Ok("linux") => println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libpimrust.so.{abi}"),
        Ok("macos") => {
            println!("cargo:rustc-cdylib-link-arg=-Wl,-compatibility_version,{abi}.0.0");
            println!("cargo:rustc-cdylib-link-arg=-Wl,-current_version,{version}");
        }
        Ok("windows") if std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("msvc") => {
            // link.exe takes a compiled .res as an input file.
            let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
            let res = out.join("pimrust-version.res");
            std::fs::write(&res, version_resource::version_resource(&version, abi)).expect("OUT_DIR is writable");
            println!("cargo:rustc-cdylib-link-arg={}", res.display());
        }
        _ => {}
    }
}
