//! The audit log and the delivery log a page at a time (issue 24), on SQLite and PostgreSQL:
//! walking the pages with the keyset `after` sees each row once, newest first, even when
//! rows share a millisecond, and keeps the filters.
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use pairlink::server::{
    domain::{AuditId, EventFilter, EventId, TenantId, WebhookId, WebhookSecret, from_millis},
    store::{AuditEntry, AuditFilter, DeliveryFilter, NewEvent, NewWebhook, Store},
};
use serde_json::json;

use crate::store_contract::{contract, tenant};

contract!(
    audit_pages_walk_each_entry_once_with_the_filter,
    delivery_pages_walk_each_delivery_once_with_the_filter,
);

fn audit(actor: &str, action: &str, at: DateTime<Utc>) -> AuditEntry {
    AuditEntry {
        id: AuditId::generate(),
        actor: "user".into(),
        actor_id: actor.into(),
        actor_label: "ana@example.com".into(),
        action: action.into(),
        target: None,
        detail: json!({}),
        created_at: at,
    }
}

async fn audit_pages_walk_each_entry_once_with_the_filter(store: Arc<dyn Store>) {
    let (t, other) = (tenant(&store).await, tenant(&store).await);
    let start = from_millis(Utc::now().timestamp_millis());
    let mut written = Vec::new();
    // Pairs share a millisecond: the id breaks the tie.
    for i in 0..13 {
        let action = if i % 3 == 0 { "key.created" } else { "webhook.created" };
        let e = audit("usr_a", action, start + Duration::milliseconds(i / 2));
        store.insert_audit(&t, &e).await.unwrap();
        written.push(e);
    }
    store.insert_audit(&other, &audit("usr_a", "webhook.created", start)).await.unwrap();
    let mut want: Vec<_> = written.iter().filter(|e| e.action.starts_with("webhook.")).collect();
    want.sort_by(|a, b| (b.created_at, b.id.as_str()).cmp(&(a.created_at, a.id.as_str())));
    let want: Vec<String> = want.iter().map(|e| e.id.to_string()).collect();

    let mut filter = AuditFilter {
        action_prefix: Some("webhook.".into()),
        actor_id: Some("usr_a".into()),
        after: None,
        limit: 3,
    };
    let mut seen = Vec::new();
    loop {
        let page = store.list_audit(&t, &filter).await.unwrap();
        assert!(page.iter().all(|e| e.action.starts_with("webhook.")));
        seen.extend(page.iter().map(|e| e.id.to_string()));
        match page.last() {
            Some(last) if page.len() == 3 => filter.after = Some((last.created_at, last.id.clone())),
            _ => break,
        }
    }
    assert_eq!(seen, want);
}

async fn add_webhook(store: &Arc<dyn Store>, t: &TenantId) -> WebhookId {
    let new = NewWebhook {
        id: WebhookId::generate(),
        number_id: None,
        name: "CRM".into(),
        url: "https://hooks.example.com/in".into(),
        events: EventFilter::parse("events", &["*".to_owned()]).unwrap(),
        secret: WebhookSecret::generate(),
        active: true,
        at: Utc::now(),
    };
    store.insert_webhook(t, &new).await.unwrap().id
}

fn test_event(at: DateTime<Utc>) -> NewEvent {
    let id = EventId::generate();
    NewEvent {
        payload: json!({"event": "webhook.test", "data": {"id": id}}),
        id,
        number_id: None,
        kind: "webhook.test".into(),
        at,
    }
}

async fn delivery_pages_walk_each_delivery_once_with_the_filter(store: Arc<dyn Store>) {
    let (t, other) = (tenant(&store).await, tenant(&store).await);
    let (one, two) = (add_webhook(&store, &t).await, add_webhook(&store, &t).await);
    let theirs = add_webhook(&store, &other).await;
    let start = from_millis(Utc::now().timestamp_millis());
    for i in 0..11 {
        let at = start + Duration::milliseconds(i / 2);
        let to = if i % 4 == 0 { &two } else { &one };
        store.insert_test_delivery(&t, to, &test_event(at)).await.unwrap();
    }
    store.insert_test_delivery(&other, &theirs, &test_event(start)).await.unwrap();
    let newest_first = |f: &DeliveryFilter| {
        let store = store.clone();
        let (t, f) = (t.clone(), f.clone());
        async move { store.list_deliveries(&t, &f).await.unwrap() }
    };
    let everything = newest_first(&DeliveryFilter {
        webhook: Some(one.clone()),
        limit: 100,
        ..DeliveryFilter::default()
    })
    .await;
    assert_eq!(everything.len(), 8);
    let want: Vec<String> = everything.iter().map(|d| d.id.to_string()).collect();

    let mut filter = DeliveryFilter {
        webhook: Some(one.clone()),
        limit: 3,
        ..DeliveryFilter::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = newest_first(&filter).await;
        assert!(page.iter().all(|d| d.webhook_id == one));
        seen.extend(page.iter().map(|d| d.id.to_string()));
        match page.last() {
            Some(last) if page.len() == 3 => filter.after = Some((last.created_at, last.id.clone())),
            _ => break,
        }
    }
    assert_eq!(seen, want);
    let mut sorted = everything.clone();
    sorted.sort_by(|a, b| (b.created_at, b.id.as_str()).cmp(&(a.created_at, a.id.as_str())));
    assert_eq!(
        sorted.iter().map(|d| d.id.to_string()).collect::<Vec<_>>(),
        want,
        "newest first, then by id"
    );
}
