//! The SSRF guard at delivery time: a target admitted when it was saved is refused, before
//! any connection, once the allowlist no longer admits it, and the refusal is logged.
use serde_json::json;

use crate::helpers::{Options, spawn_with};
use crate::receiver::{create_webhook, logs, receiver, settle, str_of};

#[tokio::test]
async fn private_targets_are_refused_again_when_delivering() {
    let app = spawn_with(Options {
        webhook_allowlist: "127.0.0.1,localhost".into(),
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let server = receiver(200).await;
    let port = server.address().port();
    let mut webhooks = Vec::new();
    // Plain http, a literal loopback IP, and a name that resolves to one (checked by the
    // resolver, after DNS).
    for url in [
        format!("http://127.0.0.1:{port}/plain"),
        format!("https://127.0.0.1:{port}/literal"),
        format!("https://localhost:{port}/name"),
    ] {
        let created = create_webhook(&app, &t.key, json!({"url": url, "events": ["*"]})).await;
        webhooks.push(str_of(&created["id"]));
    }

    let database = app.stop();
    let app = spawn_with(Options {
        database: Some(database),
        webhook_allowlist: String::new(),
        ..Options::default()
    })
    .await;
    app.create_number(&t.key, "Shop", "5511999998888").await;
    for (webhook, why) in webhooks.iter().zip(["https", "not a public address", "not a public address"]) {
        let mut attempts = Vec::new();
        for _ in 0..250 {
            attempts = logs(&app, &t.key, webhook).await[0]["attempts"].as_array().unwrap().clone();
            if !attempts.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(attempts.len(), 1, "one refused attempt is logged");
        let error = str_of(&attempts[0]["error"]);
        assert!(error.starts_with("blocked_address:") && error.contains(why), "{error}");
        // The tenant reads this log: it does not learn what our resolver maps names to.
        assert!(!error.contains("127.0.0.1") && !error.contains("loopback"), "{error}");
        assert_eq!(
            (attempts[0]["statusCode"].clone(), attempts[0]["success"].as_bool()),
            (json!(null), Some(false))
        );
        assert_eq!(
            logs(&app, &t.key, webhook).await[0]["status"],
            "pending",
            "refusals are retried like failures"
        );
    }
    assert_eq!(settle(&server).await, 0, "the receiver was never reached");
}

/// Saving a URL whose name resolves to an internal address is refused without saying which
/// address or what kind it is: otherwise the refusal maps our network one guess at a time.
#[tokio::test]
async fn a_refused_url_is_not_told_what_it_resolved_to() {
    let app = spawn_with(Options {
        webhook_allowlist: String::new(),
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    for url in [
        "https://localhost:9/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://192.88.99.1/hook",
        "https://[64:ff9b:1::a00:1]/hook",
    ] {
        let (status, body) = app
            .raw(
                reqwest::Method::POST,
                "/v1/webhooks",
                Some(&t.key),
                Some(&json!({ "url": url, "events": ["*"] }).to_string()),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{url}: {body}");
        let error = str_of(&body["error"]);
        assert!(error.contains("not a public address"), "{url}: {error}");
        for leak in ["127.0.0.1", "::1", "loopback", "relay", "NAT64"] {
            assert!(!error.contains(leak), "{url}: {error}");
        }
    }
}
