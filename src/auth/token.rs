//! Access tokens: the secret, its expiry and the claims read from the JWT payload (not verified:
//! the service verifies; the client reads `oid`, `tid`, `scp`, `amr`, `acrs` to decide what to do).

use super::cloud::Resource;
use crate::error::{Error, ErrorKind};
use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TokenClaims {
    #[serde(default)]
    pub aud: Option<String>,
    #[serde(default)]
    pub tid: Option<String>,
    #[serde(default)]
    pub oid: Option<String>,
    #[serde(default)]
    pub upn: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub unique_name: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub scp: Option<String>,
    #[serde(default, deserialize_with = "string_or_list")]
    pub amr: Vec<String>,
    #[serde(default, deserialize_with = "string_or_list")]
    pub acrs: Vec<String>,
    #[serde(default, deserialize_with = "string_or_list")]
    pub xms_cc: Vec<String>,
    #[serde(default)]
    pub exp: Option<i64>,
}

fn string_or_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(deserializer)? {
        None => Vec::new(),
        Some(OneOrMany::One(value)) => vec![value],
        Some(OneOrMany::Many(values)) => values,
    })
}

impl TokenClaims {
    /// Reads the payload of a JWT; `None` when the text is not a JWT.
    pub fn from_jwt(jwt: &str) -> Option<Self> {
        let payload = jwt.split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn username(&self) -> Option<&str> {
        self.upn
            .as_deref()
            .or(self.preferred_username.as_deref())
            .or(self.unique_name.as_deref())
    }

    pub fn scopes(&self) -> Vec<&str> {
        self.scp.as_deref().unwrap_or_default().split_whitespace().collect()
    }

    pub fn has_scope(&self, permission: &str) -> bool {
        self.scopes().iter().any(|s| s.eq_ignore_ascii_case(permission))
    }

    pub fn has_mfa(&self) -> bool {
        self.amr.iter().any(|m| m.eq_ignore_ascii_case("mfa"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TokenSource {
    /// Signed in here (browser or device code).
    Interactive,
    /// Redeemed from a refresh token.
    Refresh,
    /// Handed in by the caller (`-AccessToken`).
    Passthrough,
}

#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    pub resource: Resource,
    pub expires_at: DateTime<Utc>,
    pub claims: TokenClaims,
    pub source: TokenSource,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("resource", &self.resource)
            .field("expires_at", &self.expires_at)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl AccessToken {
    /// Builds a token from its text; the expiry comes from `expires_in` or else the JWT's `exp`.
    pub fn new(
        secret: String,
        resource: Resource,
        expires_in: Option<u64>,
        source: TokenSource,
    ) -> Result<Self, Error> {
        let claims = TokenClaims::from_jwt(&secret).unwrap_or_default();
        let expires_at = match (expires_in, claims.exp) {
            (Some(seconds), _) => Utc::now() + chrono::Duration::seconds(seconds as i64),
            (None, Some(exp)) => Utc.timestamp_opt(exp, 0).single().unwrap_or_else(Utc::now),
            (None, None) => {
                return Err(Error::service(
                    ErrorKind::AuthenticationFailed,
                    "UnreadableToken",
                    format!(
                        "the {} access token is not a JWT and came without an expiry",
                        resource.name()
                    ),
                ));
            }
        };
        Ok(Self {
            secret: SecretString::from(secret),
            resource,
            expires_at,
            claims,
            source,
        })
    }

    /// The header value; the only place the secret is read.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.secret.expose_secret())
    }

    /// Valid for at least `margin` more.
    pub fn is_fresh(&self, margin: chrono::Duration) -> bool {
        self.expires_at > Utc::now() + margin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: serde_json::Value) -> String {
        let encode = |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.sig",
            encode(&serde_json::json!({"alg":"HS256"})),
            encode(&payload)
        )
    }

    #[test]
    fn reads_claims_from_a_jwt() {
        let token = jwt(serde_json::json!({
            "aud": "https://graph.microsoft.com", "oid": "o1", "tid": "t1", "upn": "adele@contoso.com",
            "scp": "RoleAssignmentSchedule.ReadWrite.Directory User.Read", "amr": ["pwd", "mfa"], "acrs": ["c1"], "exp": 4_000_000_000i64
        }));
        let access = AccessToken::new(token, Resource::Graph, None, TokenSource::Passthrough).unwrap();
        assert_eq!(access.claims.username(), Some("adele@contoso.com"));
        assert!(access.claims.has_scope("roleassignmentschedule.readwrite.directory"));
        assert!(access.claims.has_mfa());
        assert_eq!(access.claims.acrs, ["c1"]);
        assert!(access.is_fresh(chrono::Duration::minutes(5)));
        assert!(!format!("{access:?}").contains("eyJ"), "Debug must not print the token");
    }

    #[test]
    fn single_string_amr_and_opaque_tokens() {
        let claims = TokenClaims::from_jwt(&jwt(serde_json::json!({"amr": "pwd"}))).unwrap();
        assert_eq!(claims.amr, ["pwd"]);
        assert!(TokenClaims::from_jwt("opaque-token").is_none());
        assert!(AccessToken::new("opaque-token".into(), Resource::Arm, None, TokenSource::Passthrough).is_err());
        assert!(AccessToken::new("opaque-token".into(), Resource::Arm, Some(60), TokenSource::Refresh).is_ok());
    }
}
