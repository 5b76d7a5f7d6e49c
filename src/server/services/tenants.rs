//! Tenants and their API keys.
use crate::server::{
    domain::{ApiKeyId, ApiKeySecret, Invalid, NumberId, TenantId},
    error::{ApiError, ApiResult},
    state::AppState,
    store::{ApiKey, NewApiKey, StoreError, Tenant},
};

/// A key just made: the only moment its secret exists in the clear.
pub struct IssuedKey {
    pub key: ApiKey,
    pub secret: ApiKeySecret,
}

pub async fn create_tenant(state: &AppState, name: &str) -> ApiResult<(Tenant, IssuedKey)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Invalid::new("name", "must be 1 to 100 characters").into());
    }
    let tenant = state.store.create_tenant(&TenantId::generate(), name, state.clock.now()).await?;
    let key = issue_key(state, &tenant.id, None).await?;
    Ok((tenant, key))
}

/// A tenant-scoped key (`number: None`) or one bound to a live number of the tenant.
pub async fn issue_key(state: &AppState, tenant: &TenantId, number: Option<&NumberId>) -> ApiResult<IssuedKey> {
    match state.store.get_tenant(tenant).await {
        Err(StoreError::NotFound) => {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "TENANT_NOT_FOUND",
                "no such tenant",
            ));
        }
        other => other?,
    };
    if let Some(number) = number {
        let found = state.store.get_number(tenant, number).await;
        if matches!(found, Err(StoreError::NotFound)) || found.as_ref().is_ok_and(|n| n.deleted_at.is_some()) {
            return Err(ApiError::number_not_found());
        }
        found?;
    }
    let secret = ApiKeySecret::generate();
    let new = NewApiKey {
        id: ApiKeyId::generate(),
        number_id: number.cloned(),
        name: if number.is_some() {
            "number key".into()
        } else {
            "tenant key".into()
        },
        hash: secret.hash(),
        last4: secret.last4(),
        at: state.clock.now(),
    };
    let key = state.store.insert_api_key(tenant, &new).await?;
    Ok(IssuedKey { key, secret })
}
