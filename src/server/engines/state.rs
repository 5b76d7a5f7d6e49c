//! One vocabulary of link states for every engine, and how it maps to the API's states.
use chrono::{DateTime, Utc};

use crate::server::domain::NumberState;

/// Serialised as the runtime shares it between processes (`link_views`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LinkState {
    /// Nothing under way.
    Idle,
    /// A linking window is open.
    Pairing(Pairing),
    /// The phone scanned or typed the code and WhatsApp now wants its passkey (WebAuthn)
    /// confirmed on the phone before the device is linked.
    PasskeyRequired {
        expires_at: Option<DateTime<Utc>>,
        /// WhatsApp's `PublicKeyCredentialRequestOptions` JSON, verbatim: for the ceremony's
        /// extension only, never for the page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<String>,
        /// The `XXXX-XXXX` code WhatsApp asks the person to confirm once it accepted the
        /// assertion (a first link; a re-link skips it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirmation: Option<String>,
    },
    /// The phone accepted the device; the session is being set up. Carries the phone that
    /// paired so the service can refuse one that is not the expected number.
    Paired {
        phone_digits: String,
    },
    Connected {
        phone_digits: String,
    },
    /// The connection dropped and the engine reconnects by itself: not a state change of the
    /// number (a flap must not read as a disconnection; a watchdog confirms real ones).
    Disconnected {
        reason: String,
    },
    /// The phone removed the device, or the session ended for good ([`reason`] says why:
    /// `logged_out`, `replaced`, `banned`, …).
    LoggedOut {
        reason: String,
    },
    /// Linking stopped; `retryable` when opening a new window may work.
    Failed {
        reason: String,
        retryable: bool,
    },
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pairing {
    pub qr: Option<QrRef>,
    pub code: Option<PairCode>,
    /// When the window closes and a new one must be opened.
    pub window_ends_at: DateTime<Utc>,
}

/// One QR reference: the raw text a phone scans.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QrRef {
    pub payload: String,
    /// 1 for the first ref of a window.
    pub seq: u32,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairCode {
    /// Eight characters, no dash.
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

impl PairCode {
    /// `ABCD-1234`, as WhatsApp shows it and people type it.
    pub fn display(&self) -> String {
        let (a, b) = self.code.split_at(self.code.len() / 2);
        format!("{a}-{b}")
    }
}

/// The reasons engines and the service put in `LoggedOut` and `Failed`, as the API shows them.
pub mod reason {
    /// The linking window ran out of QR refs (routine: the page opens another).
    pub const QR_WINDOW_CLOSED: &str = "qr_window_closed";
    /// The engine's own cap on QR codes was reached (Evolution's `QRCODE_LIMIT`).
    pub const QR_LIMIT: &str = "qr_limit";
    /// WhatsApp asked us to slow down (pairing codes, reconnects).
    pub const THROTTLED: &str = "throttled";
    /// A phone other than the number's paired; the service refused it.
    pub const WRONG_NUMBER: &str = "wrong_number";
    /// The phone removed the device, or WhatsApp logged the session out.
    pub const LOGGED_OUT: &str = "logged_out";
    /// Another client took over the session.
    pub const REPLACED: &str = "replaced";
    /// WhatsApp banned or locked the account (temporarily or not).
    pub const BANNED: &str = "banned";
    /// WhatsApp no longer accepts this client version.
    pub const CLIENT_OUTDATED: &str = "client_outdated";
    /// The engine could not reach WhatsApp in time.
    pub const CONNECT_TIMEOUT: &str = "connect_timeout";
    /// WhatsApp wanted a passkey we could not provide.
    pub const PASSKEY_UNSUPPORTED: &str = "passkey_unsupported";
    /// WhatsApp refused the passkey assertion (a wrong signature, challenge or a replay).
    pub const PASSKEY_REJECTED: &str = "passkey_rejected";
    /// The transport dropped; the engine is reconnecting.
    pub const CONNECTION_LOST: &str = "connection_lost";
}

impl LinkState {
    /// The number's API state this link state settles, or `None` when it changes nothing
    /// (a transient drop: the number keeps the state it had).
    /// Whether a client runs for the number in this state (a window open, a pairing under
    /// way, a session connected or reconnecting): its lease must stay held.
    pub fn runs_a_client(&self) -> bool {
        matches!(
            self,
            Self::Pairing(_) | Self::PasskeyRequired { .. } | Self::Paired { .. } | Self::Connected { .. } | Self::Disconnected { .. }
        )
    }

    pub fn number_state(&self) -> Option<NumberState> {
        match self {
            Self::Pairing(_) | Self::PasskeyRequired { .. } | Self::Paired { .. } => Some(NumberState::Connecting),
            Self::Connected { .. } => Some(NumberState::Open),
            Self::Idle | Self::LoggedOut { .. } | Self::Failed { .. } => Some(NumberState::Close),
            Self::Disconnected { .. } => None,
        }
    }

    /// Every [`LinkState::label`], for metrics that must report zeros too.
    pub const LABELS: [&'static str; 8] = [
        "idle",
        "pairing",
        "passkey_required",
        "paired",
        "connected",
        "disconnected",
        "logged_out",
        "failed",
    ];

    /// A short name of the state, for metrics labels.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Pairing(_) => "pairing",
            Self::PasskeyRequired { .. } => "passkey_required",
            Self::Paired { .. } => "paired",
            Self::Connected { .. } => "connected",
            Self::Disconnected { .. } => "disconnected",
            Self::LoggedOut { .. } => "logged_out",
            Self::Failed { .. } => "failed",
        }
    }

    /// A linking window that ended by itself and may simply be opened again.
    pub fn is_closed_window(&self) -> bool {
        matches!(self, Self::Failed { reason: why, retryable: true } if why != reason::WRONG_NUMBER)
    }

    pub fn pairing(&self) -> Option<&Pairing> {
        match self {
            Self::Pairing(p) => Some(p),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_codes_display_with_a_dash_in_the_middle() {
        let code = PairCode {
            code: "ABCD1234".into(),
            expires_at: Utc::now(),
        };
        assert_eq!(code.display(), "ABCD-1234");
    }

    #[test]
    fn link_states_map_to_api_states() {
        assert_eq!(LinkState::Idle.number_state(), Some(NumberState::Close));
        assert_eq!(
            LinkState::Connected { phone_digits: "1".into() }.number_state(),
            Some(NumberState::Open)
        );
        assert_eq!(
            LinkState::Paired { phone_digits: "1".into() }.number_state(),
            Some(NumberState::Connecting)
        );
        assert_eq!(
            LinkState::PasskeyRequired {
                expires_at: None,
                request: None,
                confirmation: None
            }
            .number_state(),
            Some(NumberState::Connecting)
        );
        assert_eq!(LinkState::Disconnected { reason: "x".into() }.number_state(), None);
        assert_eq!(LinkState::LoggedOut { reason: "x".into() }.number_state(), Some(NumberState::Close));
        let pairing = Pairing {
            qr: None,
            code: None,
            window_ends_at: Utc::now(),
        };
        assert_eq!(LinkState::Pairing(pairing).number_state(), Some(NumberState::Connecting));
        assert_eq!(
            LinkState::Failed {
                reason: "x".into(),
                retryable: true
            }
            .number_state(),
            Some(NumberState::Close)
        );
    }
}
