//! The embedded engine inside the app, its socket pointed at a closed local port (the test
//! helper's default): default engine choice, device stores on disk, the watchdog's reports,
//! re-pair links, and one owner per session across two apps on one PostgreSQL.
use std::time::Duration;

use pairlink::server::domain::NumberId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, pg_database, spawn_with};

fn quick(c: &mut pairlink::server::config::Config) {
    c.embedded_connect_timeout_seconds = 1;
    c.embedded_disconnect_confirm_seconds = 1;
    c.embedded_resume_stagger_millis = 10;
    c.embedded_lease_seconds = 3;
}

/// Waits (bounded) until `check` holds; the bound only keeps a broken build from hanging.
async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never: {what}");
}

async fn state_of(app: &TestApp, key: &str, id: &str) -> String {
    app.get(&format!("/v1/numbers/{id}"), key).await["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn id_of(created: &Value) -> String {
    created["instance"]["id"].as_str().unwrap().to_owned()
}

async fn store_path(app: &TestApp, id: &str) -> std::path::PathBuf {
    app.state
        .engines
        .embedded()
        .expect("embedded engine")
        .files()
        .path(&NumberId::from_trusted(id))
}

/// Marks the number paired, as if a phone had scanned (WhatsApp itself is out of reach).
async fn mark_paired(app: &TestApp, tenant: &str, id: &str) {
    let tenant = pairlink::server::domain::TenantId::from_trusted(tenant);
    let number = NumberId::from_trusted(id);
    let now = app.state.clock.now();
    app.state
        .store
        .transition_number(&tenant, &number, pairlink::server::domain::NumberState::Open, now, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn outside_sandbox_mode_numbers_get_the_embedded_engine_and_its_store_follows_them() {
    let app = spawn_with(Options {
        sandbox: false,
        configure: quick,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let created = app.create_number(&t.key, "Shop", "5511999998888").await;
    assert_eq!(created["instance"]["engine"], "embedded");
    assert_eq!(created["instance"]["state"], "CONNECTING");
    let id = id_of(&created);
    let path = store_path(&app, &id).await;
    assert!(path.exists(), "one device store per number");

    // WhatsApp is unreachable: the window fails and the number falls back to CLOSE.
    eventually("the window closes", || async { state_of(&app, &t.key, &id).await == "CLOSE" }).await;
    let events = app.get(&format!("/v1/numbers/{id}/events"), &t.key).await;
    assert!(
        events.as_array().unwrap().iter().all(|e| e["event"] != "number.disconnected"),
        "a window that never paired disconnects nothing: {events}"
    );

    app.expect(Method::DELETE, &format!("/v1/numbers/{id}"), &t.key, None, StatusCode::OK)
        .await;
    assert!(!path.exists(), "deleting the number removes its store");
}

#[tokio::test]
async fn tenants_pick_their_engine_among_those_the_server_runs() {
    let app = spawn_with(Options {
        configure: quick,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    assert_eq!(
        app.create_number(&t.key, "A", "5511900000001").await["instance"]["engine"],
        "sandbox"
    );
    let saved = app
        .expect(
            Method::PUT,
            "/v1/settings",
            &t.key,
            Some(json!({ "engine": "embedded" })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(saved["engine"], "embedded");
    let b = app.create_number(&t.key, "B", "5511900000002").await;
    assert_eq!(b["instance"]["engine"], "embedded");
    app.expect_error(
        Method::PUT,
        "/v1/settings",
        Some(&t.key),
        Some(&json!({ "engine": "telegram" }).to_string()),
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    )
    .await;
    let cleared = app
        .expect(Method::PUT, "/v1/settings", &t.key, Some(json!({ "engine": null })), StatusCode::OK)
        .await;
    assert_eq!(cleared["engine"], json!(null));
    assert_eq!(
        app.create_number(&t.key, "C", "5511900000003").await["instance"]["engine"],
        "sandbox"
    );
}

#[tokio::test]
async fn after_a_restart_an_unreachable_session_is_reported_with_a_repair_link_once() {
    let app = spawn_with(Options {
        sandbox: false,
        configure: quick,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    app.expect(
        Method::PUT,
        "/v1/settings",
        &t.key,
        Some(json!({ "repairLinkOnDisconnect": true })),
        StatusCode::OK,
    )
    .await;
    let hooks = crate::receiver::receiver(200).await;
    crate::receiver::subscribe_all(&app, &t.key, &hooks).await;
    let id = id_of(&app.create_number(&t.key, "Shop", "5511999998888").await);
    eventually("the first window closes", || async { state_of(&app, &t.key, &id).await == "CLOSE" }).await;
    mark_paired(&app, &t.id, &id).await;

    let database = app.stop();
    let app = spawn_with(Options {
        sandbox: false,
        database: Some(database),
        configure: quick,
        ..Options::default()
    })
    .await;
    let number = NumberId::from_trusted(&id);
    let engine = app.state.engines.embedded().unwrap().clone();
    eventually("resumed from its keys", || async { engine.is_running(&number).await }).await;
    eventually("the watchdog reports it", || async { state_of(&app, &t.key, &id).await == "CLOSE" }).await;
    let events = app.get(&format!("/v1/numbers/{id}/events"), &t.key).await;
    let disconnected: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "number.disconnected")
        .collect();
    assert_eq!(disconnected.len(), 1, "{events}");
    let stored = &disconnected[0]["data"];
    assert_eq!(stored["reason"], "connection_lost", "{stored}");
    // What is stored names the link; its token is derived when the webhook is sent, so the
    // events table (and any dump of it) holds no usable link.
    assert!(stored["repairLink"]["linkId"].as_str().unwrap().starts_with("lnk_"), "{stored}");
    assert!(
        stored["repairLink"].get("url").is_none() && !stored.to_string().contains("rp_"),
        "{stored}"
    );
    let mut sent = None;
    for _ in 0..250 {
        let got = hooks.received_requests().await.unwrap_or_default();
        sent = got
            .iter()
            .map(crate::receiver::body_json)
            .find(|b| b["event"] == "number.disconnected");
        if sent.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let data = sent.expect("number.disconnected is delivered")["data"].clone();
    assert_eq!(data["repairLink"]["linkId"], stored["repairLink"]["linkId"]);
    let url = data["repairLink"]["url"].as_str().expect("a re-pair link");
    assert!(url.starts_with(&format!("{}/connect/", app.base)), "{url}");
    // The link works: its page opens.
    let page = reqwest::get(url).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
}

/// Two apps on one PostgreSQL: a session runs on exactly one; when that one goes, the other
/// takes over from the keys in the database (restored into its own, empty data folder).
#[tokio::test]
async fn one_owner_per_session_and_takeover_from_the_shared_keys() {
    let database = pg_database().await;
    let database_dir = database.1.clone();
    let a = spawn_with(Options {
        sandbox: false,
        database: Some(database.clone()),
        configure: quick,
        ..Options::default()
    })
    .await;
    let b = spawn_with(Options {
        sandbox: false,
        database: Some(database),
        // Another machine: its own data folder.
        configure: |c| {
            quick(c);
            c.embedded_data_dir.push_str("-b");
        },
        ..Options::default()
    })
    .await;
    let (ea, eb) = (
        a.state.engines.embedded().unwrap().clone(),
        b.state.engines.embedded().unwrap().clone(),
    );
    assert_ne!(ea.holder(), eb.holder());
    let t = a.tenant("Acme").await;
    let id = id_of(&a.create_number(&t.key, "Shop", "5511999998888").await);
    let number = NumberId::from_trusted(&id);
    let leases = a.state.store.clone();
    let holder = || async { leases.lease_holder(&number).await.unwrap() };
    assert_eq!(holder().await.as_deref(), Some(ea.holder()), "the window runs where it was opened");

    // The other process opens no second socket: it asks the owner, and answers with the
    // owner's window.
    let from_a = a
        .expect(Method::GET, &format!("/v1/numbers/{id}/connect"), &t.key, None, StatusCode::OK)
        .await;
    let from_b = b
        .expect(Method::GET, &format!("/v1/numbers/{id}/connect"), &t.key, None, StatusCode::OK)
        .await;
    assert_eq!(from_b["windowEndsAt"], from_a["windowEndsAt"], "one window: {from_a} {from_b}");
    assert_eq!(holder().await.as_deref(), Some(ea.holder()), "still one owner");

    eventually("the window closes", || async { state_of(&a, &t.key, &id).await == "CLOSE" }).await;
    let store = a.state.store.clone();
    eventually("keys copied to the database", || async {
        store.load_device_keys(&number).await.unwrap().is_some()
    })
    .await;
    // A process that ran the paired session crashed: its lease stands until it lapses.
    eventually("the closed window's lease is released", || async {
        store.acquire_lease(&number, "crashed", Duration::from_secs(2)).await.unwrap()
    })
    .await;
    mark_paired(&a, &t.id, &id).await;
    assert!(
        !store.acquire_lease(&number, ea.holder(), Duration::from_millis(1)).await.unwrap(),
        "a lease in force is not taken"
    );

    // Once it lapses, exactly one process adopts the session, and never both at once.
    let mut seen_owner = None;
    for _ in 0..600 {
        let (ra, rb) = (ea.is_running(&number).await, eb.is_running(&number).await);
        assert!(!(ra && rb), "two processes run one device");
        if ra || rb {
            seen_owner = Some(if ra { ea.holder().to_owned() } else { eb.holder().to_owned() });
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let owner = seen_owner.expect("someone takes the session over");
    eventually("the lease names the owner", || async {
        holder().await.as_deref() == Some(owner.as_str())
    })
    .await;

    // The owner stops cleanly: the lease is released and the other takes over at once.
    let (gone, heir) = if owner == ea.holder() { (&a, &eb) } else { (&b, &ea) };
    gone.state.stop_background();
    gone.state.engines.shutdown().await;
    eventually("the other process takes over", || async { heir.is_running(&number).await }).await;
    assert_eq!(holder().await.as_deref(), Some(heir.holder()));
    assert!(heir.files().path(&number).exists(), "the heir runs from the keys in its own folder");

    // A third machine, with an empty data folder, can only start from the database's copy.
    let c = spawn_with(Options {
        sandbox: false,
        database: Some((a.database_url.clone(), database_dir)),
        configure: |c| {
            quick(c);
            c.embedded_data_dir.push_str("-c");
        },
        ..Options::default()
    })
    .await;
    let ec = c.state.engines.embedded().unwrap().clone();
    assert!(!ec.files().path(&number).exists());
    let heir_app = if heir.holder() == ea.holder() { &a } else { &b };
    heir_app.state.stop_background();
    heir_app.state.engines.shutdown().await;
    eventually("the third process takes over", || async { ec.is_running(&number).await }).await;
    assert!(ec.files().path(&number).exists(), "restored from the shared database");
    assert_eq!(holder().await.as_deref(), Some(ec.holder()));
}

/// A process that finds its lease taken (it stalled past the lease, another took over) stops
/// its client at the next renewal: never two clients on one device.
#[tokio::test]
async fn a_process_that_lost_its_lease_stops_its_client() {
    let app = spawn_with(Options {
        sandbox: false,
        configure: |c| {
            quick(c);
            // The window must outlive a renewal for this test.
            c.embedded_connect_timeout_seconds = 120;
        },
        ..Options::default()
    })
    .await;
    let engine = app.state.engines.embedded().unwrap().clone();
    let t = app.tenant("Acme").await;
    let id = id_of(&app.create_number(&t.key, "Shop", "5511999998888").await);
    let number = NumberId::from_trusted(&id);
    assert!(engine.is_running(&number).await);

    let store = app.state.store.clone();
    store.release_lease(&number, engine.holder()).await.unwrap();
    assert!(
        store
            .acquire_lease(&number, "other-process", Duration::from_secs(60))
            .await
            .unwrap()
    );

    eventually("the client stops", || async { !engine.is_running(&number).await }).await;
    assert_eq!(
        store.lease_holder(&number).await.unwrap().as_deref(),
        Some("other-process"),
        "stopping leaves the other process's lease alone"
    );
}
