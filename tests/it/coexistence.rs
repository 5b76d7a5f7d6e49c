//! WhatsApp Business app numbers onboarded to the Cloud API (Meta's "Coexistence"), run
//! against a Graph stand-in: a coexistence link, each Graph refusal the flow can meet (with
//! call counts), Meta's three coexistence webhooks, and the official fallback of a WhatsApp
//! Web link that stalled on WhatsApp's passkey gate.
use pairlink::server::config::Config;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_json, header, method, path},
};

use crate::helpers::{Options, TestApp, spawn_with};
use crate::meta_graph::*;
use crate::receiver::hmac_sha256;

const BUSINESS_APP: &str = "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING";

/// Meta on, with a Facebook Login for Business configuration: pages can run Embedded Signup.
async fn signup_app(graph: &MockServer) -> TestApp {
    fn with_signup(c: &mut Config) {
        configure(c);
        c.meta_config_id = "cfg-123".into();
    }
    spawn_with(Options {
        meta_graph_url: Some(graph.uri()),
        configure: with_signup,
        ..Options::default()
    })
    .await
}

fn body(code: &str, event: &str) -> String {
    json!({ "code": code, "wabaId": WABA, "phoneNumberId": PHONE_ID, "businessId": "77777", "event": event }).to_string()
}

/// `POST /{phone}/smb_app_data` for one `sync_type`, with the business token.
fn sync(kind: &str, answer: ResponseTemplate, times: u64) -> Mock {
    Mock::given(method("POST"))
        .and(path(format!("{V}/{PHONE_ID}/smb_app_data")))
        .and(header("authorization", format!("Bearer {BUSINESS_TOKEN}").as_str()))
        .and(body_json(json!({ "messaging_product": "whatsapp", "sync_type": kind })))
        .respond_with(answer)
        .expect(times)
        .named(kind)
}

fn started(request: &str) -> ResponseTemplate {
    ok(json!({ "messaging_product": "whatsapp", "request_id": request }))
}

/// Exchange, phone read and subscription, each once.
async fn mount_onboarding(graph: &MockServer) {
    refuse_the_rest(graph).await;
    exchange("es-code", business_token(), 1).mount(graph).await;
    phone(BUSINESS_TOKEN, phone_ok(), 1).mount(graph).await;
    subscribe(BUSINESS_TOKEN, success(), 1).mount(graph).await;
}

async fn coexistence_link(app: &TestApp, key: &str) -> String {
    let link = app
        .create_link(key, json!({ "metaFlow": "coexistence", "externalRef": "crm-7" }))
        .await;
    assert_eq!((link["provider"].as_str(), link["numberId"].as_str()), (Some("META"), None));
    link["remotePairingToken"].as_str().unwrap().to_owned()
}

fn signed(body: &[u8]) -> String {
    let hex: String = hmac_sha256(APP_SECRET.as_bytes(), body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

async fn meta_webhook(app: &TestApp, field: &str, value: Value, signature: Option<String>) -> StatusCode {
    let body = json!({ "object": "whatsapp_business_account", "entry": [{ "id": WABA, "changes": [{ "field": field, "value": value }] }] })
        .to_string();
    let signature = signature.unwrap_or_else(|| signed(body.as_bytes()));
    let res = reqwest::Client::new()
        .post(format!("{}/v1/meta/webhook", app.base))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    res.status()
}

#[tokio::test]
async fn a_coexistence_link_onboards_the_business_app_number_without_registering_it_and_starts_both_syncs() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    let token = coexistence_link(&app, &t.key).await;
    mount_onboarding(&graph).await;
    sync("smb_app_state_sync", started("req-contacts"), 1).mount(&graph).await;
    sync("history", started("req-history"), 1).mount(&graph).await;

    let path = format!("/v1/remote-pairing/{token}/meta/embedded");
    let (status, out) = app.raw(Method::POST, &path, None, Some(&body("es-code", BUSINESS_APP))).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    // No `register` call (refused by the stand-in): the number stays on the app.
    graph.verify().await;
    let requests = graph.received_requests().await.unwrap();
    let order: Vec<String> = requests.iter().map(|r| format!("{} {}", r.method, r.url.path())).collect();
    assert_eq!(
        order,
        [
            format!("GET {V}/oauth/access_token"),
            format!("GET {V}/{PHONE_ID}"),
            format!("POST {V}/{WABA}/subscribed_apps"),
            format!("POST {V}/{PHONE_ID}/smb_app_data"),
            format!("POST {V}/{PHONE_ID}/smb_app_data"),
        ],
        "contacts first, then history, after the subscription"
    );

    let id = out["numberId"].as_str().unwrap();
    let number = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    assert_eq!(
        (&number["state"], &number["provider"], &number["number"]),
        (&json!("OPEN"), &json!("META"), &json!(DIGITS))
    );
    let c = &number["coexistence"];
    assert_eq!(
        (&c["status"], &c["evidence"]),
        (&json!("CONFIRMED"), &json!("embedded_signup")),
        "{c}"
    );
    assert_eq!(
        (&c["contactsSync"]["state"], &c["contactsSync"]["requestId"]),
        (&json!("started"), &json!("req-contacts"))
    );
    assert_eq!(
        (&c["historySync"]["state"], &c["historySync"]["requestId"]),
        (&json!("started"), &json!("req-history"))
    );
    let kinds = app.event_kinds(id, &t.key).await;
    assert_eq!(kinds, ["number.created", "number.connected"]);
    let account = app
        .state
        .store
        .meta_account(
            &pairlink::server::domain::TenantId::from_trusted(t.id.clone()),
            &pairlink::server::domain::NumberId::from_trusted(id),
        )
        .await
        .unwrap();
    assert!(account.pin.is_none(), "no two-step PIN: the number was not registered");

    // Meta's coexistence webhooks: verified, then counted on the number (bodies not kept).
    let meta = json!({ "display_phone_number": DIGITS, "phone_number_id": PHONE_ID });
    let history = json!({ "messaging_product": "whatsapp", "metadata": meta, "history": [
        { "metadata": { "phase": 0, "chunk_order": 1, "progress": 100 }, "threads": [
            { "id": "16505551234", "messages": [{ "id": "m1", "type": "text", "text": { "body": "private words" } }, { "id": "m2" }] },
            { "id": "16505550000", "messages": [{ "id": "m3" }] } ] } ] });
    let contacts = json!({ "messaging_product": "whatsapp", "metadata": meta, "state_sync": [
        { "type": "contact", "contact": { "full_name": "Pablo Morales", "phone_number": "16505551234" }, "action": "add" },
        { "type": "contact", "contact": { "phone_number": "16505550000" }, "action": "remove" } ] });
    let echoes = json!({ "messaging_product": "whatsapp", "metadata": meta, "message_echoes": [
        { "from": DIGITS, "to": "16505551234", "id": "e1", "type": "text", "text": { "body": "sent from the app" } } ] });
    assert_eq!(
        meta_webhook(&app, "history", history.clone(), Some("sha256=00".into())).await,
        StatusCode::UNAUTHORIZED,
        "a forged history webhook is refused"
    );
    for (field, value) in [
        ("history", history),
        ("smb_app_state_sync", contacts),
        ("smb_message_echoes", echoes),
    ] {
        assert_eq!(meta_webhook(&app, field, value, None).await, StatusCode::OK, "{field}");
    }
    let number = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    let received = &number["coexistence"]["received"];
    assert_eq!(
        (
            &received["webhooks"],
            &received["historyMessages"],
            &received["contacts"],
            &received["messageEchoes"],
            &received["history"]
        ),
        (&json!(3), &json!(3), &json!(2), &json!(1), &json!("shared")),
        "{received}"
    );
    assert!(received["lastAt"].is_string());
    let text = number.to_string();
    assert!(
        !text.contains("private words") && !text.contains("Pablo"),
        "no content is kept: {text}"
    );

    // History the business declined to share is recorded as such.
    let declined = json!({ "messaging_product": "whatsapp", "metadata": meta,
        "history": [{ "errors": [{ "code": 2593109, "title": "History sharing is turned off by the business" }] }] });
    assert_eq!(meta_webhook(&app, "history", declined, None).await, StatusCode::OK);
    let number = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    assert_eq!(number["coexistence"]["received"]["history"], "declined");
    assert_eq!(number["coexistence"]["received"]["webhooks"], 4);
}

#[tokio::test]
async fn coexistence_refusals_name_what_failed_and_call_meta_no_further() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;

    // The code expired: nothing else is asked of Meta and the link stays usable.
    let token = coexistence_link(&app, &t.key).await;
    let path = format!("/v1/remote-pairing/{token}/meta/embedded");
    refuse_the_rest(&graph).await;
    exchange(
        "late-code",
        graph_error(400, 100, Some(36007), "This authorization code has expired."),
        1,
    )
    .mount(&graph)
    .await;
    app.expect_error(
        Method::POST,
        &path,
        None,
        Some(&body("late-code", BUSINESS_APP)),
        StatusCode::BAD_REQUEST,
        "META_CODE_EXPIRED",
    )
    .await;
    graph.verify().await;

    // The number cannot be onboarded from the business app: the contacts sync says so, the
    // history sync is not tried, and no number is created.
    graph.reset().await;
    mount_onboarding(&graph).await;
    sync(
        "smb_app_state_sync",
        graph_error(400, 100, None, "The phone number is not eligible for this operation"),
        1,
    )
    .mount(&graph)
    .await;
    sync("history", started("never"), 0).mount(&graph).await;
    app.expect_error(
        Method::POST,
        &path,
        None,
        Some(&body("es-code", BUSINESS_APP)),
        StatusCode::BAD_REQUEST,
        "META_NOT_ELIGIBLE",
    )
    .await;
    graph.verify().await;
    let numbers = app.get("/v1/numbers", &t.key).await;
    assert_eq!(numbers.as_array().unwrap().len(), 0, "{numbers}");

    // A sync Meta already started (a second onboarding of the same number) is no failure:
    // it is recorded, and the other one still starts.
    graph.reset().await;
    mount_onboarding(&graph).await;
    sync(
        "smb_app_state_sync",
        graph_error(400, 100, None, "Sync was already initiated for this phone number"),
        1,
    )
    .mount(&graph)
    .await;
    sync("history", started("req-h"), 1).mount(&graph).await;
    let (status, out) = app.raw(Method::POST, &path, None, Some(&body("es-code", BUSINESS_APP))).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    graph.verify().await;
    let number = app.get(&format!("/v1/numbers/{}", out["numberId"].as_str().unwrap()), &t.key).await;
    let c = &number["coexistence"];
    assert_eq!(
        (&c["contactsSync"]["state"], &c["historySync"]["state"]),
        (&json!("already_started"), &json!("started")),
        "{c}"
    );

    // A Meta outage during a sync does not undo the onboarding of another link's number; it
    // is recorded with our error code so the operator can see it.
    let t2 = app.tenant("Other").await;
    let token = coexistence_link(&app, &t2.key).await;
    graph.reset().await;
    mount_onboarding(&graph).await;
    sync("smb_app_state_sync", started("req-c2"), 1).mount(&graph).await;
    sync("history", graph_error(503, 2, None, "Service temporarily unavailable"), 1)
        .mount(&graph)
        .await;
    let path = format!("/v1/remote-pairing/{token}/meta/embedded");
    let (status, out) = app.raw(Method::POST, &path, None, Some(&body("es-code", BUSINESS_APP))).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    graph.verify().await;
    let outage_id = out["numberId"].as_str().unwrap().to_owned();
    let number = app.get(&format!("/v1/numbers/{outage_id}"), &t2.key).await;
    assert_eq!(
        (
            &number["coexistence"]["historySync"]["state"],
            &number["coexistence"]["historySync"]["code"]
        ),
        (&json!("failed"), &json!("UPSTREAM_ERROR"))
    );
    // The sweeper tries it again once its wait is over (Meta's window is 24 hours), and only
    // the one that failed.
    use pairlink::server::services::coexistence::retry_due;
    graph.reset().await;
    refuse_the_rest(&graph).await;
    sync("history", started("req-h2"), 1).mount(&graph).await;
    assert_eq!(retry_due(&app.state).await.unwrap(), 0, "not before its time");
    app.clock.advance(chrono::Duration::minutes(6));
    assert_eq!(retry_due(&app.state).await.unwrap(), 1);
    assert_eq!(retry_due(&app.state).await.unwrap(), 0, "nothing left to try");
    graph.verify().await;
    let number = app.get(&format!("/v1/numbers/{outage_id}"), &t2.key).await;
    let history = &number["coexistence"]["historySync"];
    assert_eq!(
        (&history["state"], &history["requestId"], &history["attempts"]),
        (&json!("started"), &json!("req-h2"), &json!(2)),
        "{history}"
    );
    assert_eq!(number["coexistence"]["contactsSync"]["requestId"], "req-c2");

    // A plain FINISH on a coexistence link is a new Cloud API number: registered as usual.
    let token = coexistence_link(&app, &app.tenant("Third").await.key).await;
    graph.reset().await;
    refuse_the_rest(&graph).await;
    exchange("es-code", business_token(), 1).mount(&graph).await;
    subscribe(BUSINESS_TOKEN, success(), 1).mount(&graph).await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::path(format!("{V}/{PHONE_ID}/register")))
        .respond_with(success())
        .expect(1)
        .mount(&graph)
        .await;
    phone(BUSINESS_TOKEN, phone_ok(), 1).mount(&graph).await;
    let endpoint = format!("/v1/remote-pairing/{token}/meta/embedded");
    // An event the signup window never sends is refused before Meta is called.
    app.expect_error(
        Method::POST,
        &endpoint,
        None,
        Some(&body("es-code", "FINISH_SOMETHING_ELSE")),
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    )
    .await;
    let (status, out) = app.raw(Method::POST, &endpoint, None, Some(&body("es-code", "FINISH"))).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    graph.verify().await;
}

/// A WhatsApp Web link for `number`, its window open and stalled on WhatsApp's passkey gate.
async fn stalled_link(app: &TestApp, key: &str, number: &str) -> (String, String) {
    let link = app
        .create_link(key, json!({ "name": "Loja", "number": number, "locale": "en" }))
        .await;
    let token = link["remotePairingToken"].as_str().unwrap().to_owned();
    let id = link["numberId"].as_str().unwrap().to_owned();
    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    app.post(&format!("/v1/numbers/{id}/sandbox/passkey"), key).await;
    (token, id)
}

async fn page_html(app: &TestApp, token: &str) -> String {
    reqwest::Client::new()
        .get(format!("{}/connect/{token}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_official_fallback_moves_a_passkey_stalled_link_to_its_business_app_number() {
    let graph = MockServer::start().await;
    let app = signup_app(&graph).await;
    let t = app.tenant("Acme").await;

    // Off by default: the passkey screen has only the hand-off, and the rail is refused.
    let (token, id) = stalled_link(&app, &t.key, DIGITS).await;
    assert!(!page_html(&app, &token).await.contains("official-continue"));
    let path = format!("/v1/remote-pairing/{token}/meta/embedded");
    refuse_the_rest(&graph).await;
    app.expect_error(
        Method::POST,
        &path,
        None,
        Some(&body("es-code", BUSINESS_APP)),
        StatusCode::BAD_REQUEST,
        "FEATURE_NOT_SUPPORTED",
    )
    .await;

    let settings = app
        .expect(
            Method::PUT,
            "/v1/settings",
            &t.key,
            Some(json!({ "officialFallback": true })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(settings["officialFallback"], true);
    let html = page_html(&app, &token).await;
    assert!(
        html.contains(r#"id="official-continue""#),
        "the passkey screen offers the official rail"
    );
    assert!(html.contains(r#""official":{"flow":"coexistence""#), "{html}");
    // Only a WhatsApp Business app number can take this rail (a plain FINISH is refused).
    app.expect_error(
        Method::POST,
        &path,
        None,
        Some(&body("es-code", "FINISH")),
        StatusCode::BAD_REQUEST,
        "FEATURE_NOT_SUPPORTED",
    )
    .await;
    graph.verify().await;

    graph.reset().await;
    mount_onboarding(&graph).await;
    sync("smb_app_state_sync", started("req-c"), 1).mount(&graph).await;
    sync("history", started("req-h"), 1).mount(&graph).await;
    let (status, out) = app.raw(Method::POST, &path, None, Some(&body("es-code", BUSINESS_APP))).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    graph.verify().await;
    assert_eq!(out["numberId"], json!(id), "the link's own number, not a new one");

    let number = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    assert_eq!(
        (&number["state"], &number["provider"], &number["engine"]),
        (&json!("OPEN"), &json!("META"), &json!("meta"))
    );
    assert_eq!(number["coexistence"]["status"], "CONFIRMED");
    let events = app.get(&format!("/v1/numbers/{id}/events"), &t.key).await;
    let connected: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "number.connected")
        .collect();
    assert_eq!(connected.len(), 1, "{events}");
    assert_eq!(
        (&connected[0]["data"]["provider"], &connected[0]["data"]["phone"]),
        (&json!("META"), &json!(format!("+{DIGITS}"))),
        "{}",
        connected[0]
    );
    assert!(connected[0]["data"]["linkId"].as_str().unwrap().starts_with("lnk_"));
    let (_, status) = app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await;
    assert_eq!(status["state"], "OPEN", "the page that asked reads success");
    // The WhatsApp Web window was ended: the sandbox phone has nothing left to scan.
    let (scan, _) = app
        .raw(Method::POST, &format!("/v1/numbers/{id}/sandbox/scan"), Some(&t.key), None)
        .await;
    assert_ne!(scan, StatusCode::OK);
    // Used up.
    app.expect_error(
        Method::POST,
        &path,
        None,
        Some(&body("es-code", BUSINESS_APP)),
        StatusCode::NOT_FOUND,
        "LINK_ALREADY_USED",
    )
    .await;
}

#[tokio::test]
async fn the_official_fallback_holds_the_onboarded_number_to_the_links() {
    let graph = MockServer::start().await;
    let app = signup_app(&graph).await;
    let t = app.tenant("Acme").await;
    app.expect(
        Method::PUT,
        "/v1/settings",
        &t.key,
        Some(json!({ "officialFallback": true })),
        StatusCode::OK,
    )
    .await;
    let (token, id) = stalled_link(&app, &t.key, "5511988887777").await;
    // Meta onboarded another phone: refused before our app is subscribed or a sync starts
    // (each runs once per onboarding, and this one is not ours to start).
    refuse_the_rest(&graph).await;
    exchange("es-code", business_token(), 1).mount(&graph).await;
    phone(BUSINESS_TOKEN, phone_ok(), 1).mount(&graph).await;
    subscribe(BUSINESS_TOKEN, success(), 0).mount(&graph).await;
    app.expect_error(
        Method::POST,
        &format!("/v1/remote-pairing/{token}/meta/embedded"),
        None,
        Some(&body("es-code", BUSINESS_APP)),
        StatusCode::BAD_REQUEST,
        "NUMBER_MISMATCH",
    )
    .await;
    graph.verify().await;
    let number = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    assert_eq!(
        (&number["provider"], &number["state"]),
        (&json!("PILOT_STATUS"), &json!("CONNECTING"))
    );
}

#[tokio::test]
async fn the_official_fallback_needs_embedded_signup_configured() {
    let graph = MockServer::start().await;
    // Meta on, but no Facebook Login configuration: a page could not run the signup.
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    app.expect_error(
        Method::PUT,
        "/v1/settings",
        Some(&t.key),
        Some(&json!({ "officialFallback": true }).to_string()),
        StatusCode::BAD_REQUEST,
        "META_NOT_CONFIGURED",
    )
    .await;
    let settings = app.get("/v1/settings", &t.key).await;
    assert_eq!(settings["officialFallback"], false);
}
