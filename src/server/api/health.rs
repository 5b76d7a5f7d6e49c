use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

use crate::server::state::AppState;

const PING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// The process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: its database answers and, if it runs one, its webhook worker is
/// alive and claiming. 503 with `code` `NOT_READY` otherwise, naming what failed.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    // A database that does not answer makes the ping wait for a pool connection; a probe
    // must answer sooner than that.
    let database = match tokio::time::timeout(PING_TIMEOUT, state.store.ping()).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {PING_TIMEOUT:?}")),
    };
    if let Err(err) = &database {
        tracing::warn!(error = %err, "readiness check failed: database");
    }
    let worker = state.webhooks.worker_status();
    if !worker.is_healthy() {
        tracing::warn!(worker = worker.as_str(), "readiness check failed: webhook worker");
    }
    let ready = database.is_ok() && worker.is_healthy();
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "database": state.store.backend(),
        "databaseOk": database.is_ok(),
        "webhookWorker": worker.as_str(),
    });
    if ready {
        (StatusCode::OK, Json(body))
    } else {
        let mut body = body;
        body["code"] = json!("NOT_READY");
        body["error"] = json!("this process cannot serve yet: see databaseOk and webhookWorker");
        (StatusCode::SERVICE_UNAVAILABLE, Json(body))
    }
}
