//! Dashboard accounts: sign-in, the cookie, CSRF, rate limits, sessions, the CLI.
use reqwest::{StatusCode, redirect::Policy};
use serde_json::Value;

use crate::admin_support::{PASSWORD, assert_code, call, login, user};
use crate::helpers::{Options, spawn_app, spawn_with};

#[tokio::test]
async fn sign_in_sets_a_locked_down_cookie_and_sign_out_ends_the_session() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "Ana@Example.com").await;

    for (email, password) in [("ana@example.com", "wrong password!"), ("nobody@example.com", PASSWORD)] {
        let (status, body, headers) = call(&app.base, "login", None, &[("email", email), ("password", password)]).await;
        assert_code((status, body), StatusCode::UNAUTHORIZED, "BAD_CREDENTIALS");
        assert!(headers.get("set-cookie").is_none());
    }
    let (status, _, headers) = call(&app.base, "login", None, &[("email", " ANA@example.com "), ("password", PASSWORD)]).await;
    assert_eq!(status, StatusCode::OK);
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Lax") && cookie.contains("; Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");

    let admin = login(&app, "ana@example.com").await;
    let (status, me) = admin.read("session", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (me["email"].as_str(), me["tenant_name"].as_str()),
        (Some("ana@example.com"), Some("Acme"))
    );
    assert_eq!(me["csrf"].as_str().unwrap().len(), 48);

    let (status, body, _) = call(&app.base, "session", None, &[]).await;
    assert_code((status, body), StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
    let (status, body, _) = call(&app.base, "session", Some("forged"), &[]).await;
    assert_code((status, body), StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");

    // Changes need the session's CSRF token.
    assert_code(
        admin.read("logout", &[("csrf", "nope")]).await,
        StatusCode::FORBIDDEN,
        "CSRF_FAILED",
    );
    assert_eq!(
        admin.read("session", &[]).await.0,
        StatusCode::OK,
        "a failed sign-out changes nothing"
    );
    admin.ok("logout", &[]).await;
    assert_code(admin.read("session", &[]).await, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
}

#[tokio::test]
async fn changes_from_another_origin_are_refused_even_with_the_token() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@example.com").await;
    let admin = login(&app, "ana@example.com").await;
    let res = reqwest::Client::new()
        .post(format!("{}/api/admin/numbers/create", app.base))
        .header("cookie", format!("pairlink_session={}", admin.cookie))
        .header("origin", "https://evil.example")
        .form(&[
            ("csrf", admin.csrf.as_str()),
            ("input[name]", "X"),
            ("input[phone]", "+5511999990000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (_, numbers) = admin.read("numbers", &[]).await;
    assert!(numbers["live"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_address() {
    let app = spawn_with(Options {
        configure: |c| c.login_attempts_per_minute = 3,
        ..Options::default()
    })
    .await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@example.com").await;
    for _ in 0..3 {
        let (status, _, _) = call(
            &app.base,
            "login",
            None,
            &[("email", "ana@example.com"), ("password", "guess guess guess")],
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body, headers) = call(&app.base, "login", None, &[("email", "ana@example.com"), ("password", PASSWORD)]).await;
    assert_code((status, body), StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
    assert!(headers.get("set-cookie").is_none(), "not even the right password gets through");
}

#[tokio::test]
async fn sessions_are_listed_and_revocable_from_another_session() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@example.com").await;
    user(&app, &acme, "bo@example.com").await;
    let (ana, bo) = (login(&app, "ana@example.com").await, login(&app, "bo@example.com").await);
    let (_, list) = ana.read("sessions", &[]).await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let current: Vec<&Value> = list.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["email"], "ana@example.com");
    let bos = list.iter().find(|s| s["email"] == "bo@example.com").unwrap()["id"]
        .as_str()
        .unwrap();
    ana.ok("sessions/revoke", &[("id", bos)]).await;
    assert_code(bo.read("session", &[]).await, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
    assert_eq!(ana.read("session", &[]).await.0, StatusCode::OK);
}

#[tokio::test]
async fn dashboard_pages_send_strangers_to_sign_in() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme Corp").await;
    user(&app, &acme, "ana@example.com").await;
    let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    for path in ["/admin/numbers", "/admin/account"] {
        let res = http
            .get(format!("{}{path}", app.base))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FOUND, "{path}");
        assert_eq!(res.headers()["location"], "/admin/login");
    }
    let login_page = http.get(format!("{}/admin/login", app.base)).send().await.unwrap();
    assert_eq!(login_page.status(), StatusCode::OK);
    assert!(
        login_page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let admin = login(&app, "ana@example.com").await;
    let (status, html) = admin.page("/admin/numbers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Acme Corp") && html.contains("ana@example.com"));
    assert!(!html.contains(&admin.cookie), "the session token never reaches a page");
}

#[tokio::test]
async fn user_create_reads_the_password_from_stdin_and_the_user_can_sign_in() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/cli.db", dir.path().display());
    let run = |args: &[&str], stdin: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pairlink"))
            .args(args)
            .env("DATABASE_URL", &db)
            .env("PAIRLINK_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&["tenant", "create", "--name", "Acme"], "");
    let tenant: Value = serde_json::from_slice(&out.stdout).unwrap();
    let tenant = tenant["tenantId"].as_str().unwrap();
    let out = run(
        &["user", "create", "--tenant", tenant, "--email", "ana@example.com"],
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let made: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert!(made["userId"].as_str().unwrap().starts_with("usr_"));
    assert_eq!(made["email"], "ana@example.com");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(PASSWORD));

    let again = run(
        &["user", "create", "--tenant", tenant, "--email", "ana@example.com"],
        &format!("{PASSWORD}\n"),
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let short = run(&["user", "create", "--tenant", tenant, "--email", "bo@example.com"], "short\n");
    assert!(String::from_utf8_lossy(&short.stderr).contains("10 to 200"));
    let nowhere = run(
        &["user", "create", "--tenant", "ten_nope", "--email", "cy@example.com"],
        &format!("{PASSWORD}\n"),
    );
    assert!(String::from_utf8_lossy(&nowhere.stderr).contains("no such tenant"));

    let app = spawn_with(Options {
        database: Some((pairlink::server::config::DatabaseUrl::new(db.clone()), std::sync::Arc::new(dir))),
        ..Options::default()
    })
    .await;
    login(&app, "ana@example.com").await;
}
