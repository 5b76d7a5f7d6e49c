//! The benchmark: starts the release server on loopback with a fresh database, drives it with
//! an in-process load generator (reqwest/hyper, many keep-alive connections) and prints a
//! table of requests/s, p50, p99, errors and the server's RSS, each beside its ratio to a
//! bare axum handler measured in the same run, on the same machine, the same way.
//!
//!   scripts/bench.sh                    # both databases (PostgreSQL from TEST_DATABASE_URL)
//!   scripts/bench.sh --db sqlite --secs 3
//!   scripts/bench.sh --two-process      # only the two-process row (event on A, page on B)
//!   scripts/bench.sh --status           # only the status rows (idle links, open windows)
//!   scripts/bench.sh --lists            # a tenant with 10,000 numbers (bench/lists.rs)
//!
//! `BENCH_PAIRLINK_BIN` runs another build of the server (an older one, to compare two builds
//! each against the bare baseline of its own run).
//!
//! (`scripts/bench.sh` is `cargo bench --features ssr --bench bench -- "$@"`.) Not part of
//! the test command. The load generator shares the machine with the server, as would any
//! generator on a one-box setup; the bare baseline pays the same cost, hence the ratios.
use std::{
    collections::HashMap,
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::Mutex;

#[path = "bench/lists.rs"]
mod lists;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

#[derive(Clone)]
struct Args {
    dbs: Vec<String>,
    secs: u64,
    connections: usize,
    streams: usize,
    bulk: i64,
    /// `--two-process`: only the two-process row (PostgreSQL), e.g. on a debug build.
    two_process_only: bool,
    /// `--status`: only the bare baseline and the status rows, on each database.
    status_only: bool,
    /// `--lists`: only the rows of a tenant with 10,000 numbers (`bench/lists.rs`).
    lists_only: bool,
}

fn args() -> Args {
    let mut a = Args {
        dbs: vec!["sqlite".into(), "postgres".into()],
        secs: 5,
        connections: 64,
        streams: 10_000,
        bulk: 1_000_000,
        two_process_only: false,
        status_only: false,
        lists_only: false,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_default();
        match flag.as_str() {
            "--db" => a.dbs = value().split(',').map(str::to_owned).collect(),
            "--secs" => a.secs = value().parse().expect("--secs N"),
            "--connections" => a.connections = value().parse().expect("--connections N"),
            "--streams" => a.streams = value().parse().expect("--streams N"),
            "--bulk" => a.bulk = value().parse().expect("--bulk N"),
            "--two-process" => a.two_process_only = true,
            "--status" => a.status_only = true,
            "--lists" => a.lists_only = true,
            // cargo bench passes --bench; anything else is a mistake worth knowing about.
            "--bench" => {}
            other => panic!("unknown argument {other}; see the header of benches/bench.rs"),
        }
    }
    a
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--bare-server") {
        return bare_server();
    }
    let args = args();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run(args));
}

/// The baseline: axum, one route, a small JSON body. Same runtime flavour as the server.
fn bare_server() {
    let port: u16 = std::env::var("BARE_PORT").unwrap().parse().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let app = axum::Router::new().route(
            "/bare",
            axum::routing::get(|| async { axum::Json(json!({"state": "CONNECTING", "linkState": "ACTIVE"})) }),
        );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        axum::serve(listener, app).await.unwrap();
    });
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_up(base: &str) {
    let http = reqwest::Client::new();
    for _ in 0..400 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() || http.get(format!("{base}/bare")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} did not come up");
}

async fn start_bare() -> Server {
    let port = free_port();
    let child = Command::new(std::env::current_exe().unwrap())
        .arg("--bare-server")
        .env("BARE_PORT", port.to_string())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    wait_up(&server.base).await;
    server
}

/// The per-address stream cap the bench runs with: above its 10,000 streams.
const STREAMS_PER_ADDRESS: &str = "20000";

fn pairlink() -> Command {
    let bin = std::env::var("BENCH_PAIRLINK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_pairlink").to_owned());
    let mut cmd = Command::new(bin);
    cmd.env("PAIRLINK_CONFIG", format!("{MANIFEST}/Leptos.toml"))
        // PostgreSQL runs need the key every process shares; any fixed key will do here.
        .env("PAIRLINK_SECRETS_KEY", "YmVuY2htYXJrIGtleSBmb3IgcGFpcmxpbmsgcnVucyE=")
        .env_remove("RUST_LOG");
    cmd
}

async fn start_pairlink(db: &str, receiver: Option<&str>) -> Server {
    let port = free_port();
    let mut cmd = pairlink();
    cmd.env("DATABASE_URL", db)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("PAIRLINK_SANDBOX", "true")
        .env("PAIRLINK_RATE_LIMIT_API_PER_MINUTE", "4000000000")
        .env("PAIRLINK_RATE_LIMIT_PUBLIC_PER_MINUTE", "4000000000")
        .env("PAIRLINK_RATE_LIMIT_ADDRESS_PER_MINUTE", "4000000000")
        // Every stream of the bench comes from its one address; the cap (30 by default) is
        // for a real client's browsers and has its own tests. The table says so.
        .env("PAIRLINK_STREAMS_PER_ADDRESS", STREAMS_PER_ADDRESS)
        .env("PAIRLINK_WEBHOOK_ALLOWLIST", "127.0.0.1")
        .env("PAIRLINK_DB_MAX_CONNECTIONS", "16")
        // One line per request at info would measure the terminal, not the server.
        .env("PAIRLINK_LOG", "warn")
        .stdout(Stdio::null());
    if receiver.is_some() {
        cmd.env(
            "PAIRLINK_WEBHOOK_POLL_MILLIS",
            std::env::var("BENCH_WEBHOOK_POLL_MILLIS").unwrap_or("1000".into()),
        );
    }
    let server = Server {
        child: cmd.spawn().expect("the release server starts"),
        base: format!("http://127.0.0.1:{port}"),
    };
    wait_up(&server.base).await;
    server
}

/// One row of the table.
struct Row {
    name: String,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
    rss_mb: f64,
    note: String,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Drives `connections` keep-alive connections for `secs`, each sending `make(i)` in a
/// loop, after a short warm-up that is not counted.
async fn load<F>(name: &str, server: &Server, connections: usize, secs: u64, make: F) -> Row
where
    F: Fn(&reqwest::Client, &str, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .build()
        .unwrap();
    let make = Arc::new(make);
    let counter = Arc::new(AtomicUsize::new(0));
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (http, make, counter, measuring, stop, base) = (
            http.clone(),
            make.clone(),
            counter.clone(),
            measuring.clone(),
            stop.clone(),
            server.base.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            let mut errors = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                let start = Instant::now();
                let ok = match make(&http, &base, i).send().await {
                    Ok(res) => {
                        let ok = res.status().is_success();
                        ok & res.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                if measuring.load(Ordering::Relaxed) {
                    latencies.push(start.elapsed().as_secs_f64() * 1000.0);
                    errors += usize::from(!ok);
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    measuring.store(true, Ordering::Relaxed);
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let rss_mb = server.rss_mb();
    stop.store(true, Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    all.sort_by(f64::total_cmp);
    Row {
        name: name.into(),
        rps: all.len() as f64 / elapsed,
        p50_ms: percentile(&all, 0.5),
        p99_ms: percentile(&all, 0.99),
        errors,
        rss_mb,
        note: format!("{connections} connections, {secs} s"),
    }
}

struct Tenant {
    key: String,
    id: String,
}

fn tenant(db: &str) -> Tenant {
    let out = pairlink()
        .args(["tenant", "create", "--name", "Bench"])
        .env("DATABASE_URL", db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    Tenant {
        key: v["apiKey"].as_str().unwrap().into(),
        id: v["tenantId"].as_str().unwrap().into(),
    }
}

/// Creates `n` links through the API (not timed); returns `(token, numberId)` pairs.
async fn create_links(server: &Server, key: &str, n: usize, phone_base: u64) -> Vec<(String, String)> {
    let http = reqwest::Client::new();
    let out = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (http, out, next, base, key) = (http.clone(), out.clone(), next.clone(), server.base.clone(), key.to_owned());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return;
                }
                let link: Value = http
                    .post(format!("{base}/v1/numbers/remote-pairing"))
                    .header("x-api-key", &key)
                    .json(&json!({"name": format!("Shop {i}"), "number": format!("{}", phone_base + i as u64)}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let token = link["remotePairingToken"].as_str().unwrap_or_else(|| panic!("{link}")).to_owned();
                out.lock().await.push((token, link["numberId"].as_str().unwrap().to_owned()));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    Arc::try_unwrap(out).unwrap().into_inner()
}

/// Fills the links table up to `total` rows, straight into the database: META links without
/// a number, each with a distinct token hash nobody holds.
async fn bulk_insert(db: &str, tenant: &str, total: i64) -> Duration {
    let start = Instant::now();
    let now = chrono::Utc::now().timestamp_millis();
    let expires = now + 7 * 24 * 3600 * 1000;
    if db.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(db).await.unwrap();
        let (have,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM links").fetch_one(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO links (id, tenant_id, number_id, token_hash, provider, meta_flow, branding, created_at, expires_at) \
             WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $1) \
             SELECT 'lnk_bulk' || i, $2, NULL, printf('%064x', i), 'META', 'embedded', '{}', $3, $4 FROM seq",
        )
        .bind(total - have)
        .bind(tenant)
        .bind(now)
        .bind(expires)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::PgPool::connect(db).await.unwrap();
        let (have,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM links").fetch_one(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO links (id, tenant_id, number_id, token_hash, provider, meta_flow, branding, created_at, expires_at) \
             SELECT 'lnk_bulk' || i, $2, NULL, lpad(to_hex(i), 64, '0'), 'META', 'embedded', '{}', $3, $4 \
             FROM generate_series(1, $1) AS i",
        )
        .bind(total - have)
        .bind(tenant)
        .bind(now)
        .bind(expires)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("ANALYZE links").execute(&pool).await.unwrap();
    }
    start.elapsed()
}

/// A webhook receiver in this process: when each `number.connected` arrived, by number id.
async fn start_receiver() -> (String, Arc<Mutex<HashMap<String, Instant>>>) {
    let seen: Arc<Mutex<HashMap<String, Instant>>> = Default::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                |axum::extract::State(seen): axum::extract::State<Arc<Mutex<HashMap<String, Instant>>>>, body: String| async move {
                    let at = Instant::now();
                    if let Ok(v) = serde_json::from_str::<Value>(&body)
                        && let Some(id) = v["data"]["numberId"].as_str()
                    {
                        seen.lock().await.entry(id.to_owned()).or_insert(at);
                    }
                    axum::http::StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// 10,000 pages each holding an SSE stream; then every number pairs. Measures the server's
/// RSS with the streams open, the time until every stream saw `OPEN`, the scan → `OPEN`
/// latency per page, and scan → webhook delivered.
async fn sse_fan_out(
    db: &str,
    server: &Server,
    key: &str,
    links: &[(String, String)],
    hooks: Arc<Mutex<HashMap<String, Instant>>>,
) -> Vec<Row> {
    let n = links.len();
    let http = reqwest::Client::builder().tcp_nodelay(true).build().unwrap();
    let opened = Arc::new(AtomicUsize::new(0));
    let seen_open: Arc<Mutex<HashMap<String, Instant>>> = Default::default();
    let open_start = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(256));
    let mut streams = Vec::new();
    for (token, id) in links.iter().cloned() {
        let (http, base, opened, seen_open, gate) = (http.clone(), server.base.clone(), opened.clone(), seen_open.clone(), gate.clone());
        streams.push(tokio::spawn(async move {
            // At most 256 streams are being opened at once; an open one holds no permit.
            let mut permit = Some(gate.acquire_owned().await.unwrap());
            let Ok(res) = http.get(format!("{base}/v1/remote-pairing/{token}/events")).send().await else {
                return false;
            };
            if !res.status().is_success() {
                return false;
            }
            let mut body = res.bytes_stream();
            let mut buf = String::new();
            let mut counted = false;
            while let Some(Ok(chunk)) = body.next().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
                if !counted && buf.contains("data:") {
                    counted = true;
                    opened.fetch_add(1, Ordering::Relaxed);
                    permit.take();
                }
                if buf.contains("\"state\":\"OPEN\"") {
                    seen_open.lock().await.insert(id, Instant::now());
                    return true;
                }
                if buf.len() > 64 * 1024 {
                    buf.drain(..buf.len() - 1024);
                }
            }
            false
        }));
    }
    while opened.load(Ordering::Relaxed) < n {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if open_start.elapsed() > Duration::from_secs(300) {
            panic!("only {} of {n} streams opened", opened.load(Ordering::Relaxed));
        }
    }
    let open_secs = open_start.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_streams = server.rss_mb();

    // The latency targets are per pairing, so first pair a few numbers one at a time with
    // every stream open: the time the server takes, without the queueing of the burst below.
    let paced_n = (n / 50).clamp(1, 200);
    let (paced, rest) = links.split_at(paced_n);
    let (mut paced_page, mut paced_hook) = (Vec::new(), Vec::new());
    let mut paced_errors = 0;
    for (token, id) in paced {
        let ok = http
            .post(format!("{}/v1/remote-pairing/{token}/connect", server.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        let at = Instant::now();
        let scan = http
            .post(format!("{}/v1/numbers/{id}/sandbox/scan", server.base))
            .header("x-api-key", key)
            .send()
            .await;
        if !(ok && scan.is_ok_and(|r| r.status().is_success())) {
            paced_errors += 1;
            continue;
        }
        match wait_for(&seen_open, id).await {
            Some(seen) => paced_page.push(seen.saturating_duration_since(at).as_secs_f64() * 1000.0),
            None => paced_errors += 1,
        }
        match wait_for(&hooks, id).await {
            Some(seen) => paced_hook.push(seen.saturating_duration_since(at).as_secs_f64() * 1000.0),
            None => paced_errors += 1,
        }
    }
    paced_page.sort_by(f64::total_cmp);
    paced_hook.sort_by(f64::total_cmp);
    let paced_rows = [
        Row {
            name: format!("SSE: pair {paced_n} one at a time ({n} streams open), scan → page OPEN"),
            rps: f64::NAN,
            p50_ms: percentile(&paced_page, 0.5),
            p99_ms: percentile(&paced_page, 0.99),
            errors: paced_errors,
            rss_mb: server.rss_mb(),
            note: "target: p50 ≤ 250 ms".into(),
        },
        Row {
            name: format!("webhook: pair {paced_n} one at a time, scan → number.connected delivered"),
            rps: f64::NAN,
            p50_ms: percentile(&paced_hook, 0.5),
            p99_ms: percentile(&paced_hook, 0.99),
            errors: paced_errors,
            rss_mb: server.rss_mb(),
            note: "target: p50 ≤ 100 ms".into(),
        },
    ];
    for row in &paced_rows {
        print_row(db, row);
    }

    // Then pair every other number at once: the page's connect, then the phone's scan.
    let scanned: Arc<Mutex<HashMap<String, Instant>>> = Default::default();
    let next = Arc::new(AtomicUsize::new(0));
    let burst_n = rest.len();
    let links = Arc::new(rest.to_vec());
    let pair_start = Instant::now();
    let errors = Arc::new(AtomicUsize::new(0));
    let mut pairers = Vec::new();
    for _ in 0..64 {
        let (http, base, key, next, links, scanned, errors) = (
            http.clone(),
            server.base.clone(),
            key.to_owned(),
            next.clone(),
            links.clone(),
            scanned.clone(),
            errors.clone(),
        );
        pairers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((token, id)) = links.get(i) else { return };
                let ok = http
                    .post(format!("{base}/v1/remote-pairing/{token}/connect"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                let at = Instant::now();
                let scan = http
                    .post(format!("{base}/v1/numbers/{id}/sandbox/scan"))
                    .header("x-api-key", &key)
                    .send()
                    .await;
                if !(ok && scan.is_ok_and(|r| r.status().is_success())) {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                scanned.lock().await.insert(id.clone(), at);
            }
        }));
    }
    for p in pairers {
        p.await.unwrap();
    }
    let mut all_open = true;
    for s in streams {
        all_open &= s.await.unwrap();
    }
    let every_open_secs = pair_start.elapsed().as_secs_f64();
    let rss_after = server.rss_mb();
    // Webhooks: wait for every number.connected (or give up after a minute).
    let hook_wait = Instant::now();
    while hooks.lock().await.len() < n && hook_wait.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let delivered_secs = pair_start.elapsed().as_secs_f64();
    let scanned = scanned.lock().await;
    let latencies = |to: &HashMap<String, Instant>| {
        let mut l: Vec<f64> = to
            .iter()
            .filter_map(|(id, at)| scanned.get(id).map(|s| at.saturating_duration_since(*s).as_secs_f64() * 1000.0))
            .collect();
        l.sort_by(f64::total_cmp);
        l
    };
    let page = latencies(&*seen_open.lock().await);
    let hooks = hooks.lock().await;
    let hook = latencies(&hooks);
    let missing_streams = n - seen_open.lock().await.len();
    let mut rows = vec![
        Row {
            name: format!("SSE: open {n} streams"),
            rps: n as f64 / open_secs,
            p50_ms: f64::NAN,
            p99_ms: f64::NAN,
            errors: 0,
            rss_mb: rss_streams,
            note: format!(
                "all open after {open_secs:.1} s; RSS with all open; streams per address raised to {STREAMS_PER_ADDRESS} (one load address)"
            ),
        },
        Row {
            name: format!("SSE: pair {burst_n} at once (64 clients), scan → page OPEN"),
            rps: burst_n as f64 / every_open_secs,
            p50_ms: percentile(&page, 0.5),
            p99_ms: percentile(&page, 0.99),
            errors: errors.load(Ordering::Relaxed) + missing_streams + usize::from(!all_open),
            rss_mb: rss_after,
            note: format!("every stream saw OPEN {every_open_secs:.1} s after pairing began"),
        },
        Row {
            name: format!("webhook: pair {burst_n} at once, scan → number.connected delivered"),
            rps: burst_n as f64 / delivered_secs,
            p50_ms: percentile(&hook, 0.5),
            p99_ms: percentile(&hook, 0.99),
            errors: n - hooks.len(),
            rss_mb: server.rss_mb(),
            note: format!("{} of {n} delivered in {delivered_secs:.1} s (deliveries/s)", hooks.len()),
        },
    ];
    rows.splice(1..1, paced_rows);
    rows
}

/// When `id` was seen in `seen`, waiting up to 10 s for it.
async fn wait_for(seen: &Mutex<HashMap<String, Instant>>, id: &str) -> Option<Instant> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if let Some(at) = seen.lock().await.get(id) {
            return Some(*at);
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    None
}

async fn fresh_database(kind: &str) -> (String, Option<(sqlx::PgPool, String)>, Option<tempfile::TempDir>) {
    if kind == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        (format!("sqlite://{}/bench.db", dir.path().display()), None, Some(dir))
    } else {
        let admin = std::env::var("BENCH_DATABASE_URL")
            .or_else(|_| std::env::var("TEST_DATABASE_URL"))
            .expect("PostgreSQL: set BENCH_DATABASE_URL or TEST_DATABASE_URL (or pass --db sqlite)");
        let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let pool = sqlx::PgPool::connect(&admin).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&pool)
            .await
            .unwrap();
        let sep = if admin.contains('?') { '&' } else { '?' };
        (
            format!("{admin}{sep}options=-c%20search_path%3D{schema}"),
            Some((pool, schema)),
            None,
        )
    }
}

async fn run(args: Args) {
    if args.lists_only {
        return lists::run(&args).await;
    }
    if args.two_process_only {
        let (db, _pg, _dir) = fresh_database("postgres").await;
        let server = start_pairlink(&db, None).await;
        let t = tenant(&db);
        print_header();
        for row in cross_process(&db, &server, &t.key, 100).await {
            print_row("postgres", &row);
        }
        return;
    }
    println!(
        "machine: {} cores; load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let bare = start_bare().await;
    let bare_row = load("bare axum: GET small JSON", &bare, args.connections, args.secs, |h, b, _| {
        h.get(format!("{b}/bare"))
    })
    .await;
    let bare_idle = bare.rss_mb();
    drop(bare);
    BARE.set((bare_row.rps, bare_row.p50_ms, bare_row.p99_ms)).ok();
    // Each row as it is measured (a full run takes a while), then the whole table at the end.
    print_header();
    print_row("-", &bare_row);
    let mut tables = Vec::new();
    for kind in &args.dbs {
        let (db, pg, _dir) = fresh_database(kind).await;
        let (hook_url, hooks) = start_receiver().await;
        let server = start_pairlink(&db, Some(&hook_url)).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle = server.rss_mb();
        let t = tenant(&db);
        let mut rows = vec![Row {
            name: "idle server".into(),
            rps: f64::NAN,
            p50_ms: f64::NAN,
            p99_ms: f64::NAN,
            errors: 0,
            rss_mb: idle,
            note: "RSS 1 s after start, empty database".into(),
        }];
        print_row(kind, &rows[0]);

        let links = Arc::new(create_links(&server, &t.key, 1000, 5_511_100_000_000).await);
        let l = links.clone();
        rows.push(
            load("status poll, 1k links", &server, args.connections, args.secs, move |h, b, i| {
                h.get(format!("{b}/v1/remote-pairing/{}/status", l[i % l.len()].0))
            })
            .await,
        );
        print_row(kind, rows.last().unwrap());
        if args.status_only {
            // Pages watching open windows: the QR is on every answer.
            let open: Vec<(String, String)> = links.iter().take(100).cloned().collect();
            let http = reqwest::Client::new();
            for (token, _) in &open {
                let res = http
                    .post(format!("{}/v1/remote-pairing/{token}/connect", server.base))
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success(), "{}", res.text().await.unwrap_or_default());
            }
            let open = Arc::new(open);
            rows.push(
                load(
                    "status poll, 100 open windows",
                    &server,
                    args.connections,
                    args.secs,
                    move |h, b, i| h.get(format!("{b}/v1/remote-pairing/{}/status", open[i % open.len()].0)),
                )
                .await,
            );
            print_row(kind, rows.last().unwrap());
        }
        if !args.status_only {
            let l = links.clone();
            rows.push(
                load("token info, 1k links", &server, args.connections, args.secs, move |h, b, i| {
                    h.get(format!("{b}/v1/remote-pairing/{}", l[i % l.len()].0))
                })
                .await,
            );
            print_row(kind, rows.last().unwrap());
            let key = t.key.clone();
            rows.push(
                load("link creation", &server, args.connections, args.secs, move |h, b, i| {
                    h.post(format!("{b}/v1/numbers/remote-pairing"))
                        .header("x-api-key", &key)
                        .json(&json!({"name": "Bench", "number": format!("{}", 5_512_100_000_000u64 + i as u64)}))
                })
                .await,
            );
            print_row(kind, rows.last().unwrap());

            let bulk = bulk_insert(&db, &t.id, args.bulk).await;
            let l = links.clone();
            let mut row = load(
                &format!("status poll, {} links", args.bulk),
                &server,
                args.connections,
                args.secs,
                move |h, b, i| h.get(format!("{b}/v1/remote-pairing/{}/status", l[i % l.len()].0)),
            )
            .await;
            row.note = format!("{}; bulk insert took {:.1} s", row.note, bulk.as_secs_f64());
            print_row(kind, &row);
            rows.push(row);

            // Webhooks for number.connected, then the fan-out on fresh links.
            let res = reqwest::Client::new()
                .post(format!("{}/v1/webhooks", server.base))
                .header("x-api-key", &t.key)
                .json(&json!({"url": hook_url, "events": ["number.connected"]}))
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "{}", res.text().await.unwrap());
            let fan = create_links(&server, &t.key, args.streams, 5_513_100_000_000).await;
            let fan_rows = sse_fan_out(kind, &server, &t.key, &fan, hooks).await;
            for row in fan_rows.iter().filter(|r| !r.name.contains("one at a time")) {
                print_row(kind, row);
            }
            rows.extend(fan_rows);
            if kind == "postgres" {
                for row in cross_process(&db, &server, &t.key, 100).await {
                    print_row(kind, &row);
                    rows.push(row);
                }
            }
        }
        drop(server);
        if let Some((pool, schema)) = pg {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&pool)
                .await;
        }
        tables.push((kind.clone(), rows));
    }
    print_table(&bare_row, bare_idle, &tables);
    println!("load average after: {}", load_average());
}

/// Two processes on one database: an engine event on A (the sandbox phone scans the window A
/// owns), seen by a page streaming from B, beside the same with the page on A. Measured from
/// the scan request to the page's `OPEN`, one link at a time.
async fn cross_process(db: &str, a: &Server, key: &str, n: usize) -> Vec<Row> {
    let b = start_pairlink(db, None).await;
    let mut rows = vec![event_to_page(a, a, key, n, "one process: event and page on A").await];
    let mut row = event_to_page(a, &b, key, n, "two processes: event on A, page on B").await;
    row.rss_mb = b.rss_mb();
    row.note.push_str("; RSS of B");
    rows.push(row);
    rows
}

/// Scans through `a` and times until a page streaming from `page` shows the number `OPEN`.
async fn event_to_page(a: &Server, page: &Server, key: &str, n: usize, name: &str) -> Row {
    static PHONES: AtomicUsize = AtomicUsize::new(0);
    let batch = PHONES.fetch_add(1, Ordering::Relaxed) as u64;
    let links = create_links(a, key, n, 5_514_100_000_000 + batch * 10_000).await;
    let http = reqwest::Client::new();
    let mut took = Vec::with_capacity(n);
    let mut errors = 0;
    for (token, id) in &links {
        let opened = http.post(format!("{}/v1/remote-pairing/{token}/connect", a.base)).send().await;
        if !opened.is_ok_and(|r| r.status().is_success()) {
            errors += 1;
            continue;
        }
        let Ok(res) = http.get(format!("{}/v1/remote-pairing/{token}/events", page.base)).send().await else {
            errors += 1;
            continue;
        };
        let mut body = res.bytes_stream();
        let mut seen = String::new();
        // B shows A's window first (its code), so the stream is live before the event.
        while !seen.contains("\"pairingCode\":\"") {
            match tokio::time::timeout(Duration::from_secs(10), body.next()).await {
                Ok(Some(Ok(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
                _ => break,
            }
        }
        let start = Instant::now();
        let scanned = http
            .post(format!("{}/v1/numbers/{id}/sandbox/scan", a.base))
            .header("x-api-key", key)
            .send()
            .await;
        if !scanned.is_ok_and(|r| r.status().is_success()) {
            errors += 1;
            continue;
        }
        seen.clear();
        let arrived = loop {
            if seen.contains("\"state\":\"OPEN\"") {
                break true;
            }
            match tokio::time::timeout(Duration::from_secs(10), body.next()).await {
                Ok(Some(Ok(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
                _ => break false,
            }
        };
        if arrived {
            took.push(start.elapsed().as_secs_f64() * 1000.0);
        } else {
            errors += 1;
        }
    }
    took.sort_by(f64::total_cmp);
    Row {
        name: name.into(),
        rps: f64::NAN,
        p50_ms: percentile(&took, 0.5),
        p99_ms: percentile(&took, 0.99),
        errors,
        rss_mb: page.rss_mb(),
        note: format!("{} links, one at a time; from the scan request to the page's OPEN", took.len()),
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn fmt(v: f64, digits: usize) -> String {
    if v.is_nan() { "-".into() } else { format!("{v:.digits$}") }
}

fn ratio(v: f64, base: f64) -> String {
    if v.is_nan() || base.is_nan() || base == 0.0 {
        "-".into()
    } else {
        format!("{:.2}×", v / base)
    }
}

/// The bare handler's req/s, p50 and p99: every figure is also printed as a ratio to them.
static BARE: std::sync::OnceLock<(f64, f64, f64)> = std::sync::OnceLock::new();

fn print_header() {
    println!();
    println!("| db | scenario | req/s | ×bare | p50 ms | ×bare | p99 ms | ×bare | errors | server RSS MB | notes |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
}

fn print_row(db: &str, r: &Row) {
    let (rps, p50, p99) = BARE.get().copied().unwrap_or((f64::NAN, f64::NAN, f64::NAN));
    println!(
        "| {db} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        r.name,
        fmt(r.rps, 0),
        ratio(r.rps, rps),
        fmt(r.p50_ms, 2),
        ratio(r.p50_ms, p50),
        fmt(r.p99_ms, 2),
        ratio(r.p99_ms, p99),
        r.errors,
        fmt(r.rss_mb, 1),
        r.note
    );
}

fn print_table(bare: &Row, bare_idle: f64, tables: &[(String, Vec<Row>)]) {
    print_header();
    print_row("-", bare);
    println!(
        "| - | bare axum idle | - | - | - | - | - | - | 0 | {} | baseline process RSS |",
        fmt(bare_idle, 1)
    );
    for (db, rows) in tables {
        for r in rows {
            print_row(db, r);
        }
    }
}
