//! The dashboard's view of numbers: live and restorable ones, and a number's linking window.
use super::numbers;
use crate::server::{
    auth::ApiClient,
    domain::{NumberId, NumberState},
    engines::LinkState,
    error::{ApiError, ApiResult},
    state::AppState,
    store::Number,
    views,
};
use crate::types::admin::PairingView;

/// Live numbers, and deleted numbers still in their restore window.
pub async fn all(state: &AppState, client: &ApiClient) -> ApiResult<(Vec<Number>, Vec<Number>)> {
    client.require_tenant_scope()?;
    let live = state.store.list_numbers(&client.tenant).await?;
    let deleted = state.store.list_deleted_numbers(&client.tenant, state.clock.now()).await?;
    Ok((live, deleted))
}

/// The number's state and, while a window is open, its QR and code. Opens nothing.
pub async fn pairing(state: &AppState, client: &ApiClient, id: &NumberId) -> ApiResult<PairingView> {
    let number = numbers::get(state, client, id).await?;
    let live = match state.engines.get(&number.engine) {
        // The shared view, as the connect page reads it: the same QR on every process, not
        // only on the one that runs the window.
        Some(engine) if number.state != NumberState::Open => state.pairing.status(engine.as_ref(), &number).await,
        _ => LinkState::Idle,
    };
    let failure = match &live {
        LinkState::Failed { reason, .. } | LinkState::LoggedOut { reason } => Some(reason.clone()),
        _ => None,
    };
    let pairing = live.pairing().filter(|_| number.state != NumberState::Open);
    let shown = pairing.map(views::pairing).transpose().map_err(ApiError::internal)?;
    Ok(PairingView {
        state: number.state.as_str().into(),
        qr: shown.as_ref().and_then(|s| s.qrcode_base64.clone()),
        code: shown.and_then(|s| s.pairing_code),
        seconds_left: pairing.map_or(0, |p| (p.window_ends_at - state.clock.now()).num_seconds().max(0)),
        failure,
    })
}
