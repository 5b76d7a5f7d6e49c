//! The cluster under faults with sessions that hold a WhatsApp connection per device (the
//! sandbox keeps WhatsApp's rule: a second client of a device replaces the first): deletes
//! through any process, kill -9 and SIGTERM of an owner, a process that lost its lease.
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::cluster::{Cluster, FAST, cluster_with, code, owned_by_a_watched_from_b};

const METRICS: (&str, &str) = ("PAIRLINK_METRICS_TOKEN", "metrics-token");

/// The sandbox sessions a process holds connected.
async fn connected_here(base: &str) -> f64 {
    crate::multiprocess::sandbox_sessions(base, "connected").await
}

/// Waits (bounded) until `check` holds; panics naming `what`.
async fn until<F, Fut>(what: &str, within: Duration, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within {within:?}");
}

async fn count(c: &Cluster, sql: &'static str, id: &str) -> i64 {
    let pool = sqlx::PgPool::connect(&c.db).await.unwrap();
    let n = sqlx::query_scalar(sql).bind(id).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

/// A number paired on A (A runs its session); its id.
async fn paired_on_a(c: &Cluster) -> String {
    let (token, id) = c.link().await;
    let a = &c.servers[0].base;
    c.connect(a, &token).await;
    c.scan(a, &id).await;
    assert_eq!(c.status(a, &token).await["state"], "OPEN");
    until("A runs the session", Duration::from_secs(5), || async {
        connected_here(a).await == 1.0
    })
    .await;
    id
}

#[tokio::test]
async fn a_delete_through_any_process_ends_the_session_where_it_runs() {
    // A's lease must not lapse under a loaded machine mid-test: then B would rightly take
    // the number and A stop a renewal later, which is another test's story.
    // (Later settings win over `FAST`'s.)
    let (c, _dir) = cluster_with(2, &[("PAIRLINK_EMBEDDED_LEASE_SECONDS", "15"), METRICS]).await;
    let id = paired_on_a(&c).await;
    let (a, b) = (&c.servers[0].base, &c.servers[1].base);

    let (status, body) = c.call(reqwest::Method::DELETE, format!("{b}/v1/numbers/{id}"), true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Ended by the owner before the delete answered, not a lease later.
    assert_eq!(connected_here(a).await, 0.0, "A no longer runs the deleted number's session");
    assert_eq!(connected_here(b).await, 0.0);
    let devices = count(&c, "SELECT COUNT(*) FROM sandbox_devices WHERE number_id = $1", &id).await;
    assert_eq!(devices, 0, "the device's connection is closed");
    let leases = count(&c, "SELECT COUNT(*) FROM session_leases WHERE number_id = $1", &id).await;
    assert_eq!(leases, 0, "and its lease given up");
}

#[tokio::test]
async fn kill_9_of_an_owner_holds_no_request_and_a_survivor_shows_a_new_qr_within_the_lease() {
    let lease = [("PAIRLINK_EMBEDDED_LEASE_SECONDS", "6")];
    let settings: Vec<(&str, &str)> = FAST.iter().copied().filter(|(k, _)| !k.contains("LEASE")).chain(lease).collect();
    let (mut c, _dir) = cluster_with(2, &settings).await;
    let (token, _, before, mut page) = owned_by_a_watched_from_b(&c).await;
    let b = c.servers[1].base.clone();

    c.servers[0].child.kill().unwrap();
    let killed = Instant::now();
    // A connect on the survivor answers at once (it cannot take a lease still in force, and
    // the dead owner takes no command), never waiting out the dead owner.
    let asked = Instant::now();
    let res = tokio::time::timeout(
        Duration::from_secs(5),
        c.http.post(format!("{b}/v1/remote-pairing/{token}/connect")).send(),
    )
    .await
    .expect("the survivor answers within 5 s")
    .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    eprintln!("connect on the survivor answered in {:?}", asked.elapsed());
    // Nothing was done, safely repeatable: not a server fault, and no 5xx.
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("NUMBER_MOVING")),
        "{body}"
    );
    assert!(asked.elapsed() < Duration::from_secs(5));

    let after = page
        .until(Duration::from_secs(12), |s| code(s).is_some() && code(s) != code(&before))
        .await;
    assert_eq!(after["linkState"], "qr", "{after}");
    eprintln!("a new QR on the survivor {:?} after the kill", killed.elapsed());
    assert!(
        killed.elapsed() <= Duration::from_secs(6 + 5),
        "a new QR within the lease + 5 s: {:?}",
        killed.elapsed()
    );
}

#[tokio::test]
async fn a_rolling_restart_keeps_a_paired_number_linked_on_another_process() {
    let (mut c, _dir) = cluster_with(2, &[METRICS]).await;
    let id = paired_on_a(&c).await;
    let b = c.servers[1].base.clone();

    let pid = c.servers[0].child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let stopped = Instant::now();
    while c.servers[0].child.try_wait().unwrap().is_none() {
        assert!(stopped.elapsed() < Duration::from_secs(10), "A exits within 10 s of SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Handed over, not waited out: B runs the session within a lease (3 s here).
    until("B runs the session", Duration::from_secs(4), || async {
        connected_here(&b).await == 1.0
    })
    .await;
    let (_, number) = c.call(reqwest::Method::GET, format!("{b}/v1/numbers/{id}"), true).await;
    assert_eq!(number["state"], "OPEN", "{number}");
    let disconnected = count(
        &c,
        "SELECT COUNT(*) FROM events WHERE number_id = $1 AND kind = 'number.disconnected'",
        &id,
    )
    .await;
    assert_eq!(disconnected, 0, "no number.disconnected from our own hand-over");
    let devices = count(&c, "SELECT COUNT(*) FROM sandbox_devices WHERE number_id = $1", &id).await;
    assert_eq!(devices, 1, "one live connection for the device");
}

#[tokio::test]
async fn a_process_that_lost_its_lease_stops_the_session_at_once_and_writes_nothing() {
    let (c, _dir) = cluster_with(1, &[METRICS]).await;
    let id = paired_on_a(&c).await;
    let a = c.servers[0].base.clone();

    // A stalled past its lease and another process took the number.
    let pool = sqlx::PgPool::connect(&c.db).await.unwrap();
    sqlx::query("UPDATE session_leases SET holder = 'intruder', expires_at = expires_at + 600000 WHERE number_id = $1")
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    // Its next renewal (a third of the 3 s lease) finds out, and its client stops.
    until("A stops its client", Duration::from_secs(3), || async {
        connected_here(&a).await == 0.0
    })
    .await;
    let holder: String = sqlx::query_scalar("SELECT holder FROM session_leases WHERE number_id = $1")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(holder, "intruder", "A leaves the new holder's lease alone");
    let (_, number) = c.call(reqwest::Method::GET, format!("{a}/v1/numbers/{id}"), true).await;
    assert_eq!(number["state"], "OPEN", "A's stop is not a disconnect: {number}");
}
