//! Live streams are bounded: per link, per client address and per dashboard session, and a
//! dashboard's stream ends when its session does.
use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::json;

use crate::admin_support::{login, user};
use crate::helpers::{Options, TestApp, spawn_with};

async fn open(app: &TestApp, path: &str, cookie: Option<&str>, from: &str) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .get(format!("{}{path}", app.base))
        .header("x-forwarded-for", from);
    if let Some(cookie) = cookie {
        req = req.header("cookie", format!("pairlink_session={cookie}"));
    }
    req.send().await.unwrap()
}

async fn assert_refused(res: reqwest::Response) {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "TOO_MANY_STREAMS", "{body}");
}

#[tokio::test]
async fn a_link_and_an_address_hold_only_a_few_streams() {
    let app = spawn_with(Options {
        configure: |c| {
            c.trusted_proxies = "127.0.0.1".into();
            c.streams_per_link = 2;
            c.streams_per_address = 3;
        },
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let token = |link: serde_json::Value| link["remotePairingToken"].as_str().unwrap().to_owned();
    let a = token(app.create_link(&t.key, json!({ "name": "A", "number": "5511999997001" })).await);
    let b = token(app.create_link(&t.key, json!({ "name": "B", "number": "5511999997002" })).await);
    let events = |t: &str| format!("/v1/remote-pairing/{t}/events");

    let first = open(&app, &events(&a), None, "198.51.100.1").await;
    let _second = open(&app, &events(&a), None, "198.51.100.2").await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_refused(open(&app, &events(&a), None, "198.51.100.3").await).await;

    // One address, streams on several links.
    let _b1 = open(&app, &events(&b), None, "203.0.113.9").await;
    let _b2 = open(&app, &events(&b), None, "203.0.113.9").await;
    let c = token(app.create_link(&t.key, json!({ "name": "C", "number": "5511999997003" })).await);
    let _c1 = open(&app, &events(&c), None, "203.0.113.9").await;
    assert_refused(open(&app, &events(&c), None, "203.0.113.9").await).await;

    // A stream that closes gives its place back.
    drop(first);
    let reopened = async {
        loop {
            let res = open(&app, &events(&a), None, "198.51.100.4").await;
            if res.status() == StatusCode::OK {
                return res;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), reopened)
        .await
        .expect("the slot came back");
}

#[tokio::test]
async fn a_dashboard_session_holds_a_few_streams_and_they_end_with_it() {
    let app = spawn_with(Options {
        configure: |c| {
            c.trusted_proxies = "127.0.0.1".into();
            c.streams_per_session = 2;
        },
        ..Options::default()
    })
    .await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@example.com").await;
    user(&app, &acme, "bo@example.com").await;
    let (ana, bo) = (login(&app, "ana@example.com").await, login(&app, "bo@example.com").await);
    let first = open(&app, "/admin/live", Some(&bo.cookie), "198.51.100.1").await;
    let second = open(&app, "/admin/live", Some(&bo.cookie), "198.51.100.2").await;
    assert_eq!((first.status(), second.status()), (StatusCode::OK, StatusCode::OK));
    assert_refused(open(&app, "/admin/live", Some(&bo.cookie), "198.51.100.3").await).await;
    assert_eq!(
        open(&app, "/admin/live", Some(&ana.cookie), "198.51.100.3").await.status(),
        StatusCode::OK,
        "another session has its own"
    );

    // Revoked from another session: bo's streams end by themselves.
    let (_, list) = ana.read("sessions", &[]).await;
    let bos = list.as_array().unwrap().iter().find(|s| s["email"] == "bo@example.com").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ana.ok("sessions/revoke", &[("id", &bos)]).await;
    let mut body = first.bytes_stream();
    let ended = async {
        while let Some(chunk) = body.next().await {
            if chunk.is_err() {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(12), ended)
        .await
        .expect("the revoked session's stream ended");
}
