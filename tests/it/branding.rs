//! Tenant branding and how the connect page's branding is resolved.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn branding_starts_empty_and_updates_field_by_field() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let empty = app.get("/v1/branding", &t.key).await;
    let fields = empty["branding"].as_object().unwrap();
    assert_eq!(fields.len(), 8);
    assert!(fields.values().all(|v| v.is_null()), "{empty}");

    let body = json!({ "companyName": "Acme Corp", "primaryColor": "#ff6600", "logoUrl": "https://cdn.acme.example/logo.png", "hidePilotStatusBranding": true });
    let updated = app.expect(Method::PUT, "/v1/branding", &t.key, Some(body), StatusCode::OK).await;
    assert_eq!(updated["branding"]["primaryColor"], "#FF6600");
    assert_eq!(updated["branding"]["companyName"], "Acme Corp");

    // Omitted stays, null clears.
    let updated = app
        .expect(
            Method::PUT,
            "/v1/branding",
            &t.key,
            Some(json!({ "logoUrl": null, "subtitle": "Conecte seu WhatsApp" })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(updated["branding"]["logoUrl"], json!(null));
    assert_eq!(updated["branding"]["companyName"], "Acme Corp");
    assert_eq!(updated["branding"]["subtitle"], "Conecte seu WhatsApp");
    assert_eq!(app.get("/v1/branding", &t.key).await, updated);
}

#[tokio::test]
async fn bad_branding_is_refused_naming_the_field_and_changes_nothing() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    for (body, field) in [
        (json!({ "primaryColor": "orange" }), "primaryColor"),
        (json!({ "backgroundColor": "#12345" }), "backgroundColor"),
        (json!({ "logoUrl": "http://cdn.example/l.png" }), "logoUrl"),
        (json!({ "supportUrl": "mailto:help@acme.example" }), "supportUrl"),
        (json!({ "defaultRedirectUrl": "javascript:alert(1)" }), "defaultRedirectUrl"),
        (json!({ "companyName": "x".repeat(61) }), "companyName"),
        (json!({ "subtitle": "x".repeat(121) }), "subtitle"),
        (json!({ "hidePilotStatusBranding": "yes" }), "hidePilotStatusBranding"),
    ] {
        let err = app
            .expect_error(
                Method::PUT,
                "/v1/branding",
                Some(&t.key),
                Some(&body.to_string()),
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
            )
            .await;
        assert!(err["error"].as_str().unwrap().starts_with(field), "{body} → {err}");
    }
    let current = app.get("/v1/branding", &t.key).await;
    assert!(current["branding"].as_object().unwrap().values().all(|v| v.is_null()));
}

#[tokio::test]
async fn branding_needs_a_tenant_key() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let id = app.create_number(&t.key, "A", "5511999998888").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = app.number_key(&t, &id).await;
    app.expect_error(
        Method::GET,
        "/v1/branding",
        Some(&key),
        None,
        StatusCode::FORBIDDEN,
        "NUMBER_SCOPE_NOT_ALLOWED",
    )
    .await;
    app.expect_error(
        Method::PUT,
        "/v1/branding",
        Some(&key),
        Some("{}"),
        StatusCode::FORBIDDEN,
        "NUMBER_SCOPE_NOT_ALLOWED",
    )
    .await;
    app.expect_error(Method::GET, "/v1/branding", None, None, StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
        .await;
}

#[tokio::test]
async fn the_page_branding_resolves_query_then_link_then_tenant_then_defaults() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    app.expect(
        Method::PUT,
        "/v1/branding",
        &t.key,
        Some(json!({ "companyName": "Acme", "primaryColor": "#000001", "supportUrl": "https://help.acme.example" })),
        StatusCode::OK,
    )
    .await;
    let link = app
        .create_link(&t.key, json!({ "name": "A", "number": "5511999998888", "branding": { "primaryColor": "#000002" }, "brandingOverride": { "primaryColor": "#000009", "subtitle": "Per link" } }))
        .await;
    let token = link["remotePairingToken"].as_str().unwrap();

    let (_, b) = app.public(Method::GET, &format!("/v1/connect/{token}/branding")).await;
    let b = &b["branding"];
    assert_eq!(b["primaryColor"], "#000002", "branding wins over brandingOverride");
    assert_eq!(b["subtitle"], "Per link");
    assert_eq!(b["companyName"], "Acme", "the tenant fills what the link does not set");
    assert_eq!(b["supportUrl"], "https://help.acme.example");
    assert_eq!(b["backgroundColor"], "#F8FAFC", "defaults fill the rest");
    assert_eq!(b["hidePilotStatusBranding"], false);

    // Cosmetic query parameters win; the rest of the query is ignored.
    let q = "primaryColor=%23000003&companyName=Query&defaultRedirectUrl=https%3A%2F%2Fevil.example&hidePilotStatusBranding=true&backgroundColor=bad";
    let (_, b) = app.public(Method::GET, &format!("/v1/connect/{token}/branding?{q}")).await;
    let b = &b["branding"];
    assert_eq!(
        (b["primaryColor"].as_str(), b["companyName"].as_str()),
        (Some("#000003"), Some("Query"))
    );
    assert_eq!(b["defaultRedirectUrl"], json!(null));
    assert_eq!(b["hidePilotStatusBranding"], false);
    assert_eq!(b["backgroundColor"], "#F8FAFC");

    // Branding is read at view time: a tenant change shows on existing links.
    app.expect(
        Method::PUT,
        "/v1/branding",
        &t.key,
        Some(json!({ "companyName": "Acme 2" })),
        StatusCode::OK,
    )
    .await;
    let (_, info) = app.public(Method::GET, &format!("/v1/remote-pairing/{token}")).await;
    assert_eq!(info["branding"]["companyName"], "Acme 2");
}
