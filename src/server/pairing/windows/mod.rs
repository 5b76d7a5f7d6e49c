//! Linking windows on demand, the same for every engine. A link holds no socket while nobody
//! is on its page: `connect` opens a window (a QR, then the pairing code once the socket is
//! up), an SSE watcher keeps it going (a window that closes while watched opens again by
//! itself, within caps per link and per tenant), and a window nobody watches is closed when
//! it ends. Every engine event passes through here first: the expected phone is checked
//! (another phone is refused with `wrong_number` and unlinked) before the store hears of it.
//!
//! What the page shows is shared: each state is written to the database (`link_views`) before
//! it is announced, so every process serves the same QR and code. The orchestration (caps,
//! backoff, the code request) runs on the process that owns the window (see `cluster`). A
//! page on another process keeps its window going from there: when the window it shows has
//! closed, or its owner is gone, its process asks the owner for the next one or takes it over.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use chrono::{DateTime, Duration, Utc};

mod checks;
mod shared;

use self::shared::closed_window;
use super::cluster::{Cluster, Owner};
use crate::server::{
    clock::Clock,
    domain::{NumberId, PhoneE164},
    engines::{Engine, EngineError, Engines, EventSink, LinkRequest, LinkState, NumberCtx},
    store::Store,
};

/// A window with less than this left is not handed to someone who asks for a code: they get
/// a fresh one.
const FRESH_FOR: Duration = Duration::seconds(5);

/// Longest wait between attempts after WhatsApp throttles us.
const MAX_BACKOFF: Duration = Duration::minutes(15);

#[derive(Clone, Copy, Debug)]
pub struct Caps {
    /// Automatic reopenings per link since its page last asked (`connect`).
    pub reopens_per_link: u32,
    /// Windows one tenant may have open at once when one more would open by itself.
    pub windows_per_tenant: u32,
    /// First wait after throttling; doubles each time, up to 15 minutes.
    pub backoff: Duration,
}

#[derive(Clone)]
pub struct Windows {
    inner: Arc<Inner>,
}

struct Inner {
    next: Arc<dyn EventSink>,
    store: Arc<dyn Store>,
    engines: OnceLock<Engines>,
    clock: Arc<dyn Clock>,
    caps: Caps,
    cluster: Cluster,
    numbers: Mutex<HashMap<NumberId, Tracked>>,
}

#[derive(Default)]
struct Tracked {
    ctx: Option<NumberCtx>,
    watchers: usize,
    /// When the live window ends; `None` when no window is open.
    window_ends_at: Option<DateTime<Utc>>,
    /// The phone a pairing code is wanted for in this window, and whether it was asked for.
    code_for: Option<PhoneE164>,
    code_requested: bool,
    reopens: u32,
    backoff: Option<Backoff>,
    /// An open, reopen or close is under way; others wait their turn.
    busy: bool,
    /// A wrong phone was refused: its logout echo must not overwrite the reason.
    refused: bool,
    /// The last window closed (ran out, or was refused) and none is open.
    closed: bool,
    /// When a page's read last tried to revive the closed window (see `shared`).
    revived_at: Option<std::time::Instant>,
    /// Held while a pairing code is being requested, so concurrent opens wait for that one
    /// code instead of answering without it.
    code_flight: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Clone, Copy)]
struct Backoff {
    until: DateTime<Utc>,
    next: Duration,
}

/// Keeps a page counted as watching its number while alive.
pub struct WatchGuard {
    windows: Windows,
    number: NumberId,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        let mut numbers = self.windows.lock();
        if let Some(t) = numbers.get_mut(&self.number) {
            t.watchers = t.watchers.saturating_sub(1);
        }
    }
}

/// Why an automatic reopening did not happen (for tests and logs).
#[derive(Debug, PartialEq, Eq)]
pub enum Skipped {
    NobodyWatching,
    Busy,
    LinkCap,
    TenantCap,
    BackingOff,
    NoEngine,
    /// The engine would not open one (throttled: see the backoff).
    Failed,
}

impl Windows {
    /// `next` is where checked events go (the store sink).
    pub fn new(next: Arc<dyn EventSink>, store: Arc<dyn Store>, clock: Arc<dyn Clock>, caps: Caps, cluster: Cluster) -> Self {
        Self {
            inner: Arc::new(Inner {
                next,
                store,
                engines: OnceLock::new(),
                clock,
                caps,
                cluster,
                numbers: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The engines are built with this as their sink, so they are handed over afterwards.
    pub fn set_engines(&self, engines: Engines) {
        let _ = self.inner.engines.set(engines);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<NumberId, Tracked>> {
        self.inner.numbers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens a window because someone asked (`connect`, a new number): resets the link's
    /// reopen count. With `code_for`, the pairing code is requested once the socket is up.
    /// Call it on the number's owner (see `cluster`): it takes the lease when free and
    /// refuses when another process holds it.
    pub async fn open(&self, engine: &dyn Engine, ctx: &NumberCtx, code_for: Option<PhoneE164>) -> Result<LinkState, EngineError> {
        let _turn = self.inner.cluster.turn(&ctx.number).await;
        self.own(&ctx.number).await?;
        let dying = {
            let mut numbers = self.lock();
            let t = numbers.entry(ctx.number.clone()).or_default();
            t.ctx = Some(ctx.clone());
            t.reopens = 0;
            t.refused = false;
            let now = self.inner.clock.now();
            // Someone asked for a code: a window about to end would hand them one they have
            // no time to use (and a page whose countdown already ran out would show it as
            // ended), so it gives way to a fresh one.
            let dying = t.window_ends_at.is_some_and(|end| end > now && end - now < FRESH_FOR);
            // A live window keeps its code; a new one asks again.
            if dying || t.window_ends_at.is_none_or(|end| end <= now) {
                t.code_requested = false;
                t.window_ends_at = None;
            }
            t.code_for = code_for;
            t.busy = true;
            dying
        };
        if dying && let Err(err) = engine.logout(ctx).await {
            tracing::warn!(number.id = %ctx.number, error = %err, "closing a window about to end failed");
        }
        let result = self.open_now(engine, ctx).await;
        self.lock().entry(ctx.number.clone()).or_default().busy = false;
        result
    }

    /// How many pages watch `number` in this process.
    pub fn watchers(&self, number: &NumberId) -> usize {
        self.lock().get(number).map_or(0, |t| t.watchers)
    }

    /// Counts a page as watching `ctx` until the guard drops. A window that closed while
    /// nobody watched opens again for it (on its owner, wherever that is).
    pub fn watch(&self, ctx: &NumberCtx) -> WatchGuard {
        {
            let mut numbers = self.lock();
            let t = numbers.entry(ctx.number.clone()).or_default();
            t.ctx.get_or_insert_with(|| ctx.clone());
            t.watchers += 1;
        }
        self.spawn_revive(ctx.clone());
        WatchGuard {
            windows: self.clone(),
            number: ctx.number.clone(),
        }
    }

    /// Takes `number`'s lease, or says who holds it.
    async fn own(&self, number: &NumberId) -> Result<(), EngineError> {
        match self.inner.cluster.claim(number).await {
            Ok(Owner::Here) => Ok(()),
            // Taken meanwhile, or this process began to stop: nothing was opened, and the
            // asker may simply try again (never a server fault).
            Ok(Owner::There(holder)) => Err(EngineError::Moving(format!("another process ({holder}) runs this number"))),
            Err(err) if err.kind == super::commands::FailureKind::NoAnswer => Err(EngineError::Moving(err.message)),
            Err(err) => Err(EngineError::Unavailable(err.to_string())),
        }
    }

    /// Ends windows that ran out: reopens them while watched (within caps), closes them when
    /// not; retries what throttling deferred. Runs with the expiry sweep; tests call it.
    pub async fn sweep(&self) {
        let now = self.inner.clock.now();
        let (ended, deferred): (Vec<_>, Vec<_>) = {
            let numbers = self.lock();
            let ended = numbers
                .iter()
                .filter(|(_, t)| !t.busy && t.window_ends_at.is_some_and(|end| end <= now))
                .map(|(id, t)| (id.clone(), t.watchers > 0))
                .collect();
            let deferred = numbers
                .iter()
                .filter(|(_, t)| t.watchers > 0 && t.window_ends_at.is_none() && t.closed)
                .filter(|(_, t)| t.backoff.is_some_and(|b| b.until <= now))
                .map(|(id, _)| id.clone())
                .collect();
            (ended, deferred)
        };
        for (number, watched) in ended {
            // Watched on another process only: closed here; that process reopens it.
            let reopened = match watched {
                true => self.reopen_watched(&number, false).await,
                false => Err(Skipped::NobodyWatching),
            };
            // Busy: another task (a page's revive) is opening it right now.
            let reopened = matches!(reopened, Ok(()) | Err(Skipped::Busy));
            if !reopened {
                // Unwatched, or a cap says no more: the socket goes, the page offers a retry.
                self.close(&number).await;
            }
        }
        for number in deferred {
            let _ = self.reopen_watched(&number, false).await;
        }
    }

    /// Opens the next window of a link a page watches (on another process when
    /// `elsewhere`), unless a cap or a backoff says not now. Runs on the number's owner.
    pub async fn reopen_for(&self, ctx: &NumberCtx, elsewhere: bool) -> Result<(), Skipped> {
        {
            let mut numbers = self.lock();
            let t = numbers.entry(ctx.number.clone()).or_default();
            t.ctx.get_or_insert_with(|| ctx.clone());
            // A window taken over from another process asks for the code as connect did.
            t.code_for.get_or_insert_with(|| ctx.phone.clone());
        }
        self.reopen_watched(&ctx.number, elsewhere).await
    }

    async fn reopen_watched(&self, number: &NumberId, elsewhere: bool) -> Result<(), Skipped> {
        let now = self.inner.clock.now();
        let Some(tenant) = self.lock().get(number).and_then(|t| t.ctx.as_ref().map(|c| c.tenant.clone())) else {
            return Err(Skipped::NobodyWatching);
        };
        // Counted across the cluster: every process's open windows are in the shared views.
        let open_in_tenant = self.inner.store.open_windows(&tenant, now).await.unwrap_or(0);
        let ctx = {
            let mut numbers = self.lock();
            let Some(t) = numbers.get(number) else {
                return Err(Skipped::NobodyWatching);
            };
            let Some(ctx) = t.ctx.clone() else {
                return Err(Skipped::NobodyWatching);
            };
            if t.watchers == 0 && !elsewhere {
                return Err(Skipped::NobodyWatching);
            }
            if t.busy || t.window_ends_at.is_some_and(|end| end > now) {
                return Err(Skipped::Busy);
            }
            if t.backoff.is_some_and(|b| b.until > now) {
                return Err(Skipped::BackingOff);
            }
            if t.reopens >= self.inner.caps.reopens_per_link {
                return Err(Skipped::LinkCap);
            }
            if open_in_tenant >= u64::from(self.inner.caps.windows_per_tenant) {
                tracing::warn!(tenant.id = %ctx.tenant, "tenant has too many linking windows open; not reopening one");
                return Err(Skipped::TenantCap);
            }
            let t = numbers.get_mut(number).expect("present above");
            t.reopens += 1;
            t.busy = true;
            t.code_requested = false;
            ctx
        };
        let result = match self.engine_for(&ctx).await {
            Some(engine) => self.open_owned(engine.as_ref(), &ctx).await.map(drop).map_err(|err| {
                tracing::warn!(number.id = %ctx.number, error = %err, "reopening a linking window failed");
                Skipped::Failed
            }),
            None => Err(Skipped::NoEngine),
        };
        self.lock().entry(number.clone()).or_default().busy = false;
        result
    }

    /// A window that may not go on ran out: free the engine's socket, tell the store and page.
    async fn close(&self, number: &NumberId) {
        let now = self.inner.clock.now();
        let ctx = {
            let mut numbers = self.lock();
            // Looked at again: since the sweep saw it end, the phone may have moved on
            // (the passkey, a scan) and the window with it.
            let ended = |t: &&mut Tracked| !t.busy && t.window_ends_at.is_some_and(|end| end <= now);
            let Some(t) = numbers.get_mut(number).filter(ended) else {
                return;
            };
            t.busy = true;
            t.ctx.clone()
        };
        if let Some(ctx) = ctx
            && let Some(engine) = self.engine_for(&ctx).await
        {
            if let Err(err) = engine.logout(&ctx).await {
                tracing::warn!(number.id = %ctx.number, error = %err, "closing an unwatched linking window failed");
            }
            let at = self.inner.clock.now();
            self.publish_checked(engine.kind(), ctx, closed_window(), at).await;
        }
        self.lock().entry(number.clone()).or_default().busy = false;
    }

    async fn open_owned(&self, engine: &dyn Engine, ctx: &NumberCtx) -> Result<LinkState, EngineError> {
        let _turn = self.inner.cluster.turn(&ctx.number).await;
        self.own(&ctx.number).await?;
        self.open_now(engine, ctx).await
    }

    /// `link` for a QR window, then (socket up) the pairing code, once per window. Engines
    /// that fetch the code themselves when their socket opens get the phone up front.
    async fn open_now(&self, engine: &dyn Engine, ctx: &NumberCtx) -> Result<LinkState, EngineError> {
        let up_front = engine.capabilities().code_on_open;
        let phone = if up_front { self.take_code_phone(&ctx.number) } else { None };
        let state = match engine.link(ctx, LinkRequest::Device { pair_code_for: phone }).await {
            Ok(state) => state,
            Err(err) => {
                self.note_failure(&ctx.number, &err);
                return Err(err);
            }
        };
        let socket_up = state.pairing().is_some_and(|p| p.qr.is_some() && p.code.is_none());
        if up_front || !socket_up {
            return Ok(state);
        }
        let flight = self.lock().get(&ctx.number).map(|t| t.code_flight.clone());
        let Some(flight) = flight else { return Ok(state) };
        let _one_at_a_time = flight.lock().await;
        match self.take_code_phone(&ctx.number) {
            Some(phone) => match self.request_code(engine, ctx, phone).await {
                Some(with_code @ LinkState::Pairing(_)) => Ok(with_code),
                // The window moved on before its code was asked: answer what its page shows
                // (our checks applied), never the engine's raw word.
                Some(_) => Ok(self.status(engine, ctx).await.unwrap_or(state)),
                None => Ok(state),
            },
            // Another call asked for this window's code meanwhile: show what it got.
            None => Ok(engine.status(ctx).await.unwrap_or(state)),
        }
    }

    /// The phone to request this window's code for, unless it was asked already (or
    /// throttling says wait); marks it asked.
    fn take_code_phone(&self, number: &NumberId) -> Option<PhoneE164> {
        let mut numbers = self.lock();
        let t = numbers.get_mut(number)?;
        if t.code_requested || t.backoff.is_some_and(|b| b.until > self.inner.clock.now()) {
            return None;
        }
        let phone = t.code_for.clone()?;
        t.code_requested = true;
        Some(phone)
    }

    async fn request_code(&self, engine: &dyn Engine, ctx: &NumberCtx, phone: PhoneE164) -> Option<LinkState> {
        // For this window only: the phone may have scanned, been refused or reached the
        // passkey since the window opened, and a new window would undo that.
        match engine.link(ctx, LinkRequest::Code { phone }).await {
            Ok(state) => Some(state),
            Err(err) => {
                tracing::warn!(number.id = %ctx.number, error = %err, "requesting a pairing code failed");
                self.note_failure(&ctx.number, &err);
                None
            }
        }
    }

    /// Throttling (or any failure to open) backs off, doubling, so no storm starts.
    fn note_failure(&self, number: &NumberId, err: &EngineError) {
        let now = self.inner.clock.now();
        let mut numbers = self.lock();
        let Some(t) = numbers.get_mut(number) else { return };
        let base = self.inner.caps.backoff;
        let wait = t.backoff.map_or(base, |b| b.next);
        let told = match err {
            EngineError::RateLimited { retry_after: Some(d) } => Duration::from_std(*d).unwrap_or(MAX_BACKOFF),
            _ => Duration::zero(),
        };
        let wait = wait.max(told).min(MAX_BACKOFF);
        t.backoff = Some(Backoff {
            until: now + wait,
            next: (wait * 2).min(MAX_BACKOFF),
        });
    }

    async fn engine_for(&self, ctx: &NumberCtx) -> Option<Arc<dyn Engine>> {
        let number = self.inner.store.get_number(&ctx.tenant, &ctx.number).await.ok()?;
        self.inner.engines.get()?.get(&number.engine)
    }

    /// Stops orchestrating `number` here (another process took it over, or this one stops).
    pub fn forget(&self, number: &NumberId) {
        self.lock().remove(number);
    }

    /// The engines, once built.
    pub fn engines(&self) -> Option<&Engines> {
        self.inner.engines.get()
    }
}
