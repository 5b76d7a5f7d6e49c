//! Hosted pairing links as the platform hears them: `link.*` and `number.*` webhooks.
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    helpers::spawn_app,
    receiver::{create_webhook, receiver, settle_requests, wait_for_requests},
};

fn bodies(requests: &[wiremock::Request]) -> Vec<Value> {
    requests.iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect()
}

#[tokio::test]
async fn a_link_journey_reaches_the_platform_once_per_event() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let server = receiver(200).await;
    let events = json!(["link.opened", "link.expired", "number.connected"]);
    create_webhook(
        &app,
        &t.key,
        json!({ "url": format!("{}/hook", server.uri()), "name": "links", "events": events }),
    )
    .await;

    let link = app
        .create_link(
            &t.key,
            json!({ "name": "Cliente", "number": "5511988887777", "externalRef": "crm-7" }),
        )
        .await;
    let token = link["remotePairingToken"].as_str().unwrap();
    let id = link["numberId"].as_str().unwrap();
    app.public(Method::GET, &format!("/v1/remote-pairing/{token}")).await;
    app.public(Method::GET, &format!("/v1/remote-pairing/{token}")).await;
    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;

    let other = app
        .create_link(&t.key, json!({ "name": "Outro", "number": "5511988886666", "ttlSeconds": 60 }))
        .await;
    app.clock.advance(chrono::Duration::seconds(61));
    pairlink::server::services::sweeper::sweep_expired(&app.state).await.unwrap();

    wait_for_requests(&server, 3).await;
    let got = bodies(&settle_requests(&server).await);
    let kinds: Vec<&str> = got.iter().map(|b| b["event"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}: not number.created (not subscribed), link.opened once");
    let find = |kind: &str| {
        got.iter()
            .find(|b| b["event"] == kind)
            .unwrap_or_else(|| panic!("{kind} in {kinds:?}"))
    };
    let opened = &find("link.opened")["data"];
    assert_eq!(
        (opened["numberId"].as_str(), opened["externalRef"].as_str()),
        (Some(id), Some("crm-7"))
    );
    assert_eq!(opened["phone"], "+5511988887777");
    assert!(opened["linkId"].as_str().unwrap().starts_with("lnk_"));
    assert_eq!(find("number.connected")["data"]["numberId"], id);
    assert_eq!(find("link.expired")["data"]["numberId"], other["numberId"]);
}
