//! Grants kept by the token endpoints: authorization codes, refresh tokens, device codes, and
//! the OIDC `claims` a client asked for.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::claims::RequestedClaims;
use super::device::{DeviceCode, DeviceStatus};

/// An authorization code waiting to be redeemed.
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

/// A refresh token: who signed in, with which client and methods.
pub struct RefreshGrant {
    pub user_id: String,
    pub client_id: String,
    pub amr: Vec<String>,
}

/// Every grant the token endpoints have issued.
#[derive(Default)]
pub struct AuthStore {
    pub codes: HashMap<String, AuthCode>,
    pub refresh: HashMap<String, RefreshGrant>,
    pub device: Vec<DeviceCode>,
}

impl AuthStore {
    /// Records the user's decision on a pending device code (user code without dashes, any case).
    pub fn decide_device_code(&mut self, user_code: &str, decision: DeviceStatus) -> Result<(), String> {
        let norm = |s: &str| s.replace('-', "").to_ascii_uppercase();
        let Some(d) = self.device.iter_mut().find(|d| norm(&d.user_code) == norm(user_code)) else {
            return Err(format!("no device code with user code {user_code}"));
        };
        if d.status != DeviceStatus::Pending {
            return Err(format!("device code {user_code} is not pending"));
        }
        d.status = decision;
        Ok(())
    }

    /// Approves, as `user_id`, every pending code older than `after_sec` seconds.
    pub fn auto_approve_device_codes(&mut self, now: DateTime<Utc>, after_sec: f64, user_id: &str) {
        for d in &mut self.device {
            if d.status == DeviceStatus::Pending
                && now >= d.created + chrono::Duration::milliseconds((after_sec * 1000.0) as i64)
            {
                d.status = DeviceStatus::Approved {
                    user_id: user_id.to_string(),
                    amr: None,
                };
            }
        }
    }
}
