//! `/v1/webhooks`: create, list, read, change, delete, and every refusal.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, spawn_app, spawn_with};
use crate::receiver::{create_webhook, str_of};

const URL: &str = "https://hooks.example.com/in";

async fn number(app: &TestApp, key: &str, phone: &str) -> String {
    str_of(&app.create_number(key, "Shop", phone).await["instance"]["id"])
}

/// Sends and checks the error status, code and, for validation errors, the field named.
async fn refused(app: &TestApp, method: Method, path: &str, key: &str, body: Value, (status, code): (StatusCode, &str), field: &str) {
    let err = app
        .expect_error(method, path, Some(key), Some(&body.to_string()), status, code)
        .await;
    let message = str_of(&err["error"]);
    assert!(
        message.starts_with(field),
        "{body} answered {message:?}, expected it to start with {field:?}"
    );
}

#[tokio::test]
async fn crud_round_trip_and_the_secret_is_shown_only_once() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let body = json!({"url": URL, "name": "CRM", "events": ["number.created", "link.opened"]});
    let created = create_webhook(&app, &t.key, body).await;
    let id = str_of(&created["id"]);
    let secret = str_of(&created["secret"]);
    assert!(id.starts_with("whk_") && secret.starts_with("whsec_"));
    assert_eq!(created["whatsappNumberId"], Value::Null, "tenant-wide");
    assert_eq!(created["events"], json!(["number.created", "link.opened"]));
    assert_eq!((created["active"].as_bool(), created["url"].as_str()), (Some(true), Some(URL)));

    let one = app.get(&format!("/v1/webhooks/{id}"), &t.key).await;
    let mut without_secret = created.clone();
    without_secret.as_object_mut().unwrap().remove("secret");
    assert_eq!(one, without_secret);
    let list = app.get("/v1/webhooks", &t.key).await;
    assert_eq!(list, json!([without_secret]));
    for shown in [&one, &list] {
        assert!(!shown.to_string().contains(&secret) && shown.get("secret").is_none());
    }

    let patched = app
        .expect(
            Method::PATCH,
            &format!("/v1/webhooks/{id}"),
            &t.key,
            Some(json!({"name": "ERP", "events": ["*"], "active": false})),
            StatusCode::OK,
        )
        .await;
    assert_eq!((patched["name"].as_str(), patched["active"].as_bool()), (Some("ERP"), Some(false)));
    assert_eq!((patched["events"].clone(), patched["url"].as_str()), (json!(["*"]), Some(URL)));
    assert!(patched.get("secret").is_none());
    let path = format!("/v1/webhooks/{id}");
    refused(
        &app,
        Method::PATCH,
        &path,
        &t.key,
        json!({}),
        (StatusCode::BAD_REQUEST, "EMPTY_PATCH"),
        "nothing",
    )
    .await;
    let deleted = app.expect(Method::DELETE, &path, &t.key, None, StatusCode::OK).await;
    assert_eq!(deleted, json!({"ok": true}));
    for method in [Method::GET, Method::DELETE] {
        app.expect_error(method, &path, Some(&t.key), None, StatusCode::NOT_FOUND, "WEBHOOK_NOT_FOUND")
            .await;
    }
    assert_eq!(app.get("/v1/webhooks", &t.key).await, json!([]));
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let post = |body: Value, field: &'static str| {
        let app = &app;
        let key = t.key.clone();
        async move {
            refused(
                app,
                Method::POST,
                "/v1/webhooks",
                &key,
                body,
                (StatusCode::BAD_REQUEST, "VALIDATION_ERROR"),
                field,
            )
            .await
        }
    };
    post(json!({"name": "x"}), "url: is required").await;
    post(json!({"url": "hooks.example.com/in"}), "url:").await;
    post(json!({"url": "ftp://hooks.example.com/"}), "url:").await;
    post(json!({"url": "https://user:pw@hooks.example.com/"}), "url:").await;
    post(json!({"url": "http://hooks.example.com/"}), "url: must be an https URL").await;
    post(json!({"url": 42}), "url: invalid type").await;
    post(json!({"url": URL, "name": "  "}), "name:").await;
    post(json!({"url": URL, "name": "x".repeat(101)}), "name:").await;
    post(json!({"url": URL, "events": ["number created"]}), "events:").await;
    post(json!({"url": URL, "events": ["number.created,link.opened"]}), "events:").await;
    post(json!({"url": URL, "events": "number.created"}), "events: invalid type").await;
    post(json!({"url": URL, "events": ["*", 3]}), "events[1]: invalid type").await;
    post(json!({"url": URL, "active": "yes"}), "active: invalid type").await;
    app.expect_error(
        Method::POST,
        "/v1/webhooks",
        Some(&t.key),
        Some("[1]"),
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    )
    .await;

    // Names this server never sends (documented ones it cannot emit, other products' events)
    // are accepted as the documented API accepts them, kept as asked, and named in
    // `ignoredEvents`; `*` absorbs the rest, names default.
    let asked = json!([
        "number.health_shadowban",
        "number.created",
        "message.received",
        "call.*",
        "lead.received"
    ]);
    let w = create_webhook(&app, &t.key, json!({"url": URL, "events": asked})).await;
    assert_eq!((w["events"].clone(), w["name"].as_str()), (asked, Some("hooks.example.com")));
    assert_eq!(
        w["ignoredEvents"],
        json!(["number.health_shadowban", "message.received", "call.*", "lead.received"])
    );
    let listed = app.get(&format!("/v1/webhooks/{}", str_of(&w["id"])), &t.key).await;
    assert_eq!(listed["ignoredEvents"], w["ignoredEvents"]);
    let w = create_webhook(&app, &t.key, json!({"url": URL, "events": ["link.failed", "*"], "active": false})).await;
    assert_eq!((w["events"].clone(), w["active"].as_bool()), (json!(["*"]), Some(false)));
    assert_eq!(w["ignoredEvents"], json!([]));
    let w = create_webhook(&app, &t.key, json!({"url": URL})).await;
    assert_eq!(w["events"], json!([]), "no events: nothing is dispatched");

    let id = str_of(&w["id"]);
    let path = format!("/v1/webhooks/{id}");
    for (body, field) in [
        (json!({"url": "ftp://x.example.com/"}), "url:"),
        (json!({"events": ["no pe"]}), "events:"),
        (json!({"name": ""}), "name:"),
        (json!({"active": 1}), "active: invalid type"),
        (json!({"whatsappNumberId": "num_other", "name": "x"}), "whatsappNumberId:"),
    ] {
        refused(
            &app,
            Method::PATCH,
            &path,
            &t.key,
            body,
            (StatusCode::BAD_REQUEST, "VALIDATION_ERROR"),
            field,
        )
        .await;
    }
    for query in ["limit=0", "limit=51", "limit=ten", "event=number.nope", "event=*"] {
        let err = app
            .expect_error(
                Method::GET,
                &format!("{path}/logs?{query}"),
                Some(&t.key),
                None,
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
            )
            .await;
        let field = query.split('=').next().unwrap();
        assert!(str_of(&err["error"]).starts_with(field), "{query}: {err}");
    }
    assert_eq!(
        app.get(&format!("{path}/logs?limit=50&event=number.created"), &t.key).await,
        json!([])
    );
}

#[tokio::test]
async fn webhooks_bind_to_numbers_within_the_keys_scope() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    let a = number(&app, &t.key, "5511900000001").await;
    let b = number(&app, &t.key, "5511900000002").await;
    let foreign = number(&app, &other.key, "5511900000003").await;
    let gone = number(&app, &t.key, "5511900000004").await;
    app.expect(Method::DELETE, &format!("/v1/numbers/{gone}"), &t.key, None, StatusCode::OK)
        .await;

    let bound = create_webhook(&app, &t.key, json!({"url": URL, "whatsappNumberId": a})).await;
    assert_eq!(bound["whatsappNumberId"], a.as_str());
    let (status, by_header) = send(&app, "/v1/webhooks", &t.key, Some(b.as_str()), json!({"url": URL})).await;
    assert_eq!(
        (status, by_header["whatsappNumberId"].as_str()),
        (StatusCode::CREATED, Some(b.as_str()))
    );
    let (status, err) = send(
        &app,
        "/v1/webhooks",
        &t.key,
        Some(b.as_str()),
        json!({"url": URL, "whatsappNumberId": a}),
    )
    .await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::BAD_REQUEST, Some("NUMBER_MISMATCH")));
    for missing in [foreign.as_str(), gone.as_str(), "num_nope"] {
        let body = json!({"url": URL, "whatsappNumberId": missing}).to_string();
        app.expect_error(
            Method::POST,
            "/v1/webhooks",
            Some(&t.key),
            Some(&body),
            StatusCode::NOT_FOUND,
            "NUMBER_NOT_FOUND",
        )
        .await;
    }
    let wide = create_webhook(&app, &t.key, json!({"url": URL})).await;

    // A number key: always its own number; the header is ignored, a different body is refused.
    let a_key = app.number_key(&t, &a).await;
    let own = create_webhook(&app, &a_key, json!({"url": URL})).await;
    assert_eq!(own["whatsappNumberId"], a.as_str());
    let (status, own_despite_header) = send(&app, "/v1/webhooks", &a_key, Some(b.as_str()), json!({"url": URL})).await;
    assert_eq!(
        (status, own_despite_header["whatsappNumberId"].as_str()),
        (StatusCode::CREATED, Some(a.as_str()))
    );
    create_webhook(&app, &a_key, json!({"url": URL, "whatsappNumberId": a})).await;
    let body = json!({"url": URL, "whatsappNumberId": b}).to_string();
    app.expect_error(
        Method::POST,
        "/v1/webhooks",
        Some(&a_key),
        Some(&body),
        StatusCode::BAD_REQUEST,
        "NUMBER_MISMATCH",
    )
    .await;

    let listed = app.get("/v1/webhooks", &a_key).await;
    let listed: Vec<_> = listed.as_array().unwrap().iter().map(|w| w["whatsappNumberId"].clone()).collect();
    assert_eq!(listed.len(), 4, "A's webhooks only");
    assert!(listed.iter().all(|n| n == a.as_str()));
    assert_eq!(app.get("/v1/webhooks", &t.key).await.as_array().unwrap().len(), 6);
    assert_eq!(app.get("/v1/webhooks", &other.key).await, json!([]));

    let own_id = str_of(&own["id"]);
    app.get(&format!("/v1/webhooks/{own_id}"), &a_key).await;
    for hidden in [str_of(&wide["id"]), str_of(&by_header["id"])] {
        for (method, suffix) in [(Method::GET, ""), (Method::DELETE, ""), (Method::GET, "/logs")] {
            let path = format!("/v1/webhooks/{hidden}{suffix}");
            app.expect_error(method, &path, Some(&a_key), None, StatusCode::NOT_FOUND, "WEBHOOK_NOT_FOUND")
                .await;
        }
        let path = format!("/v1/webhooks/{hidden}");
        let body = json!({"active": false}).to_string();
        app.expect_error(
            Method::PATCH,
            &path,
            Some(&a_key),
            Some(&body),
            StatusCode::NOT_FOUND,
            "WEBHOOK_NOT_FOUND",
        )
        .await;
    }
    let path = format!("/v1/webhooks/{own_id}");
    app.expect_error(
        Method::GET,
        &path,
        Some(&other.key),
        None,
        StatusCode::NOT_FOUND,
        "WEBHOOK_NOT_FOUND",
    )
    .await;
    app.expect_error(Method::GET, &path, None, None, StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
        .await;
    app.expect_error(
        Method::GET,
        "/v1/webhooks",
        Some("pl_wrong"),
        None,
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
    )
    .await;
    let path = format!("/v1/webhooks/{own_id}/logs/dlv_nope/retry");
    app.expect_error(Method::POST, &path, Some(&a_key), None, StatusCode::NOT_FOUND, "DELIVERY_NOT_FOUND")
        .await;
}

async fn send(app: &TestApp, path: &str, key: &str, number_header: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .header("x-api-key", key)
        .json(&body);
    if let Some(n) = number_header {
        req = req.header("x-whatsapp-number-id", n);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

#[tokio::test]
async fn private_and_local_targets_are_refused_without_an_allowlist() {
    let app = spawn_with(Options {
        webhook_allowlist: String::new(),
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    for url in [
        "http://127.0.0.1:9000/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.5/",
        "https://172.20.1.1/",
        "https://192.168.1.10/",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://[::1]/",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://localhost:8443/",
    ] {
        let body = json!({"url": url});
        refused(
            &app,
            Method::POST,
            "/v1/webhooks",
            &t.key,
            body,
            (StatusCode::BAD_REQUEST, "VALIDATION_ERROR"),
            "url:",
        )
        .await;
    }
    let ok = create_webhook(&app, &t.key, json!({"url": "https://1.1.1.1/hook"})).await;
    let path = format!("/v1/webhooks/{}", str_of(&ok["id"]));
    let body = json!({"url": "https://192.168.0.1/"});
    refused(
        &app,
        Method::PATCH,
        &path,
        &t.key,
        body,
        (StatusCode::BAD_REQUEST, "VALIDATION_ERROR"),
        "url:",
    )
    .await;
    assert_eq!(app.get(&path, &t.key).await["url"], "https://1.1.1.1/hook");
}
