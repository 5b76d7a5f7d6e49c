//! whatsapp-rust's events in our vocabulary: first a [`Signal`] (what happened, engine
//! words dropped), then a [`Step`] (the state to publish and what the session must do).
//! Pure functions, so every event has a unit test without a socket.
use std::time::Duration;

use chrono::{DateTime, Utc};
use whatsapp_rust::prelude::Event;

use crate::server::engines::{LinkState, PairCode, Pairing, QrRef, reason};

/// What an event means to us.
#[derive(Clone, Debug, PartialEq)]
pub enum Signal {
    Qr {
        code: String,
        ttl: Duration,
    },
    Code {
        code: String,
        ttl: Duration,
    },
    /// The pairing code is void; a new one may be requested.
    CodeRefresh,
    /// No pairing code is coming; `throttled` means ask again only after a pause.
    CodeFailed {
        throttled: bool,
        reason: String,
    },
    /// The window's QR refs are used up.
    QrExhausted,
    /// The phone scanned or typed the code; `phone_digits` is the number it belongs to.
    Paired {
        phone_digits: String,
    },
    PairFailed {
        reason: String,
    },
    Connected,
    LoggedOut {
        reason: String,
    },
    /// Another client took this device's session.
    Replaced,
    Banned {
        reason: String,
    },
    ConnectFailure {
        reason: String,
        retryable: bool,
    },
    Outdated,
    /// An unexpected drop; the client reconnects by itself.
    Dropped {
        reason: String,
    },
    /// WhatsApp's 2026 passkey gate: its request options (JSON, verbatim) for the ceremony.
    PasskeyRequired {
        options: String,
    },
    /// WhatsApp accepted the assertion; a first link must confirm `code`, a re-link
    /// (`skip`) needs no one.
    PasskeyConfirmation {
        code: String,
        skip: bool,
    },
    /// WhatsApp refused the assertion or the step timed out: a new window may try again.
    PasskeyFailed,
}

/// What the session does besides publishing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    None,
    /// Close the socket, keep the keys (a new window can reuse them).
    Stop,
    /// Close the socket and delete the device store: the device is gone for good.
    Wipe,
    /// Unlink the device from the phone, then wipe: it paired with the wrong number.
    LogoutAndWipe,
    /// Save the device keys where another process can take over from.
    SaveKeys,
    /// Confirm the passkey link without a person (a re-link WhatsApp lets skip the code).
    ConfirmPasskey,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// `None`: nothing to publish.
    pub state: Option<LinkState>,
    pub action: Action,
}

impl Step {
    fn publish(state: LinkState, action: Action) -> Self {
        Self {
            state: Some(state),
            action,
        }
    }

    fn quiet() -> Self {
        Self {
            state: None,
            action: Action::None,
        }
    }
}

/// `None` for the many events that say nothing about the link (messages, presence, …).
pub fn signal_of(event: &Event) -> Option<Signal> {
    Some(match event {
        Event::PairingQrCode(qr) => Signal::Qr {
            code: qr.code.clone(),
            ttl: qr.timeout,
        },
        Event::PairingCode(code) => Signal::Code {
            code: code.code.replace('-', ""),
            ttl: code.timeout,
        },
        Event::PairingCodeRefresh(_) => Signal::CodeRefresh,
        Event::PairingCodeError(err) => Signal::CodeFailed {
            throttled: err.rejection.is_some_and(|r| r.is_throttled()),
            reason: match err.rejection {
                Some(r) => format!("pair_code_rejected_{}", r.code()),
                None => "pair_code_unanswered".into(),
            },
        },
        Event::PairingQrCodesExhausted(_) => Signal::QrExhausted,
        Event::PairSuccess(ok) => Signal::Paired {
            phone_digits: ok.id.user.to_string(),
        },
        Event::PairError(err) => Signal::PairFailed {
            reason: format!("pair_error: {}", err.error),
        },
        Event::QrScannedWithoutMultidevice(_) => Signal::PairFailed {
            reason: "multidevice_disabled".into(),
        },
        Event::Connected(_) => Signal::Connected,
        Event::LoggedOut(out) => Signal::LoggedOut {
            reason: logout_reason(out.reason.code()),
        },
        Event::StreamReplaced(_) => Signal::Replaced,
        Event::TemporaryBan(_) => Signal::Banned {
            reason: reason::BANNED.into(),
        },
        Event::ConnectFailure(f) => Signal::ConnectFailure {
            reason: format!("connect_failure_{}", f.reason.code()),
            retryable: f.reason.should_reconnect(),
        },
        Event::ClientOutdated(_) => Signal::Outdated,
        Event::Disconnected(d) => Signal::Dropped {
            reason: d.reason.to_string(),
        },
        Event::PairPasskeyRequest(request) => Signal::PasskeyRequired {
            options: request.request_options_json.clone(),
        },
        Event::PairPasskeyConfirmation(c) => Signal::PasskeyConfirmation {
            code: c.code.clone(),
            skip: c.skip_handoff_ux,
        },
        Event::PairPasskeyError(_) => Signal::PasskeyFailed,
        _ => return None,
    })
}

/// WhatsApp's logout codes in the words our webhooks use: 403 is a locked account, every
/// other code (401 device removed, 406 unknown, …) a plain logout.
fn logout_reason(code: i32) -> String {
    match code {
        403 => reason::BANNED.into(),
        _ => reason::LOGGED_OUT.into(),
    }
}

/// The state a signal leads to from `prior`. `expected_digits` is the number the platform
/// created: a phone that pairs as another number is refused.
pub fn step(signal: Signal, prior: &LinkState, expected_digits: &str, now: DateTime<Utc>) -> Step {
    let pairing = || prior.pairing().cloned();
    match signal {
        Signal::Qr { code, ttl } => {
            let mut p = pairing().unwrap_or_else(|| fresh_window(now));
            let seq = p.qr.as_ref().map_or(1, |q| if q.payload == code { q.seq } else { q.seq + 1 });
            p.qr = Some(QrRef {
                payload: code,
                seq,
                expires_at: now + ttl,
            });
            Step::publish(LinkState::Pairing(p), Action::None)
        }
        Signal::Code { code, ttl } => {
            let mut p = pairing().unwrap_or_else(|| fresh_window(now));
            p.code = Some(PairCode {
                code,
                expires_at: now + ttl,
            });
            Step::publish(LinkState::Pairing(p), Action::None)
        }
        Signal::CodeRefresh | Signal::CodeFailed { .. } => match pairing() {
            // The QR stays good; only the code is void.
            Some(mut p) if p.code.is_some() => {
                p.code = None;
                Step::publish(LinkState::Pairing(p), Action::None)
            }
            _ => Step::quiet(),
        },
        Signal::QrExhausted => Step::publish(failed(reason::QR_WINDOW_CLOSED, true), Action::Stop),
        // Refused here too, not only by the service: the device must not stay linked to a
        // phone the platform did not mean, whoever notices first.
        Signal::Paired { phone_digits } if phone_digits != expected_digits => {
            Step::publish(failed(reason::WRONG_NUMBER, true), Action::LogoutAndWipe)
        }
        // WhatsApp closes the socket right after pairing (515) and the client logs in again;
        // `Connected` follows.
        Signal::Paired { phone_digits } => Step::publish(LinkState::Paired { phone_digits }, Action::SaveKeys),
        Signal::PairFailed { reason } => Step::publish(failed(&reason, false), Action::Wipe),
        Signal::Connected => Step::publish(
            LinkState::Connected {
                phone_digits: expected_digits.to_owned(),
            },
            Action::SaveKeys,
        ),
        Signal::LoggedOut { reason } => Step::publish(LinkState::LoggedOut { reason }, Action::Wipe),
        Signal::Replaced => Step::publish(
            LinkState::LoggedOut {
                reason: reason::REPLACED.into(),
            },
            Action::Stop,
        ),
        Signal::Banned { reason } => Step::publish(LinkState::LoggedOut { reason }, Action::Stop),
        Signal::ConnectFailure { retryable: true, .. } => Step::quiet(),
        // The client reconnects by itself; the watchdog decides whether it is news.
        Signal::Dropped { .. } => match prior {
            LinkState::Connected { .. } => Step::publish(
                LinkState::Disconnected {
                    reason: reason::CONNECTION_LOST.into(),
                },
                Action::None,
            ),
            _ => Step::quiet(),
        },
        Signal::ConnectFailure { reason, retryable: false } => match prior {
            LinkState::Connected { .. } => Step::publish(LinkState::LoggedOut { reason }, Action::Stop),
            _ => Step::publish(failed(&reason, true), Action::Stop),
        },
        Signal::Outdated => Step::publish(failed(reason::CLIENT_OUTDATED, false), Action::Stop),
        // WhatsApp asks for the account's passkey and waits its options' `timeout` (ten
        // minutes): the socket stays open that long, the page and the ceremony say so.
        Signal::PasskeyRequired { options } => Step::publish(
            LinkState::PasskeyRequired {
                expires_at: Some(now + passkey_wait(&options)),
                request: Some(options),
                confirmation: None,
            },
            Action::None,
        ),
        Signal::PasskeyFailed => Step::publish(failed(reason::PASSKEY_REJECTED, true), Action::Wipe),
        Signal::PasskeyConfirmation { code, skip } => {
            let expires_at = match prior {
                LinkState::PasskeyRequired { expires_at, .. } => *expires_at,
                _ => Some(now + PASSKEY_WAIT),
            };
            let request = match prior {
                LinkState::PasskeyRequired { request, .. } => request.clone(),
                _ => None,
            };
            let state = LinkState::PasskeyRequired {
                expires_at,
                request,
                // A re-link is confirmed here at once: nobody needs to see its code.
                confirmation: (!skip).then_some(code),
            };
            Step::publish(state, if skip { Action::ConfirmPasskey } else { Action::None })
        }
    }
}

fn failed(reason: &str, retryable: bool) -> LinkState {
    LinkState::Failed {
        reason: reason.into(),
        retryable,
    }
}

/// How long WhatsApp waits for a passkey confirmation, when its options do not say.
pub const PASSKEY_WAIT: Duration = Duration::from_secs(600);

/// The options' `timeout` (milliseconds), within reason; WhatsApp's ten minutes otherwise.
fn passkey_wait(options: &str) -> Duration {
    serde_json::from_str::<serde_json::Value>(options)
        .ok()
        .and_then(|v| v.get("timeout").and_then(serde_json::Value::as_u64))
        .map(Duration::from_millis)
        .filter(|d| (Duration::from_secs(30)..=Duration::from_secs(1800)).contains(d))
        .unwrap_or(PASSKEY_WAIT)
}

/// WhatsApp's window: six refs, 60 s then 20 s each. The QR events carry the exact times.
pub const WINDOW: Duration = Duration::from_secs(160);

fn fresh_window(now: DateTime<Utc>) -> Pairing {
    Pairing {
        qr: None,
        code: None,
        window_ends_at: now + WINDOW,
    }
}

#[cfg(test)]
mod tests;
