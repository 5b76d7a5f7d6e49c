//! What surrounds the endpoints: health, OpenAPI, reference page, the `/api/v1` alias, and
//! JSON errors for unknown routes and methods.
use reqwest::{Method, StatusCode};

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let (status, body) = app.raw(Method::GET, "/healthz", None, None).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (status, body) = app.raw(Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["database"], "sqlite");
}

/// Every route the API serves is in the document, and nothing else.
#[tokio::test]
async fn openapi_describes_every_endpoint() {
    let app = spawn_app().await;
    let (status, doc) = app.raw(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut documented: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    documented.sort();
    let mut expected = vec![
        "POST /v1/numbers",
        "GET /v1/numbers",
        "GET /v1/numbers/{id}",
        "PATCH /v1/numbers/{id}",
        "DELETE /v1/numbers/{id}",
        "POST /v1/numbers/{id}/upgrade-to-dual",
        "GET /v1/numbers/{id}/status",
        "GET /v1/numbers/{id}/connect",
        "GET /v1/numbers/{id}/events",
        "POST /v1/numbers/{id}/restore",
        "DELETE /v1/numbers/{id}/purge",
        "POST /v1/numbers/{id}/sandbox/scan",
        "POST /v1/numbers/{id}/sandbox/unlink",
        "POST /v1/numbers/{id}/sandbox/fail",
        "POST /v1/numbers/{id}/sandbox/passkey",
        "GET /v1/numbers/export",
        "GET /v1/numbers/{id}/sandbox/messages",
        "POST /v1/numbers/{id}/sandbox/expire-link",
        "POST /v1/numbers/remote-pairing",
        "POST /v1/numbers/{id}/remote-pairing",
        "DELETE /v1/numbers/{id}/remote-pairing",
        "GET /v1/remote-pairing/{token}",
        "POST /v1/remote-pairing/{token}/connect",
        "GET /v1/remote-pairing/{token}/status",
        "GET /v1/remote-pairing/{token}/events",
        "GET /v1/connect/{token}/branding",
        "POST /v1/remote-pairing/{token}/meta/embedded",
        "POST /v1/remote-pairing/{token}/meta/credentials",
        "POST /v1/remote-pairing/{token}/passkey/handoff",
        "POST /v1/passkey/claim",
        "GET /v1/passkey/ceremony",
        "POST /v1/passkey/ceremony/assertion",
        "POST /v1/passkey/ceremony/confirm",
        "GET /v1/api-keys",
        "POST /v1/api-keys",
        "POST /v1/api-keys/regenerate",
        "GET /v1/branding",
        "PUT /v1/branding",
        "GET /v1/settings",
        "PUT /v1/settings",
        "GET /v1/templates",
        "POST /v1/templates",
        "GET /v1/templates/{id}",
        "PUT /v1/templates/{id}",
        "DELETE /v1/templates/{id}",
        "POST /v1/webhooks",
        "GET /v1/webhooks",
        "GET /v1/webhooks/{id}",
        "PATCH /v1/webhooks/{id}",
        "DELETE /v1/webhooks/{id}",
        "GET /v1/webhooks/{id}/logs",
        "POST /v1/webhooks/{id}/logs/{deliveryId}/retry",
        "POST /v1/webhooks/{id}/rotate-secret",
        "POST /v1/webhooks/{id}/test",
        "POST /v1/numbers/meta",
        "GET /v1/meta/webhook",
        "POST /v1/meta/webhook",
    ];
    expected.sort();
    assert_eq!(documented, expected);
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    assert!(doc["components"]["schemas"]["CreateNumberOut"].is_object());
    assert!(doc["components"]["schemas"]["CreatedWebhookOut"].is_object());
    assert!(doc["components"]["schemas"]["DeliveryLogOut"].is_object());

    let (status, html) = app.raw(Method::GET, "/docs", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap();
    for path in ["/v1/numbers/{id}/connect", "/v1/numbers/{id}/purge", "Create a QR-paired number"] {
        assert!(html.contains(path), "/docs mentions {path}");
    }
}

#[tokio::test]
async fn the_api_is_also_served_under_api_v1() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let created = app
        .expect(
            Method::POST,
            "/api/v1/numbers",
            &t.key,
            Some(serde_json::json!({"name": "A", "number": "5511999998888"})),
            StatusCode::CREATED,
        )
        .await;
    let id = created["instance"]["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/v1/numbers/{id}"), &t.key).await["id"], id);
    assert_eq!(
        app.get(&format!("/api/v1/numbers/{id}/status"), &t.key).await["state"],
        "CONNECTING"
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_envelope() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    app.expect_error(
        Method::GET,
        "/v1/nothing-here",
        Some(&t.key),
        None,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    app.expect_error(
        Method::PUT,
        "/v1/numbers",
        Some(&t.key),
        None,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
    )
    .await;
}
