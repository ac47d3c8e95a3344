//! Small helpers: ISO 8601 durations, timestamps, ids, encodings.

use chrono::{DateTime, SecondsFormat, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Characters left alone when URL-encoding (RFC 3986 unreserved).
const URL_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

pub fn url_encode(s: &str) -> String {
    utf8_percent_encode(s, URL_ENCODE_SET).to_string()
}

pub fn url_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Parses an ISO 8601 duration (`PT8H`, `PT30M`, `PT1H30M`, `P1D`, `PT90S`, `P1DT2H`, `PT0.5H`).
/// Years and months are rejected (ambiguous length).
pub fn parse_iso_duration(s: &str) -> Result<chrono::Duration, String> {
    let err = || format!("`{s}` is not a valid ISO 8601 duration (expected e.g. PT8H, PT30M, PT1H30M, P1D)");
    let rest = s.strip_prefix('P').ok_or_else(err)?;
    if rest.is_empty() {
        return Err(err());
    }
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => {
            if t.is_empty() {
                return Err(err());
            }
            (d, Some(t))
        }
        None => (rest, None),
    };
    let mut total_ms: f64 = 0.0;
    let mut parse_part = |part: &str, units: &[(char, f64)]| -> Result<(), String> {
        let mut num = String::new();
        let mut last_unit_idx: Option<usize> = None;
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' || c == ',' {
                num.push(if c == ',' { '.' } else { c });
                continue;
            }
            let idx = units.iter().position(|(u, _)| *u == c).ok_or_else(err)?;
            if last_unit_idx.is_some_and(|l| idx <= l) || num.is_empty() {
                return Err(err());
            }
            let v: f64 = num.parse().map_err(|_| err())?;
            total_ms += v * units[idx].1;
            num.clear();
            last_unit_idx = Some(idx);
        }
        if !num.is_empty() {
            return Err(err());
        }
        Ok(())
    };
    parse_part(date, &[('W', 7.0 * 86_400_000.0), ('D', 86_400_000.0)])?;
    if let Some(t) = time {
        parse_part(t, &[('H', 3_600_000.0), ('M', 60_000.0), ('S', 1000.0)])?;
    }
    if !total_ms.is_finite() || total_ms > 1e15 {
        return Err(err());
    }
    Ok(chrono::Duration::milliseconds(total_ms.round() as i64))
}

pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn fmt_opt_time(t: Option<DateTime<Utc>>) -> serde_json::Value {
    match t {
        Some(t) => serde_json::Value::String(fmt_time(t)),
        None => serde_json::Value::Null,
    }
}

/// Deterministic GUID from a name (UUID v5 in a fixed namespace).
pub fn stable_guid(name: &str) -> String {
    const NS: uuid::Uuid = uuid::Uuid::from_u128(0x6f1e_2b7a_0c4d_4e5f_9a8b_7c6d_5e4f_3a2b);
    uuid::Uuid::new_v5(&NS, name.as_bytes()).to_string()
}

pub fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()
}

pub fn b64_std(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The last `/`-separated segment (e.g. the GUID of a full ARM role definition id).
pub fn last_segment(s: &str) -> &str {
    s.trim_end_matches('/').rsplit('/').next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_iso_duration("PT8H").unwrap().num_minutes(), 480);
        assert_eq!(parse_iso_duration("PT30M").unwrap().num_minutes(), 30);
        assert_eq!(parse_iso_duration("PT1H30M").unwrap().num_minutes(), 90);
        assert_eq!(parse_iso_duration("P1D").unwrap().num_hours(), 24);
        assert_eq!(parse_iso_duration("P1DT2H").unwrap().num_hours(), 26);
        assert_eq!(parse_iso_duration("PT0.5H").unwrap().num_minutes(), 30);
        for bad in ["", "P", "PT", "8H", "PT8", "PTH", "P1M", "PT30M1H", "PT8X"] {
            assert!(parse_iso_duration(bad).is_err(), "{bad}");
        }
    }
}
