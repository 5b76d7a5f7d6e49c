//! Passkey ceremonies on both backends (issue 23): a hand-off code is found by its prefix,
//! claimed once, dies after its wrong tries or its time, and each step is recorded once.
use std::sync::Arc;

use chrono::{Duration, Utc};
use pairlink::server::{
    domain::hex_sha256,
    store::{CeremonyStep, NewHandoff, Store, StoreError},
};

use crate::store_contract::{add_number, contract, tenant};
use crate::store_links::new_link;

contract!(
    a_code_is_claimed_once_and_dies_after_five_wrong_tries,
    a_held_ceremony_keeps_its_request_and_steps_happen_once,
);

async fn handoff(store: &Arc<dyn Store>, request: &str, code: &str) -> (NewHandoff, pairlink::server::domain::LinkId) {
    let t = tenant(store).await;
    let n = add_number(store, &t, &format!("+55119{:08}", rand_digits())).await;
    let (link, _) = new_link(Some(&n.id), Duration::hours(1));
    let link = store.issue_link(&t, &link, None).await.unwrap();
    let h = NewHandoff {
        link: link.id.clone(),
        tenant: t,
        number: n.id,
        request_hash: hex_sha256(request.as_bytes()),
        prefix: code[..4].into(),
        hash: hex_sha256(code.as_bytes()),
        expires_at: Utc::now() + Duration::minutes(5),
        at: Utc::now(),
    };
    (h, link.id)
}

fn rand_digits() -> u32 {
    uuid::Uuid::new_v4().as_u128() as u32 % 100_000_000
}

async fn a_code_is_claimed_once_and_dies_after_five_wrong_tries(store: Arc<dyn Store>) {
    let now = Utc::now();
    let (h, link) = handoff(&store, "req-1", "K7QM4XPR").await;
    assert!(store.issue_handoff(&h).await.unwrap());
    for i in 0..4 {
        let wrong = hex_sha256(format!("K7QM000{i}").as_bytes());
        assert!(store.claim_handoff("K7QM", &wrong, "s", 5, now).await.unwrap().is_none());
    }
    let claimed = store.claim_handoff("K7QM", &h.hash, "secret-1", 5, now).await.unwrap().unwrap();
    assert_eq!(claimed.link, link);
    assert!(claimed.claimed_at.is_some());
    assert!(
        store.claim_handoff("K7QM", &h.hash, "secret-2", 5, now).await.unwrap().is_none(),
        "claimed once"
    );
    assert_eq!(store.ceremony_by_secret("secret-1").await.unwrap().unwrap().link, link);
    assert!(store.ceremony_by_secret("secret-2").await.unwrap().is_none());

    // Another link's code: five wrong tries end it, the right code after them finds nothing.
    let (h2, _) = handoff(&store, "req-2", "K7QMABCD").await;
    assert!(store.issue_handoff(&h2).await.unwrap(), "the claimed code's prefix is free again");
    for _ in 0..5 {
        assert!(
            store
                .claim_handoff("K7QM", &hex_sha256(b"nope"), "s", 5, now)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert!(store.claim_handoff("K7QM", &h2.hash, "s3", 5, now).await.unwrap().is_none());

    // Expired codes are not claimed, and free their prefix for the next one.
    let (h3, _) = handoff(&store, "req-3", "ZZZZ2345").await;
    assert!(store.issue_handoff(&h3).await.unwrap());
    let later = h3.expires_at + Duration::seconds(1);
    assert!(store.claim_handoff("ZZZZ", &h3.hash, "s4", 5, later).await.unwrap().is_none());
    let (mut h4, _) = handoff(&store, "req-4", "ZZZZ6789").await;
    h4.at = later;
    assert!(store.issue_handoff(&h4).await.unwrap());
    // A live code's prefix is another code's conflict.
    let (h5, _) = handoff(&store, "req-5", "ZZZZ7777").await;
    assert!(matches!(store.issue_handoff(&h5).await, Err(StoreError::Conflict)));
}

async fn a_held_ceremony_keeps_its_request_and_steps_happen_once(store: Arc<dyn Store>) {
    let now = Utc::now();
    let (h, link) = handoff(&store, "req-a", "ABCD2345").await;
    assert!(store.issue_handoff(&h).await.unwrap());
    store.claim_handoff("ABCD", &h.hash, "held", 5, now).await.unwrap().unwrap();
    let again = NewHandoff {
        prefix: "EFGH".into(),
        hash: hex_sha256(b"EFGH2345"),
        ..h.clone()
    };
    assert!(!store.issue_handoff(&again).await.unwrap(), "held for this request");
    assert!(store.mark_ceremony(&link, CeremonyStep::Asserted, None, now).await.unwrap());
    assert!(
        !store.mark_ceremony(&link, CeremonyStep::Asserted, None, now).await.unwrap(),
        "once"
    );
    assert!(
        store
            .mark_ceremony(&link, CeremonyStep::Failed, Some("refused"), now)
            .await
            .unwrap()
    );
    let c = store.ceremony_of_link(&link).await.unwrap().unwrap();
    assert_eq!(c.failure.as_deref(), Some("refused"));
    assert!(
        !store.mark_ceremony(&link, CeremonyStep::Confirmed, None, now).await.unwrap(),
        "never after a failure"
    );

    // A failed ceremony, or a new request, gives way to a new code (and ends the old secret).
    assert!(store.issue_handoff(&again).await.unwrap());
    assert!(store.ceremony_by_secret("held").await.unwrap().is_none());
    let c = store.ceremony_of_link(&link).await.unwrap().unwrap();
    assert!(c.claimed_at.is_none() && c.failed_at.is_none());
    store.claim_handoff("EFGH", &again.hash, "held-2", 5, now).await.unwrap().unwrap();
    let newer = NewHandoff {
        request_hash: hex_sha256(b"req-b"),
        prefix: "JKLM".into(),
        hash: hex_sha256(b"JKLM2345"),
        ..h
    };
    assert!(store.issue_handoff(&newer).await.unwrap(), "WhatsApp asked again");
    assert_eq!(
        store.ceremony_of_link(&link).await.unwrap().unwrap().request_hash,
        hex_sha256(b"req-b")
    );
}
