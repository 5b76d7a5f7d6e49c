//! The seam between Pairlink and whatever pairs a number with WhatsApp. Engines push state
//! changes to an [`EventSink`]; the service persists them and tells the API and the page.
pub mod embedded;
pub mod evolution;
mod registry;
pub mod sandbox;
mod state;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use registry::{Engines, default_engine};
pub use state::{LinkState, PairCode, Pairing, QrRef, reason};

use super::domain::{NumberId, NumberProfile, NumberState, PhoneE164, TenantId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EngineKind {
    Sandbox,
    /// Meta's WhatsApp Cloud API (official numbers).
    Meta,
    Evolution,
    Embedded,
}

impl EngineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Meta => "meta",
            Self::Evolution => "evolution",
            Self::Embedded => "embedded",
        }
    }

    /// Whether the engine runs its numbers' sessions inside this process (a WhatsApp client
    /// here), so only the process holding a number's lease may run or report it.
    pub fn runs_here(self) -> bool {
        matches!(self, Self::Sandbox | Self::Embedded)
    }

    pub fn from_stored(value: &str) -> Option<Self> {
        match value {
            "sandbox" => Some(Self::Sandbox),
            "meta" => Some(Self::Meta),
            "evolution" => Some(Self::Evolution),
            "embedded" => Some(Self::Embedded),
            _ => None,
        }
    }
}

/// What an engine can do, so the page offers only what works.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub qr: bool,
    pub pair_code: bool,
    /// The engine can only get a pairing code when its socket opens (Evolution): it is
    /// given the phone with the first `link` of a window and fetches the code itself once
    /// the socket is up. Others get a QR-only `link`, then one for the code.
    pub code_on_open: bool,
}

/// Everything an engine needs to know about the number it acts on.
#[derive(Clone, Debug)]
pub struct NumberCtx {
    pub tenant: TenantId,
    pub number: NumberId,
    pub name: String,
    pub phone: PhoneE164,
    /// What we last stored for it, so an engine can re-attach after a restart.
    pub state: NumberState,
    pub engine_ref: serde_json::Value,
}

impl NumberCtx {
    /// What an engine is told about a stored number.
    pub fn of(number: &crate::server::store::Number) -> Self {
        Self {
            tenant: number.tenant_id.clone(),
            number: number.id.clone(),
            name: number.name.clone(),
            phone: number.phone.clone(),
            state: number.state,
            engine_ref: number.engine_ref.clone(),
        }
    }
}

pub enum LinkRequest {
    /// Open a linking window (a live QR); with a phone, also a pairing code for that phone.
    Device { pair_code_for: Option<PhoneE164> },
    /// The pairing code for `phone` in the window already open. Never opens a window: the
    /// one it was asked for may have moved on since (scanned, refused, waiting for the
    /// passkey), and a new one would replace what the person is doing. Without a live window
    /// the engine answers where the number stands.
    Code { phone: PhoneE164 },
}

impl LinkRequest {
    /// The phone a code is wanted for, and whether a window may be opened for it.
    pub fn parts(self) -> (Option<PhoneE164>, bool) {
        match self {
            Self::Device { pair_code_for } => (pair_code_for, true),
            Self::Code { phone } => (Some(phone), false),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("unsupported by this engine")]
    Unsupported,
    #[error("{0}")]
    Conflict(String),
    /// WhatsApp or the engine asked us to slow down; `retry_after` when it said for how long.
    #[error("rate limited by the engine")]
    RateLimited { retry_after: Option<std::time::Duration> },
    #[error("engine unavailable: {0}")]
    Unavailable(String),
    /// This process may not run the number now: another holds its lease, or this one is
    /// stopping. Nothing was done, and within a lease some process runs it: safe to repeat.
    #[error("the number is moving to another process: {0}")]
    Moving(String),
    #[error("the number is not connected")]
    NotConnected,
}

/// A change of a number's link state, as an engine saw it.
#[derive(Clone, Debug)]
pub struct EngineEvent {
    /// The engine that reported it.
    pub from: EngineKind,
    pub number: NumberCtx,
    pub state: LinkState,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait EventSink: Send + Sync + 'static {
    /// Persists and broadcasts; engines await it so a caller that triggered a change sees it
    /// stored when its call returns.
    async fn publish(&self, event: EngineEvent);
}

/// What an engine did with the documented settings a request changed: each name lands in
/// exactly one list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsSync {
    /// Now in force on the engine.
    pub applied: Vec<String>,
    /// The engine acts on them but refused or could not be reached; stored, tried again with
    /// the next change.
    pub failed: Vec<String>,
    /// Stored only: nothing behind this number acts on them.
    pub skipped: Vec<String>,
}

#[async_trait]
pub trait Engine: Send + Sync + 'static {
    fn kind(&self) -> EngineKind;
    fn capabilities(&self) -> Capabilities;
    /// Provisions what the engine needs for a new number; returns what to store for it.
    async fn create(&self, tenant: &TenantId, number: &NumberId) -> Result<serde_json::Value, EngineError>;
    /// Starts linking, or returns the linking already under way: one live window per number.
    async fn link(&self, number: &NumberCtx, request: LinkRequest) -> Result<LinkState, EngineError>;
    /// The engine's current view of the number.
    async fn status(&self, number: &NumberCtx) -> Result<LinkState, EngineError>;
    /// Re-attaches to a number after our process restarted; returns its state now.
    async fn resume(&self, number: &NumberCtx) -> Result<LinkState, EngineError>;
    /// Unlinks the device and frees what `create` provisioned.
    async fn delete(&self, number: &NumberCtx) -> Result<(), EngineError>;
    /// Unlinks the device (or closes a linking window) but keeps what `create` provisioned, so
    /// the number can pair again. Used to refuse a wrong phone and to close unwatched windows.
    /// Engines with nothing to keep may leave the default.
    async fn logout(&self, number: &NumberCtx) -> Result<(), EngineError> {
        self.delete(number).await
    }
    /// Stops running the number in this process without unlinking it: this process stops
    /// and another takes the number over (see `pairing::cluster`). Engines whose sessions
    /// live elsewhere, or that hand over on their own (embedded, at shutdown), leave the default.
    async fn let_go(&self, number: &NumberCtx) {
        let _ = number;
    }
    /// Sends a text message from this (connected) number; returns the engine's message id.
    /// With `id`, the message goes out under that id wherever the engine lets us choose it:
    /// WhatsApp keeps the first message of an id, so a retried send delivers once.
    /// Hands WhatsApp the (checked) assertion of the number's passkey ceremony.
    async fn passkey_response(
        &self,
        _number: &NumberCtx,
        _assertion: &crate::server::domain::passkey::Assertion,
    ) -> Result<(), EngineError> {
        Err(EngineError::Unsupported)
    }

    /// The person confirmed the code WhatsApp showed after the assertion: linking completes.
    async fn passkey_confirm(&self, _number: &NumberCtx) -> Result<(), EngineError> {
        Err(EngineError::Unsupported)
    }

    async fn send_text(&self, number: &NumberCtx, to: &PhoneE164, body: &str, id: Option<&str>) -> Result<String, EngineError>;
    /// Carries a number's settings (`profile`, after the change) to where they act, and says
    /// what became of the `changed` names. Engines that handle no messages act on none of
    /// them, which the default says.
    async fn apply_settings(&self, number: &NumberCtx, profile: &NumberProfile, changed: &[String]) -> SettingsSync {
        let _ = (number, profile);
        SettingsSync {
            skipped: changed.to_vec(),
            ..SettingsSync::default()
        }
    }
    /// How many sessions this engine holds in each link state (every state, zeros too), for
    /// `/metrics`. Engines that hold no sessions of their own report none.
    async fn session_counts(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }
}
