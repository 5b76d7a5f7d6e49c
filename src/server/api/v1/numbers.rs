//! Create, list, read, check and connect numbers.
use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};

use crate::server::{
    api::{ErrorOut, JsonBody},
    auth::ApiClient,
    domain::{NumberId, ProfilePatch},
    error::{ApiError, ApiResult},
    services::{meta_numbers, numbers},
    state::AppState,
    views,
};
use crate::types::numbers::{
    ConnectOut, CreateNumberIn, CreateNumberOut, NumberOut, PatchNumberIn, PatchNumberOut, SettingsSyncOut, StatusOut,
};

/// Create a QR-paired number
///
/// Creates the number and opens its first linking window: the response carries a live QR
/// (PNG data URI) and a pairing code. The number is `CONNECTING` until the phone links.
#[utoipa::path(post, path = "/numbers", tag = "numbers", request_body = CreateNumberIn, security(("api_key" = [])),
    responses(
        (status = 201, body = CreateNumberOut),
        (status = 400, body = ErrorOut, description = "VALIDATION_ERROR"),
        (status = 401, body = ErrorOut),
        (status = 409, body = ErrorOut, description = "NUMBER_ALREADY_EXISTS, NUMBER_SOFT_DELETED"),
        (status = 503, body = ErrorOut, description = "PROVIDER_NOT_CONFIGURED"),
    ))]
pub async fn create_number(
    State(state): State<AppState>,
    client: ApiClient,
    JsonBody(input): JsonBody<CreateNumberIn>,
) -> ApiResult<(StatusCode, Json<CreateNumberOut>)> {
    let created = numbers::create(&state, &client, input).await?;
    let keys = numbers::keys_of(&state, &client, &created.number.id).await?;
    let link = views::pairing(&created.pairing).map_err(ApiError::internal)?;
    let out = CreateNumberOut {
        instance: views::number(&created.number, &keys),
        qrcode_base64: link.qrcode_base64.clone(),
        pairing_code: link.pairing_code.clone(),
        linked_api_key_id: created.linked_key.map(|k| k.to_string()),
        primary_link: link,
        secondary_link: None,
        engine: created.number.engine.clone(),
        qr_expires_at: created.pairing.qr.as_ref().map(|q| q.expires_at),
        window_ends_at: Some(created.pairing.window_ends_at),
    };
    Ok((StatusCode::CREATED, Json(out)))
}

/// Get a number
///
/// `refresh=1` reads a Meta number's phone fields (quality rating, messaging limit tier,
/// status) live from Meta into `health` and `meta`; otherwise they are the last known.
#[utoipa::path(get, path = "/numbers/{id}", tag = "numbers", security(("api_key" = [])),
    params(("id" = String, Path), ("refresh" = Option<String>, Query, description = "1: fetch a Meta number's fields live")),
    responses((status = 200, body = NumberOut), (status = 401, body = ErrorOut), (status = 404, body = ErrorOut, description = "NUMBER_NOT_FOUND"),
        (status = 502, body = ErrorOut, description = "META_* when Meta refused the refresh"), (status = 503, body = ErrorOut, description = "UPSTREAM_ERROR")))]
pub async fn get_number(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<Json<NumberOut>> {
    let id = NumberId::from_trusted(id);
    let refresh = q.iter().any(|(k, v)| k == "refresh" && matches!(v.as_str(), "1" | "true"));
    Ok(Json(detail(&state, &client, &id, refresh).await?))
}

async fn detail(state: &AppState, client: &ApiClient, id: &NumberId, refresh: bool) -> ApiResult<NumberOut> {
    let keys = numbers::keys_of(state, client, id).await?;
    if let Some((number, account)) = meta_numbers::account(state, client, id, refresh).await? {
        let mut out = views::number(&number, &keys);
        crate::server::meta::view::overlay(&mut out, &account);
        return Ok(out);
    }
    let number = numbers::get(state, client, id).await?;
    Ok(views::number(&number, &keys))
}

/// Change a number's data policy or settings
///
/// `piiMode`, `piiRetentionDays` (1–3650) and `settings` (the documented keys, merged key by
/// key; `null` clears one). The answer is the number's detail, with `settingsSync` when
/// settings were sent: which of them the number's engine now applies, which it did not take
/// now, and which nothing behind the number acts on.
#[utoipa::path(patch, path = "/numbers/{id}", tag = "numbers", request_body = PatchNumberIn, security(("api_key" = [])), params(("id" = String, Path)),
    responses(
        (status = 200, body = PatchNumberOut),
        (status = 400, body = ErrorOut, description = "VALIDATION_ERROR, EMPTY_PATCH"),
        (status = 404, body = ErrorOut, description = "NUMBER_NOT_FOUND"),
    ))]
pub async fn patch_number(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<PatchNumberIn>,
) -> ApiResult<Json<PatchNumberOut>> {
    let id = NumberId::from_trusted(id);
    let change = ProfilePatch {
        pii_mode: input.pii_mode,
        pii_retention_days: input.pii_retention_days,
        settings: input.settings,
    };
    let patched = numbers::patch(&state, &client, &id, change).await?;
    Ok(Json(PatchNumberOut {
        number: detail(&state, &client, &id, false).await?,
        settings_sync: patched.sync.map(|s| SettingsSyncOut {
            applied: s.applied,
            failed: s.failed,
            skipped: s.skipped,
        }),
    }))
}

/// Check a number's state live
///
/// Asks the engine; `stale: true` with `lastKnownAt` when it did not answer.
#[utoipa::path(get, path = "/numbers/{id}/status", tag = "numbers", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = StatusOut), (status = 404, body = ErrorOut), (status = 503, body = ErrorOut, description = "PROVIDER_NOT_CONFIGURED")))]
pub async fn number_status(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<StatusOut>> {
    let status = numbers::status(&state, &client, &NumberId::from_trusted(id)).await?;
    let n = &status.number;
    Ok(Json(StatusOut {
        id: n.id.to_string(),
        state: n.state.as_str().into(),
        is_fully_connected: n.state == crate::server::domain::NumberState::Open,
        stale: status.checked_at.is_none(),
        checked_at: status.checked_at,
        last_known_at: status.checked_at.is_none().then_some(n.updated_at),
        engine: n.engine.clone(),
    }))
}

/// Get a fresh QR and pairing code
///
/// Opens a linking window, or returns the one already open (WhatsApp allows one at a time).
/// 409 when the number is already connected, or while it moves between servers.
#[utoipa::path(get, path = "/numbers/{id}/connect", tag = "numbers", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ConnectOut), (status = 404, body = ErrorOut), (status = 400, body = ErrorOut, description = "SECONDARY_LINK_NOT_SUPPORTED for ?link=secondary"), (status = 409, body = ErrorOut, description = "NUMBER_ALREADY_CONNECTED; NUMBER_MOVING (Retry-After): the server running the number is stopping or not answering, nothing was done, try again")))]
pub async fn connect_number(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult<Json<ConnectOut>> {
    super::dual::primary_link_only(&query)?;
    let id = NumberId::from_trusted(id);
    let pairing = numbers::connect(&state, &client, &id).await?;
    let number = numbers::get(&state, &client, &id).await?;
    let link = views::pairing(&pairing).map_err(ApiError::internal)?;
    Ok(Json(ConnectOut {
        qrcode_base64: link.qrcode_base64,
        pairing_code: link.pairing_code,
        secondary_link: None,
        engine: number.engine,
        expires_at: pairing.qr.as_ref().map(|q| q.expires_at),
        window_ends_at: Some(pairing.window_ends_at),
    }))
}

/// Add a second device (not offered)
///
/// The documented dual-device upgrade: this server links one device per number, so the answer
/// is always 400 `SECONDARY_LINK_NOT_SUPPORTED` (404 for a number the key cannot see).
#[utoipa::path(post, path = "/numbers/{id}/upgrade-to-dual", tag = "numbers", security(("api_key" = [])), params(("id" = String, Path)),
    responses((status = 400, body = ErrorOut, description = "SECONDARY_LINK_NOT_SUPPORTED"), (status = 404, body = ErrorOut, description = "NUMBER_NOT_FOUND")))]
pub async fn upgrade_to_dual(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<NumberOut>> {
    numbers::get(&state, &client, &NumberId::from_trusted(id)).await?;
    Err(super::dual::secondary_not_supported())
}
