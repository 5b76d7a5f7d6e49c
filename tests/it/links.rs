//! Creating, re-issuing and revoking hosted pairing links (the platform's side).
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Options, spawn_app, spawn_with};

fn token_of(link: &serde_json::Value) -> String {
    link["remotePairingToken"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_link_creates_a_closed_number_and_a_secret_url() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let link = app
        .create_link(
            &t.key,
            json!({ "name": "Cliente Acme", "number": "+55 11 98888-7777", "externalRef": "crm-42" }),
        )
        .await;

    assert_eq!(link["provider"], "PILOT_STATUS");
    let token = token_of(&link);
    assert!(token.starts_with("rp_") && token.len() == 46, "{token}");
    assert_eq!(link["remotePairingUrl"], format!("{}/connect/{token}", app.base));
    assert_eq!(link["maskedNumber"], "+551198****7777");
    assert_eq!(link["messageSent"], false);
    assert!(link.get("messageError").is_none(), "no send asked, no error");
    assert_eq!(link["linkedApiKeyId"], json!(null));
    let instance = &link["instance"];
    assert_eq!(instance["state"], "CLOSE");
    assert_eq!(instance["engine"], "sandbox");
    assert_eq!(link["numberId"], instance["id"]);
    assert!(link.get("qrcodeBase64").is_none(), "no QR before the customer opens the link");
    let expires: chrono::DateTime<chrono::Utc> = link["expiresAt"].as_str().unwrap().parse().unwrap();
    assert_eq!((expires - app.clock_now()).num_hours(), 24);

    let id = instance["id"].as_str().unwrap();
    assert_eq!(app.event_kinds(id, &t.key).await, ["number.created"]);
    // The token is stored only as its hash: no byte of the database holds it.
    let hash = pairlink::server::domain::LinkToken::from_path(&token).hash();
    assert!(app.state.store.find_link_by_token(&hash).await.unwrap().is_some());
    let path = app.database_url.expose().trim_start_matches("sqlite://").to_owned();
    for file in [path.clone(), format!("{path}-wal")] {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "{file} holds the raw token"
        );
    }
}

#[tokio::test]
async fn link_options_are_validated_naming_the_field() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let base = json!({ "name": "A", "number": "5511999998888" });
    let with = |extra: serde_json::Value| {
        let mut body = base.clone();
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body.to_string()
    };
    for (body, code, needle) in [
        (with(json!({ "ttlSeconds": 59 })), "VALIDATION_ERROR", "ttlSeconds"),
        (with(json!({ "ttlSeconds": 604801 })), "VALIDATION_ERROR", "ttlSeconds"),
        (
            with(json!({ "refreshUrl": "http://evil.example" })),
            "VALIDATION_ERROR",
            "refreshUrl",
        ),
        (
            with(json!({ "redirectUrl": "javascript:alert(1)" })),
            "VALIDATION_ERROR",
            "redirectUrl",
        ),
        (
            with(json!({ "branding": { "primaryColor": "green" } })),
            "VALIDATION_ERROR",
            "branding.primaryColor",
        ),
        (
            with(json!({ "brandingOverride": { "logoUrl": "ftp://x" } })),
            "VALIDATION_ERROR",
            "brandingOverride.logoUrl",
        ),
        (with(json!({ "locale": "<b>" })), "VALIDATION_ERROR", "locale"),
        (with(json!({ "provider": "OTHER" })), "VALIDATION_ERROR", "provider"),
        (
            with(json!({ "provider": "PILOT_STATUS", "metaFlow": "embedded" })),
            "VALIDATION_ERROR",
            "metaFlow",
        ),
        (with(json!({ "metaFlow": "popup" })), "VALIDATION_ERROR", "metaFlow"),
        (json!({ "number": "5511999998888" }).to_string(), "VALIDATION_ERROR", "name"),
        (json!({ "name": "A" }).to_string(), "VALIDATION_ERROR", "number"),
        (String::new(), "VALIDATION_ERROR", "name"),
    ] {
        let err = app
            .expect_error(
                Method::POST,
                "/v1/numbers/remote-pairing",
                Some(&t.key),
                Some(&body),
                StatusCode::BAD_REQUEST,
                code,
            )
            .await;
        assert!(err["error"].as_str().unwrap().contains(needle), "{body} → {err}");
    }
    assert_eq!(app.get("/v1/numbers", &t.key).await, json!([]), "nothing was created");
}

#[tokio::test]
async fn ttl_is_honoured_and_phones_stay_unique() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let link = app
        .create_link(&t.key, json!({ "name": "A", "number": "5511999998888", "ttlSeconds": 600 }))
        .await;
    let expires: chrono::DateTime<chrono::Utc> = link["expiresAt"].as_str().unwrap().parse().unwrap();
    assert_eq!((expires - app.clock_now()).num_seconds(), 600);
    let again = json!({ "name": "B", "number": "5511999998888" }).to_string();
    app.expect_error(
        Method::POST,
        "/v1/numbers/remote-pairing",
        Some(&t.key),
        Some(&again),
        StatusCode::CONFLICT,
        "NUMBER_ALREADY_EXISTS",
    )
    .await;
}

#[tokio::test]
async fn reissuing_kills_the_previous_link_and_revoking_kills_the_current_one() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let first = app.create_link(&t.key, json!({ "name": "A", "number": "5511999998888" })).await;
    let id = first["numberId"].as_str().unwrap().to_owned();

    let second = app
        .expect(
            Method::POST,
            &format!("/v1/numbers/{id}/remote-pairing"),
            &t.key,
            Some(json!({ "ttlSeconds": 3600 })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(second["numberId"], id.as_str());
    assert_ne!(token_of(&second), token_of(&first));
    app.expect_error(
        Method::GET,
        &format!("/v1/remote-pairing/{}", token_of(&first)),
        None,
        None,
        StatusCode::NOT_FOUND,
        "LINK_REVOKED",
    )
    .await;
    let (status, _) = app.public(Method::GET, &format!("/v1/remote-pairing/{}", token_of(&second))).await;
    assert_eq!(status, StatusCode::OK);

    app.expect(
        Method::DELETE,
        &format!("/v1/numbers/{id}/remote-pairing"),
        &t.key,
        None,
        StatusCode::OK,
    )
    .await;
    app.expect_error(
        Method::GET,
        &format!("/v1/remote-pairing/{}/status", token_of(&second)),
        None,
        None,
        StatusCode::NOT_FOUND,
        "LINK_REVOKED",
    )
    .await;
    app.expect_error(
        Method::DELETE,
        &format!("/v1/numbers/{id}/remote-pairing"),
        Some(&t.key),
        None,
        StatusCode::NOT_FOUND,
        "LINK_NOT_FOUND",
    )
    .await;

    // A connected number gets no new link.
    app.get(&format!("/v1/numbers/{id}/connect"), &t.key).await;
    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;
    app.expect_error(
        Method::POST,
        &format!("/v1/numbers/{id}/remote-pairing"),
        Some(&t.key),
        None,
        StatusCode::CONFLICT,
        "NUMBER_ALREADY_CONNECTED",
    )
    .await;
}

#[tokio::test]
async fn links_belong_to_their_tenant() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    let link = app.create_link(&t.key, json!({ "name": "A", "number": "5511999998888" })).await;
    let id = link["numberId"].as_str().unwrap();
    for method in [Method::POST, Method::DELETE] {
        app.expect_error(
            method,
            &format!("/v1/numbers/{id}/remote-pairing"),
            Some(&other.key),
            None,
            StatusCode::NOT_FOUND,
            "NUMBER_NOT_FOUND",
        )
        .await;
    }
    app.expect_error(
        Method::POST,
        "/v1/numbers/remote-pairing",
        None,
        Some("{}"),
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
    )
    .await;
}

#[tokio::test]
async fn number_keys_follow_link_to_api_key() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let first = app.create_number(&t.key, "A", "5511900000001").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = app.number_key(&t, &first).await;
    let link = app.create_link(&key, json!({ "name": "B", "number": "5511900000002" })).await;
    assert!(link["linkedApiKeyId"].as_str().unwrap().starts_with("key_"));
    let list = app.get("/v1/numbers", &key).await;
    assert_eq!(list[0]["id"], link["numberId"]);
}

#[tokio::test]
async fn deleting_the_number_revokes_its_link() {
    let app = spawn_with(Options::default()).await;
    let t = app.tenant("Acme").await;
    let link = app.create_link(&t.key, json!({ "name": "A", "number": "5511999998888" })).await;
    let id = link["numberId"].as_str().unwrap();
    app.expect(Method::DELETE, &format!("/v1/numbers/{id}"), &t.key, None, StatusCode::OK)
        .await;
    app.expect_error(
        Method::POST,
        &format!("/v1/remote-pairing/{}/connect", token_of(&link)),
        None,
        None,
        StatusCode::NOT_FOUND,
        "LINK_REVOKED",
    )
    .await;
    app.expect(Method::DELETE, &format!("/v1/numbers/{id}/purge"), &t.key, None, StatusCode::OK)
        .await;
    app.expect_error(
        Method::GET,
        &format!("/v1/remote-pairing/{}", token_of(&link)),
        None,
        None,
        StatusCode::NOT_FOUND,
        "LINK_NOT_FOUND",
    )
    .await;
}
