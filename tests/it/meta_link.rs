//! Meta links: Embedded Signup's result and pasted credentials posted by the page, run
//! against a Graph stand-in; the number joins the link's tenant and the link is used up.
use pairlink::server::{
    domain::{NumberId, TenantId},
    meta::crypto::TokenCipher,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::MockServer;

use crate::helpers::{Tenant, TestApp};
use crate::meta_graph::*;

async fn meta_link(app: &TestApp, t: &Tenant, flow: &str) -> String {
    let link = app
        .create_link(
            &t.key,
            json!({ "metaFlow": flow, "externalRef": "crm-42", "redirectUrl": "https://shop.example.com/done" }),
        )
        .await;
    assert_eq!((link["provider"].as_str(), link["numberId"].as_str()), (Some("META"), None));
    link["remotePairingToken"].as_str().unwrap().to_owned()
}

fn embedded_body(code: &str) -> String {
    json!({ "code": code, "wabaId": WABA, "phoneNumberId": PHONE_ID, "businessId": "77777" }).to_string()
}

#[tokio::test]
async fn embedded_signup_exchanges_the_code_registers_the_number_and_uses_the_link() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    let token = meta_link(&app, &t, "embedded").await;
    refuse_the_rest(&graph).await;
    exchange("sign-up-code", business_token(), 1).mount(&graph).await;
    subscribe(BUSINESS_TOKEN, success(), 1).mount(&graph).await;
    // The PIN is ours to choose: six digits, the same one stored (encrypted) afterwards.
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path(format!("{V}/{PHONE_ID}/register")))
        .and(wiremock::matchers::header(
            "authorization",
            format!("Bearer {BUSINESS_TOKEN}").as_str(),
        ))
        .and(wiremock::matchers::body_partial_json(json!({ "messaging_product": "whatsapp" })))
        .respond_with(success())
        .expect(1)
        .mount(&graph)
        .await;
    phone(BUSINESS_TOKEN, phone_ok(), 1).mount(&graph).await;

    let path = format!("/v1/remote-pairing/{token}/meta/embedded");
    let (status, out) = app.raw(Method::POST, &path, None, Some(&embedded_body("sign-up-code"))).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    graph.verify().await;
    assert_eq!(
        (&out["ok"], &out["state"], &out["displayName"], &out["maskedNumber"]),
        (&json!(true), &json!("OPEN"), &json!("Shop Oficial"), &json!("+155512****4567"))
    );
    assert_eq!(
        (&out["externalRef"], &out["redirectUrl"]),
        (&json!("crm-42"), &json!("https://shop.example.com/done"))
    );

    let id = out["numberId"].as_str().unwrap();
    let number = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    assert_eq!(
        (&number["state"], &number["provider"], &number["number"]),
        (&json!("OPEN"), &json!("META"), &json!(DIGITS))
    );
    let events = app.get(&format!("/v1/numbers/{id}/events"), &t.key).await;
    let kinds: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["number.created", "number.connected"]);
    for e in events.as_array().unwrap() {
        assert_eq!(
            (&e["data"]["externalRef"], &e["data"]["provider"]),
            (&json!("crm-42"), &json!("META")),
            "{e}"
        );
        assert!(e["data"]["linkId"].as_str().unwrap().starts_with("lnk_"));
    }

    let requests = graph.received_requests().await.unwrap();
    let register = requests.iter().find(|r| r.url.path().ends_with("/register")).unwrap();
    let pin = serde_json::from_slice::<Value>(&register.body).unwrap()["pin"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(pin.len() == 6 && pin.chars().all(|c| c.is_ascii_digit()), "{pin}");
    let account = app
        .state
        .store
        .meta_account(&TenantId::from_trusted(t.id.clone()), &NumberId::from_trusted(id))
        .await
        .unwrap();
    let cipher = TokenCipher::from_base64(&key()).unwrap();
    let row = account.number_id.as_str();
    assert_eq!(cipher.decrypt_for(row, &account.token).unwrap(), BUSINESS_TOKEN);
    assert_eq!(cipher.decrypt_for(row, account.pin.as_deref().unwrap()).unwrap(), pin);
    assert!(cipher.decrypt_for("num_another", &account.token).is_err(), "bound to its row");

    // Single use: a second post is refused before Meta is called again.
    graph.reset().await;
    refuse_the_rest(&graph).await;
    app.expect_error(
        Method::POST,
        &path,
        None,
        Some(&embedded_body("again")),
        StatusCode::NOT_FOUND,
        "LINK_ALREADY_USED",
    )
    .await;
    // The page that paired still reads the final state.
    let (status, snapshot) = app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await;
    assert_eq!((status, &snapshot["state"]), (StatusCode::OK, &json!("OPEN")));
    graph.verify().await;
}

#[tokio::test]
async fn a_refused_code_or_registration_leaves_the_link_usable() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    let token = meta_link(&app, &t, "embedded").await;
    let path = format!("/v1/remote-pairing/{token}/meta/embedded");

    refuse_the_rest(&graph).await;
    exchange(
        "stale",
        graph_error(400, 100, Some(36007), "This authorization code has expired."),
        1,
    )
    .mount(&graph)
    .await;
    app.expect_error(
        Method::POST,
        &path,
        None,
        Some(&embedded_body("stale")),
        StatusCode::BAD_REQUEST,
        "META_CODE_EXPIRED",
    )
    .await;
    graph.verify().await;
    graph.reset().await;

    refuse_the_rest(&graph).await;
    exchange("fresh", business_token(), 1).mount(&graph).await;
    subscribe(BUSINESS_TOKEN, success(), 1).mount(&graph).await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path(format!("{V}/{PHONE_ID}/register")))
        .respond_with(graph_error(400, 133016, None, "Too many PIN attempts"))
        .expect(1)
        .mount(&graph)
        .await;
    app.expect_error(
        Method::POST,
        &path,
        None,
        Some(&embedded_body("fresh")),
        StatusCode::BAD_REQUEST,
        "META_PIN_ERROR",
    )
    .await;
    graph.verify().await;

    let (status, info) = app.public(Method::GET, &format!("/v1/remote-pairing/{token}")).await;
    assert_eq!((status, &info["state"]), (StatusCode::OK, &json!("CLOSE")), "the link still works");
    assert_eq!(app.get("/v1/numbers", &t.key).await, json!([]));
    // Wrong flow and bad fields are refused without Meta.
    graph.reset().await;
    refuse_the_rest(&graph).await;
    let creds = format!("/v1/remote-pairing/{token}/meta/credentials");
    app.expect_error(
        Method::POST,
        &creds,
        None,
        Some("{}"),
        StatusCode::BAD_REQUEST,
        "FEATURE_NOT_SUPPORTED",
    )
    .await;
    let no_code = json!({ "wabaId": WABA, "phoneNumberId": PHONE_ID }).to_string();
    app.expect_error(
        Method::POST,
        &path,
        None,
        Some(&no_code),
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    )
    .await;
    graph.verify().await;
}

#[tokio::test]
async fn pasted_credentials_name_the_field_meta_refused_then_connect() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    let token = meta_link(&app, &t, "credentials").await;
    let path = format!("/v1/remote-pairing/{token}/meta/credentials");
    let body = json!({ "wabaId": WABA, "phoneNumberId": PHONE_ID, "accessToken": TOKEN, "pin": "" }).to_string();

    refuse_the_rest(&graph).await;
    debug_token(valid_token(), 1).mount(&graph).await;
    waba(graph_error(400, 100, None, "Object does not exist"), 1).mount(&graph).await;
    let err = app
        .expect_error(
            Method::POST,
            &path,
            None,
            Some(&body),
            StatusCode::BAD_REQUEST,
            "META_WABA_NOT_FOUND",
        )
        .await;
    assert!(err["error"].as_str().unwrap().starts_with("wabaId: "), "{err}");
    graph.verify().await;
    graph.reset().await;

    refuse_the_rest(&graph).await;
    mount_valid_credentials(&graph).await;
    let (status, out) = app.raw(Method::POST, &path, None, Some(&body)).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    graph.verify().await;
    assert_eq!((&out["state"], &out["externalRef"]), (&json!("OPEN"), &json!("crm-42")));
    let listed = app.get("/v1/numbers", &t.key).await;
    assert_eq!(listed[0]["id"], out["numberId"]);
    assert_eq!(listed[0]["name"], "Shop Oficial", "named after Meta's verified name");
}

/// A tap on "Connect number" before the page's WASM has arrived (or without JavaScript)
/// posts the form to the server. It was a form without a method: the browser sent a `GET`,
/// and the access token rode in the page's address (history, proxies' and servers' logs).
#[tokio::test]
async fn the_credentials_form_posts_without_javascript_and_answers_with_the_page() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    let token = meta_link(&app, &t, "credentials").await;
    let page = format!("/connect/{token}?lang=en");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = http.get(format!("{}{page}", app.base)).send().await.unwrap().text().await.unwrap();
    let action = format!("/connect/{token}/credentials?lang=en");
    assert!(
        html.contains(&format!(r#"<form id="meta-credentials" method="post" action="{action}""#)),
        "{html}"
    );
    let form = [("wabaId", WABA), ("phoneNumberId", PHONE_ID), ("accessToken", TOKEN), ("pin", "")];

    // Refused: the page again, the reason under its field, and nothing posted echoed.
    refuse_the_rest(&graph).await;
    debug_token(valid_token(), 1).mount(&graph).await;
    waba(graph_error(400, 100, None, "Object does not exist"), 1).mount(&graph).await;
    let res = http.post(format!("{}{action}", app.base)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let under_field = html
        .split(r#"id="wabaId-error""#)
        .nth(1)
        .and_then(|rest| rest.split_once('>'))
        .map(|(_, rest)| rest.split("</p>").next().unwrap_or_default().replace("<!>", ""))
        .unwrap_or_default();
    assert!(under_field.chars().any(char::is_alphabetic), "the reason under the field: {html}");
    assert!(!html.contains(TOKEN), "the token is never echoed");
    graph.verify().await;
    graph.reset().await;

    // Connected: back to the page (303), which shows the outcome.
    refuse_the_rest(&graph).await;
    mount_valid_credentials(&graph).await;
    let res = http.post(format!("{}{action}", app.base)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], page.as_str());
    graph.verify().await;
    let listed = app.get("/v1/numbers", &t.key).await;
    assert_eq!((&listed[0]["state"], &listed[0]["provider"]), (&json!("OPEN"), &json!("META")));
    let html = http.get(format!("{}{page}", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"data-screen="success""#), "{html}");
}
