//! A page's read kept while nothing changed (`page_reads`), on SQLite and PostgreSQL: served
//! again while its number is quiet, read again as soon as a change is announced, and never
//! kept longer than its age.
use std::{sync::Arc, time::Duration};

use chrono::Utc;
use pairlink::server::{
    live::Live,
    page_reads::PageReads,
    store::{LinkEnd, Store},
};

use crate::{
    store_contract::{add_number, contract, tenant},
    store_links::new_link,
};

contract!(
    a_kept_read_is_served_until_its_number_changes,
    a_kept_read_is_never_older_than_its_age
);

async fn a_kept_read_is_served_until_its_number_changes(store: Arc<dyn Store>) {
    let live = Live::new(store.clone());
    // Long enough that a slow machine does not age the read out under the test.
    let reads = PageReads::keeping_for(store.clone(), live.clone(), Duration::from_secs(600));
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let (link, token) = new_link(Some(&n.id), chrono::Duration::hours(1));
    store.issue_link(&t, &link, None).await.unwrap();
    let hash = token.hash();
    for _ in 0..2 {
        let read = reads.read(&hash).await.unwrap().expect("the link is found");
        assert_eq!(read.link.end_reason, None);
    }

    // Written without a word: the kept read still answers (so it is kept)...
    assert!(store.end_link(&t, &link.id, LinkEnd::Revoked, Utc::now()).await.unwrap());
    assert_eq!(reads.read(&hash).await.unwrap().unwrap().link.end_reason, None, "kept");
    // ...until the change is announced, as every write a page shows is.
    live.notify(&t, &n.id).await;
    assert_eq!(reads.read(&hash).await.unwrap().unwrap().link.end_reason, Some(LinkEnd::Revoked));

    // A token nobody has finds nothing, and nothing is kept for it.
    assert!(reads.read("no-such-hash").await.unwrap().is_none());
}

async fn a_kept_read_is_never_older_than_its_age(store: Arc<dyn Store>) {
    let live = Live::new(store.clone());
    let reads = PageReads::keeping_for(store.clone(), live, Duration::from_millis(200));
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let (link, token) = new_link(Some(&n.id), chrono::Duration::hours(1));
    store.issue_link(&t, &link, None).await.unwrap();
    let hash = token.hash();
    reads.read(&hash).await.unwrap();
    reads.read(&hash).await.unwrap();
    // What changes unannounced (a lease lapsing with its process) shows within the age.
    assert!(store.end_link(&t, &link.id, LinkEnd::Revoked, Utc::now()).await.unwrap());
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(reads.read(&hash).await.unwrap().unwrap().link.end_reason, Some(LinkEnd::Revoked));
}
