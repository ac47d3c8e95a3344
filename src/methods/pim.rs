//! `pim.listEligible`, `pim.listActive`, `pim.activate`, `pim.wait`, `pim.cancel`. Each connects on
//! first use (see [`Context::api`]).

use super::Context;
use crate::error::Error;
use crate::pim::activate::{self, ActivateParams};
use crate::pim::list::{self, ListOptions};
use crate::pim::wait::{self, CancelParams, WaitParams};
use serde::Serialize;
use serde_json::Value;

fn to_json(value: impl Serialize) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Internal(e.to_string()))
}

pub(super) async fn list_eligible(context: &Context, options: ListOptions) -> Result<Value, Error> {
    let api = context.api().await?;
    to_json(list::eligible(&api, &context.services.policies, &options).await?)
}

pub(super) async fn list_active(context: &Context, options: ListOptions) -> Result<Value, Error> {
    let api = context.api().await?;
    to_json(list::active(&api, &options).await?)
}

pub(super) async fn activate(context: &Context, params: ActivateParams) -> Result<Value, Error> {
    let api = context.api().await?;
    to_json(activate::activate(&api, &context.services.policies, params).await?)
}

pub(super) async fn wait(context: &Context, params: WaitParams) -> Result<Value, Error> {
    wait::validate(&params)?;
    let api = context.api().await?;
    to_json(wait::wait(&api, params).await?)
}

pub(super) async fn cancel(context: &Context, params: CancelParams) -> Result<Value, Error> {
    let api = context.api().await?;
    wait::cancel(&api, params).await
}
