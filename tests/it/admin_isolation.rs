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
        let ids: Vec<&str> = list.as_array().unwrap().iter().filter_map(|i| i["id"].as_str()).collect();
        assert!(!ids.contains(&key_id) && !ids.contains(&tpl_id), "{read}: {list}");
    }
    let (_, sender) = eve.read("sender", &[]).await;
    assert!(sender["choices"].as_array().unwrap().is_empty(), "{sender}");
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
    let (_, log) = eve.read("audit", &[("action", ""), ("actor", ""), ("before", "")]).await;
    assert!(
        log.as_array().unwrap().iter().all(|e| e["actor_label"] == "eve@other.example"),
        "{log}"
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
}
