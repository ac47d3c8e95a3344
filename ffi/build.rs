//! Regenerates the C# P/Invoke declarations from the exported functions. The output is checked in;
//! it is rewritten only when its content changes (so a hand edit is undone, and an unchanged build
//! leaves the file alone), and `cargo xtask test` fails when a build changed it.

use std::path::PathBuf;

const CHECKED_IN: &str = "dotnet/PimRust.Interop/NativeMethods.g.cs";
const INPUTS: [&str; 3] = ["src/lib.rs", "src/status.rs", "src/buffer.rs"];

fn main() {
    for input in INPUTS.iter().chain([&CHECKED_IN]) {
        println!("cargo:rerun-if-changed={input}");
    }
    let generated_path =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("NativeMethods.g.cs");
    INPUTS
        .iter()
        .fold(csbindgen::Builder::default(), |builder, input| {
            builder.input_extern_file(input)
        })
        .csharp_dll_name("pimrust")
        .csharp_namespace("PimRust.Interop")
        .csharp_class_name("NativeMethods")
        .csharp_class_accessibility("internal")
        .csharp_use_nint_types(true)
        .generate_csharp_file(&generated_path)
        .expect("csbindgen generates the C# bindings");
    let generated = std::fs::read(&generated_path).expect("generated bindings are readable");
    if std::fs::read(CHECKED_IN).ok().as_deref() != Some(generated.as_slice()) {
        std::fs::write(CHECKED_IN, generated).expect("checked-in bindings are writable");
    }
}
