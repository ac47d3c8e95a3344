//! Build tasks for PimRust: `cargo xtask <setup|build|bindings|test|demo|bench|reliability|package|clean>` (build.ps1 forwards to these).
//! Written in Rust so the same steps run on every OS.

mod bindings;
mod checks;
mod install;
mod layout;
mod manifest;
mod package;
mod reliability;
mod run;
mod token_scan;
mod tools;

use std::process::ExitCode;

const USAGE: &str =
    "usage: cargo xtask <setup|build|bindings|test|demo|bench|reliability|package|clean> [--debug] [--check] [--quick]
       cargo xtask package [--native-root DIR] [--allow-missing-rid]

  setup   install what the tests need and NuGet serves: PowerShell 7.6.9 (.NET tool, .tools/pwsh)
          and Pester 5.7.1 (.tools/nuget), unless pwsh is already on PATH
  build   cargo build of the native library, dotnet build of the cmdlets (PimRust.Commands, with
          PimRust.Interop), and assembly of a ready-to-import module under out/PimRust/<version>/
  bindings  regenerate the checked-in C# P/Invoke declarations (NativeMethods.g.cs) with csbindgen,
          and the core's rules the cmdlets declare (CoreRules.g.cs, through the core test host_rules);
          --check only reports whether a checked-in file differs (the drift check)
  test    build, then: bindings drift check, cargo tests, interop and cmdlet (xunit) tests, Pester tests in a
          fresh pwsh, a local package installed like a user (tools/Test-PimInstall.ps1), PowerShell
          parse and PSScriptAnalyzer lint (a missing pwsh, Pester or
          PSScriptAnalyzer is a failure)
  demo    build, then run the main job (sign in, list, activate, wait) in pwsh against the sandbox
  bench   list / activate / wait benchmarks of the core against the sandbox with 100 ms injected
          latency, then the module as users run it (tools/bench): import, first call, listing 30
          roles cold and warm, activating 1 / 5 / 20 roles, in fresh pwsh processes against plain
          Invoke-RestMethod scripts, with the native library as it ships (dist profile) (7 to 9 minutes
          on 2 busy cores); --quick: one pair per measure
  reliability  the reliability suite at full size: every reliability_* test program with
          PIMRUST_RELIABILITY=heavy (figures printed), then reliability_abi under valgrind, then
          build and stop 100 module commands at random points (Pester/Interrupt.Tests.ps1)
  package build, then the Gallery package out/package/PimRust.<version>.nupkg with the native library of
          all six RIDs (from DIR/<rid>/<lib>; built here with the dist profile for this machine's RID if DIR
          lacks it), the CHANGELOG.md
          section of the version as release notes; a missing RID fails unless --allow-missing-rid
          (a local test package, never to be published)
  clean   remove build output";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let profile = if args.iter().any(|a| a == "--debug") {
        layout::Profile::Debug
    } else {
        layout::Profile::Release
    };
    let result = match args.first().map(|a| a.to_ascii_lowercase()).as_deref() {
        Some("setup") => tools::setup(),
        Some("build") => layout::build(profile).map(|_| ()),
        Some("bindings") if args.iter().any(|a| a == "--check") => bindings::check(profile),
        Some("bindings") => bindings::write(profile),
        Some("test") => test(profile),
        Some("demo") => demo(profile),
        Some("bench") => bench(profile, args.iter().any(|a| a == "--quick")),
        Some("reliability") => reliability::reliability(),
        Some("package") => package::Options::parse(&args)
            .and_then(|options| package::package(profile, &options))
            .map(|_| ()),
        Some("clean") => layout::clean(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn demo(profile: layout::Profile) -> Result<(), String> {
    let module = layout::build(profile)?;
    let pwsh = tools::pwsh()?;
    let mut command = std::process::Command::new(pwsh);
    command
        .args(["-NoProfile", "-File", "demo/Start-PimDemo.ps1", "-ModuleRoot"])
        .arg(&module.root)
        .arg("-Emulator")
        .arg(&module.emulator);
    run::run(&mut command, None)
}

/// The core's benchmarks, then the module as users run it (tools/bench/Invoke-PimBench.ps1): import,
/// first call, listing and activating in fresh pwsh processes against plain Invoke-RestMethod scripts.
/// `--quick` makes the pwsh part a smoke run (one pair per measure).
fn bench(profile: layout::Profile, quick: bool) -> Result<(), String> {
    run::run(
        &mut run::cargo(&[
            "run",
            "--locked",
            "--release",
            "-p",
            "pimrust-core",
            "--example",
            "bench",
        ]),
        None,
    )?;
    let module = layout::build(profile)?;
    layout::use_shipped_native(&module.root)?;
    let pwsh = tools::pwsh()?;
    let mut command = std::process::Command::new(&pwsh);
    command
        .args(["-NoProfile", "-File", "tools/bench/Invoke-PimBench.ps1", "-ModuleRoot"])
        .arg(&module.root)
        .arg("-Emulator")
        .arg(&module.emulator)
        .arg("-Pwsh")
        .arg(&pwsh);
    if quick {
        command.arg("-Quick");
    }
    run::run(&mut command, None)
}

fn test(profile: layout::Profile) -> Result<(), String> {
    token_scan::prepare()?;
    let module = layout::build(profile)?;
    let mut tally = run::Tally::default();
    let mut failures = Vec::new();

    let mut step = |name: &str, outcome: Result<(), String>| {
        if let Err(message) = outcome {
            eprintln!("xtask: FAILED {name}: {message}");
            failures.push(name.to_string());
        }
    };

    step("bindings drift check", bindings::check(profile));
    step("exported symbols are bound", checks::every_export_is_bound());
    step("ABI and module versions agree", checks::versions_agree());
    step("help drift check", run::help_unchanged());
    step("cargo tests", run::cargo_tests(profile, &mut tally));
    step("xunit tests", run::dotnet_tests(&module, &mut tally));
    step("Pester tests", run::pester_tests(&module, &mut tally));
    step("install like a user", install::install_like_a_user(&module));
    step("PowerShell parse and lint", run::powershell_lint());
    step("no token text in anything the run left (R3)", token_scan::scan());

    println!();
    println!("xtask: {tally}");
    if failures.is_empty() {
        println!("xtask: all test steps passed");
        Ok(())
    } else {
        Err(format!("failed steps: {}", failures.join(", ")))
    }
}
