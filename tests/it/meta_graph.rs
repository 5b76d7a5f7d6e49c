//! A stand-in for Meta's Graph API: a real HTTP server (wiremock) with the responses Meta
//! gives, each mock asserting the method, path, query, headers and body of the call, and how
//! many times it is made (checked when the server is verified or dropped).
use base64::{Engine as _, engine::general_purpose::STANDARD};
use pairlink::server::config::{Config, SecretSetting};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{body_json, header, method, path, query_param, query_param_is_missing},
};

use crate::helpers::{Options, TestApp, spawn_with};

pub const V: &str = "/v26.0";
pub const WABA: &str = "102290129340398";
pub const PHONE_ID: &str = "106540352242922";
pub const TOKEN: &str = "EAAGsystemUserToken0123456789abcdef";
pub const BUSINESS_TOKEN: &str = "EAAGbusinessToken9876543210fedcba";
pub const APP_ID: &str = "424242424242";
pub const APP_SECRET: &str = "test-app-secret";
pub const VERIFY_TOKEN: &str = "test-verify-token";
pub const DISPLAY: &str = "+1 555-123-4567";
pub const DIGITS: &str = "15551234567";

pub fn key() -> String {
    STANDARD.encode([7u8; 32])
}

/// Meta on, talking to the stand-in: token key, app, secret and verify token.
pub fn configure(c: &mut Config) {
    c.meta_token_key = SecretSetting::new(key());
    c.meta_app_id = APP_ID.into();
    c.meta_app_secret = SecretSetting::new(APP_SECRET);
    c.meta_verify_token = SecretSetting::new(VERIFY_TOKEN);
}

/// The app with Meta on, talking to `graph`.
pub async fn meta_app(graph: &MockServer) -> TestApp {
    spawn_with(Options {
        meta_graph_url: Some(graph.uri()),
        configure,
        ..Options::default()
    })
    .await
}

/// Graph's error envelope.
pub fn graph_error(status: u16, code: i64, subcode: Option<i64>, message: &str) -> ResponseTemplate {
    let mut error = json!({ "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf" });
    if let Some(s) = subcode {
        error["error_subcode"] = json!(s);
    }
    ResponseTemplate::new(status).set_body_json(json!({ "error": error }))
}

pub fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// `GET /debug_token?input_token=<token>` with the token as bearer.
pub fn debug_token(answer: ResponseTemplate, times: u64) -> Mock {
    Mock::given(method("GET"))
        .and(path(format!("{V}/debug_token")))
        .and(query_param("input_token", TOKEN))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .respond_with(answer)
        .expect(times)
}

pub fn valid_token() -> ResponseTemplate {
    ok(json!({ "data": {
        "app_id": "999", "type": "SYSTEM_USER", "application": "Shop app", "expires_at": 0, "is_valid": true,
        "scopes": ["whatsapp_business_management", "whatsapp_business_messaging", "business_management"],
        "granular_scopes": [
            { "scope": "whatsapp_business_management", "target_ids": [WABA] },
            { "scope": "whatsapp_business_messaging", "target_ids": [WABA] }
        ],
        "user_id": "1"
    }}))
}

/// `GET /{waba}?fields=…`.
pub fn waba(answer: ResponseTemplate, times: u64) -> Mock {
    Mock::given(method("GET"))
        .and(path(format!("{V}/{WABA}")))
        .and(query_param("fields", "id,name,currency,timezone_id,message_template_namespace"))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .respond_with(answer)
        .expect(times)
}

pub fn waba_ok() -> ResponseTemplate {
    ok(json!({ "id": WABA, "name": "Shop WABA", "currency": "USD", "timezone_id": "1", "message_template_namespace": "ns_1" }))
}

/// `GET /{waba}/phone_numbers?fields=…`.
pub fn waba_phones(ids: &[&str], times: u64) -> Mock {
    let data: Vec<Value> = ids
        .iter()
        .map(|id| json!({ "id": id, "display_phone_number": DISPLAY, "verified_name": "Shop", "quality_rating": "GREEN" }))
        .collect();
    Mock::given(method("GET"))
        .and(path(format!("{V}/{WABA}/phone_numbers")))
        .and(query_param(
            "fields",
            "id,display_phone_number,verified_name,quality_rating,status,platform_type",
        ))
        .and(header("authorization", bearer(TOKEN).as_str()))
        .respond_with(ok(
            json!({ "data": data, "paging": { "cursors": { "before": "a", "after": "b" } } }),
        ))
        .expect(times)
}

/// `GET /{phone}?fields=<the phone fields>` with `token`.
pub fn phone(token: &str, answer: ResponseTemplate, times: u64) -> Mock {
    Mock::given(method("GET"))
        .and(path(format!("{V}/{PHONE_ID}")))
        .and(query_param(
            "fields",
            "id,display_phone_number,verified_name,quality_rating,code_verification_status,name_status,platform_type,status,throughput,messaging_limit_tier",
        ))
        .and(header("authorization", bearer(token).as_str()))
        .respond_with(answer)
        .expect(times)
}

pub fn phone_fields(platform: &str, status: &str, quality: &str, tier: &str) -> ResponseTemplate {
    ok(json!({
        "id": PHONE_ID, "display_phone_number": DISPLAY, "verified_name": "Shop Oficial", "quality_rating": quality,
        "code_verification_status": "VERIFIED", "name_status": "APPROVED", "platform_type": platform, "status": status,
        "throughput": { "level": "STANDARD" }, "messaging_limit_tier": tier
    }))
}

pub fn phone_ok() -> ResponseTemplate {
    phone_fields("CLOUD_API", "CONNECTED", "GREEN", "TIER_1K")
}

/// `POST /{phone}/register` with exactly this PIN.
pub fn register(token: &str, pin: &str, answer: ResponseTemplate, times: u64) -> Mock {
    Mock::given(method("POST"))
        .and(path(format!("{V}/{PHONE_ID}/register")))
        .and(header("authorization", bearer(token).as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({ "messaging_product": "whatsapp", "pin": pin })))
        .respond_with(answer)
        .expect(times)
}

/// `POST /{waba}/subscribed_apps`, no body.
pub fn subscribe(token: &str, answer: ResponseTemplate, times: u64) -> Mock {
    Mock::given(method("POST"))
        .and(path(format!("{V}/{WABA}/subscribed_apps")))
        .and(header("authorization", bearer(token).as_str()))
        .and(|r: &Request| r.body.is_empty())
        .respond_with(answer)
        .expect(times)
}

pub fn success() -> ResponseTemplate {
    ok(json!({ "success": true }))
}

/// `GET /oauth/access_token?client_id&client_secret&code`, no bearer.
pub fn exchange(code: &str, answer: ResponseTemplate, times: u64) -> Mock {
    Mock::given(method("GET"))
        .and(path(format!("{V}/oauth/access_token")))
        .and(query_param("client_id", APP_ID))
        .and(query_param("client_secret", APP_SECRET))
        .and(query_param("code", code))
        .and(query_param_is_missing("redirect_uri"))
        .and(|r: &Request| !r.headers.contains_key("authorization"))
        .respond_with(answer)
        .expect(times)
}

pub fn business_token() -> ResponseTemplate {
    ok(json!({ "access_token": BUSINESS_TOKEN, "token_type": "bearer" }))
}

/// Every call of a successful bring-your-own-WABA validation of a registered number.
pub async fn mount_valid_credentials(graph: &MockServer) {
    debug_token(valid_token(), 1).mount(graph).await;
    waba(waba_ok(), 1).mount(graph).await;
    waba_phones(&["999999", PHONE_ID], 1).mount(graph).await;
    phone(TOKEN, phone_ok(), 1).mount(graph).await;
    subscribe(TOKEN, success(), 1).mount(graph).await;
}

/// Fails the test on any call no mock expects.
pub async fn refuse_the_rest(graph: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(599))
        .with_priority(100)
        .expect(0)
        .named("unexpected Graph call")
        .mount(graph)
        .await;
}

/// A number created through `POST /v1/numbers/meta`; returns the 201 body.
pub async fn create_meta_number(app: &TestApp, key: &str, graph: &MockServer) -> Value {
    mount_valid_credentials(graph).await;
    let body = json!({ "name": "Loja", "wabaId": WABA, "phoneNumberId": PHONE_ID, "accessToken": TOKEN });
    let out = app
        .expect(
            reqwest::Method::POST,
            "/v1/numbers/meta",
            key,
            Some(body),
            reqwest::StatusCode::CREATED,
        )
        .await;
    graph.verify().await;
    graph.reset().await;
    out
}
