//! The dashboard's list of API keys a page at a time, and its list of deleted numbers read
//! at most a page (issue 24), on SQLite and PostgreSQL: a walk sees each key once, the search
//! and the kind filter agree with the counts, and no tenant sees another's.
use std::sync::Arc;

use chrono::{Duration, Utc};
use pairlink::server::{
    domain::{ApiKeyId, NumberId, TenantId},
    store::{KeyKind, KeyQuery, NewApiKey, Store},
};

use crate::store_contract::{contract, event, new_key, new_number, tenant};

contract!(
    pages_walk_each_key_once_newest_first,
    the_search_and_kind_filter_find_keys_and_their_numbers,
    key_pages_and_counts_stay_in_their_tenant,
    deleted_numbers_are_read_a_page_at_most_and_counted,
);

fn query(limit: u32) -> KeyQuery {
    KeyQuery {
        limit,
        ..KeyQuery::default()
    }
}

async fn ids(store: &Arc<dyn Store>, t: &TenantId, q: &KeyQuery) -> Vec<ApiKeyId> {
    store
        .list_api_keys_page(t, q)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key.id)
        .collect()
}

async fn key(store: &Arc<dyn Store>, t: &TenantId, name: &str, number: Option<&NumberId>) -> NewApiKey {
    let (mut k, _) = new_key(number);
    k.name = name.into();
    store.insert_api_key(t, &k).await.unwrap();
    k
}

async fn named_number(store: &Arc<dyn Store>, t: &TenantId, name: &str, phone: &str) -> NumberId {
    let mut n = new_number(phone);
    n.name = name.into();
    store.create_number(t, &n, &event("number.created", &n)).await.unwrap();
    n.id
}

async fn pages_walk_each_key_once_newest_first(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let base = Utc::now() - Duration::hours(1);
    let mut made = Vec::new();
    for i in 0..12 {
        let (mut k, _) = new_key(None);
        // Three keys to a millisecond: the id breaks the tie.
        k.at = base + Duration::milliseconds(i / 3);
        store.insert_api_key(&t, &k).await.unwrap();
        made.push((k.at, k.id));
    }
    made.sort_by(|a, b| b.cmp(a));

    let mut seen = Vec::new();
    let mut q = query(5);
    loop {
        let page = store.list_api_keys_page(&t, &q).await.unwrap();
        assert!(page.len() <= 5);
        if seen.is_empty() {
            // A key made meanwhile is newer than every page: the walk goes on unshaken.
            key(&store, &t, "later", None).await;
        }
        let Some(last) = page.last() else { break };
        q.after = Some((last.key.created_at, last.key.id.clone()));
        seen.extend(page.into_iter().map(|o| o.key.id));
    }
    let expected: Vec<ApiKeyId> = made.into_iter().map(|(_, id)| id).collect();
    assert_eq!(seen, expected, "each key once, newest first");
}

async fn the_search_and_kind_filter_find_keys_and_their_numbers(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let backend = key(&store, &t, "Backend 50%", None).await;
    let revoked = key(&store, &t, "Backend old", None).await;
    store.revoke_api_key(&t, &revoked.id, Utc::now()).await.unwrap();
    let azul = named_number(&store, &t, "Loja Azul", "5511930000001").await;
    let verde = named_number(&store, &t, "Loja Verde", "5521930000002").await;
    let k_azul = key(&store, &t, "number key", Some(&azul)).await;
    let k_verde = key(&store, &t, "number key", Some(&verde)).await;
    let search = |text: &str| KeyQuery {
        search: Some(text.into()),
        ..query(50)
    };
    let sorted = |mut v: Vec<ApiKeyId>| {
        v.sort();
        v
    };

    assert_eq!(
        ids(&store, &t, &search("BACKEND")).await,
        std::slice::from_ref(&backend.id),
        "a revoked key is not listed"
    );
    assert_eq!(
        ids(&store, &t, &search("%")).await,
        std::slice::from_ref(&backend.id),
        "% is a character, not a wildcard"
    );
    assert_eq!(
        ids(&store, &t, &search("azul")).await,
        std::slice::from_ref(&k_azul.id),
        "the number's name"
    );
    assert_eq!(
        ids(&store, &t, &search("552193")).await,
        std::slice::from_ref(&k_verde.id),
        "the number's phone"
    );
    let last4 = k_verde.last4.to_lowercase();
    assert!(ids(&store, &t, &search(&last4)).await.contains(&k_verde.id), "the last four");

    let kind = |k: KeyKind| KeyQuery {
        kind: Some(k),
        ..query(50)
    };
    assert_eq!(ids(&store, &t, &kind(KeyKind::Tenant)).await, std::slice::from_ref(&backend.id));
    assert_eq!(
        sorted(ids(&store, &t, &kind(KeyKind::Number)).await),
        sorted(vec![k_azul.id.clone(), k_verde.id.clone()])
    );
    let both = KeyQuery {
        kind: Some(KeyKind::Tenant),
        ..search("loja")
    };
    assert!(ids(&store, &t, &both).await.is_empty(), "the search and the filter both apply");
    let page = store.list_api_keys_page(&t, &search("azul")).await.unwrap();
    assert_eq!(
        (page[0].number_name.as_deref(), page[0].number_phone.as_deref()),
        (Some("Loja Azul"), Some("5511930000001"))
    );
    let mut counts = store.count_api_keys(&t).await.unwrap();
    counts.sort_by_key(|(k, _)| k.as_str());
    assert_eq!(counts, [(KeyKind::Number, 2), (KeyKind::Tenant, 1)]);
}

async fn key_pages_and_counts_stay_in_their_tenant(store: Arc<dyn Store>) {
    let (mine, theirs) = (tenant(&store).await, tenant(&store).await);
    let my_key = key(&store, &mine, "Mine", None).await;
    let theirs_number = named_number(&store, &theirs, "Theirs", "5511940000001").await;
    key(&store, &theirs, "Theirs", Some(&theirs_number)).await;
    key(&store, &theirs, "Theirs too", None).await;

    assert_eq!(ids(&store, &mine, &query(50)).await, std::slice::from_ref(&my_key.id));
    let q = KeyQuery {
        search: Some("theirs".into()),
        ..query(50)
    };
    assert!(ids(&store, &mine, &q).await.is_empty());
    assert_eq!(store.count_api_keys(&mine).await.unwrap(), [(KeyKind::Tenant, 1)]);
    let total: i64 = store.count_api_keys(&theirs).await.unwrap().iter().map(|(_, n)| n).sum();
    assert_eq!(total, 2);
}

async fn deleted_numbers_are_read_a_page_at_most_and_counted(store: Arc<dyn Store>) {
    let (t, other) = (tenant(&store).await, tenant(&store).await);
    let now = Utc::now();
    let mut deleted = Vec::new();
    for i in 0..5 {
        let n = new_number(&format!("55119500000{i:02}"));
        store.create_number(&t, &n, &event("number.created", &n)).await.unwrap();
        let mut removed = event("number.removed", &n);
        removed.at = now - Duration::minutes(10 - i);
        // The first one's window has closed: neither listed nor counted.
        let until = if i == 0 {
            now - Duration::minutes(1)
        } else {
            now + Duration::days(30)
        };
        store.soft_delete_number(&t, &n.id, until, &removed).await.unwrap();
        deleted.push(n.id);
    }
    let n = new_number("5511950000099");
    store.create_number(&other, &n, &event("number.created", &n)).await.unwrap();
    store
        .soft_delete_number(&other, &n.id, now + Duration::days(30), &event("number.removed", &n))
        .await
        .unwrap();

    let listed: Vec<NumberId> = store
        .list_deleted_numbers(&t, now, 3)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(
        listed,
        [deleted[4].clone(), deleted[3].clone(), deleted[2].clone()],
        "newest first, 3 at most"
    );
    assert_eq!(store.count_deleted_numbers(&t, now).await.unwrap(), 4);
    assert_eq!(store.count_deleted_numbers(&other, now).await.unwrap(), 1);
}
