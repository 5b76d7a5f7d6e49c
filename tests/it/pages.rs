//! Server-rendered pages and the server-function endpoint behind them.
use reqwest::{Method, StatusCode};

use crate::helpers::{Options, spawn_with};

#[tokio::test]
async fn the_home_page_renders_on_the_server_before_hydration() {
    let app = spawn_with(Options::default()).await;
    let (status, body) = app.raw(Method::GET, "/", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let html = body.as_str().unwrap();
    assert!(html.contains("<title>Pairlink</title>"), "{html}");
    assert!(html.contains(r#"data-hydrated="false""#));
    assert!(html.contains("/pkg/pairlink.js"), "hydration script is linked");
}

#[tokio::test]
async fn the_server_info_function_answers() {
    let app = spawn_with(Options::default()).await;
    let res = reqwest::Client::new()
        .post(format!("{}/api/server_info", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let info: serde_json::Value = res.json().await.unwrap();
    assert_eq!(info["database"], "sqlite");
    assert_eq!(info["sandbox"], true);
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let app = spawn_with(Options::default()).await;
    let (status, _) = app.raw(Method::GET, "/no/such/page", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
