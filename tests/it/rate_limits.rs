//! Rate limits: per API key, per client address on the public link endpoints.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Options, spawn_with};

#[tokio::test]
async fn each_key_has_its_own_budget_and_429_says_when_to_retry() {
    let app = spawn_with(Options {
        configure: |c| c.rate_limit_api_per_minute = 3,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    for _ in 0..3 {
        app.get("/v1/numbers", &t.key).await;
    }
    let res = reqwest::Client::new()
        .get(format!("{}/v1/numbers", app.base))
        .header("x-api-key", &t.key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["retryAfterSeconds"].as_u64()),
        (Some("RATE_LIMITED"), Some(retry))
    );
    assert!((1..=60).contains(&retry), "{retry}");
    app.get("/v1/numbers", &other.key).await;
}

#[tokio::test]
async fn public_endpoints_are_limited_per_client_address() {
    let app = spawn_with(Options {
        configure: |c| c.rate_limit_public_per_minute = 4,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let link = app.create_link(&t.key, json!({ "name": "A", "number": "5511999998888" })).await;
    let token = link["remotePairingToken"].as_str().unwrap();
    for _ in 0..4 {
        let (status, _) = app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await;
        assert_eq!(status, StatusCode::OK);
    }
    // Guessing tokens spends the same budget, and a forged X-Forwarded-For does not help.
    let res = reqwest::Client::new()
        .get(format!("{}/v1/remote-pairing/rp_guess", app.base))
        .header("x-forwarded-for", "198.51.100.7")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // The tenant's key-authenticated calls are counted apart.
    app.get("/v1/numbers", &t.key).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_clients_are_told_apart_by_x_forwarded_for() {
    let app = spawn_with(Options {
        configure: |c| {
            c.rate_limit_public_per_minute = 2;
            c.trusted_proxies = "127.0.0.1".into();
        },
        ..Options::default()
    })
    .await;
    let http = reqwest::Client::new();
    let call = |ip: &'static str| {
        http.get(format!("{}/v1/remote-pairing/rp_x", app.base))
            .header("x-forwarded-for", ip)
            .send()
    };
    for _ in 0..2 {
        assert_eq!(call("198.51.100.7").await.unwrap().status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(call("198.51.100.7").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        call("198.51.100.8").await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "another client behind the proxy"
    );
}

/// The connect page and its start form spend the same per-address budget as the API calls the
/// page makes, whatever key header comes along (a key is no way into a fresh bucket here).
#[tokio::test]
async fn the_connect_page_and_its_form_share_the_address_budget() {
    let app = spawn_with(Options {
        configure: |c| c.rate_limit_public_per_minute = 3,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let link = app.create_link(&t.key, json!({ "name": "A", "number": "5511999998877" })).await;
    let token = link["remotePairingToken"].as_str().unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    assert_eq!(app.public(Method::GET, &format!("/connect/{token}")).await.0, StatusCode::OK);
    let start = || client.post(format!("{}/connect/{token}/start", app.base));
    assert_eq!(start().send().await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await.0,
        StatusCode::OK
    );
    for key in ["pl_made_up_1", "pl_made_up_2"] {
        let res = start().header("x-api-key", key).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{key}");
    }
    assert_eq!(
        app.public(Method::GET, &format!("/connect/{token}")).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}
