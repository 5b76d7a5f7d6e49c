//! Evolution's webhooks and `connect` answers, read into our link states. Pure functions, so
//! every signal's mapping is unit-tested without a server.
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::server::engines::{LinkState, PairCode, Pairing, QrRef, reason};

/// WhatsApp's QR cadence within one linking socket: the first ref lives 60 s, the next 20 s.
pub const FIRST_REF: Duration = Duration::seconds(60);
pub const NEXT_REF: Duration = Duration::seconds(20);
/// Six refs: the window a phone has to scan before WhatsApp closes the socket.
pub const WINDOW: Duration = Duration::seconds(160);
/// How long WhatsApp honours a pairing code.
pub const CODE_VALIDITY: Duration = Duration::seconds(180);

/// The envelope Evolution posts: `{event, instance, data, destination, date_time, …}`.
#[derive(Debug, Deserialize)]
pub struct Hook {
    pub event: String,
    pub instance: String,
    #[serde(default)]
    pub data: Value,
}

/// What an Evolution message says, before we know what we last showed.
#[derive(Debug, PartialEq)]
pub enum Signal {
    /// A QR ref (and, when a phone was given to `connect`, the pairing code Evolution fetched).
    Qr {
        code: Option<String>,
        pairing_code: Option<String>,
    },
    /// Evolution's `QRCODE_LIMIT` was reached; it ends the socket.
    QrLimit,
    /// `state: open`, with the phone's JID (`5511…:12@s.whatsapp.net`).
    Open {
        wuid: Option<String>,
    },
    Connecting,
    Close {
        status_reason: Option<u16>,
    },
    /// `state: refused`: Evolution gave up on this socket (after the QR limit).
    Refused,
    /// The instance was logged out (`logout.instance`, or `status.instance` closed).
    LoggedOut,
    /// Anything we do not act on.
    Ignored,
}

/// Reads a webhook. Unknown events are `Ignored`, never an error: Evolution may send more
/// than we subscribed to.
pub fn signal(hook: &Hook) -> Signal {
    let data = &hook.data;
    match hook.event.as_str() {
        "qrcode.updated" => {
            let qr = &data["qrcode"];
            let code = text(&qr["code"]);
            // The limit notice comes as `{message, statusCode: 500}` in place of a QR.
            if code.is_none() && (data["statusCode"].as_u64() == Some(500) || qr["statusCode"].as_u64() == Some(500)) {
                return Signal::QrLimit;
            }
            Signal::Qr {
                code,
                pairing_code: text(&qr["pairingCode"]),
            }
        }
        "connection.update" => match data["state"].as_str() {
            Some("open") => Signal::Open { wuid: text(&data["wuid"]) },
            Some("connecting") => Signal::Connecting,
            Some("close") => Signal::Close {
                status_reason: data["statusReason"].as_u64().and_then(|r| u16::try_from(r).ok()),
            },
            Some("refused") => Signal::Refused,
            _ => Signal::Ignored,
        },
        "logout.instance" => Signal::LoggedOut,
        "status.instance" if data["status"].as_str() == Some("closed") => Signal::LoggedOut,
        _ => Signal::Ignored,
    }
}

/// Our state after `signal`, given the state we last published (`prev`); `None` when nothing
/// changes. `now` stamps QR and code lifetimes.
pub fn next_state(prev: Option<&LinkState>, signal: Signal, now: DateTime<Utc>) -> Option<LinkState> {
    match signal {
        Signal::Qr { code, pairing_code } => {
            let prev = prev.and_then(LinkState::pairing).filter(|p| p.window_ends_at > now);
            Some(LinkState::Pairing(pairing_from(prev, code, pairing_code, None, now)))
        }
        Signal::QrLimit | Signal::Refused => Some(LinkState::Failed {
            reason: reason::QR_LIMIT.into(),
            retryable: true,
        }),
        Signal::Open { wuid } => Some(LinkState::Connected {
            phone_digits: wuid.as_deref().map(jid_digits).unwrap_or_default(),
        }),
        // The QR that follows says more; "connecting" alone changes nothing we show.
        Signal::Connecting => None,
        Signal::Close { status_reason } => Some(close_state(status_reason)),
        Signal::LoggedOut => Some(LinkState::LoggedOut {
            reason: reason::LOGGED_OUT.into(),
        }),
        Signal::Ignored => None,
    }
}

/// Baileys' disconnect codes. Evolution gives up (no reconnect) on 401, 402, 403 and 406;
/// everything else it reconnects by itself.
fn close_state(status_reason: Option<u16>) -> LinkState {
    let logged_out = |reason: &str| LinkState::LoggedOut { reason: reason.into() };
    match status_reason {
        Some(401 | 406) => logged_out(reason::LOGGED_OUT),
        // 402: temporarily banned; 403: forbidden / account locked.
        Some(402 | 403) => logged_out(reason::BANNED),
        // 440: another client took the session; Evolution reconnects and may take it back.
        Some(440) => LinkState::Disconnected {
            reason: reason::REPLACED.into(),
        },
        _ => LinkState::Disconnected {
            reason: reason::CONNECTION_LOST.into(),
        },
    }
}

/// A pairing state from a QR and/or code, continuing `prev` (the live window) if any:
/// the window's end is kept, the QR sequence goes on, a code Evolution did not resend is kept.
pub fn pairing_from(
    prev: Option<&Pairing>,
    code: Option<String>,
    pairing_code: Option<String>,
    count: Option<u32>,
    now: DateTime<Utc>,
) -> Pairing {
    let window_ends_at = prev.map_or(now + WINDOW, |p| p.window_ends_at);
    let prev_qr = prev.and_then(|p| p.qr.as_ref());
    let qr = match code {
        // The same ref again (e.g. `connect` on a live socket) keeps its lifetime.
        Some(code) if prev_qr.is_some_and(|q| q.payload == code) => prev_qr.cloned(),
        Some(payload) => {
            let seq = count.filter(|c| *c > 0).unwrap_or_else(|| prev_qr.map_or(1, |q| q.seq + 1));
            let life = if seq <= 1 { FIRST_REF } else { NEXT_REF };
            Some(QrRef {
                payload,
                seq,
                expires_at: now + life,
            })
        }
        None => prev_qr.cloned(),
    };
    let prev_code = prev.and_then(|p| p.code.clone());
    let code = match pairing_code.filter(|c| is_pair_code(c)) {
        Some(c) if prev_code.as_ref().is_some_and(|p| p.code == c) => prev_code,
        Some(code) => Some(PairCode {
            code,
            expires_at: now + CODE_VALIDITY,
        }),
        None => prev_code,
    };
    Pairing { qr, code, window_ends_at }
}

/// The phone digits of a WhatsApp JID: `5511999999999:12@s.whatsapp.net` → `5511999999999`.
pub fn jid_digits(jid: &str) -> String {
    let user = jid.split('@').next().unwrap_or_default();
    user.split(':')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// WhatsApp's codes: eight characters of its alphabet (Evolution sends `null` or junk otherwise).
fn is_pair_code(code: &str) -> bool {
    code.len() == 8
        && code
            .bytes()
            .all(|b| crate::server::engines::sandbox::PAIR_CODE_ALPHABET.contains(&b))
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests;
