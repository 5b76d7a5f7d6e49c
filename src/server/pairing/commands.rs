//! What one process may ask of the process that owns a number, and how a refusal travels
//! back. Both cross the database as JSON (sealed at rest: a message body may hold a link).
use serde::{Deserialize, Serialize};

use crate::server::engines::{
    EngineError,
    sandbox::{SandboxCredential, SimulationError},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Action {
    /// Open (or join) a linking window; `code_for` an E.164 phone for a pairing code.
    Open { code_for: Option<String> },
    /// Open the next window of a link a page watches (caps and backoff apply).
    Reopen,
    /// Send a text from the (connected) number; under message id `id` when given, so a
    /// send that is retried reaches the recipient once.
    Send {
        to: String,
        body: String,
        #[serde(default)]
        id: Option<String>,
    },
    /// Sandbox: the phone scans (as `phone`, when not the number's own).
    Scan { phone: Option<String> },
    /// Sandbox: the phone removes the linked device.
    Unlink,
    /// Sandbox: WhatsApp asks the phone for its passkey (which the account holds when a
    /// credential is given: the ceremony can then answer).
    Passkey {
        #[serde(default)]
        credential: Option<SandboxCredential>,
    },
    /// The passkey ceremony's assertion (`PublicKeyCredential.toJSON()`), already checked:
    /// hand it to WhatsApp.
    PasskeyAssertion { assertion: String },
    /// The person confirmed the code WhatsApp showed after the assertion.
    PasskeyConfirm,
    /// Sandbox: linking fails for good.
    Fail { reason: String },
    /// Ends the number's linking window and drops its engine session: the number leaves
    /// the WhatsApp Web rail (its link finished on the official one).
    Release,
    /// The number is deleted or purged: its device is unlinked and its keys wiped where its
    /// session runs, then its lease given up.
    Delete,
}

/// Why an action failed, in a form that crosses processes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
    /// For `RateLimited`: how long WhatsApp asked us to wait.
    #[serde(default)]
    pub retry_after_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Unsupported,
    Conflict,
    RateLimited,
    Unavailable,
    NotConnected,
    NotPairing,
    AlreadyConnected,
    /// The owner did not take the command (it stops, died or hangs): it never ran.
    NoAnswer,
    /// The owner stopped while running the command: its outcome is unknown, and it is not
    /// sent again.
    Interrupted,
    /// The number or its engine is gone.
    NotFound,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            retry_after_ms: None,
        }
    }

    pub fn unavailable(message: &str) -> Self {
        Self::new(FailureKind::Unavailable, message)
    }

    /// The engine error this stands for, for callers that speak the engine's language.
    pub fn into_engine_error(self) -> EngineError {
        match self.kind {
            FailureKind::Unsupported => EngineError::Unsupported,
            FailureKind::Conflict | FailureKind::AlreadyConnected => EngineError::Conflict(self.message),
            FailureKind::RateLimited => EngineError::RateLimited {
                retry_after: self.retry_after_ms.map(std::time::Duration::from_millis),
            },
            FailureKind::NotConnected => EngineError::NotConnected,
            FailureKind::Unavailable
            | FailureKind::NoAnswer
            | FailureKind::Interrupted
            | FailureKind::NotPairing
            | FailureKind::NotFound => EngineError::Unavailable(self.message),
        }
    }
}

impl From<EngineError> for Failure {
    fn from(err: EngineError) -> Self {
        let message = err.to_string();
        match err {
            EngineError::Unsupported => Self::new(FailureKind::Unsupported, message),
            EngineError::Conflict(m) => Self::new(FailureKind::Conflict, m),
            EngineError::RateLimited { retry_after } => Self {
                retry_after_ms: retry_after.map(|d| d.as_millis() as u64),
                ..Self::new(FailureKind::RateLimited, message)
            },
            EngineError::Unavailable(m) => Self::new(FailureKind::Unavailable, m),
            EngineError::Moving(m) => Self::new(FailureKind::NoAnswer, m),
            EngineError::NotConnected => Self::new(FailureKind::NotConnected, message),
        }
    }
}

impl From<SimulationError> for Failure {
    fn from(err: SimulationError) -> Self {
        let kind = match err {
            SimulationError::NotPairing => FailureKind::NotPairing,
            SimulationError::AlreadyConnected => FailureKind::AlreadyConnected,
            SimulationError::NotConnected => FailureKind::NotConnected,
        };
        Self::new(kind, err.to_string())
    }
}

impl From<crate::server::store::StoreError> for Failure {
    fn from(err: crate::server::store::StoreError) -> Self {
        match err {
            crate::server::store::StoreError::NotFound => Self::new(FailureKind::NotFound, "no such number"),
            other => Self::new(FailureKind::Unavailable, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_and_failures_cross_as_json() {
        for action in [
            Action::Open {
                code_for: Some("+5511999998888".into()),
            },
            Action::Reopen,
            Action::Send {
                to: "+1".into(),
                body: "hi".into(),
                id: Some("3EB0AA".into()),
            },
            Action::Scan { phone: None },
            Action::Unlink,
            Action::Passkey { credential: None },
            Action::PasskeyAssertion { assertion: "{}".into() },
            Action::PasskeyConfirm,
            Action::Fail { reason: "banned".into() },
            Action::Release,
            Action::Delete,
        ] {
            let text = serde_json::to_string(&action).unwrap();
            assert_eq!(serde_json::from_str::<Action>(&text).unwrap(), action);
        }
        let throttled = Failure::from(EngineError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(3)),
        });
        let back: Failure = serde_json::from_str(&serde_json::to_string(&throttled).unwrap()).unwrap();
        assert!(matches!(
            back.into_engine_error(),
            EngineError::RateLimited { retry_after: Some(d) } if d.as_secs() == 3
        ));
    }

    /// A window asked for on a process that began to stop, or whose lease was taken in
    /// between, opened nothing: the asker hears "try again" (409), never a server fault (the
    /// chaos test saw a 503 here).
    #[test]
    fn a_number_moving_is_a_409_to_repeat_not_a_5xx() {
        let moving = || EngineError::Moving("this process is stopping".into());
        assert_eq!(Failure::from(moving()).kind, FailureKind::NoAnswer);
        for err in [crate::server::error::ApiError::from(moving()), Failure::from(moving()).into()] {
            assert_eq!((err.status.as_u16(), err.code), (409, "NUMBER_MOVING"));
        }
    }
}
