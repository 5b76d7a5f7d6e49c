//! `/v1`: the documented REST API.
mod api_keys;
mod branding;
mod dual;
mod lifecycle;
mod links;
mod meta;
mod number_lists;
mod numbers;
mod passkey;
mod public;
mod sandbox;
mod settings;
mod webhook_actions;
mod webhook_logs;
mod webhooks;

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request},
    http::StatusCode,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::server::{error::ApiError, state::AppState};

pub fn router(state: &AppState) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::new()
        .routes(routes!(numbers::create_number, number_lists::list_numbers))
        .routes(routes!(number_lists::export_numbers))
        .routes(routes!(numbers::get_number, numbers::patch_number))
        .routes(routes!(numbers::number_status))
        .routes(routes!(numbers::connect_number))
        .routes(routes!(numbers::upgrade_to_dual))
        .routes(routes!(lifecycle::delete_number))
        .routes(routes!(lifecycle::restore_number))
        .routes(routes!(lifecycle::purge_number))
        .routes(routes!(lifecycle::number_events))
        .routes(routes!(sandbox::sandbox_scan))
        .routes(routes!(sandbox::sandbox_unlink))
        .routes(routes!(sandbox::sandbox_passkey))
        .routes(routes!(sandbox::sandbox_fail))
        .routes(routes!(sandbox::sandbox_messages))
        .routes(routes!(sandbox::sandbox_expire_link))
        .routes(routes!(links::create_link))
        .routes(routes!(links::reissue_link, links::revoke_link))
        .routes(routes!(public::link_info))
        .routes(routes!(public::link_connect))
        .routes(routes!(public::link_status))
        .routes(routes!(public::link_events))
        .routes(routes!(public::link_branding))
        .routes(routes!(public::link_meta_embedded))
        .routes(routes!(public::link_meta_credentials))
        .routes(routes!(passkey::handoff))
        .routes(routes!(passkey::claim))
        .routes(routes!(passkey::ceremony))
        .routes(routes!(passkey::assertion))
        .routes(routes!(passkey::confirm))
        .routes(routes!(branding::get_branding, branding::put_branding))
        .routes(routes!(api_keys::list_api_keys, api_keys::rotate_number_key))
        .routes(routes!(api_keys::regenerate_api_key))
        .routes(routes!(settings::get_settings, settings::put_settings))
        .routes(routes!(settings::list_templates, settings::create_template))
        .routes(routes!(settings::get_template, settings::put_template, settings::delete_template))
        .routes(routes!(webhooks::create_webhook, webhooks::list_webhooks))
        .routes(routes!(webhooks::get_webhook, webhooks::update_webhook, webhooks::delete_webhook))
        .routes(routes!(webhook_logs::webhook_logs))
        .routes(routes!(webhook_logs::retry_delivery))
        .routes(routes!(webhook_actions::rotate_webhook_secret))
        .routes(routes!(webhook_actions::send_test_event))
        .routes(routes!(meta::create_meta_number))
        .routes(routes!(meta::meta_webhook_verify, meta::meta_webhook_receive))
        .split_for_parts();
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::server::throttle::limit));
    (router, doc)
}

async fn not_found(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("no such endpoint: {} {}", req.method(), req.uri().path()),
    )
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
}
