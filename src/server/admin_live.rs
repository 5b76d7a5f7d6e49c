//! `GET /admin/live`: a Server-Sent Events stream telling a signed-in dashboard which of its
//! tenant's numbers changed (state, a new QR), so its pages update without a reload.
use std::{convert::Infallible, time::Duration};

use axum::{
    Router,
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
    routing::get,
};
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::{session::TenantAdmin, state::AppState, store::StoreError};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/live", get(live))
}

/// `number` events whose data is the id of a number of the caller's tenant that changed;
/// `resync` when notifications were missed and everything should be read again.
async fn live(State(state): State<AppState>, admin: TenantAdmin) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let changes = state.live.subscribe();
    let tenant = admin.client.tenant;
    let stream = futures::stream::unfold((state, changes), move |(state, mut changes)| {
        let tenant = tenant.clone();
        async move {
            loop {
                let event = match changes.recv().await {
                    Ok(id) => match state.store.get_number(&tenant, &id).await {
                        // Purged numbers are gone for every tenant: the page that purged refreshes itself.
                        Ok(_) => Event::default().event("number").data(id.as_str()),
                        Err(StoreError::NotFound) => continue,
                        Err(err) => {
                            tracing::warn!(error = %err, "live stream could not check a number");
                            continue;
                        }
                    },
                    Err(RecvError::Lagged(_)) => Event::default().event("resync").data("lagged"),
                    Err(RecvError::Closed) => return None,
                };
                return Some((Ok(event), (state, changes)));
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("heartbeat"))
}
