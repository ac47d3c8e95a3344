//! Token signing and verification (HS256 with the fixed test key) and minting of access and ID
//! tokens for the scenario's tenant.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng;
use serde::Serialize;
use serde_json::{Value, json};

use super::claims::{AccessClaims, Resource, TEST_SIGNING_KEY, TokenSpec};
use crate::scenario::{Scenario, User};
use crate::util::{b64url, stable_guid};

/// Every token the emulator mints carries this text, so that a scan of everything a test run left
/// behind (logs, output, files) finds any token that leaked. It is plain base64url, so a JWT that
/// carries it at the start of its signature segment is still JWT-shaped, and the claims a client
/// reads are untouched.
pub const TOKEN_MARKER: &str = "PIMRUST-TOKEN-MARKER";

pub fn sign<T: Serialize>(claims: &T) -> String {
    let jws = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(TEST_SIGNING_KEY),
    )
    .unwrap_or_default();
    match jws.rsplit_once('.') {
        Some((signed, signature)) => format!("{signed}.{TOKEN_MARKER}{signature}"),
        None => jws,
    }
}

/// Verifies the signature and decodes the claims. Expiry and audience are checked by the caller
/// (against the emulator clock).
pub fn decode(token: &str) -> Result<AccessClaims, String> {
    let mut v = Validation::new(Algorithm::HS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let jws = match token.rsplit_once('.') {
        Some((signed, signature)) => match signature.strip_prefix(TOKEN_MARKER) {
            Some(signature) => format!("{signed}.{signature}"),
            None => return Err("not a token this emulator minted (no marker)".into()),
        },
        None => token.to_string(),
    };
    jsonwebtoken::decode::<AccessClaims>(&jws, &DecodingKey::from_secret(TEST_SIGNING_KEY), &v)
        .map(|d| d.claims)
        .map_err(|e| e.to_string())
}

/// Decodes claims without checking the signature (for the request log).
pub fn peek_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = crate::util::b64url_decode(payload)?;
    serde_json::from_slice(&bytes).ok()
}

/// Mints tokens for the scenario's tenant, stamped with the emulator clock.
pub struct Issuer<'a> {
    pub scenario: &'a Scenario,
    pub base_url: &'a str,
    pub now: DateTime<Utc>,
}

/// What goes into one access token.
pub struct AccessGrant<'a> {
    pub user: &'a User,
    pub resource: Resource,
    pub scp: &'a [String],
    pub amr: Vec<String>,
    pub acrs: Vec<String>,
    pub xms_cc: Vec<String>,
    pub client_id: &'a str,
    pub lifetime: i64,
}

/// A sign-in that satisfied an authentication context also counts as MFA.
pub fn step_up_amr(mut amr: Vec<String>, acrs: &[String]) -> Vec<String> {
    if !acrs.is_empty() && !amr.iter().any(|a| a == "mfa") {
        amr.push("mfa".into());
    }
    amr
}

impl Issuer<'_> {
    fn issuer_url(&self) -> String {
        format!("{}/{}/v2.0", self.base_url, self.scenario.tenant.id)
    }

    fn subject(user: &User, client_id: &str) -> String {
        stable_guid(&format!("sub:{}:{}", user.id, client_id))
    }

    /// Scope names as granted: `.default` becomes the consented scopes of the resource.
    pub fn granted_scp(&self, resource: Resource, names: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for n in names {
            if n == ".default" {
                let consented = match resource {
                    Resource::Graph => &self.scenario.settings.consented_graph_scopes,
                    Resource::Arm => &self.scenario.settings.consented_arm_scopes,
                };
                out.extend(consented.iter().cloned());
            } else {
                out.push(n.clone());
            }
        }
        out.dedup();
        out
    }

    /// Mints an access token for a user from a direct spec (no OAuth dance).
    pub fn mint(&self, spec: &TokenSpec) -> Result<String, String> {
        let user = match &spec.user {
            Some(u) => self.scenario.find_user(u),
            None => self.scenario.default_user(),
        }
        .ok_or_else(|| format!("unknown user {:?}", spec.user))?;
        let scp = match &spec.scopes {
            Some(s) => s.clone(),
            None => self.granted_scp(spec.resource, &[".default".into()]),
        };
        let amr = step_up_amr(spec.amr.clone().unwrap_or_else(|| user.amr.clone()), &spec.acrs);
        let lifetime = spec
            .lifetime_sec
            .unwrap_or(self.scenario.settings.token_lifetime_sec as i64)
            .clamp(-315_360_000, 315_360_000);
        Ok(self.access_token(AccessGrant {
            user,
            resource: spec.resource,
            scp: &scp,
            amr,
            acrs: spec.acrs.clone(),
            xms_cc: spec.xms_cc.clone(),
            client_id: &spec.client_id,
            lifetime,
        }))
    }

    /// A signed Entra v2 access token.
    pub fn access_token(&self, g: AccessGrant) -> String {
        let now = self.now.timestamp();
        let claims = AccessClaims {
            aud: g.resource.audience().into(),
            iss: self.issuer_url(),
            iat: now,
            nbf: now,
            exp: now + g.lifetime,
            tid: self.scenario.tenant.id.clone(),
            oid: g.user.id.clone(),
            sub: Self::subject(g.user, g.client_id),
            upn: Some(g.user.user_principal_name.clone()),
            preferred_username: Some(g.user.user_principal_name.clone()),
            name: Some(g.user.display_name.clone()),
            scp: g.scp.join(" "),
            amr: g.amr,
            acrs: g.acrs,
            xms_cc: g.xms_cc,
            appid: g.client_id.into(),
            azp: g.client_id.into(),
            ver: "2.0".into(),
            uti: b64url(&rand::rng().random::<[u8; 16]>()),
        };
        sign(&claims)
    }

    /// A signed ID token for the client (with the `nonce` of the authorize request, if any).
    pub fn id_token(&self, user: &User, client_id: &str, lifetime: i64, nonce: Option<&str>) -> String {
        let now = self.now.timestamp();
        let mut idt = json!({
            "aud": client_id,
            "iss": self.issuer_url(),
            "iat": now, "nbf": now, "exp": now + lifetime,
            "oid": user.id, "sub": Self::subject(user, client_id),
            "tid": self.scenario.tenant.id,
            "preferred_username": user.user_principal_name,
            "name": user.display_name,
            "ver": "2.0",
        });
        if let Some(n) = nonce {
            idt["nonce"] = json!(n);
        }
        sign(&idt)
    }
}
