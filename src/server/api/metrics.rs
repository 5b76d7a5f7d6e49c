//! `GET /metrics`: the recorder's text, behind the operator's bearer token.
use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::server::{
    metrics::{ENGINE_SESSIONS, WEBHOOK_QUEUE, handle},
    state::AppState,
};

/// `GET /metrics`: the Prometheus text format, for `Authorization: Bearer <metrics_token>`
/// (queue depths and session counts are the operator's business). Gauges of shared state are
/// refreshed first.
pub async fn render(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    use subtle::ConstantTimeEq;
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().as_bytes())
        .unwrap_or_default();
    let expected = state.config.metrics_token.expose().as_bytes();
    if expected.is_empty() || !bool::from(presented.ct_eq(expected)) {
        return crate::server::error::ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "/metrics needs Authorization: Bearer <metrics_token>",
        )
        .into_response();
    }
    match state.store.pending_deliveries().await {
        Ok(depth) => ::metrics::gauge!(WEBHOOK_QUEUE).set(depth as f64),
        // The scrape still answers; the stale gauge is better than no metrics at all, and
        // `/readyz` reports the database.
        Err(err) => tracing::warn!(error = %err, "could not read the webhook queue depth"),
    }
    for (engine, counts) in state.engines.session_counts().await {
        for (link_state, count) in counts {
            ::metrics::gauge!(ENGINE_SESSIONS, "engine" => engine, "state" => link_state).set(count as f64);
        }
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        handle().render(),
    )
        .into_response()
}
