//! Meta numbers after onboarding: Meta's signed webhooks in, `?refresh=1`, and links sent
//! from a Meta number as an authentication template, all against the Graph stand-in.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer,
    matchers::{header, method, path},
};

use crate::helpers::TestApp;
use crate::meta_graph::*;
use crate::receiver::hmac_sha256;

fn signature(secret: &str, body: &[u8]) -> String {
    let hex: String = hmac_sha256(secret.as_bytes(), body).iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

async fn post_webhook(app: &TestApp, body: &[u8], signature: Option<&str>) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/v1/meta/webhook", app.base))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        req = req.header("x-hub-signature-256", s);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or_default())
}

fn change(field: &str, value: Value) -> Vec<u8> {
    json!({ "object": "whatsapp_business_account", "entry": [{ "id": WABA, "time": 1_764_000_000, "changes": [{ "field": field, "value": value }] }] })
        .to_string()
        .into_bytes()
}

#[tokio::test]
async fn meta_verifies_the_callback_with_our_verify_token() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let ok_path = format!("/v1/meta/webhook?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444");
    let res = reqwest::get(format!("{}{ok_path}", app.base)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "1158201444");
    for bad in [
        "/v1/meta/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1",
        "/v1/meta/webhook?hub.mode=unsubscribe&hub.verify_token=test-verify-token&hub.challenge=1",
        "/v1/meta/webhook",
    ] {
        app.expect_error(Method::GET, bad, None, None, StatusCode::FORBIDDEN, "INVALID_VERIFY_TOKEN")
            .await;
    }
}

#[tokio::test]
async fn signed_account_and_quality_updates_move_state_and_health_and_tampering_is_refused() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    let id = create_meta_number(&app, &t.key, &graph).await["id"].as_str().unwrap().to_owned();
    refuse_the_rest(&graph).await;

    // A page of the list, kept (#24): the quality below shows in it at once.
    let page = app.get("/v1/numbers?limit=10", &t.key).await;
    assert_eq!(page["data"][0]["health"]["qualityRating"], "GREEN", "{page}");

    let flagged = change(
        "phone_number_quality_update",
        json!({ "display_phone_number": DIGITS, "event": "FLAGGED", "current_limit": "TIER_250" }),
    );
    app.clock.advance(chrono::Duration::seconds(1));
    let (status, out) = post_webhook(&app, &flagged, Some(&signature(APP_SECRET, &flagged))).await;
    assert_eq!((status, &out["changed"]), (StatusCode::OK, &json!(1)), "{out}");
    let n = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    assert_eq!(
        (&n["health"]["qualityRating"], &n["health"]["messagingLimitTier"]),
        (&json!("RED"), &json!("TIER_250"))
    );
    assert_eq!(n["health"]["sendable"], false);
    let page = app.get("/v1/numbers?limit=10", &t.key).await;
    assert_eq!(page["data"][0]["health"]["qualityRating"], "RED", "{page}");

    let disabled = change(
        "account_update",
        json!({ "phone_number": DIGITS, "event": "DISABLED_UPDATE", "ban_info": { "waba_ban_state": "DISABLE", "waba_ban_date": "2026-11-25" } }),
    );
    // Tampered: signed, then one byte changed; and signed with another secret; and unsigned.
    let mut tampered = disabled.clone();
    let sig = signature(APP_SECRET, &disabled);
    let at = tampered.iter().position(|b| *b == b'D').unwrap();
    tampered[at] = b'X';
    for (body, sig) in [
        (&tampered, Some(sig.clone())),
        (&disabled, Some(signature("not-the-secret", &disabled))),
        (&disabled, None),
    ] {
        let (status, out) = post_webhook(&app, body, sig.as_deref()).await;
        assert_eq!(
            (status, &out["code"]),
            (StatusCode::UNAUTHORIZED, &json!("INVALID_SIGNATURE")),
            "{out}"
        );
    }
    assert_eq!(
        app.get(&format!("/v1/numbers/{id}"), &t.key).await["state"],
        "OPEN",
        "nothing changed"
    );

    app.clock.advance(chrono::Duration::seconds(1));
    let (status, _) = post_webhook(&app, &disabled, Some(&sig)).await;
    assert_eq!(status, StatusCode::OK);
    let n = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    assert_eq!(n["state"], "CLOSE");
    let events = app.get(&format!("/v1/numbers/{id}/events"), &t.key).await;
    let tail: Vec<(&str, &str)> = events.as_array().unwrap()[2..]
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["data"]["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        tail,
        [
            ("number.health_degraded", "meta_flagged"),
            ("number.disconnected", "meta_disabled_update")
        ]
    );
    // Redelivered: the number is already closed, so no second event.
    post_webhook(&app, &disabled, Some(&sig)).await;
    assert_eq!(
        app.get(&format!("/v1/numbers/{id}/events"), &t.key).await.as_array().unwrap().len(),
        4
    );
    graph.verify().await;
}

#[tokio::test]
async fn refresh_reads_the_phone_live_and_follows_a_ban() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    let id = create_meta_number(&app, &t.key, &graph).await["id"].as_str().unwrap().to_owned();
    refuse_the_rest(&graph).await;
    phone(TOKEN, phone_fields("CLOUD_API", "CONNECTED", "YELLOW", "TIER_10K"), 1)
        .mount(&graph)
        .await;

    let cached = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    assert_eq!(cached["health"]["qualityRating"], "GREEN", "no refresh: no call");
    let live = app.get(&format!("/v1/numbers/{id}?refresh=1"), &t.key).await;
    assert_eq!(
        live["health"],
        json!({"qualityRating": "YELLOW", "messagingLimitTier": "TIER_10K", "metaStatus": "CONNECTED", "sendable": true})
    );
    assert_eq!(live["meta"]["phone"]["qualityRating"], "YELLOW");
    graph.verify().await;
    graph.reset().await;

    refuse_the_rest(&graph).await;
    phone(TOKEN, graph_error(401, 190, Some(460), "The session has been invalidated"), 1)
        .mount(&graph)
        .await;
    app.expect_error(
        Method::GET,
        &format!("/v1/numbers/{id}?refresh=1"),
        Some(&t.key),
        None,
        StatusCode::BAD_GATEWAY,
        "META_TOKEN_INVALID",
    )
    .await;
    graph.verify().await;
    graph.reset().await;

    refuse_the_rest(&graph).await;
    phone(TOKEN, phone_fields("CLOUD_API", "BANNED", "RED", "TIER_250"), 1)
        .mount(&graph)
        .await;
    app.clock.advance(chrono::Duration::seconds(1));
    let banned = app.get(&format!("/v1/numbers/{id}?refresh=1"), &t.key).await;
    assert_eq!(
        (&banned["state"], &banned["health"]["metaStatus"]),
        (&json!("CLOSE"), &json!("BANNED"))
    );
    assert_eq!(
        app.event_kinds(&id, &t.key).await.last().map(String::as_str),
        Some("number.disconnected")
    );
    graph.verify().await;
}

/// The authentication template with the link's token as its code, as Meta wants it.
fn template_body(to: &str, code: &str) -> Value {
    json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template",
        "template": { "name": "pilot_status_remote_pairing", "language": { "code": "pt_BR" }, "components": [
            { "type": "body", "parameters": [{ "type": "text", "text": code }] },
            { "type": "button", "sub_type": "url", "index": "0", "parameters": [{ "type": "text", "text": code }] }
        ]}
    })
}

#[tokio::test]
async fn links_are_sent_from_a_meta_number_as_an_authentication_template() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    let sender = create_meta_number(&app, &t.key, &graph).await["id"].as_str().unwrap().to_owned();
    let template = json!({ "name": "pilot_status_remote_pairing", "category": "OTP", "language": "pt_BR", "body": "{{name}}: {{link}}" });
    app.expect(Method::POST, "/v1/templates", &t.key, Some(template), StatusCode::CREATED)
        .await;
    app.expect(
        Method::PUT,
        "/v1/settings",
        &t.key,
        Some(json!({ "defaultSenderNumberId": sender })),
        StatusCode::OK,
    )
    .await;

    let cases = [
        (
            "5511988887771",
            ok(json!({ "messaging_product": "whatsapp", "messages": [{ "id": "wamid.HBgL", "message_status": "accepted" }] })),
            None,
        ),
        (
            "5511988887772",
            graph_error(404, 132001, Some(2494073), "Template name does not exist in the translation"),
            Some("SEND_FAILED: META_TEMPLATE_ERROR: Template name does not exist in the translation (132001)"),
        ),
        (
            "5511988887773",
            graph_error(400, 130429, None, "Rate limit hit"),
            Some("SEND_FAILED: META_RATE_LIMITED"),
        ),
    ];
    for (to, answer, expected) in cases {
        refuse_the_rest(&graph).await;
        Mock::given(method("POST"))
            .and(path(format!("{V}/{PHONE_ID}/messages")))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .and(header("content-type", "application/json"))
            .respond_with(answer)
            .expect(1)
            .mount(&graph)
            .await;
        let link = app
            .create_link(&t.key, json!({ "name": "Cliente", "number": to, "sendViaWhatsApp": true }))
            .await;
        // The token exists only once the link does, so the body is compared afterwards.
        let sent = graph.received_requests().await.unwrap();
        let body: Value = serde_json::from_slice(&sent.last().unwrap().body).unwrap();
        assert_eq!(body, template_body(to, link["remotePairingToken"].as_str().unwrap()));
        match expected {
            None => assert_eq!(
                (link["messageSent"].as_bool(), link.get("messageError")),
                (Some(true), None),
                "{link}"
            ),
            Some(prefix) => {
                assert_eq!(link["messageSent"], false, "{link}");
                assert!(link["messageError"].as_str().unwrap().starts_with(prefix), "{link}");
            }
        }
        graph.verify().await;
        graph.reset().await;
    }
}
