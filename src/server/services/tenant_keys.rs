//! API keys as the dashboard manages them: named tenant keys created (secret shown once) and
//! revoked. `key_view` lists them a page at a time.
use axum::http::StatusCode;
use serde_json::json;

use super::{audit, tenants::IssuedKey};
use crate::server::{
    auth::ApiClient,
    domain::{ApiKeyId, ApiKeySecret, Invalid},
    error::{ApiError, ApiResult},
    state::AppState,
    store::{NewApiKey, StoreError},
};

/// A new tenant-scoped key called `name`.
pub async fn create(state: &AppState, client: &ApiClient, name: &str) -> ApiResult<IssuedKey> {
    client.require_tenant_scope()?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Invalid::new("name", "must be 1 to 60 characters").into());
    }
    let secret = ApiKeySecret::generate();
    let new = NewApiKey {
        id: ApiKeyId::generate(),
        number_id: None,
        name: name.to_owned(),
        hash: secret.hash(),
        last4: secret.last4(),
        at: state.clock.now(),
    };
    let key = state.store.insert_api_key(&client.tenant, &new).await?;
    audit::record(
        state,
        client,
        "key.created",
        Some(key.id.as_str()),
        json!({ "name": key.name, "last4": key.last4 }),
    )
    .await;
    Ok(IssuedKey { key, secret })
}

/// Stops a key at once. A key cannot revoke itself this way (it would lock its caller out
/// mid-call); the REST API's regenerate does that.
pub async fn revoke(state: &AppState, client: &ApiClient, id: &ApiKeyId) -> ApiResult<()> {
    client.require_tenant_scope()?;
    if client.key() == Some(id) {
        return Err(ApiError::conflict(
            "KEY_IN_USE",
            "a key cannot revoke itself; use another key or the dashboard",
        ));
    }
    match state.store.revoke_api_key(&client.tenant, id, state.clock.now()).await {
        Err(StoreError::NotFound) => Err(ApiError::new(StatusCode::NOT_FOUND, "KEY_NOT_FOUND", "no such API key")),
        Err(e) => Err(e.into()),
        Ok(()) => {
            audit::record(state, client, "key.revoked", Some(id.as_str()), json!({})).await;
            Ok(())
        }
    }
}
