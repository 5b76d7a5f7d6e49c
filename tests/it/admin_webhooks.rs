//! The dashboard's webhook section: endpoints, the secret shown once (and once per rotation),
//! test events, the delivery log with its detail, replay; the same services as `/v1/webhooks`.
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::admin_support::{Admin, assert_code, login, user};
use crate::helpers::{TestApp, spawn_app};
use crate::receiver::{body_json, receiver, str_of, verify_signatures, wait_for_requests};

async fn signed_in(app: &TestApp) -> (crate::helpers::Tenant, Admin) {
    let acme = app.tenant("Acme").await;
    user(app, &acme, "ana@acme.example").await;
    (acme, login(app, "ana@acme.example").await)
}

/// Polls the log until the delivery `id` has the status `want`, and returns its line.
async fn wait_for_status(ana: &Admin, id: &str, want: &str) -> Value {
    for _ in 0..250 {
        let (_, list) = ana.read("webhooks/deliveries", &[("webhook_id", ""), ("status", "")]).await;
        if let Some(d) = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id && d["status"] == want)
        {
            return d.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    }
    panic!("delivery {id} never became {want}");
}

#[tokio::test]
async fn an_endpoint_from_creation_to_replay() {
    let app = spawn_app().await;
    let (acme, ana) = signed_in(&app).await;
    let hook = receiver(200).await;
    let url = format!("{}/hook", hook.uri());

    let (_, empty) = ana.read("webhooks", &[]).await;
    assert!(empty["endpoints"].as_array().unwrap().is_empty(), "{empty}");
    let offered: Vec<&str> = empty["events"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for event in pairlink::server::domain::EMITTED_EVENTS {
        assert!(offered.contains(event), "the picker offers {event}");
    }

    let made = ana
        .ok(
            "webhooks/create",
            &[
                ("input[url]", url.as_str()),
                ("input[name]", "CRM"),
                ("input[events][]", "number.created"),
                ("input[events][]", "link.opened"),
            ],
        )
        .await;
    let (id, secret) = (str_of(&made["webhook"]["id"]), str_of(&made["secret"]));
    assert!(secret.starts_with("whsec_"));
    assert_eq!(made["webhook"]["events"], serde_json::json!(["number.created", "link.opened"]));
    let (_, listed) = ana.read("webhooks", &[]).await;
    assert_eq!(listed["endpoints"][0]["id"], id.as_str());
    assert!(!listed.to_string().contains(&secret), "the secret is shown only once");
    let rest = app.get(&format!("/v1/webhooks/{id}"), &acme.key).await;
    assert_eq!(rest["name"], "CRM", "the API sees what the dashboard made");

    // A test event, though the endpoint does not subscribe to it, signed with the secret.
    let queued = ana.ok("webhooks/test", &[("id", &id)]).await;
    assert_eq!(
        (queued["event"].as_str(), queued["webhook_name"].as_str()),
        (Some("webhook.test"), Some("CRM"))
    );
    let got = wait_for_requests(&hook, 1).await;
    let (event_id, _) = verify_signatures(&got[0], &secret);
    assert_eq!(body_json(&got[0])["event"], "webhook.test");
    let delivery = str_of(&queued["id"]);
    let line = wait_for_status(&ana, &delivery, "delivered").await;
    assert_eq!((line["attempts"].as_i64(), line["status_code"].as_i64()), (Some(1), Some(200)));

    let (_, detail) = ana.read("webhooks/delivery", &[("webhook_id", &id), ("id", &delivery)]).await;
    assert_eq!(detail["event_id"], event_id.as_str());
    assert!(detail["body"].as_str().unwrap().contains("webhook.test"));
    let attempt = &detail["attempts"][0];
    assert_eq!((attempt["status_code"].as_i64(), attempt["attempt"].as_i64()), (Some(200), Some(1)));
    let headers: Vec<(String, String)> = serde_json::from_value(attempt["request_headers"].clone()).unwrap();
    assert!(headers.contains(&("webhook-id".into(), event_id.clone())), "{headers:?}");
    for name in ["x-pilot-status-signature", "webhook-signature"] {
        let shown = headers.iter().find(|(k, _)| k == name).unwrap();
        assert_eq!(shown.1, "(signature, not shown)", "signatures come from the secret");
    }
    assert!(!detail.to_string().contains(&secret));

    // Rotation: a new secret, shown once more, signs what follows.
    let rotated = ana.ok("webhooks/rotate", &[("id", &id)]).await;
    let new_secret = str_of(&rotated["secret"]);
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);
    ana.ok("webhooks/replay", &[("webhook_id", &id), ("id", &delivery)]).await;
    let got = wait_for_requests(&hook, 2).await;
    let (replayed_id, _) = verify_signatures(&got[1], &new_secret);
    assert_eq!(replayed_id, event_id, "a replay keeps the event id");

    // Edit, pause (no test events then), resume, delete.
    let edited = ana
        .ok(
            "webhooks/update",
            &[
                ("id", &id),
                ("input[url]", url.as_str()),
                ("input[name]", "ERP"),
                ("input[events][]", "*"),
            ],
        )
        .await;
    assert_eq!(
        (edited["name"].as_str(), edited["events"].clone()),
        (Some("ERP"), serde_json::json!(["*"]))
    );
    let paused = ana.ok("webhooks/active", &[("id", &id), ("active", "false")]).await;
    assert_eq!(paused["active"], false);
    assert_code(
        ana.change("webhooks/test", &[("id", &id)]).await,
        StatusCode::CONFLICT,
        "WEBHOOK_INACTIVE",
    );
    assert_eq!(ana.ok("webhooks/active", &[("id", &id), ("active", "true")]).await["active"], true);
    ana.ok("webhooks/delete", &[("id", &id)]).await;
    let (_, after) = ana.read("webhooks", &[]).await;
    assert!(after["endpoints"].as_array().unwrap().is_empty());

    let (_, audit) = ana.read("audit", &[("action", "webhook."), ("actor", ""), ("cursor", "")]).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "webhook.created",
        "webhook.test_sent",
        "webhook.secret_rotated",
        "webhook.delivery_replayed",
        "webhook.updated",
        "webhook.deleted",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(!audit.to_string().contains(&new_secret) && !audit.to_string().contains(&secret));
}

#[tokio::test]
async fn bad_input_names_its_field_and_changes_need_the_csrf_token() {
    let app = spawn_app().await;
    let (_, ana) = signed_in(&app).await;
    for (url, field) in [("not a url", "url"), ("ftp://example.com/", "url"), ("", "url")] {
        let (status, body) = ana
            .change("webhooks/create", &[("input[url]", url), ("input[events][]", "*")])
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("VALIDATION_ERROR")),
            "{url}: {body}"
        );
        assert!(body["message"].as_str().unwrap().starts_with(field), "{body}");
    }
    let (status, body) = ana
        .change(
            "webhooks/create",
            &[("input[url]", "https://hooks.example.com/in"), ("input[events][]", "number create")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().starts_with("events"), "{body}");
    assert_code(
        ana.change(
            "webhooks/create",
            &[("input[url]", "https://hooks.example.com/in"), ("input[number_id]", "num_nope")],
        )
        .await,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    );
    // No endpoint was made by any of these; a filter that is not a status is refused.
    let (_, list) = ana.read("webhooks", &[]).await;
    assert!(list["endpoints"].as_array().unwrap().is_empty());
    assert_code(
        ana.read("webhooks/deliveries", &[("webhook_id", ""), ("status", "failed")]).await,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    );
    let (status, body, _) = crate::admin_support::call(
        &app.base,
        "webhooks/create",
        Some(&ana.cookie),
        &[("csrf", "forged"), ("input[url]", "https://hooks.example.com/in")],
    )
    .await;
    assert_code((status, body), StatusCode::FORBIDDEN, "CSRF_FAILED");
}

#[tokio::test]
async fn the_rest_api_rotates_and_sends_test_events_too() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    let hook = receiver(204).await;
    let body = serde_json::json!({"url": format!("{}/hook", hook.uri()), "events": []});
    let made = crate::receiver::create_webhook(&app, &acme.key, body).await;
    let id = str_of(&made["id"]);
    let rotated = app.post(&format!("/v1/webhooks/{id}/rotate-secret"), &acme.key).await;
    let secret = str_of(&rotated["secret"]);
    assert!(secret != str_of(&made["secret"]) && rotated["id"] == id.as_str());
    let queued = app
        .expect(
            Method::POST,
            &format!("/v1/webhooks/{id}/test"),
            &acme.key,
            None,
            StatusCode::ACCEPTED,
        )
        .await;
    assert_eq!(
        (queued["event"].as_str(), queued["status"].as_str()),
        (Some("webhook.test"), Some("pending"))
    );
    let got = wait_for_requests(&hook, 1).await;
    verify_signatures(&got[0], &secret);
    let other = app.tenant("Other").await;
    for path in [format!("/v1/webhooks/{id}/rotate-secret"), format!("/v1/webhooks/{id}/test")] {
        app.expect_error(
            Method::POST,
            &path,
            Some(&other.key),
            None,
            StatusCode::NOT_FOUND,
            "WEBHOOK_NOT_FOUND",
        )
        .await;
    }
}
