//! Method dispatch: the names a host may start, and the context each method runs with.

mod auth;
mod pim;
mod sys;

use crate::api::ApiClient;
use crate::auth::authenticator::{ConnectOptions, SignInContext};
use crate::error::Error;
use crate::events::EventSink;
use crate::services::Services;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;

/// What a running method can reach: the services its client shares, its event queue and how it may
/// sign in. (Methods need no token of their own: the engine drops a cancelled method at its next
/// await.)
pub(crate) struct Context {
    pub services: Arc<Services>,
    pub events: EventSink,
    pub sign_in: SignInOptions,
}

/// How a `pim.*` method may sign in, given next to its own params: `interactive` (default true;
/// `false` never prompts) and `connect` (the connect options to use if the client is not connected
/// yet; default: the defaults and the `PIMRUST_*` environment variables).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SignInOptions {
    interactive: Option<bool>,
    connect: Option<ConnectOptions>,
}

impl SignInOptions {
    /// Takes these options out of a method's params, leaving the method's own.
    fn take_from(params: &mut Value) -> Result<Self, Error> {
        let Some(fields) = params.as_object_mut() else {
            return Ok(Self::default());
        };
        let taken: serde_json::Map<String, Value> = ["interactive", "connect"]
            .into_iter()
            .filter_map(|name| fields.remove(name).map(|value| (name.to_string(), value)))
            .collect();
        serde_json::from_value(Value::Object(taken)).map_err(Error::invalid_params)
    }
}

impl Context {
    /// The API client for this call (with its events), connected first if the client is not connected
    /// yet.
    pub async fn api(&self) -> Result<ApiClient, Error> {
        let interactive = self.sign_in.interactive.unwrap_or(true);
        self.services
            .auth
            .connect_on_first_use(
                self.sign_in.connect.clone(),
                SignInContext::new(&self.events, interactive),
            )
            .await?;
        Ok(self.services.api.for_operation(self.events.clone(), interactive))
    }
}

/// A method's body: it owns its context, so the future it returns borrows nothing.
type Run = fn(Context, Value) -> BoxFuture<'static, Result<Value, Error>>;

/// One table for dispatch and for the names an "unknown method" error lists.
const METHODS: &[(&str, Run)] = &[
    ("sys.echo", |_, params| Box::pin(async move { Ok(sys::echo(params)) })),
    ("sys.sleep", |c, params| {
        Box::pin(async move { sys::sleep(&c, parse(params)?).await })
    }),
    ("auth.connect", |c, params| {
        Box::pin(async move { auth::connect(&c, parse(params)?).await })
    }),
    ("auth.disconnect", |c, params| {
        Box::pin(async move { auth::disconnect(&c, parse(params)?).await })
    }),
    ("auth.context", |c, _| {
        Box::pin(async move { auth::context_info(&c).await })
    }),
    ("pim.listEligible", |c, params| {
        Box::pin(async move { pim::list_eligible(&c, parse(params)?).await })
    }),
    ("pim.listActive", |c, params| {
        Box::pin(async move { pim::list_active(&c, parse(params)?).await })
    }),
    ("pim.activate", |c, params| {
        Box::pin(async move { pim::activate(&c, parse(params)?).await })
    }),
    ("pim.wait", |c, params| {
        Box::pin(async move { pim::wait(&c, parse(params)?).await })
    }),
    ("pim.cancel", |c, params| {
        Box::pin(async move { pim::cancel(&c, parse(params)?).await })
    }),
    #[cfg(feature = "test-hooks")]
    ("sys.panic", |_, _| Box::pin(async { panic!("sys.panic was called") })),
];

/// The names a host may start.
pub(crate) fn method_names() -> impl Iterator<Item = &'static str> {
    METHODS.iter().map(|(name, _)| *name)
}

pub(crate) async fn dispatch(
    services: Arc<Services>,
    events: EventSink,
    method: String,
    mut params: Value,
) -> Result<Value, Error> {
    let Some((_, run)) = METHODS.iter().find(|(name, _)| *name == method) else {
        return Err(Error::UnknownMethod {
            method,
            known: method_names().collect::<Vec<_>>().join(", "),
        });
    };
    let sign_in = if method.starts_with("pim.") {
        SignInOptions::take_from(&mut params)?
    } else {
        SignInOptions::default()
    };
    let context = Context {
        services,
        events,
        sign_in,
    };
    run(context, params).await
}

/// Parses a method's params; `null` (no params given) reads as `{}`.
fn parse<T: DeserializeOwned>(params: Value) -> Result<T, Error> {
    let params = if params.is_null() {
        Value::Object(Default::default())
    } else {
        params
    };
    serde_json::from_value(params).map_err(Error::invalid_params)
}
