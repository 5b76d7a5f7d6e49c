//! A restart keeps paired numbers paired and closes windows that died with the process.
use reqwest::{Method, StatusCode};

use crate::helpers::{Options, spawn_app, spawn_with};

#[tokio::test]
async fn paired_numbers_survive_a_restart_and_open_windows_close() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let paired = app.create_number(&t.key, "A", "5511900000001").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pairing = app.create_number(&t.key, "B", "5511900000002").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(&format!("/v1/numbers/{paired}/sandbox/scan"), &t.key).await;

    let database = app.stop();
    let app = spawn_with(Options {
        database: Some(database),
        ..Options::default()
    })
    .await;
    assert_eq!(app.get(&format!("/v1/numbers/{paired}/status"), &t.key).await["state"], "OPEN");
    assert_eq!(app.get(&format!("/v1/numbers/{pairing}/status"), &t.key).await["state"], "CLOSE");
    // The page's next connect opens a fresh window.
    app.get(&format!("/v1/numbers/{pairing}/connect"), &t.key).await;
    app.post(&format!("/v1/numbers/{pairing}/sandbox/scan"), &t.key).await;
    assert_eq!(app.event_kinds(&pairing, &t.key).await, ["number.created", "number.connected"]);
    app.expect_error(
        Method::GET,
        &format!("/v1/numbers/{paired}/connect"),
        Some(&t.key),
        None,
        StatusCode::CONFLICT,
        "NUMBER_ALREADY_CONNECTED",
    )
    .await;
}
