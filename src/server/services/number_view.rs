//! The dashboard's view of numbers: live and restorable ones, and a number's linking window.
use super::numbers;
use crate::server::{
    auth::ApiClient,
    domain::{NumberId, NumberState},
    engines::LinkState,
    error::{ApiError, ApiResult},
    state::AppState,
    store::{Number, NumberQuery, StoreError},
    views,
};
use crate::types::admin::PairingView;

/// A picker's choices: at most `CHOICES` live numbers that match `search` (a piece of the
/// name, digits of the phone, or an id), oldest first, and the chosen number (by id) when it
/// is a live number of the tenant, so a form can show what it holds.
pub async fn choices(state: &AppState, client: &ApiClient, search: &str, chosen: &str) -> ApiResult<(Vec<Number>, Option<Number>)> {
    client.require_tenant_scope()?;
    let params = [("q".to_owned(), search.to_owned()), ("limit".to_owned(), CHOICES.to_string())];
    let query = super::number_list::query_of(&params)?;
    let matches = state.store.list_numbers_page(&client.tenant, &query).await?;
    let chosen = match chosen.trim() {
        "" => None,
        id => match state.store.get_number(&client.tenant, &NumberId::from_trusted(id)).await {
            Ok(n) if n.deleted_at.is_none() => Some(n),
            Ok(_) | Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
    };
    Ok((matches, chosen))
}

/// How many numbers a picker offers at once: enough to pick from, few enough to send as
/// the user types.
pub const CHOICES: u32 = 20;

/// Deleted numbers the dashboard lists at most (the rest are restorable through the API).
const DELETED_SHOWN: i64 = 10;

/// What the dashboard's numbers page shows: a page of the live numbers that match `query`,
/// whether more match, the first deleted ones still in their restore window, and the counts.
pub struct NumbersView {
    pub live: Vec<Number>,
    pub more: bool,
    pub deleted: Vec<Number>,
    pub deleted_count: i64,
    pub counts: Vec<(NumberState, i64)>,
}

pub async fn page(state: &AppState, client: &ApiClient, query: NumberQuery) -> ApiResult<NumbersView> {
    client.require_tenant_scope()?;
    let page = numbers::page(state, client, query).await?;
    let now = state.clock.now();
    let deleted = state.store.list_deleted_numbers(&client.tenant, now, DELETED_SHOWN).await?;
    // Counted apart: the list reads at most 50 rows however many wait in their window.
    let deleted_count = state.store.count_deleted_numbers(&client.tenant, now).await?;
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
