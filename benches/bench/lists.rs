//! A tenant with 10,000 numbers and 100,000 links (#24): the API's pages under load, a walk
//! of every page while numbers come and go, the dashboard's first page, the CSV export's
//! memory, and the server's RSS after it all.
//!
//!   scripts/bench.sh --lists [--db sqlite] [--secs 5]
//!
//! The numbers and links are written straight into the database (the API would take minutes
//! to make 100,000 links); each number has one live link and nine it replaced. The
//! dashboard's time to interactive comes from `end2end/measure-dashboard.mjs` in chromium,
//! when Node and Playwright are installed (`.ci/test` installs them).
use std::{
    collections::HashMap,
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use futures::StreamExt;
use serde_json::{Value, json};

use super::{Args, MANIFEST, Row, Server, fresh_database, load, pairlink, print_header, print_row, start_pairlink, tenant};

const NUMBERS: i64 = 10_000;
const LINKS_PER_NUMBER: i64 = 10;
const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "bench password, long enough";

pub async fn run(args: &Args) {
    print_header();
    for kind in &args.dbs {
        let (db, _pg, _dir) = fresh_database(kind).await;
        let server = start_pairlink(&db, None).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle = server.rss_mb();
        let t = tenant(&db);
        user(&db, &t.id);
        let filled = fill(&db, &t.id).await;
        let note = |row: &mut Row, text: String| row.note = text;
        let mut rows = Vec::new();

        let target = format!("{} connections, {} s; target p99 ≤ 20 ms", args.connections, args.secs);
        rows.push(first_pages(args, &server, "GET /v1/numbers?limit=100 (10,000 numbers)", &t.key, target).await);

        rows.push(first_pages_while_changing(args, &server, &t.key).await);

        let mut search = load("GET /v1/numbers?limit=100&q=… (a search)", &server, args.connections, args.secs, {
            let key = t.key.clone();
            move |h, b, i| {
                h.get(format!("{b}/v1/numbers?limit=100&q=Shop%20{}", i % 9_000 + 1))
                    .header("x-api-key", &key)
            }
        })
        .await;
        note(&mut search, format!("{} connections, {} s", args.connections, args.secs));
        rows.push(search);

        // A platform that hands each customer a key of its own: a key per number.
        let keyed = tenant(&db);
        fill_keyed(&db, &keyed.id).await;
        let plain = format!("{} connections, {} s", args.connections, args.secs);
        rows.push(
            first_pages(
                args,
                &server,
                "GET /v1/numbers?limit=100 (10,000 numbers, a key each)",
                &keyed.key,
                plain,
            )
            .await,
        );

        rows.push(walk(&server, &t.key).await);
        rows.push(dashboard(&server).await);
        rows.push(export(&server, &t.key).await);

        let after = server.rss_mb();
        rows.push(Row {
            name: "server RSS after the run, against idle".into(),
            rps: f64::NAN,
            p50_ms: f64::NAN,
            p99_ms: f64::NAN,
            errors: 0,
            rss_mb: after,
            note: format!(
                "idle {idle:.1} MB, +{:.1} MB; target ≤ +60 MB; filled in {:.1} s",
                after - idle,
                filled.as_secs_f64()
            ),
        });
        for row in &rows {
            print_row(kind, row);
        }
    }
}

/// The first page of `key`'s numbers, asked for by every connection for the run's seconds.
async fn first_pages(args: &Args, server: &Server, name: &str, key: &str, note: String) -> Row {
    let key = key.to_owned();
    let mut row = load(name, server, args.connections, args.secs, move |h, b, _| {
        h.get(format!("{b}/v1/numbers?limit=100")).header("x-api-key", &key)
    })
    .await;
    row.note = note;
    row
}

/// The first page while a number on it changes ten times a second: each change makes the
/// kept page stale (#24), so this row pays for reading and writing the page again after
/// every change, with 64 connections asking at once.
async fn first_pages_while_changing(args: &Args, server: &Server, key: &str) -> Row {
    let stop = Arc::new(AtomicBool::new(false));
    let changes = {
        let (stop, http, base, key) = (stop.clone(), reqwest::Client::new(), server.base.clone(), key.to_owned());
        tokio::spawn(async move {
            let url = format!("{base}/v1/numbers/num_{:032x}", 1);
            let mut made = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let body = json!({ "piiMode": "STORE_X_DAYS", "piiRetentionDays": 1 + made % 30 });
                let res = http.patch(&url).header("x-api-key", &key).json(&body).send().await;
                made += u32::from(res.is_ok_and(|r| r.status().is_success()));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            made
        })
    };
    let name = "GET /v1/numbers?limit=100 while a number on it changes 10×/s";
    let mut row = first_pages(args, server, name, key, String::new()).await;
    stop.store(true, Ordering::Relaxed);
    let made = changes.await.unwrap();
    row.note = format!("{} connections, {} s; {made} changes", args.connections, args.secs);
    row
}

/// A dashboard user for the tenant, made with the CLI as an operator would.
fn user(db: &str, tenant: &str) {
    use std::io::Write;
    let mut child = pairlink()
        .args(["user", "create", "--tenant", tenant, "--email", EMAIL])
        .env("DATABASE_URL", db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "user create");
}

/// 10,000 numbers, each with one live link and nine it replaced (100,000 links).
async fn fill(db: &str, tenant: &str) -> Duration {
    let start = Instant::now();
    let now = chrono::Utc::now().timestamp_millis() - NUMBERS;
    let expires = now + 24 * 3600 * 1000;
    let (seq, text) = if db.starts_with("sqlite") {
        (
            "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $1) SELECT",
            Dialect::Sqlite,
        )
    } else {
        ("SELECT", Dialect::Postgres)
    };
    let from = match text {
        Dialect::Sqlite => "FROM seq",
        Dialect::Postgres => "FROM generate_series(1, $1) AS i",
    };
    let (number_id, phone, link_id, hash) = match text {
        Dialect::Sqlite => (
            "printf('num_%032x', i)",
            "printf('5511%09d', i)",
            "printf('lnk_%032x', i)",
            "printf('%064x', i)",
        ),
        Dialect::Postgres => (
            "'num_' || lpad(to_hex(i), 32, '0')",
            "'5511' || lpad(i::text, 9, '0')",
            "'lnk_' || lpad(to_hex(i), 32, '0')",
            "lpad(to_hex(i), 64, '0')",
        ),
    };
    let numbers = format!(
        "INSERT INTO numbers (id, tenant_id, name, phone, provider, engine, engine_ref, state, created_at, updated_at) \
         {seq} {number_id}, $2, 'Shop ' || i, {phone}, 'PILOT_STATUS', 'sandbox', '{{}}', 'CLOSE', $3 + i, $3 + i {from} WHERE $4 > 0 AND $5 > 0"
    );
    // Link i belongs to number (i - 1) % 10,000 + 1; the last ten thousand are live.
    let owner = match text {
        Dialect::Sqlite => "printf('num_%032x', (i - 1) % $5 + 1)",
        Dialect::Postgres => "'num_' || lpad(to_hex((i - 1) % $5 + 1), 32, '0')",
    };
    let links = format!(
        "INSERT INTO links (id, tenant_id, number_id, token_hash, provider, branding, created_at, expires_at, ended_at, end_reason) \
         {seq} {link_id}, $2, {owner}, {hash}, 'PILOT_STATUS', '{{}}', $3 + i, $4, \
         CASE WHEN i > $1 - $5 THEN NULL ELSE $3 + i END, CASE WHEN i > $1 - $5 THEN NULL ELSE 'replaced' END {from}"
    );
    let statements: [(String, i64); 2] = [(numbers, NUMBERS), (links, NUMBERS * LINKS_PER_NUMBER)];
    // The same statements on either pool.
    macro_rules! run {
        ($pool:expr) => {
            for (sql, n) in &statements {
                sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(*n)
                    .bind(tenant)
                    .bind(now)
                    .bind(expires)
                    .bind(NUMBERS)
                    .execute($pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            sqlx::query("ANALYZE").execute($pool).await.unwrap();
        };
    }
    if db.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(db).await.unwrap();
        run!(&pool);
    } else {
        let pool = sqlx::PgPool::connect(db).await.unwrap();
        run!(&pool);
    }
    start.elapsed()
}

/// Another 10,000 numbers for `tenant`, each with a live API key of its own (ids and phones
/// apart from `fill`'s).
async fn fill_keyed(db: &str, tenant: &str) {
    let now = chrono::Utc::now().timestamp_millis() - NUMBERS;
    let sqlite = db.starts_with("sqlite");
    let (seq, from, number_id) = if sqlite {
        (
            "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $1) SELECT",
            "FROM seq",
            "printf('num_k%031x', i)",
        )
    } else {
        ("SELECT", "FROM generate_series(1, $1) AS i", "'num_k' || lpad(to_hex(i), 31, '0')")
    };
    let (phone, key_id, hash) = if sqlite {
        ("printf('5521%09d', i)", "printf('key_k%031x', i)", "printf('k%063x', i)")
    } else {
        (
            "'5521' || lpad(i::text, 9, '0')",
            "'key_k' || lpad(to_hex(i), 31, '0')",
            "'k' || lpad(to_hex(i), 63, '0')",
        )
    };
    let statements = [
        format!(
            "INSERT INTO numbers (id, tenant_id, name, phone, provider, engine, engine_ref, state, created_at, updated_at) \
             {seq} {number_id}, $2, 'Customer ' || i, {phone}, 'PILOT_STATUS', 'sandbox', '{{}}', 'CLOSE', $3 + i, $3 + i {from}"
        ),
        format!(
            "INSERT INTO api_keys (id, tenant_id, number_id, name, key_hash, key_last4, created_at) \
             {seq} {key_id}, $2, {number_id}, 'Customer ' || i, {hash}, 'abcd', $3 + i {from}"
        ),
        "ANALYZE".to_owned(),
    ];
    macro_rules! run {
        ($pool:expr) => {
            for sql in &statements {
                let query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                let query = if sql == "ANALYZE" {
                    query
                } else {
                    query.bind(NUMBERS).bind(tenant).bind(now)
                };
                query.execute($pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
        };
    }
    if sqlite {
        run!(&sqlx::SqlitePool::connect(db).await.unwrap());
    } else {
        run!(&sqlx::PgPool::connect(db).await.unwrap());
    }
}

enum Dialect {
    Sqlite,
    Postgres,
}

/// Walks every page of 100 while numbers are created and deleted meanwhile: each number that
/// was there before and after must come exactly once.
async fn walk(server: &Server, key: &str) -> Row {
    let http = reqwest::Client::new();
    let stop = Arc::new(AtomicBool::new(false));
    let churn = {
        let (http, base, key, stop) = (http.clone(), server.base.clone(), key.to_owned(), stop.clone());
        tokio::spawn(async move {
            let mut deleted = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let made = http
                    .post(format!("{base}/v1/numbers/remote-pairing"))
                    .header("x-api-key", &key)
                    .json(&json!({ "name": format!("New {i}"), "number": format!("{}", 5_521_900_000_000_u64 + i) }))
                    .send()
                    .await;
                assert!(made.is_ok_and(|r| r.status().is_success()), "create during the walk");
                // One of the original numbers, spread over the whole list.
                let victim = format!("num_{:032x}", (i * 997) % NUMBERS as u64 + 1);
                let gone = http
                    .delete(format!("{base}/v1/numbers/{victim}"))
                    .header("x-api-key", &key)
                    .send()
                    .await;
                if gone.is_ok_and(|r| r.status().is_success()) {
                    deleted.push(victim);
                }
            }
            deleted
        })
    };
    let started = Instant::now();
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut times = Vec::new();
    let mut cursor: Option<String> = None;
    let mut errors = 0;
    loop {
        let url = match &cursor {
            Some(c) => format!("{}/v1/numbers?limit=100&cursor={c}", server.base),
            None => format!("{}/v1/numbers?limit=100", server.base),
        };
        let asked = Instant::now();
        let res = http.get(url).header("x-api-key", key).send().await.unwrap();
        if !res.status().is_success() {
            errors += 1;
            break;
        }
        let page: Value = res.json().await.unwrap();
        times.push(asked.elapsed().as_secs_f64() * 1000.0);
        for n in page["data"].as_array().unwrap() {
            *seen.entry(n["id"].as_str().unwrap().to_owned()).or_default() += 1;
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let deleted = churn.await.unwrap();
    let twice = seen.values().filter(|&&c| c > 1).count();
    let missing = (1..=NUMBERS as u64)
        .map(|i| format!("num_{i:032x}"))
        .filter(|id| !deleted.contains(id) && !seen.contains_key(id))
        .count();
    times.sort_by(f64::total_cmp);
    Row {
        name: "walk every page of 100 while numbers come and go".into(),
        rps: times.len() as f64 / took.as_secs_f64(),
        p50_ms: super::percentile(&times, 0.5),
        p99_ms: super::percentile(&times, 0.99),
        errors: errors + twice + missing,
        rss_mb: server.rss_mb(),
        note: format!(
            "{} pages in {:.1} s, {} deleted meanwhile; seen twice {twice}, missing {missing} (target 0 and 0)",
            times.len(),
            took.as_secs_f64(),
            deleted.len()
        ),
    }
}

/// Signs in as the dashboard does (its form's server function); the session cookie.
async fn sign_in(http: &reqwest::Client, base: &str) -> String {
    let res = http
        .post(format!("{base}/api/admin/login"))
        .header("origin", base)
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = res.headers().get("set-cookie").expect("signed in").to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// The dashboard's Numbers page: its HTML's size and time, then chromium's time to
/// interactive.
async fn dashboard(server: &Server) -> Row {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = sign_in(&http, &server.base).await;
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..20 {
        let asked = Instant::now();
        let res = http
            .get(format!("{}/admin/numbers", server.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "the dashboard answers: {}", res.status());
        bytes = res.bytes().await.unwrap().len();
        times.push(asked.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let browser = interactive(&server.base);
    Row {
        name: "dashboard: /admin/numbers, signed in".into(),
        rps: f64::NAN,
        p50_ms: super::percentile(&times, 0.5),
        p99_ms: super::percentile(&times, 0.99),
        errors: 0,
        rss_mb: server.rss_mb(),
        note: format!("HTML {:.1} KB (target ≤ 200 KB); {browser}", bytes as f64 / 1024.0),
    }
}

/// `end2end/measure-dashboard.mjs`'s answer, or why there is none.
fn interactive(base: &str) -> String {
    let script = format!("{MANIFEST}/end2end/measure-dashboard.mjs");
    match Command::new("node").arg(&script).args([base, EMAIL, PASSWORD]).output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        Ok(out) => format!(
            "chromium: failed ({})",
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
        ),
        Err(err) => format!("chromium: not run ({err})"),
    }
}

/// The CSV export of every number, streamed: its size and time, and how far the server's
/// memory rose while it ran.
async fn export(server: &Server, key: &str) -> Row {
    let before = server.rss_mb();
    let started = Instant::now();
    let res = reqwest::Client::new()
        .get(format!("{}/v1/numbers/export", server.base))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let mut body = res.bytes_stream();
    let (mut bytes, mut lines, mut peak) = (0usize, 0usize, before);
    let mut sampled = Instant::now();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        bytes += chunk.len();
        lines += chunk.iter().filter(|&&b| b == b'\n').count();
        if sampled.elapsed() > Duration::from_millis(5) {
            peak = peak.max(server.rss_mb());
            sampled = Instant::now();
        }
    }
    let took = started.elapsed().as_secs_f64() * 1000.0;
    peak = peak.max(server.rss_mb());
    Row {
        name: "CSV export of every number (streamed)".into(),
        rps: f64::NAN,
        p50_ms: took,
        p99_ms: took,
        errors: 0,
        rss_mb: peak,
        note: format!(
            "{} rows, {:.1} MB; RSS {before:.1} MB before, peak +{:.1} MB",
            lines.saturating_sub(1),
            bytes as f64 / 1e6,
            peak - before
        ),
    }
}
