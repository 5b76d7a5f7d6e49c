//! API keys (shown once, listed by last four, revoked), templates and the default sender.
use reqwest::{Method, StatusCode};

use crate::admin_support::{assert_code, login, user};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_key_is_shown_once_works_and_stops_when_revoked() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;
    let made = ana.ok("keys/create", &[("name", "Backend")]).await;
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("pl_"));
    assert_eq!(made["key"]["last4"], &secret[secret.len() - 4..]);
    let (_, list) = ana.read("keys", &[]).await;
    let text = list.to_string();
    assert!(!text.contains(&secret), "the list never shows a key");
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        2,
        "the tenant's first key and the new one: {list}"
    );
    app.get("/v1/numbers", &secret).await;

    let id = made["key"]["id"].as_str().unwrap();
    ana.ok("keys/revoke", &[("id", id)]).await;
    let (status, _) = app.raw(Method::GET, "/v1/numbers", Some(&secret), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_code(
        ana.change("keys/revoke", &[("id", id)]).await,
        StatusCode::NOT_FOUND,
        "KEY_NOT_FOUND",
    );
    assert_code(
        ana.change("keys/create", &[("name", " ")]).await,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    );
}

#[tokio::test]
async fn templates_and_the_default_sender_are_managed_through_the_settings_rules() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;
    let body = "Oi {{name}}: {{link}}";
    let t = ana
        .ok(
            "templates/save",
            &[
                ("input[name]", "pilot_status_remote_pairing"),
                ("input[category]", "OTP"),
                ("input[language]", "pt_BR"),
                ("input[body]", body),
            ],
        )
        .await;
    let id = t["id"].as_str().unwrap().to_owned();
    let edited = ana
        .ok(
            "templates/save",
            &[
                ("id", &id),
                ("input[name]", "pilot_status_remote_pairing"),
                ("input[language]", "pt_BR"),
                ("input[body]", "{{name}} {{link}} !"),
            ],
        )
        .await;
    assert_eq!(edited["body"], "{{name}} {{link}} !");
    let rest = app.get("/v1/templates", &acme.key).await;
    assert_eq!(rest.to_string().matches("pilot_status_remote_pairing").count(), 1, "{rest}");
    let (status, _) = ana
        .change(
            "templates/save",
            &[("input[name]", "x"), ("input[category]", "NOPE"), ("input[body]", "b")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    ana.ok("templates/delete", &[("id", &id)]).await;
    let (_, list) = ana.read("templates", &[]).await;
    assert!(list.as_array().unwrap().is_empty());

    let number = ana
        .ok("numbers/create", &[("input[name]", "Sender"), ("input[phone]", "+5511966665555")])
        .await;
    let nid = number["id"].as_str().unwrap();
    ana.ok("sender/set", &[("number_id", nid)]).await;
    let (_, sender) = ana.read("sender", &[]).await;
    assert_eq!(sender["default_sender"], nid);
    assert_eq!(sender["number"]["id"], nid, "the form shows the chosen number: {sender}");
    ana.ok("sender/set", &[("number_id", "")]).await;
    let (_, sender) = ana.read("sender", &[]).await;
    assert!(sender["default_sender"].is_null());
    assert_code(
        ana.change("sender/set", &[("number_id", "num_nope")]).await,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    );
}
