//! Getting new tokens: the refresh grant, interactive sign-in, and keeping what the token endpoint
//! returns (access token and account in memory, the rotated refresh token also in the cache).

use super::state::{Account, SignInState};
use super::{Authenticator, describe_challenge};
use crate::auth::cache::CacheEntry;
use crate::auth::claims;
use crate::auth::cloud::Resource;
use crate::auth::interactive::{PromptLabel, SignIn};
use crate::auth::token::AccessToken;
use crate::auth::token_endpoint::{self, Grant, RedeemError, TokenRequest, Tokens};
use crate::error::Error;
use crate::events::EventSink;
use chrono::Utc;
use serde_json::Value;

impl Authenticator {
    /// Redeems the refresh token of the resource's app, if there is one.
    pub(super) async fn refresh(
        &self,
        state: &SignInState,
        resource: Resource,
        challenge: Option<&Value>,
    ) -> Result<Option<AccessToken>, RedeemError> {
        let (endpoints, tenant, client) = state
            .with_connection(|c| {
                Ok((
                    c.endpoints.clone(),
                    c.tenant.clone(),
                    c.clients.for_resource(resource).to_string(),
                ))
            })
            .map_err(RedeemError::Other)?;
        let Some(refresh_token) = state.tokens.lock().refresh.get(&client).cloned() else {
            return Ok(None);
        };
        let claims = claims::with_capabilities(challenge);
        let request = TokenRequest {
            endpoints: &endpoints,
            tenant: &tenant,
            client_id: &client,
            resource,
            grant: Grant::RefreshToken(&refresh_token),
            claims: &claims,
        };
        let tokens = token_endpoint::redeem(&self.http, request).await?;
        Ok(Some(
            self.accept(state, resource, challenge, &client, tokens)
                .await
                .map_err(RedeemError::Other)?,
        ))
    }

    pub(super) async fn sign_in_interactively(
        &self,
        state: &SignInState,
        resource: Resource,
        challenge: Option<&Value>,
        login_hint: Option<&str>,
        events: &EventSink,
    ) -> Result<AccessToken, Error> {
        let (endpoints, tenant, client, flow, browser, timeout, one_app) = state.with_connection(|c| {
            Ok((
                c.endpoints.clone(),
                c.tenant.clone(),
                c.clients.for_resource(resource).to_string(),
                c.flow,
                c.browser,
                c.timeout,
                c.one_app(),
            ))
        })?;
        let claims = claims::with_capabilities(challenge);
        if let Some(challenge) = challenge {
            tracing::info!(
                "{} asks for a stronger sign-in: {}",
                resource.name(),
                describe_challenge(challenge)
            );
        }
        let sign_in = SignIn {
            http: &self.http,
            endpoints: &endpoints,
            tenant: &tenant,
            client_id: &client,
            resource,
            claims: &claims,
            login_hint,
            label: &prompt_label(resource, challenge, one_app),
            events,
            timeout,
        };
        let tokens = sign_in.run(flow, browser).await?;
        self.accept(state, resource, challenge, &client, tokens).await
    }

    /// Keeps new tokens: the access token in memory, the rotated refresh token in memory and in the
    /// persisted cache, and the account.
    async fn accept(
        &self,
        state: &SignInState,
        resource: Resource,
        challenge: Option<&Value>,
        client: &str,
        tokens: Tokens,
    ) -> Result<AccessToken, Error> {
        let access = tokens.access.clone();
        let account = account_from_token(&access).map(|mut account| {
            if let Some(info) = &tokens.client_info {
                account.home_account_id = format!("{}.{}", info.uid, info.utid);
            }
            if let Some(username) = tokens.id_claims.as_ref().and_then(|c| c.username()) {
                account.username = username.to_string();
            }
            account
        });
        let persist = {
            let mut connection = state.connection.lock();
            let connection = connection
                .as_mut()
                .ok_or_else(|| Error::Internal("connection vanished".into()))?;
            if let Some(account) = account {
                connection.account = Some(account);
            }
            let account = connection.account.clone();
            let mut store = state.tokens.lock();
            let key = challenge.map(claims::canonical).unwrap_or_default();
            store.access.insert((resource, key), access.clone());
            match (tokens.refresh_token, account) {
                (Some(refresh), Some(account)) => {
                    store.refresh.insert(client.to_string(), refresh.clone());
                    Some((
                        connection.cache_key(&account.home_account_id, client),
                        CacheEntry {
                            refresh_token: refresh,
                            username: account.username.clone(),
                            tenant_id: account.tenant_id.clone(),
                            object_id: account.object_id.clone(),
                            scopes: connection.endpoints.scopes(resource),
                            updated: Utc::now(),
                        },
                    ))
                }
                (Some(refresh), None) => {
                    store.refresh.insert(client.to_string(), refresh);
                    None
                }
                (None, _) => None,
            }
        };
        if let Some((key, entry)) = persist {
            self.remember(key, entry).await;
        }
        Ok(access)
    }
}

/// Which sign-in a prompt is for. With the default apps Graph and ARM each sign in once (1 of 2,
/// 2 of 2); one app registration signs in once for both.
fn prompt_label(resource: Resource, challenge: Option<&Value>, one_app: bool) -> PromptLabel {
    let (step, steps) = match (one_app, resource) {
        (true, _) => (1, 1),
        (false, Resource::Graph) => (1, 2),
        (false, Resource::Arm) => (2, 2),
    };
    let text = match challenge {
        Some(challenge) => format!("(step-up for {}: {})", resource.name(), describe_challenge(challenge)),
        None if one_app && resource == Resource::Graph => {
            format!("({} and {})", Resource::Graph.name(), Resource::Arm.name())
        }
        None if one_app => format!("({})", resource.name()),
        None => format!("({step} of {steps}: {})", resource.name()),
    };
    PromptLabel { step, steps, text }
}

pub(super) fn account_from_token(token: &AccessToken) -> Option<Account> {
    let claims = &token.claims;
    let (oid, tid) = (claims.oid.clone()?, claims.tid.clone()?);
    Some(Account {
        username: claims.username().unwrap_or(&oid).to_string(),
        home_account_id: format!("{oid}.{tid}"),
        object_id: oid,
        tenant_id: tid,
    })
}
