//! The expiry sweeper: `link.expired` once per link, whoever sweeps.
use std::time::Duration;

use chrono::Duration as Span;
use pairlink::server::services::sweeper::sweep_expired;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Options, spawn_app, spawn_with};

#[tokio::test]
async fn each_expired_link_is_reported_once() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let short = app
        .create_link(
            &t.key,
            json!({ "name": "A", "number": "5511900000001", "ttlSeconds": 60, "externalRef": "crm-1" }),
        )
        .await;
    let long = app
        .create_link(&t.key, json!({ "name": "B", "number": "5511900000002", "ttlSeconds": 3600 }))
        .await;
    let used = app
        .create_link(&t.key, json!({ "name": "C", "number": "5511900000003", "ttlSeconds": 60 }))
        .await;
    let used_token = used["remotePairingToken"].as_str().unwrap();
    app.public(Method::POST, &format!("/v1/remote-pairing/{used_token}/connect")).await;
    app.post(&format!("/v1/numbers/{}/sandbox/scan", used["numberId"].as_str().unwrap()), &t.key)
        .await;

    assert_eq!(sweep_expired(&app.state).await.unwrap(), 0, "nothing is due yet");
    app.clock.advance(Span::seconds(61));
    assert_eq!(sweep_expired(&app.state).await.unwrap(), 1, "only the unused short link");
    assert_eq!(sweep_expired(&app.state).await.unwrap(), 0, "reported once");

    let short_id = short["numberId"].as_str().unwrap();
    let events = app.get(&format!("/v1/numbers/{short_id}/events"), &t.key).await;
    let expired = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "link.expired")
        .expect("link.expired");
    assert_eq!(expired["data"]["externalRef"], "crm-1");
    assert_eq!(expired["data"]["phone"], "+5511900000001");
    assert_eq!(app.get(&format!("/v1/numbers/{short_id}"), &t.key).await["state"], "CLOSE");

    app.clock.advance(Span::hours(1));
    assert_eq!(sweep_expired(&app.state).await.unwrap(), 1);
    assert_eq!(
        app.event_kinds(long["numberId"].as_str().unwrap(), &t.key).await,
        ["number.created", "link.expired"]
    );
}

#[tokio::test]
async fn the_background_sweeper_runs_on_its_own_and_ends_open_streams() {
    let app = spawn_with(Options {
        sweep_interval_seconds: 1,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let link = app
        .create_link(&t.key, json!({ "name": "A", "number": "5511900000001", "ttlSeconds": 60 }))
        .await;
    let token = link["remotePairingToken"].as_str().unwrap();
    let id = link["numberId"].as_str().unwrap();
    let mut stream = app.sse(&format!("/v1/remote-pairing/{token}/events")).await;
    stream.recv().await.unwrap();

    app.clock.advance(Span::seconds(61));
    let (kind, end) = tokio::time::timeout(Duration::from_secs(10), stream.recv())
        .await
        .expect("the stream ends")
        .unwrap();
    assert_eq!((kind.as_str(), end["code"].as_str()), ("end", Some("LINK_EXPIRED")));
    // The stream ends as soon as it sees the link past its end; the sweeper records the
    // event on its own tick (every second here), which may come just after.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !app.event_kinds(id, &t.key).await.contains(&"link.expired".to_owned()) {
        assert!(tokio::time::Instant::now() < deadline, "the sweeper records link.expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn two_sweepers_on_one_database_report_each_expiry_once() {
    let app = spawn_app().await;
    let second = spawn_with(Options {
        database: Some(app.database()),
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    for i in 0..20 {
        app.create_link(
            &t.key,
            json!({ "name": "A", "number": format!("55119000000{i:02}"), "ttlSeconds": 60 }),
        )
        .await;
    }
    app.clock.advance(Span::seconds(61));
    second.clock.advance(Span::seconds(61));
    let (a, b) = tokio::join!(sweep_expired(&app.state), sweep_expired(&second.state));
    assert_eq!(a.unwrap() + b.unwrap(), 20);
    let numbers = app.get("/v1/numbers", &t.key).await;
    for n in numbers.as_array().unwrap() {
        let kinds = app.event_kinds(n["id"].as_str().unwrap(), &t.key).await;
        assert_eq!(kinds.iter().filter(|k| *k == "link.expired").count(), 1);
    }
}
