//! The drift check of the C# the host takes the core's rules from: the checked-in
//! `CoreRules.g.cs` must be what `host_rules::csharp()` renders. `PIMRUST_BLESS=1` rewrites it
//! instead (what `cargo xtask bindings` does); the help must state the same -ThrottleLimit rules.
//! `cargo xtask bindings` runs these tests by their `core_rules_` prefix.

use pimrust_core::host_rules::{CSHARP_PATH, csharp};
use pimrust_core::pim::activate::{DEFAULT_THROTTLE, THROTTLE_RANGE};
use std::path::Path;

fn repo_file(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

#[test]
fn core_rules_csharp_is_what_the_core_renders() {
    let path = repo_file(CSHARP_PATH);
    let rendered = csharp();
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if checked_in == rendered {
        return;
    }
    if std::env::var("PIMRUST_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &rendered).unwrap_or_else(|e| panic!("cannot write {CSHARP_PATH}: {e}"));
        println!("host_rules: rewrote {CSHARP_PATH}; commit it");
        return;
    }
    let line = checked_in
        .lines()
        .zip(rendered.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| checked_in.lines().count().min(rendered.lines().count()));
    panic!(
        "{CSHARP_PATH} is not what the core renders (first difference at line {}); run cargo xtask bindings and commit the result",
        line + 1
    );
}

/// The help is written by hand (docs/help): its `-ThrottleLimit` sections must state the core's rules.
#[test]
fn core_rules_the_help_states_the_throttle_rules() {
    let range = format!("from {} to {}", THROTTLE_RANGE.start(), THROTTLE_RANGE.end());
    let default = format!("DefaultValue: {DEFAULT_THROTTLE}");
    for help in [
        "docs/help/Invoke-PimActivation.md",
        "docs/help/Invoke-PimDeactivation.md",
    ] {
        let text = std::fs::read_to_string(repo_file(help)).unwrap();
        let section = text
            .split("### -ThrottleLimit")
            .nth(1)
            .and_then(|rest| rest.split("\n### ").next())
            .unwrap_or_else(|| panic!("{help} has no -ThrottleLimit section"));
        assert!(section.contains(&range), "{help}: -ThrottleLimit should say '{range}'");
        assert!(
            section.contains(&default),
            "{help}: -ThrottleLimit should say '{default}'"
        );
    }
}
