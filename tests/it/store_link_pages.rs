//! The dashboard's list of links a page at a time (issue 24), on SQLite and PostgreSQL: a
//! walk sees each link once, the status filter and counts agree with what the list shows,
//! the search finds a number's name or phone, and no tenant sees another's.
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use pairlink::server::{
    domain::{LinkId, NumberState, TenantId},
    pairing::events::link_event,
    store::{LinkEnd, LinkQuery, LinkStatus, NewLink, NewNumber, Store},
};
use serde_json::json;

use crate::store_contract::{add_number, contract, event, new_number, tenant};
use crate::store_links::new_link;

contract!(
    pages_walk_each_link_once_newest_first,
    statuses_filter_and_count_as_the_list_reads_them,
    the_search_finds_a_name_or_phone_digits,
    pages_and_counts_stay_in_their_tenant,
);

fn query(limit: u32) -> LinkQuery {
    LinkQuery {
        limit,
        now: Utc::now(),
        ..LinkQuery::default()
    }
}

async fn ids(store: &Arc<dyn Store>, t: &TenantId, q: &LinkQuery) -> Vec<LinkId> {
    store.list_links_page(t, q).await.unwrap().into_iter().map(|o| o.link.id).collect()
}

/// A link for `number` (none: a Meta signup) created at `at`.
async fn link_at(store: &Arc<dyn Store>, t: &TenantId, number: Option<&NewNumber>, at: DateTime<Utc>) -> NewLink {
    let (mut link, _) = new_link(number.map(|n| &n.id), Duration::hours(24));
    link.at = at;
    link.expires_at = at + Duration::hours(24);
    store.issue_link(t, &link, None).await.unwrap();
    link
}

async fn named(store: &Arc<dyn Store>, t: &TenantId, name: &str, phone: &str) -> NewNumber {
    let mut n = new_number(phone);
    n.name = name.into();
    store.create_number(t, &n, &event("number.created", &n)).await.unwrap();
    n
}

async fn pages_walk_each_link_once_newest_first(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let base = Utc::now() - Duration::hours(1);
    let mut made = Vec::new();
    for i in 0..12 {
        let n = add_number(&store, &t, &format!("55119100000{i:02}")).await;
        // Three links to a millisecond: the id breaks the tie.
        made.push(link_at(&store, &t, Some(&n), base + Duration::milliseconds(i / 3)).await);
    }
    made.push(link_at(&store, &t, None, base).await);
    let mut expected: Vec<&NewLink> = made.iter().collect();
    expected.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));

    let mut seen = Vec::new();
    let mut q = query(5);
    loop {
        let page = store.list_links_page(&t, &q).await.unwrap();
        assert!(page.len() <= 5);
        if seen.is_empty() {
            // A link made meanwhile is newer than every page: the walk goes on unshaken.
            link_at(&store, &t, None, Utc::now()).await;
        }
        let Some(last) = page.last() else { break };
        q.after = Some((last.link.created_at, last.link.id.clone()));
        seen.extend(page.into_iter().map(|o| o.link.id));
    }
    let expected: Vec<LinkId> = expected.into_iter().map(|l| l.id.clone()).collect();
    assert_eq!(seen, expected, "each link once, newest first");
}

async fn statuses_filter_and_count_as_the_list_reads_them(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let mut numbers = Vec::new();
    for i in 0..6 {
        numbers.push(add_number(&store, &t, &format!("55119200000{i:02}")).await);
    }
    let at = Utc::now();
    let mut links = Vec::new();
    for n in &numbers {
        links.push(link_at(&store, &t, Some(n), at).await);
    }
    let [active, opened, expiring, revoked, replaced, connected] = &links[..] else {
        unreachable!()
    };
    let stored = store.current_link(&t, &opened.number_id.clone().unwrap()).await.unwrap().unwrap();
    store
        .mark_link_opened(&t, &opened.id, &link_event("link.opened", &stored, None, at, json!({})))
        .await
        .unwrap();
    store.set_link_expiry(&t, &expiring.id, at + Duration::minutes(1)).await.unwrap();
    store.end_link(&t, &revoked.id, LinkEnd::Revoked, at).await.unwrap();
    let newer = link_at(&store, &t, Some(&numbers[4]), at + Duration::seconds(1)).await;
    store
        .transition_number(&t, &numbers[5].id, NumberState::Open, at, None)
        .await
        .unwrap();

    let now = at + Duration::minutes(5);
    let want = [
        (LinkStatus::Active, vec![newer.id.clone(), active.id.clone()]),
        (LinkStatus::Opened, vec![opened.id.clone()]),
        (LinkStatus::Expired, vec![expiring.id.clone()]),
        (LinkStatus::Revoked, vec![revoked.id.clone()]),
        (LinkStatus::Replaced, vec![replaced.id.clone()]),
        (LinkStatus::Connected, vec![connected.id.clone()]),
    ];
    let mut counts = store.count_links_by_status(&t, now).await.unwrap();
    counts.sort_by_key(|(s, _)| s.as_str());
    let mut want_counts: Vec<(LinkStatus, i64)> = want.iter().map(|(s, l)| (*s, l.len() as i64)).collect();
    want_counts.sort_by_key(|(s, _)| s.as_str());
    assert_eq!(counts, want_counts);
    for (status, expected) in want {
        let mut q = query(50);
        q.now = now;
        q.status = Some(status);
        let mut got = ids(&store, &t, &q).await;
        let mut expected = expected;
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{status:?}");
    }
}

async fn the_search_finds_a_name_or_phone_digits(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let azul = named(&store, &t, "Loja Azul", "5511930000001").await;
    let padaria = named(&store, &t, "Padaria 50%", "5521930000002").await;
    let shop = named(&store, &t, "Shop_1", "5511930000003").await;
    let now = Utc::now();
    let (l_azul, l_padaria, l_shop) = (
        link_at(&store, &t, Some(&azul), now).await.id,
        link_at(&store, &t, Some(&padaria), now).await.id,
        link_at(&store, &t, Some(&shop), now).await.id,
    );
    link_at(&store, &t, None, now).await;
    let search = |text: &str| {
        let mut q = query(50);
        q.search = Some(text.into());
        q
    };
    assert_eq!(ids(&store, &t, &search("AZUL")).await, std::slice::from_ref(&l_azul));
    assert_eq!(
        ids(&store, &t, &search("%")).await,
        std::slice::from_ref(&l_padaria),
        "% is a character, not a wildcard"
    );
    assert_eq!(ids(&store, &t, &search("_")).await, std::slice::from_ref(&l_shop), "_ too");
    let mut by_phone = ids(&store, &t, &search("551193")).await;
    by_phone.sort();
    let mut want = vec![l_azul.clone(), l_shop];
    want.sort();
    assert_eq!(by_phone, want);
    let mut q = search("5511");
    q.status = Some(LinkStatus::Revoked);
    assert!(ids(&store, &t, &q).await.is_empty(), "the search and the filter both apply");
}

async fn pages_and_counts_stay_in_their_tenant(store: Arc<dyn Store>) {
    let (mine, theirs) = (tenant(&store).await, tenant(&store).await);
    let n = named(&store, &mine, "Mine", "5511940000001").await;
    let other = named(&store, &theirs, "Theirs", "5511940000001").await;
    let now = Utc::now();
    let my_link = link_at(&store, &mine, Some(&n), now).await;
    link_at(&store, &theirs, Some(&other), now).await;
    link_at(&store, &theirs, None, now).await;

    assert_eq!(ids(&store, &mine, &query(50)).await, std::slice::from_ref(&my_link.id));
    let mut q = query(50);
    q.search = Some("theirs".into());
    assert!(ids(&store, &mine, &q).await.is_empty());
    assert_eq!(store.count_links_by_status(&mine, now).await.unwrap(), [(LinkStatus::Active, 1)]);
    let total: i64 = store
        .count_links_by_status(&theirs, now)
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(total, 2);
}
