//! Sign-in under attack: per-address (per /64) and global budgets, a bounded number of
//! password hashes at once, and failures that slow an email down without locking its owner out.
use reqwest::StatusCode;
use serde_json::Value;

use crate::admin_support::{PASSWORD, user};
use crate::helpers::{Options, TestApp, spawn_with};

/// A sign-in from `address` (behind the trusted local proxy).
async fn sign_in(app: &TestApp, address: &str, email: &str, password: &str) -> (StatusCode, Value) {
    let res = crate::helpers::http_client()
        .post(format!("{}/api/admin/login", app.base))
        .header("x-forwarded-for", address)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn behind_proxy(c: &mut pairlink::server::config::Config) {
    c.trusted_proxies = "127.0.0.1".into();
}

/// Before: each email had a hard budget, so anyone who knew an address could keep its owner
/// out by failing on purpose from anywhere. Now failures only make that email's attempts wait.
#[tokio::test]
async fn a_stranger_failing_on_purpose_cannot_lock_the_owner_out() {
    let app = spawn_with(Options {
        configure: |c| {
            behind_proxy(c);
            c.login_attempts_per_minute = 3;
            c.login_delay_max_seconds = 1;
        },
        ..Options::default()
    })
    .await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@example.com").await;
    for i in 0..8 {
        let (status, _) = sign_in(&app, &format!("198.51.100.{i}"), "ana@example.com", "wrong wrong wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let started = std::time::Instant::now();
    let (status, body) = sign_in(&app, "203.0.113.50", "ana@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "but it waited: {:?}",
        started.elapsed()
    );
    // The success forgave the failures.
    let started = std::time::Instant::now();
    assert_eq!(sign_in(&app, "203.0.113.51", "ana@example.com", PASSWORD).await.0, StatusCode::OK);
    assert!(started.elapsed() < std::time::Duration::from_millis(900));
}

#[tokio::test]
async fn an_ipv6_network_is_one_address_for_sign_ins() {
    let app = spawn_with(Options {
        configure: |c| {
            behind_proxy(c);
            c.login_attempts_per_minute = 2;
        },
        ..Options::default()
    })
    .await;
    for (i, address) in ["2001:db8:5:5::1", "2001:db8:5:5::2", "2001:db8:5:5:ffff::3"].iter().enumerate() {
        let (status, body) = sign_in(&app, address, &format!("u{i}@example.com"), "wrong wrong wrong").await;
        let expected = if i < 2 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "{address}: {body}");
    }
    assert_eq!(
        sign_in(&app, "2001:db8:5:6::1", "u9@example.com", "wrong wrong wrong").await.0,
        StatusCode::UNAUTHORIZED,
        "another network"
    );
}

#[tokio::test]
async fn sign_ins_from_everyone_together_have_a_budget() {
    let app = spawn_with(Options {
        configure: |c| {
            behind_proxy(c);
            c.login_attempts_per_minute_all = 3;
        },
        ..Options::default()
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        statuses.push(
            sign_in(&app, &format!("198.51.{i}.1"), &format!("u{i}@example.com"), "wrong wrong wrong")
                .await
                .0,
        );
    }
    assert_eq!(statuses[..3], [StatusCode::UNAUTHORIZED; 3]);
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS);
}

/// Each hash takes ~20 MB and tens of milliseconds of a core: a burst from many addresses
/// waits for a turn, and past the wait is told to come back, instead of exhausting memory.
#[tokio::test]
async fn password_hashes_take_turns() {
    let app = spawn_with(Options {
        configure: |c| {
            behind_proxy(c);
            c.password_hashes_at_once = 1;
            c.password_hash_wait_millis = 1;
        },
        ..Options::default()
    })
    .await;
    let attempts = futures::future::join_all((0..12).map(|i| {
        let (address, email) = (format!("198.51.{i}.2"), format!("u{i}@example.com"));
        let app = &app;
        async move { sign_in(app, &address, &email, "wrong wrong wrong").await.0 }
    }))
    .await;
    let busy = attempts.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(busy > 0, "some waited past their turn: {attempts:?}");
    assert!(
        attempts
            .iter()
            .all(|s| [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(s)),
        "{attempts:?}"
    );
}
