//! A stop (SIGTERM) ends a `pairlink serve` process within seconds, whatever its clients hold
//! open: page and dashboard streams end once the process has handed its numbers over (their
//! browsers reconnect to another process), and requests still open after a grace are left.
use std::{
    io::Write,
    process::{Command, Stdio},
    time::Duration,
};

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::{
    admin_support::{PASSWORD, login_at},
    multiprocess::{Server, serve_with, wait_for_exit},
};

/// What an orchestrator waits after SIGTERM before it kills (Kubernetes gives 30 s; ours is
/// tighter, so a stop that waits on a client shows).
const STOP_WITHIN: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_stop_ends_the_dashboard_and_page_streams_and_the_process_exits() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/stop.db", dir.path().display());
    let mut server = serve_with(&db, &[]);
    let tenant = cli(&db, &["tenant", "create", "--name", "Acme"], "");
    let tenant_id = tenant["tenantId"].as_str().unwrap();
    cli(
        &db,
        &["user", "create", "--tenant", tenant_id, "--email", "ana@acme.example"],
        &format!("{PASSWORD}\n"),
    );
    let ana = login_at(&server.base, "ana@acme.example").await;
    let http = reqwest::Client::new();
    let dashboard = http
        .get(format!("{}/admin/live", server.base))
        .header("cookie", format!("pairlink_session={}", ana.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK);
    let link: Value = http
        .post(format!("{}/v1/numbers/remote-pairing", server.base))
        .header("x-api-key", tenant["apiKey"].as_str().unwrap())
        .json(&json!({ "name": "A", "number": "5511999998888" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = link["remotePairingToken"].as_str().unwrap();
    let page = http
        .get(format!("{}/v1/remote-pairing/{token}/events", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    terminate(&server);
    // Well within the stop's grace: the drain itself ends the dashboard's stream.
    let mut body = dashboard.bytes_stream();
    let ended = tokio::time::timeout(Duration::from_secs(5), async { while let Some(Ok(_)) = body.next().await {} }).await;
    assert!(ended.is_ok(), "the dashboard's stream is still open 5 s after SIGTERM");
    let status = wait_for_exit(&mut server.child, STOP_WITHIN).await;
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    drop(page);
}

/// A client that sends a request's headers and only part of its body holds that request open
/// for as long as it likes; the stop leaves it once the grace is over.
#[tokio::test]
async fn a_stop_does_not_wait_for_a_stalled_upload() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/stall.db", dir.path().display());
    let mut server = serve_with(&db, &[]);
    let key = crate::multiprocess::tenant_key(&db);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /v1/numbers HTTP/1.1\r\nhost: {addr}\r\nx-api-key: {key}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{{\"name\":"
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    // Let the request reach its handler, which now waits for the rest of the body.
    tokio::time::sleep(Duration::from_millis(500)).await;

    terminate(&server);
    let status = wait_for_exit(&mut server.child, STOP_WITHIN).await;
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    drop(stalled);
}

fn terminate(server: &Server) {
    let sent = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Runs a one-shot command on `db` with `stdin`; its JSON output.
fn cli(db: &str, args: &[&str], stdin: &str) -> Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pairlink"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("PAIRLINK_SECRETS_KEY", crate::helpers::TEST_SECRETS_KEY)
        .env("PAIRLINK_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}
