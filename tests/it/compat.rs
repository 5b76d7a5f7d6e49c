//! The documented API route by route (SPEC Part B), as an existing integration calls it: each
//! route with a tenant key, a number-scoped key and no key, the status each gets and the
//! top-level fields a documented client reads. Each scope runs on a fixture of its own, so
//! the table can end with the routes that delete or rotate.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Scope {
    Tenant,
    Number,
    None,
}

/// What one scope gets: a status and, on success, the keys that must be there (for an array,
/// on its first item).
type Want = (u16, &'static [&'static str]);

struct Row {
    method: Method,
    path: &'static str,
    body: Option<fn(&Fixture) -> Value>,
    tenant: Want,
    number: Want,
    none: Want,
}

struct Fixture {
    key: Option<String>,
    number: String,
    token: String,
    webhook: String,
    template: String,
    /// A phone no number of this fixture uses yet.
    phone: &'static str,
}

const NUMBER: &[&str] = &[
    "id",
    "number",
    "name",
    "provider",
    "state",
    "isFullyConnected",
    "health",
    "meta",
    "primaryLink",
    "secondaryLink",
    "coexistence",
    "extraChargeUnpaidSince",
    "extraChargeDisconnectAt",
    "piiMode",
    "settings",
    "createdAt",
    "updatedAt",
];
const CREATED: &[&str] = &[
    "instance",
    "qrcodeBase64",
    "pairingCode",
    "linkedApiKeyId",
    "primaryLink",
    "secondaryLink",
];
const LINK: &[&str] = &[
    "remotePairingUrl",
    "remotePairingToken",
    "numberId",
    "maskedNumber",
    "messageSent",
    "expiresAt",
];
const WEBHOOK: &[&str] = &["id", "name", "url", "events", "whatsappNumberId", "active", "createdAt"];
const UNAUTHORIZED: Want = (401, &[]);
const NUMBER_SCOPE: Want = (403, &[]);

fn rows() -> Vec<Row> {
    let ok = |fields: &'static [&'static str]| (200, fields);
    let created = |fields: &'static [&'static str]| (201, fields);
    vec![
        // §4 numbers: tenant and number keys (a number key sees only its own number).
        Row {
            method: Method::GET,
            path: "/v1/numbers",
            body: None,
            tenant: ok(NUMBER),
            number: ok(NUMBER),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::GET,
            path: "/v1/numbers/{N}",
            body: None,
            tenant: ok(NUMBER),
            number: ok(NUMBER),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::PATCH,
            path: "/v1/numbers/{N}",
            body: Some(|_| json!({ "piiMode": "RELAY_ONLY" })),
            tenant: ok(NUMBER),
            number: ok(NUMBER),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::GET,
            path: "/v1/numbers/{N}/status",
            body: None,
            tenant: ok(&["id", "state", "isFullyConnected", "stale", "checkedAt"]),
            number: ok(&["id", "state", "isFullyConnected", "stale", "checkedAt"]),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::GET,
            path: "/v1/numbers/{N}/connect",
            body: None,
            tenant: ok(&["qrcodeBase64", "pairingCode"]),
            number: ok(&["qrcodeBase64", "pairingCode"]),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::POST,
            path: "/v1/numbers",
            body: Some(|f| json!({ "name": "New", "number": f.phone, "linkToApiKey": false })),
            tenant: created(CREATED),
            number: created(CREATED),
            none: UNAUTHORIZED,
        },
        // §6 remote pairing: made with a key; its token endpoints need none and ignore any.
        Row {
            method: Method::POST,
            path: "/v1/numbers/remote-pairing",
            body: Some(|f| json!({ "name": "Cliente", "number": f.phone.replace("0001", "0002"), "linkToApiKey": false })),
            tenant: created(LINK),
            number: created(LINK),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::GET,
            path: "/v1/remote-pairing/{T}",
            body: None,
            tenant: ok(&["valid", "name", "maskedNumber", "state", "primaryLink", "secondaryLink"]),
            number: ok(&["valid", "name", "maskedNumber", "state", "primaryLink", "secondaryLink"]),
            none: ok(&["valid", "name", "maskedNumber", "state", "primaryLink", "secondaryLink"]),
        },
        Row {
            method: Method::GET,
            path: "/v1/remote-pairing/{T}/status",
            body: None,
            tenant: ok(&["state", "isFullyConnected", "primaryLink", "secondaryLink"]),
            number: ok(&["state", "isFullyConnected", "primaryLink", "secondaryLink"]),
            none: ok(&["state", "isFullyConnected", "primaryLink", "secondaryLink"]),
        },
        Row {
            method: Method::POST,
            path: "/v1/remote-pairing/{T}/connect",
            body: None,
            tenant: ok(&["qrcodeBase64", "pairingCode"]),
            number: ok(&["qrcodeBase64", "pairingCode"]),
            none: ok(&["qrcodeBase64", "pairingCode"]),
        },
        Row {
            method: Method::GET,
            path: "/v1/connect/{T}/branding",
            body: None,
            tenant: ok(&["branding"]),
            number: ok(&["branding"]),
            none: ok(&["branding"]),
        },
        // §7 branding and §10 keys: tenant keys only.
        Row {
            method: Method::GET,
            path: "/v1/branding",
            body: None,
            tenant: ok(&["branding"]),
            number: NUMBER_SCOPE,
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::PUT,
            path: "/v1/branding",
            body: Some(|_| json!({ "companyName": "Acme" })),
            tenant: ok(&["branding"]),
            number: NUMBER_SCOPE,
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::GET,
            path: "/v1/api-keys",
            body: None,
            tenant: ok(&["numberId", "number", "displayName", "keyId", "keyLast4", "key", "revealable"]),
            number: NUMBER_SCOPE,
            none: UNAUTHORIZED,
        },
        // §9 webhooks: both scopes, a number key on its own number.
        Row {
            method: Method::GET,
            path: "/v1/webhooks",
            body: None,
            tenant: ok(WEBHOOK),
            number: ok(WEBHOOK),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::POST,
            path: "/v1/webhooks",
            body: Some(|f| json!({ "url": "https://hooks.example.com/in", "events": ["*"], "whatsappNumberId": f.number })),
            tenant: created(WEBHOOK),
            number: created(WEBHOOK),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::GET,
            path: "/v1/webhooks/{W}",
            body: None,
            tenant: ok(WEBHOOK),
            number: ok(WEBHOOK),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::PATCH,
            path: "/v1/webhooks/{W}",
            body: Some(|_| json!({ "name": "CRM" })),
            tenant: ok(WEBHOOK),
            number: ok(WEBHOOK),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::GET,
            path: "/v1/webhooks/{W}/logs",
            body: None,
            tenant: ok(&[]),
            number: ok(&[]),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::DELETE,
            path: "/v1/webhooks/{W}",
            body: None,
            tenant: ok(&[]),
            number: ok(&[]),
            none: UNAUTHORIZED,
        },
        // §2 templates: both scopes, as documented.
        Row {
            method: Method::GET,
            path: "/v1/templates",
            body: None,
            tenant: ok(&["id", "name", "category", "language", "body"]),
            number: ok(&["id", "name", "category", "language", "body"]),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::GET,
            path: "/v1/templates/{P}",
            body: None,
            tenant: ok(&["id", "name", "category", "language", "body"]),
            number: ok(&["id", "name", "category", "language", "body"]),
            none: UNAUTHORIZED,
        },
        // Last: the routes that rotate the calling key or delete the number.
        Row {
            method: Method::POST,
            path: "/v1/api-keys",
            body: Some(|f| json!({ "whatsappNumberId": f.number })),
            tenant: created(&["numberId", "keyId", "keyPrefix", "keyLast4", "key", "createdAt"]),
            number: NUMBER_SCOPE,
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::DELETE,
            path: "/v1/numbers/{N}",
            body: None,
            tenant: ok(&["ok", "restorableUntil"]),
            number: ok(&["ok", "restorableUntil"]),
            none: UNAUTHORIZED,
        },
        Row {
            method: Method::POST,
            path: "/v1/numbers/{N}/restore",
            body: None,
            tenant: ok(&["ok", "requiresReconnect"]),
            // The number key died with its number: a key bound to a deleted number stops
            // authenticating (§4.7).
            number: UNAUTHORIZED,
            none: UNAUTHORIZED,
        },
    ]
}

async fn fixture(app: &TestApp, scope: Scope, phone: &'static str) -> Fixture {
    let t = app.tenant(&format!("{scope:?}")).await;
    let number = app.create_number(&t.key, "Shop", &phone.replace("0001", "0003")).await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let number_key = app.number_key(&t, &number).await;
    let link = app
        .create_link(&t.key, json!({ "name": "Ana", "number": phone.replace("0001", "0004") }))
        .await;
    let hook = json!({ "url": "https://hooks.example.com/in", "events": ["*"], "whatsappNumberId": number });
    let webhook = app
        .expect(Method::POST, "/v1/webhooks", &t.key, Some(hook), StatusCode::CREATED)
        .await;
    let template = json!({ "name": "pilot_status_remote_pairing", "category": "OTP", "body": "Oi {{name}}: {{link}}" });
    let template = app
        .expect(Method::POST, "/v1/templates", &t.key, Some(template), StatusCode::CREATED)
        .await;
    Fixture {
        key: match scope {
            Scope::Tenant => Some(t.key.clone()),
            Scope::Number => Some(number_key),
            Scope::None => None,
        },
        number,
        token: link["remotePairingToken"].as_str().unwrap().to_owned(),
        webhook: webhook["id"].as_str().unwrap().to_owned(),
        template: template["id"].as_str().unwrap().to_owned(),
        phone,
    }
}

#[tokio::test]
async fn every_documented_route_answers_each_scope_as_documented() {
    let app = spawn_app().await;
    let mut mismatches = Vec::new();
    for (scope, phone) in [
        (Scope::Tenant, "5511970000001"),
        (Scope::Number, "5521970000001"),
        (Scope::None, "5531970000001"),
    ] {
        let f = fixture(&app, scope, phone).await;
        for row in rows() {
            let path = row
                .path
                .replace("{N}", &f.number)
                .replace("{T}", &f.token)
                .replace("{W}", &f.webhook)
                .replace("{P}", &f.template);
            let body = row.body.map(|b| b(&f).to_string());
            let (status, answer) = app.raw(row.method.clone(), &path, f.key.as_deref(), body.as_deref()).await;
            let (want, fields) = match scope {
                Scope::Tenant => row.tenant,
                Scope::Number => row.number,
                Scope::None => row.none,
            };
            let what = format!("{scope:?} {} {}", row.method, row.path);
            if status.as_u16() != want {
                mismatches.push(format!("{what}: {status}, want {want}: {answer}"));
                continue;
            }
            if status.is_client_error() {
                let code = answer["code"].as_str().unwrap_or_default();
                let documented = match want {
                    401 => "UNAUTHORIZED",
                    403 => "NUMBER_SCOPE_NOT_ALLOWED",
                    _ => code,
                };
                if code != documented || !answer["error"].is_string() {
                    mismatches.push(format!("{what}: body {answer}, want code {documented}"));
                }
                continue;
            }
            let item = match &answer {
                Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
                other => other.clone(),
            };
            let missing: Vec<_> = fields.iter().filter(|k| !item.is_null() && item.get(**k).is_none()).collect();
            if !missing.is_empty() {
                mismatches.push(format!("{what}: missing {missing:?} in {answer}"));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} differences:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
