//! Several `pairlink serve` processes on one PostgreSQL: any of them serves any request, and a
//! page's event stream on one sees what happens on another.
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::pg_database;

/// Shorter than the streams' 5 s safety recheck, so an update arriving in time proves it came
/// through PostgreSQL's NOTIFY rather than the periodic recheck.
const PUSHED: Duration = Duration::from_secs(4);

/// A server process, killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &str) -> Server {
    serve_with(db, &[])
}

/// A server on `db` with extra `PAIRLINK_*` settings.
pub fn serve_with(db: &str, settings: &[(&str, &str)]) -> Server {
    let mut child = serve_command(db, settings).spawn().expect("pairlink starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let addr: String = line[at + 20..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                    .collect();
                let _ = tx.send(format!("http://{addr}"));
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(60)).expect("the server says where it listens");
    Server { child, base }
}

/// `pairlink serve` on `db` with extra `PAIRLINK_*` settings, its log piped to stderr.
pub fn serve_command(db: &str, settings: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pairlink"));
    command
        .arg("serve")
        .envs(settings.iter().copied())
        .env("DATABASE_URL", db)
        .env("PAIRLINK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
        .env("PAIRLINK_SANDBOX", "1")
        .env("PAIRLINK_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .env("LEPTOS_SITE_ROOT", crate::helpers::site_root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// `child`'s exit status, or `None` (and the child killed) if it still runs after `within`.
pub async fn wait_for_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if tokio::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The sandbox sessions a process holds in `state` (`connected`, `passkey_required`, …), from
/// its own `/metrics` (served with `PAIRLINK_METRICS_TOKEN=metrics-token`); 0 when it does not
/// answer (a process that is down holds none).
pub async fn sandbox_sessions(base: &str, state: &str) -> f64 {
    let Ok(res) = reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth("metrics-token")
        .send()
        .await
    else {
        return 0.0;
    };
    let state = format!(r#"state="{state}""#);
    res.text()
        .await
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("pairlink_engine_sessions{") && l.contains(r#"engine="sandbox""#))
        .filter(|l| l.contains(&state))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

pub fn tenant_key(db: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_pairlink"))
        .args(["tenant", "create", "--name", "Acme"])
        .env("DATABASE_URL", db)
        .env("PAIRLINK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
        .env("PAIRLINK_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    created["apiKey"].as_str().unwrap().to_owned()
}

async fn call(http: &reqwest::Client, method: reqwest::Method, url: String, key: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = http.request(method, url);
    if let Some(key) = key {
        req = req.header("x-api-key", key);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

/// A page's event stream, read until the text the test waits for.
struct Watch {
    body: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Send>>,
    seen: String,
}

impl Watch {
    async fn open(http: &reqwest::Client, base: &str, token: &str) -> Self {
        let res = http.get(format!("{base}/v1/remote-pairing/{token}/events")).send().await.unwrap();
        Self {
            body: Box::pin(res.bytes_stream()),
            seen: String::new(),
        }
    }

    async fn wait_for(&mut self, needle: &str) {
        use futures::StreamExt;
        let Self { body, seen } = self;
        let found = tokio::time::timeout(PUSHED, async {
            while !seen.contains(needle) {
                let chunk = body.next().await.expect("stream open").unwrap();
                seen.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await;
        assert!(found.is_ok(), "{needle} never arrived; saw {}", self.seen);
    }
}

/// A link created on `base`: its token and number id.
async fn create_link(http: &reqwest::Client, base: &str, key: &str) -> (String, String) {
    let body = json!({ "name": "A", "number": "5511999998888" });
    let (status, link) = call(
        http,
        reqwest::Method::POST,
        format!("{base}/v1/numbers/remote-pairing"),
        Some(key),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    (
        link["remotePairingToken"].as_str().unwrap().to_owned(),
        link["numberId"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_stream_on_one_process_sees_pairing_done_on_another() {
    let (db, _dir) = pg_database().await;
    let (a, b) = (serve(db.expose()), serve(db.expose()));
    let key = tenant_key(db.expose());
    let http = reqwest::Client::new();
    let (token, id) = create_link(&http, &a.base, &key).await;

    // Any process answers for the link.
    let (status, info) = call(
        &http,
        reqwest::Method::GET,
        format!("{}/v1/remote-pairing/{token}", b.base),
        None,
        None,
    )
    .await;
    assert_eq!((status, info["state"].as_str()), (StatusCode::OK, Some("CLOSE")));

    // The page's stream is on B; the pairing happens on A.
    let mut watch = Watch::open(&http, &b.base, &token).await;
    watch.wait_for("\"linkState\":\"idle\"").await;
    let (status, _) = call(
        &http,
        reqwest::Method::POST,
        format!("{}/v1/remote-pairing/{token}/connect", a.base),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    watch.wait_for("\"state\":\"CONNECTING\"").await;
    let (status, _) = call(
        &http,
        reqwest::Method::POST,
        format!("{}/v1/numbers/{id}/sandbox/scan", a.base),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    watch.wait_for("\"state\":\"OPEN\"").await;
    watch.wait_for("event: end").await;
    watch.wait_for("CONNECTED").await;
}

#[tokio::test]
async fn a_link_revoked_on_one_process_dies_on_every_process() {
    let (db, _dir) = pg_database().await;
    let (a, b) = (serve(db.expose()), serve(db.expose()));
    let key = tenant_key(db.expose());
    let http = reqwest::Client::new();
    let (token, id) = create_link(&http, &a.base, &key).await;

    let mut watch = Watch::open(&http, &a.base, &token).await;
    let (status, _) = call(
        &http,
        reqwest::Method::DELETE,
        format!("{}/v1/numbers/{id}/remote-pairing", b.base),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    watch.wait_for("LINK_REVOKED").await;
    for server in [&a, &b] {
        let (status, err) = call(
            &http,
            reqwest::Method::GET,
            format!("{}/v1/remote-pairing/{token}", server.base),
            None,
            None,
        )
        .await;
        assert_eq!((status, err["code"].as_str()), (StatusCode::NOT_FOUND, Some("LINK_REVOKED")));
    }
}

/// A page of the number list kept on A is not served once B wrote: the version it was kept
/// under is PostgreSQL's, moved in B's transaction, with no message between the processes
/// to wait for.
#[tokio::test]
async fn a_page_kept_on_one_process_shows_a_write_on_another_in_the_next_read() {
    let (db, _dir) = pg_database().await;
    let (a, b) = (serve(db.expose()), serve(db.expose()));
    let key = tenant_key(db.expose());
    let http = reqwest::Client::new();
    let ids = crate::number_pages::ids;
    let read = |base: &str| call(&http, reqwest::Method::GET, format!("{base}/v1/numbers?limit=10"), Some(&key), None);
    let create = |base: &str, phone: &str| {
        let body = json!({ "name": "Loja", "number": phone });
        let made = call(&http, reqwest::Method::POST, format!("{base}/v1/numbers"), Some(&key), Some(body));
        async move {
            let (status, made) = made.await;
            assert_eq!(status, StatusCode::CREATED, "{made}");
            made["instance"]["id"].as_str().unwrap().to_owned()
        }
    };

    let first = create(&a.base, "5511990000001").await;
    let (status, kept) = read(&a.base).await;
    assert_eq!((status, ids(&kept)), (StatusCode::OK, vec![first.clone()]));
    assert_eq!(ids(&read(&a.base).await.1), vec![first.clone()], "kept, and still right");

    let second = create(&b.base, "5511990000002").await;
    assert_eq!(ids(&read(&a.base).await.1), [first.clone(), second.clone()]);

    let (status, _) = call(
        &http,
        reqwest::Method::DELETE,
        format!("{}/v1/numbers/{first}", b.base),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&read(&a.base).await.1), [second]);
}
