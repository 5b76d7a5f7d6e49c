//! Every Evolution signal, from recorded payloads (`tests/fixtures/evolution`), to our state.
use super::*;

const WUID: &str = "5511999998888:12@s.whatsapp.net";
const QR: &str = "2@abc,noise,identity,adv,1";

fn hook(name: &str) -> Hook {
    let path = format!("{}/tests/fixtures/evolution/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let raw = raw
        .replace("{{instance}}", "ten_1-num_1")
        .replace("{{wuid}}", WUID)
        .replace("{{qr}}", QR)
        .replace("{{webhook_url}}", "https://pair.example/hooks/evolution/s");
    serde_json::from_str(&raw).unwrap()
}

fn now() -> DateTime<Utc> {
    crate::server::domain::from_millis(1_764_064_800_000)
}

fn map(name: &str, prev: Option<&LinkState>) -> Option<LinkState> {
    next_state(prev, signal(&hook(name)), now())
}

fn logged_out(reason: &str) -> Option<LinkState> {
    Some(LinkState::LoggedOut { reason: reason.into() })
}

fn disconnected(reason: &str) -> Option<LinkState> {
    Some(LinkState::Disconnected { reason: reason.into() })
}

#[test]
fn a_first_qr_opens_a_window_of_six_refs() {
    let state = map("hook_qrcode_updated", None).unwrap();
    let p = state.pairing().unwrap();
    let qr = p.qr.as_ref().unwrap();
    assert_eq!((qr.payload.as_str(), qr.seq), (QR, 1));
    assert_eq!(qr.expires_at, now() + FIRST_REF);
    assert_eq!(p.window_ends_at, now() + WINDOW);
    assert_eq!(p.code, None);
    assert_eq!(hook("hook_qrcode_updated").instance, "ten_1-num_1");
}

#[test]
fn a_rotated_qr_continues_the_window_and_keeps_the_code() {
    let opened = now() - Duration::seconds(60);
    let prev = LinkState::Pairing(Pairing {
        qr: Some(QrRef {
            payload: "2@old,n,i,a,1".into(),
            seq: 1,
            expires_at: now(),
        }),
        code: Some(PairCode {
            code: "WZYEH1YY".into(),
            expires_at: opened + CODE_VALIDITY,
        }),
        window_ends_at: opened + WINDOW,
    });
    let next = map("hook_qrcode_updated", Some(&prev)).unwrap();
    let p = next.pairing().unwrap();
    let qr = p.qr.as_ref().unwrap();
    assert_eq!((qr.payload.as_str(), qr.seq, qr.expires_at), (QR, 2, now() + NEXT_REF));
    assert_eq!(p.window_ends_at, opened + WINDOW, "a rotation does not extend the window");
    assert_eq!(
        p.code.as_ref().unwrap().code,
        "WZYEH1YY",
        "a rotation does not drop or replace the code"
    );
}

#[test]
fn a_qr_after_the_window_ended_starts_a_new_one() {
    let prev = LinkState::Pairing(Pairing {
        qr: None,
        code: None,
        window_ends_at: now() - Duration::seconds(1),
    });
    let next = map("hook_qrcode_updated", Some(&prev)).unwrap();
    assert_eq!(next.pairing().unwrap().window_ends_at, now() + WINDOW);
    assert_eq!(next.pairing().unwrap().qr.as_ref().unwrap().seq, 1);
}

#[test]
fn the_qr_limit_and_a_refusal_close_the_window_for_reopening() {
    for name in ["hook_qrcode_limit", "hook_connection_refused_428"] {
        let state = map(name, None).unwrap();
        assert_eq!(
            state,
            LinkState::Failed {
                reason: reason::QR_LIMIT.into(),
                retryable: true
            },
            "{name}"
        );
        assert!(state.is_closed_window(), "{name}");
    }
}

#[test]
fn open_is_connected_with_the_phone_of_the_jid() {
    assert_eq!(
        map("hook_connection_open_200", None),
        Some(LinkState::Connected {
            phone_digits: "5511999998888".into()
        })
    );
}

#[test]
fn connecting_alone_changes_nothing() {
    assert_eq!(map("hook_connection_connecting_200", None), None);
}

#[test]
fn closes_map_by_baileys_reason() {
    assert_eq!(map("hook_connection_close_401", None), logged_out(reason::LOGGED_OUT));
    assert_eq!(map("hook_connection_close_406", None), logged_out(reason::LOGGED_OUT));
    assert_eq!(map("hook_connection_close_402", None), logged_out(reason::BANNED));
    assert_eq!(map("hook_connection_close_403", None), logged_out(reason::BANNED));
    assert_eq!(map("hook_connection_close_440", None), disconnected(reason::REPLACED));
    for transient in ["408", "428", "500", "515"] {
        assert_eq!(
            map(&format!("hook_connection_close_{transient}"), None),
            disconnected(reason::CONNECTION_LOST),
            "{transient} is reconnected by Evolution"
        );
    }
}

#[test]
fn instance_logouts_are_logged_out() {
    assert_eq!(map("hook_logout_instance", None), logged_out(reason::LOGGED_OUT));
    assert_eq!(map("hook_status_instance_closed", None), logged_out(reason::LOGGED_OUT));
}

#[test]
fn other_events_are_ignored() {
    assert_eq!(signal(&hook("hook_messages_upsert")), Signal::Ignored);
    assert_eq!(map("hook_messages_upsert", None), None);
}

#[test]
fn connect_answers_with_a_code_carry_it_once() {
    let p = pairing_from(None, Some(QR.into()), Some("WZYEH1YY".into()), Some(1), now());
    assert_eq!(p.code.as_ref().unwrap().code, "WZYEH1YY");
    assert_eq!(p.code.as_ref().unwrap().expires_at, now() + CODE_VALIDITY);
    // The same code again keeps its original lifetime; junk is not a code.
    let later = now() + Duration::seconds(30);
    let again = pairing_from(Some(&p), Some(QR.into()), Some("WZYEH1YY".into()), Some(1), later);
    assert_eq!(again.code, p.code);
    assert_eq!(again.qr, p.qr, "the same ref keeps its lifetime");
    let junk = pairing_from(None, Some(QR.into()), Some("0000".into()), None, now());
    assert_eq!(junk.code, None);
}

#[test]
fn jids_give_their_digits() {
    assert_eq!(jid_digits("5511999998888:12@s.whatsapp.net"), "5511999998888");
    assert_eq!(jid_digits("5511999998888@s.whatsapp.net"), "5511999998888");
    assert_eq!(jid_digits(""), "");
}
