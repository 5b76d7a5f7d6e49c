//! The dashboard's view of numbers: live and restorable ones, and a number's linking window.
use super::numbers;
use crate::server::{
    auth::ApiClient,
    domain::{NumberId, NumberState},
    engines::LinkState,
    error::{ApiError, ApiResult},
    state::AppState,
    store::{Number, NumberQuery},
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

/// Deleted numbers the dashboard lists at most (the rest are restorable through the API).
const DELETED_SHOWN: usize = 50;

/// What the dashboard's numbers page shows: a page of the live numbers that match `query`,
/// whether more match, the first deleted ones still in their restore window, and the counts.
pub struct NumbersView {
    pub live: Vec<Number>,
    pub more: bool,
    pub deleted: Vec<Number>,
    pub deleted_count: usize,
    pub counts: Vec<(NumberState, i64)>,
}

pub async fn page(state: &AppState, client: &ApiClient, query: NumberQuery) -> ApiResult<NumbersView> {
    client.require_tenant_scope()?;
    let page = numbers::page(state, client, query).await?;
    let mut deleted = state.store.list_deleted_numbers(&client.tenant, state.clock.now()).await?;
    let deleted_count = deleted.len();
    deleted.truncate(DELETED_SHOWN);
    let counts = state.store.count_numbers_by_state(&client.tenant).await?;
    Ok(NumbersView {
        live: page.numbers.into_iter().map(|(n, _)| n).collect(),
        more: page.next.is_some(),
        deleted,
        deleted_count,
        counts,
    })
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
