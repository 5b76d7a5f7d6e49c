//! The store's side of the dashboard's webhook and logo features, on SQLite and PostgreSQL:
//! rotating a secret, a test delivery to one endpoint, the tenant-wide delivery log, logos.
use std::sync::Arc;

use chrono::{Duration, Utc};
use pairlink::server::{
    domain::{EventFilter, EventId, LogoId, NumberId, NumberState, TenantId, WebhookId, WebhookSecret},
    store::{DeliveryFilter, DeliveryPolicy, DeliveryStatus, NewEvent, NewLogo, NewWebhook, Store, StoreError, Webhook},
};
use serde_json::json;

use crate::store_contract::{add_number, contract, event, tenant};

contract!(
    rotating_replaces_the_secret_the_worker_signs_with,
    test_deliveries_go_to_one_endpoint_only,
    the_delivery_log_filters_and_stays_in_its_tenant,
    logos_are_stored_per_tenant_and_served_to_anyone,
);

async fn add_webhook(store: &Arc<dyn Store>, t: &TenantId, number: Option<&NumberId>, events: &[&str]) -> (Webhook, WebhookSecret) {
    let names: Vec<String> = events.iter().map(|e| (*e).to_owned()).collect();
    let secret = WebhookSecret::generate();
    let new = NewWebhook {
        id: WebhookId::generate(),
        number_id: number.cloned(),
        name: "CRM".into(),
        url: "https://hooks.example.com/in".into(),
        events: EventFilter::parse("events", &names).unwrap(),
        secret: secret.clone(),
        active: true,
        at: Utc::now(),
    };
    (store.insert_webhook(t, &new).await.unwrap(), secret)
}

fn test_event() -> NewEvent {
    let id = EventId::generate();
    NewEvent {
        payload: json!({"event": "webhook.test", "data": {"id": id}}),
        id,
        number_id: None,
        kind: "webhook.test".into(),
        at: pairlink::server::domain::from_millis(Utc::now().timestamp_millis()),
    }
}

fn all(limit: i64) -> DeliveryFilter {
    DeliveryFilter {
        limit,
        ..DeliveryFilter::default()
    }
}

async fn rotating_replaces_the_secret_the_worker_signs_with(store: Arc<dyn Store>) {
    let (t, other) = (tenant(&store).await, tenant(&store).await);
    let (w, old) = add_webhook(&store, &t, None, &["*"]).await;
    let new = WebhookSecret::generate();
    let later = Utc::now() + Duration::seconds(5);
    assert!(matches!(
        store.rotate_webhook_secret(&other, &w.id, &new, later).await,
        Err(StoreError::NotFound)
    ));
    let rotated = store.rotate_webhook_secret(&t, &w.id, &new, later).await.unwrap();
    assert_eq!((rotated.id.clone(), rotated.url.clone()), (w.id.clone(), w.url.clone()));
    assert!(rotated.updated_at > w.updated_at);
    store.insert_test_delivery(&t, &w.id, &test_event()).await.unwrap();
    let now = Utc::now() + Duration::seconds(10);
    let claimed = store
        .claim_deliveries("w:0", now, now + Duration::seconds(60), 10, &DeliveryPolicy::default())
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].secret, new);
    assert_ne!(claimed[0].secret, old);
}

async fn test_deliveries_go_to_one_endpoint_only(store: Arc<dyn Store>) {
    let (t, other) = (tenant(&store).await, tenant(&store).await);
    // Neither endpoint subscribes to test events: a test goes to the one named, regardless.
    let (target, _) = add_webhook(&store, &t, None, &["number.created"]).await;
    let (bystander, _) = add_webhook(&store, &t, None, &["*"]).await;
    let ev = test_event();
    assert!(matches!(
        store.insert_test_delivery(&other, &target.id, &ev).await,
        Err(StoreError::NotFound)
    ));
    let id = store.insert_test_delivery(&t, &target.id, &ev).await.unwrap();
    let log = store.get_delivery_log(&t, &target.id, &id).await.unwrap();
    assert_eq!(
        (log.delivery.event_kind.as_str(), log.delivery.status, log.delivery.event_id.clone()),
        ("webhook.test", DeliveryStatus::Pending, ev.id.clone())
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&log.delivery.payload).unwrap(),
        ev.payload
    );
    assert!(store.list_delivery_logs(&t, &bystander.id, None, 50).await.unwrap().is_empty());
    // The refused attempt for another tenant left no event behind: the id is still free.
    store.insert_test_delivery(&t, &bystander.id, &test_event()).await.unwrap();
}

async fn the_delivery_log_filters_and_stays_in_its_tenant(store: Arc<dyn Store>) {
    let (t, other) = (tenant(&store).await, tenant(&store).await);
    let n = add_number(&store, &t, "5511900000001").await;
    let (wide, _) = add_webhook(&store, &t, None, &["*"]).await;
    let (bound, _) = add_webhook(&store, &t, Some(&n.id), &["*"]).await;
    let (theirs, _) = add_webhook(&store, &other, None, &["*"]).await;
    store.insert_test_delivery(&other, &theirs.id, &test_event()).await.unwrap();
    let mut ev = event("number.connected", &n);
    ev.at = Utc::now() + Duration::seconds(1);
    store
        .transition_number(&t, &n.id, NumberState::Open, ev.at, Some(&ev))
        .await
        .unwrap();
    // number.connected to both endpoints (they came after number.created), and a test.
    let mut test = test_event();
    test.at = ev.at + Duration::seconds(1);
    store.insert_test_delivery(&t, &wide.id, &test).await.unwrap();
    let everything = store.list_deliveries(&t, &all(100)).await.unwrap();
    assert_eq!(everything.len(), 3);
    assert!(everything.iter().all(|d| d.tenant_id == t));
    assert_eq!(everything[0].event_kind, "webhook.test", "newest first");
    assert_eq!(store.list_deliveries(&t, &all(2)).await.unwrap().len(), 2);

    let only = |webhook: Option<&WebhookId>, status, number: Option<&NumberId>| DeliveryFilter {
        webhook: webhook.cloned(),
        status,
        number: number.cloned(),
        after: None,
        limit: 100,
    };
    let to_wide = store.list_deliveries(&t, &only(Some(&wide.id), None, None)).await.unwrap();
    assert!(to_wide.len() == 2 && to_wide.iter().all(|d| d.webhook_id == wide.id));
    let pending = store
        .list_deliveries(&t, &only(None, Some(DeliveryStatus::Pending), None))
        .await
        .unwrap();
    assert_eq!(pending.len(), 3);
    let dead = only(None, Some(DeliveryStatus::Dead), None);
    assert!(store.list_deliveries(&t, &dead).await.unwrap().is_empty());
    let for_number = store.list_deliveries(&t, &only(None, None, Some(&n.id))).await.unwrap();
    assert!(for_number.len() == 1 && for_number[0].webhook_id == bound.id, "{for_number:?}");
    let foreign = store.list_deliveries(&t, &only(Some(&theirs.id), None, None)).await.unwrap();
    assert!(foreign.is_empty(), "another tenant's endpoint shows nothing");
}

async fn logos_are_stored_per_tenant_and_served_to_anyone(store: Arc<dyn Store>) {
    let (t, other) = (tenant(&store).await, tenant(&store).await);
    let content = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR and more bytes \0\xFF".to_vec();
    let new = NewLogo {
        id: LogoId::generate(),
        mime_type: "image/png".into(),
        file_name: "acme.png".into(),
        content: content.clone(),
        at: Utc::now(),
    };
    let logo = store.insert_logo(&t, &new).await.unwrap();
    assert_eq!((logo.size_bytes, logo.file_name.as_str()), (content.len() as i64, "acme.png"));
    assert_eq!(store.get_logo(&t, &new.id).await.unwrap().mime_type, "image/png");
    assert!(matches!(store.get_logo(&other, &new.id).await, Err(StoreError::NotFound)));
    assert_eq!(store.logo_content(&new.id).await.unwrap(), ("image/png".to_owned(), content));
    assert!(matches!(store.logo_content(&LogoId::generate()).await, Err(StoreError::NotFound)));
}
