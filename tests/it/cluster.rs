//! The pairing runtime across processes: two or three `pairlink serve` on one PostgreSQL,
//! behind a round-robin proxy (each request to the next process, as a load balancer without
//! sticky sessions does). Whatever process a request lands on, the page shows the one window
//! its owner runs; the owner's death or stop hands the window to another process.
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{body::Body, extract::Request, response::Response};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    helpers::pg_database,
    multiprocess::{Server, serve_with, tenant_key},
};

/// Short windows and leases, so rotation and takeover happen within a test.
pub(crate) const FAST: &[(&str, &str)] = &[
    ("PAIRLINK_SANDBOX_FIRST_QR_SECONDS", "3"),
    ("PAIRLINK_SANDBOX_NEXT_QR_SECONDS", "2"),
    ("PAIRLINK_EMBEDDED_LEASE_SECONDS", "3"),
    ("PAIRLINK_RATE_LIMIT_ADDRESS_PER_MINUTE", "100000"),
    ("PAIRLINK_RATE_LIMIT_PUBLIC_PER_MINUTE", "100000"),
    ("PAIRLINK_RATE_LIMIT_API_PER_MINUTE", "100000"),
];

/// Sends each request to the next backend in turn; streams bodies both ways (event streams
/// included).
pub(crate) async fn round_robin(backends: Vec<String>) -> String {
    let next = Arc::new(AtomicUsize::new(0));
    let http = reqwest::Client::builder().build().unwrap();
    let backends = Arc::new(backends);
    let app = axum::Router::new().fallback(move |req: Request| {
        let (next, http, backends) = (next.clone(), http.clone(), backends.clone());
        async move {
            let target = &backends[next.fetch_add(1, Ordering::SeqCst) % backends.len()];
            let (parts, body) = req.into_parts();
            let url = format!("{target}{}", parts.uri.path_and_query().map_or("/", |p| p.as_str()));
            let mut out = http.request(parts.method, url);
            for (name, value) in &parts.headers {
                if name != "host" {
                    out = out.header(name, value);
                }
            }
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
            match out.body(body).send().await {
                Ok(res) => {
                    let mut built = Response::builder().status(res.status());
                    for (name, value) in res.headers() {
                        built = built.header(name, value);
                    }
                    built.body(Body::from_stream(res.bytes_stream())).unwrap()
                }
                Err(_) => Response::builder().status(502).body(Body::empty()).unwrap(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

pub(crate) struct Cluster {
    pub servers: Vec<Server>,
    pub proxy: String,
    pub key: String,
    pub db: String,
    pub http: reqwest::Client,
}

async fn cluster(processes: usize) -> (Cluster, Arc<tempfile::TempDir>) {
    cluster_with(processes, &[]).await
}

pub(crate) async fn cluster_with(processes: usize, extra: &[(&str, &str)]) -> (Cluster, Arc<tempfile::TempDir>) {
    let (db, dir) = pg_database().await;
    let settings: Vec<(&str, &str)> = FAST.iter().chain(extra).copied().collect();
    let servers: Vec<Server> = (0..processes).map(|_| serve_with(db.expose(), &settings)).collect();
    let key = tenant_key(db.expose());
    let proxy = round_robin(servers.iter().map(|s| s.base.clone()).collect()).await;
    // No connection reuse: every request is a new choice of process, through the proxy too.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let db = db.expose().to_owned();
    (
        Cluster {
            servers,
            proxy,
            key,
            db,
            http,
        },
        dir,
    )
}

impl Cluster {
    pub async fn call(&self, method: reqwest::Method, url: String, key: bool) -> (StatusCode, Value) {
        let mut req = self.http.request(method, url);
        if key {
            req = req.header("x-api-key", &self.key);
        }
        let res = req.send().await.unwrap();
        (res.status(), res.json().await.unwrap_or(Value::Null))
    }

    pub async fn link(&self) -> (String, String) {
        let res = self
            .http
            .post(format!("{}/v1/numbers/remote-pairing", self.proxy))
            .header("x-api-key", &self.key)
            .json(&json!({ "name": "A", "number": "5511999998888" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let link: Value = res.json().await.unwrap();
        (
            link["remotePairingToken"].as_str().unwrap().to_owned(),
            link["numberId"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn status(&self, base: &str, token: &str) -> Value {
        let (status, body) = self
            .call(reqwest::Method::GET, format!("{base}/v1/remote-pairing/{token}/status"), false)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub async fn connect(&self, base: &str, token: &str) -> Value {
        let (status, body) = self
            .call(reqwest::Method::POST, format!("{base}/v1/remote-pairing/{token}/connect"), false)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub async fn scan(&self, base: &str, id: &str) {
        let (status, body) = self
            .call(reqwest::Method::POST, format!("{base}/v1/numbers/{id}/sandbox/scan"), true)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    pub async fn connected_events(&self, id: &str) -> i64 {
        let pool = sqlx::PgPool::connect(&self.db).await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE number_id = $1 AND kind = 'number.connected'")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
    }
}

/// A page's event stream: the latest status it carried.
pub(crate) struct Page {
    body: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Send>>,
    buffer: String,
}

impl Page {
    pub async fn open(base: &str, token: &str) -> Self {
        let res = reqwest::get(format!("{base}/v1/remote-pairing/{token}/events")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        Self {
            body: Box::pin(res.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// Waits up to `within` for a status that `wanted` accepts; returns it.
    pub async fn until(&mut self, within: Duration, wanted: impl Fn(&Value) -> bool) -> Value {
        let found = tokio::time::timeout(within, async {
            loop {
                while let Some(end) = self.buffer.find("\n\n") {
                    let frame: String = self.buffer.drain(..end + 2).collect();
                    for line in frame.lines() {
                        if let Some(data) = line.strip_prefix("data:")
                            && let Ok(status) = serde_json::from_str::<Value>(data.trim())
                            && wanted(&status)
                        {
                            return status;
                        }
                    }
                }
                let chunk = self.body.next().await.expect("stream open").unwrap();
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no wanted status within {within:?}; left unread: {}", self.buffer))
    }
}

/// A link whose window A opened (and owns), and a page streaming it from B, showing A's code.
pub(crate) async fn owned_by_a_watched_from_b(c: &Cluster) -> (String, String, Value, Page) {
    let (token, id) = c.link().await;
    let before = c.connect(&c.servers[0].base, &token).await;
    let mut page = Page::open(&c.servers[1].base, &token).await;
    page.until(Duration::from_secs(4), |s| code(s) == code(&before)).await;
    (token, id, before, page)
}

pub(crate) fn code(status: &Value) -> Option<&str> {
    status["pairingCode"].as_str()
}

#[tokio::test]
async fn every_process_shows_the_window_its_owner_runs_and_any_process_takes_the_scan() {
    let (c, _dir) = cluster(3).await;
    let (token, id) = c.link().await;
    let [a, b, third] = [&c.servers[0].base, &c.servers[1].base, &c.servers[2].base];
    // Before anything opens, every process says idle.
    assert_eq!(c.status(b, &token).await["linkState"], "idle");

    let opened = c.connect(a, &token).await;
    let (qr, pair) = (opened["qrcodeBase64"].clone(), opened["pairingCode"].clone());
    assert!(pair.is_string(), "{opened}");
    for base in [a, b, third, &c.proxy] {
        let status = c.status(base, &token).await;
        assert_eq!((&status["qrcodeBase64"], &status["pairingCode"]), (&qr, &pair), "on {base}");
        assert_eq!(status["linkState"], "qr");
    }
    let mut page = Page::open(third, &token).await;
    page.until(Duration::from_secs(4), |s| s["pairingCode"] == pair).await;

    // The QR rotates on the owner (3 s first ref); every process shows the new one.
    let rotated = page.until(Duration::from_secs(6), |s| s["qrcodeBase64"] != qr).await;
    for base in [a, b, third] {
        assert_eq!(c.status(base, &token).await["qrcodeBase64"], rotated["qrcodeBase64"], "on {base}");
    }

    // The phone scans through a process that does not own the window.
    c.scan(b, &id).await;
    page.until(Duration::from_secs(4), |s| s["state"] == "OPEN").await;
    for base in [a, b, third] {
        assert_eq!(c.status(base, &token).await["state"], "OPEN");
    }
    assert_eq!(c.connected_events(&id).await, 1);
}

#[tokio::test]
async fn a_hundred_connects_through_three_processes_open_one_window_and_pair_once() {
    let (c, _dir) = cluster(3).await;
    let (token, id) = c.link().await;
    let connects = (0..100).map(|_| c.connect(&c.proxy, &token));
    let answers = futures::future::join_all(connects).await;
    let first = &answers[0];
    for answer in &answers {
        assert_eq!(code(answer), code(first), "one window, one pairing code");
        assert_eq!(answer["windowEndsAt"], first["windowEndsAt"]);
    }
    c.scan(&c.proxy, &id).await;
    // Pages polling through the proxy all see it connected.
    for _ in 0..3 {
        assert_eq!(c.status(&c.proxy, &token).await["state"], "OPEN");
    }
    assert_eq!(c.connected_events(&id).await, 1, "one number.connected");
}

#[tokio::test]
async fn when_the_owner_is_killed_a_page_on_another_process_gets_a_working_window() {
    let (mut c, _dir) = cluster(2).await;
    let (_, id, before, mut page) = owned_by_a_watched_from_b(&c).await;
    let b = c.servers[1].base.clone();

    c.servers[0].child.kill().unwrap(); // SIGKILL: no goodbye, its lease just runs out.
    let after = page
        .until(Duration::from_secs(15), |s| code(s).is_some() && code(s) != code(&before))
        .await;
    assert_eq!(after["linkState"], "qr", "{after}");
    c.scan(&b, &id).await;
    page.until(Duration::from_secs(4), |s| s["state"] == "OPEN").await;
    assert_eq!(c.connected_events(&id).await, 1);
}

#[tokio::test]
async fn a_graceful_stop_hands_the_window_over_at_once_and_the_page_still_pairs() {
    let (mut c, _dir) = cluster(2).await;
    let (token, id, before, mut page) = owned_by_a_watched_from_b(&c).await;
    let (a, b) = (c.servers[0].base.clone(), c.servers[1].base.clone());
    let mut on_a = Page::open(&a, &token).await;
    on_a.until(Duration::from_secs(4), |s| code(s) == code(&before)).await;

    let pid = c.servers[0].child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    // Well inside the 3 s lease: handed over, not waited out.
    let after = page
        .until(Duration::from_secs(3), |s| code(s).is_some() && code(s) != code(&before))
        .await;
    assert_eq!(after["linkState"], "qr", "{after}");
    // The page streaming from the stopping process is let go (its browser reconnects to a
    // process that stays), so the stop does not wait for pages to leave.
    let ended = tokio::time::timeout(Duration::from_secs(5), async { while let Some(Ok(_)) = on_a.body.next().await {} }).await;
    assert!(ended.is_ok(), "the stream on the stopping process ended");
    let exited = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if c.servers[0].child.try_wait().unwrap().is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(exited.is_ok(), "the stopped process exits");
    c.scan(&b, &id).await;
    page.until(Duration::from_secs(4), |s| s["state"] == "OPEN").await;
    assert_eq!(c.connected_events(&id).await, 1);
}

#[tokio::test]
async fn the_official_fallback_taken_on_another_process_ends_the_owners_window_and_connects_once() {
    use crate::meta_graph::*;
    let graph = wiremock::MockServer::start().await;
    let (key, uri) = (key(), graph.uri());
    let meta = [
        ("PAIRLINK_META_TOKEN_KEY", key.as_str()),
        ("PAIRLINK_META_APP_ID", APP_ID),
        ("PAIRLINK_META_APP_SECRET", APP_SECRET),
        ("PAIRLINK_META_CONFIG_ID", "cfg-123"),
        ("PAIRLINK_META_GRAPH_URL", uri.as_str()),
        ("PAIRLINK_METRICS_TOKEN", "metrics-token"),
    ];
    // The WhatsApp Web sessions a process holds waiting for a passkey, from its own /metrics.
    let waiting = |base: String| async move { crate::multiprocess::sandbox_sessions(&base, "passkey_required").await };
    let (c, _dir) = cluster_with(2, &meta).await;
    let (a, b) = (&c.servers[0].base, &c.servers[1].base);
    let res = c
        .http
        .put(format!("{}/v1/settings", c.proxy))
        .header("x-api-key", &c.key)
        .json(&json!({ "officialFallback": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // A runs the window; WhatsApp asks the phone for its passkey there.
    let (token, id) = c.link().await;
    c.connect(a, &token).await;
    let (status, body) = c
        .call(reqwest::Method::POST, format!("{a}/v1/numbers/{id}/sandbox/passkey"), true)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    assert_eq!(waiting(a.clone()).await, 1.0, "A holds the session WhatsApp asks about");

    // The customer's official sign-up lands on B.
    refuse_the_rest(&graph).await;
    exchange("es-code", business_token(), 1).mount(&graph).await;
    let display = ok(
        json!({ "id": PHONE_ID, "display_phone_number": "+55 11 99999-8888", "verified_name": "A",
        "platform_type": "CLOUD_API", "status": "CONNECTED" }),
    );
    phone(BUSINESS_TOKEN, display, 1).mount(&graph).await;
    subscribe(BUSINESS_TOKEN, success(), 1).mount(&graph).await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path(format!("{V}/{PHONE_ID}/smb_app_data")))
        .respond_with(ok(json!({ "messaging_product": "whatsapp", "request_id": "r" })))
        .expect(2)
        .mount(&graph)
        .await;
    let body = json!({ "code": "es-code", "wabaId": WABA, "phoneNumberId": PHONE_ID,
        "event": "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING" });
    let res = c
        .http
        .post(format!("{b}/v1/remote-pairing/{token}/meta/embedded"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let out: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["numberId"], json!(id));
    graph.verify().await;

    // Every process reads it connected, official; the window A ran is gone from A.
    for base in [a, b] {
        assert_eq!(c.status(base, &token).await["state"], "OPEN");
    }
    let (_, number) = c.call(reqwest::Method::GET, format!("{a}/v1/numbers/{id}"), true).await;
    assert_eq!((&number["provider"], &number["state"]), (&json!("META"), &json!("OPEN")));
    assert_eq!(c.connected_events(&id).await, 1);
    assert_eq!(waiting(a.clone()).await, 0.0, "A let the WhatsApp Web session go");
}
