//! The last step of `cargo xtask test`: no token text anywhere the run left anything (issue 14, R3).
//! Every step's stdout and stderr is kept under [`run_dir`]`/logs`, the tests' temp folders
//! (`TMPDIR`) and the Pester transcripts, `$Error` dumps, test results and token cache live under it
//! too; this scans all of it for the emulator's token marker and for anything JWT-shaped. A hit fails
//! the run and is named by file and offset, never shown.

use crate::tools::repo_root;
use std::path::{Path, PathBuf};

/// The text inside every token the emulator mints (`pimrust_emulator::TOKEN_MARKER`, kept equal by
/// the test below).
const TOKEN_MARKER: &[u8] = b"PIMRUST-TOKEN-MARKER";

/// One folder per test run, emptied when the run starts.
pub fn run_dir() -> PathBuf {
    repo_root().join("target").join("test-run")
}

pub fn logs_dir() -> PathBuf {
    run_dir().join("logs")
}

/// The temp folder (`TMPDIR`) of the test processes.
pub fn temp_dir() -> PathBuf {
    run_dir().join("tmp")
}

/// Empties the run folder and keeps every later command's output in it.
pub fn prepare() -> Result<(), String> {
    let dir = run_dir();
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
    }
    for sub in [logs_dir(), temp_dir()] {
        std::fs::create_dir_all(&sub).map_err(|e| format!("cannot create {}: {e}", sub.display()))?;
    }
    crate::run::keep_logs_in(logs_dir());
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
struct Hit {
    offset: usize,
    what: &'static str,
}

/// Scans everything under [`run_dir`]; prints the figure and fails on any hit.
pub fn scan() -> Result<(), String> {
    let mut files = Vec::new();
    collect(&run_dir(), &mut files);
    let (mut bytes, mut hits) = (0u64, Vec::new());
    for file in &files {
        let Ok(content) = std::fs::read(file) else { continue };
        bytes += content.len() as u64;
        for hit in find_tokens(&content) {
            hits.push(format!("{} at offset {}: {}", file.display(), hit.offset, hit.what));
        }
    }
    println!(
        "xtask: token scan: {bytes} bytes in {} files under {}, hits = {}",
        files.len(),
        run_dir().display(),
        hits.len()
    );
    if hits.is_empty() {
        return Ok(());
    }
    for hit in &hits {
        eprintln!("xtask: token text in {hit}");
    }
    Err(format!("{} places hold token text (see above)", hits.len()))
}

/// Every regular file below `dir` (symbolic links are not followed).
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            collect(&entry.path(), files);
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
}

fn is_base64url(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// The marker anywhere, and JWTs: `eyJ…` `.` `eyJ…` `.` signature, each part base64url (a JSON
/// header and a JSON payload both start `{"`, which is `eyJ` in base64).
fn find_tokens(content: &[u8]) -> Vec<Hit> {
    let mut hits: Vec<Hit> = content
        .windows(TOKEN_MARKER.len())
        .enumerate()
        .filter(|(_, window)| *window == TOKEN_MARKER)
        .map(|(offset, _)| Hit {
            offset,
            what: "the emulator's token marker",
        })
        .collect();
    let mut at = 0;
    while let Some(found) = find(&content[at..], b"eyJ") {
        let start = at + found;
        let end = jwt_end(content, start);
        if let Some(end) = end {
            hits.push(Hit {
                offset: start,
                what: "a JWT-shaped string",
            });
            at = end;
        } else {
            at = start + 3;
        }
    }
    hits.sort_by_key(|hit| hit.offset);
    hits
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Where the JWT starting at `start` ends, if one does: two `eyJ` segments of at least 10 base64url
/// characters and a third segment (the signature, possibly empty).
fn jwt_end(content: &[u8], start: usize) -> Option<usize> {
    let segment = |from: usize| from + content[from..].iter().take_while(|b| is_base64url(**b)).count();
    let header_end = segment(start);
    if header_end - start < 10 || content.get(header_end) != Some(&b'.') {
        return None;
    }
    let payload = header_end + 1;
    if !content[payload..].starts_with(b"eyJ") {
        return None;
    }
    let payload_end = segment(payload);
    if payload_end - payload < 10 || content.get(payload_end) != Some(&b'.') {
        return None;
    }
    Some(segment(payload_end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_jwts_and_the_marker_but_not_their_lookalikes() {
        let text = b"ok eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2ln and PIMRUST-TOKEN-MARKER; \
            eyJ alone, eyJhbGciOiJIUzI1NiJ9 without payload, eyJhbGciOiJIUzI1NiJ9.notjson.x";
        let hits = find_tokens(text);
        assert_eq!(
            hits,
            [
                Hit {
                    offset: 3,
                    what: "a JWT-shaped string"
                },
                Hit {
                    offset: 54,
                    what: "the emulator's token marker"
                },
            ]
        );
        assert!(find_tokens(b"no tokens here: eyJ.eyJ.").is_empty());
    }

    #[test]
    fn the_marker_is_the_one_the_emulator_mints() {
        let jwt = std::fs::read_to_string(repo_root().join("emulator/src/identity/jwt.rs")).unwrap();
        let declared = format!(
            "pub const TOKEN_MARKER: &str = \"{}\";",
            std::str::from_utf8(TOKEN_MARKER).unwrap()
        );
        assert!(
            jwt.contains(&declared),
            "emulator/src/identity/jwt.rs declares another marker"
        );
    }
}
