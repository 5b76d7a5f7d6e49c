//! "Show older" on the audit log and the delivery log (issue 24): the server fns page with an
//! opaque cursor, keep their filters, and refuse a cursor they did not make.
use chrono::{Duration, Utc};
use pairlink::server::domain::{AuditId, EventId, TenantId, WebhookId, from_millis};
use pairlink::server::store::{AuditEntry, NewEvent};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_support::{assert_code, login, user};
use crate::helpers::spawn_app;

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_audit_log_pages_back_fifty_at_a_time_with_its_filter() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;
    let t = TenantId::from_trusted(acme.id.clone());
    let start = from_millis(Utc::now().timestamp_millis()) - Duration::hours(1);
    for i in 0..120 {
        let entry = AuditEntry {
            id: AuditId::generate(),
            actor: "user".into(),
            actor_id: "usr_x".into(),
            actor_label: "x@acme.example".into(),
            action: if i % 2 == 0 { "key.created" } else { "webhook.created" }.into(),
            target: None,
            detail: json!({ "i": i }),
            created_at: start + Duration::milliseconds(i / 3),
        };
        app.state.store.insert_audit(&t, &entry).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for expected in [50, 10] {
        let (_, page) = ana.read("audit", &[("action", "key."), ("actor", ""), ("cursor", &cursor)]).await;
        assert_eq!(page["items"].as_array().unwrap().len(), expected, "{page}");
        assert!(page["items"].as_array().unwrap().iter().all(|e| e["action"] == "key.created"));
        seen.extend(ids(&page));
        cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
    }
    assert!(cursor.is_empty(), "the last page has no next");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 60, "each entry once");
    assert_code(
        ana.read("audit", &[("action", ""), ("actor", ""), ("cursor", "bm90IG91cnM")]).await,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    );
    let (status, html) = ana.page("/admin/audit?action=key.").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Show older"), "the first page links to the older one");
}

#[tokio::test]
async fn the_delivery_log_pages_back_with_its_filter() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;
    let hook = ana
        .ok(
            "webhooks/create",
            &[("input[url]", "https://hooks.example.com/in"), ("input[events][]", "*")],
        )
        .await;
    let hook_id = hook["webhook"]["id"].as_str().unwrap().to_owned();
    let t = TenantId::from_trusted(acme.id.clone());
    let at = from_millis(Utc::now().timestamp_millis()) - Duration::hours(1);
    for _ in 0..105 {
        let id = EventId::generate();
        let event = NewEvent {
            payload: json!({"event": "webhook.test", "data": {"id": id}}),
            id,
            number_id: None,
            kind: "webhook.test".into(),
            at,
        };
        let webhook = WebhookId::from_trusted(hook_id.clone());
        app.state.store.insert_test_delivery(&t, &webhook, &event).await.unwrap();
    }
    let (_, first) = ana.read("webhooks/deliveries", &[("webhook_id", &hook_id), ("status", "")]).await;
    assert_eq!(ids(&first).len(), 100, "{first}");
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let (_, older) = ana
        .read(
            "webhooks/deliveries",
            &[("webhook_id", &hook_id), ("status", ""), ("cursor", &cursor)],
        )
        .await;
    assert_eq!(ids(&older).len(), 5, "{older}");
    assert!(older["next_cursor"].is_null());
    let mut all = ids(&first);
    all.extend(ids(&older));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 105, "each delivery once");
}
