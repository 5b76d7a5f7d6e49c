//! Linking windows on demand (services/windows.rs), driven by the test's clock: a window that
//! ends reopens while its page watches, closes when nobody does, and caps per link and per
//! tenant hold. The sandbox engine plays WhatsApp; Evolution (a wiremock stand-in) shows that
//! throttling backs off and that the pairing code is asked for once per window.
use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path_regex},
};

use crate::{
    evolution::{accept_creations, calls, evolution_app, evolution_link, fixture, hook, number_ctx, until_calls},
    helpers::{Options, Tenant, TestApp, spawn_with},
};
use pairlink::server::domain::NumberId;

/// WhatsApp's window: 60 s + 5 × 20 s.
const WINDOW: Duration = Duration::seconds(160);

async fn app_with(configure: fn(&mut pairlink::server::config::Config)) -> TestApp {
    spawn_with(Options {
        configure,
        ..Options::default()
    })
    .await
}

async fn connected_link(app: &TestApp, t: &Tenant, phone: &str) -> (String, String) {
    let link = app.create_link(&t.key, json!({ "name": "Cliente", "number": phone })).await;
    let token = link["remotePairingToken"].as_str().unwrap().to_owned();
    app.public(Method::GET, &format!("/v1/remote-pairing/{token}")).await;
    let (code, body) = app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    (token, link["numberId"].as_str().unwrap().to_owned())
}

async fn status(app: &TestApp, token: &str) -> Value {
    app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await.1
}

/// The window's end as the page sees it (`secondsLeft` is relative to the test's clock).
async fn live_window(app: &TestApp, token: &str) -> Option<(String, i64)> {
    let s = status(app, token).await;
    (s["linkState"] == "qr").then(|| (s["qrcodeBase64"].as_str().unwrap().to_owned(), s["secondsLeft"].as_i64().unwrap()))
}

async fn until_watchers(app: &TestApp, id: &str, n: usize) {
    let id = NumberId::from_trusted(id);
    for _ in 0..500 {
        if app.state.pairing.windows().watchers(&id) == n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("never {n} watchers");
}

#[tokio::test]
async fn a_watched_window_reopens_when_it_ends_and_an_unwatched_one_closes() {
    let app = app_with(|_| {}).await;
    let t = app.tenant("Acme").await;
    let (watched, watched_id) = connected_link(&app, &t, "5511900000001").await;
    let (alone, alone_id) = connected_link(&app, &t, "5511900000002").await;
    let _events = app.sse(&format!("/v1/remote-pairing/{watched}/events")).await;
    until_watchers(&app, &watched_id, 1).await;
    let (first_qr, first_left) = live_window(&app, &watched).await.unwrap();
    let first_code = status(&app, &watched).await["pairingCode"].clone();
    assert_eq!(first_left, 160);

    app.clock.advance(WINDOW);
    app.state.pairing.windows().sweep().await;

    let (qr, left) = live_window(&app, &watched).await.expect("a watched window reopens");
    assert_ne!(qr, first_qr, "a new window shows a new QR");
    assert_eq!(left, 160, "the new window has its full 160 s");
    let code = status(&app, &watched).await["pairingCode"].clone();
    assert!(
        code.is_string() && code != first_code,
        "the new window has its own code (asked once, after its QR)"
    );
    assert_eq!(status(&app, &watched).await["state"], "CONNECTING");

    let closed = status(&app, &alone).await;
    assert_eq!(closed["state"], "CLOSE", "{closed}");
    assert_eq!(closed["linkState"], "failed");
    assert_eq!(closed["failure"], json!({ "reason": "qr_window_closed", "retryable": true }));
    // A window closing is routine: no link.failed.
    assert_eq!(app.event_kinds(&alone_id, &t.key).await, ["number.created", "link.opened"]);
}

#[tokio::test]
async fn a_page_that_leaves_lets_the_window_close_and_one_that_returns_reopens_it() {
    let app = app_with(|_| {}).await;
    let t = app.tenant("Acme").await;
    let (token, id) = connected_link(&app, &t, "5511900000001").await;
    let ctx = number_ctx(&app, &t, &id).await;
    let guard = app.state.pairing.windows().watch(&ctx);
    drop(guard);
    assert_eq!(app.state.pairing.windows().watchers(&ctx.number), 0);
    app.clock.advance(WINDOW);
    app.state.pairing.windows().sweep().await;
    assert_eq!(status(&app, &token).await["linkState"], "failed");

    // Someone opens the page again: the closed window opens for them.
    let _events = app.sse(&format!("/v1/remote-pairing/{token}/events")).await;
    for _ in 0..500 {
        if live_window(&app, &token).await.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(live_window(&app, &token).await.map(|w| w.1), Some(160));
    assert_eq!(app.event_kinds(&id, &t.key).await, ["number.created", "link.opened"]);
}

#[tokio::test]
async fn a_different_phone_is_refused_and_a_new_window_pairs_the_right_one() {
    let app = app_with(|_| {}).await;
    let t = app.tenant("Acme").await;
    let (token, id) = connected_link(&app, &t, "5511900000001").await;
    app.expect_error(
        Method::POST,
        &format!("/v1/numbers/{id}/sandbox/scan?phone=12"),
        Some(&t.key),
        None,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    )
    .await;
    app.post(&format!("/v1/numbers/{id}/sandbox/scan?phone=5521988887777"), &t.key)
        .await;
    let refused = status(&app, &token).await;
    assert_eq!(
        (refused["state"].as_str(), refused["linkState"].as_str()),
        (Some("CLOSE"), Some("failed")),
        "{refused}"
    );
    assert_eq!(refused["failure"], json!({ "reason": "wrong_number", "retryable": true }));
    assert_eq!(app.event_kinds(&id, &t.key).await, ["number.created", "link.opened", "link.failed"]);

    // The page's "try again": a new window, and the right phone pairs.
    let (code, body) = app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;
    assert_eq!(status(&app, &token).await["state"], "OPEN");
}

#[tokio::test]
async fn a_page_that_drops_its_stream_stops_watching() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = app_with(|_| {}).await;
    let t = app.tenant("Acme").await;
    let (token, id) = connected_link(&app, &t, "5511900000001").await;
    // A raw connection, so that dropping it really closes the socket (a pooled client would
    // keep reading in the background).
    let mut page = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let request = format!("GET /v1/remote-pairing/{token}/events HTTP/1.1\r\nHost: pairlink\r\nAccept: text/event-stream\r\n\r\n");
    page.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("event: status") {
        let mut chunk = [0u8; 4096];
        let n = page.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the stream closed early: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&chunk[..n]);
    }
    until_watchers(&app, &id, 1).await;
    drop(page);
    until_watchers(&app, &id, 0).await;
}

#[tokio::test]
async fn reopening_stops_at_the_cap_per_link_until_the_page_asks_again() {
    let app = app_with(|c| c.qr_window_reopens_per_link = 2).await;
    let t = app.tenant("Acme").await;
    let (token, id) = connected_link(&app, &t, "5511900000001").await;
    let _events = app.sse(&format!("/v1/remote-pairing/{token}/events")).await;
    until_watchers(&app, &id, 1).await;
    for round in 1..=2 {
        app.clock.advance(WINDOW);
        app.state.pairing.windows().sweep().await;
        assert!(live_window(&app, &token).await.is_some(), "reopen {round}");
    }
    app.clock.advance(WINDOW);
    app.state.pairing.windows().sweep().await;
    let capped = status(&app, &token).await;
    assert_eq!(
        capped["failure"]["reason"], "qr_window_closed",
        "the third reopen is refused: {capped}"
    );
    app.state.pairing.windows().sweep().await;
    assert!(live_window(&app, &token).await.is_none(), "and stays refused");

    // The customer clicks "new code": an explicit connect opens one and resets the count.
    assert_eq!(
        app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await.0,
        StatusCode::OK
    );
    app.clock.advance(WINDOW);
    app.state.pairing.windows().sweep().await;
    assert!(live_window(&app, &token).await.is_some());
}

#[tokio::test]
async fn the_cap_per_tenant_holds_and_other_tenants_are_not_affected() {
    let app = app_with(|c| c.qr_windows_per_tenant = 1).await;
    let acme = app.tenant("Acme").await;
    let globex = app.tenant("Globex").await;
    let mut tokens = Vec::new();
    for (t, phone) in [(&acme, "5511900000001"), (&acme, "5511900000002"), (&globex, "5511900000003")] {
        let (token, id) = connected_link(&app, t, phone).await;
        let events = app.sse(&format!("/v1/remote-pairing/{token}/events")).await;
        until_watchers(&app, &id, 1).await;
        tokens.push((token, events));
    }
    app.clock.advance(WINDOW);
    app.state.pairing.windows().sweep().await;
    let mut live = Vec::new();
    for (token, _) in &tokens {
        live.push(live_window(&app, token).await.is_some());
    }
    assert_eq!(
        live.iter().take(2).filter(|l| **l).count(),
        1,
        "one Acme window reopens, not two: {live:?}"
    );
    assert!(live[2], "Globex has its own cap");
}

#[tokio::test]
async fn evolution_windows_back_off_when_throttled_and_ask_for_the_code_once_per_window() {
    let evo = MockServer::start().await;
    let app = evolution_app(&evo).await;
    accept_creations(&evo).await;
    let connect = r"^/instance/connect/";
    Mock::given(method("GET"))
        .and(path_regex(connect))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("connect_qr_with_code", &[])))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&evo)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(connect))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "60"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&evo)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(connect))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("connect_qr_with_code", &[])))
        .with_priority(3)
        .mount(&evo)
        .await;
    let t = app.tenant("Acme").await;
    let (token, id, instance) = evolution_link(&app, &t, "5511999998888").await;
    assert_eq!(
        app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await.0,
        StatusCode::OK
    );
    let _events = app.sse(&format!("/v1/remote-pairing/{token}/events")).await;
    until_watchers(&app, &id, 1).await;
    // Evolution reaches its QR limit and refuses: the watched window reopens at once, but
    // WhatsApp (through Evolution) says "slow down" for 60 s.
    hook(&app, "hook_qrcode_limit", &instance, &[]).await;
    until_calls(&evo, "GET", "/instance/connect/", 2).await;
    assert_eq!(status(&app, &token).await["failure"]["reason"], "qr_limit");
    // The mock has the call before our side has its 429 answer: let the backoff be recorded
    // at this clock reading before the clock moves (it is measured from the refusal).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.clock.advance(Duration::seconds(30));
    app.state.pairing.windows().sweep().await;
    assert_eq!(calls(&evo, "GET", "/instance/connect/").await.len(), 2, "still backing off");
    app.clock.advance(Duration::seconds(31));
    app.state.pairing.windows().sweep().await;
    let all = calls(&evo, "GET", "/instance/connect/").await;
    assert_eq!(all.len(), 3, "retried after the wait");
    assert!(live_window(&app, &token).await.is_some());
    // Each window asked for the code with its first call, never on a rotation.
    hook(
        &app,
        "hook_qrcode_updated",
        &instance,
        &[("qr", "2@Rotated,bm9pc2U=,aWRlbnRpdHk=,YWR2,1")],
    )
    .await;
    assert_eq!(calls(&evo, "GET", "/instance/connect/").await.len(), 3);
    assert!(
        all.iter().all(|r| r.url.query() == Some("number=5511999998888")),
        "{:?}",
        all.iter().map(|r| r.url.to_string()).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn an_unwatched_evolution_window_is_logged_out_when_it_ends() {
    let evo = MockServer::start().await;
    let app = evolution_app(&evo).await;
    accept_creations(&evo).await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/instance/connect/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("connect_qr", &[])))
        .mount(&evo)
        .await;
    let t = app.tenant("Acme").await;
    let (token, _, instance) = evolution_link(&app, &t, "5511999998888").await;
    Mock::given(method("DELETE"))
        .and(wiremock::matchers::path(format!("/instance/logout/{instance}")))
        .respond_with(ResponseTemplate::new(400).set_body_json(fixture("logout_not_connected_400", &[("instance", &instance)])))
        .expect(1)
        .mount(&evo)
        .await;
    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    app.clock.advance(Duration::seconds(159));
    app.state.pairing.windows().sweep().await;
    assert!(
        calls(&evo, "DELETE", "/instance/logout/").await.is_empty(),
        "not before the window ends"
    );
    app.clock.advance(Duration::seconds(1));
    app.state.pairing.windows().sweep().await;
    let closed = status(&app, &token).await;
    assert_eq!(
        (closed["state"].as_str(), closed["failure"]["reason"].as_str()),
        (Some("CLOSE"), Some("qr_window_closed"))
    );
}

/// WhatsApp waits ten minutes for the passkey it asked the phone for: the window waiting on
/// it outlives the QR window it came from, and the sweep does not close it under the page.
#[tokio::test]
async fn a_window_waiting_for_the_passkey_outlives_its_qr_window() {
    let app = app_with(|_| {}).await;
    let t = app.tenant("Acme").await;
    let (token, id) = connected_link(&app, &t, "5511900000003").await;
    app.post(&format!("/v1/numbers/{id}/sandbox/passkey"), &t.key).await;
    assert_eq!(status(&app, &token).await["linkState"], "passkey_required");

    app.clock.advance(WINDOW + Duration::seconds(1));
    app.state.pairing.windows().sweep().await;
    assert_eq!(
        status(&app, &token).await["linkState"],
        "passkey_required",
        "still waiting for the passkey after the QR window's end"
    );
    app.clock.advance(Duration::minutes(10));
    app.state.pairing.windows().sweep().await;
    assert_eq!(status(&app, &token).await["linkState"], "failed", "WhatsApp's own wait is over");
}

/// "Get a new code" never hands back a window about to end: with under 5 s left, a connect
/// opens a fresh window (the page's countdown, rounded down, may already show the old one
/// ended).
#[tokio::test]
async fn asking_for_a_code_as_the_window_ends_gets_a_fresh_window() {
    let app = app_with(|_| {}).await;
    let t = app.tenant("Acme").await;
    let (token, _) = connected_link(&app, &t, "5511900000004").await;
    let (first_qr, _) = live_window(&app, &token).await.unwrap();

    // Still live, with 2 s to go.
    app.clock.advance(WINDOW - Duration::seconds(2));
    let (code, body) = app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(body["secondsLeft"], 60 + 100, "a whole new window: {body}");
    let (qr, left) = live_window(&app, &token).await.unwrap();
    assert_ne!(qr, first_qr);
    assert_eq!(left, 160);

    // A live window with time to use is joined, not replaced.
    app.clock.advance(Duration::seconds(30));
    let (_, again) = app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    assert_eq!(again["secondsLeft"], 130, "{again}");
    assert_eq!(live_window(&app, &token).await.unwrap().0, qr);
}
