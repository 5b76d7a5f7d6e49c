//! The webhook half of the store contract, on SQLite and PostgreSQL: endpoints, fan-out of
//! events to deliveries in the event's transaction, leases, attempts, replays.
use std::{collections::HashSet, sync::Arc};

use chrono::{DateTime, Duration, Utc};
use pairlink::server::{
    domain::{AttemptId, EventFilter, NumberId, NumberState, TenantId, WebhookId, WebhookSecret},
    store::{
        ClaimedDelivery, DeliveryLog, DeliveryPolicy, DeliveryStatus, NewAttempt, NewEvent, NewWebhook, NextStep, Store, StoreError,
        Webhook, WebhookPatch,
    },
};

use crate::store_contract::{add_number, contract, event, new_number, tenant};

contract!(
    endpoints_round_trip_within_their_tenant,
    events_fan_out_to_matching_active_endpoints,
    fan_out_rolls_back_with_the_event,
    claims_are_exclusive_under_concurrency,
    leases_expire_and_a_stale_finish_only_logs,
    retries_are_scheduled_and_dead_is_final,
    paused_endpoints_hold_their_deliveries,
    requeue_replays_the_same_event,
    logs_page_filter_and_stay_in_their_tenant,
    deleting_endpoints_and_purging_numbers_drop_their_deliveries,
    claims_take_tenants_in_turn_within_their_shares,
    failing_endpoints_rest_and_their_deliveries_wait,
);

fn filter(names: &[&str]) -> EventFilter {
    EventFilter::parse("events", &names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap()
}

async fn add_webhook(store: &Arc<dyn Store>, t: &TenantId, number: Option<&NumberId>, events: EventFilter, active: bool) -> Webhook {
    let new = NewWebhook {
        id: WebhookId::generate(),
        number_id: number.cloned(),
        name: "CRM".into(),
        url: "https://hooks.example.com/in".into(),
        events,
        secret: WebhookSecret::generate(),
        active,
        at: Utc::now(),
    };
    store.insert_webhook(t, &new).await.unwrap()
}

async fn logs(store: &Arc<dyn Store>, t: &TenantId, w: &Webhook) -> Vec<DeliveryLog> {
    store.list_delivery_logs(t, &w.id, None, 50).await.unwrap()
}

async fn delivered_events(store: &Arc<dyn Store>, t: &TenantId, w: &Webhook) -> HashSet<String> {
    logs(store, t, w)
        .await
        .into_iter()
        .map(|l| l.delivery.event_id.to_string())
        .collect()
}

/// Writes `ev` through a state change of `n` (the store writes events only with one).
async fn emit(store: &Arc<dyn Store>, t: &TenantId, n: &NumberId, state: NumberState, ev: &NewEvent) {
    let changed = store.transition_number(t, n, state, ev.at, Some(ev)).await.unwrap();
    assert!(changed.is_some(), "the number moved to {state:?}");
}

async fn claim(store: &Arc<dyn Store>, lease: &str, now: DateTime<Utc>) -> Vec<ClaimedDelivery> {
    store
        .claim_deliveries(lease, now, now + Duration::seconds(60), 10, &DeliveryPolicy::default())
        .await
        .unwrap()
}

/// A second from now, in whole milliseconds as the database keeps it.
fn soon() -> DateTime<Utc> {
    pairlink::server::domain::from_millis((Utc::now() + Duration::seconds(1)).timestamp_millis())
}

fn attempt(status: Option<i64>, error: Option<&str>, at: DateTime<Utc>) -> NewAttempt {
    NewAttempt {
        id: AttemptId::generate(),
        status_code: status,
        error: error.map(str::to_owned),
        latency_ms: 12,
        response_body: status.map(|_| "ok".to_owned()),
        at,
    }
}

async fn endpoints_round_trip_within_their_tenant(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let other = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let wide = add_webhook(&store, &t, None, filter(&["number.created", "link.opened"]), true).await;
    let got = store.get_webhook(&t, &wide.id).await.unwrap();
    assert_eq!((got.number_id, got.name.as_str(), got.active), (None, "CRM", true));
    assert_eq!(got.events.names(), ["number.created", "link.opened"]);
    assert_eq!(got.url, "https://hooks.example.com/in");
    let bound = add_webhook(&store, &t, Some(&n.id), filter(&["*"]), true).await;
    let ids = |list: Vec<Webhook>| list.into_iter().map(|w| w.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_webhooks(&t, None).await.unwrap()),
        [wide.id.clone(), bound.id.clone()]
    );
    assert_eq!(
        ids(store.list_webhooks(&t, Some(&n.id)).await.unwrap()),
        std::slice::from_ref(&bound.id)
    );
    assert!(store.list_webhooks(&other, None).await.unwrap().is_empty());

    let later = Utc::now() + Duration::seconds(5);
    let patch = WebhookPatch {
        name: Some("ERP".into()),
        active: Some(false),
        ..WebhookPatch::default()
    };
    let changed = store.update_webhook(&t, &wide.id, &patch, later).await.unwrap();
    assert_eq!((changed.name.as_str(), changed.active), ("ERP", false));
    assert_eq!(changed.events, wide.events, "what the patch leaves out stays");
    assert!(changed.updated_at > wide.updated_at && changed.created_at == wide.created_at);
    let emptied = WebhookPatch {
        events: Some(filter(&[])),
        url: Some("https://other.example.com/".into()),
        ..WebhookPatch::default()
    };
    let changed = store.update_webhook(&t, &wide.id, &emptied, later).await.unwrap();
    assert!(changed.events.names().is_empty());
    assert_eq!((changed.url.as_str(), changed.name.as_str()), ("https://other.example.com/", "ERP"));

    assert!(matches!(store.get_webhook(&other, &wide.id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        store.update_webhook(&other, &wide.id, &patch, later).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(store.delete_webhook(&other, &wide.id).await, Err(StoreError::NotFound)));
    store.delete_webhook(&t, &wide.id).await.unwrap();
    assert!(matches!(store.get_webhook(&t, &wide.id).await, Err(StoreError::NotFound)));
    assert!(matches!(store.delete_webhook(&t, &wide.id).await, Err(StoreError::NotFound)));
}

async fn events_fan_out_to_matching_active_endpoints(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let other = tenant(&store).await;
    let a = add_number(&store, &t, "5511900000001").await;
    let b = add_number(&store, &t, "5511900000002").await;
    let all = add_webhook(&store, &t, None, filter(&["*"]), true).await;
    let wide_connected = add_webhook(&store, &t, None, filter(&["number.connected"]), true).await;
    let a_only = add_webhook(&store, &t, Some(&a.id), filter(&["*"]), true).await;
    let b_only = add_webhook(&store, &t, Some(&b.id), filter(&["number.connected", "number.disconnected"]), true).await;
    let nothing = add_webhook(&store, &t, None, filter(&[]), true).await;
    let paused = add_webhook(&store, &t, None, filter(&["*"]), false).await;
    let links = add_webhook(&store, &t, None, filter(&["link.opened"]), true).await;
    // `_` is a LIKE wildcard: a stored name differing only there must not match.
    let lookalike = add_webhook(&store, &t, None, EventFilter::from_stored(",number.healthXblocked,"), true).await;
    let foreign = add_webhook(&store, &other, None, filter(&["*"]), true).await;

    let c = new_number("5511900000003");
    let c_created = event("number.created", &c);
    store.create_number(&t, &c, &c_created).await.unwrap();
    let a_connected = event("number.connected", &a);
    emit(&store, &t, &a.id, NumberState::Open, &a_connected).await;
    let b_connected = event("number.connected", &b);
    emit(&store, &t, &b.id, NumberState::Open, &b_connected).await;
    let a_opened = event("link.opened", &a);
    emit(&store, &t, &a.id, NumberState::Connecting, &a_opened).await;
    emit(&store, &t, &a.id, NumberState::Close, &event("number.health_blocked", &a)).await;

    let ids = |events: &[&NewEvent]| events.iter().map(|e| e.id.to_string()).collect::<HashSet<_>>();
    let health = logs(&store, &t, &all)
        .await
        .into_iter()
        .find(|l| l.delivery.event_kind == "number.health_blocked");
    let health = health.expect("`*` takes every event").delivery.event_id.to_string();
    let mut expected_all = ids(&[&c_created, &a_connected, &b_connected, &a_opened]);
    expected_all.insert(health);
    assert_eq!(
        delivered_events(&store, &t, &all).await,
        expected_all,
        "tenant-wide `*`, new numbers included"
    );
    assert_eq!(
        delivered_events(&store, &t, &wide_connected).await,
        ids(&[&a_connected, &b_connected])
    );
    let a_events = delivered_events(&store, &t, &a_only).await;
    assert_eq!(a_events.len(), 3, "A's connected, opened and health events");
    assert!(a_events.is_superset(&ids(&[&a_connected, &a_opened])));
    assert_eq!(delivered_events(&store, &t, &b_only).await, ids(&[&b_connected]));
    assert_eq!(
        delivered_events(&store, &t, &links).await,
        ids(&[&a_opened]),
        "our events go to those that list them"
    );
    for silent in [&nothing, &paused, &lookalike] {
        assert!(logs(&store, &t, silent).await.is_empty(), "{}", silent.events.to_stored());
    }
    assert!(logs(&store, &other, &foreign).await.is_empty(), "other tenants hear nothing");

    let log = logs(&store, &t, &links).await.remove(0);
    let d = &log.delivery;
    assert_eq!(
        (d.status, d.attempts, d.event_kind.as_str()),
        (DeliveryStatus::Pending, 0, "link.opened")
    );
    assert_eq!(serde_json::from_str::<serde_json::Value>(&d.payload).unwrap(), a_opened.payload);
    assert_eq!(
        d.next_attempt_at,
        Some(pairlink::server::domain::from_millis(a_opened.at.timestamp_millis()))
    );
}

async fn fan_out_rolls_back_with_the_event(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let all = add_webhook(&store, &t, None, filter(&["*"]), true).await;
    add_number(&store, &t, "5511900000001").await;
    let dup = new_number("5511900000001");
    assert!(matches!(
        store.create_number(&t, &dup, &event("number.created", &dup)).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(logs(&store, &t, &all).await.len(), 1, "the failed create left no delivery");
}

async fn claims_are_exclusive_under_concurrency(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    add_webhook(&store, &t, None, filter(&["*"]), true).await;
    for i in 0..30 {
        add_number(&store, &t, &format!("55119000001{i:02}")).await;
    }
    let now = Utc::now() + Duration::seconds(1);
    let claimers: Vec<_> = (0..6)
        .map(|c| {
            let store = store.clone();
            tokio::spawn(async move {
                let (mut got, mut busy) = (Vec::new(), 0);
                for round in 0.. {
                    match store
                        .claim_deliveries(
                            &format!("w{c}:{round}"),
                            now,
                            now + Duration::seconds(60),
                            4,
                            &DeliveryPolicy::default(),
                        )
                        .await
                    {
                        Ok(batch) if batch.is_empty() => break,
                        Ok(batch) => got.extend(batch.into_iter().map(|d| d.id)),
                        // SQLite reports a busy database and PostgreSQL may pick a deadlock
                        // victim under contention: that claimer just tries again.
                        Err(_) if busy < 200 => busy += 1,
                        Err(err) => panic!("{err}"),
                    }
                }
                got
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for claimer in claimers {
        claimed.extend(claimer.await.unwrap());
    }
    claimed.extend(claim(&store, "late", now).await.into_iter().map(|d| d.id));
    let unique: HashSet<_> = claimed.iter().cloned().collect();
    assert_eq!(unique.len(), claimed.len(), "no delivery was claimed twice");
    assert_eq!(unique.len(), 30, "every delivery was claimed");
    assert!(claim(&store, "again", now + Duration::seconds(59)).await.is_empty(), "leases hold");
    assert_eq!(
        claim(&store, "after", now + Duration::seconds(61)).await.len(),
        10,
        "and then run out"
    );
}

async fn leases_expire_and_a_stale_finish_only_logs(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let w = add_webhook(&store, &t, None, filter(&["*"]), true).await;
    add_number(&store, &t, "5511900000001").await;
    let t0 = Utc::now() + Duration::seconds(1);
    let first = claim(&store, "w1:0", t0).await;
    assert_eq!(first.len(), 1);
    assert!(first[0].secret.reveal().starts_with("whsec_") && first[0].url == w.url);
    assert!(claim(&store, "w2:0", t0 + Duration::seconds(30)).await.is_empty());
    let second = claim(&store, "w2:1", t0 + Duration::seconds(61)).await;
    assert_eq!(second[0].id, first[0].id);

    let stale = store
        .finish_delivery(
            &first[0],
            &attempt(Some(200), None, t0),
            NextStep::Delivered,
            &DeliveryPolicy::default(),
        )
        .await
        .unwrap();
    assert!(!stale, "the first claim lost its lease");
    let log = logs(&store, &t, &w).await.remove(0);
    assert_eq!(log.delivery.status, DeliveryStatus::Pending, "a stale finish changes nothing");
    assert_eq!(log.attempts.len(), 1, "but its attempt is logged");
    assert!(
        store
            .finish_delivery(
                &second[0],
                &attempt(Some(204), None, t0),
                NextStep::Delivered,
                &DeliveryPolicy::default()
            )
            .await
            .unwrap()
    );
    let log = logs(&store, &t, &w).await.remove(0);
    assert_eq!((log.delivery.status, log.delivery.attempts), (DeliveryStatus::Delivered, 1));
    assert_eq!(log.delivery.next_attempt_at, None);
    assert_eq!(log.attempts.len(), 2);
    assert!(claim(&store, "w3:0", t0 + Duration::days(30)).await.is_empty());
}

async fn retries_are_scheduled_and_dead_is_final(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let w = add_webhook(&store, &t, None, filter(&["*"]), true).await;
    add_number(&store, &t, "5511900000001").await;
    let t0 = soon();
    let claimed = claim(&store, "w:0", t0).await.remove(0);
    assert_eq!((claimed.attempts, claimed.step), (0, 0));
    let retry_at = t0 + Duration::seconds(5);
    let next = NextStep::RetryAt { at: retry_at, step: 1 };
    assert!(
        store
            .finish_delivery(&claimed, &attempt(Some(500), None, t0), next, &DeliveryPolicy::default())
            .await
            .unwrap()
    );
    let log = logs(&store, &t, &w).await.remove(0);
    let d = &log.delivery;
    assert_eq!((d.status, d.attempts, d.last_status_code), (DeliveryStatus::Pending, 1, Some(500)));
    assert_eq!((d.next_attempt_at, d.last_attempt_at), (Some(retry_at), Some(t0)));
    assert!(
        claim(&store, "w:1", retry_at - Duration::milliseconds(1)).await.is_empty(),
        "not before it is due"
    );
    let again = claim(&store, "w:2", retry_at).await.remove(0);
    assert_eq!((again.attempts, again.step), (1, 1));
    let failed = attempt(None, Some("timeout: no answer within 10 s"), retry_at);
    assert!(
        store
            .finish_delivery(&again, &failed, NextStep::Dead, &DeliveryPolicy::default())
            .await
            .unwrap()
    );
    let log = logs(&store, &t, &w).await.remove(0);
    assert_eq!((log.delivery.status, log.delivery.attempts), (DeliveryStatus::Dead, 2));
    assert_eq!(log.delivery.last_error.as_deref(), Some("timeout: no answer within 10 s"));
    let numbers: Vec<_> = log.attempts.iter().map(|a| (a.attempt, a.status_code, a.error.is_some())).collect();
    assert_eq!(numbers, [(1, Some(500), false), (2, None, true)]);
    assert_eq!(
        (log.attempts[0].latency_ms, log.attempts[0].response_body.as_deref()),
        (12, Some("ok"))
    );
    assert!(claim(&store, "w:3", t0 + Duration::days(30)).await.is_empty(), "dead stays dead");
}

async fn paused_endpoints_hold_their_deliveries(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let w = add_webhook(&store, &t, None, filter(&["*"]), true).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let pause = WebhookPatch {
        active: Some(false),
        ..WebhookPatch::default()
    };
    store.update_webhook(&t, &w.id, &pause, Utc::now()).await.unwrap();
    let later = Utc::now() + Duration::seconds(1);
    assert!(claim(&store, "w:0", later).await.is_empty(), "pending deliveries wait");
    emit(&store, &t, &n.id, NumberState::Open, &event("number.connected", &n)).await;
    assert_eq!(logs(&store, &t, &w).await.len(), 1, "no new delivery while paused");
    let resume = WebhookPatch {
        active: Some(true),
        ..WebhookPatch::default()
    };
    store.update_webhook(&t, &w.id, &resume, Utc::now()).await.unwrap();
    let claimed = claim(&store, "w:1", later).await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(logs(&store, &t, &w).await[0].delivery.event_kind, "number.created");
}

async fn requeue_replays_the_same_event(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let other = tenant(&store).await;
    let w = add_webhook(&store, &t, None, filter(&["*"]), true).await;
    let spare = add_webhook(&store, &t, None, filter(&[]), true).await;
    add_number(&store, &t, "5511900000001").await;
    let t0 = soon();
    let first = claim(&store, "w:0", t0).await.remove(0);
    let to_dead = NextStep::Dead;
    store
        .finish_delivery(&first, &attempt(Some(410), None, t0), to_dead, &DeliveryPolicy::default())
        .await
        .unwrap();
    let t1 = t0 + Duration::hours(3);
    assert!(matches!(
        store.requeue_delivery(&other, &w.id, &first.id, t1).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.requeue_delivery(&t, &spare.id, &first.id, t1).await,
        Err(StoreError::NotFound)
    ));
    store.requeue_delivery(&t, &w.id, &first.id, t1).await.unwrap();
    let log = store.get_delivery_log(&t, &w.id, &first.id).await.unwrap();
    assert_eq!(
        (log.delivery.status, log.delivery.next_attempt_at),
        (DeliveryStatus::Pending, Some(t1))
    );
    assert!(claim(&store, "w:1", t1 - Duration::seconds(1)).await.is_empty());
    let replay = claim(&store, "w:2", t1).await.remove(0);
    assert_eq!(
        (replay.id, replay.event_id, replay.step),
        (first.id.clone(), first.event_id.clone(), 0)
    );
    assert_eq!(replay.body, first.body);
    assert!(matches!(
        store.get_delivery_log(&other, &w.id, &first.id).await,
        Err(StoreError::NotFound)
    ));
}

async fn logs_page_filter_and_stay_in_their_tenant(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let other = tenant(&store).await;
    let w = add_webhook(&store, &t, None, filter(&["*"]), true).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let mut at = Utc::now();
    for (state, kind) in [
        (NumberState::Open, "number.connected"),
        (NumberState::Close, "number.disconnected"),
        (NumberState::Open, "number.connected"),
    ] {
        at += Duration::seconds(1);
        let mut ev = event(kind, &n);
        ev.at = at;
        emit(&store, &t, &n.id, state, &ev).await;
    }
    let all = logs(&store, &t, &w).await;
    let kinds: Vec<_> = all.iter().map(|l| l.delivery.event_kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["number.connected", "number.disconnected", "number.connected", "number.created"],
        "newest first"
    );
    let page = store.list_delivery_logs(&t, &w.id, None, 2).await.unwrap();
    assert_eq!(
        page.iter().map(|l| l.delivery.id.clone()).collect::<Vec<_>>(),
        [all[0].delivery.id.clone(), all[1].delivery.id.clone()]
    );
    let connected = store.list_delivery_logs(&t, &w.id, Some("number.connected"), 50).await.unwrap();
    assert_eq!(connected.len(), 2);
    assert!(connected.iter().all(|l| l.delivery.event_kind == "number.connected"));

    let due = claim(&store, "w:0", at + Duration::seconds(1)).await;
    for d in &due {
        store
            .finish_delivery(d, &attempt(Some(500), None, at), NextStep::Dead, &DeliveryPolicy::default())
            .await
            .unwrap();
    }
    let page = store.list_delivery_logs(&t, &w.id, None, 2).await.unwrap();
    for log in &page {
        assert_eq!(log.attempts.len(), 1);
        assert_eq!(log.attempts[0].delivery_id, log.delivery.id, "attempts sit with their delivery");
    }
    assert!(store.list_delivery_logs(&other, &w.id, None, 50).await.unwrap().is_empty());
}

async fn deleting_endpoints_and_purging_numbers_drop_their_deliveries(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let wide = add_webhook(&store, &t, None, filter(&["*"]), true).await;
    let bound = add_webhook(&store, &t, Some(&n.id), filter(&["*"]), true).await;
    emit(&store, &t, &n.id, NumberState::Open, &event("number.connected", &n)).await;
    let t0 = Utc::now() + Duration::seconds(1);
    let in_flight = claim(&store, "w:0", t0).await;
    assert_eq!(in_flight.len(), 2);
    store.delete_webhook(&t, &wide.id).await.unwrap();
    let wide_claim = in_flight.iter().find(|d| d.webhook_id == wide.id).unwrap();
    let finished = store
        .finish_delivery(
            wide_claim,
            &attempt(Some(200), None, t0),
            NextStep::Delivered,
            &DeliveryPolicy::default(),
        )
        .await;
    assert!(!finished.unwrap(), "finishing a delivery of a deleted endpoint is a no-op");
    store.purge_number(&t, &n.id).await.unwrap();
    assert!(
        matches!(store.get_webhook(&t, &bound.id).await, Err(StoreError::NotFound)),
        "the number's endpoints go with it"
    );
    assert!(claim(&store, "w:1", t0 + Duration::days(1)).await.is_empty());
}

/// A tenant with many deliveries due cannot fill a claim: first turns of every tenant come
/// first, and no tenant or endpoint holds more than its share of leases at once.
async fn claims_take_tenants_in_turn_within_their_shares(store: Arc<dyn Store>) {
    let (flood, quiet) = (tenant(&store).await, tenant(&store).await);
    let a1 = add_webhook(&store, &flood, None, filter(&["*"]), true).await;
    let a2 = add_webhook(&store, &flood, None, filter(&["*"]), true).await;
    for i in 0..10 {
        add_number(&store, &flood, &format!("55119000002{i:02}")).await;
    }
    // The quiet tenant's one delivery is the newest of all.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    add_webhook(&store, &quiet, None, filter(&["*"]), true).await;
    add_number(&store, &quiet, "5511900000301").await;
    let policy = DeliveryPolicy {
        in_flight_per_tenant: 3,
        in_flight_per_endpoint: 2,
        ..DeliveryPolicy::default()
    };
    let now = Utc::now() + Duration::seconds(1);
    let until = now + Duration::seconds(60);
    let first = store.claim_deliveries("w:0", now, until, 2, &policy).await.unwrap();
    let tenants: HashSet<_> = first.iter().map(|d| d.tenant_id.clone()).collect();
    assert!(
        tenants.contains(&quiet),
        "the quiet tenant's first turn comes with the flood's first"
    );
    let more = store.claim_deliveries("w:1", now, until, 50, &policy).await.unwrap();
    let flood_held: Vec<_> = first.iter().chain(&more).filter(|d| d.tenant_id == flood).collect();
    assert_eq!(flood_held.len(), 3, "the flood holds its share, no more");
    for endpoint in [&a1.id, &a2.id] {
        assert!(flood_held.iter().filter(|d| &d.webhook_id == endpoint).count() <= 2);
    }
    assert!(store.claim_deliveries("w:2", now, until, 50, &policy).await.unwrap().is_empty());
    // A finished attempt gives its place in the tenant's share back.
    let done = flood_held[0];
    assert!(
        store
            .finish_delivery(done, &attempt(Some(200), None, now), NextStep::Delivered, &policy)
            .await
            .unwrap()
    );
    let tenant_share_only = DeliveryPolicy {
        in_flight_per_tenant: 3,
        ..DeliveryPolicy::default()
    };
    assert_eq!(
        store
            .claim_deliveries("w:3", now, until, 50, &tenant_share_only)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// An endpoint that keeps failing rests: its deliveries stay pending (none are dropped) and
/// are not claimed until the circuit's time is up; a success closes it.
async fn failing_endpoints_rest_and_their_deliveries_wait(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let w = add_webhook(&store, &t, None, filter(&["*"]), true).await;
    for i in 0..4 {
        add_number(&store, &t, &format!("55119000004{i:02}")).await;
    }
    let policy = DeliveryPolicy {
        failures_to_open: 2,
        open_for: Duration::seconds(60),
        ..DeliveryPolicy::default()
    };
    let t0 = Utc::now() + Duration::seconds(1);
    let retry = NextStep::RetryAt { at: t0, step: 1 };
    let claimed = store
        .claim_deliveries("w:0", t0, t0 + Duration::seconds(30), 2, &policy)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    for d in &claimed {
        assert!(
            store
                .finish_delivery(d, &attempt(None, Some("timeout: no answer"), t0), retry, &policy)
                .await
                .unwrap()
        );
    }
    let t1 = t0 + Duration::seconds(1);
    assert!(
        store
            .claim_deliveries("w:1", t1, t1 + Duration::seconds(30), 10, &policy)
            .await
            .unwrap()
            .is_empty(),
        "resting"
    );
    let pending = logs(&store, &t, &w)
        .await
        .iter()
        .filter(|l| l.delivery.status == DeliveryStatus::Pending)
        .count();
    assert_eq!(pending, 4, "nothing was dropped");
    // Time is up: a try is made; its success closes the circuit for good.
    let t2 = t0 + Duration::seconds(61);
    let again = store
        .claim_deliveries("w:2", t2, t2 + Duration::seconds(30), 1, &policy)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert!(
        store
            .finish_delivery(&again[0], &attempt(Some(200), None, t2), NextStep::Delivered, &policy)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .claim_deliveries("w:3", t2, t2 + Duration::seconds(30), 10, &policy)
            .await
            .unwrap()
            .len(),
        3
    );
}
