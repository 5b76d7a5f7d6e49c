//! `GET /admin/live`: a Server-Sent Events stream telling a signed-in dashboard which of its
//! tenant's numbers changed (state, a new QR), so its pages update without a reload.
use std::{convert::Infallible, time::Duration};

use axum::{
    Extension, Router,
    extract::State,
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
    routing::get,
};
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::{
    domain::TenantId,
    error::ApiError,
    live::Change,
    ratelimit::{ClientAddress, StreamOwner, StreamSlot},
    services::accounts,
    session::{self, TenantAdmin},
    state::AppState,
    store::StoreError,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/live", get(live))
}

/// `number` events whose data is the id of a number of the caller's tenant that changed;
/// `resync` when notifications were missed and everything should be read again. The stream
/// ends once its session is revoked or expires (checked every [`SESSION_RECHECK`]) and when
/// this process stops (the browser reconnects to another; a stop would otherwise wait for the
/// dashboard to close), and a session and an address may hold only a few at once.
async fn live(
    State(state): State<AppState>,
    admin: TenantAdmin,
    headers: HeaderMap,
    address: Option<Extension<ClientAddress>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let slot = state
        .limits
        .streams
        .open(StreamOwner::Session(admin.session.id.as_str()), address.map(|a| a.0))?;
    let cookie = session::cookie(&headers).unwrap_or_default().to_owned();
    let watcher = Watcher {
        changes: state.live.subscribe(),
        draining: state.pairing.draining(),
        resyncs: state.live.resyncs(),
        recheck: tokio::time::interval_at(tokio::time::Instant::now() + SESSION_RECHECK, SESSION_RECHECK),
        tenant: admin.client.tenant,
        state,
        cookie,
        _slot: slot,
    };
    let stream = futures::stream::unfold(watcher, |mut w| async move {
        loop {
            if *w.draining.borrow() {
                return None;
            }
            let event = tokio::select! {
                // It only ever flips to true, or goes with the app: either way, stop.
                _ = w.draining.changed() => return None,
                change = w.changes.recv() => match change {
                    // The change names its tenant: another tenant's costs this dashboard nothing.
                    Ok(Change { tenant: Some(tenant), .. }) if tenant != w.tenant => continue,
                    Ok(Change { number, tenant: Some(_) }) => Event::default().event("number").data(number.as_str()),
                    // From a process of an earlier version (a rolling upgrade): look it up.
                    Ok(Change { number, tenant: None }) => match w.state.store.get_number(&w.tenant, &number).await {
                        // Purged numbers are gone for every tenant: the page that purged refreshes itself.
                        Ok(_) => Event::default().event("number").data(number.as_str()),
                        Err(StoreError::NotFound) => continue,
                        Err(err) => {
                            tracing::warn!(error = %err, "live stream could not check a number");
                            continue;
                        }
                    },
                    Err(RecvError::Lagged(_)) => Event::default().event("resync").data("lagged"),
                    Err(RecvError::Closed) => return None,
                },
                // Other processes' notifications were lost (PostgreSQL's LISTEN reconnected).
                resynced = w.resyncs.changed() => match resynced {
                    Ok(()) => Event::default().event("resync").data("reconnected"),
                    Err(_) => return None,
                },
                _ = w.recheck.tick() => match accounts::session(&w.state, &w.cookie).await {
                    Ok(Some(_)) => continue,
                    // Revoked or expired: whoever holds this stream is no longer signed in.
                    Ok(None) => return None,
                    Err(err) => {
                        tracing::warn!(error = %err, "live stream could not check its session");
                        continue;
                    }
                },
            };
            return Some((Ok(event), w));
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("heartbeat")))
}

/// How often an open dashboard stream checks that its session still stands.
const SESSION_RECHECK: Duration = Duration::from_secs(5);

/// One dashboard's stream between events.
struct Watcher {
    state: AppState,
    tenant: TenantId,
    changes: tokio::sync::broadcast::Receiver<Change>,
    /// This process stops (see `pairing::Runtime::hand_over`).
    draining: tokio::sync::watch::Receiver<bool>,
    resyncs: tokio::sync::watch::Receiver<u64>,
    recheck: tokio::time::Interval,
    cookie: String,
    _slot: StreamSlot,
}
