//! Redaction at the source: anything that looks like a credential is replaced before it can reach an
//! event queue, a log line or an error message. Code should never format secrets in the first place;
//! this is the safety net behind that rule.

use once_cell::sync::Lazy;
use regex::Regex;
use std::borrow::Cow;

pub const REDACTED: &str = "[REDACTED]";

static PATTERNS: Lazy<Vec<Regex>> = Lazy::new(|| {
    [
        // JWTs (access and id tokens): three base64url segments, header starts with eyJ.
        r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*",
        // Authorization header values.
        r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}",
        // Form or query parameters that carry secrets.
        r"(?i)\b(access_token|refresh_token|id_token|client_secret|code_verifier|device_code|code|assertion|client_assertion|password)=[^&\s]+",
        // JSON fields that carry secrets.
        r#"(?i)"(access_token|refresh_token|id_token|client_secret|code_verifier|device_code|password|accessToken|refreshToken)"\s*:\s*"[^"]*""#,
    ]
    .iter()
    .map(|p| Regex::new(p).expect("redaction pattern compiles"))
    .collect()
});

/// Returns `text` with credential-looking substrings replaced by `[REDACTED]`, keeping the key names.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (index, pattern) in PATTERNS.iter().enumerate() {
        if !pattern.is_match(&out) {
            continue;
        }
        let replaced = pattern.replace_all(&out, |caps: &regex::Captures<'_>| match index {
            1 => format!("{} {REDACTED}", &caps[1]),
            2 => format!("{}={REDACTED}", &caps[1]),
            3 => format!("\"{}\":\"{REDACTED}\"", &caps[1]),
            _ => REDACTED.to_string(),
        });
        out = Cow::Owned(replaced.into_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_jwts_bearer_headers_form_fields_and_json_fields() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiIxMjMifQ.c2lnbmF0dXJl";
        let cases = [
            format!("token {jwt} end"),
            "Authorization: Bearer abcdefgh12345678".to_string(),
            "grant_type=refresh_token&refresh_token=0.AAAA-secret&scope=x".to_string(),
            r#"{"access_token":"secret-value","expires_in":3599}"#.to_string(),
        ];
        for case in cases {
            let out = redact(&case);
            assert!(out.contains(REDACTED), "{out}");
            for secret in [jwt, "abcdefgh12345678", "0.AAAA-secret", "secret-value"] {
                assert!(!out.contains(secret), "{secret} leaked in {out}");
            }
        }
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let text = "GET /v1.0/roleManagement/directory?$filter=x status=200 in 12 ms";
        assert!(matches!(redact(text), Cow::Borrowed(_)));
    }

    #[test]
    fn keeps_parameter_names_for_context() {
        assert_eq!(redact("code=abc&state=xyz"), format!("code={REDACTED}&state=xyz"));
    }
}
