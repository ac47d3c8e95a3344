//! Device-code flow records: issuing a code, the user's decision, automatic approval.

use chrono::{DateTime, Utc};
use rand::Rng;

use super::claims::RequestedClaims;
use crate::util::b64url;

/// Where a device code stands.
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

impl DeviceCode {
    /// A new pending code with a random user code (9 unambiguous letters and digits).
    pub fn issue(
        client_id: &str,
        scopes: Vec<String>,
        claims: Option<RequestedClaims>,
        now: DateTime<Utc>,
        expires_in: u64,
        interval: u64,
    ) -> Self {
        let mut rng = rand::rng();
        const ALPHA: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let user_code: String = (0..9)
            .map(|_| ALPHA[rng.random_range(0..ALPHA.len())] as char)
            .collect();
        let device_code = format!("DAQABAAEAAAD.emu.{}", b64url(&rng.random::<[u8; 32]>()));
        Self {
            device_code,
            user_code,
            client_id: client_id.into(),
            scopes,
            claims,
            created: now,
            expires_at: now + chrono::Duration::seconds(expires_in as i64),
            interval,
            last_poll: None,
            status: DeviceStatus::Pending,
        }
    }
}
