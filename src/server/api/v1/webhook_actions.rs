//! Rotating a webhook's signing secret, and sending it a test event.
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};

use super::webhook_logs::log_out;
use crate::server::{api::ErrorOut, auth::ApiClient, domain::WebhookId, error::ApiResult, services::webhook_ops, state::AppState};
use crate::types::webhooks::{CreatedWebhookOut, DeliveryLogOut};

/// Rotate a webhook's secret
///
/// A new signing `secret`, shown only in this answer; deliveries from now on are signed with
/// it and the old one stops working at once.
#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", tag = "webhooks", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CreatedWebhookOut), (status = 404, body = ErrorOut, description = "WEBHOOK_NOT_FOUND")))]
pub async fn rotate_webhook_secret(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
) -> ApiResult<Json<CreatedWebhookOut>> {
    let rotated = webhook_ops::rotate_secret(&state, &client, &WebhookId::from_trusted(id)).await?;
    Ok(Json(CreatedWebhookOut {
        webhook: crate::server::services::webhooks::view(&rotated.webhook),
        secret: rotated.secret.reveal().to_owned(),
    }))
}

/// Send a test event
///
/// Queues a `webhook.test` event for this webhook alone, whatever events it subscribes to;
/// it is signed, retried and logged like any delivery.
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks", security(("api_key" = [])), params(("id" = String, Path)),
    responses(
        (status = 202, body = DeliveryLogOut),
        (status = 404, body = ErrorOut, description = "WEBHOOK_NOT_FOUND"),
        (status = 409, body = ErrorOut, description = "WEBHOOK_INACTIVE"),
    ))]
pub async fn send_test_event(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<DeliveryLogOut>)> {
    let (_, log) = webhook_ops::send_test(&state, &client, &WebhookId::from_trusted(id)).await?;
    Ok((StatusCode::ACCEPTED, Json(log_out(&log))))
}
