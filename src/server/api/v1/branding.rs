//! The tenant's connect-page branding.
use axum::{Json, extract::State};

use crate::server::{
    api::{ErrorOut, JsonBody},
    auth::ApiClient,
    domain::with_absolute_logo,
    error::ApiResult,
    services::branding,
    state::AppState,
};
use crate::types::branding::{BrandingOut, BrandingPatch};

/// Get the tenant's branding
#[utoipa::path(get, path = "/branding", tag = "branding", security(("api_key" = [])),
    responses((status = 200, body = BrandingOut), (status = 403, body = ErrorOut, description = "NUMBER_SCOPE_NOT_ALLOWED")))]
pub async fn get_branding(State(state): State<AppState>, client: ApiClient) -> ApiResult<Json<BrandingOut>> {
    Ok(Json(BrandingOut {
        branding: with_absolute_logo(branding::get(&state, &client).await?, &state.public_base),
    }))
}

/// Update the tenant's branding
///
/// Every field optional: omitted stays, `null` clears. Colours `#RRGGBB`, URLs https,
/// `companyName` ≤ 60 and `subtitle` ≤ 120 characters.
#[utoipa::path(put, path = "/branding", tag = "branding", request_body = BrandingPatch, security(("api_key" = [])),
    responses((status = 200, body = BrandingOut), (status = 400, body = ErrorOut), (status = 403, body = ErrorOut)))]
pub async fn put_branding(
    State(state): State<AppState>,
    client: ApiClient,
    JsonBody(patch): JsonBody<BrandingPatch>,
) -> ApiResult<Json<BrandingOut>> {
    Ok(Json(BrandingOut {
        branding: with_absolute_logo(branding::update(&state, &client, patch).await?, &state.public_base),
    }))
}
