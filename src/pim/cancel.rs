//! Cancelling pending requests.

use super::arm;
use super::model::Kind;
use super::requests::{arm_base, graph_collection};
use super::wait::WaitTarget;
use crate::api::ApiClient;
use crate::auth::cloud::Resource;
use crate::error::Error;
use crate::events::EventSink;
use crate::http::Idempotency;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CancelParams {
    pub requests: Vec<WaitTarget>,
}

/// Cancels pending requests (Graph `POST …/{id}/cancel`, ARM `POST {requestId}/cancel`). Returns the
/// ids that were cancelled; a request no longer cancellable is reported, not an error for the rest.
pub async fn cancel(api: &ApiClient, events: &EventSink, params: CancelParams) -> Result<Value, Error> {
    let client = api.http().inner().clone();
    let mut cancelled = Vec::new();
    let mut refused = Vec::new();
    for target in &params.requests {
        let (resource, url) = match target.kind {
            Kind::AzureResource => (
                Resource::Arm,
                format!(
                    "{}{}/cancel?api-version={}",
                    arm_base(api)?,
                    target.request_id,
                    arm::API_VERSION
                ),
            ),
            kind => (
                Resource::Graph,
                format!("{}/{}/cancel", graph_collection(api, kind)?, target.request_id),
            ),
        };
        let response = api
            .send(resource, Idempotency::Idempotent, None, events, |token| {
                client
                    .post(&url)
                    .header("authorization", token.authorization())
                    .header("content-length", "0")
            })
            .await?;
        if response.status.is_success() {
            cancelled.push(target.request_id.clone());
        } else {
            let error = response.into_error(resource);
            refused.push(json!({"requestId": target.request_id, "code": error.code(), "message": error.to_string()}));
        }
    }
    Ok(json!({"cancelled": cancelled, "refused": refused}))
}
