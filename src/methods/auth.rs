//! `auth.connect`, `auth.disconnect`, `auth.context`: sign-in as seen by hosts. Tokens never leave
//! the native side through these (or any) methods.

use super::Context;
use crate::auth::session::ConnectOptions;
use crate::error::Error;
use serde::Deserialize;
use serde_json::Value;

pub(super) async fn connect(context: &Context, options: ConnectOptions) -> Result<Value, Error> {
    context.session.auth.connect(options, &context.events).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct DisconnectParams {
    #[serde(default)]
    all: bool,
}

pub(super) async fn disconnect(context: &Context, params: DisconnectParams) -> Result<Value, Error> {
    context.session.auth.disconnect(params.all).await
}

pub(super) async fn context_info(context: &Context) -> Result<Value, Error> {
    context.session.auth.context().await
}
