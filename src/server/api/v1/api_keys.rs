//! `/v1/api-keys`.
use axum::{Json, extract::State, http::StatusCode};

use crate::server::{
    api::{ErrorOut, JsonBody},
    auth::ApiClient,
    domain::KEY_PREFIX,
    error::ApiResult,
    services::{api_keys, tenants::IssuedKey},
    state::AppState,
};
use crate::types::api_keys::{IssuedKeyOut, NumberKeyOut, RotateNumberKeyIn};

/// List the numbers' keys
///
/// One item per number. Keys are stored as hashes, so `key` is `null`: rotate a lost key.
#[utoipa::path(get, path = "/api-keys", tag = "api keys", security(("api_key" = [])),
    responses((status = 200, body = Vec<NumberKeyOut>), (status = 403, body = ErrorOut, description = "NUMBER_SCOPE_NOT_ALLOWED")))]
pub async fn list_api_keys(State(state): State<AppState>, client: ApiClient) -> ApiResult<Json<Vec<NumberKeyOut>>> {
    let rows = api_keys::list(&state, &client).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(n, k)| NumberKeyOut {
                number_id: n.id.to_string(),
                number: n.phone.digits().to_owned(),
                display_name: n.name.clone(),
                key_id: k.as_ref().map(|k| k.id.to_string()),
                key_last4: k.map(|k| k.last4),
                key: None,
                revealable: false,
            })
            .collect(),
    ))
}

/// Rotate a number's key
///
/// The number's previous keys stop working now; the new key is shown only in this answer.
#[utoipa::path(post, path = "/api-keys", tag = "api keys", request_body = RotateNumberKeyIn, security(("api_key" = [])),
    responses((status = 201, body = IssuedKeyOut), (status = 400, body = ErrorOut), (status = 403, body = ErrorOut), (status = 404, body = ErrorOut, description = "NUMBER_NOT_FOUND")))]
pub async fn rotate_number_key(
    State(state): State<AppState>,
    client: ApiClient,
    JsonBody(input): JsonBody<RotateNumberKeyIn>,
) -> ApiResult<(StatusCode, Json<IssuedKeyOut>)> {
    let issued = api_keys::rotate_number_key(&state, &client, input.whatsapp_number_id.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(out(issued))))
}

/// Rotate the calling key
///
/// The key that made this call stops working; the new one (same scope) is in the answer.
#[utoipa::path(post, path = "/api-keys/regenerate", tag = "api keys", security(("api_key" = [])),
    responses((status = 201, body = IssuedKeyOut), (status = 401, body = ErrorOut)))]
pub async fn regenerate_api_key(State(state): State<AppState>, client: ApiClient) -> ApiResult<(StatusCode, Json<IssuedKeyOut>)> {
    let issued = api_keys::regenerate(&state, &client).await?;
    Ok((StatusCode::CREATED, Json(out(issued))))
}

fn out(issued: IssuedKey) -> IssuedKeyOut {
    let k = issued.key;
    let number = k.number_id.as_ref().map(|n| n.to_string());
    IssuedKeyOut {
        id: k.id.to_string(),
        key_id: k.id.to_string(),
        name: k.name,
        key: issued.secret.reveal().to_owned(),
        key_prefix: KEY_PREFIX.into(),
        key_last4: k.last4,
        scope: if number.is_some() { "number".into() } else { "tenant".into() },
        number_id: number.clone(),
        whatsapp_number_id: number,
        created_at: k.created_at,
    }
}
