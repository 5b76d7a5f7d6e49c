//! Hostile input: every documented endpoint against a key of another tenant and a key of
//! another number, random tokens, broken bodies, and branding that tries to inject markup.
//! Endpoints come from the OpenAPI document the app serves, so a new one is covered as soon
//! as it is routed.
use std::sync::Arc;

use rand::{Rng, SeedableRng, distr::Alphanumeric, rngs::StdRng};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Options, Tenant, TestApp, spawn_with};
use crate::receiver::{create_webhook, receiver, str_of, wait_for_logs};

/// `(method, path)` of every operation in `/openapi.json`.
async fn operations(app: &TestApp) -> Vec<(Method, String, bool)> {
    let (status, doc) = app.raw(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            ops.push((method, path.clone(), op.get("requestBody").is_some()));
        }
    }
    assert!(ops.len() >= 40, "the document lists the API ({} operations)", ops.len());
    ops
}

/// Everything one tenant owns, and the values that must never reach anyone else.
struct Victim {
    tenant: Tenant,
    key: String,
    /// Has the link, a bound webhook and a number-scoped key.
    number: String,
    other_number: String,
    token: String,
    webhook: String,
    template: String,
    delivery: String,
    /// Leaks to another tenant: all of the above and more.
    tenant_secrets: Vec<String>,
    /// Leaks to a key of `other_number`: what belongs to `number` alone.
    number_secrets: Vec<String>,
}

async fn victim(app: &TestApp) -> Victim {
    let t = app.tenant("Victim Co").await;
    let hooks = receiver(200).await;
    let wide = create_webhook(app, &t.key, json!({"url": format!("{}/wide", hooks.uri()), "events": ["*"]})).await;
    let link = app
        .create_link(
            &t.key,
            json!({"name": "Victim Shop", "number": "5511988880001", "externalRef": "victim-ref-1"}),
        )
        .await;
    let number = str_of(&link["numberId"]);
    let token = str_of(&link["remotePairingToken"]);
    let other_number = str_of(&app.create_number(&t.key, "Victim Two", "5511988880002").await["instance"]["id"]);
    let bound = create_webhook(
        app,
        &t.key,
        json!({"url": format!("{}/bound", hooks.uri()), "events": ["*"], "whatsappNumberId": number, "name": "victim-bound"}),
    )
    .await;
    let template = app
        .expect(
            Method::POST,
            "/v1/templates",
            &t.key,
            Some(json!({"name": "victim_template", "category": "UTILITY", "language": "en", "body": "Victim {{link}}"})),
            StatusCode::CREATED,
        )
        .await;
    let logs = wait_for_logs(app, &t.key, &str_of(&wide["id"]), |l| !l.is_empty()).await;
    let delivery = str_of(&logs[0]["id"]);
    let number_key = app.number_key(&t, &number).await;
    // Hold the sandbox phone in a live window, so status calls have a QR to leak.
    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    let number_secrets = vec![
        number.clone(),
        "5511988880001".into(),
        "Victim Shop".into(),
        "victim-ref-1".into(),
        token.clone(),
        str_of(&bound["id"]),
        str_of(&bound["secret"]),
        number_key.clone(),
        t.key.clone(),
    ];
    let mut tenant_secrets = number_secrets.clone();
    tenant_secrets.extend([
        other_number.clone(),
        "5511988880002".into(),
        "Victim Two".into(),
        str_of(&wide["id"]),
        str_of(&wide["secret"]),
        str_of(&template["id"]),
        "victim_template".into(),
        delivery.clone(),
        t.id.clone(),
    ]);
    std::mem::forget(hooks); // keep the receiver up for the test's life
    Victim {
        tenant: Tenant {
            id: t.id.clone(),
            key: t.key.clone(),
        },
        key: t.key,
        number,
        other_number,
        token,
        webhook: str_of(&wide["id"]),
        template: str_of(&template["id"]),
        delivery,
        tenant_secrets,
        number_secrets,
    }
}

/// The path with the victim's ids in it; `None` for the public token paths, where the token
/// is the credential and keys play no part.
fn victim_path(path: &str, v: &Victim) -> Option<String> {
    if path.contains("{token}") {
        return None;
    }
    let id = if path.starts_with("/v1/numbers/") {
        &v.number
    } else if path.starts_with("/v1/templates/") {
        &v.template
    } else if path.starts_with("/v1/webhooks/") {
        &v.webhook
    } else {
        ""
    };
    let path = path.replace("{id}", id).replace("{deliveryId}", &v.delivery);
    assert!(
        !path.contains('{'),
        "a path parameter this test does not know: {path}; teach victim_path about it"
    );
    Some(path)
}

/// A body an attacker would send: valid where it matters, naming the victim's number where
/// an endpoint takes a reference, so cross-tenant references are tried too.
fn attacker_body(method: &Method, path: &str, v: &Victim) -> Option<String> {
    let body = match (method.as_str(), path) {
        ("POST", "/v1/numbers" | "/v1/numbers/remote-pairing") => json!({"name": "Attacker", "number": "5511977770009"}),
        ("POST", "/v1/webhooks") => json!({"url": "http://127.0.0.1:9/x", "events": ["*"], "whatsappNumberId": v.number}),
        ("PATCH", "/v1/webhooks/{id}") => json!({"name": "pwned", "url": "http://127.0.0.1:9/pwned"}),
        ("PATCH", "/v1/numbers/{id}") => json!({"piiMode": "STORE_INDEFINITE", "settings": {"rejectCall": true}}),
        ("PUT", "/v1/settings") => json!({"defaultSenderNumberId": v.number}),
        ("PUT", "/v1/templates/{id}") => json!({"name": "pwned", "category": "UTILITY", "language": "en", "body": "pwned"}),
        ("POST", "/v1/api-keys") => json!({"numberId": v.number}),
        ("PUT", "/v1/branding") => json!({"companyName": "pwned"}),
        _ => json!({}),
    };
    Some(body.to_string())
}

#[tokio::test]
async fn no_endpoint_leaks_across_tenants_or_numbers() {
    // Meta on (pointing nowhere), so its endpoints are probed rather than answering 503.
    let app = spawn_with(Options {
        configure: |c| {
            c.rate_limit_api_per_minute = 100_000;
            meta_on(c);
        },
        ..Options::default()
    })
    .await;
    let v = victim(&app).await;
    let attacker = app.tenant("Attacker Inc").await;
    app.create_number(&attacker.key, "Attacker own", "5511977770001").await;
    let mut checked = 0;
    for (method, template, _) in operations(&app).await {
        let Some(path) = victim_path(&template, &v) else { continue };
        let targets_victim = template.contains('{');
        for scope in ["other tenant", "other number"] {
            // Templates belong to the tenant, and every key of the tenant may use them (SPEC
            // Part B §2): for a key of another number they are not the victim's own, and its
            // writes would only change what the rest of this test reads.
            let tenant_wide = template.starts_with("/v1/templates/") && scope == "other number";
            if tenant_wide && method != Method::GET {
                continue;
            }
            // A fresh key each time: some endpoints rotate the key they are called with.
            let (key, secrets) = match scope {
                "other tenant" => {
                    let issued = pairlink::server::services::tenants::issue_key(
                        &app.state,
                        &pairlink::server::domain::TenantId::from_trusted(attacker.id.clone()),
                        None,
                    )
                    .await
                    .unwrap();
                    (issued.secret.reveal().to_owned(), &v.tenant_secrets)
                }
                _ => (app.number_key(&v.tenant, &v.other_number).await, &v.number_secrets),
            };
            let body = attacker_body(&method, &template, &v);
            let (status, answer) = app.raw(method.clone(), &path, Some(&key), body.as_deref()).await;
            let what = format!("{method} {path} with a key of the {scope} answered {status} {answer}");
            assert!(!status.is_server_error(), "{what}");
            let text = answer.to_string();
            for secret in secrets {
                assert!(!text.contains(secret.as_str()), "{what}: leaks {secret:?}");
            }
            if targets_victim && !tenant_wide {
                assert!(status.is_client_error(), "{what}: must not act on the victim's resource");
                if scope == "other tenant" {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{what}: another tenant's resource is 404, never 403");
                }
            }
            // References to the victim's number in bodies are refused too.
            if body.as_deref().is_some_and(|b| b.contains(&v.number)) {
                assert!(status.is_client_error(), "{what}: accepted a reference to the victim's number");
            }
            checked += 1;
        }
    }
    assert!(checked >= 70, "{checked} requests");

    // And nothing of the victim's changed.
    let numbers = app.get("/v1/numbers", &v.key).await.to_string();
    assert!(numbers.contains(&v.number) && numbers.contains(&v.other_number), "{numbers}");
    let hook = app.get(&format!("/v1/webhooks/{}", v.webhook), &v.key).await;
    assert!(!hook.to_string().contains("pwned"), "{hook}");
    let template = app.get(&format!("/v1/templates/{}", v.template), &v.key).await;
    assert_eq!(template["name"], "victim_template");
    let branding = app.get("/v1/branding", &v.key).await;
    assert!(!branding.to_string().contains("pwned"));
    let (status, _) = app.public(Method::GET, &format!("/v1/remote-pairing/{}/status", v.token)).await;
    assert_eq!(status, StatusCode::OK, "the victim's link still works");
    let status = app.get(&format!("/v1/numbers/{}/status", v.number), &v.key).await;
    assert_eq!(status["state"], "CONNECTING");
}

/// 10,000 tokens nobody was given, in every shape: only 404 (or 429), never a link.
#[tokio::test]
async fn random_tokens_find_nothing() {
    let app = Arc::new(
        spawn_with(Options {
            configure: |c| {
                c.rate_limit_public_per_minute = 1_000_000;
                c.rate_limit_address_per_minute = 1_000_000;
            },
            ..Options::default()
        })
        .await,
    );
    let t = app.tenant("Acme").await;
    let link = app.create_link(&t.key, json!({"name": "Shop", "number": "5511999998888"})).await;
    let real = str_of(&link["remotePairingToken"]);
    let mut rng = StdRng::seed_from_u64(8);
    let mut tokens: Vec<String> = Vec::with_capacity(10_000);
    while tokens.len() < 10_000 {
        let token = match tokens.len() % 5 {
            // Well-formed but never issued.
            0 => format!(
                "rp_{}",
                (&mut rng).sample_iter(&Alphanumeric).take(43).map(char::from).collect::<String>()
            ),
            // The real one with one character changed.
            1 => {
                let mut chars: Vec<char> = real.chars().collect();
                let i = rng.random_range(3..chars.len());
                chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
                chars.into_iter().collect()
            }
            // A prefix or an extension of the real one.
            2 => {
                let cut = rng.random_range(1..real.len());
                if rng.random_bool(0.5) {
                    real[..cut].to_owned()
                } else {
                    format!("{real}{}", &real[..cut])
                }
            }
            // Printable junk, percent-encoded.
            3 => {
                let raw: String = (0..rng.random_range(1..60))
                    .map(|_| rng.random_range(0x21u8..0x7f) as char)
                    .collect();
                url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
            }
            // Long.
            _ => "x".repeat(rng.random_range(100..4000)),
        };
        if token != real {
            tokens.push(token);
        }
    }
    let paths = ["", "/status", "/connect", "/events", "/branding"];
    let tasks = tokens
        .chunks(10_000 / 16)
        .map(|chunk| {
            let (app, chunk) = (app.clone(), chunk.to_vec());
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for (i, token) in chunk.iter().enumerate() {
                    let suffix = paths[i % paths.len()];
                    let (method, path) = match suffix {
                        "/connect" => (Method::POST, format!("/v1/remote-pairing/{token}/connect")),
                        "/branding" => (Method::GET, format!("/v1/connect/{token}/branding")),
                        s => (Method::GET, format!("/v1/remote-pairing/{token}{s}")),
                    };
                    let (status, body) = app.public(method, &path).await;
                    seen.push((status, body["code"].as_str().unwrap_or_default().to_owned(), path));
                }
                seen
            })
        })
        .collect::<Vec<_>>();
    let mut count = 0;
    for task in tasks {
        for (status, code, path) in task.await.unwrap() {
            assert!(
                (status == StatusCode::NOT_FOUND && code == "LINK_NOT_FOUND") || status == StatusCode::TOO_MANY_REQUESTS,
                "{path} answered {status} {code}"
            );
            count += 1;
        }
    }
    assert_eq!(count, 10_000);
    // The real token still works: no lockout of the innocent.
    let (status, _) = app.public(Method::GET, &format!("/v1/remote-pairing/{real}/status")).await;
    assert_eq!(status, StatusCode::OK);
}

/// Every endpoint that takes a body, sent broken bodies with a valid key and valid ids:
/// always a 4xx with a code, never a 5xx. Endpoints without a body shrug the junk off.
#[tokio::test]
async fn broken_bodies_are_4xx_with_a_code() {
    let app = spawn_with(Options {
        configure: |c| {
            c.rate_limit_api_per_minute = 100_000;
            c.rate_limit_public_per_minute = 100_000;
            meta_on(c);
        },
        ..Options::default()
    })
    .await;
    let v = victim(&app).await;
    let max = app.state.config.max_body_bytes;
    let nested = format!("{}1{}", "{\"a\":".repeat(5000), "}".repeat(5000));
    let broken: Vec<(&str, String, &str)> = vec![
        ("application/json", "{".into(), "VALIDATION_ERROR"),
        ("application/json", "{\"name\": \"x\",}".into(), "VALIDATION_ERROR"),
        ("application/json", "[]".into(), "VALIDATION_ERROR"),
        ("application/json", "\"text\"".into(), "VALIDATION_ERROR"),
        ("application/json", "null".into(), "VALIDATION_ERROR"),
        ("application/json", "\u{feff}{}".into(), "VALIDATION_ERROR"),
        (
            "application/json",
            "{\"name\": \"\u{0}\", \"number\": [1]}".into(),
            "VALIDATION_ERROR",
        ),
        (
            "application/json",
            format!("{{\"name\": \"{}\"}}", "x".repeat(max)),
            "PAYLOAD_TOO_LARGE",
        ),
        ("text/plain", "{}".into(), "UNSUPPORTED_MEDIA_TYPE"),
        (
            "application/x-www-form-urlencoded",
            "name=x&number=1".into(),
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "multipart/form-data; boundary=zz",
            "--zz\r\n\r\n{}\r\n--zz--".into(),
            "UNSUPPORTED_MEDIA_TYPE",
        ),
    ];
    let http = reqwest::Client::new();
    let mut rng = StdRng::seed_from_u64(5);
    for (method, template, takes_body) in operations(&app).await {
        // Bodiless writes would simply act (delete the number, rotate the key the test
        // uses); junk can only matter where a body is read, or must be shrugged off by reads.
        if !takes_body && method != Method::GET {
            continue;
        }
        // Token paths get the real token: a body must be judged, not the link.
        let path = if template.contains("{token}") {
            template.replace("{token}", &v.token)
        } else {
            victim_path(&template, &v).unwrap()
        };
        let mut cases: Vec<(String, String, Option<&str>)> = broken
            .iter()
            .map(|(ct, body, code)| (ct.to_string(), body.clone(), Some(*code)))
            .collect();
        // Meta's webhook checks the signature over the raw body before reading anything.
        if template == "/v1/meta/webhook" {
            for case in cases.iter_mut().filter(|c| c.2 != Some("PAYLOAD_TOO_LARGE")) {
                case.2 = Some("INVALID_SIGNATURE");
            }
        }
        // Deep nesting in an unknown field is ignored like any unknown field; it must not crash.
        cases.push(("application/json".into(), nested.clone(), None));
        // Random byte soup, and valid JSON with every value of a random type.
        for _ in 0..8 {
            let soup: Vec<u8> = (0..rng.random_range(1..200)).map(|_| rng.random()).collect();
            cases.push(("application/json".into(), String::from_utf8_lossy(&soup).into_owned(), None));
            cases.push(("application/json".into(), random_object(&mut rng, 3).to_string(), None));
        }
        for (content_type, body, code) in cases {
            let res = http
                .request(method.clone(), format!("{}{path}", app.base))
                .header("x-api-key", &v.key)
                .header("content-type", &content_type)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = res.status();
            let text = res.text().await.unwrap();
            let shown: String = body.chars().take(60).collect();
            let what = format!("{method} {template} with {content_type} {shown:?}… answered {status} {text:.200}");
            assert!(!status.is_server_error(), "{what}");
            if status.is_client_error() {
                let answer: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: not the JSON envelope"));
                assert!(answer["code"].as_str().is_some_and(|c| !c.is_empty()), "{what}");
            }
            if let (true, Some(code)) = (takes_body, code) {
                assert!(status.is_client_error(), "{what}");
                assert!(text.contains(code), "{what}: expected {code}");
            }
        }
    }
}

fn random_object(rng: &mut StdRng, depth: u32) -> Value {
    let keys = [
        "name",
        "number",
        "url",
        "events",
        "branding",
        "ttlSeconds",
        "externalRef",
        "primaryColor",
        "logoUrl",
        "whatsappNumberId",
        "active",
        "body",
        "language",
        "category",
        "redirectUrl",
        "locale",
        "linkToApiKey",
        "defaultSenderNumberId",
        "reason",
    ];
    let mut map = serde_json::Map::new();
    for _ in 0..rng.random_range(0..5) {
        let key = keys[rng.random_range(0..keys.len())];
        map.insert(key.into(), random_value(rng, depth));
    }
    Value::Object(map)
}

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth == 0 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.random_bool(0.5)),
        2 => json!(rng.random::<i64>()),
        3 => json!(rng.random::<f64>() * 1e300),
        4 => json!("<script>alert(1)</script>\"'`;}{"),
        5 => json!((0..rng.random_range(0..50)).map(|_| rng.random::<char>()).collect::<String>()),
        6 => Value::Array((0..rng.random_range(0..4)).map(|_| random_value(rng, depth - 1)).collect()),
        _ => random_object(rng, depth - 1),
    }
}

/// Branding that tries to carry markup or CSS is refused at the API, dropped from the URL,
/// and whatever text is accepted stays text on the page.
#[tokio::test]
async fn branding_cannot_inject_markup_or_css() {
    let app = spawn_with(Options::default()).await;
    let t = app.tenant("Acme").await;
    let refused = [
        json!({"primaryColor": "#fff;}</style><script>alert(1)</script>"}),
        json!({"primaryColor": "red"}),
        json!({"backgroundColor": "#000000\" onload=\"alert(1)"}),
        json!({"backgroundColor": "expression(alert(1))"}),
        json!({"logoUrl": "javascript:alert(1)"}),
        json!({"logoUrl": "https://cdn.example/a.png\" onerror=\"alert(1)"}),
        json!({"logoUrl": "https://cdn.example/a.png'><script>alert(1)</script>"}),
        json!({"logoUrl": "data:image/svg+xml,<svg onload=alert(1)>"}),
        json!({"supportUrl": "https://help.example/ x"}),
        json!({"defaultRedirectUrl": "https://evil.example/`x`"}),
        json!({"companyName": "Acme\u{0}<script>"}),
    ];
    for body in &refused {
        app.expect_error(
            Method::PUT,
            "/v1/branding",
            Some(&t.key),
            Some(&body.to_string()),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        )
        .await;
        let mut link = json!({"name": "Shop", "number": "5511999990001", "branding": body});
        app.expect_error(
            Method::POST,
            "/v1/numbers/remote-pairing",
            Some(&t.key),
            Some(&link.to_string()),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        )
        .await;
        link["brandingOverride"] = link.as_object_mut().unwrap().remove("branding").unwrap();
        app.expect_error(
            Method::POST,
            "/v1/numbers/remote-pairing",
            Some(&t.key),
            Some(&link.to_string()),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        )
        .await;
    }
    // Text is text: accepted, and escaped wherever it is shown.
    let markup = "<img src=x onerror=alert(1)><style>body{display:none}</style>";
    app.expect(
        Method::PUT,
        "/v1/branding",
        &t.key,
        Some(json!({"companyName": &markup[..60.min(markup.len())], "subtitle": markup})),
        StatusCode::OK,
    )
    .await;
    // A customer's name goes into WhatsApp messages too: markup is refused there outright.
    app.expect_error(
        Method::POST,
        "/v1/numbers/remote-pairing",
        Some(&t.key),
        Some(&json!({"name": "</title><script>alert(2)</script>", "number": "5511999990002"}).to_string()),
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    )
    .await;
    let link = app
        .create_link(&t.key, json!({"name": "Shop (Centro)", "number": "5511999990002"}))
        .await;
    let token = str_of(&link["remotePairingToken"]);
    let query = "?primaryColor=%23fff%3B%7D%3C%2Fstyle%3E%3Cscript%3Ealert(3)%3C%2Fscript%3E\
                 &logoUrl=javascript%3Aalert(4)&companyName=%3C%2Ftitle%3E%3Cscript%3Ealert(5)%3C%2Fscript%3E&backgroundColor=url(x)";
    let (status, page) = app.public(Method::GET, &format!("/connect/{token}{query}")).await;
    assert_eq!(status, StatusCode::OK);
    let html = page.as_str().unwrap();
    for injected in [
        "<img src=x",
        "<style>body",
        "<script>alert",
        "alert(3)",
        "javascript:alert",
        "url(x)",
    ] {
        if let Some(at) = html.find(injected) {
            panic!(
                "the page carries {injected:?} as markup: …{}…",
                &html[at.saturating_sub(300)..(at + 200).min(html.len())]
            );
        }
    }
    assert!(html.contains("&lt;img"), "the text is shown, escaped");
    // And the public branding endpoint returns the query's bad values dropped.
    let (_, branding) = app.public(Method::GET, &format!("/v1/connect/{token}/branding{query}")).await;
    let b = &branding["branding"];
    assert_ne!(b["primaryColor"], "#fff;}</style><script>alert(3)</script>");
    assert!(b["logoUrl"].is_null(), "{branding}");
    assert_eq!(
        b["companyName"], "</title><script>alert(5)</script>",
        "text from the URL is only ever text: {branding}"
    );
}

/// Meta's features on with test credentials; its Graph host is a closed port, so nothing
/// here can reach Meta.
fn meta_on(c: &mut pairlink::server::config::Config) {
    c.meta_token_key = pairlink::server::config::SecretSetting::new(crate::meta_graph::key());
    c.meta_app_id = crate::meta_graph::APP_ID.into();
    c.meta_app_secret = pairlink::server::config::SecretSetting::new(crate::meta_graph::APP_SECRET);
    c.meta_verify_token = pairlink::server::config::SecretSetting::new(crate::meta_graph::VERIFY_TOKEN);
    c.meta_graph_url = "http://127.0.0.1:9".into();
}
