//! `/v1/api-keys`: listing without secrets, rotating a number's key, rotating the caller's key.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn keys_are_listed_per_number_without_secrets_and_rotate_at_once() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let a = app.create_number(&t.key, "A", "5511900000001").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create_number(&t.key, "B", "5511900000002").await;
    let old = app.number_key(&t, &a).await;

    let list = app.get("/v1/api-keys", &t.key).await;
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["numberId"], a.as_str());
    assert_eq!(items[0]["keyLast4"], &old[old.len() - 4..]);
    assert_eq!(
        (items[0]["key"].clone(), items[0]["revealable"].clone()),
        (json!(null), json!(false))
    );
    assert_eq!(items[1]["keyId"], json!(null), "B has no key yet");
    assert!(!list.to_string().contains(&old));

    let rotated = app
        .expect(
            Method::POST,
            "/v1/api-keys",
            &t.key,
            Some(json!({ "whatsappNumberId": a })),
            StatusCode::CREATED,
        )
        .await;
    let new = rotated["key"].as_str().unwrap().to_owned();
    assert!(new.starts_with("pl_") && new != old);
    assert_eq!(
        (
            rotated["scope"].as_str(),
            rotated["numberId"].as_str(),
            rotated["keyPrefix"].as_str()
        ),
        (Some("number"), Some(a.as_str()), Some("pl_"))
    );
    app.expect_error(
        Method::GET,
        "/v1/numbers",
        Some(&old),
        None,
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
    )
    .await;
    assert_eq!(app.get("/v1/numbers", &new).await[0]["id"], a.as_str());

    // Number keys may not manage keys; bad input names the field; other tenants' numbers are 404.
    app.expect_error(
        Method::GET,
        "/v1/api-keys",
        Some(&new),
        None,
        StatusCode::FORBIDDEN,
        "NUMBER_SCOPE_NOT_ALLOWED",
    )
    .await;
    app.expect_error(
        Method::POST,
        "/v1/api-keys",
        Some(&t.key),
        Some("{}"),
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    )
    .await;
    let other = app.tenant("Other").await;
    let body = json!({ "whatsappNumberId": a }).to_string();
    app.expect_error(
        Method::POST,
        "/v1/api-keys",
        Some(&other.key),
        Some(&body),
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    )
    .await;
}

#[tokio::test]
async fn regenerate_replaces_the_calling_key_with_the_same_scope() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let fresh = app
        .expect(Method::POST, "/v1/api-keys/regenerate", &t.key, None, StatusCode::CREATED)
        .await;
    let tenant_key = fresh["key"].as_str().unwrap().to_owned();
    assert_eq!((fresh["scope"].as_str(), fresh["numberId"].clone()), (Some("tenant"), json!(null)));
    app.expect_error(
        Method::GET,
        "/v1/numbers",
        Some(&t.key),
        None,
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
    )
    .await;

    let id = app.create_number(&tenant_key, "A", "5511900000001").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let t2 = crate::helpers::Tenant {
        id: t.id.clone(),
        key: tenant_key.clone(),
    };
    let number_key = app.number_key(&t2, &id).await;
    let again = app
        .expect(Method::POST, "/v1/api-keys/regenerate", &number_key, None, StatusCode::CREATED)
        .await;
    assert_eq!(
        (again["scope"].as_str(), again["whatsappNumberId"].as_str()),
        (Some("number"), Some(id.as_str()))
    );
    app.expect_error(
        Method::POST,
        "/v1/api-keys/regenerate",
        Some(&number_key),
        None,
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
    )
    .await;
}

/// The documented `x-api-key-id` header authenticates only when the operator turns it on: a
/// key id is shown in responses, so with it on the id is a credential of its own.
#[tokio::test]
async fn the_key_id_header_works_only_when_the_operator_allows_it() {
    async fn with_id(app: &crate::helpers::TestApp, id: &str) -> StatusCode {
        reqwest::Client::new()
            .get(format!("{}/v1/numbers", app.base))
            .header("x-api-key-id", id)
            .send()
            .await
            .unwrap()
            .status()
    }
    for allowed in [false, true] {
        let app = crate::helpers::spawn_with(crate::helpers::Options {
            configure: if allowed { |c| c.api_key_id_header = true } else { |_| {} },
            ..Default::default()
        })
        .await;
        let t = app.tenant("Acme").await;
        let (_, key) = app.raw(Method::POST, "/v1/api-keys/regenerate", Some(&t.key), None).await;
        let id = key["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("key_"), "{key}");
        let want = if allowed { StatusCode::OK } else { StatusCode::UNAUTHORIZED };
        assert_eq!(with_id(&app, &id).await, want, "allowed: {allowed}");
        assert_eq!(with_id(&app, "key_made_up").await, StatusCode::UNAUTHORIZED);
    }
}
