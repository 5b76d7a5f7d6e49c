//! `GET /metrics`: the recorder's text, behind the operator's bearer token.
use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::server::{
    metrics::{ENGINE_SESSIONS, ENGINE_SESSIONS_HELP, WEBHOOK_QUEUE, WEBHOOK_QUEUE_HELP, handle},
    state::AppState,
};

/// `GET /metrics`: the Prometheus text format, for `Authorization: Bearer <metrics_token>`
/// (queue depths and session counts are the operator's business). The counters are the
/// process's recorder's; the gauges are read at the scrape from this app's own state and
/// written after them, never through the process-wide recorder: a gauge set there by one app
/// could be overwritten by another's scrape before this one renders (tests run many apps in
/// one process, and saw it).
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
    let mut text = handle().render();
    match state.store.pending_deliveries().await {
        Ok(depth) => gauge(&mut text, WEBHOOK_QUEUE, WEBHOOK_QUEUE_HELP, &[(String::new(), depth as f64)]),
        // The scrape still answers without it; `/readyz` reports the database.
        Err(err) => tracing::warn!(error = %err, "could not read the webhook queue depth"),
    }
    let sessions: Vec<(String, f64)> = state
        .engines
        .session_counts()
        .await
        .into_iter()
        .flat_map(|(engine, counts)| {
            counts
                .into_iter()
                .map(move |(link_state, count)| (format!("{{engine=\"{engine}\",state=\"{link_state}\"}}"), count as f64))
        })
        .collect();
    gauge(&mut text, ENGINE_SESSIONS, ENGINE_SESSIONS_HELP, &sessions);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response()
}

/// Appends one gauge family in the text format: `samples` are (label set, value).
fn gauge(text: &mut String, name: &str, help: &str, samples: &[(String, f64)]) {
    use std::fmt::Write;
    if samples.is_empty() {
        return;
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} gauge");
    for (labels, value) in samples {
        let _ = writeln!(text, "{name}{labels} {value}");
    }
}
