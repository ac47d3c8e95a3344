//! ISO 8601 durations as PIM uses them (`PT8H`, `PT30M`, `PT1H30M`, `P1D`).

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
}
