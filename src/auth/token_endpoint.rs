//! The Entra token and device-code endpoints, in their own wire format: every request carries the
//! `claims` parameter (at least `cp1`) and `client_info=1`; errors keep `error_codes`, `claims` and the
//! correlation id, which the generic OAuth types drop.

use super::claims;
use super::cloud::{Endpoints, Resource};
use super::token::{AccessToken, TokenClaims, TokenSource};
use crate::error::{Error, ErrorKind, ServiceError};
use crate::http::{HttpClient, Idempotency};
use base64::Engine as _;
use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use zeroize::{Zeroize, Zeroizing};

pub enum Grant<'a> {
    AuthorizationCode {
        code: &'a str,
        redirect_uri: &'a str,
        verifier: &'a str,
    },
    RefreshToken(&'a SecretString),
    DeviceCode(&'a str),
}

pub struct TokenRequest<'a> {
    pub endpoints: &'a Endpoints,
    pub tenant: &'a str,
    pub client_id: &'a str,
    pub resource: Resource,
    pub grant: Grant<'a>,
    /// The claims request, already merged with `cp1`.
    pub claims: &'a Value,
}

/// `client_info`: the home account (`uid.utid`).
#[derive(Debug, Clone, Deserialize)]
pub struct ClientInfo {
    pub uid: String,
    pub utid: String,
}

pub struct Tokens {
    pub access: AccessToken,
    pub refresh_token: Option<SecretString>,
    pub client_info: Option<ClientInfo>,
    pub id_claims: Option<TokenClaims>,
}

/// An error answer of the Entra endpoints.
#[derive(Debug, Clone, Deserialize)]
pub struct EntraError {
    pub error: String,
    #[serde(default)]
    pub error_description: String,
    #[serde(default)]
    pub error_codes: Vec<i64>,
    #[serde(default)]
    pub claims: Option<String>,
    #[serde(default)]
    pub suberror: Option<String>,
    #[serde(default)]
    pub correlation_id: Option<String>,
}

impl EntraError {
    /// The claims challenge carried by the error, if any.
    pub fn challenge(&self) -> Option<Value> {
        self.claims.as_deref().and_then(claims::from_token_error)
    }

    pub fn into_error(self, status: u16) -> Error {
        let first_line = self
            .error_description
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        let kind = if self.claims.is_some() || self.error == "interaction_required" {
            ErrorKind::InteractionRequired
        } else {
            ErrorKind::AuthenticationFailed
        };
        let hint = match self.error.as_str() {
            "invalid_grant" => " The sign-in is no longer valid.",
            "consent_required" => " An administrator must consent to PimRust's permissions (see the README).",
            "authorization_declined" => " The sign-in was declined.",
            "expired_token" => " The device code expired before sign-in completed.",
            _ => "",
        };
        let details = json!({
            "errorCodes": self.error_codes,
            "suberror": self.suberror,
            "correlationId": self.correlation_id,
            "claims": self.challenge(),
        });
        ServiceError::new(
            kind,
            self.error.clone(),
            format!("Sign-in failed ({}): {first_line}{hint}", self.error),
        )
        .with_status(status)
        .with_details(details)
        .into()
    }
}

pub enum RedeemError {
    Entra { error: EntraError, status: u16 },
    Other(Error),
}

impl From<RedeemError> for Error {
    fn from(error: RedeemError) -> Self {
        match error {
            RedeemError::Entra { error, status } => error.into_error(status),
            RedeemError::Other(error) => error,
        }
    }
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default, deserialize_with = "number_or_text")]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<SecretString>,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    client_info: Option<String>,
}

fn number_or_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    })
}

fn with_reserved_scopes(scopes: &[String]) -> String {
    let mut all: Vec<&str> = scopes.iter().map(String::as_str).collect();
    all.extend(["openid", "profile", "offline_access"]);
    all.join(" ")
}

pub async fn redeem(http: &HttpClient, request: TokenRequest<'_>) -> Result<Tokens, RedeemError> {
    let scope = with_reserved_scopes(&request.endpoints.scopes(request.resource));
    let claims = request.claims.to_string();
    let mut form: Vec<(&str, &str)> = vec![
        ("client_id", request.client_id),
        ("scope", &scope),
        ("claims", &claims),
        ("client_info", "1"),
    ];
    let source = match &request.grant {
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            verifier,
        } => {
            form.extend([
                ("grant_type", "authorization_code"),
                ("code", *code),
                ("redirect_uri", *redirect_uri),
                ("code_verifier", *verifier),
            ]);
            TokenSource::Interactive
        }
        Grant::RefreshToken(token) => {
            form.extend([
                ("grant_type", "refresh_token"),
                ("refresh_token", token.expose_secret()),
            ]);
            TokenSource::Refresh
        }
        Grant::DeviceCode(code) => {
            form.extend([
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", *code),
            ]);
            TokenSource::Interactive
        }
    };
    let body = wiped_form_body(&form);
    let url = request.endpoints.token_url(request.tenant);
    // A token redemption is not idempotent (codes are single-use, refresh tokens rotate): only a
    // refusal before processing (429/503, failed connect) is retried.
    let response = http
        .send(Idempotency::NotIdempotent, || {
            http.inner()
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body.clone())
        })
        .await
        .map_err(RedeemError::Other)?;
    drop(body);
    let status = response.status().as_u16();
    let text = Zeroizing::new(response.text().await.map_err(|e| RedeemError::Other(read_error(&e)))?);
    if status >= 400 {
        return Err(match serde_json::from_str::<EntraError>(&text) {
            Ok(error) => RedeemError::Entra { error, status },
            Err(_) => RedeemError::Other(unexpected_answer("token", status)),
        });
    }
    let body: TokenBody =
        serde_json::from_str(&text).map_err(|_| RedeemError::Other(unexpected_answer("token", status)))?;
    let access =
        AccessToken::new(body.access_token, request.resource, body.expires_in, source).map_err(RedeemError::Other)?;
    Ok(Tokens {
        access,
        refresh_token: body.refresh_token,
        client_info: body.client_info.as_deref().and_then(decode_client_info),
        id_claims: body.id_token.as_deref().and_then(TokenClaims::from_jwt),
    })
}

/// The urlencoded form in a buffer that is wiped once the last attempt to send it is done with it
/// (copies inside the HTTP and TLS layers are out of reach).
fn wiped_form_body(pairs: &[(&str, &str)]) -> Bytes {
    // Sized for the worst case (every byte percent-encoded) so the buffer never moves.
    let capacity = pairs.iter().map(|(k, v)| k.len() + 3 * v.len() + 2).sum();
    let mut serializer = url::form_urlencoded::Serializer::new(String::with_capacity(capacity));
    serializer.extend_pairs(pairs);
    Bytes::from_owner(Zeroizing::new(serializer.finish()))
}

fn decode_client_info(text: &str) -> Option<ClientInfo> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn read_error(error: &reqwest::Error) -> Error {
    Error::service(
        ErrorKind::Network,
        "NetworkError",
        format!("reading the sign-in service's answer failed: {error}"),
    )
}

fn unexpected_answer(endpoint: &str, status: u16) -> Error {
    ServiceError::new(
        ErrorKind::Service,
        "UnexpectedResponse",
        format!("the {endpoint} endpoint answered HTTP {status} with a body that is not Entra's format"),
    )
    .with_status(status)
    .into()
}

/// The answer of the device-code endpoint. The device code is a bearer secret until it expires: it is
/// wiped on drop and never printed.
#[derive(Deserialize)]
pub struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    #[serde(default, deserialize_with = "number_or_text")]
    pub expires_in: Option<u64>,
    #[serde(default, deserialize_with = "number_or_text")]
    pub interval: Option<u64>,
    #[serde(default)]
    pub message: Option<String>,
}

impl Drop for DeviceCode {
    fn drop(&mut self) {
        self.device_code.zeroize();
    }
}

pub async fn request_device_code(
    http: &HttpClient,
    endpoints: &Endpoints,
    tenant: &str,
    client_id: &str,
    resource: Resource,
    claims: &Value,
) -> Result<DeviceCode, Error> {
    let scope = with_reserved_scopes(&endpoints.scopes(resource));
    let claims = claims.to_string();
    let form = [
        ("client_id", client_id),
        ("scope", scope.as_str()),
        ("claims", claims.as_str()),
    ];
    let url = endpoints.device_code_url(tenant);
    let response = http
        .send(Idempotency::Idempotent, || http.inner().post(&url).form(&form))
        .await?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| read_error(&e))?;
    if status >= 400 {
        return Err(match serde_json::from_str::<EntraError>(&text) {
            Ok(error) => error.into_error(status),
            Err(_) => unexpected_answer("device code", status),
        });
    }
    let text = Zeroizing::new(text);
    serde_json::from_str(&text).map_err(|_| unexpected_answer("device code", status))
}
