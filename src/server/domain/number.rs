//! The number lifecycle vocabulary of the API: `OPEN`, `CONNECTING`, `CLOSE`.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NumberState {
    /// Paired and online.
    Open,
    /// A linking window is open: a QR or pairing code is live.
    Connecting,
    /// Not paired; a new link or QR is needed.
    Close,
}

impl NumberState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Connecting => "CONNECTING",
            Self::Close => "CLOSE",
        }
    }

    /// Reads a value we wrote ourselves; anything unknown is treated as not paired.
    pub fn from_stored(value: &str) -> Self {
        match value {
            "OPEN" => Self::Open,
            "CONNECTING" => Self::Connecting,
            _ => Self::Close,
        }
    }
}

/// Which rail a number is on, in the documented vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Provider {
    /// Linked as a companion device by QR or pairing code.
    PilotStatus,
    /// Meta's Cloud API.
    Meta,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PilotStatus => "PILOT_STATUS",
            Self::Meta => "META",
        }
    }

    pub fn from_stored(value: &str) -> Self {
        if value == "META" { Self::Meta } else { Self::PilotStatus }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_storage() {
        for s in [NumberState::Open, NumberState::Connecting, NumberState::Close] {
            assert_eq!(NumberState::from_stored(s.as_str()), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for p in [Provider::PilotStatus, Provider::Meta] {
            assert_eq!(Provider::from_stored(p.as_str()), p);
        }
    }
}
