//! Cancelling pending requests.

use super::endpoints::Urls;
use super::model::WaitTarget;
use crate::api::ApiClient;
use crate::error::Error;
use crate::http::Idempotency;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CancelParams {
    pub requests: Vec<WaitTarget>,
}

/// Cancels pending requests (Graph `POST …/{id}/cancel`, ARM `POST {requestId}/cancel`). Returns the
/// ids that were cancelled; a request no longer cancellable is reported, not an error for the rest.
pub async fn cancel(api: &ApiClient, params: CancelParams) -> Result<Value, Error> {
    let mut cancelled = Vec::new();
    let mut refused = Vec::new();
    for target in &params.requests {
        let resource = target.kind.resource();
        let url = Urls::of(api)?.cancel(target.kind, &target.request_id);
        let response = api
            .send_json(resource, Method::POST, &url, None, Idempotency::Idempotent, None)
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
