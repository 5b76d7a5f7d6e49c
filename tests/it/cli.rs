//! The `pairlink` binary's commands, run as a user would.
use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Options, spawn_with};

fn pairlink(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pairlink"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("PAIRLINK_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env_remove("RUST_LOG")
        .output()
        .expect("pairlink runs")
}

#[tokio::test]
async fn tenant_and_key_commands_print_json_only_and_the_keys_work() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/cli.db", dir.path().display());

    let out = pairlink(&db, &["migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());

    let out = pairlink(&db, &["tenant", "create", "--name", "Acme"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let created: Value = serde_json::from_slice(&out.stdout).expect("stdout is exactly one JSON document");
    let tenant = created["tenantId"].as_str().unwrap().to_owned();
    let key = created["apiKey"].as_str().unwrap().to_owned();
    assert!(tenant.starts_with("ten_") && key.starts_with("pl_"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&key), "the key is not logged");
    // A one-shot command builds only what it needs: no webhook worker that could claim
    // deliveries and exit in the middle of them.
    let out = Command::new(env!("CARGO_BIN_EXE_pairlink"))
        .args(["tenant", "create", "--name", "Quiet"])
        .env("DATABASE_URL", &db)
        .env("PAIRLINK_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env("RUST_LOG", "info")
        .env("PAIRLINK_LOG", "info")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(!log.contains("webhook worker"), "{log}");

    let out = pairlink(&db, &["key", "create", "--tenant", &tenant]);
    let second: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(second["tenantId"], tenant.as_str());
    let second_key = second["apiKey"].as_str().unwrap().to_owned();
    assert_ne!(second_key, key);

    let out = pairlink(&db, &["key", "create", "--tenant", "ten_nope"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such tenant"));

    let out = pairlink(&db, &["tenant", "create", "--name", " "]);
    assert!(!out.status.success());

    // Both keys authenticate against a server on the same database.
    let url = pairlink::server::config::DatabaseUrl::new(db.clone());
    let app = spawn_with(Options {
        database: Some((url, std::sync::Arc::new(dir))),
        ..Options::default()
    })
    .await;
    for k in [&key, &second_key] {
        let (status, _) = app.raw(reqwest::Method::GET, "/v1/numbers", Some(k), None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let number = app.create_number(&key, "A", "5511999998888").await;
    let id = number["instance"]["id"].as_str().unwrap();
    let out = pairlink(&db, &["key", "create", "--tenant", &tenant, "--number", id]);
    let scoped: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(scoped["numberId"], id);
    let list = app.get("/v1/numbers", scoped["apiKey"].as_str().unwrap()).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[test]
fn bad_configuration_fails_with_a_clear_message() {
    let out = pairlink("mysql://nope", &["migrate"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("database_url"), "{err}");
}

/// A server whose pages would link to browser files that are not there refuses to start, and
/// says what is missing and how to build it (a `cargo build` of the binary alone has no site).
#[test]
fn serve_refuses_to_start_without_the_browser_assets() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/serve.db", dir.path().display());
    let serve = |site: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_pairlink"))
            .arg("serve")
            .env("DATABASE_URL", &db)
            .env("PAIRLINK_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
            .env("LEPTOS_SITE_ROOT", site)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env_remove("RUST_LOG")
            .output()
            .expect("pairlink runs")
    };
    let out = serve(dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pkg/manifest.json not found") && err.contains("scripts/build.sh"),
        "{err}"
    );

    // A manifest that names a file the build did not leave is refused the same way.
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let names = pairlink::ui::assets::Assets::unbuilt();
    std::fs::write(pkg.join("manifest.json"), serde_json::to_string(&names).unwrap()).unwrap();
    for file in names.files().into_iter().filter(|f| *f != names.dashboard.wasm) {
        std::fs::write(pkg.join(file), "x").unwrap();
    }
    let out = serve(dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pkg/dashboard.wasm not found"), "{err}");
}

/// `PAIRLINK_META_APP_ID=1234567890` as an operator pastes it (every Meta app id is all digits)
/// used to stop the program with "invalid type: found unsigned int"; text settings now take
/// digits as written, and the page offers Embedded Signup with that id.
#[tokio::test]
async fn an_all_digit_meta_app_id_from_the_environment_is_taken_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/digits.db", dir.path().display());
    let out = Command::new(env!("CARGO_BIN_EXE_pairlink"))
        .args(["tenant", "create", "--name", "Acme"])
        .env("DATABASE_URL", &db)
        .env("PAIRLINK_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env("PAIRLINK_META_APP_ID", "1234567890")
        .env("PAIRLINK_META_CONFIG_ID", "0987654321")
        .env("PAIRLINK_META_APP_SECRET", "123456")
        .env("PAIRLINK_META_TOKEN_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
        .env_remove("RUST_LOG")
        .output()
        .expect("pairlink runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(created["apiKey"].as_str().unwrap().starts_with("pl_"));
}

/// `pairlink config` in an empty folder (no `Leptos.toml`): every setting with where it came
/// from and its variable, secrets masked; a bad setting fails as `serve` would.
#[test]
fn config_prints_the_effective_settings_masked_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[(&str, &str)]| {
        Command::new(env!("CARGO_BIN_EXE_pairlink"))
            .arg("config")
            .current_dir(dir.path())
            .env_remove("PAIRLINK_CONFIG")
            .env_remove("DATABASE_URL")
            .env_remove("RUST_LOG")
            .envs(extra.iter().copied())
            .output()
            .expect("pairlink runs")
    };
    let out = run(&[
        ("PAIRLINK_METRICS_TOKEN", "an-app-secret-value"),
        ("DATABASE_URL", "postgres://app:hunter2@db.internal/pairlink"),
        ("PAIRLINK_SANDBOX", "1"),
        ("PAIRLINK_SECRETS_KEY", "YmVuY2htYXJrIGtleSBmb3IgcGFpcmxpbmsgcnVucyE="),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        !text.contains("an-app-secret-value") && !text.contains("hunter2") && !text.contains("YmVuY2ht"),
        "{text}"
    );
    let line = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} in {text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        line("metrics_token"),
        ["metrics_token", "***", "environment", "PAIRLINK_METRICS_TOKEN"]
    );
    assert_eq!(
        line("database_url"),
        [
            "database_url",
            "postgres://app:***@db.internal/pairlink",
            "environment",
            "DATABASE_URL"
        ]
    );
    assert_eq!(line("sandbox"), ["sandbox", "true", "environment", "PAIRLINK_SANDBOX"]);
    assert_eq!(
        line("soft_delete_days"),
        ["soft_delete_days", "30", "default", "PAIRLINK_SOFT_DELETE_DAYS"]
    );
    assert_eq!(line("site_addr")[1], "127.0.0.1:3000", "Leptos's options without a file");

    let out = run(&[("PAIRLINK_SOFT_DELETE_DAYS", "soon")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("soft_delete_days"));
}

/// `pairlink health` is the container's health check (the image has no curl): 0 when the
/// server's `/healthz` answers, an error naming the address when nothing does.
#[tokio::test]
async fn health_asks_a_running_server() {
    let app = crate::helpers::spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/health.db", dir.path().display());
    let ask = |url: String| {
        let db = db.clone();
        tokio::task::spawn_blocking(move || pairlink(&db, &["health", "--url", &url]))
    };
    let up = ask(format!("{}/healthz", app.base)).await.unwrap();
    assert!(up.status.success(), "{}", String::from_utf8_lossy(&up.stderr));
    let closed = format!("http://127.0.0.1:{}/healthz", crate::helpers::closed_port());
    let down = ask(closed.clone()).await.unwrap();
    assert!(!down.status.success());
    assert!(String::from_utf8_lossy(&down.stderr).contains(&closed));
}
