//! Identity: who a token says the caller is. `claims.rs` holds the token shapes (resources,
//! audiences, access-token claims, requested claims, direct-mint specs), `jwt.rs` signing,
//! verifying and minting, `device.rs` the device-code records, `store.rs` every grant the token
//! endpoints keep (codes, refresh tokens, device codes).

mod claims;
mod device;
mod jwt;
mod store;

pub use claims::{
    ARM_AUDIENCE, AccessClaims, GRAPH_AUDIENCE, RequestedClaims, Resource, TEST_SIGNING_KEY, TokenSpec, merge_claims,
    parse_claims,
};
pub use device::{DeviceCode, DeviceStatus};
pub use jwt::{AccessGrant, Issuer, TOKEN_MARKER, decode, peek_claims, step_up_amr};
pub use store::{AuthCode, AuthStore, RefreshGrant};
