//! Soft delete, restore within the window, purge.
use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;

use pairlink::server::{
    clock::Clock,
    domain::{NumberId, NumberState, PhoneE164, Provider, TenantId},
    pairing::events::{Subject, number_event},
    store::NewNumber,
};

use crate::helpers::spawn_app;

#[tokio::test]
async fn delete_is_soft_and_restorable_for_thirty_days() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let id = app.create_number(&t.key, "A", "5511999998888").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;

    let deleted = app
        .expect(Method::DELETE, &format!("/v1/numbers/{id}"), &t.key, None, StatusCode::OK)
        .await;
    assert_eq!(deleted["ok"], true);
    let until: DateTime<Utc> = deleted["restorableUntil"].as_str().unwrap().parse().unwrap();
    assert_eq!(until - app.clock.now(), Duration::days(30));

    app.expect_error(
        Method::GET,
        &format!("/v1/numbers/{id}"),
        Some(&t.key),
        None,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    )
    .await;
    assert_eq!(app.get("/v1/numbers", &t.key).await, json!([]));
    let body = json!({ "name": "A", "number": "5511999998888" }).to_string();
    app.expect_error(
        Method::POST,
        "/v1/numbers",
        Some(&t.key),
        Some(&body),
        StatusCode::CONFLICT,
        "NUMBER_SOFT_DELETED",
    )
    .await;
    app.expect_error(
        Method::DELETE,
        &format!("/v1/numbers/{id}"),
        Some(&t.key),
        None,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    )
    .await;

    let restored = app.post(&format!("/v1/numbers/{id}/restore"), &t.key).await;
    assert_eq!(restored, json!({ "ok": true, "requiresReconnect": true }));
    let number = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    assert_eq!(number["state"], "CLOSE", "the device was unlinked on delete");
    app.expect_error(
        Method::POST,
        &format!("/v1/numbers/{id}/restore"),
        Some(&t.key),
        None,
        StatusCode::CONFLICT,
        "NUMBER_NOT_DELETED",
    )
    .await;
    assert_eq!(
        app.event_kinds(&id, &t.key).await,
        ["number.created", "number.connected", "number.removed", "number.restored"]
    );
}

#[tokio::test]
async fn restore_fails_after_the_window() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let id = app.create_number(&t.key, "A", "5511999998888").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.expect(Method::DELETE, &format!("/v1/numbers/{id}"), &t.key, None, StatusCode::OK)
        .await;
    app.clock.advance(Duration::days(30) + Duration::seconds(1));
    app.expect_error(
        Method::POST,
        &format!("/v1/numbers/{id}/restore"),
        Some(&t.key),
        None,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    )
    .await;
    // Still purgeable, which frees the phone.
    app.expect(Method::DELETE, &format!("/v1/numbers/{id}/purge"), &t.key, None, StatusCode::OK)
        .await;
    app.create_number(&t.key, "A", "5511999998888").await;
}

#[tokio::test]
async fn restore_is_refused_while_another_live_number_has_the_phone() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let first = app.create_number(&t.key, "A", "5511999998888").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.expect(Method::DELETE, &format!("/v1/numbers/{first}"), &t.key, None, StatusCode::OK)
        .await;
    // The API refuses a new number on a deleted number's phone, but the phone can come back
    // through another rail (a later remote-pairing link); put one there directly.
    let tenant = TenantId::from_trusted(t.id.clone());
    let new = NewNumber {
        id: NumberId::generate(),
        name: "B".into(),
        phone: PhoneE164::parse("number", "5511999998888").unwrap(),
        provider: Provider::PilotStatus,
        engine: "sandbox".into(),
        engine_ref: json!({}),
        state: NumberState::Open,
        at: app.clock.now(),
        profile: Default::default(),
    };
    let event = number_event(
        "number.created",
        Subject {
            id: &new.id,
            phone: &new.phone,
            name: &new.name,
        },
        app.clock.now(),
        json!({}),
    );
    app.state.store.create_number(&tenant, &new, &event).await.unwrap();
    app.expect_error(
        Method::POST,
        &format!("/v1/numbers/{first}/restore"),
        Some(&t.key),
        None,
        StatusCode::CONFLICT,
        "NUMBER_ALREADY_ACTIVE",
    )
    .await;
}

#[tokio::test]
async fn purge_removes_the_number_and_its_keys_for_good() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let id = app.create_number(&t.key, "A", "5511999998888").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = app.number_key(&t, &id).await;
    app.get(&format!("/v1/numbers/{id}"), &key).await;

    assert_eq!(
        app.expect(Method::DELETE, &format!("/v1/numbers/{id}/purge"), &t.key, None, StatusCode::OK)
            .await,
        json!({ "ok": true })
    );
    app.expect_error(
        Method::GET,
        "/v1/numbers",
        Some(&key),
        None,
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
    )
    .await;
    for (method, path) in [
        (Method::GET, format!("/v1/numbers/{id}")),
        (Method::POST, format!("/v1/numbers/{id}/restore")),
        (Method::DELETE, format!("/v1/numbers/{id}/purge")),
    ] {
        app.expect_error(method, &path, Some(&t.key), None, StatusCode::NOT_FOUND, "NUMBER_NOT_FOUND")
            .await;
    }
    // The phone is free again.
    app.create_number(&t.key, "A again", "5511999998888").await;
}

#[tokio::test]
async fn a_number_key_stops_working_while_its_number_is_deleted() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let id = app.create_number(&t.key, "A", "5511999998888").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = app.number_key(&t, &id).await;
    app.expect(Method::DELETE, &format!("/v1/numbers/{id}"), &key, None, StatusCode::OK)
        .await;
    app.expect_error(
        Method::GET,
        "/v1/numbers",
        Some(&key),
        None,
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
    )
    .await;
    app.post(&format!("/v1/numbers/{id}/restore"), &t.key).await;
    app.get(&format!("/v1/numbers/{id}"), &key).await;
}
