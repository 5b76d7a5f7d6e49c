//! At-least-once across a crash: deliveries under way when the process dies are picked up by
//! the next one when their lease runs out, and nothing is delivered that was not committed.
use std::collections::{BTreeSet, HashSet};

use chrono::Duration;
use wiremock::{Mock, MockServer, Request, ResponseTemplate, matchers::method};

use crate::helpers::{Options, TestApp, spawn_app, spawn_with};
use crate::receiver::{body_json, str_of, subscribe_all, verify_signatures};

async fn committed_event_ids(app: &TestApp, key: &str, numbers: &[String]) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for n in numbers {
        for e in app.get(&format!("/v1/numbers/{n}/events"), key).await.as_array().unwrap() {
            ids.insert(str_of(&e["id"]));
        }
    }
    ids
}

fn ids_of(requests: &[Request], secret: &str) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            let (id, _) = verify_signatures(r, secret);
            assert_eq!(body_json(r)["data"]["id"], id.as_str());
            id
        })
        .collect()
}

#[tokio::test]
async fn a_restart_mid_delivery_delivers_every_committed_event_at_least_once_and_invents_none() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let server = MockServer::start().await;
    // Two quick answers, then a receiver so slow that the crash catches attempts under way.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(30)))
        .mount(&server)
        .await;
    let (_, secret) = subscribe_all(&app, &t.key, &server).await;
    let mut numbers = Vec::new();
    for i in 0..4 {
        let created = app.create_number(&t.key, "Shop", &format!("551190000000{i}")).await;
        numbers.push(str_of(&created["instance"]["id"]));
    }
    for n in &numbers[..2] {
        app.post(&format!("/v1/numbers/{n}/sandbox/scan"), &t.key).await;
    }
    let before_crash = committed_event_ids(&app, &t.key, &numbers).await;
    assert_eq!(before_crash.len(), 6);
    crate::receiver::wait_for_requests(&server, 3).await;

    let database = app.stop();
    // Only the first two were answered; the rest were cut off by the crash unacknowledged,
    // so they do not count as delivered.
    let seen_before: Vec<Request> = server.received_requests().await.unwrap();
    let (answered, cut_off) = seen_before.split_at(2);
    let cut_off: HashSet<String> = ids_of(cut_off, &secret).into_iter().collect();
    assert!(!cut_off.is_empty());
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;

    // The crashed process's leases count against the endpoint's in-flight share until they
    // run out (fair delivery); this test is about at-least-once, so the share is roomy here.
    let app = spawn_with(Options {
        database: Some(database),
        configure: |c| c.webhook_in_flight_per_endpoint = 16,
        ..Options::default()
    })
    .await;
    let created = app.create_number(&t.key, "Shop", "5511900000009").await;
    numbers.push(str_of(&created["instance"]["id"]));
    let committed = committed_event_ids(&app, &t.key, &numbers).await;
    assert_eq!(committed.len(), 7);
    crate::receiver::wait_for_requests(&server, 1).await;
    let early: HashSet<String> = ids_of(&crate::receiver::settle_requests(&server).await, &secret)
        .into_iter()
        .collect();
    assert!(early.is_disjoint(&cut_off), "a live lease keeps its delivery from the new process");

    // The crashed process's leases end a minute past its attempt timeout.
    app.clock.advance(Duration::minutes(2));
    let mut received: HashSet<String> = ids_of(answered, &secret).into_iter().collect();
    for _ in 0..500 {
        let after = server.received_requests().await.unwrap_or_default();
        received.extend(ids_of(&after, &secret));
        if committed.iter().all(|id| received.contains(id)) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let received: BTreeSet<String> = received.into_iter().collect();
    assert_eq!(received, committed, "every committed event arrived, and nothing else did");
}
