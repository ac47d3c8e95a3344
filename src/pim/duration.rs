//! ISO 8601 durations as PIM uses them (`PT8H`, `PT30M`, `PT1H30M`, `P1D`), and the short forms
//! people type (`2h`, `90m`, `1h30m`, `1d`).

use crate::error::Error;
use std::time::Duration;

pub fn parse(text: &str) -> Result<Duration, Error> {
    let parsed = iso8601::duration(text.trim()).map_err(|_| {
        Error::InvalidArgument(format!(
            "'{text}' is not an ISO 8601 duration such as PT1H, PT30M or PT1H30M"
        ))
    })?;
    if let iso8601::Duration::YMDHMS { year, month, .. } = parsed {
        if year > 0 || month > 0 {
            return Err(Error::InvalidArgument(format!(
                "'{text}': use days, hours and minutes, not years or months"
            )));
        }
    }
    Ok(parsed.into())
}

/// What a user may type for an activation's length: ISO 8601 (`PT2H`) or the short form (`2h`,
/// `90m`, `1h30m`, `1d`). A bare number is refused: nobody can tell whether `2` means hours or days.
pub fn parse_requested(text: &str) -> Result<Duration, Error> {
    let text = text.trim();
    if text.starts_with(['P', 'p']) {
        return parse(&text.to_ascii_uppercase());
    }
    parse_short(text).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "'{text}' is not a duration: use 2h, 90m, 1h30m, 1d, PT2H or max"
        ))
    })
}

/// `1d2h30m` (each unit at most once, in that order, at least one).
fn parse_short(text: &str) -> Option<Duration> {
    let mut seconds = 0u64;
    let mut rest = text.to_ascii_lowercase();
    let mut seen_any = false;
    for (unit, factor) in [('d', 86_400u64), ('h', 3_600), ('m', 60)] {
        let Some(at) = rest.find(unit) else { continue };
        let number: u64 = rest[..at].trim().parse().ok()?;
        seconds = seconds.checked_add(number.checked_mul(factor)?)?;
        rest = rest[at + 1..].to_string();
        seen_any = true;
    }
    (seen_any && rest.trim().is_empty()).then(|| Duration::from_secs(seconds))
}

/// `PT1H30M` style, in whole minutes (PIM's granularity).
pub fn format(duration: Duration) -> String {
    let minutes = duration.as_secs().div_ceil(60);
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("PT{m}M"),
        (h, 0) => format!("PT{h}H"),
        (h, m) => format!("PT{h}H{m}M"),
    }
}

/// `1h30m`, for messages.
pub fn human(duration: Duration) -> String {
    let minutes = duration.as_secs().div_ceil(60);
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_pim_durations() {
        for (text, minutes, formatted) in [
            ("PT8H", 480, "PT8H"),
            ("PT30M", 30, "PT30M"),
            ("PT1H30M", 90, "PT1H30M"),
            ("P1D", 1440, "PT24H"),
            ("PT90S", 2, "PT2M"),
        ] {
            let duration = parse(text).unwrap();
            assert_eq!(duration.as_secs().div_ceil(60), minutes, "{text}");
            assert_eq!(format(duration), formatted);
        }
        assert_eq!(human(parse("PT4H").unwrap()), "4h");
        assert!(parse("8 hours").is_err());
        assert!(parse("P1M").is_err());
    }

    #[test]
    fn parses_what_people_type() {
        for (text, minutes) in [
            ("2h", 120),
            ("90m", 90),
            ("1h30m", 90),
            ("1d", 1440),
            ("PT2H", 120),
            ("pt45m", 45),
        ] {
            assert_eq!(parse_requested(text).unwrap().as_secs() / 60, minutes, "{text}");
        }
        for text in ["2", "h", "2x", "30m1h", "", "-1h"] {
            assert!(parse_requested(text).is_err(), "{text} must be refused");
        }
    }
}
