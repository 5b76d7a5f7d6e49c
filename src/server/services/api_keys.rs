//! API keys over REST: list (one per number), rotate a number's key, rotate the calling key.
use super::{numbers, tenants::IssuedKey};
use crate::server::{
    auth::ApiClient,
    domain::{ApiKeyId, ApiKeySecret, Invalid, NumberId},
    error::{ApiError, ApiResult},
    state::AppState,
    store::{ApiKey, NewApiKey, Number, StoreError},
};

/// The tenant's live numbers with their current key (if any).
pub async fn list(state: &AppState, client: &ApiClient) -> ApiResult<Vec<(Number, Option<ApiKey>)>> {
    client.require_tenant_scope()?;
    let keys = state.store.list_api_keys(&client.tenant).await?;
    let numbers = state.store.list_numbers(&client.tenant).await?;
    Ok(numbers
        .into_iter()
        .map(|n| {
            let key = keys.iter().rev().find(|k| k.number_id.as_ref() == Some(&n.id)).cloned();
            (n, key)
        })
        .collect())
}

/// Replaces a number's key: the old ones stop working at once.
pub async fn rotate_number_key(state: &AppState, client: &ApiClient, number: Option<&str>) -> ApiResult<IssuedKey> {
    client.require_tenant_scope()?;
    let id = number
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Invalid::new("whatsappNumberId", "is required"))?;
    let number = numbers::get(state, client, &NumberId::from_trusted(id)).await?;
    let (new, secret) = new_key(state, Some(number.id.clone()));
    let key = state.store.replace_number_keys(&client.tenant, &number.id, &new).await?;
    Ok(IssuedKey { key, secret })
}

/// Replaces the key that made this call, keeping its scope.
pub async fn regenerate(state: &AppState, client: &ApiClient) -> ApiResult<IssuedKey> {
    let key = client.key().ok_or_else(ApiError::unauthorized)?;
    let (new, secret) = new_key(state, client.number.clone());
    match state.store.rotate_api_key(&client.tenant, key, &new).await {
        Ok(key) => Ok(IssuedKey { key, secret }),
        Err(StoreError::NotFound) => Err(ApiError::unauthorized()),
        Err(e) => Err(e.into()),
    }
}

fn new_key(state: &AppState, number: Option<NumberId>) -> (NewApiKey, ApiKeySecret) {
    let secret = ApiKeySecret::generate();
    let new = NewApiKey {
        id: ApiKeyId::generate(),
        name: if number.is_some() {
            "number key".into()
        } else {
            "tenant key".into()
        },
        number_id: number,
        hash: secret.hash(),
        last4: secret.last4(),
        at: state.clock.now(),
    };
    (new, secret)
}
