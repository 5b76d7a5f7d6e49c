//! The API's number list pages kept in memory (#24): a kept page is served only while the
//! tenant's list version in the database is the one it was read at, so every write shows in
//! the next read, on this process and on any other; an unchanged page answers its entity tag
//! with `304 Not Modified`.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// A page's answer: status, `ETag`, `Link`, body (`Null` for a 304).
struct Answer {
    status: StatusCode,
    etag: String,
    link: Option<String>,
    cache_control: Option<String>,
    body: Value,
}

async fn page(base: &str, key: &str, query: &str, if_none_match: Option<&str>) -> Answer {
    let mut req = reqwest::Client::new()
        .get(format!("{base}/v1/numbers?{query}"))
        .header("x-api-key", key);
    if let Some(tag) = if_none_match {
        req = req.header("if-none-match", tag);
    }
    let res = req.send().await.unwrap();
    let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    let (status, etag, link, cache_control) = (
        res.status(),
        header("etag").expect("every page has an ETag"),
        header("link"),
        header("cache-control"),
    );
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    Answer {
        status,
        etag,
        link,
        cache_control,
        body,
    }
}

fn names(page: &Value) -> Vec<&str> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect()
}

fn item<'a>(page: &'a Value, id: &str) -> &'a Value {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .expect("the number is on the page")
}

async fn number(app: &TestApp, key: &str, name: &str, phone: &str) -> String {
    app.create_number(key, name, phone).await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_kept_page_shows_every_write_in_the_next_read() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    let a = number(&app, &t.key, "Loja A", "5511990000001").await;
    let b = number(&app, &t.key, "Loja B", "5511990000002").await;
    let read = |query: &'static str| page(&app.base, &t.key, query, None);

    let first = read("limit=10").await;
    assert_eq!(names(&first.body), ["Loja A", "Loja B"]);
    let again = read("limit=10").await;
    assert_eq!(
        (again.body, again.etag),
        (first.body.clone(), first.etag.clone()),
        "nothing changed"
    );

    // Another tenant's writes leave this tenant's page as it was.
    number(&app, &other.key, "Elsewhere", "5511990000009").await;
    assert_eq!(read("limit=10").await.etag, first.etag);

    // A number comes.
    let c = number(&app, &t.key, "Loja C", "5511990000003").await;
    assert_eq!(names(&read("limit=10").await.body), ["Loja A", "Loja B", "Loja C"]);

    // Its profile changes.
    let patch = json!({ "piiMode": "STORE_X_DAYS", "piiRetentionDays": 30 });
    app.expect(Method::PATCH, &format!("/v1/numbers/{a}"), &t.key, Some(patch), StatusCode::OK)
        .await;
    assert_eq!(item(&read("limit=10").await.body, &a)["piiMode"], "STORE_X_DAYS");

    // It connects.
    app.post(&format!("/v1/numbers/{b}/sandbox/scan"), &t.key).await;
    let connected = read("limit=10").await;
    assert_eq!(item(&connected.body, &b)["state"], "OPEN");
    assert!(item(&connected.body, &b)["connectedAt"].is_string());

    // It gets a key of its own.
    let issued = app
        .expect(
            Method::POST,
            "/v1/api-keys",
            &t.key,
            Some(json!({ "whatsappNumberId": c })),
            StatusCode::CREATED,
        )
        .await;
    let last4 = &issued["key"].as_str().unwrap()[issued["key"].as_str().unwrap().len() - 4..];
    assert_eq!(item(&read("limit=10").await.body, &c)["apiKeys"][0]["keyLast4"], last4);

    // A number goes, and comes back.
    app.expect(Method::DELETE, &format!("/v1/numbers/{a}"), &t.key, None, StatusCode::OK)
        .await;
    assert_eq!(names(&read("limit=10").await.body), ["Loja B", "Loja C"]);
    app.expect(Method::POST, &format!("/v1/numbers/{a}/restore"), &t.key, None, StatusCode::OK)
        .await;
    assert_eq!(names(&read("limit=10").await.body), ["Loja A", "Loja B", "Loja C"]);
}

#[tokio::test]
async fn an_unchanged_page_answers_its_tag_with_304_and_a_changed_one_in_full() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let a = number(&app, &t.key, "Loja A", "5511990000001").await;
    number(&app, &t.key, "Loja B", "5511990000002").await;

    let first = page(&app.base, &t.key, "limit=1", None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.etag.starts_with('"') && first.etag.ends_with('"'), "{}", first.etag);
    assert_eq!(
        first.cache_control.as_deref(),
        Some("private, no-cache"),
        "per key, asked again each time"
    );
    let link = first.link.clone().expect("a next page");

    // Asked again with its tag: 304, no body, the same tag and Link.
    for tag in [first.etag.clone(), format!("W/{}", first.etag), format!("\"x\", {}", first.etag)] {
        let again = page(&app.base, &t.key, "limit=1", Some(&tag)).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{tag}");
        assert_eq!(
            (again.body, &again.etag, again.link.as_ref()),
            (Value::Null, &first.etag, Some(&link))
        );
    }
    // Another page, another tag: it answers in full.
    let second = page(&app.base, &t.key, "limit=2", Some(&first.etag)).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_ne!(second.etag, first.etag);

    // The number on the page changes: the old tag gets the new page in full.
    let patch = json!({ "piiMode": "STORE_X_DAYS", "piiRetentionDays": 7 });
    app.expect(Method::PATCH, &format!("/v1/numbers/{a}"), &t.key, Some(patch), StatusCode::OK)
        .await;
    let changed = page(&app.base, &t.key, "limit=1", Some(&first.etag)).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_ne!(changed.etag, first.etag);
    assert_eq!(changed.body["data"][0]["piiRetentionDays"], 7);

    // A key bound to one number, same query: its own page, never the tenant's kept one.
    let scoped = app.number_key(&t, &a).await;
    let own = page(&app.base, &scoped, "limit=1", Some(&changed.etag)).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(own.body["data"][0]["id"], a.as_str());
    assert_eq!(own.body["nextCursor"], Value::Null, "{}", own.body);
}
