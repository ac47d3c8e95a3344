//! The Gallery metadata written into the assembled manifest. The project's address is stated once, as
//! `repository` under `[workspace.package]` in Cargo.toml: ProjectUri is that address and LicenseUri its
//! LICENSE on the main branch. The release notes are the version's section of CHANGELOG.md.

use crate::tools::repo_root;

/// The manifest keys this module writes; the checked-in PimRust.psd1 leaves them empty.
const PROJECT_URI: &str = "ProjectUri";
const LICENSE_URI: &str = "LicenseUri";
const RELEASE_NOTES: &str = "ReleaseNotes";

fn read(relative: &str) -> Result<String, String> {
    std::fs::read_to_string(repo_root().join(relative)).map_err(|e| format!("cannot read {relative}: {e}"))
}

/// The `repository` of `[workspace.package]` in Cargo.toml, without a trailing slash.
pub fn repository() -> Result<String, String> {
    let cargo = read("Cargo.toml")?;
    let mut in_workspace_package = false;
    for line in cargo.lines().map(str::trim) {
        if line.starts_with('[') {
            in_workspace_package = line == "[workspace.package]";
        } else if in_workspace_package && line.starts_with("repository") {
            let value = line
                .split_once('=')
                .map(|(_, v)| v.trim().trim_matches('"').trim_end_matches('/'))
                .unwrap_or_default();
            if value.starts_with("https://") {
                return Ok(value.to_string());
            }
            return Err(format!(
                "Cargo.toml [workspace.package] repository is not an https URL: {line}"
            ));
        }
    }
    Err("Cargo.toml has no `repository` under [workspace.package]: it is the module's ProjectUri".into())
}

/// The manifest text with ProjectUri and LicenseUri taken from Cargo.toml.
pub fn with_links(manifest: &str) -> Result<String, String> {
    let repository = repository()?;
    let manifest = set_value(manifest, PROJECT_URI, &repository)?;
    set_value(&manifest, LICENSE_URI, &format!("{repository}/blob/main/LICENSE"))
}

/// The manifest text with ReleaseNotes set to the `## [version]` section of CHANGELOG.md.
pub fn with_release_notes(manifest: &str, version: &str) -> Result<String, String> {
    let notes = changelog_section(&read("CHANGELOG.md")?, version)?;
    let notes = format!("{notes}\n\nFull change log: {}/blob/main/CHANGELOG.md", repository()?);
    set_value(manifest, RELEASE_NOTES, &notes)
}

/// The body of `## [version]` (up to the next `## ` heading or the link references), trimmed.
fn changelog_section(changelog: &str, version: &str) -> Result<String, String> {
    let heading = format!("## [{version}]");
    let mut lines = changelog.lines().skip_while(|l| !l.starts_with(&heading));
    if lines.next().is_none() {
        return Err(format!(
            "CHANGELOG.md has no `{heading}` section: add the release's notes there before packaging"
        ));
    }
    let body: Vec<&str> = lines
        .take_while(|l| !l.starts_with("## ") && !is_link_reference(l))
        .collect();
    let body = body.join("\n").trim().to_string();
    if body.is_empty() {
        return Err(format!("CHANGELOG.md's `{heading}` section is empty"));
    }
    Ok(body)
}

/// `[0.1.0]: https://…` lines at the end of a Keep a Changelog file.
fn is_link_reference(line: &str) -> bool {
    line.starts_with('[') && line.contains("]: ")
}

/// Replaces the single-quoted value of the one line `key = '…'` (the key alone on its line).
fn set_value(manifest: &str, key: &str, value: &str) -> Result<String, String> {
    let is_key_line = |line: &&str| {
        line.trim_start()
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    };
    let count = manifest.lines().filter(is_key_line).count();
    if count != 1 {
        return Err(format!(
            "PimRust.psd1 must have exactly one `{key} = '…'` line, found {count}"
        ));
    }
    let escaped = value.replace('\'', "''");
    let mut out = String::with_capacity(manifest.len() + value.len());
    for line in manifest.lines() {
        if is_key_line(&line) {
            let (left, _) = line.split_once('=').expect("a key line has '='");
            out.push_str(&format!("{left}= '{escaped}'"));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANGELOG: &str = "# Changelog\n\n## [Unreleased]\n\n- next\n\n## [0.2.0] - 2027-01-01\n\n### Added\n- it's new\n\n## [0.1.0] - 2026-12-02\n\n### Added\n- first\n\n[0.2.0]: https://x/0.2.0\n[0.1.0]: https://x/0.1.0\n";

    #[test]
    fn takes_one_version_section() {
        assert_eq!(changelog_section(CHANGELOG, "0.2.0").unwrap(), "### Added\n- it's new");
        assert_eq!(changelog_section(CHANGELOG, "0.1.0").unwrap(), "### Added\n- first");
        assert!(
            changelog_section(CHANGELOG, "0.3.0")
                .unwrap_err()
                .contains("## [0.3.0]")
        );
    }

    #[test]
    fn sets_a_value_and_escapes_quotes() {
        let psd1 = "@{\n    PSData = @{\n        ProjectUri   = ''\n        ReleaseNotes = ''\n    }\n}\n";
        let out = set_value(psd1, "ReleaseNotes", "it's\nnew").unwrap();
        assert!(out.contains("        ReleaseNotes = 'it''s\nnew'\n"));
        assert!(out.contains("        ProjectUri   = ''\n"));
        assert!(set_value(psd1, "LicenseUri", "x").unwrap_err().contains("found 0"));
    }
}
