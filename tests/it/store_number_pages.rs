//! A page of numbers (issue 24) comes from the database as one aggregated JSON row, on
//! SQLite and PostgreSQL: every column must come back as the one-row-per-number read gives
//! it, whatever the name holds, in the page's order, with the filters applied.
use std::sync::Arc;

use chrono::{Duration, Utc};
use pairlink::server::{
    domain::{NumberProfile, NumberState, TenantId},
    store::{Number, NumberQuery, Store},
};
use serde_json::json;

use crate::store_contract::{add_number, contract, event, new_key, new_number, tenant};

contract!(
    a_page_reads_every_column_as_the_whole_list_does,
    a_page_keeps_its_order_filters_and_limit,
    the_list_version_moves_with_every_write_the_list_shows,
);

/// Names a JSON encoder must escape, and a `LIKE` must not take as wildcards.
const NAMES: [&str; 6] = [
    "Loja \"Centro\"",
    "Back\\slash 100%",
    "Ação — São Paulo 🚀",
    "line\nbreak\ttab",
    "under_score",
    "plain",
];

/// Every field, so a column read wrongly from the page's JSON fails here.
fn fields(n: &Number) -> String {
    format!(
        "{} {} {:?} {:?} {} {} {} {:?} {} {} {:?} {:?} {:?} {:?}",
        n.id,
        n.tenant_id,
        n.name,
        n.phone,
        n.provider.as_str(),
        n.engine,
        n.engine_ref,
        n.state,
        n.created_at.timestamp_millis(),
        n.updated_at.timestamp_millis(),
        n.connected_at.map(|t| t.timestamp_millis()),
        n.deleted_at,
        n.restorable_until,
        n.profile,
    )
}

async fn numbers(store: &Arc<dyn Store>, t: &TenantId) -> Vec<Number> {
    let base = Utc::now() - Duration::hours(1);
    let mut made = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let mut n = new_number(&format!("+5511977700{i:03}"));
        n.name = (*name).into();
        n.at = base + Duration::seconds(i as i64);
        n.engine_ref = json!({"device": i, "jid": format!("5511977700{i:03}@s.whatsapp.net")});
        made.push(store.create_number(t, &n, &event("number.created", &n)).await.unwrap());
    }
    // One connected (a `connected_at`), one with a profile of its own.
    let open = &made[1];
    store
        .transition_number(t, &open.id, NumberState::Open, base + Duration::minutes(5), None)
        .await
        .unwrap();
    let profile = NumberProfile {
        pii_mode: "STORE_X_DAYS".into(),
        pii_retention_days: Some(30),
        settings: json!({"webhookMode": "all", "nested": {"ok": [1, 2.5, null, "x"]}})
            .as_object()
            .unwrap()
            .clone(),
    };
    let with_profile = &made[2];
    store
        .update_number_profile(t, &with_profile.id, with_profile.updated_at, &profile, base + Duration::minutes(6))
        .await
        .unwrap()
        .expect("the profile is saved");
    made
}

fn query(limit: u32) -> NumberQuery {
    NumberQuery {
        limit,
        ..NumberQuery::default()
    }
}

async fn a_page_reads_every_column_as_the_whole_list_does(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    numbers(&store, &t).await;
    let whole: Vec<String> = store.list_numbers(&t).await.unwrap().iter().map(fields).collect();
    let page: Vec<String> = store.list_numbers_page(&t, &query(100)).await.unwrap().iter().map(fields).collect();
    assert_eq!(whole.len(), NAMES.len());
    assert_eq!(page, whole);
    assert!(page.iter().any(|f| f.contains("STORE_X_DAYS")), "the profile came back: {page:?}");

    // An empty page is an empty list, on both backends (PostgreSQL's aggregate of no rows is NULL).
    let other = tenant(&store).await;
    assert!(store.list_numbers_page(&other, &query(100)).await.unwrap().is_empty());
}

async fn a_page_keeps_its_order_filters_and_limit(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let made = numbers(&store, &t).await;
    let names = |page: Vec<Number>| page.into_iter().map(|n| n.name).collect::<Vec<_>>();

    let first = store.list_numbers_page(&t, &query(2)).await.unwrap();
    assert_eq!(names(first.clone()), NAMES[..2]);
    let last = first.last().unwrap();
    let rest = NumberQuery {
        after: Some((last.created_at, last.id.clone())),
        ..query(100)
    };
    assert_eq!(names(store.list_numbers_page(&t, &rest).await.unwrap()), NAMES[2..]);

    let search = |s: &str| NumberQuery {
        search: Some(s.into()),
        ..query(100)
    };
    assert_eq!(names(store.list_numbers_page(&t, &search("100%")).await.unwrap()), [NAMES[1]]);
    assert_eq!(names(store.list_numbers_page(&t, &search("\"centro\"")).await.unwrap()), [NAMES[0]]);
    assert_eq!(names(store.list_numbers_page(&t, &search("são")).await.unwrap()), [NAMES[2]]);
    assert_eq!(names(store.list_numbers_page(&t, &search("_")).await.unwrap()), [NAMES[4]]);

    let open = NumberQuery {
        state: Some(NumberState::Open),
        ..query(100)
    };
    let found = store.list_numbers_page(&t, &open).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, made[1].id);
    assert!(found[0].connected_at.is_some());
}

/// Every write a page of the list can show moves its tenant's version, in the write's own
/// transaction (database triggers); reads and other tenants' writes leave it where it was.
async fn the_list_version_moves_with_every_write_the_list_shows(store: Arc<dyn Store>) {
    let (t, other) = (tenant(&store).await, tenant(&store).await);
    let mut last = store.number_list_version(&t).await.unwrap();
    let theirs = store.number_list_version(&other).await.unwrap();

    let n = add_number(&store, &t, "5511977700001").await;
    moved(&mut last, store.number_list_version(&t).await.unwrap(), "a number created");
    let id = n.id.clone();
    store.transition_number(&t, &id, NumberState::Open, Utc::now(), None).await.unwrap();
    moved(&mut last, store.number_list_version(&t).await.unwrap(), "a transition");
    let read = store.get_number(&t, &id).await.unwrap();
    let profile = NumberProfile {
        pii_mode: "STORE_X_DAYS".into(),
        pii_retention_days: Some(3),
        settings: serde_json::Map::new(),
    };
    store
        .update_number_profile(&t, &id, read.updated_at, &profile, Utc::now())
        .await
        .unwrap();
    moved(&mut last, store.number_list_version(&t).await.unwrap(), "a profile");
    let (key, _) = new_key(Some(&id));
    store.insert_api_key(&t, &key).await.unwrap();
    moved(&mut last, store.number_list_version(&t).await.unwrap(), "a key of the number");
    let (loose, _) = new_key(None);
    store.insert_api_key(&t, &loose).await.unwrap();
    moved(&mut last, store.number_list_version(&t).await.unwrap(), "a tenant key");
    store.bind_api_key(&t, &loose.id, &id).await.unwrap();
    moved(&mut last, store.number_list_version(&t).await.unwrap(), "a key bound to the number");

    // Reads move nothing.
    store.list_numbers_page(&t, &query(10)).await.unwrap();
    store.list_keys_of_numbers(&t, &read, &read).await.unwrap();
    assert_eq!(store.number_list_version(&t).await.unwrap(), last, "reads");

    let removed = event("number.removed", &n);
    store
        .soft_delete_number(&t, &id, Utc::now() + Duration::days(30), &removed)
        .await
        .unwrap();
    moved(&mut last, store.number_list_version(&t).await.unwrap(), "a delete");
    store.restore_number(&t, &id, &event("number.restored", &n)).await.unwrap();
    moved(&mut last, store.number_list_version(&t).await.unwrap(), "a restore");
    store.purge_number(&t, &id).await.unwrap();
    moved(&mut last, store.number_list_version(&t).await.unwrap(), "a purge");

    assert_eq!(store.number_list_version(&other).await.unwrap(), theirs, "another tenant's list");
}

fn moved(last: &mut i64, version: i64, what: &str) {
    assert!(version > *last, "{what}: {version} after {last}");
    *last = version;
}

/// On PostgreSQL the version moves as a transaction commits (deferred triggers): a write for a
/// tenant never waits for another open transaction of the same tenant, which would make every
/// write of a busy tenant queue behind the slowest, and could deadlock one that locks several
/// rows against one that locks one.
#[tokio::test]
async fn on_postgres_a_write_waits_for_no_other_open_transaction_of_its_tenant() {
    let (url, _dir) = crate::helpers::pg_database().await;
    let store: Arc<dyn Store> = Arc::new(pairlink::server::store::PgStore::connect(url.expose(), 5).await.unwrap());
    let t = tenant(&store).await;
    let a = add_number(&store, &t, "5511977700001").await;
    let b = add_number(&store, &t, "5511977700002").await;
    let before = store.number_list_version(&t).await.unwrap();

    let pool = sqlx::PgPool::connect(url.expose()).await.unwrap();
    let mut open = pool.begin().await.unwrap();
    sqlx::query("UPDATE numbers SET name = 'Renamed' WHERE id = $1")
        .bind(a.id.as_str())
        .execute(&mut *open)
        .await
        .unwrap();
    let other = store.transition_number(&t, &b.id, NumberState::Open, Utc::now(), None);
    let done = tokio::time::timeout(std::time::Duration::from_secs(3), other).await;
    assert!(done.is_ok(), "a write waited for another open transaction of its tenant");
    assert_eq!(store.number_list_version(&t).await.unwrap(), before + 1, "the write that committed");
    open.commit().await.unwrap();
    assert_eq!(store.number_list_version(&t).await.unwrap(), before + 2, "and then the other");
}
