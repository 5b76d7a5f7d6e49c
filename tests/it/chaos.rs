//! Chaos: three `pairlink serve` on one PostgreSQL, the sandbox engine (WhatsApp's rules: one
//! connection per device, one message per id), a webhook receiver, and WhatsApp's record of
//! the messages sent; bursts of links (each sent over WhatsApp), pairings and restarts while
//! processes are stopped (SIGTERM) and killed (SIGKILL) in turn. At the end: one live session
//! per `OPEN` number cluster-wide, nothing replaced or disconnected by our own hand-overs,
//! every link message sent at most once (once when the API said so), every committed
//! `number.*` event delivered and none invented, and no 5xx but `DATABASE_UNAVAILABLE`.
//! Bounded: about 25 s of chaos, then at most a webhook lease (a minute) to settle.
use std::{
    collections::{HashMap, HashSet},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use rand::Rng;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{helpers::pg_database, multiprocess::sandbox_sessions, receiver::receiver};

const PROCESSES: usize = 3;
const CHAOS_FOR: Duration = Duration::from_secs(25);
const LEASE_SECONDS: &str = "3";

struct Proc {
    port: u16,
    child: Option<Child>,
}

impl Proc {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn start(db: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pairlink"))
        .arg("serve")
        .env("DATABASE_URL", db)
        .env("PAIRLINK_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", crate::helpers::site_root())
        .env("PAIRLINK_SANDBOX", "true")
        .env("PAIRLINK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
        .env("PAIRLINK_EMBEDDED_LEASE_SECONDS", LEASE_SECONDS)
        .env("PAIRLINK_METRICS_TOKEN", "metrics-token")
        .env("PAIRLINK_WEBHOOK_ALLOWLIST", "127.0.0.1")
        .env("PAIRLINK_WEBHOOK_POLL_MILLIS", "50")
        .env("PAIRLINK_WEBHOOK_TIMEOUT_SECONDS", "1")
        .env("PAIRLINK_RATE_LIMIT_API_PER_MINUTE", "1000000")
        .env("PAIRLINK_RATE_LIMIT_PUBLIC_PER_MINUTE", "1000000")
        .env("PAIRLINK_RATE_LIMIT_ADDRESS_PER_MINUTE", "1000000")
        .env("PAIRLINK_LOG", "warn")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pairlink starts")
}

async fn wait_up(http: &reqwest::Client, base: &str) {
    for _ in 0..600 {
        if http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} did not come up");
}

/// What the clients saw: answers by status, and every 5xx with its code.
#[derive(Default)]
struct Seen {
    statuses: HashMap<u16, u64>,
    server_errors: Vec<String>,
}

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    bases: Arc<Vec<String>>,
    key: String,
    seen: Arc<Mutex<Seen>>,
}

impl Client {
    /// Sends to a process picked at random; a process that is down (refused, reset) is
    /// skipped for the next, as a load balancer would. `None` when none answered.
    async fn call(&self, method: Method, path: &str, key: bool, body: Option<Value>) -> Option<(StatusCode, Value)> {
        let first = rand::rng().random_range(0..self.bases.len());
        for i in 0..self.bases.len() * 2 {
            let base = &self.bases[(first + i) % self.bases.len()];
            let mut req = self.http.request(method.clone(), format!("{base}{path}"));
            if key {
                req = req.header("x-api-key", &self.key);
            }
            if let Some(body) = &body {
                req = req.json(body);
            }
            let Ok(res) = req.send().await else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let status = res.status();
            let Ok(text) = res.text().await else { continue };
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let mut seen = self.seen.lock().unwrap();
            *seen.statuses.entry(status.as_u16()).or_default() += 1;
            if status.is_server_error() {
                seen.server_errors.push(format!("{status} {method} {path}: {text}"));
            }
            return Some((status, value));
        }
        None
    }
}

/// A link made with `sendViaWhatsApp`: its number, its customer's phone, whether the API said
/// the message went out.
struct Made {
    phone: String,
    sent: bool,
}

async fn worker(client: Client, w: u32, until: Instant, made: Arc<Mutex<Vec<Made>>>) {
    let mut i = 0u32;
    while Instant::now() < until {
        i += 1;
        let phone = format!("+55119{w:02}{i:05}");
        let body = json!({ "name": format!("c{w}-{i}"), "number": phone, "sendViaWhatsApp": true });
        let Some((status, link)) = client.call(Method::POST, "/v1/numbers/remote-pairing", true, Some(body)).await else {
            continue;
        };
        if status != StatusCode::CREATED {
            continue;
        }
        made.lock().unwrap().push(Made {
            phone: phone.clone(),
            sent: link["messageSent"] == true,
        });
        let (token, id) = (
            link["remotePairingToken"].as_str().unwrap_or_default().to_owned(),
            link["numberId"].as_str().unwrap_or_default().to_owned(),
        );
        // Most links pair; some are left open, as customers do.
        if i.is_multiple_of(4) {
            continue;
        }
        let Some((status, _)) = client
            .call(Method::POST, &format!("/v1/remote-pairing/{token}/connect"), false, None)
            .await
        else {
            continue;
        };
        if status == StatusCode::OK {
            client
                .call(Method::POST, &format!("/v1/numbers/{id}/sandbox/scan"), true, None)
                .await;
        }
    }
}

#[tokio::test]
async fn three_processes_stopped_killed_and_restarted_under_load_keep_every_promise() {
    let (db, _dir) = pg_database().await;
    let db = db.expose().to_owned();
    let hooks = receiver(200).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap();
    let mut procs: Vec<Proc> = (0..PROCESSES)
        .map(|_| {
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            Proc {
                port,
                child: Some(start(&db, port)),
            }
        })
        .collect();
    for p in &procs {
        wait_up(&http, &p.base()).await;
    }
    let key = crate::multiprocess::tenant_key(&db);
    let client = Client {
        http: http.clone(),
        bases: Arc::new(procs.iter().map(Proc::base).collect()),
        key,
        seen: Default::default(),
    };

    // Webhooks for everything, a sender that is paired, and its message template.
    let hook = json!({ "url": format!("{}/hook", hooks.uri()), "events": ["*"] });
    assert_eq!(
        client.call(Method::POST, "/v1/webhooks", true, Some(hook)).await.unwrap().0,
        StatusCode::CREATED
    );
    let (_, sender) = client
        .call(
            Method::POST,
            "/v1/numbers",
            true,
            Some(json!({ "name": "Sender", "number": "+5511900000001" })),
        )
        .await
        .unwrap();
    let sender = sender["instance"]["id"].as_str().unwrap().to_owned();
    let (scanned, body) = client
        .call(Method::POST, &format!("/v1/numbers/{sender}/sandbox/scan"), true, None)
        .await
        .unwrap();
    assert_eq!(scanned, StatusCode::OK, "{body}");
    let template = json!({ "name": "pilot_status_remote_pairing", "category": "OTP", "language": "en", "body": "Hi {{name}}: {{link}}" });
    assert_eq!(
        client.call(Method::POST, "/v1/templates", true, Some(template)).await.unwrap().0,
        StatusCode::CREATED
    );
    let settings = json!({ "defaultSenderNumberId": sender });
    assert_eq!(
        client.call(Method::PUT, "/v1/settings", true, Some(settings)).await.unwrap().0,
        StatusCode::OK
    );

    // The load, and the chaos beside it: each round stops or kills one process and restarts it.
    let until = Instant::now() + CHAOS_FOR;
    let made: Arc<Mutex<Vec<Made>>> = Default::default();
    let workers: Vec<_> = (0..4)
        .map(|w| tokio::spawn(worker(client.clone(), w, until, made.clone())))
        .collect();
    let mut round = 0usize;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let p = &mut procs[round % PROCESSES];
        let mut child = p.child.take().unwrap();
        if round.is_multiple_of(2) {
            let pid = child.id().to_string();
            assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
            let stopped = Instant::now();
            while child.try_wait().unwrap().is_none() {
                assert!(stopped.elapsed() < Duration::from_secs(10), "a SIGTERM'd process exits within 10 s");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        } else {
            child.kill().unwrap();
            child.wait().unwrap();
        }
        p.child = Some(start(&db, p.port));
        wait_up(&http, &p.base()).await;
        round += 1;
    }
    for w in workers {
        w.await.unwrap();
    }
    eprintln!("chaos: {round} stops and kills, {} links made", made.lock().unwrap().len());

    let pool = sqlx::PgPool::connect(&db).await.unwrap();
    // One live session per OPEN number, cluster-wide, once orphans are adopted (a lease).
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM numbers WHERE state = 'OPEN' AND deleted_at IS NULL AND engine = 'sandbox'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let settled = Instant::now();
    let mut sessions = 0.0;
    while settled.elapsed() < Duration::from_secs(15) {
        sessions = 0.0;
        for p in &procs {
            sessions += sandbox_sessions(&p.base(), "connected").await;
        }
        if sessions == open as f64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    if sessions != open as f64 {
        let per_process: Vec<f64> = futures::future::join_all(procs.iter().map(|p| {
            let base = p.base();
            async move { sandbox_sessions(&base, "connected").await }
        }))
        .await;
        let states: Vec<(String, i64)> = sqlx::query_as("SELECT state, COUNT(*) FROM numbers GROUP BY state")
            .fetch_all(&pool)
            .await
            .unwrap();
        let leases: Vec<(String, i64)> = sqlx::query_as("SELECT holder, COUNT(*) FROM session_leases GROUP BY holder")
            .fetch_all(&pool)
            .await
            .unwrap();
        let devices: Vec<(String, i64)> = sqlx::query_as("SELECT connection, COUNT(*) FROM sandbox_devices GROUP BY connection")
            .fetch_all(&pool)
            .await
            .unwrap();
        let leased_closed: Vec<(String, i64, i64)> = sqlx::query_as(concat!(
            "SELECT n.state, COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.number_id = n.id AND e.kind = 'number.connected') THEN 1 ELSE 0 END) ",
            "FROM numbers n JOIN session_leases l ON l.number_id = n.id GROUP BY n.state"
        ))
        .fetch_all(&pool)
        .await
        .unwrap();
        let views: Vec<(String, i64)> = sqlx::query_as(concat!(
            "SELECT substr(v.state, 1, 60), COUNT(*) FROM numbers n JOIN link_views v ON v.number_id = n.id WHERE n.state = 'CLOSE' ",
            "AND EXISTS (SELECT 1 FROM events e WHERE e.number_id = n.id AND e.kind = 'number.connected') GROUP BY 1"
        ))
        .fetch_all(&pool)
        .await
        .unwrap();
        eprintln!("views of connected numbers now CLOSE: {views:?}");
        // Every session each process runs, by state: a number can be leased and running in a
        // state other than connected.
        for p in &procs {
            let text = reqwest::Client::new()
                .get(format!("{}/metrics", p.base()))
                .bearer_auth("metrics-token")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let lines: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with("pairlink_engine_sessions{") && !l.ends_with(" 0"))
                .collect();
            eprintln!("{}: {lines:?}", p.base());
        }
        let odd: Vec<(String, String, String)> = sqlx::query_as(concat!(
            "SELECT n.id, l.holder, COALESCE((SELECT string_agg(e.kind, ',' ORDER BY e.created_at) FROM events e WHERE e.number_id = n.id), '') ",
            "FROM numbers n JOIN session_leases l ON l.number_id = n.id WHERE n.state = 'OPEN' ",
            "AND NOT EXISTS (SELECT 1 FROM sandbox_devices d WHERE d.number_id = n.id AND d.connection IS NOT NULL)"
        ))
        .fetch_all(&pool)
        .await
        .unwrap_or_default();
        eprintln!("OPEN, leased, no device connection: {odd:?}");
        panic!(
            "{sessions} sessions for {open} OPEN numbers: per process {per_process:?}; numbers {states:?}; leases {leases:?}; devices {devices:?}; leased numbers by state (count, with number.connected) {leased_closed:?}"
        );
    }

    let disconnected: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE kind = 'number.disconnected'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(disconnected, 0, "no number replaced or disconnected by our own hand-overs");

    // Every link message at most once; once where the API said it was sent.
    let delivered: Vec<(String, i64)> = sqlx::query_as("SELECT recipient, COUNT(*) FROM sandbox_messages GROUP BY recipient")
        .fetch_all(&pool)
        .await
        .unwrap();
    let delivered: HashMap<String, i64> = delivered.into_iter().collect();
    for (to, n) in &delivered {
        assert_eq!(*n, 1, "{to} got the link {n} times");
    }
    for m in made.lock().unwrap().iter().filter(|m| m.sent) {
        assert_eq!(delivered.get(&m.phone), Some(&1), "{} was told sent", m.phone);
    }

    // Every committed number.* event delivered (the killed processes' delivery leases run
    // out within a minute), none invented.
    let committed: HashSet<String> = sqlx::query_scalar("SELECT id FROM events WHERE kind LIKE 'number.%'")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let received = || async {
        hooks
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r.headers.get("webhook-id").and_then(|v| v.to_str().ok()).map(str::to_owned))
            .collect::<HashSet<String>>()
    };
    let waited = Instant::now();
    let mut got = received().await;
    while !committed.is_subset(&got) && waited.elapsed() < Duration::from_secs(90) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        got = received().await;
    }
    let missing = committed.difference(&got).count();
    assert_eq!(
        missing,
        0,
        "{missing} of {} committed number.* events never delivered",
        committed.len()
    );
    let all: HashSet<String> = sqlx::query_scalar("SELECT id FROM events")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let invented: Vec<&String> = got.iter().filter(|id| !all.contains(*id)).collect();
    assert!(invented.is_empty(), "delivered but never committed: {invented:?}");

    let seen = client.seen.lock().unwrap();
    let unexpected: Vec<&String> = seen.server_errors.iter().filter(|e| !e.contains("DATABASE_UNAVAILABLE")).collect();
    assert!(unexpected.is_empty(), "5xx answers: {unexpected:#?}");
    eprintln!("chaos: answers by status {:?}", seen.statuses);
}
