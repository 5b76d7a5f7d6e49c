//! A link's live state as a stream: the current snapshot at once, a new one whenever the number
//! changes (here or in another process), and an end when the number connects or the link dies.
use std::time::Duration;

use futures::Stream;

use super::public::{self, Access};
use crate::server::{error::ApiError, live::NumberChanges, state::AppState};
use crate::types::links::TokenStatusOut;

/// A safety net under the notifications: re-check this often even when nothing was heard.
const RECHECK: Duration = Duration::from_secs(5);

pub enum Update {
    Status(Box<TokenStatusOut>),
    /// The stream is over: the number connected (`CONNECTED`) or the link died (its code).
    End {
        code: &'static str,
        message: String,
    },
}

/// Validates the token first (so a dead link is a plain 404), then streams.
///
/// The stream is the watcher: it runs inside the response body that the connection's task
/// polls, not as a task of its own behind a channel, so an idle stream costs only its state
/// here (10,000 open streams), and a page that leaves drops it, and with it the watch.
pub async fn watch(state: AppState, token: String) -> Result<impl Stream<Item = Update> + Send + 'static, ApiError> {
    let first = public::resolve(&state, &token, Access::View).await?;
    let number = first.number.as_ref().map(|n| n.id.clone());
    // While this stream lives, the number's linking window is kept open (see `windows`).
    let watching = first.number.as_ref().map(|n| state.pairing.watch(n));
    // Subscribed before the first read, so no change between the read and the wait is missed.
    let changes = match &number {
        Some(n) => state.live.subscribe_number(n),
        // A link without a number yet (Meta signup) hears only its own link's news (the
        // number its signup creates); waking for every number's change made each such page
        // a reader of the whole service's traffic.
        None => state.live.subscribe_link(&first.link.id),
    };
    let draining = state.pairing.draining();
    let watcher = Watcher {
        changes,
        draining,
        state,
        token,
        last: None,
        ended: false,
        _watching: watching,
    };
    Ok(futures::stream::unfold(watcher, |mut w| async move {
        // Ended without an `end` event: the browser reconnects, to a process that stays.
        if w.ended || stopping(&w.draining) {
            return None;
        }
        loop {
            // Boxed: the snapshot's future (database reads) is large, and only lives while it
            // runs; an idle stream keeps just the watcher.
            match Box::pin(next_update(&w.state, &w.token, &mut w.last)).await {
                Some(update) => {
                    w.ended = matches!(update, Update::End { .. });
                    return Some((update, w));
                }
                // Nothing new: sleep until this number changes or a recheck is due.
                None => {
                    wait_for_change(&mut w.changes, &mut w.draining).await;
                    if stopping(&w.draining) {
                        return None;
                    }
                }
            }
        }
    }))
}

/// One page's stream between updates.
struct Watcher {
    state: AppState,
    token: String,
    changes: NumberChanges,
    /// This process stops (see `pairing::Runtime::hand_over`).
    draining: tokio::sync::watch::Receiver<bool>,
    last: Option<TokenStatusOut>,
    /// The `end` update went out; the stream finishes.
    ended: bool,
    _watching: Option<crate::server::pairing::windows::WatchGuard>,
}

/// This process hands its pages over (or its app is gone).
fn stopping(draining: &tokio::sync::watch::Receiver<bool>) -> bool {
    *draining.borrow() || draining.has_changed().is_err()
}

/// Waits for a reason to look again: the number's (or link's) change, a recheck, or this
/// process stopping.
async fn wait_for_change(changes: &mut NumberChanges, draining: &mut tokio::sync::watch::Receiver<bool>) {
    tokio::select! {
        () = changes.changed() => {},
        () = tokio::time::sleep(RECHECK) => {},
        _ = draining.changed() => {},
    }
}

/// The next thing to tell the page, if anything changed since `last`.
async fn next_update(state: &AppState, token: &str, last: &mut Option<TokenStatusOut>) -> Option<Update> {
    if last.as_ref().is_some_and(|s| s.is_fully_connected) {
        return Some(Update::End {
            code: "CONNECTED",
            message: "the number is connected".into(),
        });
    }
    let status = match public::resolve(state, token, Access::Poll).await {
        Ok(r) => public::snapshot(state, &r).await,
        Err(e) => Err(e),
    };
    match status {
        Ok(status) if last.as_ref() == Some(&status) => None,
        // The engine saw the pairing a moment before the database stored it; the notification
        // that follows the commit brings the consistent state.
        Ok(status) if status.link_state == "connected" && !status.is_fully_connected => None,
        Ok(status) => {
            *last = Some(status.clone());
            Some(Update::Status(Box::new(status)))
        }
        Err(err) => Some(Update::End {
            code: err.code,
            message: err.message,
        }),
    }
}
