//! The shared side of the windows: what a number's page shows, written to the database by
//! the owner (`link_views`) and read by every process, and the revival of a window a page
//! here watches when it closed or its owner is gone.
use chrono::{DateTime, Utc};

use super::{
    super::{
        cluster::Owner,
        commands::{Action, Failure},
    },
    Windows,
};
use crate::server::{
    domain::NumberId,
    engines::{Engine, EngineError, LinkState, NumberCtx, reason},
    store::{Fenced, LinkView, StoreError, StoredView},
};

/// Least time between two revivals of one closed window tried from its pages' reads: the
/// streams' safety recheck, so a page that missed a notification still gets one per recheck.
const REVIVE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl Windows {
    /// The state to show for `ctx`: the shared view (our checks applied), else the engine's
    /// own. A window whose owner is gone shows as closed, unless a page here watches it: then
    /// this process takes it over, and the page sees the new window when it opens.
    pub async fn status(&self, engine: &dyn Engine, ctx: &NumberCtx) -> Result<LinkState, EngineError> {
        let stored = self
            .inner
            .store
            .link_view(&ctx.number)
            .await
            .map_err(|e| EngineError::Unavailable(e.to_string()))?;
        self.status_from(engine, ctx, stored).await
    }

    /// [`Windows::status`] from a view the caller read with the rest of its page (a page's
    /// poll reads link, number and view in one query).
    pub async fn status_from(&self, engine: &dyn Engine, ctx: &NumberCtx, stored: Option<StoredView>) -> Result<LinkState, EngineError> {
        let now = self.inner.clock.now();
        let Some((state, orphaned)) = stored.and_then(parsed) else {
            return engine.status(ctx).await;
        };
        let ended = matches!(&state, LinkState::Pairing(p) if p.window_ends_at <= now);
        // A window that ran out is its owner's to end (its sweep); a closed or orphaned one
        // is for the process whose page watches it to revive.
        // Either is tried at most every few seconds however often its pages wake (each try
        // costs a lease write, and a command when another process owns it).
        let revive = (orphaned || state.is_closed_window()) && self.revive_due(&ctx.number);
        if revive && self.watchers(&ctx.number) > 0 {
            self.spawn_revive(ctx.clone());
        }
        if ended || orphaned {
            return Ok(closed_window());
        }
        Ok(state)
    }

    /// Whether a closed window's revival may be tried again now; marks it tried.
    fn revive_due(&self, number: &NumberId) -> bool {
        let mut numbers = self.lock();
        let Some(t) = numbers.get_mut(number) else { return false };
        let now = std::time::Instant::now();
        if t.revived_at.is_some_and(|at| now.duration_since(at) < REVIVE_EVERY) {
            return false;
        }
        t.revived_at = Some(now);
        true
    }

    /// Reopens the window a page here watches when it closed, or takes it over when its
    /// owner is gone; asks the owner when there is one.
    pub(super) fn spawn_revive(&self, ctx: NumberCtx) {
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(err) = this.revive(&ctx).await {
                tracing::warn!(number.id = %ctx.number, error = %err, "could not reopen a watched linking window");
            }
        });
    }

    /// The shared view of `number` (none yet, or unreadable: `None`), and whether it is a
    /// live one whose owner is gone.
    async fn shared_view(&self, number: &NumberId) -> Result<Option<(LinkState, bool)>, StoreError> {
        Ok(self.inner.store.link_view(number).await?.and_then(parsed))
    }

    async fn revive(&self, ctx: &NumberCtx) -> Result<(), Failure> {
        // Read again: the state may have moved on since the page's read that sent us here.
        let Some((state, orphaned)) = self.shared_view(&ctx.number).await? else {
            return Ok(());
        };
        if !(orphaned || state.is_closed_window()) {
            return Ok(());
        }
        match self.inner.cluster.claim(&ctx.number).await? {
            Owner::Here if orphaned => {
                tracing::info!(number.id = %ctx.number, "taking over a linking window whose process is gone");
                let Some(engine) = self.engine_for(ctx).await else { return Ok(()) };
                self.open(engine.as_ref(), ctx, Some(ctx.phone.clone())).await?;
            }
            Owner::Here => {
                let _ = self.reopen_for(ctx, false).await;
            }
            // The owner answers "not reopened" when a cap or backoff says no: nothing to do.
            Owner::There(holder) => {
                self.inner.cluster.ask(&holder, &ctx.number, &Action::Reopen).await?;
            }
        }
        Ok(())
    }

    /// Shares `state` as what `ctx`'s page shows; with a `holder`, only while it holds the
    /// number's lease.
    pub(super) async fn save_view(&self, ctx: &NumberCtx, state: &LinkState, at: DateTime<Utc>, holder: Option<&str>) -> Fenced<()> {
        let view = LinkView {
            tenant: ctx.tenant.clone(),
            state: serde_json::to_string(state).unwrap_or_default(),
            window_ends_at: state.pairing().map(|p| p.window_ends_at),
            updated_at: at,
        };
        match self.inner.store.save_link_view(&ctx.number, &view, holder).await {
            Ok(fenced) => fenced,
            Err(err) => {
                // Not shared, but still ours: the next state shares again.
                tracing::error!(number.id = %ctx.number, error = %err, "could not share a link state");
                Fenced::Held(())
            }
        }
    }
}

/// A stored view's state, and whether it is a live one whose owner is gone.
fn parsed(stored: StoredView) -> Option<(LinkState, bool)> {
    let state = serde_json::from_str::<LinkState>(&stored.view.state).ok()?;
    let orphaned = is_live(&state) && stored.holder.is_none();
    Some((state, orphaned))
}

/// A window open, or a pairing under way: something a process runs for the number.
pub(super) fn is_live(state: &LinkState) -> bool {
    matches!(
        state,
        LinkState::Pairing(_) | LinkState::PasskeyRequired { .. } | LinkState::Paired { .. }
    )
}

pub(super) fn closed_window() -> LinkState {
    LinkState::Failed {
        reason: reason::QR_WINDOW_CLOSED.into(),
        retryable: true,
    }
}
