//! Token shapes: resources and audiences, the claims of an emulator access token, the claims a
//! client can request, and the spec for minting a token directly.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The HMAC-SHA256 key every emulator token is signed with. **Test key, not a secret.**
pub const TEST_SIGNING_KEY: &[u8] = b"pimrust-emulator-test-signing-key-not-a-secret-0123456789";

/// Audience of Graph tokens.
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
/// Audience of ARM tokens.
pub const ARM_AUDIENCE: &str = "https://management.core.windows.net/";

/// The resource a token is issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Resource {
    Graph,
    Arm,
}

impl Resource {
    pub fn audience(self) -> &'static str {
        match self {
            Resource::Graph => GRAPH_AUDIENCE,
            Resource::Arm => ARM_AUDIENCE,
        }
    }
    /// Prefix of the scope names the token endpoint echoes for this resource.
    pub fn scope_prefix(self) -> &'static str {
        match self {
            Resource::Graph => "https://graph.microsoft.com/",
            Resource::Arm => "https://management.core.windows.net//",
        }
    }
}

/// Claims of an emulator access token (Entra v2 access-token shape).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessClaims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    pub oid: String,
    pub sub: String,
    #[serde(default)]
    pub upn: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub scp: String,
    #[serde(default)]
    pub amr: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acrs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub xms_cc: Vec<String>,
    pub appid: String,
    pub azp: String,
    pub ver: String,
    #[serde(default)]
    pub uti: String,
}

impl AccessClaims {
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scp.split_whitespace()
    }
    pub fn has_scope(&self, s: &str) -> bool {
        self.scopes().any(|x| x.eq_ignore_ascii_case(s))
    }
}

/// Parameters for minting a token directly (in-process tests).
#[derive(Debug, Clone)]
pub struct TokenSpec {
    /// UPN or object id; `None` = the scenario's default user.
    pub user: Option<String>,
    pub resource: Resource,
    /// Explicit `scp` values; `None` = the consented scopes of the resource.
    pub scopes: Option<Vec<String>>,
    /// `None` = the user's configured `amr`.
    pub amr: Option<Vec<String>>,
    pub acrs: Vec<String>,
    pub xms_cc: Vec<String>,
    pub client_id: String,
    /// Lifetime in seconds (negative = already expired); `None` = scenario setting.
    pub lifetime_sec: Option<i64>,
}

impl TokenSpec {
    pub fn new(resource: Resource) -> Self {
        Self {
            user: None,
            resource,
            scopes: None,
            amr: None,
            acrs: Vec::new(),
            xms_cc: Vec::new(),
            client_id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46".into(),
            lifetime_sec: None,
        }
    }
}

/// The parts of an OIDC `claims` request the emulator honours.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestedClaims {
    pub acrs: Vec<String>,
    pub xms_cc: Vec<String>,
}

pub fn parse_claims(raw: &str) -> Result<RequestedClaims, String> {
    let v: Value = serde_json::from_str(raw).map_err(|e| e.to_string())?;
    let at = v.get("access_token").cloned().unwrap_or(Value::Null);
    let mut out = RequestedClaims::default();
    let strings = |x: Option<&Value>| -> Vec<String> {
        let mut o = Vec::new();
        if let Some(x) = x {
            if let Some(s) = x.get("value").and_then(Value::as_str) {
                o.push(s.to_string());
            }
            if let Some(a) = x.get("values").and_then(Value::as_array) {
                o.extend(a.iter().filter_map(Value::as_str).map(str::to_string));
            }
        }
        o
    };
    out.acrs = strings(at.get("acrs"));
    out.xms_cc = strings(at.get("xms_cc"));
    Ok(out)
}

/// Union of the claims asked for at sign-in and at redemption.
pub fn merge_claims(a: Option<RequestedClaims>, b: Option<RequestedClaims>) -> Option<RequestedClaims> {
    match (a, b) {
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x),
        (Some(mut x), Some(y)) => {
            for v in y.acrs {
                if !x.acrs.contains(&v) {
                    x.acrs.push(v);
                }
            }
            for v in y.xms_cc {
                if !x.xms_cc.contains(&v) {
                    x.xms_cc.push(v);
                }
            }
            Some(x)
        }
    }
}
