//! A real HTTP receiver for webhook tests (wiremock on 127.0.0.1), and signature checks
//! written here from the definitions, independently of the server's signer.
use std::time::Duration;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wiremock::{Mock, MockServer, Request, ResponseTemplate, matchers::method};

use crate::helpers::TestApp;

/// A receiver that answers every POST with `status`.
pub async fn receiver(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

/// Waits until the receiver has had at least `n` requests, and returns them all.
pub async fn wait_for_requests(server: &MockServer, n: usize) -> Vec<Request> {
    for _ in 0..500 {
        let got = server.received_requests().await.unwrap_or_default();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = server.received_requests().await.unwrap_or_default();
    panic!("waited 10 s for {n} webhook requests, got {}", got.len());
}

/// Lets the worker poll a few times, then returns how many requests arrived.
pub async fn settle(server: &MockServer) -> usize {
    settle_requests(server).await.len()
}

/// Lets the worker poll a few times, then returns every request so far.
pub async fn settle_requests(server: &MockServer) -> Vec<Request> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.received_requests().await.unwrap_or_default()
}

/// `POST /v1/webhooks` expecting 201; returns the body (with the secret).
pub async fn create_webhook(app: &TestApp, key: &str, body: Value) -> Value {
    app.expect(Method::POST, "/v1/webhooks", key, Some(body), StatusCode::CREATED).await
}

/// A tenant-wide webhook for every event, pointing at `server`.
pub async fn subscribe_all(app: &TestApp, key: &str, server: &MockServer) -> (String, String) {
    let created = create_webhook(
        app,
        key,
        json!({"url": format!("{}/hook", server.uri()), "name": "all", "events": ["*"]}),
    )
    .await;
    (str_of(&created["id"]), str_of(&created["secret"]))
}

pub fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("{v} is not a string")).to_owned()
}

pub async fn logs(app: &TestApp, key: &str, webhook: &str) -> Vec<Value> {
    let logs = app.get(&format!("/v1/webhooks/{webhook}/logs?limit=50"), key).await;
    logs.as_array().unwrap().clone()
}

/// Polls the logs until `done` holds: a request can reach the receiver a moment before the
/// worker records its attempt.
pub async fn wait_for_logs(app: &TestApp, key: &str, webhook: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..500 {
        let got = logs(app, key, webhook).await;
        if done(&got) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "waited 10 s for the logs, last saw {:#}",
        Value::from(logs(app, key, webhook).await)
    );
}

/// Waits until the newest delivery has `attempts` attempts logged, and returns it.
pub async fn wait_for_attempts(app: &TestApp, key: &str, webhook: &str, attempts: usize) -> Value {
    let logs = wait_for_logs(app, key, webhook, |l| {
        // The log reads the delivery and its attempts in two queries, so a worker's commit can
        // fall between them: wait until both agree.
        l.first().is_some_and(|d| {
            d["attempts"].as_array().is_some_and(|a| a.len() == attempts) && d["attemptCount"].as_u64().is_none_or(|n| n == attempts as u64)
        })
    })
    .await;
    logs[0].clone()
}

pub fn body_json(req: &Request) -> Value {
    serde_json::from_slice(&req.body).expect("the body is JSON")
}

/// HMAC-SHA256 per RFC 2104: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), 64-byte blocks.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner = Sha256::new().chain_update(block.map(|b| b ^ 0x36)).chain_update(message).finalize();
    Sha256::new()
        .chain_update(block.map(|b| b ^ 0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn header<'r>(req: &'r Request, name: &str) -> &'r str {
    req.headers
        .get(name)
        .unwrap_or_else(|| panic!("the request has {name}"))
        .to_str()
        .unwrap()
}

/// Checks both signature headers of a delivery against `secret`, and returns the
/// `webhook-id` and `webhook-timestamp`.
pub fn verify_signatures(req: &Request, secret: &str) -> (String, i64) {
    assert_eq!(header(req, "content-type"), "application/json");
    let hex: String = hmac_sha256(secret.as_bytes(), &req.body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        header(req, "x-pilot-status-signature"),
        hex,
        "hex HMAC of the raw body, keyed with the secret"
    );

    let id = header(req, "webhook-id").to_owned();
    let timestamp = header(req, "webhook-timestamp").to_owned();
    let key = STANDARD.decode(secret.strip_prefix("whsec_").expect("a whsec_ secret")).unwrap();
    let mut signed = format!("{id}.{timestamp}.").into_bytes();
    signed.extend_from_slice(&req.body);
    let expected = format!("v1,{}", STANDARD.encode(hmac_sha256(&key, &signed)));
    assert_eq!(header(req, "webhook-signature"), expected, "Standard Webhooks signature");
    (id, timestamp.parse().unwrap())
}

#[test]
fn the_test_hmac_matches_rfc_4231() {
    let hex = |b: [u8; 32]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(
        hex(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    // Test case 6: a key longer than the block is hashed first.
    assert_eq!(
        hex(hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}
