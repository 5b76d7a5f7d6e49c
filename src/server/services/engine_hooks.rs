//! Webhooks engines post to us (Evolution for now): authenticated by a secret path segment
//! per deployment, read, matched to a number, and handed to that number's engine.
use axum::http::StatusCode;
use sha2::{Digest, Sha256};

use crate::server::{
    engines::evolution::{hooks::Hook, parse_instance},
    error::{ApiError, ApiResult},
    state::AppState,
    store::StoreError,
};

/// What became of a webhook (answered 200 either way, so Evolution does not retry).
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Not about a number of ours (another app's instance, a deleted number).
    Ignored,
}

/// `POST /hooks/evolution/{secret}` with Evolution's raw body.
pub async fn evolution(state: &AppState, secret: &str, body: &[u8]) -> ApiResult<Outcome> {
    let Some(engine) = state.engines.evolution() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "the Evolution engine is not enabled",
        ));
    };
    if !same_secret(secret, state.config.evolution_webhook_secret.expose()) {
        // Evolution does not retry a 401: a misconfigured URL fails loudly, once.
        return Err(ApiError::unauthorized());
    }
    let hook: Hook = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            format!("not an Evolution webhook: {e}"),
        )
    })?;
    let Some((tenant, number)) = parse_instance(&hook.instance) else {
        tracing::debug!(event = hook.event, "Evolution webhook for an instance that is not ours");
        return Ok(Outcome::Ignored);
    };
    let number = match state.store.get_number(&tenant, &number).await {
        Ok(n) if n.deleted_at.is_none() && n.engine == "evolution" => n,
        Ok(_) | Err(StoreError::NotFound) => return Ok(Outcome::Ignored),
        Err(e) => return Err(e.into()),
    };
    engine.ingest(&crate::server::engines::NumberCtx::of(&number), &hook).await;
    Ok(Outcome::Applied)
}

/// Compares digests, so the time taken says nothing about how much of the secret matched.
fn same_secret(given: &str, expected: &str) -> bool {
    !expected.is_empty() && Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes())
}
