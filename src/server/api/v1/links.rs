//! Hosted pairing links, as the platform's backend calls them.
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};

use crate::server::{
    api::{ErrorOut, JsonBody},
    auth::ApiClient,
    domain::NumberId,
    error::ApiResult,
    services::links::{self, IssuedLink},
    state::AppState,
    views,
};
use crate::types::{
    links::{ReissueLinkIn, RemotePairingIn, RemotePairingOut},
    numbers::OkOut,
};

/// Create a hosted pairing link
///
/// Creates the number in `CLOSE` (no QR yet) and a link for its owner to open. The page
/// behind the link pairs the number; `number.connected` follows. With `sendViaWhatsApp` the
/// link is also sent to the number from the tenant's default sender; a failed send never fails
/// this call (`messageSent: false` and `messageError`).
#[utoipa::path(post, path = "/numbers/remote-pairing", tag = "remote pairing", request_body = RemotePairingIn, security(("api_key" = [])),
    responses(
        (status = 201, body = RemotePairingOut),
        (status = 400, body = ErrorOut, description = "VALIDATION_ERROR, FEATURE_NOT_SUPPORTED"),
        (status = 401, body = ErrorOut),
        (status = 409, body = ErrorOut, description = "NUMBER_ALREADY_EXISTS, NUMBER_SOFT_DELETED"),
        (status = 503, body = ErrorOut, description = "PROVIDER_NOT_CONFIGURED"),
    ))]
pub async fn create_link(
    State(state): State<AppState>,
    client: ApiClient,
    JsonBody(input): JsonBody<RemotePairingIn>,
) -> ApiResult<(StatusCode, Json<RemotePairingOut>)> {
    let issued = links::create(&state, &client, input).await?;
    Ok((StatusCode::CREATED, Json(out(&state, &client, issued).await?)))
}

/// Issue a new link for a number
///
/// For a number that is not connected; its previous link stops working.
#[utoipa::path(post, path = "/numbers/{id}/remote-pairing", tag = "remote pairing", request_body = ReissueLinkIn, params(("id" = String, Path)), security(("api_key" = [])),
    responses(
        (status = 201, body = RemotePairingOut),
        (status = 400, body = ErrorOut),
        (status = 404, body = ErrorOut, description = "NUMBER_NOT_FOUND"),
        (status = 409, body = ErrorOut, description = "NUMBER_ALREADY_CONNECTED"),
    ))]
pub async fn reissue_link(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ReissueLinkIn>,
) -> ApiResult<(StatusCode, Json<RemotePairingOut>)> {
    let issued = links::reissue(&state, &client, &NumberId::from_trusted(id), input).await?;
    Ok((StatusCode::CREATED, Json(out(&state, &client, issued).await?)))
}

/// Revoke a number's link
#[utoipa::path(delete, path = "/numbers/{id}/remote-pairing", tag = "remote pairing", params(("id" = String, Path)), security(("api_key" = [])),
    responses((status = 200, body = OkOut), (status = 404, body = ErrorOut, description = "NUMBER_NOT_FOUND, LINK_NOT_FOUND")))]
pub async fn revoke_link(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<OkOut>> {
    links::revoke(&state, &client, &NumberId::from_trusted(id)).await?;
    Ok(Json(OkOut { ok: true }))
}

async fn out(state: &AppState, client: &ApiClient, issued: IssuedLink) -> ApiResult<RemotePairingOut> {
    let instance = match &issued.number {
        Some(n) => Some(views::number(
            n,
            &crate::server::services::numbers::keys_of(state, client, &n.id).await?,
        )),
        None => None,
    };
    let (message_sent, message_error) = match issued.message {
        Some(Ok(())) => (true, None),
        Some(Err(code)) => (false, Some(code)),
        None => (false, None),
    };
    Ok(RemotePairingOut {
        provider: issued.link.provider.as_str().into(),
        instance,
        number_id: issued.number.as_ref().map(|n| n.id.to_string()),
        remote_pairing_token: issued.token.reveal().to_owned(),
        remote_pairing_url: issued.url,
        masked_number: issued.number.as_ref().map(|n| n.phone.masked()),
        message_sent,
        message_error,
        linked_api_key_id: issued.linked_key.map(|k| k.to_string()),
        expires_at: issued.link.expires_at,
    })
}
