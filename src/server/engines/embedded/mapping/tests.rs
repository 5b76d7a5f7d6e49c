use std::time::Duration;

use chrono::{TimeZone, Utc};
use whatsapp_rust::Jid;
use whatsapp_rust::prelude::Event;
use whatsapp_rust::wacore::net::DisconnectReason;
use whatsapp_rust::wacore::pair_code::PairCodeRejection;
use whatsapp_rust::wacore::types::events::{
    ClientOutdated, ConnectFailure, ConnectFailureReason, Connected, Disconnected, LoggedOut, PairError, PairPasskeyRequest, PairSuccess,
    PairingCode, PairingCodeError, PairingCodeRefresh, PairingQrCode, PairingQrCodesExhausted, QrScannedWithoutMultidevice, StreamReplaced,
    TempBanReason, TemporaryBan,
};

use super::*;

const ME: &str = "5511999998888";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn run(event: Event, prior: &LinkState) -> Step {
    step(signal_of(&event).expect("a link event"), prior, ME, now())
}

fn qr(code: &str, secs: u64) -> Event {
    Event::PairingQrCode(
        PairingQrCode::builder()
            .code(code.into())
            .timeout(Duration::from_secs(secs))
            .build(),
    )
}

fn pairing_with_code() -> LinkState {
    LinkState::Pairing(Pairing {
        qr: None,
        code: Some(PairCode {
            code: "ABCD1234".into(),
            expires_at: now(),
        }),
        window_ends_at: now() + WINDOW,
    })
}

fn paired(user: &str) -> Event {
    let jid = Jid::pn(user);
    Event::PairSuccess(
        PairSuccess::builder()
            .id(jid.clone())
            .lid(jid)
            .business_name(String::new())
            .platform("android".into())
            .build(),
    )
}

#[test]
fn the_first_qr_opens_a_window_and_rotations_number_the_refs() {
    let first = run(qr("2@a,n,i,s,1", 60), &LinkState::Idle);
    let LinkState::Pairing(p) = first.state.clone().unwrap() else {
        panic!("{first:?}")
    };
    let q = p.qr.as_ref().unwrap();
    assert_eq!((q.payload.as_str(), q.seq), ("2@a,n,i,s,1", 1));
    assert_eq!(q.expires_at, now() + chrono::Duration::seconds(60));
    assert_eq!(p.window_ends_at, now() + chrono::Duration::seconds(160));
    assert_eq!(first.action, Action::None);

    let second = run(qr("2@b,n,i,s,1", 20), first.state.as_ref().unwrap());
    let q2 = second.state.unwrap().pairing().unwrap().qr.clone().unwrap();
    assert_eq!(q2.seq, 2);
    // A re-minted ref (same payload) keeps its number.
    let again = run(qr("2@a,n,i,s,1", 30), first.state.as_ref().unwrap());
    assert_eq!(again.state.unwrap().pairing().unwrap().qr.as_ref().unwrap().seq, 1);
}

#[test]
fn pairing_codes_lose_their_dash_and_join_the_window() {
    let event = Event::PairingCode(
        PairingCode::builder()
            .code("WZYE-H1YY".into())
            .timeout(Duration::from_secs(180))
            .build(),
    );
    let s = run(event, &LinkState::Idle);
    let code = s.state.unwrap().pairing().unwrap().code.clone().unwrap();
    assert_eq!(code.code, "WZYEH1YY");
    assert_eq!(code.display(), "WZYE-H1YY");
}

#[test]
fn a_refreshed_or_refused_code_is_withdrawn_but_the_qr_stays() {
    let refresh = run(
        Event::PairingCodeRefresh(PairingCodeRefresh::builder().force_manual(true).build()),
        &pairing_with_code(),
    );
    assert_eq!(refresh.state.unwrap().pairing().unwrap().code, None);

    let refused = Event::PairingCodeError(
        PairingCodeError::builder()
            .rejection(PairCodeRejection::RateOverlimit)
            .error("rate-overlimit".into())
            .build(),
    );
    assert_eq!(
        signal_of(&refused),
        Some(Signal::CodeFailed {
            throttled: true,
            reason: "pair_code_rejected_429".into()
        })
    );
    assert_eq!(run(refused, &pairing_with_code()).state.unwrap().pairing().unwrap().code, None);
    let silent = Event::PairingCodeError(PairingCodeError::builder().error("timeout".into()).build());
    assert_eq!(
        signal_of(&silent),
        Some(Signal::CodeFailed {
            throttled: false,
            reason: "pair_code_unanswered".into()
        })
    );
    // Nothing to withdraw outside a window.
    assert_eq!(run(silent, &LinkState::Idle), Step::quiet());
}

#[test]
fn used_up_refs_close_the_window_retryably_and_free_the_socket() {
    let s = run(
        Event::PairingQrCodesExhausted(PairingQrCodesExhausted::builder().disconnected(true).build()),
        &pairing_with_code(),
    );
    assert_eq!(s, Step::publish(failed("qr_window_closed", true), Action::Stop));
}

#[test]
fn pairing_with_the_expected_phone_saves_keys_and_waits_for_connected() {
    let s = run(paired(ME), &pairing_with_code());
    assert_eq!(s, Step::publish(LinkState::Paired { phone_digits: ME.into() }, Action::SaveKeys));
    let c = run(Event::Connected(Connected::builder().build()), &pairing_with_code());
    assert_eq!(c, Step::publish(LinkState::Connected { phone_digits: ME.into() }, Action::SaveKeys));
}

#[test]
fn a_different_phone_is_unlinked_and_the_link_fails() {
    let s = run(paired("14155550100"), &pairing_with_code());
    assert_eq!(s, Step::publish(failed(reason::WRONG_NUMBER, true), Action::LogoutAndWipe));
}

#[test]
fn pair_errors_and_unsupported_phones_fail_the_link() {
    let jid = Jid::pn(ME);
    let err = Event::PairError(
        PairError::builder()
            .id(jid.clone())
            .lid(jid)
            .business_name(String::new())
            .platform(String::new())
            .error("bad signature".into())
            .build(),
    );
    assert_eq!(
        run(err, &pairing_with_code()),
        Step::publish(failed("pair_error: bad signature", false), Action::Wipe)
    );
    let no_md = Event::QrScannedWithoutMultidevice(QrScannedWithoutMultidevice::builder().build());
    assert_eq!(run(no_md, &pairing_with_code()).state, Some(failed("multidevice_disabled", false)));
}

#[test]
fn logouts_wipe_the_device_with_whatsapps_reason() {
    let out = |reason| Event::LoggedOut(LoggedOut::builder().on_connect(true).reason(reason).build());
    let connected = LinkState::Connected { phone_digits: ME.into() };
    assert_eq!(
        run(out(ConnectFailureReason::LoggedOut), &connected),
        Step::publish(
            LinkState::LoggedOut {
                reason: reason::LOGGED_OUT.into()
            },
            Action::Wipe
        )
    );
    assert_eq!(
        run(out(ConnectFailureReason::AccountLocked), &connected).state,
        Some(LinkState::LoggedOut {
            reason: reason::BANNED.into()
        })
    );
    assert_eq!(
        run(out(ConnectFailureReason::UnknownLogout), &connected).state,
        Some(LinkState::LoggedOut {
            reason: reason::LOGGED_OUT.into()
        })
    );
}

#[test]
fn replaced_and_banned_sessions_stop_but_keep_their_keys() {
    let connected = LinkState::Connected { phone_digits: ME.into() };
    assert_eq!(
        run(Event::StreamReplaced(StreamReplaced::builder().build()), &connected),
        Step::publish(
            LinkState::LoggedOut {
                reason: reason::REPLACED.into()
            },
            Action::Stop
        )
    );
    let ban = Event::TemporaryBan(
        TemporaryBan::builder()
            .code(TempBanReason::BlockedByUsers)
            .expire(chrono::TimeDelta::hours(1))
            .build(),
    );
    assert_eq!(
        run(ban, &connected),
        Step::publish(
            LinkState::LoggedOut {
                reason: reason::BANNED.into()
            },
            Action::Stop
        )
    );
}

#[test]
fn connect_failures_retry_quietly_or_end_the_session() {
    let fail = |reason| Event::ConnectFailure(ConnectFailure::builder().reason(reason).build());
    let connected = LinkState::Connected { phone_digits: ME.into() };
    assert_eq!(run(fail(ConnectFailureReason::ServiceUnavailable), &connected), Step::quiet());
    assert_eq!(
        run(fail(ConnectFailureReason::BadUserAgent), &connected),
        Step::publish(
            LinkState::LoggedOut {
                reason: "connect_failure_409".into()
            },
            Action::Stop
        )
    );
    assert_eq!(
        run(fail(ConnectFailureReason::BadUserAgent), &pairing_with_code()).state,
        Some(failed("connect_failure_409", true))
    );
    assert_eq!(
        run(Event::ClientOutdated(ClientOutdated::builder().build()), &connected).state,
        Some(failed(reason::CLIENT_OUTDATED, false))
    );
}

#[test]
fn a_transient_drop_changes_no_number_state_the_watchdog_decides() {
    let drop = || Event::Disconnected(Disconnected::builder().reason(DisconnectReason::StreamEnded).build());
    assert!(matches!(signal_of(&drop()), Some(Signal::Dropped { .. })));
    let s = run(drop(), &LinkState::Connected { phone_digits: ME.into() });
    let state = s.state.clone().unwrap();
    assert_eq!(
        s,
        Step::publish(
            LinkState::Disconnected {
                reason: reason::CONNECTION_LOST.into()
            },
            Action::None
        )
    );
    assert_eq!(state.number_state(), None, "a flap is not a disconnection");
    // A dropped linking socket says nothing new: the window's own events do.
    assert_eq!(run(drop(), &pairing_with_code()), Step::quiet());
}

#[test]
fn passkey_errors_end_the_window() {
    let err = Event::PairPasskeyError(
        whatsapp_rust::wacore::types::events::PairPasskeyError::builder()
            .error("timeout".into())
            .continuation(true)
            .build(),
    );
    assert_eq!(
        run(
            err,
            &LinkState::PasskeyRequired {
                expires_at: None,
                request: None,
                confirmation: None
            }
        ),
        Step::publish(failed(reason::PASSKEY_REJECTED, true), Action::Wipe)
    );
}

#[test]
fn the_passkey_gate_keeps_whatsapps_request_for_the_ceremony() {
    let options = r#"{"challenge":"AAEC","timeout":600000,"rpId":"whatsapp.com"}"#;
    let ask = Event::PairPasskeyRequest(PairPasskeyRequest::builder().request_options_json(options.into()).build());
    let asked = LinkState::PasskeyRequired {
        expires_at: Some(now() + chrono::Duration::minutes(10)),
        request: Some(options.into()),
        confirmation: None,
    };
    assert_eq!(run(ask, &pairing_with_code()), Step::publish(asked.clone(), Action::None));
    // Its own timeout, within reason, sets how long the window waits.
    let short = Event::PairPasskeyRequest(
        PairPasskeyRequest::builder()
            .request_options_json(r#"{"challenge":"AA","timeout":120000}"#.into())
            .build(),
    );
    assert!(matches!(
        run(short, &pairing_with_code()).state,
        Some(LinkState::PasskeyRequired { expires_at: Some(at), .. }) if at == now() + chrono::Duration::minutes(2)
    ));

    // A first link shows WhatsApp's code to confirm; a re-link confirms by itself.
    let confirm = |skip| {
        Event::PairPasskeyConfirmation(
            whatsapp_rust::wacore::types::events::PairPasskeyConfirmation::builder()
                .code("ABCD-EFGH".into())
                .skip_handoff_ux(skip)
                .build(),
        )
    };
    let shown = LinkState::PasskeyRequired {
        expires_at: Some(now() + chrono::Duration::minutes(10)),
        request: Some(options.into()),
        confirmation: Some("ABCD-EFGH".into()),
    };
    assert_eq!(run(confirm(false), &asked), Step::publish(shown, Action::None));
    assert_eq!(run(confirm(true), &asked), Step::publish(asked.clone(), Action::ConfirmPasskey));
}

#[test]
fn other_events_are_not_link_events() {
    let event = Event::OfflineSyncCompleted(
        whatsapp_rust::wacore::types::events::OfflineSyncCompleted::builder()
            .count(3)
            .build(),
    );
    assert_eq!(signal_of(&event), None);
}
