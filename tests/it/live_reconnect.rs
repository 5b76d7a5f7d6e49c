//! On PostgreSQL other processes' changes arrive through LISTEN/NOTIFY. When the listening
//! connection drops, what was sent until it listens again is lost: the reconnect wakes every
//! watcher in the process and tells every open dashboard to read everything again.
use std::time::Duration;

use futures::StreamExt;
use pairlink::server::config::DatabaseUrl;

use crate::{
    admin_support::{login, user},
    helpers::{Options, pg_database, spawn_with},
};

#[tokio::test]
async fn a_dropped_listen_connection_wakes_every_watcher_and_resyncs_dashboards() {
    let (url, dir) = pg_database().await;
    // Names this app's connections, so only its listener is cut (other tests share the server).
    let name = format!("pl_{}", uuid::Uuid::new_v4().simple());
    let url = DatabaseUrl::new(format!("{}&application_name={name}", url.expose()));
    let app = spawn_with(Options {
        database: Some((url, dir)),
        ..Options::default()
    })
    .await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;
    let dashboard = reqwest::Client::new()
        .get(format!("{}/admin/live", app.base))
        .header("cookie", format!("pairlink_session={}", ana.cookie))
        .send()
        .await
        .unwrap();
    let mut dashboard = dashboard.bytes_stream();
    let mut watcher = app.state.live.subscribe_topic("cmd:nobody-announces-this");
    assert!(futures::poll!(Box::pin(watcher.changed())).is_pending());

    let admin = sqlx::PgPool::connect(&std::env::var("TEST_DATABASE_URL").unwrap()).await.unwrap();
    let cut = async {
        loop {
            let cut: Vec<bool> = sqlx::query_scalar(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'",
            )
            .bind(&name)
            .fetch_all(&admin)
            .await
            .unwrap();
            if !cut.is_empty() {
                return;
            }
            // The listener connects beside the app's start.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), cut).await.expect("the app listens");

    tokio::time::timeout(Duration::from_secs(10), watcher.changed())
        .await
        .expect("the reconnect woke the watcher");
    let mut seen = String::new();
    let resynced = async {
        while !seen.contains("event: resync") {
            let chunk = dashboard.next().await.expect("the dashboard's stream stays open").unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    let resynced = tokio::time::timeout(Duration::from_secs(10), resynced).await;
    assert!(resynced.is_ok(), "no resync reached the dashboard; it saw {seen:?}");
}
