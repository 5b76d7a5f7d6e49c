//! The embedded engine: a WhatsApp Web client (whatsapp-rust) inside this process, one per
//! live number. A linking window is one client connecting with a fresh or unpaired device;
//! a paired number is one client connecting from its stored keys. Events arrive through a
//! channel, in order, and go through [`mapping`] to our states.
//!
//! Ownership: with several processes on one database, each live session runs where its
//! lease is ([`crate::server::store::SessionStore`]), under the pairing runtime's holder name.
//! The runtime renews the process's leases, stops the client of a lease it lost
//! (`Engine::let_go`), and resumes orphaned `OPEN` numbers from their stored keys. A client
//! is always stopped (keys flushed and copied) before its lease is given up, and started
//! only once the lease is taken: never two clients on one device.
mod device;
mod engine;
pub mod mapping;
mod settings;
mod watchdog;

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use async_trait::async_trait;
use tokio::{sync::Mutex, task::JoinHandle};
use whatsapp_rust::{
    bot::Bot,
    pair_code::PairCodeOptions,
    prelude::{Client, Event, EventInterest, EventKind, MessageBuilderExt, wa},
    store::SqliteStore,
    transport::TokioWebSocketTransportFactory,
    wacore::{store::DevicePropsOverride, types::events::ChannelEventHandler},
};

pub use self::device::DeviceFiles;
use self::mapping::{Action, Signal};
pub use self::settings::{EmbeddedSettings, validate_config};
use super::{Capabilities, Engine, EngineError, EngineEvent, EngineKind, EventSink, LinkRequest, LinkState, NumberCtx, Pairing};
use crate::server::{
    clock::Clock,
    domain::{NumberId, NumberState, PhoneE164, TenantId},
    store::Store,
};

/// Adds the embedded engine to `engines` unless the configuration turns it off.
pub fn register(
    engines: super::Engines,
    config: &crate::server::config::Config,
    sink: Arc<dyn EventSink>,
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    holder: &str,
) -> super::Engines {
    if !config.embedded_engine {
        return engines;
    }
    // Keys go to the shared database only where another machine could need them.
    let share_keys = store.backend() == "postgres";
    let settings = EmbeddedSettings::from_config(config);
    let engine = EmbeddedEngine::new(sink, clock, settings, Some(store), share_keys).holding_as(holder);
    engines.with_embedded(Arc::new(engine))
}

/// The events that move a link; the rest (messages, presence, …) are not subscribed.
const KINDS: &[EventKind] = &[
    EventKind::PairingQrCode,
    EventKind::PairingCode,
    EventKind::PairingCodeRefresh,
    EventKind::PairingCodeError,
    EventKind::PairingQrCodesExhausted,
    EventKind::PairSuccess,
    EventKind::PairError,
    EventKind::QrScannedWithoutMultidevice,
    EventKind::Connected,
    EventKind::Disconnected,
    EventKind::LoggedOut,
    EventKind::StreamReplaced,
    EventKind::TemporaryBan,
    EventKind::ConnectFailure,
    EventKind::ClientOutdated,
    EventKind::PairPasskeyRequest,
    EventKind::PairPasskeyConfirmation,
    EventKind::PairPasskeyError,
];

/// Why a client runs: to link a new device, or to bring a paired one back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Linking,
    Resumed,
}

struct Live {
    client: Arc<Client>,
    handle: whatsapp_rust::bot::BotHandle,
    tasks: Vec<JoinHandle<()>>,
    _subscription: whatsapp_rust::wacore::types::events::Subscription,
}

struct Session {
    ctx: NumberCtx,
    state: LinkState,
    /// Bumped by every new client, so tasks of an old one know to stop.
    generation: u64,
    live: Option<Live>,
    mode: Mode,
    /// Linking: the phone a pairing code is for, and whether one was asked in this window.
    code_for: Option<PhoneE164>,
    code_asked: bool,
    /// When the stored keys were last copied to the shared database.
    saved: Option<std::time::SystemTime>,
    /// A staggered resume is waiting for its turn.
    starting: bool,
}

struct Inner {
    sink: Arc<dyn EventSink>,
    clock: Arc<dyn Clock>,
    settings: EmbeddedSettings,
    files: DeviceFiles,
    /// Leases live here; `None` runs every session without asking (tests of one process).
    store: Option<Arc<dyn Store>>,
    holder: String,
    sessions: Mutex<HashMap<NumberId, Session>>,
    generations: AtomicU64,
    /// When the next resume may connect, to stagger them.
    next_resume: std::sync::Mutex<tokio::time::Instant>,
}

#[derive(Clone)]
pub struct EmbeddedEngine {
    inner: Arc<Inner>,
}

impl EmbeddedEngine {
    /// `store` holds leases (and, when `share_keys`, a copy of every device's keys).
    pub fn new(
        sink: Arc<dyn EventSink>,
        clock: Arc<dyn Clock>,
        settings: EmbeddedSettings,
        store: Option<Arc<dyn Store>>,
        share_keys: bool,
    ) -> Self {
        let shared = store.clone().filter(|_| share_keys);
        Self {
            inner: Arc::new(Inner {
                files: DeviceFiles::new(settings.data_dir.clone(), shared),
                sink,
                clock,
                settings,
                store,
                holder: format!("pairlink-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
                sessions: Mutex::new(HashMap::new()),
                generations: AtomicU64::new(0),
                next_resume: std::sync::Mutex::new(tokio::time::Instant::now()),
            }),
        }
    }

    /// Names this process on its leases as the pairing runtime does, so a window the runtime
    /// owns and the session the engine runs for it are one lease.
    pub fn holding_as(mut self, holder: &str) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.holder = holder.to_owned();
        }
        self
    }

    /// This process's name on the leases it holds.
    pub fn holder(&self) -> &str {
        &self.inner.holder
    }

    pub fn files(&self) -> &DeviceFiles {
        &self.inner.files
    }

    /// Whether a client runs for `number` in this process.
    pub async fn is_running(&self, number: &NumberId) -> bool {
        self.inner.sessions.lock().await.get(number).is_some_and(|s| s.live.is_some())
    }

    /// Copies changed device keys to the shared database every third of a lease, until
    /// `stop` flips (leases and orphans are the pairing runtime's).
    pub fn spawn_background(&self, mut stop: tokio::sync::watch::Receiver<bool>) -> JoinHandle<()> {
        let engine = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(engine.inner.settings.tick());
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => engine.save_changed_keys().await,
                    _ = stop.changed() => return,
                }
            }
        })
    }

    /// Stops every client cleanly (keys flushed and copied, leases given up), for a
    /// process that is shutting down: another may take the sessions over at once.
    pub async fn shutdown(&self) {
        let numbers: Vec<NumberId> = self.inner.sessions.lock().await.keys().cloned().collect();
        for number in numbers {
            self.inner.clone().stop(&number, None, Action::Stop).await;
        }
    }

    async fn save_changed_keys(&self) {
        let live: Vec<NumberId> = {
            let sessions = self.inner.sessions.lock().await;
            sessions.iter().filter(|(_, s)| s.live.is_some()).map(|(n, _)| n.clone()).collect()
        };
        for number in live {
            self.inner.save_keys_if_changed(&number).await;
        }
    }
}

impl Inner {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// True when this process may run `number`'s client (it holds, or just took, the lease).
    async fn claim(&self, number: &NumberId) -> Result<bool, EngineError> {
        let Some(store) = &self.store else { return Ok(true) };
        store
            .acquire_lease(number, &self.holder, self.settings.lease)
            .await
            .map_err(|e| EngineError::Unavailable(format!("session lease: {e}")))
    }

    async fn release(&self, number: &NumberId) {
        if let Some(store) = &self.store
            && let Err(err) = store.release_lease(number, &self.holder).await
        {
            tracing::warn!(number.id = %number, error = %err, "could not release a session lease");
        }
    }

    /// A resume's turn has come: start the client if the session still wants one and this
    /// process still holds its lease (the wait may have outlasted it).
    async fn start_resumed(self: Arc<Self>, number: NumberId) {
        let mut sessions = self.sessions.lock().await;
        let Some(session) = sessions.get_mut(&number).filter(|s| s.starting && s.live.is_none()) else {
            return;
        };
        session.starting = false;
        let started = match self.claim(&number).await {
            Ok(true) => self.start(session, Mode::Resumed).await,
            Ok(false) => Err(EngineError::Conflict("another process took the session".into())),
            Err(err) => Err(err),
        };
        if let Err(err) = started {
            sessions.remove(&number);
            drop(sessions);
            tracing::warn!(number.id = %number, error = %err, "could not resume a session");
        }
    }

    /// Builds and spawns the client of `session`.
    async fn start(self: &Arc<Self>, session: &mut Session, mode: Mode) -> Result<(), EngineError> {
        let number = session.ctx.number.clone();
        // Never two clients on one device store, not even for a moment.
        if let Some(old) = session.live.take() {
            shut(old).await;
        }
        let path = self.files.open(&number).await.map_err(unavailable)?;
        let backend = SqliteStore::new(&path.to_string_lossy()).await.map_err(unavailable)?;
        let mut transport = TokioWebSocketTransportFactory::new();
        if let Some(url) = &self.settings.ws_url {
            transport = transport.with_url(url.clone());
        }
        let props = self.settings.device_props();
        let mut builder = Bot::builder()
            .with_backend(backend)
            .with_transport_factory(transport)
            .with_device_props(
                DevicePropsOverride::new()
                    .with_os(props.os.clone().unwrap_or_default())
                    .with_platform_type(wa::device_props::PlatformType::CHROME),
            )
            .skip_history_sync();
        if let Some(version) = self.settings.version {
            builder = builder.with_version(version);
        }
        let bot = builder.build().await.map_err(unavailable)?;
        let client = bot.client();
        let (handler, events) = ChannelEventHandler::new();
        let subscription = client.subscribe(EventInterest::of(KINDS), handler);
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let handle = bot.spawn();
        let pump = tokio::spawn(self.clone().pump(number.clone(), generation, events));
        let watchdog = tokio::spawn(watchdog::run(self.clone(), number, generation, client.clone()));
        session.generation = generation;
        session.mode = mode;
        session.code_asked = false;
        session.live = Some(Live {
            client,
            handle,
            tasks: vec![pump, watchdog],
            _subscription: subscription,
        });
        Ok(())
    }

    /// Turns the client's events, in order, into published states and session actions.
    async fn pump(self: Arc<Self>, number: NumberId, generation: u64, events: whatsapp_rust::async_channel::Receiver<Arc<Event>>) {
        while let Ok(event) = events.recv().await {
            let Some(signal) = mapping::signal_of(&event) else { continue };
            self.on_signal(&number, generation, signal).await;
        }
    }

    async fn on_signal(self: &Arc<Self>, number: &NumberId, generation: u64, signal: Signal) {
        let mut sessions = self.sessions.lock().await;
        let Some(session) = sessions.get_mut(number).filter(|s| s.generation == generation) else {
            return;
        };
        // A paired number never shows a QR: one here means its keys are gone.
        if session.mode == Mode::Resumed && matches!(signal, Signal::Qr { .. } | Signal::Code { .. }) {
            drop(sessions);
            return self.end(number, generation, "keys_missing").await;
        }
        let first_qr = matches!(signal, Signal::Qr { .. }) && !session.code_asked;
        let refresh = matches!(signal, Signal::CodeRefresh);
        let step = mapping::step(signal, &session.state, session.ctx.phone.digits(), self.now());
        if let Some(state) = step.state {
            self.publish(session, state).await;
        }
        // The code is asked once the socket is ready (first QR) and again only when
        // WhatsApp voids it; never on a QR rotation.
        if (first_qr || refresh)
            && let (Some(phone), Some(live)) = (session.code_for.clone(), &session.live)
        {
            session.code_asked = true;
            tokio::spawn(ask_code(live.client.clone(), phone));
        }
        drop(sessions);
        match step.action {
            Action::None => {}
            Action::ConfirmPasskey => {
                let inner = self.clone();
                let number = number.clone();
                tokio::spawn(async move {
                    let confirmed = match inner.linking_client(&number).await {
                        Ok(client) => client.send_passkey_confirmation().await.map_err(|e| e.to_string()),
                        Err(err) => Err(err.to_string()),
                    };
                    if let Err(err) = confirmed {
                        tracing::warn!(number.id = %number, error = %err, "could not confirm a passkey re-link");
                    }
                });
            }
            Action::SaveKeys => {
                let inner = self.clone();
                let number = number.clone();
                tokio::spawn(async move { inner.save_keys(&number).await });
            }
            other => {
                // Not from this task: stopping aborts the pump.
                tokio::spawn(self.clone().stop_owned(number.clone(), Some(generation), other));
            }
        }
    }

    /// The client of a number's linking window (the passkey steps run on it).
    async fn linking_client(&self, number: &NumberId) -> Result<Arc<Client>, EngineError> {
        let sessions = self.sessions.lock().await;
        match sessions.get(number) {
            Some(Session {
                live: Some(live),
                state: LinkState::PasskeyRequired { .. },
                ..
            }) => Ok(live.client.clone()),
            _ => Err(EngineError::Conflict(
                "WhatsApp is not waiting for a passkey on this number here".into(),
            )),
        }
    }

    /// Publishes that a session ended for good and wipes it (keys gone, unusable).
    async fn end(self: &Arc<Self>, number: &NumberId, generation: u64, reason: &str) {
        {
            let mut sessions = self.sessions.lock().await;
            let Some(session) = sessions.get_mut(number).filter(|s| s.generation == generation) else {
                return;
            };
            self.publish(session, LinkState::LoggedOut { reason: reason.into() }).await;
        }
        tokio::spawn(self.clone().stop_owned(number.clone(), Some(generation), Action::Wipe));
    }

    async fn publish(&self, session: &mut Session, state: LinkState) {
        session.state = state.clone();
        let event = EngineEvent {
            from: EngineKind::Embedded,
            number: session.ctx.clone(),
            state,
            at: self.now(),
        };
        self.sink.publish(event).await;
    }

    async fn stop_owned(self: Arc<Self>, number: NumberId, generation: Option<u64>, action: Action) {
        self.stop(&number, generation, action).await;
    }

    /// Ends the client of `number` (only `generation`'s, if given) as `action` says.
    async fn stop(self: Arc<Self>, number: &NumberId, generation: Option<u64>, action: Action) {
        let live = {
            let mut sessions = self.sessions.lock().await;
            match sessions.get_mut(number) {
                Some(s) if generation.is_none_or(|g| g == s.generation) => {
                    // Events of the client being stopped (our own logout's `LoggedOut`,
                    // the close's `Disconnected`) are not news any more.
                    s.generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
                    // A staggered resume still waiting must not start after this.
                    s.starting = false;
                    s.live.take()
                }
                _ => return,
            }
        };
        if let (Action::LogoutAndWipe, Some(live)) = (action, &live) {
            live.client.logout().await;
        }
        if let Some(live) = live {
            shut(live).await;
        }
        match action {
            Action::Wipe | Action::LogoutAndWipe => {
                if let Err(err) = self.files.remove(number).await {
                    tracing::error!(number.id = %number, error = %err, "could not remove a device store");
                }
            }
            // A clean stop flushed the store: the copy is exact now.
            Action::Stop => self.save_keys(number).await,
            Action::None | Action::SaveKeys | Action::ConfirmPasskey => {}
        }
        // Nothing runs here any more: another process may take the number at once.
        self.release(number).await;
    }

    async fn save_keys(&self, number: &NumberId) {
        let modified = self.files.modified(number);
        if let Err(err) = self.files.save_shared(number, self.now(), &self.holder).await {
            return tracing::warn!(number.id = %number, error = %err, "could not copy device keys to the database");
        }
        if let Some(s) = self.sessions.lock().await.get_mut(number) {
            s.saved = modified;
        }
    }

    async fn save_keys_if_changed(&self, number: &NumberId) {
        let saved = self.sessions.lock().await.get(number).and_then(|s| s.saved);
        let modified = self.files.modified(number);
        if modified.is_some() && modified != saved {
            self.save_keys(number).await;
        }
    }
}

/// Graceful: flushes the store, closes the socket, ends our tasks.
async fn shut(live: Live) {
    let Live { handle, tasks, .. } = live;
    handle.shutdown().await;
    for task in tasks {
        task.abort();
    }
}

async fn ask_code(client: Arc<Client>, phone: PhoneE164) {
    let options = PairCodeOptions {
        phone_number: phone.digits().to_owned(),
        ..Default::default()
    };
    // Success and failure both come back as events (PairingCode / PairingCodeError).
    if let Err(err) = client.pair_with_code(options).await {
        tracing::info!(error = %err, "pairing code request refused");
    }
}

fn unavailable(err: impl std::fmt::Display) -> EngineError {
    EngineError::Unavailable(err.to_string())
}

impl Session {
    fn new(ctx: &NumberCtx) -> Self {
        Self {
            ctx: ctx.clone(),
            state: LinkState::Idle,
            generation: 0,
            live: None,
            mode: Mode::Linking,
            code_for: None,
            code_asked: false,
            saved: None,
            starting: false,
        }
    }
}

#[cfg(test)]
mod tests;
