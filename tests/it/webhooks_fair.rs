//! Fair delivery: one tenant's hanging receivers and floods do not delay another tenant.
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Options, spawn_with};
use crate::receiver::{body_json, create_webhook, receiver, subscribe_all};

/// A receiver that accepts connections and never answers: every attempt waits out the
/// delivery timeout.
async fn black_hole() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (port, task)
}

/// Before: claims went oldest first across all tenants, so 16 hanging attempts of one
/// tenant held every slot for the whole timeout, round after round.
#[tokio::test]
async fn a_flood_of_hanging_endpoints_does_not_delay_another_tenant() {
    let app = spawn_with(Options {
        webhook_allowlist: "127.0.0.1".into(),
        configure: |c| {
            c.webhook_endpoints_per_tenant = 250;
            c.rate_limit_api_per_minute = 100_000;
            c.webhook_timeout_seconds = 10;
        },
        ..Options::default()
    })
    .await;
    let (port, _hole) = black_hole().await;
    let flood = app.tenant("Flood").await;
    let mut endpoints = Vec::new();
    for i in 0..200 {
        let url = format!("http://127.0.0.1:{port}/hook/{i}");
        let created = create_webhook(&app, &flood.key, json!({ "url": url, "events": ["*"] })).await;
        endpoints.push(created["id"].as_str().unwrap().to_owned());
    }
    for round in 0..2 {
        for id in &endpoints {
            app.expect(
                Method::POST,
                &format!("/v1/webhooks/{id}/test"),
                &flood.key,
                None,
                StatusCode::ACCEPTED,
            )
            .await;
        }
        if round == 0 {
            // Let the first wave take the worker's slots.
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    let quiet = app.tenant("Quiet").await;
    let hooks = receiver(200).await;
    subscribe_all(&app, &quiet.key, &hooks).await;
    let id = app.create_number(&quiet.key, "Shop", "5511999990777").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = Instant::now();
    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &quiet.key).await;
    loop {
        let got = hooks.received_requests().await.unwrap_or_default();
        if got.iter().any(|r| body_json(r)["event"] == "number.connected") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the quiet tenant's number.connected waited behind the flood"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_tenant_has_a_bounded_number_of_endpoints() {
    let app = spawn_with(Options {
        webhook_allowlist: "127.0.0.1".into(),
        configure: |c| c.webhook_endpoints_per_tenant = 2,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let body = json!({ "url": "http://127.0.0.1:9/hook", "events": ["*"] });
    for _ in 0..2 {
        create_webhook(&app, &t.key, body.clone()).await;
    }
    let err = app
        .expect(Method::POST, "/v1/webhooks", &t.key, Some(body), StatusCode::CONFLICT)
        .await;
    assert_eq!(err["code"], "WEBHOOK_LIMIT_REACHED");
    // Another tenant is not counted against it.
    let other = app.tenant("Other").await;
    create_webhook(&app, &other.key, json!({ "url": "http://127.0.0.1:9/hook", "events": ["*"] })).await;
}
