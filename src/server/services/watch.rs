//! A link's live state as a stream: the current snapshot at once, a new one whenever the number
//! changes (here or in another process), and an end when the number connects or the link dies.
use std::time::Duration;

use tokio::sync::{
    broadcast::{self, error::RecvError},
    mpsc,
};

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
pub async fn watch(state: AppState, token: String) -> Result<mpsc::Receiver<Update>, ApiError> {
    let first = public::resolve(&state, &token, Access::View).await?;
    let number = first.number.as_ref().map(|n| n.id.clone());
    // While this stream lives, the number's linking window is kept open (see `windows`).
    let watching = first.number.as_ref().map(|n| state.windows.watch(&super::numbers::ctx(n)));
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let _watching = watching;
        let mut changes = state.live.subscribe();
        let mut last: Option<TokenStatusOut> = None;
        loop {
            // Boxed: the snapshot's future (database reads) is large, and only lives while it
            // runs; an idle stream keeps just this loop's small state (10,000 open streams).
            let update = Box::pin(next_update(&state, &token, &mut last)).await;
            match update {
                Some(update) => {
                    let ends = matches!(update, Update::End { .. });
                    if tx.send(update).await.is_err() || ends {
                        return;
                    }
                }
                // Nothing new: sleep until this number changes, a recheck is due, or the client
                // leaves. Changes to other numbers wake every stream but cost no reads: with
                // 10,000 streams, reading on each would make every pairing 10,000 queries.
                None => {
                    if !wait_for_change(&mut changes, number.as_ref(), &tx).await {
                        return;
                    }
                }
            }
        }
    });
    Ok(rx)
}

/// Waits for a reason to look again: `false` when the stream should end.
async fn wait_for_change(changes: &mut broadcast::Receiver<NumberId>, number: Option<&NumberId>, tx: &mpsc::Sender<Update>) -> bool {
    let recheck = tokio::time::sleep(RECHECK);
    tokio::pin!(recheck);
    loop {
        tokio::select! {
            changed = changes.recv() => match changed {
                Ok(id) if Some(&id) != number => {}
                // Ours, or we missed some and one may have been ours.
                Ok(_) | Err(RecvError::Lagged(_)) => return true,
                Err(RecvError::Closed) => return false,
            },
            () = &mut recheck => return true,
            () = tx.closed() => return false,
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
