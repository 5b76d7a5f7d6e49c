//! Faults the server must ride out: the database going away for a while (a TCP proxy in front
//! of PostgreSQL that the test cuts) and webhook receivers that hang, fail or hang up.
//! The kill -9 test is slower and runs from `tests/resilience.sh` (see `resilience.rs`).
use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::{
    io::AsyncReadExt,
    net::{TcpListener, TcpStream},
    sync::watch,
};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};

use crate::helpers::{Options, pg_database, spawn_with};
use crate::receiver::{create_webhook, receiver, str_of, wait_for_logs};

/// A TCP proxy to `upstream` that can be cut (every connection dropped, new ones refused
/// at once) and restored, as a database host that goes away and comes back.
pub struct Proxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = watch::channel(0u64);
        let (flag, cuts) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut = cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { addr, up, cut }
    }

    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_database_outage_is_a_503_with_a_code_and_heals_without_a_restart() {
    let (url, dir) = pg_database().await;
    let parsed = url::Url::parse(url.expose()).unwrap();
    let upstream: SocketAddr = tokio::net::lookup_host((parsed.host_str().unwrap(), parsed.port().unwrap_or(5432)))
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = Proxy::start(upstream).await;
    let mut through = parsed.clone();
    through.set_host(Some("127.0.0.1")).unwrap();
    through.set_port(Some(proxy.addr.port())).unwrap();
    let app = spawn_with(Options {
        database: Some((pairlink::server::config::DatabaseUrl::new(through.to_string()), dir)),
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let id = str_of(&app.create_number(&t.key, "Shop", "5511999998888").await["instance"]["id"]);

    proxy.cut();
    let err = app
        .expect_error(
            Method::GET,
            &format!("/v1/numbers/{id}"),
            Some(&t.key),
            None,
            StatusCode::SERVICE_UNAVAILABLE,
            "DATABASE_UNAVAILABLE",
        )
        .await;
    assert!(err["retryAfterSeconds"].as_u64().is_some(), "{err}");
    let (status, ready) = app.raw(Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    assert_eq!(
        (ready["code"].as_str(), ready["databaseOk"].as_bool()),
        (Some("NOT_READY"), Some(false))
    );
    // Public endpoints say the same, in the envelope.
    let (status, body) = app.public(Method::GET, "/v1/remote-pairing/rp_whatever/status").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("DATABASE_UNAVAILABLE"))
    );

    proxy.restore();
    // The pool reconnects on demand: the next requests just work.
    let mut healed = None;
    for _ in 0..100 {
        let (status, body) = app.raw(Method::GET, &format!("/v1/numbers/{id}"), Some(&t.key), None).await;
        if status == StatusCode::OK {
            healed = Some(body);
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(healed.expect("the app recovers")["id"], id.as_str());
    app.create_number(&t.key, "Second", "5511999997777").await;
    let mut ready = (StatusCode::SERVICE_UNAVAILABLE, Value::Null);
    for _ in 0..100 {
        ready = app.raw(Method::GET, "/readyz", None, None).await;
        if ready.0 == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(ready.0, StatusCode::OK, "{}", ready.1);
}

/// A receiver that accepts connections and closes each one without answering.
async fn hang_up_receiver() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            drop(socket);
        }
    });
    addr
}

fn at(v: &Value) -> DateTime<Utc> {
    str_of(v).parse().unwrap()
}

#[tokio::test]
async fn receivers_that_hang_fail_or_hang_up_are_retried_on_schedule_and_hold_up_no_one() {
    let app = spawn_with(Options {
        configure: |c| c.webhook_timeout_seconds = 1,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let hangs = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&hangs)
        .await;
    let fails = receiver(500).await;
    let hangs_up = hang_up_receiver().await;
    let healthy = receiver(204).await;
    let mut hooks = Vec::new();
    for (name, url) in [
        ("hangs", hangs.uri()),
        ("fails", fails.uri()),
        ("hangs-up", format!("http://{hangs_up}")),
        ("healthy", healthy.uri()),
    ] {
        let created = create_webhook(
            &app,
            &t.key,
            json!({"name": name, "url": format!("{url}/hook"), "events": ["number.created"]}),
        )
        .await;
        hooks.push((name, str_of(&created["id"])));
    }
    app.create_number(&t.key, "Shop", "5511999998888").await;

    let mut first_failures = Vec::new();
    for (name, hook) in &hooks {
        let logs = wait_for_logs(&app, &t.key, hook, |l| l.first().is_some_and(|d| d["attemptCount"] == 1)).await;
        let d = &logs[0];
        if *name == "healthy" {
            assert_eq!(
                (d["status"].as_str(), d["success"].as_bool()),
                (Some("delivered"), Some(true)),
                "{d}"
            );
            continue;
        }
        assert_eq!(d["status"], "pending", "{name}: {d}");
        let error = d["error"].as_str().unwrap_or_default();
        match *name {
            "hangs" => assert!(error.contains("no answer within 1 s"), "{name}: {d}"),
            "fails" => assert_eq!(d["statusCode"], 500, "{d}"),
            _ => assert!(d["statusCode"].is_null() && !error.is_empty(), "{name}: {d}"),
        }
        // The first retry is 5 s after the attempt, ±20 %.
        let wait = at(&d["nextAttemptAt"]) - at(&d["lastAttemptAt"]);
        assert!(
            wait >= chrono::Duration::seconds(4) && wait <= chrono::Duration::seconds(6),
            "{name}: {wait}"
        );
        first_failures.push((name, hook.clone()));
    }
    assert_eq!(healthy.received_requests().await.unwrap().len(), 1);

    // Not before time: with the clock where it was, nothing is retried.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (name, hook) in &first_failures {
        let logs = crate::receiver::logs(&app, &t.key, hook).await;
        assert_eq!(logs[0]["attemptCount"], 1, "{name} was retried early");
    }
    // On time: each is tried again, and goes on to the 5-minute step.
    app.clock.advance(chrono::Duration::seconds(7));
    for (name, hook) in &first_failures {
        let logs = wait_for_logs(&app, &t.key, hook, |l| l.first().is_some_and(|d| d["attemptCount"] == 2)).await;
        let d = &logs[0];
        assert_eq!(d["status"], "pending", "{name}: {d}");
        let wait = at(&d["nextAttemptAt"]) - at(&d["lastAttemptAt"]);
        assert!(
            wait >= chrono::Duration::seconds(240) && wait <= chrono::Duration::seconds(360),
            "{name}: {wait}"
        );
    }
    assert_eq!(
        healthy.received_requests().await.unwrap().len(),
        1,
        "the healthy receiver got its event once"
    );
}
