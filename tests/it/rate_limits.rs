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

/// Before: any request carrying a key header had a bucket named after that header, checked
/// before the key was, so a client got a fresh budget by sending a made-up key each time.
#[tokio::test]
async fn a_made_up_key_is_no_way_into_a_fresh_budget() {
    let app = spawn_with(Options {
        configure: |c| c.rate_limit_public_per_minute = 3,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let link = app.create_link(&t.key, json!({ "name": "A", "number": "5511999998866" })).await;
    let token = link["remotePairingToken"].as_str().unwrap();
    let http = reqwest::Client::new();
    let statuses = futures::future::join_all((0..5).map(|i| {
        http.get(format!("{}/v1/remote-pairing/{token}/status", app.base))
            .header("x-api-key", format!("pl_random_{i}"))
            .send()
    }))
    .await;
    let limited = statuses
        .iter()
        .filter(|r| r.as_ref().unwrap().status() == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(limited, 2, "public routes spend the address's budget whatever key comes along");
    // Unauthenticated API calls (no key, or a wrong one) spend the same budget: guessing keys
    // is slowed per address, not free.
    for key in ["pl_guess_1", "pl_guess_2"] {
        let res = http
            .get(format!("{}/v1/numbers", app.base))
            .header("x-api-key", key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{key}");
    }
    // A real key has its own budget, untouched by the above.
    app.get("/v1/numbers", &t.key).await;
}

/// A key's budget follows the verified key, so writing it another way is the same budget.
#[tokio::test]
async fn one_key_has_one_budget_however_it_is_written() {
    let app = spawn_with(Options {
        configure: |c| c.rate_limit_api_per_minute = 4,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let http = reqwest::Client::new();
    let get = || http.get(format!("{}/v1/numbers", app.base));
    let spellings = [
        get().header("x-api-key", &t.key),
        get().header("authorization", format!("Bearer {}", t.key)),
        get().header("authorization", format!("bearer   {} ", t.key)),
        get().header("x-api-key", format!(" {} ", t.key)),
        get().header("authorization", format!("BEARER {}", t.key)),
    ];
    let mut statuses = Vec::new();
    for req in spellings {
        statuses.push(req.send().await.unwrap().status());
    }
    assert_eq!(statuses[..4], [StatusCode::OK; 4]);
    assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
}

/// A proxy may add its own `X-Forwarded-For` line rather than extend the client's: the client
/// then controls the first line, and only the last untrusted hop over all lines names it.
#[tokio::test]
async fn every_forwarded_for_line_is_read() {
    let app = spawn_with(Options {
        configure: |c| {
            c.rate_limit_public_per_minute = 2;
            c.trusted_proxies = "127.0.0.1".into();
        },
        ..Options::default()
    })
    .await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..3 {
        let res = http
            .get(format!("{}/v1/remote-pairing/rp_x", app.base))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .header("x-forwarded-for", "198.51.100.7")
            .send()
            .await
            .unwrap();
        statuses.push(res.status());
    }
    assert_eq!(
        statuses,
        [StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::TOO_MANY_REQUESTS]
    );
}

/// An IPv6 subscriber has a whole /64 to pick addresses from: it is one client.
#[tokio::test]
async fn ipv6_clients_are_counted_by_their_64() {
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
    assert_eq!(call("2001:db8:7:1::1").await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(call("2001:db8:7:1:dead:beef::2").await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(call("2001:db8:7:1::3").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        call("2001:db8:7:2::1").await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "the next /64"
    );
}

/// One budget per address in front of every route: logos, server functions, documents.
#[tokio::test]
async fn every_route_spends_the_address_budget() {
    let app = spawn_with(Options {
        configure: |c| c.rate_limit_address_per_minute = 4,
        ..Options::default()
    })
    .await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for path in [
        "/assets/logos/lg_none",
        "/api/admin/session",
        "/assets/logos/lg_none",
        "/openapi.json",
        "/assets/logos/lg_none",
    ] {
        let res = if path.starts_with("/api/") {
            http.post(format!("{}{path}", app.base)).send().await.unwrap()
        } else {
            http.get(format!("{}{path}", app.base)).send().await.unwrap()
        };
        statuses.push(res.status());
    }
    assert!(statuses[..4].iter().all(|s| *s != StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
}

/// A public route spends the address's budget even with a valid key: the key's own budget is
/// for the API, and a public poll must not become a way around the address's limit.
#[tokio::test]
async fn a_valid_key_on_a_public_route_spends_the_address_budget() {
    let app = spawn_with(Options {
        configure: |c| c.rate_limit_public_per_minute = 3,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let link = app.create_link(&t.key, json!({ "name": "A", "number": "5511999998855" })).await;
    let token = link["remotePairingToken"].as_str().unwrap();
    let mut statuses = Vec::new();
    for path in [
        "/v1/remote-pairing",
        "/api/v1/remote-pairing",
        "/v1/remote-pairing",
        "/v1/remote-pairing",
    ] {
        let res = reqwest::Client::new()
            .get(format!("{}{path}/{token}/status", app.base))
            .header("x-api-key", &t.key)
            .send()
            .await
            .unwrap();
        statuses.push(res.status());
    }
    assert_eq!(statuses[..3], [StatusCode::OK; 3]);
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
}
