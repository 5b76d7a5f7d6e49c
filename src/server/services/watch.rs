//! A link's live state as a stream: the current snapshot at once, a new one whenever the number
//! changes (here or in another process), and an end when the number connects or the link dies.
use std::time::Duration;

use futures::Stream;
use tokio::sync::broadcast::{self, error::RecvError};

use super::public::{self, Access};
use crate::server::{domain::NumberId, error::ApiError, state::AppState};
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
    let watching = first.number.as_ref().map(|n| state.windows.watch(&super::numbers::ctx(n)));
    let watcher = Watcher {
        changes: state.live.subscribe(),
        state,
        token,
        number,
        last: None,
        ended: false,
        _watching: watching,
    };
    Ok(futures::stream::unfold(watcher, |mut w| async move {
        if w.ended {
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
                // Nothing new: sleep until this number changes or a recheck is due. Changes
                // to other numbers wake every stream but cost no reads: with 10,000 streams,
                // reading on each would make every pairing 10,000 queries.
                None => {
                    if !wait_for_change(&mut w.changes, w.number.as_ref()).await {
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
    number: Option<NumberId>,
    changes: broadcast::Receiver<NumberId>,
    last: Option<TokenStatusOut>,
    /// The `end` update went out; the stream finishes.
    ended: bool,
    _watching: Option<super::windows::WatchGuard>,
}

/// Waits for a reason to look again: `false` when the stream should end (the process is
/// shutting its live channel).
async fn wait_for_change(changes: &mut broadcast::Receiver<NumberId>, number: Option<&NumberId>) -> bool {
    let recheck = tokio::time::sleep(RECHECK);
    tokio::pin!(recheck);
    loop {
        tokio::select! {
            changed = changes.recv() => match changed {
                Ok(id) if number.is_some_and(|n| *n != id) => {}
                // Ours, or we missed some and one may have been ours. A link without a number
                // yet (Meta signup) cannot tell which change is its own, so any change counts.
                Ok(_) | Err(RecvError::Lagged(_)) => return true,
                Err(RecvError::Closed) => return false,
            },
            () = &mut recheck => return true,
        }
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
    let status = match public::resolve(state, token, Access::View).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> NumberId {
        NumberId::from_trusted(s)
    }

    #[tokio::test(start_paused = true)]
    async fn only_this_numbers_changes_a_lag_or_the_recheck_wake_a_stream() {
        let (changes, mut rx) = broadcast::channel(4);
        let ours = id("num_ours");

        // Other numbers' changes do not wake it (they used to cost a read each).
        let wait = tokio::spawn({
            let (mut rx, ours) = (changes.subscribe(), ours.clone());
            async move { wait_for_change(&mut rx, Some(&ours)).await }
        });
        for i in 0..3 {
            changes.send(id(&format!("num_other_{i}"))).unwrap();
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!wait.is_finished(), "woken by another number's change");
        changes.send(ours.clone()).unwrap();
        assert!(wait.await.unwrap(), "its own change wakes it");

        // A receiver that fell behind may have missed its own change: it looks again.
        for i in 0..8 {
            changes.send(id(&format!("num_other_{i}"))).unwrap();
        }
        assert!(wait_for_change(&mut rx, Some(&ours)).await);

        // With nothing heard, the recheck wakes it.
        let mut quiet = changes.subscribe();
        let started = tokio::time::Instant::now();
        assert!(wait_for_change(&mut quiet, Some(&ours)).await);
        assert!(started.elapsed() >= RECHECK);
    }

    #[tokio::test(start_paused = true)]
    async fn a_link_without_a_number_yet_looks_again_on_any_change() {
        let (changes, mut rx) = broadcast::channel(4);
        changes.send(id("num_created_by_signup")).unwrap();
        let started = tokio::time::Instant::now();
        assert!(wait_for_change(&mut rx, None).await);
        assert!(started.elapsed() < RECHECK, "woken by the change, not the recheck");
    }

    #[tokio::test]
    async fn a_closed_live_channel_ends_the_wait() {
        let (changes, _) = broadcast::channel::<NumberId>(4);
        let mut rx = changes.subscribe();
        drop(changes);
        assert!(!wait_for_change(&mut rx, Some(&id("num_a"))).await);
    }
}
