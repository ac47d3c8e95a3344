//! Access-token format (HS256 JWT with a fixed test key) and the Entra token endpoints
//! (`/{tenant}/oauth2/v2.0/{authorize,token,devicecode}`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::scenario::User;
use crate::server::{Req, Resp};
use crate::state::EmuState;
use crate::util::{b64url, fmt_time, new_guid, url_encode};

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
    fn scope_prefix(self) -> &'static str {
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

pub fn sign<T: Serialize>(claims: &T) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(TEST_SIGNING_KEY),
    )
    .unwrap_or_default()
}

/// Verifies the signature and decodes the claims. Expiry and audience are checked by the caller
/// (against the emulator clock).
pub fn decode(token: &str) -> Result<AccessClaims, String> {
    let mut v = Validation::new(Algorithm::HS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    jsonwebtoken::decode::<AccessClaims>(token, &DecodingKey::from_secret(TEST_SIGNING_KEY), &v)
        .map(|d| d.claims)
        .map_err(|e| e.to_string())
}

/// Decodes claims without checking the signature (for the request log).
pub fn peek_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = crate::util::b64url_decode(payload)?;
    serde_json::from_slice(&bytes).ok()
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

// ---------------------------------------------------------------------------------------------
// Stored grants
// ---------------------------------------------------------------------------------------------

pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub challenge: Option<(String, String)>,
    pub user_id: String,
    pub claims: Option<RequestedClaims>,
    pub nonce: Option<String>,
    pub created: DateTime<Utc>,
    pub used: bool,
}

pub struct RefreshGrant {
    pub user_id: String,
    pub client_id: String,
    pub amr: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DeviceStatus {
    Pending,
    Approved { user_id: String, amr: Option<Vec<String>> },
    Denied,
    Redeemed,
}

pub struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub claims: Option<RequestedClaims>,
    pub created: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub interval: u64,
    pub last_poll: Option<DateTime<Utc>>,
    pub status: DeviceStatus,
}

#[derive(Default)]
pub struct AuthStore {
    pub codes: HashMap<String, AuthCode>,
    pub refresh: HashMap<String, RefreshGrant>,
    pub device: Vec<DeviceCode>,
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

// ---------------------------------------------------------------------------------------------
// Entra error format
// ---------------------------------------------------------------------------------------------

pub fn entra_error(status: u16, error: &str, code: u32, description: &str) -> Resp {
    let trace = new_guid();
    let corr = new_guid();
    let now = fmt_time(Utc::now());
    let desc = format!("AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {corr} Timestamp: {now}");
    Resp::json(
        status,
        json!({
            "error": error,
            "error_description": desc,
            "error_codes": [code],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}

// ---------------------------------------------------------------------------------------------
// Scope handling
// ---------------------------------------------------------------------------------------------

const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

/// Splits requested scopes into the single resource and the scope names for it.
fn resolve_scopes(scopes: &[String]) -> Result<(Resource, Vec<String>), Resp> {
    let mut resource: Option<Resource> = None;
    let mut names = Vec::new();
    for s in scopes {
        if OIDC_SCOPES.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            continue;
        }
        let lower = s.to_ascii_lowercase();
        let (res, name) = if let Some(n) = lower
            .strip_prefix("https://graph.microsoft.com/")
            .map(|_| &s["https://graph.microsoft.com/".len()..])
        {
            (Resource::Graph, n.to_string())
        } else if lower.starts_with("https://management.core.windows.net/") {
            (
                Resource::Arm,
                s["https://management.core.windows.net/".len()..]
                    .trim_start_matches('/')
                    .to_string(),
            )
        } else if lower.starts_with("https://management.azure.com/") {
            (
                Resource::Arm,
                s["https://management.azure.com/".len()..]
                    .trim_start_matches('/')
                    .to_string(),
            )
        } else if !s.contains("://") && !s.contains('/') {
            (Resource::Graph, s.clone())
        } else {
            return Err(entra_error(
                400,
                "invalid_resource",
                500011,
                &format!(
                    "The resource principal named {s} was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant."
                ),
            ));
        };
        if name.is_empty() {
            return Err(entra_error(
                400,
                "invalid_scope",
                70011,
                &format!(
                    "The provided value for the input parameter 'scope' is not valid. The scope {s} is not valid."
                ),
            ));
        }
        if let Some(r) = resource
            && r != res
        {
            return Err(entra_error(
                400,
                "invalid_scope",
                28000,
                &format!(
                    "Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {} is not valid.",
                    scopes.join(" ")
                ),
            ));
        }
        resource = Some(res);
        names.push(name);
    }
    match resource {
        Some(r) => Ok((r, names)),
        None => Ok((Resource::Graph, vec!["User.Read".into()])),
    }
}

fn split_scopes(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

// ---------------------------------------------------------------------------------------------
// Token issuance
// ---------------------------------------------------------------------------------------------

impl EmuState {
    fn tenant_ok(&self, tenant: &str) -> bool {
        let t = &self.scenario.tenant;
        tenant.eq_ignore_ascii_case(&t.id)
            || tenant.eq_ignore_ascii_case("organizations")
            || tenant.eq_ignore_ascii_case("common")
            || t.domains.iter().any(|d| d.eq_ignore_ascii_case(tenant))
    }

    fn granted_scp(&self, resource: Resource, names: &[String]) -> Vec<String> {
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

    /// Mints an access token for a user.
    pub fn mint_access_token(&self, spec: &TokenSpec) -> Result<String, String> {
        let user = match &spec.user {
            Some(u) => self.scenario.find_user(u),
            None => self.default_user(),
        }
        .ok_or_else(|| format!("unknown user {:?}", spec.user))?
        .clone();
        let scp = match &spec.scopes {
            Some(s) => s.clone(),
            None => self.granted_scp(spec.resource, &[".default".into()]),
        };
        let mut amr = spec.amr.clone().unwrap_or_else(|| user.amr.clone());
        if !spec.acrs.is_empty() && !amr.iter().any(|a| a == "mfa") {
            amr.push("mfa".into());
        }
        let lifetime = spec
            .lifetime_sec
            .unwrap_or(self.scenario.settings.token_lifetime_sec as i64)
            .clamp(-315_360_000, 315_360_000);
        Ok(self.build_access_token(
            &user,
            spec.resource,
            &scp,
            amr,
            spec.acrs.clone(),
            spec.xms_cc.clone(),
            &spec.client_id,
            lifetime,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn build_access_token(
        &self,
        user: &User,
        resource: Resource,
        scp: &[String],
        amr: Vec<String>,
        acrs: Vec<String>,
        xms_cc: Vec<String>,
        client_id: &str,
        lifetime: i64,
    ) -> String {
        let now = self.now().timestamp();
        let tid = self.scenario.tenant.id.clone();
        let claims = AccessClaims {
            aud: resource.audience().into(),
            iss: format!("{}/{}/v2.0", self.base_url, tid),
            iat: now,
            nbf: now,
            exp: now + lifetime,
            tid,
            oid: user.id.clone(),
            sub: crate::util::stable_guid(&format!("sub:{}:{}", user.id, client_id)),
            upn: Some(user.user_principal_name.clone()),
            preferred_username: Some(user.user_principal_name.clone()),
            name: Some(user.display_name.clone()),
            scp: scp.join(" "),
            amr,
            acrs,
            xms_cc,
            appid: client_id.into(),
            azp: client_id.into(),
            ver: "2.0".into(),
            uti: b64url(&rand::rng().random::<[u8; 16]>()),
        };
        sign(&claims)
    }

    pub(crate) fn default_user(&self) -> Option<&User> {
        match &self.scenario.default_user {
            Some(u) => self.scenario.find_user(u),
            None => self.scenario.users.first(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn token_response(
        &mut self,
        user_id: &str,
        client_id: &str,
        requested_scopes: &[String],
        base_amr: Vec<String>,
        claims: Option<&RequestedClaims>,
        nonce: Option<&str>,
        client_info: bool,
    ) -> Resp {
        let (resource, names) = match resolve_scopes(requested_scopes) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let Some(user) = self.scenario.find_user(user_id).cloned() else {
            return entra_error(
                400,
                "invalid_grant",
                50034,
                "The user account does not exist in the directory.",
            );
        };
        let scp = self.granted_scp(resource, &names);
        let acrs = claims.map(|c| c.acrs.clone()).unwrap_or_default();
        let xms_cc = claims.map(|c| c.xms_cc.clone()).unwrap_or_default();
        let mut amr = base_amr.clone();
        if !acrs.is_empty() && !amr.iter().any(|a| a == "mfa") {
            amr.push("mfa".into());
        }
        let lifetime = self.scenario.settings.token_lifetime_sec as i64;
        let at = self.build_access_token(&user, resource, &scp, amr, acrs, xms_cc, client_id, lifetime);
        let has = |s: &str| requested_scopes.iter().any(|x| x.eq_ignore_ascii_case(s));
        let mut scope_out: Vec<String> = scp
            .iter()
            .map(|s| format!("{}{}", resource.scope_prefix(), s))
            .collect();
        for o in ["openid", "profile", "email"] {
            if has(o) {
                scope_out.push(o.into());
            }
        }
        let mut body = json!({
            "token_type": "Bearer",
            "scope": scope_out.join(" "),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": at,
        });
        if has("offline_access") {
            let rt = format!("0.emu.{}", b64url(&rand::rng().random::<[u8; 32]>()));
            self.auth.refresh.insert(
                rt.clone(),
                RefreshGrant {
                    user_id: user.id.clone(),
                    client_id: client_id.into(),
                    amr: base_amr,
                },
            );
            body["refresh_token"] = json!(rt);
        }
        if has("openid") {
            let now = self.now().timestamp();
            let mut idt = json!({
                "aud": client_id,
                "iss": format!("{}/{}/v2.0", self.base_url, self.scenario.tenant.id),
                "iat": now, "nbf": now, "exp": now + lifetime,
                "oid": user.id, "sub": crate::util::stable_guid(&format!("sub:{}:{}", user.id, client_id)),
                "tid": self.scenario.tenant.id,
                "preferred_username": user.user_principal_name,
                "name": user.display_name,
                "ver": "2.0",
            });
            if let Some(n) = nonce {
                idt["nonce"] = json!(n);
            }
            body["id_token"] = json!(sign(&idt));
        }
        if client_info {
            let ci = json!({"uid": user.id, "utid": self.scenario.tenant.id}).to_string();
            body["client_info"] = json!(b64url(ci.as_bytes()));
        }
        Resp::json(200, body)
    }
}

// ---------------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------------

fn param<'a>(map: &'a HashMap<String, String>, k: &str) -> Option<&'a str> {
    map.get(k).map(String::as_str).filter(|s| !s.is_empty())
}

fn missing(k: &str) -> Resp {
    entra_error(
        400,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{k}'."),
    )
}

fn claims_param(map: &HashMap<String, String>) -> Result<Option<RequestedClaims>, Resp> {
    match param(map, "claims") {
        None => Ok(None),
        Some(c) => parse_claims(c).map(Some).map_err(|e| {
            entra_error(
                400,
                "invalid_request",
                90019,
                &format!("The claims parameter is not valid JSON: {e}."),
            )
        }),
    }
}

fn is_loopback_redirect(uri: &str) -> bool {
    match url::Url::parse(uri) {
        Ok(u) => u.scheme() == "http" && matches!(u.host_str(), Some("localhost") | Some("127.0.0.1")),
        Err(_) => false,
    }
}

pub fn handle_login(state: &mut EmuState, tenant: &str, rest: &[&str], req: &Req) -> Resp {
    let method = req.method.as_str();
    match rest {
        ["v2.0", ".well-known", "openid-configuration"] if method == "GET" => {
            let a = format!("{}/{}", state.base_url, tenant);
            Resp::json(
                200,
                json!({
                    "issuer": format!("{}/{}/v2.0", state.base_url, state.scenario.tenant.id),
                    "authorization_endpoint": format!("{a}/oauth2/v2.0/authorize"),
                    "token_endpoint": format!("{a}/oauth2/v2.0/token"),
                    "device_authorization_endpoint": format!("{a}/oauth2/v2.0/devicecode"),
                    "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                    "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                    "scopes_supported": ["openid", "profile", "email", "offline_access"],
                    "tenant_region_scope": "EU",
                    "claims_parameter_supported": true,
                }),
            )
        }
        ["oauth2", "v2.0", ep] => {
            let allowed = match *ep {
                "authorize" => "GET, POST",
                "token" | "devicecode" => "POST",
                _ => {
                    return entra_error(404, "invalid_request", 900561, "The endpoint is not supported.");
                }
            };
            if !allowed.split(", ").any(|m| m == method) {
                let mut r = entra_error(
                    405,
                    "invalid_request",
                    900561,
                    &format!("The endpoint only accepts {allowed} requests. Received a {method} request."),
                );
                r.header("allow", allowed);
                return r;
            }
            if !state.tenant_ok(tenant) {
                return entra_error(
                    400,
                    "invalid_request",
                    90002,
                    &format!(
                        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
                    ),
                );
            }
            let params: HashMap<String, String> = if *ep == "authorize" && method == "GET" {
                req.query.iter().cloned().collect()
            } else {
                match serde_urlencoded::from_bytes::<Vec<(String, String)>>(&req.body) {
                    Ok(v) => v.into_iter().collect(),
                    Err(_) => {
                        return entra_error(
                            400,
                            "invalid_request",
                            900144,
                            "The request body must be application/x-www-form-urlencoded.",
                        );
                    }
                }
            };
            match *ep {
                "authorize" => authorize(state, &params),
                "token" => token(state, &params),
                _ => devicecode(state, &params),
            }
        }
        _ => entra_error(404, "invalid_request", 900561, "The endpoint is not supported."),
    }
}

fn authorize(state: &mut EmuState, p: &HashMap<String, String>) -> Resp {
    let Some(client_id) = param(p, "client_id") else {
        return missing("client_id");
    };
    let Some(redirect) = param(p, "redirect_uri") else {
        return missing("redirect_uri");
    };
    if !is_loopback_redirect(redirect) {
        return entra_error(
            400,
            "invalid_request",
            50011,
            &format!(
                "The redirect URI '{redirect}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Only http://localhost:{{port}} and http://127.0.0.1:{{port}} are accepted by the emulator."
            ),
        );
    }
    let state_param = param(p, "state").map(str::to_string);
    let redirect_err = |error: &str, desc: &str| {
        let mut url = format!(
            "{redirect}{}error={}&error_description={}",
            if redirect.contains('?') { "&" } else { "?" },
            url_encode(error),
            url_encode(desc)
        );
        if let Some(s) = &state_param {
            url.push_str(&format!("&state={}", url_encode(s)));
        }
        Resp::redirect(&url)
    };
    if param(p, "response_type") != Some("code") {
        return redirect_err(
            "unsupported_response_type",
            "AADSTS700054: response_type 'code' is required by the emulator.",
        );
    }
    let challenge = match (param(p, "code_challenge"), param(p, "code_challenge_method")) {
        (Some(c), m) => {
            let m = m.unwrap_or("plain");
            if m != "S256" && m != "plain" {
                return redirect_err("invalid_request", "AADSTS501491: Invalid code_challenge_method.");
            }
            Some((c.to_string(), m.to_string()))
        }
        (None, _) => None,
    };
    let claims = match claims_param(p) {
        Ok(c) => c,
        Err(_) => {
            return redirect_err(
                "invalid_request",
                "AADSTS90019: The claims parameter is not valid JSON.",
            );
        }
    };
    let user = match param(p, "login_hint") {
        Some(h) => match state.scenario.find_user(h) {
            Some(u) => u.clone(),
            None => {
                return redirect_err(
                    "invalid_request",
                    &format!("AADSTS50034: The user account {h} does not exist in the directory."),
                );
            }
        },
        None => match state.default_user() {
            Some(u) => u.clone(),
            None => return redirect_err("server_error", "No default user."),
        },
    };
    if !state.scenario.settings.headless_authorize {
        return Resp::html(
            200,
            "<html><body>pimrust-emulator: interactive sign-in is disabled (headlessAuthorize=false).</body></html>",
        );
    }
    let code = format!("1.emu.{}", b64url(&rand::rng().random::<[u8; 32]>()));
    let now = state.now();
    state.auth.codes.insert(
        code.clone(),
        AuthCode {
            client_id: client_id.into(),
            redirect_uri: redirect.into(),
            scopes: split_scopes(param(p, "scope").unwrap_or("")),
            challenge,
            user_id: user.id.clone(),
            claims,
            nonce: param(p, "nonce").map(str::to_string),
            created: now,
            used: false,
        },
    );
    let mut url = format!(
        "{redirect}{}code={}",
        if redirect.contains('?') { "&" } else { "?" },
        url_encode(&code)
    );
    if let Some(s) = &state_param {
        url.push_str(&format!("&state={}", url_encode(s)));
    }
    url.push_str(&format!("&session_state={}", new_guid()));
    Resp::redirect(&url)
}

fn token(state: &mut EmuState, p: &HashMap<String, String>) -> Resp {
    let Some(grant) = param(p, "grant_type") else {
        return missing("grant_type");
    };
    let Some(client_id) = param(p, "client_id").map(str::to_string) else {
        return missing("client_id");
    };
    let claims = match claims_param(p) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let client_info = param(p, "client_info") == Some("1");
    let now = state.now();
    match grant {
        "authorization_code" => {
            let Some(code) = param(p, "code") else {
                return missing("code");
            };
            let Some(ac) = state.auth.codes.get_mut(code) else {
                return entra_error(
                    400,
                    "invalid_grant",
                    9002313,
                    "Invalid request. Request is malformed or invalid. The authorization code is not valid.",
                );
            };
            if ac.used {
                return entra_error(
                    400,
                    "invalid_grant",
                    54005,
                    "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
                );
            }
            if now - ac.created > chrono::Duration::minutes(10) {
                return entra_error(
                    400,
                    "invalid_grant",
                    70008,
                    "The provided authorization code or refresh token has expired due to inactivity.",
                );
            }
            if ac.client_id != client_id {
                return entra_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The provided grant is invalid or malformed: the code was issued to another client.",
                );
            }
            if param(p, "redirect_uri") != Some(ac.redirect_uri.as_str()) {
                return entra_error(
                    400,
                    "invalid_grant",
                    50011,
                    "The redirect URI specified in the request does not match the redirect URI used to obtain the authorization code.",
                );
            }
            if let Some((challenge, method)) = &ac.challenge {
                let Some(verifier) = param(p, "code_verifier") else {
                    return entra_error(
                        400,
                        "invalid_request",
                        50148,
                        "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
                    );
                };
                let computed = if method == "S256" {
                    b64url(&Sha256::digest(verifier.as_bytes()))
                } else {
                    verifier.to_string()
                };
                if &computed != challenge {
                    return entra_error(
                        400,
                        "invalid_grant",
                        501481,
                        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                    );
                }
            }
            ac.used = true;
            let user_id = ac.user_id.clone();
            let nonce = ac.nonce.clone();
            let code_claims = ac.claims.clone();
            let scopes = match param(p, "scope") {
                Some(s) => split_scopes(s),
                None => ac.scopes.clone(),
            };
            let claims = merge_claims(code_claims, claims);
            let amr = state
                .scenario
                .find_user(&user_id)
                .map(|u| u.amr.clone())
                .unwrap_or_default();
            state.token_response(
                &user_id,
                &client_id,
                &scopes,
                amr,
                claims.as_ref(),
                nonce.as_deref(),
                client_info,
            )
        }
        "refresh_token" => {
            let Some(rt) = param(p, "refresh_token") else {
                return missing("refresh_token");
            };
            let Some(g) = state.auth.refresh.get(rt) else {
                return entra_error(
                    400,
                    "invalid_grant",
                    9002313,
                    "Invalid request. Request is malformed or invalid. The refresh token is not valid.",
                );
            };
            if g.client_id != client_id {
                return entra_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The provided grant is invalid or malformed: the refresh token was issued to another client (client_mismatch).",
                );
            }
            let user_id = g.user_id.clone();
            let amr = g.amr.clone();
            let mut scopes = split_scopes(param(p, "scope").unwrap_or("https://graph.microsoft.com/.default"));
            if !scopes.iter().any(|s| s == "offline_access") {
                scopes.push("offline_access".into());
            }
            state.token_response(&user_id, &client_id, &scopes, amr, claims.as_ref(), None, client_info)
        }
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let Some(dc) = param(p, "device_code") else {
                return missing("device_code");
            };
            let Some(d) = state.auth.device.iter_mut().find(|d| d.device_code == dc) else {
                return entra_error(
                    400,
                    "bad_verification_code",
                    70000,
                    "The provided device code is not valid.",
                );
            };
            if d.client_id != client_id {
                return entra_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The provided device code was issued to another client.",
                );
            }
            if d.status == DeviceStatus::Redeemed {
                return entra_error(400, "invalid_grant", 54005, "The device code was already redeemed.");
            }
            if now >= d.expires_at {
                return entra_error(400, "expired_token", 70019, "Verification code expired.");
            }
            if d.status == DeviceStatus::Denied {
                return entra_error(
                    400,
                    "authorization_declined",
                    70000,
                    "The end user declined the authorization request.",
                );
            }
            let too_fast = d
                .last_poll
                .is_some_and(|l| d.interval > 0 && now - l < chrono::Duration::seconds(d.interval as i64));
            d.last_poll = Some(now);
            if too_fast {
                return entra_error(
                    400,
                    "slow_down",
                    70016,
                    "OAuth 2.0 device flow error. The client is polling too frequently; increase the polling interval by 5 seconds.",
                );
            }
            match d.status.clone() {
                DeviceStatus::Approved { user_id, amr } => {
                    d.status = DeviceStatus::Redeemed;
                    let scopes = d.scopes.clone();
                    let dclaims = merge_claims(d.claims.clone(), claims);
                    let amr = amr.unwrap_or_else(|| {
                        state
                            .scenario
                            .find_user(&user_id)
                            .map(|u| u.amr.clone())
                            .unwrap_or_default()
                    });
                    state.token_response(&user_id, &client_id, &scopes, amr, dclaims.as_ref(), None, client_info)
                }
                _ => entra_error(
                    400,
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                ),
            }
        }
        other => entra_error(
            400,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

fn merge_claims(a: Option<RequestedClaims>, b: Option<RequestedClaims>) -> Option<RequestedClaims> {
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

fn devicecode(state: &mut EmuState, p: &HashMap<String, String>) -> Resp {
    let Some(client_id) = param(p, "client_id") else {
        return missing("client_id");
    };
    let scopes = split_scopes(param(p, "scope").unwrap_or(""));
    if let Err(r) = resolve_scopes(&scopes) {
        return r;
    }
    let claims = match claims_param(p) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut rng = rand::rng();
    const ALPHA: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let user_code: String = (0..9)
        .map(|_| ALPHA[rng.random_range(0..ALPHA.len())] as char)
        .collect();
    let device_code = format!("DAQABAAEAAAD.emu.{}", b64url(&rng.random::<[u8; 32]>()));
    let now = state.now();
    let s = &state.scenario.settings;
    let expires_in = s.device_code_expires_in_sec;
    let interval = s.device_code_interval_sec;
    state.auth.device.push(DeviceCode {
        device_code: device_code.clone(),
        user_code: user_code.clone(),
        client_id: client_id.into(),
        scopes,
        claims,
        created: now,
        expires_at: now + chrono::Duration::seconds(expires_in as i64),
        interval,
        last_poll: None,
        status: DeviceStatus::Pending,
    });
    let verification_uri = "https://microsoft.com/devicelogin";
    Resp::json(
        200,
        json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": expires_in,
            "interval": interval,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
        }),
    )
}
