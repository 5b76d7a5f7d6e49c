//! A second tenant never reaches the first one's data through a dashboard server function,
//! even with a valid session of its own.
use reqwest::StatusCode;

use crate::admin_support::{assert_code, login, user};
use crate::helpers::spawn_app;

#[tokio::test]
async fn another_tenants_session_sees_and_changes_nothing_of_ours() {
    let app = spawn_app().await;
    let (acme, other) = (app.tenant("Acme").await, app.tenant("Other").await);
    user(&app, &acme, "ana@acme.example").await;
    user(&app, &other, "eve@other.example").await;
    let (ana, eve) = (login(&app, "ana@acme.example").await, login(&app, "eve@other.example").await);

    let made = ana
        .ok("numbers/create", &[("input[name]", "Support"), ("input[phone]", "+5511999990001")])
        .await;
    let id = made["id"].as_str().unwrap().to_owned();
    let deleted = ana
        .ok("numbers/create", &[("input[name]", "Old"), ("input[phone]", "+5511999990002")])
        .await;
    let deleted_id = deleted["id"].as_str().unwrap().to_owned();
    ana.ok("numbers/delete", &[("id", &deleted_id)]).await;

    // Reads: lists are empty, direct ids are "not found".
    let (status, list) = eve.read("numbers", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list["live"].as_array().unwrap().is_empty() && list["deleted"].as_array().unwrap().is_empty(),
        "{list}"
    );
    assert_code(
        eve.read("numbers/pairing", &[("id", &id)]).await,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    );
    let (_, sessions) = eve.read("sessions", &[]).await;
    assert_eq!(sessions.as_array().unwrap().len(), 1, "only Eve's own session: {sessions}");

    // Changes: each is refused as if the id did not exist.
    for path in ["numbers/delete", "numbers/connect"] {
        assert_code(eve.change(path, &[("id", &id)]).await, StatusCode::NOT_FOUND, "NUMBER_NOT_FOUND");
    }
    for path in ["numbers/restore", "numbers/purge"] {
        assert_code(
            eve.change(path, &[("id", &deleted_id)]).await,
            StatusCode::NOT_FOUND,
            "NUMBER_NOT_FOUND",
        );
    }
    let (_, ana_sessions) = ana.read("sessions", &[]).await;
    let ana_session = ana_sessions[0]["id"].as_str().unwrap();
    assert_code(
        eve.change("sessions/revoke", &[("id", ana_session)]).await,
        StatusCode::NOT_FOUND,
        "SESSION_NOT_FOUND",
    );

    // Links, keys, templates, the sender: Eve sees none of Ana's and changes none.
    ana.ok("links/create", &[("input[name]", "L"), ("input[phone]", "+5511999990003")])
        .await;
    let key = ana.ok("keys/create", &[("name", "Ana's")]).await;
    let key_id = key["key"]["id"].as_str().unwrap();
    let tpl = ana
        .ok(
            "templates/save",
            &[
                ("input[name]", "hello"),
                ("input[category]", "UTILITY"),
                ("input[language]", "en"),
                ("input[body]", "hi"),
            ],
        )
        .await;
    let tpl_id = tpl["id"].as_str().unwrap();
    for read in ["links", "keys", "templates"] {
        let (status, list) = eve.read(read, &[]).await;
        assert_eq!(status, StatusCode::OK);
        // The links and keys come a page at a time.
        let items = if read == "templates" { &list } else { &list["items"] };
        let ids: Vec<&str> = items.as_array().unwrap().iter().filter_map(|i| i["id"].as_str()).collect();
        assert!(!ids.contains(&key_id) && !ids.contains(&tpl_id), "{read}: {list}");
    }
    let (_, sender) = eve.read("sender", &[]).await;
    assert!(sender["number"].is_null(), "{sender}");
    let (_, choices) = eve.read("numbers/choices", &[("q", ""), ("chosen", &id)]).await;
    assert!(choices["matches"].as_array().unwrap().is_empty(), "{choices}");
    assert!(choices["chosen"].is_null(), "Ana's number is not Eve's to show: {choices}");
    assert_code(
        eve.change("links/revoke", &[("number_id", &id)]).await,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    );
    assert_code(
        eve.change("links/reissue", &[("number_id", &id)]).await,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    );
    assert_code(
        eve.change("keys/revoke", &[("id", key_id)]).await,
        StatusCode::NOT_FOUND,
        "KEY_NOT_FOUND",
    );
    assert_code(
        eve.change("templates/delete", &[("id", tpl_id)]).await,
        StatusCode::NOT_FOUND,
        "TEMPLATE_NOT_FOUND",
    );
    assert_code(
        eve.change("sender/set", &[("number_id", &id)]).await,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    );

    ana.ok("branding/save", &[("input[company_name]", "Acme Secret Brand")]).await;
    let (_, theirs) = eve.read("branding", &[]).await;
    assert!(theirs["companyName"].is_null(), "{theirs}");
    let (_, log) = eve.read("audit", &[("action", ""), ("actor", ""), ("cursor", "")]).await;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_label"] == "eve@other.example"),
        "{log}"
    );

    // Webhooks: Eve lists none of Ana's endpoints or deliveries and reaches none by id.
    let hook = ana
        .ok(
            "webhooks/create",
            &[("input[url]", "https://hooks.example.com/in"), ("input[events][]", "*")],
        )
        .await;
    let hook_id = hook["webhook"]["id"].as_str().unwrap().to_owned();
    let test = ana.ok("webhooks/test", &[("id", &hook_id)]).await;
    let delivery_id = test["id"].as_str().unwrap().to_owned();
    let (_, theirs) = eve.read("webhooks", &[]).await;
    assert!(theirs["endpoints"].as_array().unwrap().is_empty(), "{theirs}");
    let (_, log) = eve.read("webhooks/deliveries", &[("webhook_id", ""), ("status", "")]).await;
    assert!(log["items"].as_array().unwrap().is_empty(), "{log}");
    let not_found = |got| assert_code(got, StatusCode::NOT_FOUND, "WEBHOOK_NOT_FOUND");
    not_found(eve.read("webhooks/deliveries", &[("webhook_id", &hook_id), ("status", "")]).await);
    not_found(
        eve.read("webhooks/delivery", &[("webhook_id", &hook_id), ("id", &delivery_id)])
            .await,
    );
    let url = ("input[url]", "https://evil.example/in");
    not_found(eve.change("webhooks/update", &[("id", &hook_id), url]).await);
    not_found(eve.change("webhooks/active", &[("id", &hook_id), ("active", "false")]).await);
    for path in ["webhooks/rotate", "webhooks/test", "webhooks/delete"] {
        not_found(eve.change(path, &[("id", &hook_id)]).await);
    }
    not_found(
        eve.change("webhooks/replay", &[("webhook_id", &hook_id), ("id", &delivery_id)])
            .await,
    );
    // Ana's own endpoint with another tenant's delivery id is no delivery either.
    assert_code(
        ana.read("webhooks/delivery", &[("webhook_id", &hook_id), ("id", "dlv_nope")]).await,
        StatusCode::NOT_FOUND,
        "DELIVERY_NOT_FOUND",
    );

    // Logos: Eve cannot make Ana's upload her logo.
    let logo = crate::admin_logo::upload_png(&ana).await;
    let logo_path = logo["path"].as_str().unwrap();
    assert_code(
        eve.change("branding/save", &[("input[logo_url]", logo_path)]).await,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    );

    // Eve's token with Ana's cookie is no token at all.
    let (status, body, _) = crate::admin_support::call(
        &app.base,
        "numbers/delete",
        Some(&ana.cookie),
        &[("csrf", eve.csrf.as_str()), ("id", id.as_str())],
    )
    .await;
    assert_code((status, body), StatusCode::FORBIDDEN, "CSRF_FAILED");

    // Ana's data is untouched.
    let (_, mine) = ana.read("numbers", &[]).await;
    assert_eq!(mine["live"][0]["id"], id.as_str());
    assert_eq!(mine["deleted"][0]["id"], deleted_id.as_str());
    assert_eq!(ana.read("session", &[]).await.0, StatusCode::OK);
    let (_, hooks) = ana.read("webhooks", &[]).await;
    assert_eq!(hooks["endpoints"][0]["url"], "https://hooks.example.com/in", "{hooks}");
}
