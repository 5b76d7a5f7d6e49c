//! A tenant with many numbers (issue 24): `GET /v1/numbers` in keyset pages with filters and a
//! `Link` header, the documented whole list unchanged, a streamed CSV export, and dashboards
//! that hear only their own tenant's numbers.
use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin_support::{login, user};
use crate::helpers::{TestApp, spawn_app};

/// `n` numbers named `{prefix} {i}`, each with its own phone.
async fn numbers(app: &TestApp, key: &str, n: usize, prefix: &str) -> Vec<String> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let mut ids = Vec::new();
    for i in 0..n {
        let phone = format!("55119{:08}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let link = app
            .create_link(key, json!({ "name": format!("{prefix} {i}"), "number": phone }))
            .await;
        ids.push(link["numberId"].as_str().unwrap().to_owned());
    }
    ids
}

async fn page(app: &TestApp, key: &str, query: &str) -> (Value, Option<String>) {
    let res = reqwest::Client::new()
        .get(format!("{}/v1/numbers?{query}", app.base))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{query}");
    let link = res.headers().get("link").map(|v| v.to_str().unwrap().to_owned());
    (res.json().await.unwrap(), link)
}

/// The ids on a page, in its order.
pub(crate) fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn pages_walk_every_number_once_while_others_come_and_go() {
    let app = spawn_app().await;
    let t = app.tenant("Many").await;
    let first = numbers(&app, &t.key, 25, "Loja").await;

    // No parameters: the documented array, every number.
    let all = app.get("/v1/numbers", &t.key).await;
    assert_eq!(all.as_array().unwrap().len(), 25);

    let mut seen = Vec::new();
    let (mut body, mut link) = page(&app, &t.key, "limit=10").await;
    let mut deleted = HashSet::new();
    let mut turn = 0;
    loop {
        assert!(body["data"].as_array().unwrap().len() <= 10);
        seen.extend(ids(&body));
        let Some(next) = body["nextCursor"].as_str().map(str::to_owned) else {
            assert!(link.is_none(), "no next page, no Link");
            break;
        };
        let header = link.take().expect("a next page has a Link header");
        assert!(
            header.starts_with('<') && header.ends_with(">; rel=\"next\"") && header.contains("limit=10"),
            "{header}"
        );
        // Meanwhile: a number comes (it sorts last) and one not yet walked goes.
        turn += 1;
        numbers(&app, &t.key, 1, &format!("New{turn}")).await;
        let gone = &first[24 - turn];
        app.expect(Method::DELETE, &format!("/v1/numbers/{gone}"), &t.key, None, StatusCode::OK)
            .await;
        deleted.insert(gone.clone());
        let (next_body, next_link) = page(&app, &t.key, &format!("limit=10&cursor={next}")).await;
        (body, link) = (next_body, next_link);
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "each number once: {seen:?}");
    for id in &first {
        assert!(
            seen.contains(id) || deleted.contains(id),
            "{id} was there throughout and was not walked"
        );
    }
    for id in &deleted {
        assert!(!seen.contains(id), "a deleted number is not listed");
    }
}

#[tokio::test]
async fn pages_filter_by_state_provider_text_and_time_and_refuse_bad_parameters() {
    let app = spawn_app().await;
    let t = app.tenant("Filters").await;
    let ids_made = numbers(&app, &t.key, 6, "Padaria").await;
    let other = app
        .create_link(&t.key, json!({ "name": "Mercado Azul", "number": "5521988887777" }))
        .await["numberId"]
        .as_str()
        .unwrap()
        .to_owned();
    // One number connects.
    let conn = &ids_made[0];
    let token = app.get(&format!("/v1/numbers/{conn}"), &t.key).await;
    assert_eq!(token["state"], "CLOSE");
    app.expect(Method::GET, &format!("/v1/numbers/{conn}/connect"), &t.key, None, StatusCode::OK)
        .await;
    app.post(&format!("/v1/numbers/{conn}/sandbox/scan"), &t.key).await;

    assert_eq!(ids(&page(&app, &t.key, "state=OPEN").await.0), vec![conn.clone()]);
    assert_eq!(ids(&page(&app, &t.key, "state=CLOSE").await.0).len(), 6);
    assert_eq!(ids(&page(&app, &t.key, "q=mercado").await.0), vec![other.clone()], "any case");
    assert_eq!(
        ids(&page(&app, &t.key, "q=%2B55%2021%209888").await.0),
        vec![other.clone()],
        "a phone as typed"
    );
    assert_eq!(
        ids(&page(&app, &t.key, "q=100%25").await.0),
        Vec::<String>::new(),
        "% is a character, not a wildcard"
    );
    assert_eq!(ids(&page(&app, &t.key, "provider=META").await.0), Vec::<String>::new());
    assert_eq!(ids(&page(&app, &t.key, "provider=PILOT_STATUS").await.0).len(), 7);
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    assert!(ids(&page(&app, &t.key, &format!("createdAfter={}", urlencode(&later))).await.0).is_empty());
    assert_eq!(
        ids(&page(&app, &t.key, &format!("createdBefore={}", urlencode(&later))).await.0).len(),
        7
    );

    for bad in [
        "limit=0",
        "limit=501",
        "cursor=abc",
        "state=open",
        "provider=x",
        "createdAfter=today",
    ] {
        let (status, body) = app.raw(Method::GET, &format!("/v1/numbers?{bad}"), Some(&t.key), None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("VALIDATION_ERROR")),
            "{bad}: {body}"
        );
    }

    // A key bound to one number pages through that number alone.
    let own = app.number_key(&t, &other).await;
    assert_eq!(ids(&page(&app, &own, "limit=50").await.0), vec![other.clone()]);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn the_csv_export_streams_every_number_with_cells_a_spreadsheet_will_not_run() {
    let app = spawn_app().await;
    let t = app.tenant("Export").await;
    numbers(&app, &t.key, 3, "Loja").await;
    app.create_link(&t.key, json!({ "name": "-2+3 Loja", "number": "5531977776666" }))
        .await;
    app.create_link(&t.key, json!({ "name": "Café, Bar", "number": "5531977776667" }))
        .await;
    let res = reqwest::Client::new()
        .get(format!("{}/v1/numbers/export?q=5531", app.base))
        .header("x-api-key", &t.key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = res.text().await.unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "id,name,number,state,provider,engine,createdAt,connectedAt");
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].contains(",'-2+3 Loja,5531977776666,"), "{}", lines[1]);
    assert!(lines[2].contains(",\"Café, Bar\",5531977776667,"), "{}", lines[2]);
    let all = reqwest::Client::new()
        .get(format!("{}/v1/numbers/export", app.base))
        .header("x-api-key", &t.key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(all.split("\r\n").filter(|l| !l.is_empty()).count(), 6);
    let (status, _) = app.raw(Method::GET, "/v1/numbers/export", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// A dashboard hears its own tenant's numbers only; another tenant's changes never reach it.
#[tokio::test]
async fn a_dashboard_hears_only_its_tenants_numbers() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;
    let mut live = crate::admin_numbers::sse(&app.base, &ana.cookie).await;
    let theirs = numbers(&app, &other.key, 3, "Theirs").await;
    let ours = numbers(&app, &acme.key, 1, "Ours").await;
    for id in theirs.iter().chain(&ours) {
        app.expect(
            Method::GET,
            &format!("/v1/numbers/{id}/connect"),
            if ours.contains(id) { &acme.key } else { &other.key },
            None,
            StatusCode::OK,
        )
        .await;
    }
    app.post(&format!("/v1/numbers/{}/sandbox/scan", theirs[0]), &other.key).await;
    app.post(&format!("/v1/numbers/{}/sandbox/scan", ours[0]), &acme.key).await;
    // Everything that arrives within a quiet second of the last event.
    let mut heard = Vec::new();
    while let Ok(Some((event, data))) = tokio::time::timeout(std::time::Duration::from_secs(1), live.recv()).await {
        assert_eq!(event, "number");
        heard.push(data);
    }
    assert!(heard.contains(&ours[0]), "its own number's change arrived: {heard:?}");
    assert!(
        heard.iter().all(|id| ours.contains(id)),
        "another tenant's number reached this dashboard: {heard:?}"
    );
}

/// The dashboard exports what it shows (its filters), signed in by its session; a number's
/// id finds it, and a number-scoped key finds no other by id.
#[tokio::test]
async fn the_dashboard_exports_its_filtered_numbers_and_ids_find_numbers() {
    let app = spawn_app().await;
    let t = app.tenant("Export Co").await;
    let made = numbers(&app, &t.key, 3, "Bakery").await;
    user(&app, &t, "ana@export.example").await;
    let ana = login(&app, "ana@export.example").await;
    let export = |query: &'static str, cookie: Option<String>| {
        let mut req = reqwest::Client::new().get(format!("{}/admin/numbers/export?{query}", app.base));
        if let Some(cookie) = cookie {
            req = req.header("cookie", format!("pairlink_session={cookie}"));
        }
        req.send()
    };
    let res = export("q=bakery%201", Some(ana.cookie.clone())).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert_eq!(text.split("\r\n").filter(|l| !l.is_empty()).count(), 2, "{text}");
    assert!(text.contains(&made[1]));
    assert_eq!(export("", None).await.unwrap().status(), StatusCode::UNAUTHORIZED);

    assert_eq!(ids(&page(&app, &t.key, &format!("q={}", made[2])).await.0), vec![made[2].clone()]);
    let own = app.number_key(&t, &made[0]).await;
    assert!(ids(&page(&app, &own, &format!("q={}", made[2])).await.0).is_empty());
}
