//! `auth.connect`, `auth.disconnect`, `auth.context`: sign-in as seen by hosts. Tokens never leave
//! the native side through these (or any) methods.

use super::Context;
use crate::auth::session::{ConnectOptions, DisconnectOptions};
use crate::error::Error;
use serde_json::Value;

pub(super) async fn connect(context: &Context, options: ConnectOptions) -> Result<Value, Error> {
    context.session.auth.connect(options, &context.events).await
}

pub(super) async fn disconnect(context: &Context, options: DisconnectOptions) -> Result<Value, Error> {
    context.session.auth.disconnect(options).await
}

pub(super) async fn context_info(context: &Context) -> Result<Value, Error> {
    context.session.auth.context().await
}
