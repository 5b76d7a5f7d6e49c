//! HTTP surfaces other than the Leptos pages: `/v1` (and its `/api/v1` alias), health checks,
//! the OpenAPI document and its reference page.
mod docs;
mod health;
mod hooks;
mod json;
mod logos;
mod metrics;
pub mod v1;

use axum::{
    Router,
    routing::{get, post},
};
use serde::Serialize;
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
};

pub use json::JsonBody;

use super::state::AppState;

/// Every 4xx and 5xx body.
#[derive(Serialize, ToSchema)]
pub struct ErrorOut {
    /// A sentence for people.
    pub error: String,
    /// A stable `UPPER_SNAKE` code for programs.
    pub code: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pairlink API",
        description = "Hosted pairing links for WhatsApp numbers. Wire-compatible with the Pilot Status API for numbers and remote pairing. Every error body is `{error, code}`.",
    ),
    modifiers(&KeyAuth),
    components(schemas(ErrorOut)),
)]
struct ApiDoc;

struct KeyAuth;

impl Modify for KeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))));
    }
}

/// The API routes and the OpenAPI document that describes exactly them.
pub fn router(state: &AppState) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (v1, v1_doc) = v1::router(state);
    let openapi = ApiDoc::openapi().nest("/v1", v1_doc);
    let doc = std::sync::Arc::new(openapi.clone());
    let router = Router::new()
        .nest("/v1", v1.clone())
        .nest("/api/v1", v1)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/hooks/evolution/{secret}", post(hooks::evolution))
        .merge(logos::router())
        .merge(docs::router(doc));
    let router = if state.config.metrics {
        // Touching the recorder installs it, so counters recorded before the first scrape count.
        let _ = crate::server::metrics::handle();
        router.route("/metrics", get(metrics::render))
    } else {
        router
    };
    (router, openapi)
}
