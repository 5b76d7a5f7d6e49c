//! The sweeper: reports each expired link once (`link.expired`), on any number of processes
//! (the number keeps its state; an expired link simply stops working), and tries again the
//! coexistence synchronisations a passing Meta failure left undone.
use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;

use crate::server::pairing::events::{LINK_EXPIRED, link_event};
use crate::server::{state::AppState, store::StoreError};

const BATCH: i64 = 100;

/// Reports the links that expired since the last sweep; returns how many this call reported.
pub async fn sweep_expired(state: &AppState) -> Result<usize, StoreError> {
    let now = state.clock.now();
    let mut reported = 0;
    loop {
        let due = state.store.links_due_for_expiry(now, BATCH).await?;
        let fetched = due.len();
        for link in due {
            let number = match &link.number_id {
                Some(id) => state.store.get_number(&link.tenant_id, id).await.ok(),
                None => None,
            };
            let event = link_event(LINK_EXPIRED, &link, number.as_ref().map(Into::into), now, json!({}));
            // Another process may have reported it between our read and this write.
            if state.store.mark_link_expired(&link.tenant_id, &link.id, &event).await? {
                reported += 1;
                crate::server::metrics::link_event("expired");
                if let Some(number) = &number {
                    state.live.notify(&number.tenant_id, &number.id).await;
                }
            }
        }
        if fetched < BATCH as usize {
            return Ok(reported);
        }
    }
}

/// Sweeps every `interval` until `stop` changes.
pub fn spawn(state: AppState, interval: Duration, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => return,
            }
            state.pairing.sweep().await;
            match sweep_expired(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(count = n, "expired links reported"),
                Err(err) => tracing::warn!(error = %err, "expiry sweep failed; will retry"),
            }
            match super::coexistence::retry_due(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(count = n, "coexistence synchronisations tried again"),
                Err(err) => tracing::warn!(error = %err, "coexistence retries failed; will retry"),
            }
        }
    })
}
