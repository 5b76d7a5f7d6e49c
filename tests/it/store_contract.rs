//! The store contract: every scenario runs on SQLite and on PostgreSQL. PostgreSQL tests use
//! `TEST_DATABASE_URL` (the test command creates that database) and a fresh schema each.
use std::sync::Arc;

use chrono::{Duration, Utc};
use pairlink::server::{
    domain::{ApiKeyId, ApiKeySecret, NumberId, NumberProfile, NumberState, PhoneE164, ProfilePatch, Provider, TenantId},
    pairing::events::{Subject, number_event},
    store::{NewApiKey, NewEvent, NewNumber, PgStore, SqliteStore, Store, StoreError},
};
use serde_json::json;

pub async fn sqlite() -> (Arc<dyn Store>, Box<dyn std::any::Any>) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/store.db", dir.path().display());
    (Arc::new(SqliteStore::connect(&url, 5).await.unwrap()), Box::new(dir))
}

pub async fn postgres() -> (Arc<dyn Store>, Box<dyn std::any::Any>) {
    let (url, dir) = crate::helpers::pg_database().await;
    (Arc::new(PgStore::connect(url.expose(), 5).await.unwrap()), Box::new(dir))
}

/// Runs each scenario (an `async fn(Arc<dyn Store>)` of the calling module) on both backends.
macro_rules! contract {
    ($($scenario:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[tokio::test] async fn $scenario() { let (s, _guard) = crate::store_contract::sqlite().await; super::$scenario(s).await; })*
        }
        mod on_postgres {
            $(#[tokio::test] async fn $scenario() { let (s, _guard) = crate::store_contract::postgres().await; super::$scenario(s).await; })*
        }
    };
}
pub(crate) use contract;

contract!(
    tenants_and_keys,
    keys_of_deleted_numbers_stop_matching,
    numbers_are_created_with_their_event,
    a_live_phone_is_unique_per_tenant,
    transitions_happen_once_with_one_event,
    concurrent_transitions_produce_one_event,
    soft_delete_restore_and_window,
    purge_removes_number_and_keys_but_keeps_events,
    tenants_are_isolated,
    numbers_to_resume_are_the_live_unclosed_ones,
    profiles_change_only_from_the_version_read,
);

pub fn phone(p: &str) -> PhoneE164 {
    PhoneE164::parse("number", p).unwrap()
}

pub async fn tenant(store: &Arc<dyn Store>) -> TenantId {
    let id = TenantId::generate();
    store.create_tenant(&id, "Acme", Utc::now()).await.unwrap();
    id
}

pub fn new_number(p: &str) -> NewNumber {
    NewNumber {
        id: NumberId::generate(),
        name: "Shop".into(),
        phone: phone(p),
        provider: Provider::PilotStatus,
        engine: "sandbox".into(),
        engine_ref: json!({"device": 7}),
        state: NumberState::Close,
        at: Utc::now(),
        profile: Default::default(),
    }
}

pub fn event(kind: &str, n: &NewNumber) -> NewEvent {
    number_event(
        kind,
        Subject {
            id: &n.id,
            phone: &n.phone,
            name: &n.name,
        },
        Utc::now(),
        json!({}),
    )
}

pub async fn add_number(store: &Arc<dyn Store>, t: &TenantId, p: &str) -> NewNumber {
    let n = new_number(p);
    store.create_number(t, &n, &event("number.created", &n)).await.unwrap();
    n
}

pub fn new_key(number: Option<&NumberId>) -> (NewApiKey, ApiKeySecret) {
    let secret = ApiKeySecret::generate();
    let key = NewApiKey {
        id: ApiKeyId::generate(),
        number_id: number.cloned(),
        name: "k".into(),
        hash: secret.hash(),
        last4: secret.last4(),
        at: Utc::now(),
    };
    (key, secret)
}

async fn tenants_and_keys(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
    let t = tenant(&store).await;
    assert_eq!(store.get_tenant(&t).await.unwrap().name, "Acme");
    assert!(matches!(store.get_tenant(&TenantId::generate()).await, Err(StoreError::NotFound)));
    let (key, secret) = new_key(None);
    let stored = store.insert_api_key(&t, &key).await.unwrap();
    assert_eq!(stored.last4, secret.last4());
    let found = store.find_api_key(&secret.hash()).await.unwrap().unwrap();
    assert_eq!((found.id, found.tenant_id, found.number_id), (key.id.clone(), t.clone(), None));
    assert!(store.find_api_key(&ApiKeySecret::generate().hash()).await.unwrap().is_none());
    let n = add_number(&store, &t, "5511900000001").await;
    store.bind_api_key(&t, &key.id, &n.id).await.unwrap();
    assert_eq!(
        store.find_api_key(&secret.hash()).await.unwrap().unwrap().number_id,
        Some(n.id.clone())
    );
    assert_eq!(store.list_api_keys(&t).await.unwrap().len(), 1);
}

async fn keys_of_deleted_numbers_stop_matching(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let (key, secret) = new_key(Some(&n.id));
    store.insert_api_key(&t, &key).await.unwrap();
    let removed = event("number.removed", &n);
    store
        .soft_delete_number(&t, &n.id, Utc::now() + Duration::days(30), &removed)
        .await
        .unwrap();
    assert!(store.find_api_key(&secret.hash()).await.unwrap().is_none());
    store.restore_number(&t, &n.id, &event("number.restored", &n)).await.unwrap();
    assert!(store.find_api_key(&secret.hash()).await.unwrap().is_some());
}

async fn numbers_are_created_with_their_event(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = new_number("5511900000001");
    let created = event("number.created", &n);
    let stored = store.create_number(&t, &n, &created).await.unwrap();
    assert_eq!(stored.phone.digits(), "5511900000001");
    assert_eq!(stored.engine_ref, json!({"device": 7}));
    assert_eq!(stored.state, NumberState::Close);
    assert_eq!(
        stored.created_at,
        pairlink::server::domain::from_millis(pairlink::server::domain::to_millis(n.at))
    );
    let got = store.get_number(&t, &n.id).await.unwrap();
    assert_eq!(got.name, "Shop");
    let events = store.list_number_events(&t, &n.id, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id, created.id);
    assert_eq!(events[0].payload, created.payload);
}

async fn a_live_phone_is_unique_per_tenant(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    add_number(&store, &t, "5511900000001").await;
    let dup = new_number("5511900000001");
    let err = store.create_number(&t, &dup, &event("number.created", &dup)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    assert!(
        store.list_number_events(&t, &dup.id, 10).await.unwrap().is_empty(),
        "the event rolled back with the number"
    );
    let other = tenant(&store).await;
    add_number(&store, &other, "5511900000001").await;
}

async fn transitions_happen_once_with_one_event(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let at = Utc::now();
    let connected = event("number.connected", &n);
    let changed = store
        .transition_number(&t, &n.id, NumberState::Open, at, Some(&connected))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.state, NumberState::Open);
    assert!(changed.connected_at.is_some());
    let again = event("number.connected", &n);
    assert!(
        store
            .transition_number(&t, &n.id, NumberState::Open, at, Some(&again))
            .await
            .unwrap()
            .is_none()
    );
    let kinds: Vec<_> = store
        .list_number_events(&t, &n.id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["number.created", "number.connected"]);
    let closed = store
        .transition_number(&t, &n.id, NumberState::Close, at, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        closed.connected_at, changed.connected_at,
        "connected_at remembers the last connection"
    );
}

async fn concurrent_transitions_produce_one_event(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (store, t, id, ev) = (store.clone(), t.clone(), n.id.clone(), event("number.connected", &n));
            tokio::spawn(async move { store.transition_number(&t, &id, NumberState::Open, Utc::now(), Some(&ev)).await })
        })
        .collect();
    let mut changed = 0;
    for task in tasks {
        // SQLite may report a busy database under contention; that caller simply lost.
        if let Ok(Some(_)) = task.await.unwrap() {
            changed += 1;
        }
    }
    assert_eq!(changed, 1);
    let events = store.list_number_events(&t, &n.id, 50).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.kind == "number.connected").count(), 1);
}

async fn soft_delete_restore_and_window(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let removed = event("number.removed", &n);
    let until = removed.at + Duration::days(30);
    let deleted = store.soft_delete_number(&t, &n.id, until, &removed).await.unwrap();
    assert!(deleted.deleted_at.is_some());
    assert!(store.list_numbers(&t).await.unwrap().is_empty());
    assert_eq!(store.find_deleted_number_by_phone(&t, &n.phone).await.unwrap().unwrap().id, n.id);
    assert!(matches!(
        store.soft_delete_number(&t, &n.id, until, &event("number.removed", &n)).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .transition_number(&t, &n.id, NumberState::Open, Utc::now(), None)
            .await
            .unwrap()
            .is_none(),
        "deleted numbers do not move"
    );

    // A live number took the phone: restoring would make two.
    let taker = add_number(&store, &t, "5511900000001").await;
    assert!(matches!(
        store.restore_number(&t, &n.id, &event("number.restored", &n)).await,
        Err(StoreError::Conflict)
    ));
    store.purge_number(&t, &taker.id).await.unwrap();
    let restored = store.restore_number(&t, &n.id, &event("number.restored", &n)).await.unwrap();
    assert!(restored.deleted_at.is_none() && restored.restorable_until.is_none());

    // Past the window there is nothing to restore.
    store
        .soft_delete_number(&t, &n.id, Utc::now() - Duration::seconds(1), &event("number.removed", &n))
        .await
        .unwrap();
    assert!(matches!(
        store.restore_number(&t, &n.id, &event("number.restored", &n)).await,
        Err(StoreError::NotFound)
    ));
}

async fn purge_removes_number_and_keys_but_keeps_events(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let (key, secret) = new_key(Some(&n.id));
    store.insert_api_key(&t, &key).await.unwrap();
    let (tenant_key, _) = new_key(None);
    store.insert_api_key(&t, &tenant_key).await.unwrap();
    store.purge_number(&t, &n.id).await.unwrap();
    assert!(matches!(store.get_number(&t, &n.id).await, Err(StoreError::NotFound)));
    assert!(store.find_api_key(&secret.hash()).await.unwrap().is_none());
    assert_eq!(store.list_api_keys(&t).await.unwrap().len(), 1, "the tenant key stays");
    assert_eq!(
        store.list_number_events(&t, &n.id, 10).await.unwrap().len(),
        1,
        "the outbox keeps its events"
    );
    assert!(matches!(store.purge_number(&t, &n.id).await, Err(StoreError::NotFound)));
}

async fn tenants_are_isolated(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let other = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    assert!(matches!(store.get_number(&other, &n.id).await, Err(StoreError::NotFound)));
    assert!(store.list_numbers(&other).await.unwrap().is_empty());
    assert!(
        store
            .transition_number(&other, &n.id, NumberState::Open, Utc::now(), None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store
            .soft_delete_number(&other, &n.id, Utc::now(), &event("number.removed", &n))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(store.purge_number(&other, &n.id).await, Err(StoreError::NotFound)));
    assert!(store.list_number_events(&other, &n.id, 10).await.unwrap().is_empty());
    let (key, _) = new_key(None);
    store.insert_api_key(&t, &key).await.unwrap();
    assert!(matches!(
        store.bind_api_key(&other, &key.id, &n.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.get_number(&t, &n.id).await.unwrap().state, NumberState::Close);
}

async fn numbers_to_resume_are_the_live_unclosed_ones(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let open = add_number(&store, &t, "5511900000001").await;
    let connecting = add_number(&store, &t, "5511900000002").await;
    add_number(&store, &t, "5511900000003").await;
    let deleted = add_number(&store, &t, "5511900000004").await;
    store
        .transition_number(&t, &open.id, NumberState::Open, Utc::now(), None)
        .await
        .unwrap();
    store
        .transition_number(&t, &connecting.id, NumberState::Connecting, Utc::now(), None)
        .await
        .unwrap();
    store
        .transition_number(&t, &deleted.id, NumberState::Open, Utc::now(), None)
        .await
        .unwrap();
    store
        .soft_delete_number(&t, &deleted.id, Utc::now(), &event("number.removed", &deleted))
        .await
        .unwrap();
    let ids: Vec<_> = store.numbers_to_resume().await.unwrap().into_iter().map(|n| n.id).collect();
    assert!(ids.contains(&open.id) && ids.contains(&connecting.id));
    assert!(!ids.contains(&deleted.id));
    assert_eq!(ids.iter().filter(|id| **id == open.id || **id == connecting.id).count(), 2);
}

/// A number's profile is stored whole and read back by every path (alone, listed, found by
/// id anywhere); a write from a stale read changes nothing, so concurrent partial updates
/// cannot lose each other's keys.
async fn profiles_change_only_from_the_version_read(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let read = store.get_number(&t, &n.id).await.unwrap();
    assert_eq!(read.profile, NumberProfile::default());
    let mut profile = read.profile.clone();
    let patch = ProfilePatch {
        pii_mode: Some("STORE_X_DAYS".into()),
        pii_retention_days: Some(7),
        settings: Some(json!({ "rejectCall": true, "msgRejectCall": "Busy" })),
    };
    profile.apply(&patch).unwrap();
    let later = read.updated_at + Duration::seconds(1);
    let written = store
        .update_number_profile(&t, &n.id, read.updated_at, &profile, later)
        .await
        .unwrap();
    assert_eq!(written.map(|w| w.profile), Some(profile.clone()));
    let stale = store
        .update_number_profile(&t, &n.id, read.updated_at, &NumberProfile::default(), later)
        .await
        .unwrap();
    assert!(stale.is_none(), "written from a stale read");
    assert_eq!(store.get_number(&t, &n.id).await.unwrap().profile, profile);
    assert_eq!(store.list_numbers(&t).await.unwrap()[0].profile, profile);
    assert_eq!(store.find_number_anywhere(&n.id).await.unwrap().unwrap().profile, profile);
    let other = tenant(&store).await;
    let fresh = store.get_number(&t, &n.id).await.unwrap();
    assert!(
        store
            .update_number_profile(&other, &n.id, fresh.updated_at, &NumberProfile::default(), later)
            .await
            .unwrap()
            .is_none(),
        "another tenant's number"
    );
}
