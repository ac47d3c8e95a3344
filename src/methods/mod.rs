//! Method dispatch: the names a host may start, and the context each method runs with.

mod auth;
mod pim;
mod sys;

use crate::api::ApiClient;
use crate::auth::authenticator::{ConnectOptions, SignInContext};
use crate::error::Error;
use crate::events::EventSink;
use crate::services::Services;
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
    /// The API client for this call, connected first if the client is not connected yet.
    pub async fn api(&self) -> Result<ApiClient, Error> {
        let interactive = self.sign_in.interactive.unwrap_or(true);
        self.services
            .auth
            .connect_on_first_use(
                self.sign_in.connect.clone(),
                SignInContext::new(&self.events, interactive),
            )
            .await?;
        Ok(self.services.api.with_interactive(interactive))
    }
}

pub const METHODS: &[&str] = &[
    "sys.echo",
    "sys.sleep",
    "auth.connect",
    "auth.disconnect",
    "auth.context",
];

pub(crate) async fn dispatch(
    services: Arc<Services>,
    events: EventSink,
    method: String,
    mut params: Value,
) -> Result<Value, Error> {
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
    match method.as_str() {
        "sys.echo" => Ok(sys::echo(params)),
        "sys.sleep" => sys::sleep(&context, parse(params)?).await,
        "auth.connect" => auth::connect(&context, parse(params)?).await,
        "auth.disconnect" => auth::disconnect(&context, parse(params)?).await,
        "auth.context" => auth::context_info(&context).await,
        "pim.listEligible" => pim::list_eligible(&context, parse(params)?).await,
        "pim.listActive" => pim::list_active(&context, parse(params)?).await,
        "pim.activate" => pim::activate(&context, parse(params)?).await,
        "pim.wait" => pim::wait(&context, parse(params)?).await,
        "pim.cancel" => pim::cancel(&context, parse(params)?).await,
        #[cfg(feature = "test-hooks")]
        "sys.panic" => panic!("sys.panic was called"),
        _ => Err(Error::UnknownMethod {
            method,
            known: METHODS.join(", "),
        }),
    }
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
