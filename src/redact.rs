//! Redaction at the source: anything that looks like a credential is replaced before it can reach an
//! event queue, a log line or an error message. Code should never format secrets in the first place;
//! this is the safety net behind that rule.

use once_cell::sync::Lazy;
use regex::Regex;
use std::borrow::Cow;
use url::Url;

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

/// Query parameters whose values logs and messages show: they never carry a secret.
const SHOWN_QUERY_VALUES: [&str; 4] = ["api-version", "$expand", "$select", "$top"];

/// A URL as logs and messages show it: scheme, host, port, path and the query's parameter names, with
/// values only for the parameters above (`$filter`, `$skiptoken`, codes and the like become `...`);
/// never user info or a fragment.
pub fn url_for_log(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    let mut text = shown.to_string();
    let query: Vec<String> = url
        .query_pairs()
        .map(
            |(name, value)| match SHOWN_QUERY_VALUES.iter().any(|n| name.eq_ignore_ascii_case(n)) {
                true => format!("{name}={value}"),
                false => format!("{name}=..."),
            },
        )
        .collect();
    if !query.is_empty() {
        text.push('?');
        text.push_str(&query.join("&"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_for_logs_keep_parameter_names_but_not_their_values() {
        let url = Url::parse(
            "https://user:pw@management.azure.com/providers/x?api-version=2020-10-01&$filter=asTarget()&$skiptoken=S3CR3T#frag",
        )
        .unwrap();
        assert_eq!(
            url_for_log(&url),
            "https://management.azure.com/providers/x?api-version=2020-10-01&$filter=...&$skiptoken=..."
        );
        let graph = Url::parse("https://graph.microsoft.com/v1.0/me?$expand=roleDefinition").unwrap();
        assert_eq!(
            url_for_log(&graph),
            "https://graph.microsoft.com/v1.0/me?$expand=roleDefinition"
        );
    }

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
