//! The tenant's connect-page branding.
use crate::server::{auth::ApiClient, domain::apply_patch, error::ApiResult, state::AppState};
use crate::types::branding::{Branding, BrandingPatch};

pub async fn get(state: &AppState, client: &ApiClient) -> ApiResult<Branding> {
    client.require_tenant_scope()?;
    Ok(state.store.settings(&client.tenant).await?.branding)
}

/// Omitted fields stay, `null` clears, anything invalid is a 400 naming the field.
pub async fn update(state: &AppState, client: &ApiClient, patch: BrandingPatch) -> ApiResult<Branding> {
    client.require_tenant_scope()?;
    let current = state.store.settings(&client.tenant).await?.branding;
    let next = apply_patch(&current, &patch)?;
    state.store.save_branding(&client.tenant, &next, state.clock.now()).await?;
    let detail = serde_json::to_value(&patch).unwrap_or_default();
    super::audit::record(state, client, "branding.changed", None, detail).await;
    Ok(next)
}
