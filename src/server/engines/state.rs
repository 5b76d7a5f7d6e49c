//! One vocabulary of link states for every engine, and how it maps to the API's states.
use chrono::{DateTime, Utc};

use crate::server::domain::NumberState;

#[derive(Clone, Debug, PartialEq)]
pub enum LinkState {
    /// Nothing under way.
    Idle,
    /// A linking window is open.
    Pairing(Pairing),
    Connected {
        phone_digits: String,
    },
    /// The phone removed the device, or the session ended for good.
    LoggedOut {
        reason: String,
    },
    /// Linking stopped; `retryable` when opening a new window may work.
    Failed {
        reason: String,
        retryable: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pairing {
    pub qr: Option<QrRef>,
    pub code: Option<PairCode>,
    /// When the window closes and a new one must be opened.
    pub window_ends_at: DateTime<Utc>,
}

/// One QR reference: the raw text a phone scans.
#[derive(Clone, Debug, PartialEq)]
pub struct QrRef {
    pub payload: String,
    /// 1 for the first ref of a window.
    pub seq: u32,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq)]
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

impl LinkState {
    pub fn number_state(&self) -> NumberState {
        match self {
            Self::Pairing(_) => NumberState::Connecting,
            Self::Connected { .. } => NumberState::Open,
            Self::Idle | Self::LoggedOut { .. } | Self::Failed { .. } => NumberState::Close,
        }
    }

    /// Every [`LinkState::label`], for metrics that must report zeros too.
    pub const LABELS: [&'static str; 5] = ["idle", "pairing", "connected", "logged_out", "failed"];

    /// A short name of the state, for metrics labels.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Pairing(_) => "pairing",
            Self::Connected { .. } => "connected",
            Self::LoggedOut { .. } => "logged_out",
            Self::Failed { .. } => "failed",
        }
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
        assert_eq!(LinkState::Idle.number_state(), NumberState::Close);
        assert_eq!(LinkState::Connected { phone_digits: "1".into() }.number_state(), NumberState::Open);
        let pairing = Pairing {
            qr: None,
            code: None,
            window_ends_at: Utc::now(),
        };
        assert_eq!(LinkState::Pairing(pairing).number_state(), NumberState::Connecting);
        assert_eq!(
            LinkState::Failed {
                reason: "x".into(),
                retryable: true
            }
            .number_state(),
            NumberState::Close
        );
    }
}
