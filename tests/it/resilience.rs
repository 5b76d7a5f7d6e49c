//! kill -9 of the real server binary in the middle of a burst of link creations and pairings,
//! then a restart on the same database: every committed `number.*` event reaches the webhook
//! receiver at least once, and the receiver gets no event that was not committed. Slow (the
//! killed process's delivery leases must run out, about a minute), so it is `#[ignore]`d and
//! run by `tests/resilience.sh`.
use std::{
    collections::{HashMap, HashSet},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
};

use pairlink::server::{
    config::DatabaseUrl,
    domain::{NumberId, TenantId},
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Mutex;
use wiremock::MockServer;

use crate::helpers::pg_database;
use crate::receiver::receiver;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(db: &DatabaseUrl, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pairlink"))
        .env("DATABASE_URL", db.expose())
        .env("PAIRLINK_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("PAIRLINK_SANDBOX", "true")
        .env("LEPTOS_SITE_ROOT", crate::helpers::site_root())
        .env("PAIRLINK_WEBHOOK_ALLOWLIST", "127.0.0.1")
        .env("PAIRLINK_WEBHOOK_POLL_MILLIS", "20")
        .env("PAIRLINK_WEBHOOK_TIMEOUT_SECONDS", "1")
        .env("PAIRLINK_RATE_LIMIT_API_PER_MINUTE", "1000000")
        .env("PAIRLINK_RATE_LIMIT_PUBLIC_PER_MINUTE", "1000000")
        .env("PAIRLINK_RATE_LIMIT_ADDRESS_PER_MINUTE", "1000000")
        .env("PAIRLINK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
        .env("PAIRLINK_LOG", "warn")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .spawn()
        .expect("pairlink starts")
}

async fn wait_up(http: &reqwest::Client, base: &str) {
    for _ in 0..600 {
        if http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come up at {base}");
}

/// Every `number.*` event committed to the database: id → kind.
async fn committed_events(db: &DatabaseUrl, tenant: &TenantId) -> HashMap<String, String> {
    let store = pairlink::server::store::connect(db, 2).await.unwrap();
    let mut events = HashMap::new();
    for number in store.list_numbers(tenant).await.unwrap() {
        for event in store.list_number_events(tenant, &number.id, 10_000).await.unwrap() {
            if event.kind.starts_with("number.") {
                events.insert(event.id.to_string(), event.kind.clone());
            }
        }
    }
    events
}

/// Event ids the receiver got, by `webhook-id` header.
async fn received(server: &MockServer) -> HashMap<String, String> {
    let mut got = HashMap::new();
    for req in server.received_requests().await.unwrap_or_default() {
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let id = req.headers["webhook-id"].to_str().unwrap().to_owned();
        assert_eq!(body["data"]["id"], id.as_str());
        got.insert(id, body["event"].as_str().unwrap().to_owned());
    }
    got
}

async fn kill_9_during_a_burst(db: DatabaseUrl) {
    let hooks = receiver(200).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = serve(&db, port);
    wait_up(&http, &base).await;

    let out = Command::new(env!("CARGO_BIN_EXE_pairlink"))
        .args(["tenant", "create", "--name", "Burst"])
        .env("DATABASE_URL", db.expose())
        .env("PAIRLINK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
        .env("PAIRLINK_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = created["apiKey"].as_str().unwrap().to_owned();
    let tenant = TenantId::from_trusted(created["tenantId"].as_str().unwrap());
    let res = http
        .post(format!("{base}/v1/webhooks"))
        .header("x-api-key", &key)
        .json(&json!({"url": format!("{}/hook", hooks.uri()), "events": ["*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    // Acknowledged writes: numbers whose creation answered 201, and those whose scan answered 200.
    let acknowledged: Arc<Mutex<(Vec<String>, Vec<String>)>> = Default::default();
    let mut workers = Vec::new();
    for w in 0..16u64 {
        let (http, base, key, acked) = (http.clone(), base.clone(), key.clone(), acknowledged.clone());
        workers.push(tokio::spawn(async move {
            for i in 0.. {
                let phone = format!("55119{w:02}{i:06}");
                let Ok(res) = http
                    .post(format!("{base}/v1/numbers/remote-pairing"))
                    .header("x-api-key", &key)
                    .json(&json!({"name": format!("n{w}-{i}"), "number": phone}))
                    .send()
                    .await
                else {
                    return;
                };
                if res.status() != StatusCode::CREATED {
                    return;
                }
                let Ok(link) = res.json::<Value>().await else { return };
                let (id, token) = (
                    link["numberId"].as_str().unwrap().to_owned(),
                    link["remotePairingToken"].as_str().unwrap().to_owned(),
                );
                acked.lock().await.0.push(id.clone());
                if http.post(format!("{base}/v1/remote-pairing/{token}/connect")).send().await.is_err() {
                    return;
                }
                match http
                    .post(format!("{base}/v1/numbers/{id}/sandbox/scan"))
                    .header("x-api-key", &key)
                    .send()
                    .await
                {
                    Ok(r) if r.status() == StatusCode::OK => acked.lock().await.1.push(id),
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        }));
    }
    // Kill once the burst is well under way, with deliveries in flight.
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let n = acknowledged.lock().await.1.len();
        if n >= 40 {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let (created, connected) = acknowledged.lock().await.clone();
    eprintln!(
        "killed after {} acknowledged creations and {} pairings",
        created.len(),
        connected.len()
    );

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = serve(&db, port);
    wait_up(&http, &base).await;

    let committed = committed_events(&db, &tenant).await;
    // Acknowledged means committed.
    let store = pairlink::server::store::connect(&db, 2).await.unwrap();
    for id in &created {
        let kinds: Vec<String> = store
            .list_number_events(&tenant, &NumberId::from_trusted(id.clone()), 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert!(kinds.contains(&"number.created".to_owned()), "{id}: {kinds:?}");
        if connected.contains(id) {
            assert!(kinds.contains(&"number.connected".to_owned()), "{id}: {kinds:?}");
        }
    }
    // Everything committed arrives, within the lease (a minute) plus some.
    let mut got = received(&hooks).await;
    for _ in 0..240 {
        if committed.keys().all(|id| got.contains_key(id)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        got = received(&hooks).await;
    }
    let missing: Vec<_> = committed.keys().filter(|id| !got.contains_key(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} committed number.* events never delivered",
        missing.len(),
        committed.len()
    );
    // Nothing invented: every number.* event received was committed (and is still there).
    let committed_now = committed_events(&db, &tenant).await;
    let invented: HashSet<_> = got
        .iter()
        .filter(|(_, kind)| kind.starts_with("number."))
        .filter(|(id, _)| !committed_now.contains_key(*id))
        .collect();
    assert!(invented.is_empty(), "delivered but never committed: {invented:?}");
    eprintln!(
        "{} committed number.* events, all delivered ({} requests in all)",
        committed.len(),
        hooks.received_requests().await.unwrap().len()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
#[ignore = "slow (about a minute): run by tests/resilience.sh"]
async fn kill_9_during_a_burst_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    kill_9_during_a_burst(DatabaseUrl::new(format!("sqlite://{}/burst.db", dir.path().display()))).await;
}

#[tokio::test]
#[ignore = "slow (about a minute): run by tests/resilience.sh"]
async fn kill_9_during_a_burst_on_postgres() {
    let (db, _dir) = pg_database().await;
    kill_9_during_a_burst(db).await;
}
