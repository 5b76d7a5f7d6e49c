//! Deliveries end to end: the real app's worker POSTs to a real receiver; time moves on the
//! app's clock.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use pairlink::server::clock::Clock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};

use crate::helpers::{TestApp, spawn_app};
use crate::receiver::{
    body_json, create_webhook, logs, receiver, settle, str_of, subscribe_all, verify_signatures, wait_for_attempts, wait_for_logs,
    wait_for_requests,
};

fn at(v: &Value) -> DateTime<Utc> {
    str_of(v).parse().unwrap()
}

async fn new_number(app: &TestApp, key: &str, phone: &str) -> String {
    str_of(&app.create_number(key, "Shop", phone).await["instance"]["id"])
}

#[tokio::test]
async fn lifecycle_events_are_delivered_as_recorded_and_signed() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let server = receiver(200).await;
    let (all, secret) = subscribe_all(&app, &t.key, &server).await;

    let id = new_number(&app, &t.key, "5511999998888").await;
    let only_connected = create_webhook(
        &app,
        &t.key,
        json!({"url": format!("{}/bound", server.uri()), "events": ["number.connected"], "whatsappNumberId": id}),
    )
    .await;
    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;
    app.post(&format!("/v1/numbers/{id}/sandbox/unlink"), &t.key).await;
    app.expect(Method::DELETE, &format!("/v1/numbers/{id}"), &t.key, None, StatusCode::OK)
        .await;
    app.post(&format!("/v1/numbers/{id}/restore"), &t.key).await;
    let other = new_number(&app, &t.key, "5511999997777").await;
    app.post(&format!("/v1/numbers/{other}/sandbox/scan"), &t.key).await;

    let requests = wait_for_requests(&server, 8).await;
    assert_eq!(settle(&server).await, 8, "nothing more");
    let (to_all, to_bound): (Vec<_>, Vec<_>) = requests.iter().partition(|r| r.url.path() == "/hook");

    // Each body is the recorded event, byte for byte its JSON, and carries its id.
    let mut recorded: HashMap<String, Value> = HashMap::new();
    for n in [&id, &other] {
        for e in app.get(&format!("/v1/numbers/{n}/events"), &t.key).await.as_array().unwrap() {
            recorded.insert(str_of(&e["id"]), json!({"event": e["event"], "data": e["data"]}));
        }
    }
    assert_eq!(to_all.len(), recorded.len(), "one delivery per event");
    let now = app.clock.now().timestamp();
    for req in &to_all {
        let (webhook_id, timestamp) = verify_signatures(req, &secret);
        let body = body_json(req);
        assert_eq!(body["data"]["id"], webhook_id.as_str(), "webhook-id is the event id");
        assert_eq!(recorded.get(&webhook_id), Some(&body));
        assert!((now - timestamp).abs() <= 1, "webhook-timestamp is the app's clock");
        assert_eq!(req.method, Method::POST);
    }
    let mut kinds: Vec<_> = to_all.iter().map(|r| str_of(&body_json(r)["event"])).collect();
    kinds.sort();
    let mut expected = vec![
        "number.connected",
        "number.connected",
        "number.created",
        "number.created",
        "number.disconnected",
        "number.removed",
        "number.restored",
    ];
    expected.sort();
    assert_eq!(kinds, expected);
    let disconnected = to_all
        .iter()
        .map(|r| body_json(r))
        .find(|b| b["event"] == "number.disconnected")
        .unwrap();
    assert_eq!(disconnected["data"]["reason"], "device_removed");
    assert_eq!(disconnected["data"]["phone"], "+5511999998888");

    // The number-bound webhook heard only its number's connection.
    assert_eq!(to_bound.len(), 1);
    let bound_body = body_json(to_bound[0]);
    assert_eq!(
        (bound_body["event"].as_str(), bound_body["data"]["numberId"].as_str()),
        (Some("number.connected"), Some(id.as_str()))
    );
    verify_signatures(to_bound[0], &str_of(&only_connected["secret"]));

    let logged = wait_for_logs(&app, &t.key, &all, |l| l.len() == 7 && l.iter().all(|d| d["status"] == "delivered")).await;
    assert_eq!(logged.len(), 7);
    for log in &logged {
        assert_eq!(
            (log["status"].as_str(), log["success"].as_bool(), log["attemptCount"].as_i64()),
            (Some("delivered"), Some(true), Some(1))
        );
        assert_eq!((log["statusCode"].as_i64(), log["nextAttemptAt"].clone()), (Some(200), Value::Null));
        assert_eq!(log["attempts"][0]["statusCode"], 200);
        assert!(log["attempts"][0]["latencyMs"].as_i64().unwrap() >= 0);
        assert_eq!(log["eventId"], log["payload"]["data"]["id"]);
    }
    let text = serde_json::to_string(&logged).unwrap();
    assert!(!text.contains(&secret) && !text.contains("whsec_"), "logs never show the secret");
    let removed = app.get(&format!("/v1/webhooks/{all}/logs?event=number.removed"), &t.key).await;
    assert_eq!(removed.as_array().unwrap().len(), 1);
    assert_eq!(
        app.get(&format!("/v1/webhooks/{all}/logs?limit=2"), &t.key)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn failures_are_retried_on_the_backoff_schedule_until_they_succeed() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("down for maintenance"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let (webhook, secret) = subscribe_all(&app, &t.key, &server).await;
    new_number(&app, &t.key, "5511999998888").await;

    wait_for_requests(&server, 1).await;
    assert_eq!(settle(&server).await, 1, "no retry before it is due");
    let log = &wait_for_attempts(&app, &t.key, &webhook, 1).await;
    assert_eq!((log["status"].as_str(), log["statusCode"].as_i64()), (Some("pending"), Some(500)));
    assert_eq!(log["attempts"][0]["responseBody"], "down for maintenance");
    let wait = at(&log["nextAttemptAt"]) - at(&log["attempts"][0]["createdAt"]);
    assert!(
        wait >= Duration::seconds(4) && wait <= Duration::seconds(6),
        "first retry after 5 s ± 20 %: {wait}"
    );

    app.clock.advance(Duration::seconds(6));
    wait_for_requests(&server, 2).await;
    assert_eq!(settle(&server).await, 2);
    let log = &wait_for_attempts(&app, &t.key, &webhook, 2).await;
    let wait = at(&log["nextAttemptAt"]) - at(&log["attempts"][1]["createdAt"]);
    assert!(
        wait >= Duration::seconds(240) && wait <= Duration::seconds(360),
        "then 5 min ± 20 %: {wait}"
    );

    app.clock.advance(Duration::minutes(6));
    let requests = wait_for_requests(&server, 3).await;
    let log = &wait_for_attempts(&app, &t.key, &webhook, 3).await;
    assert_eq!((log["status"].as_str(), log["attemptCount"].as_i64()), (Some("delivered"), Some(3)));
    let codes: Vec<_> = log["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["attempt"].clone(), a["statusCode"].clone()))
        .collect();
    assert_eq!(codes, [(json!(1), json!(500)), (json!(2), json!(500)), (json!(3), json!(204))]);

    // Every attempt carries the same event and id, freshly signed at its own time.
    let signed: Vec<_> = requests.iter().map(|r| verify_signatures(r, &secret)).collect();
    assert!(requests.iter().all(|r| r.body == requests[0].body));
    assert!(signed.iter().all(|(id, _)| *id == signed[0].0));
    assert!(signed[0].1 < signed[1].1 && signed[1].1 < signed[2].1);
}

#[tokio::test]
async fn a_receiver_that_never_recovers_gets_nine_attempts_over_two_days_then_none() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let server = receiver(500).await;
    let (webhook, _) = subscribe_all(&app, &t.key, &server).await;
    new_number(&app, &t.key, "5511999998888").await;
    wait_for_requests(&server, 1).await;
    for attempt in 2..=9 {
        let log = &wait_for_attempts(&app, &t.key, &webhook, attempt - 1).await;
        let due = at(&log["nextAttemptAt"]);
        app.clock.advance(due - app.clock.now() + Duration::seconds(1));
        wait_for_requests(&server, attempt).await;
    }
    assert_eq!(settle(&server).await, 9);
    let log = &wait_for_attempts(&app, &t.key, &webhook, 9).await;
    assert_eq!((log["status"].as_str(), log["nextAttemptAt"].clone()), (Some("dead"), Value::Null));
    let times: Vec<_> = log["attempts"].as_array().unwrap().iter().map(|a| at(&a["createdAt"])).collect();
    assert_eq!(times.len(), 9);
    let nominal = [5, 300, 1800, 7200, 18000, 36000, 50400, 57600];
    for (gap, base) in times.windows(2).map(|w| w[1] - w[0]).zip(nominal) {
        let secs = gap.num_milliseconds() as f64 / 1000.0;
        // The worker ran up to 1 s (our step) past each due time.
        assert!(
            secs >= base as f64 * 0.8 && secs <= base as f64 * 1.2 + 1.5,
            "{secs} s for a {base} s step"
        );
    }
    let span = times[8] - times[0];
    assert!(span > Duration::hours(36) && span < Duration::hours(60), "about two days: {span}");
    app.clock.advance(Duration::days(7));
    assert_eq!(settle(&server).await, 9, "dead deliveries stay dead");
}

#[tokio::test]
async fn retry_after_on_429_is_honoured() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let (webhook, _) = subscribe_all(&app, &t.key, &server).await;
    new_number(&app, &t.key, "5511999998888").await;
    wait_for_requests(&server, 1).await;
    let log = &wait_for_attempts(&app, &t.key, &webhook, 1).await;
    assert_eq!(
        at(&log["nextAttemptAt"]) - at(&log["attempts"][0]["createdAt"]),
        Duration::seconds(120)
    );
    app.clock.advance(Duration::seconds(60));
    assert_eq!(settle(&server).await, 1, "not before Retry-After");
    app.clock.advance(Duration::seconds(61));
    wait_for_requests(&server, 2).await;
    assert_eq!(wait_for_attempts(&app, &t.key, &webhook, 2).await["status"], "delivered");
}

#[tokio::test]
async fn a_delivery_can_be_replayed_with_the_same_event_id() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let server = receiver(200).await;
    let (webhook, secret) = subscribe_all(&app, &t.key, &server).await;
    let other_url = format!("{}/other", server.uri());
    let other_webhook = str_of(&create_webhook(&app, &t.key, json!({"url": other_url, "events": ["*"]})).await["id"]);
    new_number(&app, &t.key, "5511999998888").await;
    wait_for_requests(&server, 2).await;
    let delivery = str_of(&wait_for_attempts(&app, &t.key, &webhook, 1).await["deliveryId"]);

    let path = format!("/v1/webhooks/{webhook}/logs/{delivery}/retry");
    let queued = app.expect(Method::POST, &path, &t.key, None, StatusCode::ACCEPTED).await;
    assert_eq!(
        (queued["status"].as_str(), queued["deliveryId"].as_str()),
        (Some("pending"), Some(delivery.as_str()))
    );
    let requests = wait_for_requests(&server, 3).await;
    let to_first: Vec<_> = requests.iter().filter(|r| r.url.path() == "/hook").collect();
    assert_eq!(to_first.len(), 2, "the original and the replay");
    assert_eq!(to_first[0].body, to_first[1].body, "the same event, data.id included");
    assert_eq!(verify_signatures(to_first[0], &secret).0, verify_signatures(to_first[1], &secret).0);
    let log = &wait_for_attempts(&app, &t.key, &webhook, 2).await;
    assert_eq!((log["status"].as_str(), log["attemptCount"].as_i64()), (Some("delivered"), Some(2)));

    let elsewhere = format!("/v1/webhooks/{other_webhook}/logs/{delivery}/retry");
    app.expect_error(
        Method::POST,
        &elsewhere,
        Some(&t.key),
        None,
        StatusCode::NOT_FOUND,
        "DELIVERY_NOT_FOUND",
    )
    .await;
    let other = app.tenant("Other").await;
    app.expect_error(
        Method::POST,
        &path,
        Some(&other.key),
        None,
        StatusCode::NOT_FOUND,
        "WEBHOOK_NOT_FOUND",
    )
    .await;
    let pause = json!({"active": false});
    app.expect(
        Method::PATCH,
        &format!("/v1/webhooks/{webhook}"),
        &t.key,
        Some(pause),
        StatusCode::OK,
    )
    .await;
    app.expect_error(Method::POST, &path, Some(&t.key), None, StatusCode::CONFLICT, "WEBHOOK_INACTIVE")
        .await;
}

#[tokio::test]
async fn pausing_holds_pending_deliveries_and_creates_none_until_resumed() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let (webhook, _) = subscribe_all(&app, &t.key, &server).await;
    let first = new_number(&app, &t.key, "5511999998888").await;
    wait_for_attempts(&app, &t.key, &webhook, 1).await;

    let path = format!("/v1/webhooks/{webhook}");
    app.expect(Method::PATCH, &path, &t.key, Some(json!({"active": false})), StatusCode::OK)
        .await;
    new_number(&app, &t.key, "5511999997777").await;
    app.clock.advance(Duration::minutes(10));
    assert_eq!(settle(&server).await, 1, "paused: the retry waits");
    assert_eq!(
        logs(&app, &t.key, &webhook).await.len(),
        1,
        "and no delivery is created for new events"
    );

    app.expect(Method::PATCH, &path, &t.key, Some(json!({"active": true})), StatusCode::OK)
        .await;
    let requests = wait_for_requests(&server, 2).await;
    assert_eq!(settle(&server).await, 2);
    assert_eq!(body_json(&requests[1])["data"]["numberId"], first.as_str());
    assert_eq!(wait_for_attempts(&app, &t.key, &webhook, 2).await["status"], "delivered");
}
