//! Claims challenges in the three forms Entra and PIM use, and the `cp1` client capability that is
//! merged into every claims request (auth.md §3).

use base64::Engine as _;
use serde_json::{Map, Value, json};

/// `{"access_token":{"xms_cc":{"values":["cp1"]}}}`: this client can handle claims challenges.
pub fn capabilities() -> Value {
    json!({"access_token": {"xms_cc": {"values": ["cp1"]}}})
}

/// The claims request to send: the challenge (if any) deep-merged with the `cp1` capability.
pub fn with_capabilities(challenge: Option<&Value>) -> Value {
    let mut merged = capabilities();
    if let Some(challenge) = challenge {
        merge(&mut merged, challenge);
    }
    merged
}

/// Both claims requests in one (deep merge; list values are united).
pub fn combine(first: &Value, second: &Value) -> Value {
    let mut combined = first.clone();
    merge(&mut combined, second);
    combined
}

fn merge(target: &mut Value, source: &Value) {
    match (target, source) {
        (Value::Object(target), Value::Object(source)) => {
            for (key, value) in source {
                match target.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target @ Value::Array(_), Value::Array(values)) => {
            if let Value::Array(existing) = target {
                for value in values {
                    if !existing.contains(value) {
                        existing.push(value.clone());
                    }
                }
            }
        }
        (target, source) => *target = source.clone(),
    }
}

/// Form 1: `WWW-Authenticate: Bearer ..., error="insufficient_claims", claims="<base64 JSON>"`.
pub fn from_www_authenticate(header: &str) -> Option<Value> {
    let start = header.find("claims=\"")? + "claims=\"".len();
    let encoded = &header[start..start + header[start..].find('"')?];
    let trimmed = encoded.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Form 2: the `claims` member of a token-endpoint error (JSON text).
pub fn from_token_error(claims: &str) -> Option<Value> {
    serde_json::from_str(claims).ok().filter(Value::is_object)
}

/// Form 3: PIM's 400 `...AcrsValidationFailed` whose message carries `claims=` followed by URL-encoded
/// JSON (usually `&claims=%7B...`), or raw/backslash-escaped JSON.
pub fn from_pim_message(message: &str) -> Option<Value> {
    let start = message.find("claims=")? + "claims=".len();
    let rest = &message[start..];
    if rest.starts_with('{') || rest.starts_with("\\\"") || rest.starts_with("{\\") {
        let raw = balanced_object(rest)?;
        return serde_json::from_str(&raw.replace("\\\"", "\"")).ok();
    }
    let encoded: String = rest
        .chars()
        .take_while(|c| !matches!(c, '&' | '"' | '\'') && !c.is_whitespace())
        .collect();
    let decoded = percent_encoding::percent_decode_str(&encoded).decode_utf8().ok()?;
    serde_json::from_str(&decoded).ok().filter(Value::is_object)
}

fn balanced_object(text: &str) -> Option<&str> {
    let mut depth = 0usize;
    for (index, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(&text[..=index]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The authentication-context values a claims request demands (`value` or `values`).
pub fn acrs_values(claims: &Value) -> Vec<String> {
    let acrs = &claims["access_token"]["acrs"];
    let mut values: Vec<String> = acrs["value"].as_str().map(str::to_string).into_iter().collect();
    if let Some(list) = acrs["values"].as_array() {
        values.extend(list.iter().filter_map(|v| v.as_str().map(str::to_string)));
    }
    values
}

/// A claims request for authentication contexts, as PIM's policies name them.
pub fn for_acrs(value: &str) -> Value {
    json!({"access_token": {"acrs": {"essential": true, "value": value}}})
}

/// A canonical text for a claims request (keys sorted at every level): the cache key of step-up tokens.
pub fn canonical(claims: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&map[k])))
                        .collect::<Map<_, _>>(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(claims).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_www_authenticate_form_with_or_without_padding() {
        let json = r#"{"access_token":{"acrs":{"essential":true,"value":"cp1"}}}"#;
        for engine in [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            let header = format!(
                r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="{}""#,
                engine.encode(json)
            );
            assert_eq!(acrs_values(&from_www_authenticate(&header).unwrap()), ["cp1"]);
        }
        assert!(from_www_authenticate("Bearer realm=\"\"").is_none());
    }

    #[test]
    fn parses_pim_messages_url_encoded_raw_and_escaped() {
        let encoded = "Role activation failed&claims=%7B%22access_token%22%3A%7B%22acrs%22%3A%7B%22essential%22%3Atrue%2C%20%22value%22%3A%22c1%22%7D%7D%7D";
        assert_eq!(acrs_values(&from_pim_message(encoded).unwrap()), ["c1"]);
        let raw = r#"RoleAssignmentRequestAcrsValidationFailed claims={"access_token":{"acrs":{"essential":true,"value":"c2"}}} trailing"#;
        assert_eq!(acrs_values(&from_pim_message(raw).unwrap()), ["c2"]);
        let escaped = r#"claims={\"access_token\":{\"acrs\":{\"essential\":true,\"values\":[\"c3\",\"c4\"]}}}"#;
        assert_eq!(acrs_values(&from_pim_message(escaped).unwrap()), ["c3", "c4"]);
        assert!(from_pim_message("no claims here").is_none());
        assert!(from_pim_message("claims=%7Bbroken").is_none());
    }

    #[test]
    fn merges_challenges_with_cp1() {
        let merged = with_capabilities(Some(&for_acrs("c1")));
        assert_eq!(
            merged,
            json!({"access_token": {"xms_cc": {"values": ["cp1"]}, "acrs": {"essential": true, "value": "c1"}}})
        );
        let twice = with_capabilities(Some(&json!({"access_token": {"xms_cc": {"values": ["cp1", "cp2"]}}})));
        assert_eq!(twice["access_token"]["xms_cc"]["values"], json!(["cp1", "cp2"]));
        assert_eq!(with_capabilities(None), capabilities());
    }

    #[test]
    fn combining_challenges_keeps_both() {
        let combined = combine(
            &for_acrs("c1"),
            &json!({"access_token": {"capolids": {"essential": true, "values": ["p1"]}}}),
        );
        assert_eq!(acrs_values(&combined), ["c1"]);
        assert_eq!(combined["access_token"]["capolids"]["values"], json!(["p1"]));
    }

    #[test]
    fn canonical_text_ignores_key_order() {
        let a = json!({"access_token": {"acrs": {"value": "c1", "essential": true}, "xms_cc": {"values": ["cp1"]}}});
        let b = json!({"access_token": {"xms_cc": {"values": ["cp1"]}, "acrs": {"essential": true, "value": "c1"}}});
        assert_eq!(canonical(&a), canonical(&b));
    }
}
