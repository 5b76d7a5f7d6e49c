//! Webhooks engines post to us. Outside `/v1`: they are not part of the public API.
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
};

use crate::server::{error::ApiResult, services::engine_hooks, state::AppState};

/// Evolution's `qrcode.updated`, `connection.update` and friends. 200 fast, even for events
/// we ignore: Evolution retries anything else.
pub async fn evolution(State(state): State<AppState>, Path(secret): Path<String>, body: Bytes) -> ApiResult<StatusCode> {
    engine_hooks::evolution(&state, &secret, &body).await?;
    Ok(StatusCode::OK)
}
