//! The public token endpoints, as the connect page uses them.
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::spawn_app;

async fn link(app: &crate::helpers::TestApp, key: &str) -> (String, String) {
    let link = app
        .create_link(key, json!({ "name": "Cliente Acme", "number": "5511988887777", "locale": "pt-BR" }))
        .await;
    (
        link["remotePairingToken"].as_str().unwrap().to_owned(),
        link["numberId"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn info_shows_the_link_without_secrets_and_records_the_first_opening() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let (token, id) = link(&app, &t.key).await;

    // The SDK sends its key even here; it must be ignored, not rejected.
    let (status, info) = app
        .raw(Method::GET, &format!("/v1/remote-pairing/{token}"), Some("pl_not_a_key"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["valid"], true);
    assert_eq!(info["name"], "Cliente Acme");
    assert_eq!(info["maskedNumber"], "+551198****7777");
    assert!(info.get("number").is_none(), "the full number stays private");
    assert_eq!(info["state"], "CLOSE");
    assert_eq!(info["linkState"], "idle");
    assert_eq!(info["provider"], "PILOT_STATUS");
    assert_eq!(info["methods"], json!(["qr", "code"]));
    assert_eq!(info["sandbox"], true);
    assert_eq!(info["branding"]["companyName"], "Pairlink");
    assert_eq!(info["branding"]["subtitle"], "Conexão WhatsApp");
    assert!(!info.to_string().contains(&t.key));

    app.public(Method::GET, &format!("/v1/remote-pairing/{token}")).await;
    assert_eq!(app.event_kinds(&id, &t.key).await, ["number.created", "link.opened"], "opened once");
    let events = app.get(&format!("/v1/numbers/{id}/events"), &t.key).await;
    assert!(events[1]["data"]["linkId"].as_str().unwrap().starts_with("lnk_"));
}

#[tokio::test]
async fn connect_status_and_pairing_through_the_link() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let (token, id) = link(&app, &t.key).await;

    app.expect_error(
        Method::POST,
        &format!("/v1/remote-pairing/{token}/connect?link=secondary"),
        None,
        None,
        StatusCode::BAD_REQUEST,
        "SECONDARY_LINK_NOT_SUPPORTED",
    )
    .await;
    // An empty POST with no content-type, as browsers and SDKs send it.
    let (status, connect) = app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    assert_eq!(status, StatusCode::OK, "{connect}");
    assert!(connect["qrcodeBase64"].as_str().unwrap().starts_with("data:image/png;base64,"));
    assert_eq!(connect["pairingCode"].as_str().unwrap().len(), 9);
    assert!((155..=160).contains(&connect["secondsLeft"].as_i64().unwrap()), "{connect}");

    let (_, status) = app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await;
    assert_eq!(status["state"], "CONNECTING");
    assert_eq!(status["linkState"], "qr");
    assert_eq!(status["isFullyConnected"], false);
    assert_eq!(status["qrcodeBase64"], connect["qrcodeBase64"]);
    assert_eq!(status["pairingCode"], connect["pairingCode"]);
    assert_eq!(status["secondaryLink"], json!(null));
    assert_eq!(status["primaryLink"]["state"], "CONNECTING");

    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;
    let (_, status) = app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await;
    assert_eq!(status["state"], "OPEN");
    assert_eq!(status["linkState"], "connected");
    assert_eq!(status["qrcodeBase64"], json!(null));
    // Single use: the link no longer pairs anything. While it can still be read, a second
    // connect hears that the number is connected, as the documented API answers (409).
    app.expect_error(
        Method::POST,
        &format!("/v1/remote-pairing/{token}/connect"),
        None,
        None,
        StatusCode::CONFLICT,
        "NUMBER_ALREADY_CONNECTED",
    )
    .await;
    // The page that paired may read the outcome for a while, then the link is gone for good.
    app.clock.advance(chrono::Duration::minutes(16));
    app.expect_error(
        Method::POST,
        &format!("/v1/remote-pairing/{token}/connect"),
        None,
        None,
        StatusCode::NOT_FOUND,
        "LINK_ALREADY_USED",
    )
    .await;
    app.expect_error(
        Method::GET,
        &format!("/v1/remote-pairing/{token}/status"),
        None,
        None,
        StatusCode::NOT_FOUND,
        "LINK_ALREADY_USED",
    )
    .await;
    assert_eq!(app.event_kinds(&id, &t.key).await, ["number.created", "number.connected"]);
}

#[tokio::test]
async fn a_hundred_concurrent_connects_open_one_window_and_one_connection() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let (token, id) = link(&app, &t.key).await;
    let client = reqwest::Client::new();
    let calls = (0..100).map(|_| {
        let (client, url) = (client.clone(), format!("{}/v1/remote-pairing/{token}/connect", app.base));
        tokio::spawn(async move {
            let res = client.post(url).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Value>().await.unwrap()
        })
    });
    let answers: Vec<Value> = futures::future::join_all(calls).await.into_iter().map(Result::unwrap).collect();
    let first = &answers[0];
    assert!(
        answers
            .iter()
            .all(|a| a["qrcodeBase64"] == first["qrcodeBase64"] && a["pairingCode"] == first["pairingCode"]),
        "one window, one QR"
    );

    let scans = (0..10).map(|_| {
        let (client, url, key) = (client.clone(), format!("{}/v1/numbers/{id}/sandbox/scan", app.base), t.key.clone());
        tokio::spawn(async move { client.post(url).header("x-api-key", key).send().await.unwrap().status() })
    });
    let ok = futures::future::join_all(scans)
        .await
        .into_iter()
        .filter(|s| *s.as_ref().unwrap() == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "the phone pairs once");
    assert_eq!(app.event_kinds(&id, &t.key).await, ["number.created", "number.connected"]);
}

#[tokio::test]
async fn dead_and_unknown_tokens_say_why() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    for path in [
        "/v1/remote-pairing/rp_nope",
        "/v1/remote-pairing/rp_nope/status",
        "/v1/remote-pairing/rp_nope/events",
        "/v1/connect/rp_nope/branding",
    ] {
        app.expect_error(Method::GET, path, None, None, StatusCode::NOT_FOUND, "LINK_NOT_FOUND")
            .await;
    }
    app.expect_error(
        Method::POST,
        "/v1/remote-pairing/rp_nope/connect",
        None,
        None,
        StatusCode::NOT_FOUND,
        "LINK_NOT_FOUND",
    )
    .await;

    let link = app
        .create_link(
            &t.key,
            json!({ "name": "A", "number": "5511999998888", "ttlSeconds": 60, "refreshUrl": "https://platform.example/new-link?c=42" }),
        )
        .await;
    let token = link["remotePairingToken"].as_str().unwrap();
    app.clock.advance(chrono::Duration::seconds(61));
    let err = app
        .expect_error(
            Method::GET,
            &format!("/v1/remote-pairing/{token}"),
            None,
            None,
            StatusCode::NOT_FOUND,
            "LINK_EXPIRED",
        )
        .await;
    assert_eq!(err["refreshUrl"], "https://platform.example/new-link?c=42");
    app.expect_error(
        Method::POST,
        &format!("/v1/remote-pairing/{token}/connect"),
        None,
        None,
        StatusCode::NOT_FOUND,
        "LINK_EXPIRED",
    )
    .await;
    let id = link["numberId"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/v1/numbers/{id}"), &t.key).await["state"],
        "CLOSE",
        "an expired link leaves its number CLOSE"
    );
}

#[tokio::test]
async fn a_refused_device_fails_the_link_with_a_reason() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let (token, id) = link(&app, &t.key).await;
    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    app.expect(
        Method::POST,
        &format!("/v1/numbers/{id}/sandbox/fail"),
        &t.key,
        Some(json!({ "reason": "banned" })),
        StatusCode::OK,
    )
    .await;
    let (_, status) = app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await;
    assert_eq!(status["state"], "CLOSE");
    assert_eq!(status["linkState"], "failed");
    assert_eq!(status["failure"], json!({ "reason": "banned", "retryable": false }));
    let events = app.get(&format!("/v1/numbers/{id}/events"), &t.key).await;
    let failed = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "link.failed")
        .expect("link.failed recorded");
    assert_eq!(failed["data"]["reason"], "banned");
}

#[tokio::test]
async fn the_event_stream_follows_the_link_until_it_connects() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let (token, id) = link(&app, &t.key).await;
    let mut events = app.sse(&format!("/v1/remote-pairing/{token}/events")).await;
    let (kind, first) = next(&mut events).await;
    assert_eq!((kind.as_str(), first["linkState"].as_str()), ("status", Some("idle")));

    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    let (_, pairing) = next(&mut events).await;
    assert_eq!(pairing["linkState"], "qr");
    assert!(pairing["qrcodeBase64"].as_str().unwrap().starts_with("data:image/png"));
    assert!(pairing["secondsLeft"].as_i64().unwrap() > 150);

    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;
    // The window's pairing code may still arrive as its own update before the scan's.
    let mut connected = next(&mut events).await.1;
    for _ in 0..3 {
        if connected["state"] == "OPEN" {
            break;
        }
        assert_eq!(connected["linkState"], "qr", "{connected}");
        connected = next(&mut events).await.1;
    }
    assert_eq!(
        (connected["state"].as_str(), connected["linkState"].as_str()),
        (Some("OPEN"), Some("connected"))
    );
    let (kind, end) = next(&mut events).await;
    assert_eq!((kind.as_str(), end["code"].as_str()), ("end", Some("CONNECTED")));
    assert!(
        tokio::time::timeout(Duration::from_secs(5), events.recv()).await.unwrap().is_none(),
        "the stream closes"
    );
}

#[tokio::test]
async fn the_event_stream_ends_when_the_link_is_revoked() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let (token, id) = link(&app, &t.key).await;
    let mut events = app.sse(&format!("/v1/remote-pairing/{token}/events")).await;
    events.recv().await.unwrap();
    app.expect(
        Method::DELETE,
        &format!("/v1/numbers/{id}/remote-pairing"),
        &t.key,
        None,
        StatusCode::OK,
    )
    .await;
    let (kind, end) = tokio::time::timeout(Duration::from_secs(10), events.recv()).await.unwrap().unwrap();
    assert_eq!((kind.as_str(), end["code"].as_str()), ("end", Some("LINK_REVOKED")));
}

async fn next(events: &mut tokio::sync::mpsc::Receiver<(String, Value)>) -> (String, Value) {
    tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("an event in time")
        .expect("stream open")
}

#[tokio::test]
async fn the_sandbox_can_expire_a_link_now() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let (token, id) = link(&app, &t.key).await;
    app.post(&format!("/v1/numbers/{id}/sandbox/expire-link"), &t.key).await;
    app.expect_error(
        Method::GET,
        &format!("/v1/remote-pairing/{token}"),
        None,
        None,
        StatusCode::NOT_FOUND,
        "LINK_EXPIRED",
    )
    .await;
    app.expect_error(
        Method::POST,
        &format!("/v1/numbers/{id}/sandbox/expire-link"),
        Some(&t.key),
        None,
        StatusCode::NOT_FOUND,
        "LINK_NOT_FOUND",
    )
    .await;
    assert_eq!(pairlink::server::services::sweeper::sweep_expired(&app.state).await.unwrap(), 1);
}

#[tokio::test]
async fn meta_links_have_no_number_until_signup_and_check_what_the_page_posts() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let link = app.create_link(&t.key, json!({ "provider": "META", "externalRef": "crm-9" })).await;
    assert_eq!(link["provider"], "META");
    assert_eq!(
        (link["instance"].clone(), link["numberId"].clone(), link["maskedNumber"].clone()),
        (json!(null), json!(null), json!(null))
    );
    let token = link["remotePairingToken"].as_str().unwrap();
    let (_, info) = app.public(Method::GET, &format!("/v1/remote-pairing/{token}")).await;
    assert_eq!(
        (info["provider"].as_str(), info["metaFlow"].as_str(), info["state"].as_str()),
        (Some("META"), Some("embedded"), Some("CLOSE"))
    );
    assert_eq!(info["methods"], json!([]));
    app.expect_error(
        Method::POST,
        &format!("/v1/remote-pairing/{token}/connect"),
        None,
        None,
        StatusCode::BAD_REQUEST,
        "FEATURE_NOT_SUPPORTED",
    )
    .await;
    app.expect_error(
        Method::POST,
        &format!("/v1/remote-pairing/{token}/meta/credentials"),
        None,
        Some("{}"),
        StatusCode::BAD_REQUEST,
        "FEATURE_NOT_SUPPORTED",
    )
    .await;
    let err = app
        .expect_error(
            Method::POST,
            &format!("/v1/remote-pairing/{token}/meta/embedded"),
            None,
            Some(r#"{"code": "abc", "wabaId": "12x"}"#),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        )
        .await;
    assert!(err["error"].as_str().unwrap().starts_with("wabaId"));
    let ok = json!({ "code": "abc", "wabaId": "1234567", "phoneNumberId": "7654321" }).to_string();
    app.expect_error(
        Method::POST,
        &format!("/v1/remote-pairing/{token}/meta/embedded"),
        None,
        Some(&ok),
        // This app runs without a Meta token key (tests/it/meta_link.rs runs the real flows).
        StatusCode::SERVICE_UNAVAILABLE,
        "META_NOT_CONFIGURED",
    )
    .await;

    let creds = app.create_link(&t.key, json!({ "metaFlow": "credentials" })).await;
    let token = creds["remotePairingToken"].as_str().unwrap();
    for (body, field) in [
        (json!({}), "wabaId"),
        (json!({ "wabaId": "1234567" }), "phoneNumberId"),
        (json!({ "wabaId": "1234567", "phoneNumberId": "7654321" }), "accessToken"),
        (
            json!({ "wabaId": "1234567", "phoneNumberId": "7654321", "accessToken": "short" }),
            "accessToken",
        ),
        (
            json!({ "wabaId": "1234567", "phoneNumberId": "7654321", "accessToken": "EAAG".repeat(10), "pin": "12ab56" }),
            "pin",
        ),
    ] {
        let err = app
            .expect_error(
                Method::POST,
                &format!("/v1/remote-pairing/{token}/meta/credentials"),
                None,
                Some(&body.to_string()),
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
            )
            .await;
        assert!(err["error"].as_str().unwrap().starts_with(field), "{body} → {err}");
        assert!(!err.to_string().contains("EAAG"), "the token is never echoed");
    }
    let good = json!({ "wabaId": "1234567", "phoneNumberId": "7654321", "accessToken": "EAAG".repeat(10), "pin": "123456" }).to_string();
    app.expect_error(
        Method::POST,
        &format!("/v1/remote-pairing/{token}/meta/credentials"),
        None,
        Some(&good),
        // This app runs without a Meta token key (tests/it/meta_link.rs runs the real flows).
        StatusCode::SERVICE_UNAVAILABLE,
        "META_NOT_CONFIGURED",
    )
    .await;
}

/// WhatsApp's passkey gate (sandbox control): the page says so, the platform hears
/// `link.passkey_required` once per link, and confirming on the phone still pairs.
#[tokio::test]
async fn a_passkey_request_is_shown_and_announced_once_per_link() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let (token, id) = link(&app, &t.key).await;
    let passkey = format!("/v1/numbers/{id}/sandbox/passkey");
    // Nothing to confirm before a window is open.
    app.expect_error(Method::POST, &passkey, Some(&t.key), None, StatusCode::CONFLICT, "NOT_PAIRING")
        .await;
    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    app.post(&passkey, &t.key).await;
    let (_, status) = app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await;
    assert_eq!(status["linkState"], "passkey_required", "{status}");
    assert_eq!(status["state"], "CONNECTING");
    assert!(status["qrcodeBase64"].is_null(), "no QR while WhatsApp waits for the passkey");

    // A second window on the same link asks again: still one event for the link.
    app.expect_error(Method::POST, &passkey, Some(&t.key), None, StatusCode::CONFLICT, "NOT_PAIRING")
        .await;
    app.post(&format!("/v1/numbers/{id}/sandbox/fail"), &t.key).await;
    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    app.post(&passkey, &t.key).await;
    let kinds = app.event_kinds(&id, &t.key).await;
    assert_eq!(kinds.iter().filter(|k| *k == "link.passkey_required").count(), 1, "{kinds:?}");
    let events = app.get(&format!("/v1/numbers/{id}/events"), &t.key).await;
    let asked = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "link.passkey_required")
        .unwrap();
    assert!(
        asked["data"]["linkId"].is_string() && asked["data"]["passkeyExpiresAt"].is_string(),
        "{asked}"
    );

    // The phone confirms the passkey: paired.
    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;
    let (_, status) = app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await;
    assert_eq!(status["state"], "OPEN");
    let overview = app
        .state
        .store
        .list_link_overviews(&pairlink::server::domain::TenantId::from_trusted(&t.id), 10)
        .await
        .unwrap();
    assert!(overview[0].link.passkey_required_at.is_some(), "the dashboard's link shows it");
}
