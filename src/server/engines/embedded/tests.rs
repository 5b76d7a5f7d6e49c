//! The engine's lifecycle with a real whatsapp-rust client whose socket points at a closed
//! local port: nothing reaches WhatsApp, and every failure path is the real one.
use std::{sync::Mutex as StdMutex, time::Duration};

use super::*;
use crate::server::{
    clock::SystemClock,
    domain::{NumberId, TenantId},
};

/// Collects what the engine publishes.
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

    /// Waits (bounded, generously) until a published state matches.
    async fn until(&self, what: &str, wanted: impl Fn(&LinkState) -> bool) -> LinkState {
        for _ in 0..600 {
            if let Some(s) = self.states().into_iter().find(&wanted) {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no {what} among {:?}", self.states());
    }
}

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn engine(dir: &std::path::Path) -> (EmbeddedEngine, Arc<Recorder>) {
    engine_dialing(dir, closed_port())
}

/// An engine whose clients dial WhatsApp at `port` on this machine.
fn engine_dialing(dir: &std::path::Path, port: u16) -> (EmbeddedEngine, Arc<Recorder>) {
    let sink = Arc::new(Recorder::default());
    let settings = EmbeddedSettings {
        data_dir: dir.to_path_buf(),
        ws_url: Some(format!("ws://127.0.0.1:{port}/ws/chat")),
        version: Some((2, 3000, 1_026_131_876)),
        device_os: "Windows".into(),
        connect_timeout: Duration::from_secs(1),
        confirm_disconnect: Duration::from_secs(1),
        resume_stagger: Duration::from_millis(10),
        lease: Duration::from_secs(3),
    };
    (
        EmbeddedEngine::new(sink.clone(), Arc::new(SystemClock), settings, None, false),
        sink,
    )
}

fn ctx(state: NumberState) -> NumberCtx {
    NumberCtx {
        tenant: TenantId::generate(),
        number: NumberId::generate(),
        name: "Shop".into(),
        phone: PhoneE164::parse("number", "+5511999998888").unwrap(),
        state,
        engine_ref: serde_json::json!({}),
    }
}

async fn until_stopped(engine: &EmbeddedEngine, number: &NumberId) {
    for _ in 0..600 {
        if !engine.is_running(number).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the client kept running");
}

#[tokio::test]
async fn a_window_that_cannot_reach_whatsapp_fails_retryably_and_frees_its_socket() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, sink) = engine(dir.path());
    let n = ctx(NumberState::Close);

    let state = engine.link(&n, LinkRequest::Device { pair_code_for: None }).await.unwrap();
    assert!(matches!(&state, LinkState::Pairing(p) if p.qr.is_none()), "{state:?}");
    assert!(engine.is_running(&n.number).await);
    assert!(engine.files().path(&n.number).exists(), "the device store is created");
    // A second request joins the window instead of opening another socket.
    assert_eq!(engine.link(&n, LinkRequest::Device { pair_code_for: None }).await.unwrap(), state);

    // Connect errors raise no event: the watchdog closes the window.
    let failed = sink.until("failure", |s| matches!(s, LinkState::Failed { .. })).await;
    assert_eq!(
        failed,
        LinkState::Failed {
            reason: crate::server::engines::reason::CONNECT_TIMEOUT.into(),
            retryable: true
        }
    );
    until_stopped(&engine, &n.number).await;
    assert_eq!(engine.status(&n).await.unwrap(), failed);

    // Retryable: a new window opens a new client.
    engine.link(&n, LinkRequest::Device { pair_code_for: None }).await.unwrap();
    assert!(engine.is_running(&n.number).await);

    engine.delete(&n).await.unwrap();
    assert!(!engine.is_running(&n.number).await);
    assert!(
        !engine.files().path(&n.number).exists(),
        "deleting the number removes its device store"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no side files left");
}

#[tokio::test]
async fn a_resumed_session_that_stays_unreachable_is_reported_once_and_shuts_down_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, sink) = engine(dir.path());
    let n = ctx(NumberState::Open);
    // A device store from an earlier run.
    engine.files().open(&n.number).await.unwrap();
    SqliteStore::new(&engine.files().path(&n.number).to_string_lossy()).await.unwrap();

    let state = engine.resume(&n).await.unwrap();
    assert_eq!(
        state,
        LinkState::Connected {
            phone_digits: "5511999998888".into()
        }
    );
    let lost = sink.until("disconnection", |s| matches!(s, LinkState::LoggedOut { .. })).await;
    assert_eq!(
        lost,
        LinkState::LoggedOut {
            reason: "connection_lost".into()
        }
    );
    assert!(engine.is_running(&n.number).await, "the client keeps trying after the report");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let reports = sink.states().iter().filter(|s| matches!(s, LinkState::LoggedOut { .. })).count();
    assert_eq!(reports, 1, "reported once, not at every check");
    assert!(
        sink.states().iter().all(|s| s.pairing().is_none()),
        "a paired number never opens a window"
    );

    engine.shutdown().await;
    assert!(!engine.is_running(&n.number).await);
    assert!(engine.files().path(&n.number).exists(), "a clean stop keeps the keys");
}

#[tokio::test]
async fn resuming_without_keys_reports_the_number_logged_out() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, sink) = engine(dir.path());
    let n = ctx(NumberState::Open);
    let state = engine.resume(&n).await.unwrap();
    assert_eq!(
        state,
        LinkState::LoggedOut {
            reason: "keys_missing".into()
        }
    );
    assert_eq!(sink.states(), vec![state]);
    assert!(!engine.is_running(&n.number).await);
}

#[tokio::test]
async fn a_window_caught_by_a_restart_is_dropped_with_its_unpaired_store() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = engine(dir.path());
    let n = ctx(NumberState::Connecting);
    engine.files().open(&n.number).await.unwrap();
    std::fs::write(engine.files().path(&n.number), b"").unwrap();
    assert_eq!(engine.resume(&n).await.unwrap(), LinkState::Idle);
    assert!(!engine.files().path(&n.number).exists());
}

#[tokio::test]
async fn a_connected_number_refuses_a_window_and_sending_needs_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = engine(dir.path());
    let n = ctx(NumberState::Open);
    let to = PhoneE164::parse("to", "+14155550100").unwrap();
    assert!(matches!(
        engine.send_text(&n, &to, "hi", None).await,
        Err(EngineError::NotConnected)
    ));
    assert_eq!(
        engine.status(&n).await.unwrap(),
        LinkState::Connected {
            phone_digits: "5511999998888".into()
        }
    );
}

/// A hand-over lets a paired session go for real: the client stops (keys kept) before
/// `let_go` returns, and dials WhatsApp no more, so the process that takes the number next
/// never runs a second client on the device. WhatsApp here is a local listener that counts
/// the real client's dials (the transport's own reconnects included) and hangs up.
#[tokio::test]
async fn letting_a_session_go_stops_its_client_before_anything_else_may_start_one() {
    use std::sync::atomic::AtomicUsize;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let dials = Arc::new(AtomicUsize::new(0));
    let counted = dials.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = engine_dialing(dir.path(), port);
    let n = ctx(NumberState::Open);
    engine.files().open(&n.number).await.unwrap();
    SqliteStore::new(&engine.files().path(&n.number).to_string_lossy()).await.unwrap();
    engine.resume(&n).await.unwrap();
    for _ in 0..200 {
        if dials.load(Ordering::SeqCst) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        dials.load(Ordering::SeqCst) >= 2,
        "the client keeps dialing an unreachable WhatsApp"
    );

    engine.let_go(&n).await;
    assert!(!engine.is_running(&n.number).await, "stopped before let_go returned");
    let after = dials.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(dials.load(Ordering::SeqCst), after, "no dial after the hand-over");
    assert!(engine.files().path(&n.number).exists(), "the keys stay for the next owner");
}
