//! One sign-in state: where and how a connection signs in, who is signed in, and the tokens it holds.
//! The client has one live state; a connect builds a new one aside and installs it only once its
//! sign-in has completed, so a stopped sign-in never leaves a half-made connection behind.

use crate::auth::cloud::{ClientIds, Endpoints, Resource};
use crate::auth::interactive::{BrowserMode, Flow};
use crate::auth::token::{AccessToken, TokenSource};
use crate::error::{Error, ErrorKind};
use parking_lot::Mutex;
use secrecy::SecretString;
use std::collections::HashMap;
use std::time::Duration;

/// The signed-in account.
#[derive(Debug, Clone)]
pub struct Account {
    pub username: String,
    pub object_id: String,
    pub tenant_id: String,
    /// `uid.utid` from client_info, or `oid.tid`.
    pub home_account_id: String,
}

pub(super) struct Connection {
    pub endpoints: Endpoints,
    pub tenant: String,
    pub clients: ClientIds,
    pub flow: Flow,
    pub browser: BrowserMode,
    pub timeout: Duration,
    pub account: Option<Account>,
    /// True when only passthrough tokens were given: nothing can be refreshed or stepped up.
    pub passthrough_only: bool,
}

impl Connection {
    /// Whether one app signs in for both APIs (then one sign-in serves both).
    pub fn one_app(&self) -> bool {
        self.clients.graph == self.clients.arm
    }
}

#[derive(Default)]
pub(super) struct TokenStore {
    /// Keyed by resource and the canonical claims request ("" for none).
    pub access: HashMap<(Resource, String), AccessToken>,
    /// Keyed by client id.
    pub refresh: HashMap<String, SecretString>,
}

/// Access tokens are refreshed this long before they expire.
fn freshness_margin() -> chrono::Duration {
    chrono::Duration::minutes(5)
}

#[derive(Default)]
pub(super) struct SignInState {
    pub connection: Mutex<Option<Connection>>,
    pub tokens: Mutex<TokenStore>,
}

impl SignInState {
    pub fn new(connection: Connection, tokens: TokenStore) -> Self {
        Self {
            connection: Mutex::new(Some(connection)),
            tokens: Mutex::new(tokens),
        }
    }

    /// Replaces this state with `other` (a completed sign-in).
    pub fn install(&self, other: SignInState) {
        let mut connection = self.connection.lock();
        let mut tokens = self.tokens.lock();
        *connection = other.connection.into_inner();
        *tokens = other.tokens.into_inner();
    }

    pub fn is_connected(&self) -> bool {
        self.connection.lock().is_some()
    }

    pub fn with_connection<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        match self.connection.lock().as_ref() {
            Some(connection) => f(connection),
            None => Err(Error::service(
                ErrorKind::AuthenticationRequired,
                "NotConnected",
                "not connected",
            )),
        }
    }

    pub fn cached_access(&self, resource: Resource, key: &str) -> Option<AccessToken> {
        let tokens = self.tokens.lock();
        let token = tokens.access.get(&(resource, key.to_string()))?;
        let margin = if token.source == TokenSource::Passthrough {
            chrono::Duration::seconds(30)
        } else {
            freshness_margin()
        };
        token.is_fresh(margin).then(|| token.clone())
    }

    pub fn has_refresh_token(&self, resource: Resource) -> bool {
        let client = self.with_connection(|c| Ok(c.clients.for_resource(resource).to_string()));
        client.is_ok_and(|client| self.tokens.lock().refresh.contains_key(&client))
    }
}
