//! `auth.connect`, `auth.disconnect`, `auth.context`: sign-in as seen by hosts, and the JSON they
//! get for it. Tokens never leave the native side through these (or any) methods.

use super::Context;
use crate::auth::authenticator::ConnectOptions;
use crate::auth::authenticator::{DisconnectOptions, SignInStatus, SignOutReport, same_sign_in};
use crate::auth::cache::{CacheBackend, CacheKey, CachedAccount};
use crate::error::Error;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(super) async fn connect(context: &Context, options: ConnectOptions) -> Result<Value, Error> {
    let status = context.services.auth.connect(options, &context.events).await?;
    Ok(status_json(&status))
}

pub(super) async fn disconnect(context: &Context, options: DisconnectOptions) -> Result<Value, Error> {
    let all = options.all;
    let report = context.services.auth.disconnect(options).await?;
    if all {
        // The policy cache is per-user state too; without the token cache (`disabled`) it is
        // memory only, and this clears that.
        context.services.policies.forget();
    }
    Ok(sign_out_json(&report))
}

pub(super) async fn context_info(context: &Context) -> Result<Value, Error> {
    Ok(status_json(&context.services.auth.status().await))
}

/// Who is signed in where, and what each token allows.
fn status_json(status: &SignInStatus) -> Value {
    let Some(c) = status.connection.as_ref() else {
        return json!({"connected": false});
    };
    let cache = match status.token_cache {
        Some(CacheBackend::Encrypted { key_store }) => format!("Encrypted ({key_store})"),
        Some(CacheBackend::PlaintextFile) => "PlaintextFile".into(),
        Some(CacheBackend::Disabled) | None => "Disabled".into(),
    };
    let tokens: Vec<Value> = c
        .tokens
        .iter()
        .map(|token| {
            json!({
                "resource": token.resource.name(),
                "expiresOn": token.expires_at.to_rfc3339(),
                "source": token.source,
                "scopes": token.claims.scopes(),
                "amr": token.claims.amr,
                "acrs": token.claims.acrs,
                "stepUp": token.step_up,
            })
        })
        .collect();
    json!({
        "connected": true,
        "account": c.account.as_ref().map(|a| a.username.clone()),
        "objectId": c.account.as_ref().map(|a| a.object_id.clone()),
        "tenantId": c.account.as_ref().map(|a| a.tenant_id.clone()),
        "tenant": c.tenant,
        "environment": c.endpoints.cloud,
        "endpoints": {
            "authority": c.endpoints.authority_host.as_str(),
            "graph": c.endpoints.graph.as_str(),
            "arm": c.endpoints.arm.as_str(),
            "overridden": c.endpoints.overridden,
            "microsoftCloud": c.endpoints.overridden_roots().is_empty(),
            "overriddenRoots": c.endpoints.overridden_roots(),
        },
        "clientIds": c.clients,
        "flow": format!("{:?}", c.flow),
        "tokenCache": cache,
        "tokens": tokens,
    })
}

/// What a sign-out removed.
fn sign_out_json(report: &SignOutReport) -> Value {
    json!({
        "wasConnected": report.was_connected,
        "all": report.all,
        "removedCacheEntries": report.removed_entries,
        "removedAccounts": describe(&report.removed),
    })
}

/// One entry per signed-out account: who, which tenant, where, and with which apps.
fn describe(removed: &[CachedAccount]) -> Vec<Value> {
    let mut accounts: BTreeMap<CacheKey, (Value, Vec<String>)> = BTreeMap::new();
    for cached in removed {
        let key = &cached.key;
        let endpoints = match key.endpoints.split(' ').collect::<Vec<_>>().as_slice() {
            [authority, graph, arm] => json!({"authority": authority, "graph": graph, "arm": arm}),
            _ => Value::Null,
        };
        let account = json!({
            "account": cached.username,
            "tenantId": cached.tenant_id,
            "tenant": key.tenant,
            "cloud": key.cloud,
            "endpoints": endpoints,
        });
        accounts
            .entry(same_sign_in(key))
            .or_insert_with(|| (account, Vec::new()))
            .1
            .push(key.client_id.clone());
    }
    accounts
        .into_values()
        .map(|(mut account, clients)| {
            account["clientIds"] = json!(clients);
            account
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::authenticator::ConnectionStatus;
    use crate::auth::cloud::{ClientIds, EndpointOverrides, Endpoints};
    use crate::auth::interactive::Flow;

    #[test]
    fn the_context_says_when_the_endpoints_are_microsoft_own() {
        let status = SignInStatus {
            token_cache: None,
            connection: Some(ConnectionStatus {
                account: None,
                tenant: "organizations".into(),
                endpoints: Endpoints::resolve(Some("Global"), &EndpointOverrides::default()).unwrap(),
                clients: ClientIds::default(),
                flow: Flow::Browser,
                tokens: Vec::new(),
            }),
        };
        let context = status_json(&status);
        let endpoints = &context["endpoints"];
        assert_eq!(endpoints["graph"], "https://graph.microsoft.com/", "{endpoints}");
        assert_eq!(endpoints["microsoftCloud"], true, "{endpoints}");
        assert_eq!(endpoints["overriddenRoots"], json!([]), "{endpoints}");
        assert_eq!(context["tokenCache"], "Disabled");
        assert_eq!(
            status_json(&SignInStatus {
                token_cache: None,
                connection: None
            }),
            json!({"connected": false})
        );
    }
}
