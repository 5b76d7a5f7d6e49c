//! Secrets at rest: webhook signing secrets and device key copies are sealed under the
//! deployment's key (a database dump shows neither), plaintext rows from before are sealed on
//! start-up, and a database with secrets does not start without its key.
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::Row;

use crate::helpers::{Options, TestApp, spawn_with, try_spawn_with};
use crate::receiver::{create_webhook, receiver, verify_signatures, wait_for_requests};

async fn raw_secret(app: &TestApp, webhook: &str) -> String {
    let pool = sqlx::SqlitePool::connect(app.database().0.expose()).await.unwrap();
    let row = sqlx::query("SELECT secret FROM webhook_endpoints WHERE id = ?")
        .bind(webhook)
        .fetch_one(&pool)
        .await
        .unwrap();
    row.get(0)
}

#[tokio::test]
async fn webhook_secrets_and_device_keys_are_sealed_and_still_work() {
    let app = spawn_with(Options::default()).await;
    let t = app.tenant("Acme").await;
    let hooks = receiver(200).await;
    let created = create_webhook(&app, &t.key, json!({ "url": format!("{}/hook", hooks.uri()), "events": ["*"] })).await;
    let (id, secret) = (created["id"].as_str().unwrap(), created["secret"].as_str().unwrap());
    let stored = raw_secret(&app, id).await;
    assert!(
        stored.starts_with("sealed:v1:") && !stored.contains(secret.trim_start_matches("whsec_")),
        "{stored}"
    );
    // Deliveries are signed with the secret the tenant was shown.
    app.create_number(&t.key, "Shop", "5511999990001").await;
    let got = wait_for_requests(&hooks, 1).await;
    verify_signatures(&got[0], secret);

    let number = pairlink::server::domain::NumberId::from_trusted(
        app.create_number(&t.key, "Keys", "5511999990002").await["instance"]["id"]
            .as_str()
            .unwrap(),
    );
    let keys = b"SQLite format 3\0identity and noise keys";
    app.state
        .store
        .save_device_keys(&number, keys, app.clock_now(), None)
        .await
        .unwrap();
    let pool = sqlx::SqlitePool::connect(app.database().0.expose()).await.unwrap();
    let blob: Vec<u8> = sqlx::query_scalar("SELECT store FROM device_keys WHERE number_id = ?")
        .bind(number.as_str())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(blob.starts_with(pairlink::server::crypto::BLOB_MAGIC));
    assert!(
        !blob.windows(8).any(|w| w == b"identity"),
        "the keys are not readable in the database"
    );
    assert_eq!(app.state.store.load_device_keys(&number).await.unwrap().unwrap(), keys);
}

#[tokio::test]
async fn plaintext_secrets_from_before_are_sealed_on_start() {
    let app = spawn_with(Options::default()).await;
    let t = app.tenant("Acme").await;
    let hooks = receiver(200).await;
    let created = create_webhook(&app, &t.key, json!({ "url": format!("{}/hook", hooks.uri()), "events": ["*"] })).await;
    let id = created["id"].as_str().unwrap().to_owned();
    // As an earlier version wrote it.
    let plain = "whsec_d3JpdHRlbiBiZWZvcmUgc2VhbGluZyBleGlzdGVk";
    let pool = sqlx::SqlitePool::connect(app.database().0.expose()).await.unwrap();
    sqlx::query("UPDATE webhook_endpoints SET secret = ? WHERE id = ?")
        .bind(plain)
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let database = app.stop();
    let app = spawn_with(Options {
        database: Some(database),
        ..Options::default()
    })
    .await;
    assert!(raw_secret(&app, &id).await.starts_with("sealed:v1:"));
    app.create_number(&t.key, "Shop", "5511999990003").await;
    let got = wait_for_requests(&hooks, 1).await;
    verify_signatures(&got[0], plain);
}

#[tokio::test]
async fn a_database_with_secrets_needs_its_key_to_start() {
    let app = spawn_with(Options::default()).await;
    let t = app.tenant("Acme").await;
    app.expect(
        Method::POST,
        "/v1/webhooks",
        &t.key,
        Some(json!({ "url": "http://127.0.0.1:9/hook", "events": ["*"] })),
        StatusCode::CREATED,
    )
    .await;
    let database = app.stop();
    let without = try_spawn_with(Options {
        database: Some(database.clone()),
        configure: |c| c.secrets_key = Default::default(),
        ..Options::default()
    })
    .await;
    let err = format!("{:#}", without.err().expect("refused to start"));
    assert!(err.contains("secrets_key"), "{err}");
    let wrong = try_spawn_with(Options {
        database: Some(database),
        configure: |c| c.secrets_key = pairlink::server::config::SecretSetting::new("d3JvbmcgZGVwbG95bWVudCBrZXkgZm9yIHRoZSB0ZXN0"),
        ..Options::default()
    })
    .await;
    let err = format!("{:#}", wrong.err().expect("refused to start"));
    assert!(err.contains("secrets_key"), "{err}");
}

/// A first start on a fresh SQLite database needs no set-up: the key is generated beside the
/// database, readable by this user only.
#[tokio::test]
async fn a_fresh_sqlite_database_gets_a_private_key_file() {
    let app = spawn_with(Options {
        configure: |c| c.secrets_key = Default::default(),
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    create_webhook(&app, &t.key, json!({ "url": "http://127.0.0.1:9/hook", "events": ["*"] })).await;
    let url = app.database().0.expose().to_owned();
    let db = std::path::PathBuf::from(url.trim_start_matches("sqlite://"));
    let key = db.parent().unwrap().join("secrets.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // And it opens what was sealed under it after a restart.
    let database = app.stop();
    let again = spawn_with(Options {
        database: Some(database),
        configure: |c| c.secrets_key = Default::default(),
        ..Options::default()
    })
    .await;
    again.get("/v1/webhooks", &t.key).await;
}
