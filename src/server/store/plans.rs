//! The plans SQLite makes of a list page's statements, on a fresh database (no statistics, as
//! every new deployment starts): a page seeks its cursor in the index's order, and its keys
//! are read number by number, never all of the tenant's keys (#24).
use sqlx::{Row, sqlite::SqlitePool};

use super::SqliteStore;

/// A migrated database file and a pool of our own on it, to ask for plans.
async fn database() -> (tempfile::TempDir, SqlitePool) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("plans.db").display());
    SqliteStore::connect(&url, 1).await.unwrap();
    let pool = SqlitePool::connect(&url).await.unwrap();
    (dir, pool)
}

/// SQLite's plan of `sql`, one step a line, with every parameter NULL.
async fn plan(pool: &SqlitePool, sql: &str, parameters: usize) -> String {
    let explain = format!("EXPLAIN QUERY PLAN {sql}");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(explain));
    for _ in 0..parameters {
        query = query.bind(None::<String>);
    }
    let steps = query.fetch_all(pool).await.unwrap();
    steps.iter().map(|s| s.get::<String, _>("detail")).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn a_page_seeks_its_cursor_in_index_order() {
    let (_dir, pool) = database().await;
    let plan = plan(&pool, number_page_sql!("json_group_array", "json_array"), 10).await;
    assert!(
        plan.contains("USING INDEX numbers_live_order (tenant_id=? AND (created_at,id)>(?,?))"),
        "{plan}"
    );
    // The one sort left is the aggregate's own, of the page's rows.
    let sorts = plan
        .lines()
        .filter(|step| step.contains("TEMP B-TREE") && !step.contains("json_group_array"));
    assert_eq!(sorts.count(), 0, "{plan}");
}

#[tokio::test]
async fn a_pages_keys_are_read_by_number_not_by_tenant() {
    let (_dir, pool) = database().await;
    let plan = plan(&pool, keys_of_numbers_sql!("INDEXED BY api_keys_number"), 5).await;
    let steps: Vec<&str> = plan.lines().collect();
    assert!(steps[0].starts_with("SEARCH n USING"), "{plan}");
    assert!(steps[1].starts_with("SEARCH k USING INDEX api_keys_number (number_id=?)"), "{plan}");
    assert!(!plan.contains("api_keys_tenant_created"), "{plan}");
}

/// Statistics stay as the last `ANALYZE` left them. Taken while the table held one key, they
/// made a scan of the table cheaper than its index: every key read again for each number of
/// the page, a second a page once every number had its key.
#[tokio::test]
async fn a_pages_keys_are_read_by_number_on_statistics_of_an_almost_empty_table() {
    let (_dir, pool) = database().await;
    let numbers = "INSERT INTO numbers (id, tenant_id, name, phone, provider, engine, engine_ref, state, created_at, updated_at) \
        WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 1000) \
        SELECT printf('num_%031x', i), 'ten_a', 'Shop ' || i, printf('5511%09d', i), 'PILOT_STATUS', 'sandbox', '{}', 'CLOSE', i, i FROM seq";
    let keys = "INSERT INTO api_keys (id, tenant_id, number_id, name, key_hash, key_last4, created_at) \
        WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 1000) \
        SELECT printf('key_%031x', i), 'ten_a', printf('num_%031x', i), 'k', printf('%064x', i), 'abcd', i FROM seq";
    for sql in [
        "INSERT INTO tenants (id, name, created_at) VALUES ('ten_a', 'A', 0)",
        numbers,
        "INSERT INTO api_keys (id, tenant_id, name, key_hash, key_last4, created_at) VALUES ('key_a', 'ten_a', 'k', 'h', 'abcd', 0)",
        "ANALYZE",
        keys,
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    let plan = plan(&pool, keys_of_numbers_sql!("INDEXED BY api_keys_number"), 5).await;
    let by_number = plan
        .lines()
        .any(|s| s.starts_with("SEARCH k USING INDEX api_keys_number (number_id=?)"));
    assert!(by_number && !plan.contains("SCAN k"), "{plan}");
}
