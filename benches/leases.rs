//! Lease renewal at scale: a process holding 10,000 numbers renews them all every third of a
//! lease (5 s by default), and must finish well inside that. Measured on the real store
//! (`renew_leases`, one statement) beside the way it was done before (one upsert per number),
//! in the same run on the same database, so the two compare by their ratio.
//!
//!   scripts/bench.sh --leases                      # SQLite and PostgreSQL (TEST_DATABASE_URL)
//!   cargo bench --features ssr --bench leases -- --db sqlite --numbers 10000
use std::time::{Duration, Instant};

use pairlink::server::{config::DatabaseUrl, store};

const HOLDER: &str = "pairlink-bench";

fn arg(name: &str) -> Option<String> {
    let argv: Vec<String> = std::env::args().collect();
    argv.iter().position(|a| a == name).and_then(|i| argv.get(i + 1).cloned())
}

#[tokio::main]
async fn main() {
    let dbs = arg("--db").unwrap_or_else(|| "sqlite,postgres".into());
    let numbers: i64 = arg("--numbers").map_or(10_000, |n| n.parse().expect("--numbers N"));
    let lease = Duration::from_secs(15);
    println!("lease renewal, {numbers} numbers held by one process (two more hold as many each); budget: a third of a {lease:?} lease");
    println!("{:<10} {:<34} {:>10} {:>10} {:>12}", "db", "row", "p50 ms", "p99 ms", "of budget");
    for kind in dbs.split(',') {
        let (url, _dir) = fresh_database(kind).await;
        fill(&url, numbers).await;
        let store = store::connect(&DatabaseUrl::new(url.clone()), 5).await.unwrap();
        let budget = (lease / 3).as_secs_f64() * 1000.0;
        let mut one = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            let held = store.renew_leases(HOLDER, lease).await.unwrap();
            one.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(held.len() as i64, numbers);
        }
        let ids: Vec<_> = held_numbers(&url).await;
        let mut each = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            for id in &ids {
                assert!(store.acquire_lease(id, HOLDER, lease).await.unwrap());
            }
            each.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        for (name, mut times) in [("one statement (renew_leases)", one), ("one upsert per number (before)", each)] {
            times.sort_by(f64::total_cmp);
            let p = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
            println!(
                "{kind:<10} {name:<34} {:>10.1} {:>10.1} {:>11.3}×",
                p(0.5),
                p(0.99),
                p(0.99) / budget
            );
        }
    }
}

/// A tenant, `n` numbers per holder for this process and two others, and their leases.
async fn fill(url: &str, n: i64) {
    // Migrations first (the store runs them).
    let _ = store::connect(&DatabaseUrl::new(url.to_owned()), 1).await.unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let until = now + 3_600_000;
    let statements = [
        "INSERT INTO tenants (id, name, created_at) VALUES ('ten_bench', 'Bench', $1)",
        "INSERT INTO numbers (id, tenant_id, name, phone, provider, engine, state, created_at, updated_at) \
         SELECT 'num_bench' || i, 'ten_bench', 'n', '+55' || (11900000000 + i), 'PILOT_STATUS', 'sandbox', 'OPEN', $1, $1 FROM seq",
        "INSERT INTO session_leases (number_id, holder, expires_at) \
         SELECT 'num_bench' || i, CASE i % 3 WHEN 0 THEN 'pairlink-bench' WHEN 1 THEN 'other-a' ELSE 'other-b' END, $2 FROM seq",
    ];
    let total = n * 3;
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        for sql in statements {
            let sql = sql.replace(
                "FROM seq",
                &format!("FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {total}) SELECT i FROM s)"),
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(until)
                .execute(&pool)
                .await
                .unwrap();
        }
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        for sql in statements {
            let sql = sql.replace("FROM seq", &format!("FROM generate_series(1, {total}) AS i"));
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(until)
                .execute(&pool)
                .await
                .unwrap();
        }
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
}

async fn held_numbers(url: &str) -> Vec<pairlink::server::domain::NumberId> {
    let sql = "SELECT number_id FROM session_leases WHERE holder = 'pairlink-bench'";
    let ids: Vec<String> = if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap()
    };
    ids.into_iter().map(pairlink::server::domain::NumberId::from_trusted).collect()
}

async fn fresh_database(kind: &str) -> (String, Option<tempfile::TempDir>) {
    if kind == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        return (format!("sqlite://{}/leases.db", dir.path().display()), Some(dir));
    }
    let admin = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("TEST_DATABASE_URL"))
        .expect("PostgreSQL: set BENCH_DATABASE_URL or TEST_DATABASE_URL (or pass --db sqlite)");
    let schema = format!("leases_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(&admin).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&pool)
        .await
        .unwrap();
    let sep = if admin.contains('?') { '&' } else { '?' };
    (format!("{admin}{sep}options=-c%20search_path%3D{schema}"), None)
}
