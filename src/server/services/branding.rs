//! The tenant's connect-page branding. Its logo may be one the tenant uploaded (`logos`).
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
    let mut next = apply_patch(&current, &patch)?;
    if let (Some(Some(_)), Some(url)) = (&patch.logo_url, &next.logo_url) {
        next.logo_url = Some(super::logos::own_logo_url(state, &client.tenant, url).await?);
    }
    state.store.save_branding(&client.tenant, &next, state.clock.now()).await?;
    let detail = serde_json::to_value(&patch).unwrap_or_default();
    super::audit::record(state, client, "branding.changed", None, detail).await;
    Ok(next)
}
