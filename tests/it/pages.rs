//! Server-rendered pages and the server-function endpoint behind them.
use reqwest::{Method, StatusCode};

use serde_json::json;

use crate::helpers::{Options, spawn_with};

#[tokio::test]
async fn the_home_page_renders_on_the_server_before_hydration() {
    let app = spawn_with(Options::default()).await;
    let (status, body) = app.raw(Method::GET, "/", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let html = body.as_str().unwrap();
    assert!(html.contains("<title>Pairlink</title>"), "{html}");
    assert!(html.contains(r#"data-hydrated="false""#));
    assert!(html.contains("/pkg/dashboard.js"), "the dashboard's bundle hydrates it");
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

/// The connect page without its WASM: a plain form opens the window (303 back to the page, its
/// query kept), and the server renders the QR, the code and the time left, with a reload for
/// browsers without JavaScript; it links the connect bundle alone and is never cached.
#[tokio::test]
async fn the_connect_page_pairs_through_a_plain_form() {
    let app = spawn_with(Options::default()).await;
    let t = app.tenant("Forms").await;
    let link = app
        .create_link(&t.key, json!({"name": "F", "number": "5511999990101", "locale": "en"}))
        .await;
    let token = link["remotePairingToken"].as_str().unwrap();
    let page = format!("/connect/{token}?companyName=Loja");
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let res = reqwest::Client::new().get(format!("{}{page}", app.base)).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!(r#"<form method="post" action="/connect/{token}/start?companyName=Loja""#)),
        "{html}"
    );
    assert!(html.contains("/pkg/pairlink.js") && html.contains("/pkg/pairlink.wasm"));
    assert!(!html.contains("dashboard"), "the connect page never links the dashboard's code");
    assert!(!html.contains("http-equiv=\"refresh\""), "nothing to wait for yet");

    let res = no_redirects
        .post(format!("{}/connect/{token}/start?companyName=Loja&failed=1", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], page.as_str(), "back to the page, a stale flag dropped");

    let (_, html) = app.public(Method::GET, &page).await;
    let html = html.as_str().unwrap();
    assert!(html.contains(r#"data-screen="pairing""#), "{html}");
    assert!(html.contains(r#"id="qr" src="data:image/png;base64,"#));
    assert!(html.contains(r#"<noscript><meta http-equiv="refresh" content=""#));
    assert!(html.contains(&format!(r#"href="/connect/{token}?companyName=Loja&amp;method=code""#)));

    // A second press joins the open window rather than opening another.
    let status = app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await.1;
    no_redirects
        .post(format!("{}/connect/{token}/start", app.base))
        .send()
        .await
        .unwrap();
    let again = app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await.1;
    assert_eq!(status["pairingCode"], again["pairingCode"]);

    // The code, for a phone or by the page's own switch.
    let (_, html) = app.public(Method::GET, &format!("{page}&method=code")).await;
    let html = html.as_str().unwrap();
    let shown = status["pairingCode"].as_str().unwrap();
    assert!(html.contains(r#"id="pairing-code" class="#) && html.contains(shown), "{html}");
}

#[tokio::test]
async fn a_start_form_on_a_dead_link_shows_why() {
    let app = spawn_with(Options::default()).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client.post(format!("{}/connect/rp_nope/start", app.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/connect/rp_nope");
    let (status, html) = app.public(Method::GET, "/connect/rp_nope").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.as_str().unwrap().contains(r#"data-code="LINK_NOT_FOUND""#));
}

/// Every test app builds its router in one test process while others render pages. Building
/// one used to read the page routes from `<App/>` under Leptos's process-wide "suppress
/// resource loads" flag (leptos#4773), and a signed-in page whose resource first ran meanwhile
/// never answered. Here another app's routers are built over and over while pages render:
/// the flag was up for about 2 % of each build, so one render in 50 hung, and 400 renders
/// all answering proves it is no longer raised.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_in_pages_render_while_other_apps_build_their_routers() {
    use std::sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    };

    use futures::StreamExt;

    use crate::admin_support::{login, user};

    let options = || Options {
        configure: |c| c.rate_limit_address_per_minute = 100_000,
        ..Options::default()
    };
    let (app, other) = (spawn_with(options()).await, spawn_with(options()).await);
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;
    let done = Arc::new(AtomicBool::new(false));
    let building = {
        let (done, state, runtime) = (done.clone(), other.state.clone(), tokio::runtime::Handle::current());
        std::thread::spawn(move || {
            let _entered = runtime.enter();
            while !done.load(Ordering::Relaxed) {
                drop(pairlink::server::routes(&state));
            }
        })
    };
    let renders = futures::stream::iter(0..400)
        .map(|_| tokio::time::timeout(std::time::Duration::from_secs(10), ana.page("/admin/numbers")))
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
    done.store(true, Ordering::Relaxed);
    building.join().unwrap();
    let hung = renders.iter().filter(|r| r.is_err()).count();
    assert_eq!(hung, 0, "{hung} of 400 renders never answered");
    for (status, html) in renders.into_iter().flatten() {
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Acme"), "{html}");
    }
}
