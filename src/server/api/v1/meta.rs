//! Official numbers: bring-your-own-WABA creation and Meta's webhooks.
use axum::{
    Json,
    body::Bytes,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
};
use serde_json::{Value, json};

use crate::server::{
    api::{ErrorOut, JsonBody},
    auth::ApiClient,
    error::ApiResult,
    meta::view,
    services::{meta_numbers, meta_webhooks, numbers},
    state::AppState,
    views,
};
use crate::types::meta::{MetaNumberIn, MetaNumberOut};

/// Connect an official number with your own WABA credentials
///
/// Validates `wabaId`, `phoneNumberId` (alias `metaPhoneId`) and the permanent `accessToken`
/// live with Meta (token, WABA, the phone in it, its Cloud API registration, with `pin` when
/// it is not registered yet), subscribes our app to the WABA, stores the token encrypted and
/// creates the number `OPEN` (`number.created` + `number.connected`). The answer carries the
/// webhook URL and verify token to set in the Meta app. Bad credentials: 400 with a code
/// naming what failed (`META_TOKEN_INVALID`, `META_WABA_NOT_FOUND`, `META_PHONE_NOT_IN_WABA`,
/// `META_PIN_REQUIRED`, `META_PIN_MISMATCH`, …).
#[utoipa::path(post, path = "/numbers/meta", tag = "numbers", request_body = MetaNumberIn, security(("api_key" = [])),
    responses(
        (status = 201, body = MetaNumberOut),
        (status = 400, body = ErrorOut, description = "VALIDATION_ERROR, META_* (what Meta refused), NUMBER_MISMATCH"),
        (status = 401, body = ErrorOut),
        (status = 409, body = ErrorOut, description = "NUMBER_ALREADY_EXISTS, NUMBER_SOFT_DELETED"),
        (status = 429, body = ErrorOut, description = "META_RATE_LIMITED"),
        (status = 503, body = ErrorOut, description = "META_NOT_CONFIGURED, UPSTREAM_ERROR, UPSTREAM_TIMEOUT"),
    ))]
pub async fn create_meta_number(
    State(state): State<AppState>,
    client: ApiClient,
    JsonBody(input): JsonBody<MetaNumberIn>,
) -> ApiResult<(StatusCode, Json<MetaNumberOut>)> {
    let (number, account) = meta_numbers::create(&state, &client, input).await?;
    let keys = numbers::keys_of(&state, &client, &number.id).await?;
    let mut out = views::number(&number, &keys);
    view::overlay(&mut out, &account);
    let engine = crate::server::services::meta::engine(&state)?;
    Ok((
        StatusCode::CREATED,
        Json(MetaNumberOut {
            number: out.clone(),
            instance: out,
            webhook_url: meta_numbers::webhook_url(&state),
            verify_token: engine.verify_token().to_owned(),
        }),
    ))
}

/// Meta webhook verification
///
/// Meta calls this when the callback URL is saved: answers `hub.challenge` (text) when
/// `hub.verify_token` is this server's verify token, 403 otherwise.
#[utoipa::path(get, path = "/meta/webhook", tag = "meta",
    params(("hub.mode" = String, Query), ("hub.verify_token" = String, Query), ("hub.challenge" = String, Query)),
    responses((status = 200, description = "the challenge, as text"), (status = 403, body = ErrorOut, description = "INVALID_VERIFY_TOKEN")))]
pub async fn meta_webhook_verify(State(state): State<AppState>, Query(q): Query<Vec<(String, String)>>) -> ApiResult<String> {
    let param = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    meta_webhooks::verify(&state, param("hub.mode"), param("hub.verify_token"), param("hub.challenge"))
}

/// Meta webhook notifications
///
/// Checks `X-Hub-Signature-256` against the app secret over the raw body (401
/// `INVALID_SIGNATURE` otherwise), then applies `account_update` and
/// `phone_number_quality_update` changes to the numbers of the WABA.
#[utoipa::path(post, path = "/meta/webhook", tag = "meta", request_body(content = String, content_type = "application/json", description = "Meta's whatsapp_business_account payload, signed"),
    responses((status = 200, description = "`{ok, changed}`"), (status = 401, body = ErrorOut, description = "INVALID_SIGNATURE")))]
pub async fn meta_webhook_receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    // Our envelope, not axum's plain text, when the body is too large or unreadable.
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        let code = if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            "PAYLOAD_TOO_LARGE"
        } else {
            "VALIDATION_ERROR"
        };
        crate::server::error::ApiError::new(status, code, "the request body could not be read")
    })?;
    let signature = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok());
    let changed = meta_webhooks::receive(&state, signature, &body).await?;
    Ok(Json(json!({ "ok": true, "changed": changed })))
}
