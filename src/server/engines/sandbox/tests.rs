use std::sync::Mutex as StdMutex;

use chrono::Utc;
use tokio::time::sleep;

use super::*;
use crate::server::{clock::SystemClock, domain::TenantId};

#[derive(Default)]
struct Recorder(StdMutex<Vec<LinkState>>);

#[async_trait]
impl EventSink for Recorder {
    async fn publish(&self, event: EngineEvent) {
        self.0.lock().unwrap().push(event.state);
    }
}

impl Recorder {
    fn states(&self) -> Vec<LinkState> {
        self.0.lock().unwrap().clone()
    }

    fn qr_seqs(&self) -> Vec<u32> {
        self.states()
            .iter()
            .filter_map(|s| s.pairing().and_then(|p| p.qr.as_ref()).map(|q| q.seq))
            .collect()
    }
}

fn ctx() -> NumberCtx {
    NumberCtx {
        tenant: TenantId::generate(),
        number: NumberId::generate(),
        name: "Shop".into(),
        phone: PhoneE164::parse("number", "+5511999998888").unwrap(),
        state: NumberState::Close,
        engine_ref: serde_json::Value::Null,
    }
}

fn engine() -> (SandboxEngine, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    (
        SandboxEngine::new(recorder.clone(), Arc::new(SystemClock), Timings::default(), World::in_memory()),
        recorder,
    )
}

fn device(phone: Option<PhoneE164>) -> LinkRequest {
    LinkRequest::Device { pair_code_for: phone }
}

#[tokio::test(start_paused = true)]
async fn a_window_shows_six_refs_on_whatsapps_schedule_then_closes() {
    let (engine, rec) = engine();
    let n = ctx();
    let state = engine.link(&n, device(None)).await.unwrap();
    let pairing = state.pairing().unwrap();
    let qr = pairing.qr.as_ref().unwrap();
    assert_eq!(qr.seq, 1);
    assert_eq!(qr.payload.split(',').count(), 5, "2026 QR format has five fields");
    assert!((pairing.window_ends_at - Utc::now()).num_seconds() >= 159);

    sleep(Duration::from_secs(59)).await;
    assert_eq!(rec.qr_seqs(), vec![1], "first ref lives 60 s");
    sleep(Duration::from_secs(2)).await;
    assert_eq!(rec.qr_seqs(), vec![1, 2]);
    sleep(Duration::from_secs(80)).await;
    assert_eq!(rec.qr_seqs(), vec![1, 2, 3, 4, 5, 6], "then one ref every 20 s");
    assert!(matches!(rec.states().last(), Some(LinkState::Pairing(_))));
    sleep(Duration::from_secs(20)).await;
    assert_eq!(
        rec.states().last(),
        Some(&LinkState::Failed {
            reason: "qr_window_closed".into(),
            retryable: true
        })
    );

    // A new request opens a fresh window.
    let again = engine.link(&n, device(None)).await.unwrap();
    assert_eq!(again.pairing().unwrap().qr.as_ref().unwrap().seq, 1);
}

#[tokio::test(start_paused = true)]
async fn pair_codes_use_whatsapps_alphabet_and_share_the_window() {
    let (engine, _) = engine();
    let n = ctx();
    let state = engine.link(&n, device(Some(n.phone.clone()))).await.unwrap();
    let pairing = state.pairing().unwrap();
    let code = pairing.code.as_ref().unwrap();
    assert_eq!(code.code.len(), 8);
    assert!(code.code.bytes().all(|b| PAIR_CODE_ALPHABET.contains(&b)), "{}", code.code);
    assert_eq!(code.expires_at, pairing.window_ends_at);
}

#[tokio::test(start_paused = true)]
async fn a_live_window_is_reused_not_reopened() {
    let (engine, _) = engine();
    let n = ctx();
    let first = engine.link(&n, device(None)).await.unwrap();
    sleep(Duration::from_secs(5)).await;
    let second = engine.link(&n, device(None)).await.unwrap();
    assert_eq!(first, second);
    // Asking for a code on a live QR-only window adds one without a new window.
    let third = engine.link(&n, device(Some(n.phone.clone()))).await.unwrap();
    assert_eq!(third.pairing().unwrap().qr, first.pairing().unwrap().qr);
    assert!(third.pairing().unwrap().code.is_some());
}

#[tokio::test(start_paused = true)]
async fn scanning_connects_and_stops_the_window() {
    let (engine, rec) = engine();
    let n = ctx();
    assert_eq!(engine.scan(&n.number).await, Err(SimulationError::NotPairing));
    engine.link(&n, device(None)).await.unwrap();
    engine.scan(&n.number).await.unwrap();
    let connected = LinkState::Connected {
        phone_digits: "5511999998888".into(),
    };
    assert_eq!(engine.status(&n).await.unwrap(), connected);
    sleep(Duration::from_secs(300)).await;
    assert_eq!(rec.states().last(), Some(&connected), "no rotation after the scan");
    assert!(matches!(engine.link(&n, device(None)).await, Err(EngineError::Conflict(_))));
    assert_eq!(engine.scan(&n.number).await, Err(SimulationError::AlreadyConnected));

    engine.unlink(&n.number).await.unwrap();
    assert_eq!(
        rec.states().last(),
        Some(&LinkState::LoggedOut {
            reason: "device_removed".into()
        })
    );
    assert_eq!(engine.unlink(&n.number).await, Err(SimulationError::NotConnected));
}

#[tokio::test(start_paused = true)]
async fn a_code_asked_for_a_window_that_moved_on_opens_no_new_one() {
    let (engine, rec) = engine();
    let n = ctx();
    let code = || LinkRequest::Code { phone: n.phone.clone() };
    // No window at all: nothing opens.
    assert_eq!(engine.link(&n, code()).await.unwrap(), LinkState::Idle);
    assert!(rec.states().is_empty());

    // The phone reached the passkey before the code was asked: the ceremony stays.
    engine.link(&n, device(None)).await.unwrap();
    engine.ask_passkey(&n.number, None).await.unwrap();
    let waiting = engine.status(&n).await.unwrap();
    assert!(matches!(waiting, LinkState::PasskeyRequired { .. }));
    assert_eq!(engine.link(&n, code()).await.unwrap(), waiting);
    // Nor does a page asking for a window again open a second socket under it.
    assert_eq!(engine.link(&n, device(Some(n.phone.clone()))).await.unwrap(), waiting);
    assert_eq!(rec.states().last(), Some(&waiting));

    // A wrong phone scanned and was unlinked before the code was asked: no window opens
    // in place of the refusal.
    let m = ctx();
    engine.link(&m, device(None)).await.unwrap();
    let other = PhoneE164::parse("phone", "+5521988887777").unwrap();
    engine.scan_from(&m.number, Some(&other)).await.unwrap();
    engine.logout(&m).await.unwrap();
    let published = rec.states().len();
    assert_eq!(
        engine.link(&m, LinkRequest::Code { phone: m.phone.clone() }).await.unwrap(),
        LinkState::Idle
    );
    assert_eq!(engine.status(&m).await.unwrap(), LinkState::Idle);
    assert_eq!(rec.states().len(), published, "nothing published");
}

#[tokio::test(start_paused = true)]
async fn resume_keeps_linked_phones_and_drops_windows() {
    let (engine, _) = engine();
    let mut n = ctx();
    n.state = NumberState::Open;
    assert!(matches!(engine.resume(&n).await.unwrap(), LinkState::Connected { .. }));
    n.number = NumberId::generate();
    n.state = NumberState::Connecting;
    assert_eq!(engine.resume(&n).await.unwrap(), LinkState::Idle);
}

#[tokio::test(start_paused = true)]
async fn only_connected_numbers_send_and_messages_are_kept() {
    let (engine, _) = engine();
    let n = ctx();
    let to = PhoneE164::parse("to", "+5511900000009").unwrap();
    assert!(matches!(
        engine.send_text(&n, &to, "hi", None).await,
        Err(EngineError::NotConnected)
    ));
    engine.link(&n, device(None)).await.unwrap();
    engine.scan(&n.number).await.unwrap();
    let id = engine.send_text(&n, &to, "hello", Some("3EB0AAAA")).await.unwrap();
    // The same id again: WhatsApp keeps the first, nothing more is delivered.
    assert_eq!(engine.send_text(&n, &to, "hello", Some("3EB0AAAA")).await.unwrap(), id);
    let sent = engine.sent_by(&n.number).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].id.as_str(), sent[0].to.as_str(), sent[0].body.as_str()),
        (id.as_str(), "+5511900000009", "hello")
    );
}

#[tokio::test(start_paused = true)]
async fn failing_ends_the_window_for_good() {
    let (engine, rec) = engine();
    let n = ctx();
    assert_eq!(engine.fail(&n.number, "banned").await, Err(SimulationError::NotPairing));
    engine.link(&n, device(None)).await.unwrap();
    engine.fail(&n.number, "banned").await.unwrap();
    assert_eq!(
        rec.states().last(),
        Some(&LinkState::Failed {
            reason: "banned".into(),
            retryable: false
        })
    );
    sleep(Duration::from_secs(300)).await;
    assert_eq!(
        rec.states().last(),
        Some(&LinkState::Failed {
            reason: "banned".into(),
            retryable: false
        }),
        "no rotation after failing"
    );
}

/// WhatsApp's rule, kept by the sandbox: a second client of one device replaces the first,
/// which is told so and ends; a client that let go first replaces nothing.
#[tokio::test]
async fn a_second_client_on_one_device_replaces_the_first_which_is_told() {
    let world = World::in_memory();
    let (rec_a, rec_b) = (Arc::new(Recorder::default()), Arc::new(Recorder::default()));
    let a = SandboxEngine::new(rec_a.clone(), Arc::new(SystemClock), Timings::default(), world.clone());
    let b = SandboxEngine::new(rec_b.clone(), Arc::new(SystemClock), Timings::default(), world.another_process());
    let n = NumberCtx {
        state: NumberState::Open,
        ..ctx()
    };

    a.resume(&n).await.unwrap();
    b.resume(&n).await.unwrap();
    a.end_replaced().await;
    b.end_replaced().await;
    assert_eq!(
        rec_a.states(),
        vec![LinkState::LoggedOut {
            reason: crate::server::engines::reason::REPLACED.into()
        }]
    );
    assert!(rec_b.states().is_empty(), "the newer client stays: {:?}", rec_b.states());

    // A hand-over done right: the old client goes before the new one connects.
    b.let_go(&n).await;
    a.resume(&n).await.unwrap();
    a.end_replaced().await;
    b.end_replaced().await;
    assert_eq!(rec_a.states().len(), 1, "nothing new for A: {:?}", rec_a.states());
    assert!(rec_b.states().is_empty());
}
