//! Webhook endpoints: create, list, read, change, delete.
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
};

use crate::server::{
    api::{ErrorOut, JsonBody},
    auth::ApiClient,
    domain::WebhookId,
    error::ApiResult,
    services::webhooks,
    state::AppState,
};
use crate::types::{
    numbers::OkOut,
    webhooks::{CreateWebhookIn, CreatedWebhookOut, UpdateWebhookIn, WebhookOut},
};

/// Create a webhook
///
/// Tenant-wide without `whatsappNumberId` (every number's events, numbers created later
/// included), or bound to one number. The answer carries the signing `secret`, shown only
/// this once.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = CreateWebhookIn, security(("api_key" = [])),
    params(("x-whatsapp-number-id" = Option<String>, Header, description = "The number to bind to, instead of the body field (tenant keys)")),
    responses(
        (status = 201, body = CreatedWebhookOut),
        (status = 400, body = ErrorOut, description = "VALIDATION_ERROR, NUMBER_MISMATCH"),
        (status = 401, body = ErrorOut),
        (status = 404, body = ErrorOut, description = "NUMBER_NOT_FOUND"),
    ))]
pub async fn create_webhook(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    JsonBody(input): JsonBody<CreateWebhookIn>,
) -> ApiResult<(StatusCode, Json<CreatedWebhookOut>)> {
    let header = headers.get("x-whatsapp-number-id").and_then(|v| v.to_str().ok());
    let created = webhooks::create(&state, &client, header, input).await?;
    let out = CreatedWebhookOut {
        webhook: webhooks::view(&created.webhook),
        secret: created.secret.reveal().to_owned(),
    };
    Ok((StatusCode::CREATED, Json(out)))
}

/// List webhooks
///
/// Oldest first. A number-scoped key sees only the webhooks bound to its number.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", security(("api_key" = [])),
    responses((status = 200, body = Vec<WebhookOut>), (status = 401, body = ErrorOut)))]
pub async fn list_webhooks(State(state): State<AppState>, client: ApiClient) -> ApiResult<Json<Vec<WebhookOut>>> {
    let list = webhooks::list(&state, &client).await?;
    Ok(Json(list.iter().map(webhooks::view).collect()))
}

/// Get a webhook
#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = WebhookOut), (status = 404, body = ErrorOut, description = "WEBHOOK_NOT_FOUND")))]
pub async fn get_webhook(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<WebhookOut>> {
    let webhook = webhooks::get(&state, &client, &WebhookId::from_trusted(id)).await?;
    Ok(Json(webhooks::view(&webhook)))
}

/// Change a webhook
///
/// `events` replaces the whole list; `{"active": false}` pauses (no deliveries are created
/// while paused, pending ones wait) and `true` resumes. The number cannot change.
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks", request_body = UpdateWebhookIn, security(("api_key" = [])), params(("id" = String, Path)),
    responses(
        (status = 200, body = WebhookOut),
        (status = 400, body = ErrorOut, description = "VALIDATION_ERROR, EMPTY_PATCH"),
        (status = 404, body = ErrorOut, description = "WEBHOOK_NOT_FOUND"),
    ))]
pub async fn update_webhook(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<UpdateWebhookIn>,
) -> ApiResult<Json<WebhookOut>> {
    let webhook = webhooks::update(&state, &client, &WebhookId::from_trusted(id), input).await?;
    Ok(Json(webhooks::view(&webhook)))
}

/// Delete a webhook
///
/// Permanent, with its delivery logs; deliveries not yet made are dropped.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = OkOut), (status = 404, body = ErrorOut, description = "WEBHOOK_NOT_FOUND")))]
pub async fn delete_webhook(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<OkOut>> {
    webhooks::delete(&state, &client, &WebhookId::from_trusted(id)).await?;
    Ok(Json(OkOut { ok: true }))
}
