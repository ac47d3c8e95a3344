//! Sign-in: OAuth flows against Entra ID, tokens per resource, claims challenges, and the persisted,
//! encrypted refresh-token cache.

pub mod authenticator;
pub mod cache;
pub mod claims;
pub mod cloud;
pub mod interactive;
mod loopback;
mod overrides;
pub mod token;
pub mod token_endpoint;
