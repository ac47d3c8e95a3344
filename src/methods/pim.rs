//! `pim.listEligible` and `pim.listActive`.

use super::Context;
use crate::error::Error;
use crate::pim::list::{self, ListOptions};
use serde_json::Value;

pub(super) async fn list_eligible(context: &Context, options: ListOptions) -> Result<Value, Error> {
    let listing = list::eligible(
        &context.session.api,
        &context.session.policies,
        &context.events,
        &options,
    )
    .await?;
    serde_json::to_value(listing).map_err(|e| Error::Internal(e.to_string()))
}

pub(super) async fn list_active(context: &Context, options: ListOptions) -> Result<Value, Error> {
    let listing = list::active(&context.session.api, &context.events, &options).await?;
    serde_json::to_value(listing).map_err(|e| Error::Internal(e.to_string()))
}

pub(super) async fn activate(context: &Context, params: crate::pim::activate::ActivateParams) -> Result<Value, Error> {
    let outcomes = crate::pim::activate::activate(&context.session.api, &context.events, params).await?;
    serde_json::to_value(outcomes).map_err(|e| Error::Internal(e.to_string()))
}

pub(super) async fn wait(context: &Context, params: crate::pim::wait::WaitParams) -> Result<Value, Error> {
    crate::pim::wait::validate(&params)?;
    let results = crate::pim::wait::wait(&context.session.api, &context.events, params).await?;
    serde_json::to_value(results).map_err(|e| Error::Internal(e.to_string()))
}

pub(super) async fn cancel(context: &Context, params: crate::pim::wait::CancelParams) -> Result<Value, Error> {
    crate::pim::wait::cancel(&context.session.api, &context.events, params).await
}
