//! `POST /v1/numbers/meta`: bring-your-own-WABA credentials validated live against a Graph
//! stand-in, the token stored encrypted, and each class of Graph error answered with a code.
use pairlink::server::{
    domain::{NumberId, TenantId},
    meta::crypto::TokenCipher,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::MockServer;

use crate::helpers::spawn_app;
use crate::meta_graph::*;

fn byo(extra: Value) -> String {
    let mut body = json!({ "name": "Loja", "wabaId": WABA, "metaPhoneId": PHONE_ID, "accessToken": TOKEN });
    body.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    body.to_string()
}

#[tokio::test]
async fn credentials_are_validated_live_and_the_number_is_open_with_its_token_encrypted() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    mount_valid_credentials(&graph).await;
    refuse_the_rest(&graph).await;

    let (status, out) = app.raw(Method::POST, "/v1/numbers/meta", Some(&t.key), Some(&byo(json!({})))).await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    graph.verify().await;
    assert_eq!(
        (&out["state"], &out["provider"], &out["engine"], &out["number"], &out["name"]),
        (&json!("OPEN"), &json!("META"), &json!("meta"), &json!(DIGITS), &json!("Loja"))
    );
    assert_eq!(out["instance"]["id"], out["id"]);
    assert_eq!(out["webhookUrl"], format!("{}/v1/meta/webhook", app.base));
    assert_eq!(out["verifyToken"], VERIFY_TOKEN);
    assert_eq!(
        out["health"],
        json!({"qualityRating": "GREEN", "messagingLimitTier": "TIER_1K", "metaStatus": "CONNECTED", "sendable": true})
    );
    assert_eq!(out["meta"]["waba"]["name"], "Shop WABA");
    assert_eq!(out["meta"]["phone"]["displayPhoneNumber"], DISPLAY);
    assert!(!out.to_string().contains(TOKEN), "the token is never echoed");

    let id = out["id"].as_str().unwrap();
    assert_eq!(app.event_kinds(id, &t.key).await, ["number.created", "number.connected"]);
    let account = app
        .state
        .store
        .meta_account(&TenantId::from_trusted(t.id.clone()), &NumberId::from_trusted(id))
        .await
        .unwrap();
    assert!(account.token.starts_with("v2:") && !account.token.contains(TOKEN));
    let cipher = TokenCipher::from_base64(&key()).unwrap();
    assert_eq!(cipher.decrypt_for(account.number_id.as_str(), &account.token).unwrap(), TOKEN);
    assert_eq!((account.waba_id.as_str(), account.phone_number_id.as_str()), (WABA, PHONE_ID));

    // The cached fields are served without calling Meta again.
    let detail = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    assert_eq!(detail["health"]["qualityRating"], "GREEN");
    let status = app.get(&format!("/v1/numbers/{id}/status"), &t.key).await;
    assert_eq!((status["state"].as_str(), status["stale"].as_bool()), (Some("OPEN"), Some(false)));
    // A second number with the same phone in the tenant is a conflict (Graph is asked again).
    graph.reset().await;
    refuse_the_rest(&graph).await;
    mount_valid_credentials(&graph).await;
    app.expect_error(
        Method::POST,
        "/v1/numbers/meta",
        Some(&t.key),
        Some(&byo(json!({}))),
        StatusCode::CONFLICT,
        "NUMBER_ALREADY_EXISTS",
    )
    .await;
    graph.verify().await;
}

#[tokio::test]
async fn a_number_not_on_the_cloud_api_needs_its_pin_and_is_registered_with_it() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    refuse_the_rest(&graph).await;
    debug_token(valid_token(), 2).mount(&graph).await;
    waba(waba_ok(), 2).mount(&graph).await;
    waba_phones(&[PHONE_ID], 2).mount(&graph).await;
    phone(TOKEN, phone_fields("NOT_APPLICABLE", "PENDING", "UNKNOWN", "TIER_250"), 2)
        .mount(&graph)
        .await;
    register(TOKEN, "246810", success(), 1).mount(&graph).await;
    subscribe(TOKEN, success(), 1).mount(&graph).await;

    let err = app
        .expect_error(
            Method::POST,
            "/v1/numbers/meta",
            Some(&t.key),
            Some(&byo(json!({}))),
            StatusCode::BAD_REQUEST,
            "META_PIN_REQUIRED",
        )
        .await;
    assert!(err["error"].as_str().unwrap().starts_with("pin: "), "{err}");
    let out = app
        .expect(
            Method::POST,
            "/v1/numbers/meta",
            &t.key,
            Some(serde_json::from_str(&byo(json!({"pin": "246810"}))).unwrap()),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(out["meta"]["phone"]["platformType"], "CLOUD_API");
    graph.verify().await;
}

/// One failing Graph answer, what we answer, and the calls made before it.
struct Case {
    name: &'static str,
    status: StatusCode,
    code: &'static str,
    field: Option<&'static str>,
}

async fn run_case(app: &crate::helpers::TestApp, key: &str, graph: &MockServer, case: Case, body: String) {
    let err = app
        .expect_error(Method::POST, "/v1/numbers/meta", Some(key), Some(&body), case.status, case.code)
        .await;
    if let Some(field) = case.field {
        assert!(
            err["error"].as_str().unwrap().starts_with(&format!("{field}: ")),
            "{}: {err}",
            case.name
        );
    }
    assert!(!err.to_string().contains(TOKEN), "{}", case.name);
    graph.verify().await;
    graph.reset().await;
    let listed = app.get("/v1/numbers", key).await;
    assert_eq!(listed.as_array().unwrap().len(), 0, "{}: nothing is created", case.name);
}

#[tokio::test]
async fn each_graph_error_class_is_answered_with_a_code_naming_what_failed() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    let case = |name, status, code, field| Case { name, status, code, field };
    let bad = StatusCode::BAD_REQUEST;

    // 190 at the token check: nothing else is called.
    refuse_the_rest(&graph).await;
    debug_token(
        graph_error(400, 190, Some(463), "Error validating access token: Session has expired"),
        1,
    )
    .mount(&graph)
    .await;
    run_case(
        &app,
        &t.key,
        &graph,
        case("expired", bad, "META_TOKEN_INVALID", Some("accessToken")),
        byo(json!({})),
    )
    .await;

    refuse_the_rest(&graph).await;
    debug_token(ok(json!({"data": {"is_valid": false, "scopes": []}})), 1)
        .mount(&graph)
        .await;
    run_case(
        &app,
        &t.key,
        &graph,
        case("invalid", bad, "META_TOKEN_INVALID", Some("accessToken")),
        byo(json!({})),
    )
    .await;

    refuse_the_rest(&graph).await;
    debug_token(
        ok(json!({"data": {"is_valid": true, "expires_at": 1_900_000_000, "scopes": []}})),
        1,
    )
    .mount(&graph)
    .await;
    run_case(
        &app,
        &t.key,
        &graph,
        case("expiring", bad, "META_TOKEN_NOT_PERMANENT", Some("accessToken")),
        byo(json!({})),
    )
    .await;

    refuse_the_rest(&graph).await;
    debug_token(
        ok(json!({"data": {"is_valid": true, "expires_at": 0, "scopes": ["whatsapp_business_management"]}})),
        1,
    )
    .mount(&graph)
    .await;
    run_case(
        &app,
        &t.key,
        &graph,
        case("scope", bad, "META_PERMISSION_DENIED", Some("accessToken")),
        byo(json!({})),
    )
    .await;

    refuse_the_rest(&graph).await;
    debug_token(valid_token(), 1).mount(&graph).await;
    let other_waba = byo(json!({"wabaId": "555555555"}));
    run_case(
        &app,
        &t.key,
        &graph,
        case("not granted", bad, "META_WABA_NOT_GRANTED", Some("wabaId")),
        other_waba,
    )
    .await;

    // 100 on the WABA: an unknown id.
    refuse_the_rest(&graph).await;
    debug_token(valid_token(), 1).mount(&graph).await;
    waba(
        graph_error(400, 100, Some(33), "Unsupported get request. Object with ID does not exist"),
        1,
    )
    .mount(&graph)
    .await;
    run_case(
        &app,
        &t.key,
        &graph,
        case("bad waba", bad, "META_WABA_NOT_FOUND", Some("wabaId")),
        byo(json!({})),
    )
    .await;

    // 200: permissions.
    refuse_the_rest(&graph).await;
    debug_token(valid_token(), 1).mount(&graph).await;
    waba(graph_error(403, 200, None, "Permissions error"), 1).mount(&graph).await;
    run_case(
        &app,
        &t.key,
        &graph,
        case("permission", bad, "META_PERMISSION_DENIED", Some("accessToken")),
        byo(json!({})),
    )
    .await;

    refuse_the_rest(&graph).await;
    debug_token(valid_token(), 1).mount(&graph).await;
    waba(waba_ok(), 1).mount(&graph).await;
    waba_phones(&["999999"], 1).mount(&graph).await;
    run_case(
        &app,
        &t.key,
        &graph,
        case("foreign phone", bad, "META_PHONE_NOT_IN_WABA", Some("phoneNumberId")),
        byo(json!({})),
    )
    .await;

    // 1330xx: the PIN.
    for (code, ours) in [(133005, "META_PIN_MISMATCH"), (133016, "META_PIN_ERROR")] {
        refuse_the_rest(&graph).await;
        debug_token(valid_token(), 1).mount(&graph).await;
        waba(waba_ok(), 1).mount(&graph).await;
        waba_phones(&[PHONE_ID], 1).mount(&graph).await;
        phone(TOKEN, phone_fields("NOT_APPLICABLE", "PENDING", "UNKNOWN", "TIER_250"), 1)
            .mount(&graph)
            .await;
        register(
            TOKEN,
            "111111",
            graph_error(400, code, None, "Two step verification PIN mismatch"),
            1,
        )
        .mount(&graph)
        .await;
        run_case(
            &app,
            &t.key,
            &graph,
            case("pin", bad, ours, Some("pin")),
            byo(json!({"pin": "111111"})),
        )
        .await;
    }

    // Rate limits on the subscription, and Meta down on the phone read.
    refuse_the_rest(&graph).await;
    debug_token(valid_token(), 1).mount(&graph).await;
    waba(waba_ok(), 1).mount(&graph).await;
    waba_phones(&[PHONE_ID], 1).mount(&graph).await;
    phone(TOKEN, phone_ok(), 1).mount(&graph).await;
    subscribe(TOKEN, graph_error(400, 130429, None, "Rate limit hit"), 1)
        .mount(&graph)
        .await;
    run_case(
        &app,
        &t.key,
        &graph,
        case("rate", StatusCode::TOO_MANY_REQUESTS, "META_RATE_LIMITED", None),
        byo(json!({})),
    )
    .await;

    refuse_the_rest(&graph).await;
    debug_token(valid_token(), 1).mount(&graph).await;
    waba(waba_ok(), 1).mount(&graph).await;
    waba_phones(&[PHONE_ID], 1).mount(&graph).await;
    phone(TOKEN, graph_error(500, 2, None, "Service temporarily unavailable"), 1)
        .mount(&graph)
        .await;
    run_case(
        &app,
        &t.key,
        &graph,
        case("down", StatusCode::SERVICE_UNAVAILABLE, "UPSTREAM_ERROR", None),
        byo(json!({})),
    )
    .await;

    // A phone the caller names must be the one Meta has.
    refuse_the_rest(&graph).await;
    mount_valid_credentials(&graph).await;
    let wrong = byo(json!({"number": "+5511999990000"}));
    run_case(
        &app,
        &t.key,
        &graph,
        case("mismatch", bad, "NUMBER_MISMATCH", Some("number")),
        wrong,
    )
    .await;
}

#[tokio::test]
async fn bad_input_is_refused_before_meta_is_called() {
    let graph = MockServer::start().await;
    let app = meta_app(&graph).await;
    let t = app.tenant("Acme").await;
    refuse_the_rest(&graph).await;
    for (body, field) in [
        (json!({"wabaId": WABA, "phoneNumberId": PHONE_ID, "accessToken": TOKEN}), "name"),
        (
            json!({"name": "L", "wabaId": "abc", "phoneNumberId": PHONE_ID, "accessToken": TOKEN}),
            "wabaId",
        ),
        (json!({"name": "L", "wabaId": WABA, "accessToken": TOKEN}), "phoneNumberId"),
        (json!({"name": "L", "wabaId": WABA, "phoneNumberId": PHONE_ID}), "accessToken"),
        (
            json!({"name": "L", "wabaId": WABA, "phoneNumberId": PHONE_ID, "accessToken": TOKEN, "pin": "12"}),
            "pin",
        ),
    ] {
        let err = app
            .expect_error(
                Method::POST,
                "/v1/numbers/meta",
                Some(&t.key),
                Some(&body.to_string()),
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
            )
            .await;
        assert!(err["error"].as_str().unwrap().starts_with(field), "{err}");
    }
    graph.verify().await;
}

#[tokio::test]
async fn without_a_token_key_meta_is_off() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    app.expect_error(
        Method::POST,
        "/v1/numbers/meta",
        Some(&t.key),
        Some(&byo(json!({}))),
        StatusCode::SERVICE_UNAVAILABLE,
        "META_NOT_CONFIGURED",
    )
    .await;
}
