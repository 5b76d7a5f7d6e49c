//! Settings, templates, and sending links over WhatsApp from the default sender.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Tenant, TestApp, spawn_app};

const BODY: &str = "Olá {{name}}! Conecte seu WhatsApp: {{link}}";

async fn open_sender(app: &TestApp, t: &Tenant) -> String {
    let id = app.create_number(&t.key, "Sender", "5511900000001").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;
    id
}

async fn link_with_send(app: &TestApp, t: &Tenant, phone: &str) -> Value {
    app.create_link(&t.key, json!({ "name": "Cliente", "number": phone, "sendViaWhatsApp": true }))
        .await
}

#[tokio::test]
async fn links_are_sent_from_the_default_sender_with_the_template() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let sender = open_sender(&app, &t).await;
    app.expect(
        Method::POST,
        "/v1/templates",
        &t.key,
        Some(json!({ "name": "pilot_status_remote_pairing", "category": "OTP", "language": "pt_BR", "body": BODY })),
        StatusCode::CREATED,
    )
    .await;
    let settings = app
        .expect(
            Method::PUT,
            "/v1/settings",
            &t.key,
            Some(json!({ "defaultSenderNumberId": sender })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(settings["defaultSenderNumberId"], sender.as_str());

    let link = link_with_send(&app, &t, "5511988887777").await;
    assert_eq!(link["messageSent"], true, "{link}");
    assert!(link.get("messageError").is_none());
    let sent = app.get(&format!("/v1/numbers/{sender}/sandbox/messages"), &t.key).await;
    assert_eq!(sent.as_array().unwrap().len(), 1);
    assert_eq!(sent[0]["to"], "+5511988887777");
    assert_eq!(
        sent[0]["body"],
        format!("Olá Cliente! Conecte seu WhatsApp: {}", link["remotePairingUrl"].as_str().unwrap())
    );
}

#[tokio::test]
async fn each_missing_piece_is_reported_and_the_link_is_made_anyway() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let mut phone = 5511988880000u64;
    let mut expect_error = async |code: &str| {
        phone += 1;
        let link = link_with_send(&app, &t, &phone.to_string()).await;
        assert_eq!(
            (link["messageSent"].as_bool(), link["messageError"].as_str()),
            (Some(false), Some(code)),
            "{link}"
        );
        assert_eq!(link["instance"]["state"], "CLOSE");
    };
    expect_error("TEMPLATE_NOT_FOUND").await;
    app.expect(
        Method::POST,
        "/v1/templates",
        &t.key,
        Some(json!({ "name": "pilot_status_remote_pairing", "category": "OTP", "body": BODY })),
        StatusCode::CREATED,
    )
    .await;
    expect_error("SENDER_NOT_CONFIGURED").await;
    let sender = app.create_number(&t.key, "Sender", "5511900000001").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.expect(
        Method::PUT,
        "/v1/settings",
        &t.key,
        Some(json!({ "defaultSenderNumberId": sender })),
        StatusCode::OK,
    )
    .await;
    expect_error("SENDER_NOT_CONNECTED").await;
    app.expect(Method::DELETE, &format!("/v1/numbers/{sender}"), &t.key, None, StatusCode::OK)
        .await;
    expect_error("SENDER_NOT_CONFIGURED").await;
}

#[tokio::test]
async fn settings_accept_only_the_tenants_live_numbers() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    let theirs = app.create_number(&other.key, "X", "5511900000009").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({ "defaultSenderNumberId": theirs }).to_string();
    app.expect_error(
        Method::PUT,
        "/v1/settings",
        Some(&t.key),
        Some(&body),
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    )
    .await;
    assert_eq!(
        app.get("/v1/settings", &t.key).await,
        json!({ "defaultSenderNumberId": null, "embedOrigins": [], "engine": null, "repairLinkOnDisconnect": false, "numberKeysSendLinks": false, "officialFallback": false })
    );
    let mine = app.create_number(&t.key, "A", "5511900000001").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.expect(
        Method::PUT,
        "/v1/settings",
        &t.key,
        Some(json!({ "defaultSenderNumberId": mine })),
        StatusCode::OK,
    )
    .await;
    let cleared = app
        .expect(
            Method::PUT,
            "/v1/settings",
            &t.key,
            Some(json!({ "defaultSenderNumberId": null, "embedOrigins": [] })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        cleared,
        json!({ "defaultSenderNumberId": null, "embedOrigins": [], "engine": null, "repairLinkOnDisconnect": false, "numberKeysSendLinks": false, "officialFallback": false })
    );
}

#[tokio::test]
async fn templates_crud_with_validation() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let created = app
        .expect(
            Method::POST,
            "/v1/templates",
            &t.key,
            Some(json!({ "name": "welcome", "category": "utility", "body": "Hi {{name}}" })),
            StatusCode::CREATED,
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("tpl_"));
    assert_eq!(
        (created["category"].as_str(), created["language"].as_str()),
        (Some("UTILITY"), Some("en"))
    );
    assert_eq!(app.get("/v1/templates", &t.key).await.as_array().unwrap().len(), 1);
    assert_eq!(app.get(&format!("/v1/templates/{id}"), &t.key).await["body"], "Hi {{name}}");

    let dup = json!({ "name": "welcome", "category": "UTILITY", "body": "x" }).to_string();
    app.expect_error(
        Method::POST,
        "/v1/templates",
        Some(&t.key),
        Some(&dup),
        StatusCode::CONFLICT,
        "TEMPLATE_ALREADY_EXISTS",
    )
    .await;
    for (body, field) in [
        (json!({ "name": "Bad Name", "category": "OTP", "body": "x" }), "name"),
        (json!({ "name": "a", "category": "PROMO", "body": "x" }), "category"),
        (json!({ "name": "a", "category": "OTP", "body": "" }), "body"),
        (json!({ "name": "a", "category": "OTP", "body": "Hi {{first_name}}" }), "body"),
        (
            json!({ "name": "a", "category": "OTP", "body": "x", "language": "portuguese" }),
            "language",
        ),
        (
            json!({ "name": "pilot_status_remote_pairing", "category": "OTP", "body": "no link here" }),
            "body",
        ),
        (
            json!({ "name": "pilot_status_remote_pairing", "category": "MARKETING", "body": "{{link}}" }),
            "category",
        ),
    ] {
        let err = app
            .expect_error(
                Method::POST,
                "/v1/templates",
                Some(&t.key),
                Some(&body.to_string()),
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
            )
            .await;
        assert!(err["error"].as_str().unwrap().starts_with(field), "{body} → {err}");
    }

    let updated = app
        .expect(
            Method::PUT,
            &format!("/v1/templates/{id}"),
            &t.key,
            Some(json!({ "body": "Hello {{name}}" })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(updated["body"], "Hello {{name}}");
    let change = json!({ "category": "MARKETING" }).to_string();
    app.expect_error(
        Method::PUT,
        &format!("/v1/templates/{id}"),
        Some(&t.key),
        Some(&change),
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    )
    .await;

    let other = app.tenant("Other").await;
    app.expect_error(
        Method::GET,
        &format!("/v1/templates/{id}"),
        Some(&other.key),
        None,
        StatusCode::NOT_FOUND,
        "TEMPLATE_NOT_FOUND",
    )
    .await;
    app.expect(Method::DELETE, &format!("/v1/templates/{id}"), &t.key, None, StatusCode::OK)
        .await;
    app.expect_error(
        Method::DELETE,
        &format!("/v1/templates/{id}"),
        Some(&t.key),
        None,
        StatusCode::NOT_FOUND,
        "TEMPLATE_NOT_FOUND",
    )
    .await;
}

#[tokio::test]
async fn embed_origins_are_validated_and_set_the_pages_frame_ancestors() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let bad = json!({ "embedOrigins": ["https://ok.example", "https://x.example/path"] }).to_string();
    let err = app
        .expect_error(
            Method::PUT,
            "/v1/settings",
            Some(&t.key),
            Some(&bad),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        )
        .await;
    assert!(err["error"].as_str().unwrap().starts_with("embedOrigins[1]"), "{err}");
    let saved = app
        .expect(
            Method::PUT,
            "/v1/settings",
            &t.key,
            Some(json!({ "embedOrigins": ["https://app.acme.example/", "http://localhost:5173"] })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(saved["embedOrigins"], json!(["https://app.acme.example", "http://localhost:5173"]));

    let link = app.create_link(&t.key, json!({ "name": "A", "number": "5511999998888" })).await;
    let url = link["remotePairingUrl"].as_str().unwrap();
    let res = reqwest::get(url).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(
        csp.ends_with("frame-ancestors https://app.acme.example http://localhost:5173"),
        "{csp}"
    );
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let html = res.text().await.unwrap();
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the nonce"
    );
    assert!(!html.contains(&t.key));

    let home = reqwest::get(format!("{}/", app.base)).await.unwrap();
    assert!(
        home.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .ends_with("frame-ancestors 'none'")
    );
}

/// As documented, a number-scoped key reads and writes its tenant's templates (a number's own
/// integration sends with them), and never another tenant's.
#[tokio::test]
async fn number_keys_read_and_write_their_tenants_templates() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let number = open_sender(&app, &t).await;
    let key = app.number_key(&t, &number).await;
    let body = json!({ "name": "pilot_status_remote_pairing", "category": "OTP", "body": BODY });
    let created = app
        .expect(Method::POST, "/v1/templates", &key, Some(body), StatusCode::CREATED)
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/v1/templates", &t.key).await[0]["id"],
        id.as_str(),
        "the tenant's template"
    );
    assert_eq!(app.get("/v1/templates", &key).await[0]["id"], id.as_str());
    let change = json!({ "body": "Oi {{name}}: {{link}}" });
    let updated = app
        .expect(Method::PUT, &format!("/v1/templates/{id}"), &key, Some(change), StatusCode::OK)
        .await;
    assert_eq!(updated["body"], "Oi {{name}}: {{link}}");

    let other = app.tenant("Other").await;
    let other_number = app.create_number(&other.key, "Other", "5511900000002").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_key = app.number_key(&other, &other_number).await;
    for method in [Method::GET, Method::DELETE] {
        app.expect_error(
            method,
            &format!("/v1/templates/{id}"),
            Some(&other_key),
            None,
            StatusCode::NOT_FOUND,
            "TEMPLATE_NOT_FOUND",
        )
        .await;
    }
    assert_eq!(app.get("/v1/templates", &other_key).await, json!([]));
    app.expect(Method::DELETE, &format!("/v1/templates/{id}"), &key, None, StatusCode::OK)
        .await;
}

/// The number `operator_sender_number_id` names (this test's operator's), once the app is
/// restarted with it configured.
static OPERATOR_SENDER: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// A tenant with no sender of its own has its links sent from the operator's number: with its
/// own template when it has one, else with the built-in message in the link's language. A
/// tenant that set its own sender keeps it, and its messages keep their codes.
#[tokio::test]
async fn tenants_without_a_sender_send_from_the_operators_number() {
    let app = spawn_app().await;
    let operator = app.tenant("Operator").await;
    let op_sender = open_sender(&app, &operator).await;
    OPERATOR_SENDER.set(op_sender.clone()).unwrap();
    let app = crate::helpers::spawn_with(crate::helpers::Options {
        database: Some(app.stop()),
        configure: |c| c.operator_sender_number_id = OPERATOR_SENDER.get().cloned().unwrap_or_default(),
        ..Default::default()
    })
    .await;
    let sent = async |app: &TestApp| app.get(&format!("/v1/numbers/{op_sender}/sandbox/messages"), &operator.key).await;

    let t = app.tenant("Acme").await;
    let link = app
        .create_link(
            &t.key,
            json!({ "name": "Ana", "number": "5511988881111", "locale": "pt-BR", "sendViaWhatsApp": true }),
        )
        .await;
    assert_eq!(link["messageSent"], true, "{link}");
    let url = link["remotePairingUrl"].as_str().unwrap();
    assert_eq!(sent(&app).await[0]["body"], format!("Olá Ana! Conecte seu WhatsApp aqui: {url}"));
    assert_eq!(sent(&app).await[0]["to"], "+5511988881111");

    app.expect(
        Method::POST,
        "/v1/templates",
        &t.key,
        Some(json!({ "name": "pilot_status_remote_pairing", "category": "OTP", "body": BODY })),
        StatusCode::CREATED,
    )
    .await;
    let link = link_with_send(&app, &t, "5511988882222").await;
    assert_eq!(link["messageSent"], true, "{link}");
    let url = link["remotePairingUrl"].as_str().unwrap();
    assert_eq!(sent(&app).await[1]["body"], format!("Olá Cliente! Conecte seu WhatsApp: {url}"));

    // A sender of its own wins, and is held to the usual rules.
    let own = app.create_number(&t.key, "Own", "5511900000009").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.expect(
        Method::PUT,
        "/v1/settings",
        &t.key,
        Some(json!({ "defaultSenderNumberId": own })),
        StatusCode::OK,
    )
    .await;
    let link = link_with_send(&app, &t, "5511988883333").await;
    assert_eq!(link["messageError"], "SENDER_NOT_CONNECTED");
    assert_eq!(sent(&app).await.as_array().unwrap().len(), 2);
}

/// A number-scoped key belongs to one number's integration: it does not get to message any
/// phone from the tenant's own number unless the tenant says so.
#[tokio::test]
async fn number_keys_send_from_the_tenants_number_only_when_allowed() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let sender = open_sender(&app, &t).await;
    app.expect(
        Method::POST,
        "/v1/templates",
        &t.key,
        Some(json!({ "name": "pilot_status_remote_pairing", "category": "OTP", "body": BODY })),
        StatusCode::CREATED,
    )
    .await;
    let settings = app
        .expect(
            Method::PUT,
            "/v1/settings",
            &t.key,
            Some(json!({ "defaultSenderNumberId": sender })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(settings["numberKeysSendLinks"], false, "off by default");
    let number = app.create_number(&t.key, "Loja", "5511977770001").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = app.number_key(&t, &number).await;
    let path = format!("/v1/numbers/{number}/remote-pairing");
    let body = json!({ "sendViaWhatsApp": true });
    let link = app.expect(Method::POST, &path, &key, Some(body.clone()), StatusCode::CREATED).await;
    assert_eq!(link["messageSent"], false, "{link}");
    assert!(link["messageError"].as_str().unwrap().starts_with("SENDER_NOT_ALLOWED"), "{link}");
    let sent = app.get(&format!("/v1/numbers/{sender}/sandbox/messages"), &t.key).await;
    assert!(sent.as_array().unwrap().is_empty());

    app.expect(
        Method::PUT,
        "/v1/settings",
        &t.key,
        Some(json!({ "numberKeysSendLinks": true })),
        StatusCode::OK,
    )
    .await;
    let link = app.expect(Method::POST, &path, &key, Some(body), StatusCode::CREATED).await;
    assert_eq!(link["messageSent"], true, "{link}");
    // The tenant's own key was never limited.
    assert_eq!(link_with_send(&app, &t, "5511977770002").await["messageSent"], true);
}

/// The customer's name goes into a WhatsApp message from the tenant's number: it is a name,
/// not a link, an address, markup or text that reorders the message around it.
#[tokio::test]
async fn names_that_would_change_the_message_are_refused() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    for (i, name) in [
        "Pay now at https://evil.example",
        "Ana\u{202e}kcilc",
        "a\nb",
        "{{link}}",
        &"x".repeat(101),
    ]
    .into_iter()
    .enumerate()
    {
        let body = json!({ "name": name, "number": format!("551197777100{i}") });
        let err = app
            .expect(
                Method::POST,
                "/v1/numbers/remote-pairing",
                &t.key,
                Some(body),
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert!(err["error"].as_str().unwrap().starts_with("name"), "{name:?}: {err}");
    }
    app.create_link(&t.key, json!({ "name": "Joe's Café (Centro)", "number": "5511977771009" }))
        .await;
}
