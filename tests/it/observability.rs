//! `/metrics`, `/readyz` and JSON request logs. Metrics are per process and this binary runs
//! many apps at once, so counters are checked to grow by at least what this test did.
use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Options, spawn_app, spawn_with};
use crate::receiver::{receiver, subscribe_all, wait_for_requests};

/// The value of the sample `name{labels}` (labels in the exporter's order), 0 when absent.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .find(|(series, _)| {
            let Some(rest) = series.strip_prefix(name) else { return false };
            if labels.is_empty() {
                return rest.is_empty();
            }
            labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\""))) && rest.starts_with('{')
        })
        .map_or(0.0, |(_, v)| v.parse().unwrap())
}

async fn scrape(app: &crate::helpers::TestApp) -> String {
    let res = reqwest::Client::new()
        .get(format!("{}/metrics", app.base))
        .bearer_auth(crate::helpers::METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    res.text().await.unwrap()
}

/// Queue depths, session counts and request rates are the operator's business: `/metrics`
/// asks for the configured bearer token, and without one configured it serves nobody.
#[tokio::test]
async fn metrics_need_the_operators_token() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let url = format!("{}/metrics", app.base);
    assert_eq!(http.get(&url).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        http.get(&url).bearer_auth("wrong").send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        http.get(&url)
            .bearer_auth(crate::helpers::METRICS_TOKEN)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let open = spawn_with(Options {
        configure: |c| c.metrics_token = pairlink::server::config::SecretSetting::default(),
        ..Options::default()
    })
    .await;
    let res = http.get(format!("{}/metrics", open.base)).bearer_auth("").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "no token configured: nobody");
}

#[tokio::test]
async fn metrics_count_requests_links_webhooks_and_sessions() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let hooks = receiver(200).await;
    subscribe_all(&app, &t.key, &hooks).await;
    let before = scrape(&app).await;
    let route = [("method", "POST"), ("route", "/v1/numbers/remote-pairing"), ("status", "201")];
    let links = |text: &str, event: &str| sample(text, "pairlink_links_total", &[("event", event)]);

    let link = app.create_link(&t.key, json!({"name": "Shop", "number": "5511999998888"})).await;
    let token = link["remotePairingToken"].as_str().unwrap().to_owned();
    let id = link["numberId"].as_str().unwrap().to_owned();
    app.public(Method::GET, &format!("/v1/remote-pairing/{token}")).await;
    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    let pairing = scrape(&app).await;
    assert!(sample(&pairing, "pairlink_engine_sessions", &[("engine", "sandbox"), ("state", "pairing")]) >= 1.0);
    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;
    // number.created, link.opened, number.connected
    wait_for_requests(&hooks, 3).await;
    // The worker records an attempt just after the receiver answers.
    let mut after = scrape(&app).await;
    for _ in 0..200 {
        if sample(&after, "pairlink_webhook_attempts_total", &[("outcome", "delivered")]) >= 3.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        after = scrape(&app).await;
    }

    assert!(sample(&after, "pairlink_http_requests_total", &route) >= sample(&before, "pairlink_http_requests_total", &route) + 1.0);
    assert!(
        after
            .lines()
            .any(|l| l.starts_with("pairlink_http_request_duration_seconds_bucket{") && l.contains("route=\"/v1/numbers/remote-pairing\"")),
        "{after}"
    );
    // The route label is the pattern: no token ever reaches the metrics.
    assert!(after.contains("route=\"/v1/remote-pairing/{token}/connect\""));
    assert!(!after.contains(&token));
    for event in ["created", "opened", "connected"] {
        assert!(links(&after, event) >= links(&before, event) + 1.0, "{event}");
    }
    assert!(sample(&after, "pairlink_webhook_attempts_total", &[("outcome", "delivered")]) >= 3.0);
    assert!(after.contains("pairlink_webhook_attempt_duration_seconds_bucket"));
    assert!(sample(&after, "pairlink_engine_sessions", &[("engine", "sandbox"), ("state", "connected")]) >= 1.0);
    assert!(after.contains("# TYPE pairlink_webhook_queue_depth gauge"));

    // Expiry counts too.
    let second = app.create_link(&t.key, json!({"name": "B", "number": "5511999997777"})).await;
    let second_id = second["numberId"].as_str().unwrap();
    app.post(&format!("/v1/numbers/{second_id}/sandbox/expire-link"), &t.key).await;
    pairlink::server::services::sweeper::sweep_expired(&app.state).await.unwrap();
    assert!(links(&scrape(&app).await, "expired") >= links(&after, "expired") + 1.0);
}

#[tokio::test]
async fn the_webhook_queue_depth_counts_pending_deliveries() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    // A receiver that fails keeps its deliveries pending (retried later).
    let hooks = receiver(500).await;
    subscribe_all(&app, &t.key, &hooks).await;
    for phone in ["5511999990001", "5511999990002"] {
        app.create_number(&t.key, "Shop", phone).await;
    }
    assert_eq!(app.state.store.pending_deliveries().await.unwrap(), 2);
}

#[tokio::test]
async fn readiness_fails_when_the_webhook_worker_stops() {
    let app = spawn_app().await;
    let (status, body) = app.raw(Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["webhookWorker"], "running");
    assert_eq!(body["databaseOk"], true);

    app.state.webhooks.abort();
    let (status, body) = app.raw(Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "NOT_READY");
    assert_eq!(body["webhookWorker"], "stopped");
    assert_eq!(body["databaseOk"], true);
}

#[tokio::test]
async fn a_process_without_a_worker_is_ready_and_metrics_can_be_off() {
    let app = spawn_with(Options {
        configure: |c| {
            c.webhook_worker = false;
            c.metrics = false;
        },
        ..Options::default()
    })
    .await;
    let (status, body) = app.raw(Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["webhookWorker"], "off");
    let res = reqwest::get(format!("{}/metrics", app.base)).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// The binary with `PAIRLINK_LOG_FORMAT=json` writes one JSON object per request, naming the
/// route pattern, the status and the latency, and never the token in the path.
#[tokio::test]
async fn json_logs_have_one_line_per_request_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_pairlink"))
        .env("DATABASE_URL", format!("sqlite://{}/logs.db", dir.path().display()))
        .env("PAIRLINK_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env("PAIRLINK_LOG_FORMAT", "json")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", crate::helpers::site_root())
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // Every line is JSON; one says it listens (a first start also warns that it generated the
    // secrets key).
    let listening = loop {
        let line = lines.next().expect("the server says it listens").unwrap();
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        if line.contains("listening") {
            break v;
        }
    };
    assert_eq!(listening["level"], "INFO");

    let token = "rp_secretsecretsecretsecretsecretsecretsecret1";
    let res = reqwest::get(format!("http://127.0.0.1:{port}/v1/remote-pairing/{token}/status"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let mut seen = Vec::new();
    let response_line = loop {
        let line = lines.next().expect("the server logs the request").unwrap();
        assert!(!line.contains(token), "no token in logs: {line}");
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        if v["span"]["route"] == "/v1/remote-pairing/{token}/status" && v["fields"]["status"] == 404 {
            break v;
        }
        seen.push(line);
    };
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(response_line["span"]["method"], "GET");
    assert!(response_line["fields"]["latency"].is_string(), "{response_line}");
}
