//! The sandbox engine: a pretend WhatsApp for demos and tests, with WhatsApp's real timing.
//! A linking window holds six QR refs (the first lives 60 s, the next five 20 s each) and then
//! closes; pairing codes are eight characters of WhatsApp's alphabet. A "phone" scans through
//! [`SandboxEngine::scan`] and unlinks through [`SandboxEngine::unlink`]. Its clients meet
//! WhatsApp's own rules in [`world`]: one connection per device (a second replaces the first),
//! and one message per message id.
mod gate;
mod phone;
mod world;
use std::{collections::HashMap, sync::Arc, time::Duration};

use async_trait::async_trait;
use base64::{Engine as _, engine::general_purpose::STANDARD};
use rand::{Rng, RngCore};
use tokio::{sync::Mutex, task::JoinHandle};

pub use self::gate::SandboxCredential;
pub use self::world::World;
use super::{
    Capabilities, Engine, EngineError, EngineEvent, EngineKind, EventSink, LinkRequest, LinkState, NumberCtx, PairCode, Pairing, QrRef,
};
use crate::server::{
    clock::Clock,
    domain::{NumberId, NumberState, PhoneE164, TenantId},
};

/// WhatsApp's pairing-code alphabet: no 0, I, O or U.
pub const PAIR_CODE_ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTVWXYZ";

/// How a linking window unfolds. WhatsApp's values by default.
#[derive(Clone, Copy, Debug)]
pub struct Timings {
    pub refs: u32,
    pub first_ref: Duration,
    pub next_refs: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            refs: 6,
            first_ref: Duration::from_secs(60),
            next_refs: Duration::from_secs(20),
        }
    }
}

impl Timings {
    fn window(&self) -> Duration {
        self.first_ref + self.next_refs * self.refs.saturating_sub(1)
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SimulationError {
    #[error("no QR or pairing code is live for this number; open a linking window first")]
    NotPairing,
    #[error("the number is already connected")]
    AlreadyConnected,
    #[error("the number is not connected")]
    NotConnected,
}

struct Session {
    ctx: NumberCtx,
    state: LinkState,
    /// Bumped by every new window, so a stale rotation task knows to stop.
    generation: u64,
    rotation: Option<JoinHandle<()>>,
    /// When this process's client took the device's connection in the world (the
    /// engine's connection count then), while it holds it.
    connected: Option<u64>,
    /// WhatsApp's passkey request, while it waits for one.
    gate: Option<gate::Gate>,
}

struct Inner {
    sink: Arc<dyn EventSink>,
    clock: Arc<dyn Clock>,
    timings: Timings,
    sessions: Mutex<HashMap<NumberId, Session>>,
    /// WhatsApp's side: device connections and the messages sent.
    world: World,
    /// Connections made so far, to tell a connection made after a look at the world from
    /// one that look missed.
    connects: std::sync::atomic::AtomicU64,
}

/// How often a process looks whether one of its connections was replaced, under the
/// announcements (a safety net for a lost notification).
const REPLACED_RECHECK: Duration = Duration::from_secs(2);

/// A message a sandbox number sent.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SentMessage {
    pub id: String,
    pub from: NumberId,
    pub to: String,
    pub body: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone)]
pub struct SandboxEngine {
    inner: Arc<Inner>,
}

impl SandboxEngine {
    pub fn new(sink: Arc<dyn EventSink>, clock: Arc<dyn Clock>, timings: Timings, world: World) -> Self {
        Self {
            inner: Arc::new(Inner {
                sink,
                clock,
                timings,
                sessions: Mutex::new(HashMap::new()),
                world,
                connects: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// Ends the sessions whose connection another client replaced (WhatsApp tells the first
    /// client so), until `stop` flips.
    pub fn spawn_background(&self, mut stop: tokio::sync::watch::Receiver<bool>) -> JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut replacements = this.inner.world.replacements();
            loop {
                tokio::select! {
                    () = replacements.changed() => {}
                    () = tokio::time::sleep(REPLACED_RECHECK) => {}
                    _ = stop.changed() => return,
                }
                this.end_replaced().await;
            }
        })
    }

    /// Tells each session whose connection is no longer live that it was replaced.
    pub async fn end_replaced(&self) {
        // Only connections the world had before this look are judged by it.
        let looked_at = self.inner.connects.load(std::sync::atomic::Ordering::SeqCst);
        let live = match self.inner.world.still_connected().await {
            Ok(live) => live,
            Err(err) => return tracing::warn!(error = %err, "sandbox: could not read its device connections"),
        };
        let mut sessions = self.inner.sessions.lock().await;
        for (number, session) in sessions.iter_mut() {
            if session.connected.is_none_or(|at| at > looked_at) || live.contains(number) {
                continue;
            }
            tracing::warn!(number.id = %number, "sandbox: another client connected with this device; this one was replaced");
            session.connected = None;
            session.generation += 1;
            if let Some(task) = session.rotation.take() {
                task.abort();
            }
            let ended = match session.state {
                LinkState::Connected { .. } => LinkState::LoggedOut {
                    reason: super::reason::REPLACED.into(),
                },
                _ => LinkState::Failed {
                    reason: super::reason::QR_WINDOW_CLOSED.into(),
                    retryable: true,
                },
            };
            self.inner.set(session, ended).await;
        }
    }

    /// Messages sent from `number`, oldest first (WhatsApp's record: any process reads it).
    pub async fn sent_by(&self, number: &NumberId) -> Result<Vec<SentMessage>, EngineError> {
        self.inner
            .world
            .sent_by(number)
            .await
            .map_err(|e| EngineError::Unavailable(e.to_string()))
    }

    /// Connects the session's (paired) client to the world, if it is not already.
    async fn connect(&self, session: &mut Session) -> Result<(), EngineError> {
        if session.connected.is_none() {
            self.inner
                .world
                .connect(&session.ctx.number, self.inner.clock.now())
                .await
                .map_err(|e| EngineError::Unavailable(e.to_string()))?;
            // Numbered once the world has it: a look at the world that began before this
            // number was drawn may have missed it, and must not judge it.
            let at = self.inner.connects.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            session.connected = Some(at);
        }
        Ok(())
    }

    /// Closes the session's connection (a device logged out, a client stopped).
    async fn disconnect(&self, session: &mut Session) {
        if session.connected.take().is_some()
            && let Err(err) = self.inner.world.disconnect(&session.ctx.number).await
        {
            tracing::warn!(number.id = %session.ctx.number, error = %err, "sandbox: could not close a device connection");
        }
    }

    fn open_window(&self, session: &mut Session, pair_code_for: Option<&PhoneE164>) -> LinkState {
        let now = self.inner.clock.now();
        let t = self.inner.timings;
        let window_ends_at = now + t.window();
        session.generation += 1;
        let pairing = Pairing {
            qr: Some(QrRef {
                payload: qr_payload(),
                seq: 1,
                expires_at: now + t.first_ref,
            }),
            code: pair_code_for.map(|_| new_code(window_ends_at)),
            window_ends_at,
        };
        if let Some(task) = session.rotation.take() {
            task.abort();
        }
        session.rotation = Some(tokio::spawn(self.clone().rotate(session.ctx.number.clone(), session.generation)));
        LinkState::Pairing(pairing)
    }

    /// Shows refs 2..=N on WhatsApp's schedule, then closes the window.
    async fn rotate(self, number: NumberId, generation: u64) {
        let t = self.inner.timings;
        tokio::time::sleep(t.first_ref).await;
        for seq in 2..=t.refs {
            if !self
                .advance(&number, generation, |p, now| {
                    p.qr = Some(QrRef {
                        payload: qr_payload(),
                        seq,
                        expires_at: now + t.next_refs,
                    });
                })
                .await
            {
                return;
            }
            tokio::time::sleep(t.next_refs).await;
        }
        let mut sessions = self.inner.sessions.lock().await;
        if let Some(session) = sessions.get_mut(&number).filter(|s| s.generation == generation) {
            session.rotation = None;
            self.disconnect(session).await;
            let closed = LinkState::Failed {
                reason: "qr_window_closed".into(),
                retryable: true,
            };
            self.inner.set(session, closed).await;
        }
    }

    /// Applies `change` to a window that is still the current one; false when it is not.
    async fn advance(&self, number: &NumberId, generation: u64, change: impl FnOnce(&mut Pairing, chrono::DateTime<chrono::Utc>)) -> bool {
        let mut sessions = self.inner.sessions.lock().await;
        let Some(session) = sessions.get_mut(number).filter(|s| s.generation == generation) else {
            return false;
        };
        let LinkState::Pairing(pairing) = &session.state else {
            return false;
        };
        let mut next = pairing.clone();
        change(&mut next, self.inner.clock.now());
        self.inner.set(session, LinkState::Pairing(next)).await;
        true
    }

    fn session<'a>(sessions: &'a mut HashMap<NumberId, Session>, ctx: &NumberCtx) -> &'a mut Session {
        sessions.entry(ctx.number.clone()).or_insert_with(|| Session {
            ctx: ctx.clone(),
            state: LinkState::Idle,
            generation: 0,
            rotation: None,
            connected: None,
            gate: None,
        })
    }
}

impl Inner {
    async fn set(&self, session: &mut Session, state: LinkState) {
        session.state = state.clone();
        let event = EngineEvent {
            from: EngineKind::Sandbox,
            number: session.ctx.clone(),
            state,
            at: self.clock.now(),
        };
        self.sink.publish(event).await;
    }
}

#[async_trait]
impl Engine for SandboxEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Sandbox
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            qr: true,
            pair_code: true,
            code_on_open: false,
        }
    }

    async fn create(&self, _tenant: &TenantId, _number: &NumberId) -> Result<serde_json::Value, EngineError> {
        Ok(serde_json::json!({ "sandbox": true }))
    }

    async fn link(&self, ctx: &NumberCtx, request: LinkRequest) -> Result<LinkState, EngineError> {
        let (pair_code_for, may_open) = request.parts();
        let mut sessions = self.inner.sessions.lock().await;
        let now = self.inner.clock.now();
        let live = |s: &Session| matches!(&s.state, LinkState::Pairing(p) if p.window_ends_at > now);
        if !may_open && !sessions.get(&ctx.number).is_some_and(live) {
            // The window this code was for has moved on: say where the number stands.
            return Ok(sessions.get(&ctx.number).map_or(LinkState::Idle, |s| s.state.clone()));
        }
        let session = Self::session(&mut sessions, ctx);
        session.ctx = ctx.clone();
        let state = match &session.state {
            LinkState::Connected { .. } => return Err(EngineError::Conflict("the number is already connected".into())),
            // The phone is past the QR, confirming with its passkey on the same socket:
            // WhatsApp opens no second one, and the ceremony goes on.
            LinkState::PasskeyRequired { expires_at, .. } if expires_at.is_none_or(|end| end > now) => {
                return Ok(session.state.clone());
            }
            // A live window is reused: one linking socket per number, as WhatsApp allows.
            LinkState::Pairing(p) if p.window_ends_at > now => {
                let mut p = p.clone();
                if p.code.is_none() && pair_code_for.is_some() {
                    p.code = Some(new_code(p.window_ends_at));
                } else {
                    return Ok(LinkState::Pairing(p));
                }
                LinkState::Pairing(p)
            }
            // A linking socket is a new, unpaired device: WhatsApp's one-connection rule is
            // for the paired device it becomes once scanned.
            _ => self.open_window(session, pair_code_for.as_ref()),
        };
        self.inner.set(session, state.clone()).await;
        Ok(state)
    }

    async fn status(&self, ctx: &NumberCtx) -> Result<LinkState, EngineError> {
        let sessions = self.inner.sessions.lock().await;
        Ok(sessions.get(&ctx.number).map(|s| s.state.clone()).unwrap_or(LinkState::Idle))
    }

    async fn resume(&self, ctx: &NumberCtx) -> Result<LinkState, EngineError> {
        let mut sessions = self.inner.sessions.lock().await;
        let session = Self::session(&mut sessions, ctx);
        // A sandbox phone stays linked across restarts (its client connects again); a window
        // does not survive one.
        session.ctx = ctx.clone();
        session.state = match ctx.state {
            NumberState::Open => {
                self.connect(session).await?;
                LinkState::Connected {
                    phone_digits: ctx.phone.digits().to_owned(),
                }
            }
            _ => LinkState::Idle,
        };
        Ok(session.state.clone())
    }

    async fn send_text(&self, ctx: &NumberCtx, to: &PhoneE164, body: &str, id: Option<&str>) -> Result<String, EngineError> {
        let connected = matches!(self.status(ctx).await?, LinkState::Connected { .. });
        if !connected {
            return Err(EngineError::NotConnected);
        }
        let message = SentMessage {
            id: id.map_or_else(|| format!("sandbox-{}", uuid::Uuid::now_v7().simple()), str::to_owned),
            from: ctx.number.clone(),
            to: to.e164(),
            body: body.to_owned(),
            at: self.inner.clock.now(),
        };
        // A resent id is accepted and delivers nothing more, as on WhatsApp.
        self.inner
            .world
            .deliver(&message)
            .await
            .map_err(|e| EngineError::Unavailable(e.to_string()))?;
        Ok(message.id)
    }

    async fn passkey_response(&self, ctx: &NumberCtx, assertion: &crate::server::domain::passkey::Assertion) -> Result<(), EngineError> {
        self.receive_assertion(ctx, assertion).await
    }

    async fn passkey_confirm(&self, ctx: &NumberCtx) -> Result<(), EngineError> {
        self.confirm_passkey(ctx).await
    }

    async fn session_counts(&self) -> Vec<(&'static str, u64)> {
        let sessions = self.inner.sessions.lock().await;
        let mut counts: Vec<(&'static str, u64)> = LinkState::LABELS.iter().map(|l| (*l, 0)).collect();
        for session in sessions.values() {
            if let Some(slot) = counts.iter_mut().find(|(l, _)| *l == session.state.label()) {
                slot.1 += 1;
            }
        }
        counts
    }

    /// The session's window and phone stay where a real engine's would (WhatsApp); this
    /// process closes its client's connection and stops playing them.
    async fn let_go(&self, ctx: &NumberCtx) {
        let _ = self.delete(ctx).await;
    }

    async fn delete(&self, ctx: &NumberCtx) -> Result<(), EngineError> {
        let mut sessions = self.inner.sessions.lock().await;
        if let Some(mut session) = sessions.remove(&ctx.number) {
            if let Some(task) = session.rotation.take() {
                task.abort();
            }
            self.disconnect(&mut session).await;
        }
        Ok(())
    }
}

/// A QR text in WhatsApp's 2026 shape: `ref,noiseKey,identityKey,advSecret,clientType`.
fn qr_payload() -> String {
    let mut rng = rand::rng();
    let mut part = |n: usize| {
        let mut bytes = vec![0u8; n];
        rng.fill_bytes(&mut bytes);
        STANDARD.encode(bytes)
    };
    let reference = format!("2@{}", part(24));
    format!("{reference},{},{},{},1", part(32), part(32), part(32))
}

fn new_code(expires_at: chrono::DateTime<chrono::Utc>) -> PairCode {
    let mut rng = rand::rng();
    let code = (0..8)
        .map(|_| PAIR_CODE_ALPHABET[rng.random_range(0..PAIR_CODE_ALPHABET.len())] as char)
        .collect();
    PairCode { code, expires_at }
}

#[cfg(test)]
mod tests;
