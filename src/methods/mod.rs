//! Method dispatch: the names a host may start, and the context each method runs with.

mod auth;
mod pim;
mod sys;

use crate::error::Error;
use crate::events::EventSink;
use crate::session::Session;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;

/// What a running method can reach: the client's shared session and its event queue. (Methods need
/// no token of their own: the engine drops a cancelled method at its next await.)
pub(crate) struct Context {
    pub session: Arc<Session>,
    pub events: EventSink,
}

pub const METHODS: &[&str] = &[
    "sys.echo",
    "sys.sleep",
    "auth.connect",
    "auth.disconnect",
    "auth.context",
];

pub(crate) async fn dispatch(context: Context, method: String, params: Value) -> Result<Value, Error> {
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
