//! A webhook's delivery logs, and replaying one delivery.
use axum::{
    Json,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::StatusCode,
};

use crate::server::{
    api::ErrorOut,
    auth::ApiClient,
    domain::{DeliveryId, WebhookId},
    error::{ApiError, ApiResult},
    services::webhooks,
    state::AppState,
    store::{Attempt, DeliveryLog, DeliveryStatus},
};
use crate::types::webhooks::{AttemptOut, DeliveryLogOut, LogsQuery};

/// A webhook's delivery logs
///
/// The latest deliveries, newest first, each with every attempt (status code or error,
/// latency, the start of the answer). `limit` 1–50 (default 20); `event` keeps one event.
#[utoipa::path(get, path = "/webhooks/{id}/logs", tag = "webhooks", security(("api_key" = [])), params(("id" = String, Path), LogsQuery),
    responses(
        (status = 200, body = Vec<DeliveryLogOut>),
        (status = 400, body = ErrorOut, description = "VALIDATION_ERROR"),
        (status = 404, body = ErrorOut, description = "WEBHOOK_NOT_FOUND"),
    ))]
pub async fn webhook_logs(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    query: Result<Query<LogsQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<DeliveryLogOut>>> {
    let Query(query) = query.map_err(|e| ApiError::validation("query", e.body_text()))?;
    let logs = webhooks::logs(
        &state,
        &client,
        &WebhookId::from_trusted(id),
        query.limit.as_deref(),
        query.event.as_deref(),
    )
    .await?;
    Ok(Json(logs.iter().map(log_out).collect()))
}

/// Replay a delivery
///
/// Sends the delivery again now, with the same event id (`data.id`, `webhook-id`), and
/// restarts its retry schedule. 409 `WEBHOOK_INACTIVE` while the webhook is paused.
#[utoipa::path(post, path = "/webhooks/{id}/logs/{deliveryId}/retry", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path), ("deliveryId" = String, Path)),
    responses(
        (status = 202, body = DeliveryLogOut),
        (status = 404, body = ErrorOut, description = "WEBHOOK_NOT_FOUND, DELIVERY_NOT_FOUND"),
        (status = 409, body = ErrorOut, description = "WEBHOOK_INACTIVE"),
    ))]
pub async fn retry_delivery(
    State(state): State<AppState>,
    client: ApiClient,
    Path((id, delivery)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<DeliveryLogOut>)> {
    let log = webhooks::retry(&state, &client, &WebhookId::from_trusted(id), &DeliveryId::from_trusted(delivery)).await?;
    Ok((StatusCode::ACCEPTED, Json(log_out(&log))))
}

pub(super) fn log_out(log: &DeliveryLog) -> DeliveryLogOut {
    let d = &log.delivery;
    let last = log.attempts.last();
    DeliveryLogOut {
        id: d.id.to_string(),
        delivery_id: d.id.to_string(),
        webhook_id: d.webhook_id.to_string(),
        event_id: d.event_id.to_string(),
        event: d.event_kind.clone(),
        status: d.status.as_str().into(),
        success: d.status == DeliveryStatus::Delivered,
        attempt_count: d.attempts,
        status_code: d.last_status_code,
        latency_ms: last.map(|a| a.latency_ms),
        error: d.last_error.clone(),
        next_attempt_at: d.next_attempt_at,
        last_attempt_at: d.last_attempt_at,
        created_at: d.created_at,
        updated_at: d.updated_at,
        payload: serde_json::from_str(&d.payload).unwrap_or_default(),
        attempts: log.attempts.iter().map(attempt_out).collect(),
    }
}

fn attempt_out(a: &Attempt) -> AttemptOut {
    AttemptOut {
        id: a.id.to_string(),
        attempt: a.attempt,
        success: a.status_code.is_some_and(|s| (200..300).contains(&s)),
        status_code: a.status_code,
        error: a.error.clone(),
        latency_ms: a.latency_ms,
        response_body: a.response_body.clone(),
        created_at: a.created_at,
    }
}
