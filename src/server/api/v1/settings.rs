//! Tenant settings and message templates.
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};

use crate::server::{
    api::{ErrorOut, JsonBody},
    auth::ApiClient,
    domain::TemplateId,
    error::ApiResult,
    services::settings,
    state::AppState,
    store::Template,
};
use crate::types::{
    numbers::OkOut,
    settings::{SettingsOut, SettingsPatch, TemplateIn, TemplateOut},
};

/// Get the tenant's settings
#[utoipa::path(get, path = "/settings", tag = "settings", security(("api_key" = [])), responses((status = 200, body = SettingsOut), (status = 403, body = ErrorOut)))]
pub async fn get_settings(State(state): State<AppState>, client: ApiClient) -> ApiResult<Json<SettingsOut>> {
    let s = settings::get(&state, &client).await?;
    Ok(Json(out_settings(s)))
}

/// Update the tenant's settings
///
/// `defaultSenderNumberId`: the number that sends links over WhatsApp (`null` clears).
#[utoipa::path(put, path = "/settings", tag = "settings", request_body = SettingsPatch, security(("api_key" = [])),
    responses((status = 200, body = SettingsOut), (status = 403, body = ErrorOut), (status = 404, body = ErrorOut, description = "NUMBER_NOT_FOUND")))]
pub async fn put_settings(
    State(state): State<AppState>,
    client: ApiClient,
    JsonBody(patch): JsonBody<SettingsPatch>,
) -> ApiResult<Json<SettingsOut>> {
    let s = settings::update(&state, &client, patch).await?;
    Ok(Json(out_settings(s)))
}

/// List templates
#[utoipa::path(get, path = "/templates", tag = "templates", security(("api_key" = [])), responses((status = 200, body = Vec<TemplateOut>)))]
pub async fn list_templates(State(state): State<AppState>, client: ApiClient) -> ApiResult<Json<Vec<TemplateOut>>> {
    Ok(Json(settings::list_templates(&state, &client).await?.iter().map(out).collect()))
}

/// Create a template
///
/// `pilot_status_remote_pairing` (category `OTP`, body with `{{link}}` and optionally
/// `{{name}}`) is the one pairing links are sent with.
#[utoipa::path(post, path = "/templates", tag = "templates", request_body = TemplateIn, security(("api_key" = [])),
    responses((status = 201, body = TemplateOut), (status = 400, body = ErrorOut), (status = 409, body = ErrorOut, description = "TEMPLATE_ALREADY_EXISTS")))]
pub async fn create_template(
    State(state): State<AppState>,
    client: ApiClient,
    JsonBody(input): JsonBody<TemplateIn>,
) -> ApiResult<(StatusCode, Json<TemplateOut>)> {
    let t = settings::create_template(&state, &client, input).await?;
    Ok((StatusCode::CREATED, Json(out(&t))))
}

/// Get a template
#[utoipa::path(get, path = "/templates/{id}", tag = "templates", params(("id" = String, Path)), security(("api_key" = [])),
    responses((status = 200, body = TemplateOut), (status = 404, body = ErrorOut, description = "TEMPLATE_NOT_FOUND")))]
pub async fn get_template(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<TemplateOut>> {
    Ok(Json(out(
        &settings::get_template(&state, &client, &TemplateId::from_trusted(id)).await?
    )))
}

/// Update a template
///
/// Name, language and body; the category is fixed at creation.
#[utoipa::path(put, path = "/templates/{id}", tag = "templates", request_body = TemplateIn, params(("id" = String, Path)), security(("api_key" = [])),
    responses((status = 200, body = TemplateOut), (status = 400, body = ErrorOut), (status = 404, body = ErrorOut)))]
pub async fn put_template(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TemplateIn>,
) -> ApiResult<Json<TemplateOut>> {
    Ok(Json(out(&settings::update_template(
        &state,
        &client,
        &TemplateId::from_trusted(id),
        input,
    )
    .await?)))
}

/// Delete a template
#[utoipa::path(delete, path = "/templates/{id}", tag = "templates", params(("id" = String, Path)), security(("api_key" = [])),
    responses((status = 200, body = OkOut), (status = 404, body = ErrorOut)))]
pub async fn delete_template(State(state): State<AppState>, client: ApiClient, Path(id): Path<String>) -> ApiResult<Json<OkOut>> {
    settings::delete_template(&state, &client, &TemplateId::from_trusted(id)).await?;
    Ok(Json(OkOut { ok: true }))
}

fn out_settings(s: crate::server::store::TenantSettings) -> SettingsOut {
    SettingsOut {
        default_sender_number_id: s.default_sender.map(|n| n.to_string()),
        embed_origins: s.embed_origins,
        engine: s.engine,
        repair_link_on_disconnect: s.repair_link_on_disconnect,
        number_keys_send_links: s.number_keys_send_links,
        official_fallback: s.official_fallback,
    }
}

fn out(t: &Template) -> TemplateOut {
    TemplateOut {
        id: t.id.to_string(),
        name: t.name.clone(),
        category: t.category.clone(),
        language: t.language.clone(),
        body: t.body.clone(),
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}
