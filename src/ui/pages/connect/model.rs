//! Which screen the page shows, from what it knows. Pure, so it is tested without a browser.
use crate::types::links::TokenStatusOut;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    /// The first screen: who is asking, for which number, one button.
    Start,
    /// Asked for a window, waiting for the QR.
    Opening,
    /// A live QR and code.
    Pairing,
    /// The window closed unused: offer a new code.
    WindowClosed,
    /// The phone must confirm with its passkey.
    Passkey,
    /// WhatsApp refused; `retryable` when a new window may work.
    Failed {
        retryable: bool,
        why: Refusal,
    },
    Success,
    /// A Meta link: Embedded Signup or the credentials form.
    Meta,
    /// The link cannot be used: `LINK_EXPIRED`, `LINK_ALREADY_USED`, `LINK_REVOKED`, `LINK_NOT_FOUND`.
    Dead(String),
}

/// What the page can say about a refusal beyond "it failed".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A phone other than the link's number scanned (the service unlinked it again).
    WrongPhone,
    /// WhatsApp does not let this number link devices.
    Banned,
    /// WhatsApp Web linking cannot work for this phone here (the passkey could not be
    /// given, or WhatsApp refuses the client): no new QR helps, the official rail may.
    NoWebLinking,
    Other,
}

impl Refusal {
    pub fn of(reason: &str) -> Self {
        match reason {
            "wrong_number" => Self::WrongPhone,
            "banned" => Self::Banned,
            // The server's `meta_link::FALLBACK_REASONS`, where it accepts the official rail.
            "passkey_unsupported" | "client_outdated" => Self::NoWebLinking,
            _ => Self::Other,
        }
    }
}

impl Screen {
    /// A stable name for the page's `data-screen` attribute (styling hooks and tests).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Opening => "opening",
            Self::Pairing => "pairing",
            Self::WindowClosed => "window-closed",
            Self::Passkey => "passkey",
            Self::Failed { .. } => "failed",
            Self::Success => "success",
            Self::Meta => "meta",
            Self::Dead(_) => "dead",
        }
    }
}

/// `seconds_left` is the client's own countdown of the window; `meta` for Meta links.
pub fn screen(status: Option<&TokenStatusOut>, dead: Option<&str>, started: bool, seconds_left: i64, meta: bool) -> Screen {
    if let Some(code) = dead {
        return Screen::Dead(code.to_owned());
    }
    let Some(s) = status else { return Screen::Start };
    if s.is_fully_connected || s.state == "OPEN" {
        return Screen::Success;
    }
    if meta {
        return Screen::Meta;
    }
    match s.link_state.as_str() {
        "qr" | "code" if seconds_left > 0 => Screen::Pairing,
        "qr" | "code" => Screen::WindowClosed,
        "passkey_required" => Screen::Passkey,
        "failed" => match &s.failure {
            // The window ran out (ours, or the engine's QR limit): a new one is one click away.
            Some(f) if f.reason == "qr_window_closed" || f.reason == "qr_limit" => Screen::WindowClosed,
            Some(f) => Screen::Failed {
                retryable: f.retryable,
                why: Refusal::of(&f.reason),
            },
            None => Screen::Failed {
                retryable: true,
                why: Refusal::Other,
            },
        },
        _ if started => Screen::Opening,
        _ => Screen::Start,
    }
}

/// Whether the answer to the page's own "connect" may be shown. It is read when the window
/// opens, so the live stream may have told of that window, or of what followed it (the
/// phone at its passkey, a refusal, the connection), before the answer arrives. Once the
/// stream has spoken since the click of a window or later, its word is the newer one; before
/// that, or when it still shows what the click replaces, the answer is news.
#[cfg(any(feature = "hydrate", test))]
pub fn connect_answer_applies(now: Option<&TokenStatusOut>, heard_since_asked: bool) -> bool {
    let Some(s) = now.filter(|_| heard_since_asked) else { return true };
    let moved_on =
        s.is_fully_connected || s.state == "OPEN" || matches!(s.link_state.as_str(), "qr" | "code" | "passkey_required" | "connected");
    let refused = s
        .failure
        .as_ref()
        .is_some_and(|f| f.reason != "qr_window_closed" && f.reason != "qr_limit");
    !(moved_on || refused)
}

/// `template` with `{name}` replaced by `value`, for the translated sentences.
pub fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .fold(template.to_owned(), |acc, (k, v)| acc.replace(&format!("{{{k}}}"), v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{links::FailureOut, numbers::LinkOut};

    fn status(state: &str, link_state: &str, failure: Option<(&str, bool)>) -> TokenStatusOut {
        TokenStatusOut {
            state: state.into(),
            is_fully_connected: state == "OPEN",
            primary_link: LinkOut {
                state: state.into(),
                connected_at: None,
            },
            secondary_link: None,
            link_state: link_state.into(),
            failure: failure.map(|(reason, retryable)| FailureOut {
                reason: reason.into(),
                retryable,
            }),
            qrcode_base64: None,
            pairing_code: None,
            qr_expires_at: None,
            seconds_left: 100,
            expires_at: chrono::DateTime::UNIX_EPOCH,
            passkey: None,
        }
    }

    #[test]
    fn screens_follow_the_link() {
        assert_eq!(
            screen(None, Some("LINK_EXPIRED"), false, 0, false),
            Screen::Dead("LINK_EXPIRED".into())
        );
        assert_eq!(screen(Some(&status("CLOSE", "idle", None)), None, false, 0, false), Screen::Start);
        assert_eq!(screen(Some(&status("CLOSE", "idle", None)), None, true, 0, false), Screen::Opening);
        assert_eq!(
            screen(Some(&status("CONNECTING", "qr", None)), None, true, 30, false),
            Screen::Pairing
        );
        assert_eq!(
            screen(Some(&status("CONNECTING", "qr", None)), None, true, 0, false),
            Screen::WindowClosed
        );
        assert_eq!(
            screen(
                Some(&status("CLOSE", "failed", Some(("qr_window_closed", true)))),
                None,
                true,
                0,
                false
            ),
            Screen::WindowClosed
        );
        assert_eq!(
            screen(Some(&status("CLOSE", "failed", Some(("qr_limit", true)))), None, true, 0, false),
            Screen::WindowClosed
        );
        assert_eq!(
            screen(Some(&status("CLOSE", "failed", Some(("banned", false)))), None, true, 0, false),
            Screen::Failed {
                retryable: false,
                why: Refusal::Banned
            }
        );
        assert_eq!(
            screen(Some(&status("CLOSE", "failed", Some(("wrong_number", true)))), None, true, 0, false),
            Screen::Failed {
                retryable: true,
                why: Refusal::WrongPhone
            }
        );
        assert_eq!(
            screen(
                Some(&status("CLOSE", "failed", Some(("multidevice_disabled", false)))),
                None,
                true,
                0,
                false
            ),
            Screen::Failed {
                retryable: false,
                why: Refusal::Other
            }
        );
        assert_eq!(
            screen(Some(&status("CONNECTING", "passkey_required", None)), None, true, 30, false),
            Screen::Passkey
        );
        // Where no new QR helps, the screen says so (and offers the official rail, if on).
        for reason in ["passkey_unsupported", "client_outdated"] {
            assert_eq!(
                screen(Some(&status("CLOSE", "failed", Some((reason, false)))), None, true, 0, false),
                Screen::Failed {
                    retryable: false,
                    why: Refusal::NoWebLinking
                }
            );
        }
        assert_eq!(
            screen(Some(&status("OPEN", "connected", None)), None, true, 0, false),
            Screen::Success
        );
        assert_eq!(screen(Some(&status("CLOSE", "idle", None)), None, false, 0, true), Screen::Meta);
        assert_eq!(
            screen(Some(&status("CLOSE", "idle", None)), Some("LINK_EXPIRED"), false, 0, true),
            Screen::Dead("LINK_EXPIRED".into())
        );
    }

    #[test]
    fn fill_replaces_named_placeholders() {
        assert_eq!(
            fill("{company} · {number}", &[("company", "Acme"), ("number", "+55")]),
            "Acme · +55"
        );
    }

    #[test]
    fn a_connect_answer_never_undoes_what_the_stream_told_since_the_click() {
        let applies = |s: TokenStatusOut, heard| connect_answer_applies(Some(&s), heard);
        // Nothing heard since the click: the answer is the news.
        assert!(applies(status("CONNECTING", "passkey_required", None), false));
        assert!(connect_answer_applies(None, true));
        // Heard since: a window, the passkey, a refusal or the connection is newer.
        assert!(!applies(status("CONNECTING", "qr", None), true));
        assert!(!applies(status("CONNECTING", "code", None), true));
        assert!(!applies(status("CONNECTING", "passkey_required", None), true));
        assert!(!applies(status("OPEN", "connected", None), true));
        assert!(!applies(status("CLOSE", "failed", Some(("wrong_number", true))), true));
        // Heard since, but still what the click replaces: the answer is the news.
        assert!(applies(status("CLOSE", "idle", None), true));
        assert!(applies(status("CLOSE", "failed", Some(("qr_window_closed", true))), true));
    }
}
