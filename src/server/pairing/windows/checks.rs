//! What engines report, checked before anyone hears of it: a phone other than the number's
//! own is refused and unlinked, the window's bookkeeping is updated (reopen when watched, the
//! pairing code once the socket is up, backoff after throttling), and the result is shared
//! (`shared`) and forwarded to the store sink. What an engine that runs its sessions here
//! reports is fenced: written only while this process holds the number's lease; a process
//! that lost it writes nothing and stops what it runs for the number at once.
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Backoff, MAX_BACKOFF, Windows};
use crate::server::{
    engines::{EngineEvent, EngineKind, EventSink, LinkState, NumberCtx, reason},
    store::Fenced,
};

impl Windows {
    /// Applies our checks and bookkeeping to an engine's event, then forwards it.
    pub(super) async fn publish_checked(&self, from: EngineKind, ctx: NumberCtx, state: LinkState, at: DateTime<Utc>) {
        let state = self.check_phone(&ctx, state);
        let Some(state) = self.track(&ctx, state) else { return };
        // Written before it is announced, so every process that hears of it reads it.
        let holder = from.runs_here().then(|| self.inner.cluster.holder());
        if self.save_view(&ctx, &state, at, holder).await == Fenced::Lost {
            return self.fenced_off(from, ctx);
        }
        let ended = !state.runs_a_client();
        let number = ctx.clone();
        self.inner
            .next
            .publish(EngineEvent {
                from,
                number: ctx,
                state,
                at,
            })
            .await;
        if ended {
            // Nothing runs here for the number any more: whoever needs it next takes it.
            self.release_if_idle(from, number);
        }
    }

    /// Gives the lease up once nothing runs for the number, looked at in the number's turn:
    /// a window opened since this ending (the engine was still publishing it) keeps it.
    fn release_if_idle(&self, from: EngineKind, ctx: NumberCtx) {
        let this = self.clone();
        // Engines publish while holding their own locks: look from another task.
        tokio::spawn(async move {
            let cluster = &this.inner.cluster;
            if !from.runs_here() {
                // Its sessions live elsewhere (Evolution): no client here to look at.
                return cluster.release(&ctx.number).await;
            }
            let _turn = cluster.turn(&ctx.number).await;
            let Some(engine) = this.engines().and_then(|e| e.get(from.as_str())) else {
                return;
            };
            if !engine.status(&ctx).await.is_ok_and(|s| s.runs_a_client()) {
                cluster.release(&ctx.number).await;
            }
        });
    }

    /// This process reported on a number whose lease it does not hold. Held by another
    /// process: this one lost it, and stops running it at once and without a word (the new
    /// owner speaks for the number now). Held by nobody: a late word from a window or session
    /// that already ended here (its lease went with it), dropped, and nothing is stopped: a
    /// new window may already run.
    fn fenced_off(&self, from: EngineKind, ctx: NumberCtx) {
        let this = self.clone();
        // Engines publish while holding their own locks: look and stop from another task.
        tokio::spawn(async move {
            let cluster = &this.inner.cluster;
            let elsewhere = match cluster.holder_of(&ctx.number).await {
                Ok(Some(holder)) => holder != cluster.holder(),
                _ => false,
            };
            // Taken back since (a new window here): nothing to stop.
            if !elsewhere || cluster.owns(&ctx.number) {
                return;
            }
            tracing::warn!(number.id = %ctx.number, "another process holds this number now; stopping what runs for it here");
            this.forget(&ctx.number);
            if let Some(engine) = this.engines().and_then(|e| e.get(from.as_str())) {
                engine.let_go(&ctx).await;
            }
        });
    }

    /// A phone other than the number's own is refused (`wrong_number`) and unlinked.
    fn check_phone(&self, ctx: &NumberCtx, state: LinkState) -> LinkState {
        let phone = match &state {
            LinkState::Paired { phone_digits } | LinkState::Connected { phone_digits } => phone_digits,
            _ => return state,
        };
        // An engine that cannot tell the phone (empty) is trusted.
        if phone.is_empty() || phone == ctx.phone.digits() {
            return state;
        }
        tracing::warn!(number.id = %ctx.number, "a different phone paired; refusing it");
        let this = self.clone();
        let ctx = ctx.clone();
        tokio::spawn(async move {
            if let Some(engine) = this.engine_for(&ctx).await
                && let Err(err) = engine.logout(&ctx).await
            {
                tracing::warn!(number.id = %ctx.number, error = %err, "unlinking a wrong phone failed");
            }
        });
        LinkState::Failed {
            reason: reason::WRONG_NUMBER.into(),
            retryable: true,
        }
    }

    /// Records `state`; returns what to publish (`None` to swallow an echo of a refusal).
    fn track(&self, ctx: &NumberCtx, state: LinkState) -> Option<LinkState> {
        let now = self.inner.clock.now();
        let mut numbers = self.lock();
        let t = numbers.entry(ctx.number.clone()).or_default();
        t.ctx = Some(ctx.clone());
        let refusal = matches!(&state, LinkState::Failed { reason: why, .. } if why == reason::WRONG_NUMBER);
        if t.refused && !refusal && !matches!(state, LinkState::Pairing(_)) {
            // The unlinking we asked for, coming back as "logged out": keep the reason.
            return None;
        }
        t.refused = refusal;
        let mut reopen = false;
        let mut code = None;
        match &state {
            LinkState::Pairing(p) => {
                t.window_ends_at = Some(p.window_ends_at);
                // Only a code shows WhatsApp stopped throttling us (a QR comes regardless).
                if p.code.is_some() {
                    t.backoff = None;
                }
                // An engine whose QR comes later (not in `link`'s answer): ask for the code
                // now that the socket is up. `open` does it itself while busy.
                if !t.busy && p.qr.is_some() && p.code.is_none() && !t.code_requested && t.code_for.is_some() {
                    t.code_requested = true;
                    code = t.code_for.clone();
                }
            }
            // WhatsApp waits for the passkey past the QR window (ten minutes): so does the
            // window, or the sweep would close it under a person confirming on their phone.
            LinkState::PasskeyRequired { expires_at, .. } => t.window_ends_at = *expires_at,
            LinkState::Paired { .. } | LinkState::Disconnected { .. } => {}
            closed if closed.is_closed_window() => {
                t.window_ends_at = None;
                if matches!(closed, LinkState::Failed { reason: why, .. } if why == reason::THROTTLED) {
                    let base = self.inner.caps.backoff;
                    let wait = t.backoff.map_or(base, |b| b.next).min(MAX_BACKOFF);
                    t.backoff = Some(Backoff {
                        until: now + wait,
                        next: (wait * 2).min(MAX_BACKOFF),
                    });
                }
                reopen = t.watchers > 0 && !t.busy;
            }
            _ => {
                t.window_ends_at = None;
                t.code_for = None;
                t.backoff = None;
            }
        }
        t.closed = state.is_closed_window();
        // Settled and unwatched: nothing left to orchestrate, and the engine answers for it.
        let settled = matches!(
            state,
            LinkState::Connected { .. } | LinkState::LoggedOut { .. } | LinkState::Disconnected { .. } | LinkState::Idle
        );
        if settled && t.watchers == 0 && !t.busy {
            numbers.remove(&ctx.number);
        }
        drop(numbers);
        // Engines publish while holding their own locks: act on them from another task.
        if reopen {
            let (this, number) = (self.clone(), ctx.number.clone());
            tokio::spawn(async move {
                let _ = this.reopen_watched(&number, false).await;
            });
        }
        if let Some(phone) = code {
            let (this, ctx) = (self.clone(), ctx.clone());
            tokio::spawn(async move {
                if let Some(engine) = this.engine_for(&ctx).await {
                    this.request_code(engine.as_ref(), &ctx, phone).await;
                }
            });
        }
        Some(state)
    }
}

#[async_trait]
impl EventSink for Windows {
    async fn publish(&self, event: EngineEvent) {
        self.publish_checked(event.from, event.number, event.state, event.at).await;
    }
}
