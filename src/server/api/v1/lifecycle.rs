//! Delete (soft, restorable), restore, purge, and the recorded history of a number.
use axum::{
    Json,
    extract::{Path, State},
};

use crate::server::{api::ErrorOut, auth::ApiClient, domain::NumberId, error::ApiResult, services::numbers, state::AppState, views};
use crate::types::numbers::{DeleteOut, EventOut, OkOut, RestoreOut};

/// Delete a number
///
/// Unlinks the device now and keeps the number restorable for 30 days (configurable).
#[utoipa::path(delete, path = "/numbers/{id}", tag = "numbers", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = DeleteOut), (status = 404, body = ErrorOut), (status = 409, body = ErrorOut, description = "NUMBER_MOVING (Retry-After): the server running the number is stopping or not answering; nothing was done, try again")))]
pub async fn delete_number(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<DeleteOut>> {
    let number = numbers::delete(&state, &client, &NumberId::from_trusted(id)).await?;
    let restorable_until = number.restorable_until.unwrap_or(number.updated_at);
    Ok(Json(DeleteOut {
        ok: true,
        restorable_until,
    }))
}

/// Restore a deleted number
///
/// Back in `CLOSE`: it needs pairing again. 404 after the window, 409 `NUMBER_ALREADY_ACTIVE`
/// when another live number took the phone.
#[utoipa::path(post, path = "/numbers/{id}/restore", tag = "numbers", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RestoreOut), (status = 404, body = ErrorOut), (status = 409, body = ErrorOut, description = "NUMBER_ALREADY_ACTIVE, NUMBER_NOT_DELETED")))]
pub async fn restore_number(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<RestoreOut>> {
    numbers::restore(&state, &client, &NumberId::from_trusted(id)).await?;
    Ok(Json(RestoreOut {
        ok: true,
        requires_reconnect: true,
    }))
}

/// Purge a number for good
///
/// Immediate and irreversible; the number's API keys stop working.
#[utoipa::path(delete, path = "/numbers/{id}/purge", tag = "numbers", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = OkOut), (status = 404, body = ErrorOut)))]
pub async fn purge_number(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<OkOut>> {
    numbers::purge(&state, &client, &NumberId::from_trusted(id)).await?;
    Ok(Json(OkOut { ok: true }))
}

/// A number's recorded events
///
/// Every `number.*` event of the number, oldest first, as webhooks carry them.
#[utoipa::path(get, path = "/numbers/{id}/events", tag = "numbers", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<EventOut>), (status = 404, body = ErrorOut)))]
pub async fn number_events(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<Vec<EventOut>>> {
    let events = numbers::events(&state, &client, &NumberId::from_trusted(id)).await?;
    Ok(Json(events.iter().map(views::event).collect()))
}
