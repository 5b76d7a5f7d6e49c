//! Creating, reading, pairing (sandbox) and checking numbers over HTTP.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Options, spawn_app, spawn_with};

fn is_pairing_code(code: &str) -> bool {
    let alphabet = "123456789ABCDEFGHJKLMNPQRSTVWXYZ";
    code.len() == 9 && &code[4..5] == "-" && code.chars().filter(|c| *c != '-').all(|c| alphabet.contains(c))
}

#[tokio::test]
async fn a_number_pairs_through_its_qr_and_reaches_open() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;

    let created = app.create_number(&t.key, "Loja Centro", "+55 11 99999-8888").await;
    let instance = &created["instance"];
    let id = instance["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("num_"));
    assert_eq!(instance["state"], "CONNECTING");
    assert_eq!(instance["number"], "5511999998888");
    assert_eq!(instance["name"], "Loja Centro");
    assert_eq!(instance["engine"], "sandbox");
    assert_eq!(instance["provider"], "PILOT_STATUS");
    assert_eq!(instance["isFullyConnected"], false);
    assert_eq!(created["engine"], "sandbox");
    assert!(created["qrcodeBase64"].as_str().unwrap().starts_with("data:image/png;base64,iVBOR"));
    assert!(
        is_pairing_code(created["pairingCode"].as_str().unwrap()),
        "{}",
        created["pairingCode"]
    );
    assert_eq!(created["primaryLink"]["pairingCode"], created["pairingCode"]);
    assert_eq!(created["secondaryLink"], json!(null));
    assert_eq!(created["linkedApiKeyId"], json!(null), "tenant keys link nothing");

    let status = app.get(&format!("/v1/numbers/{id}/status"), &t.key).await;
    assert_eq!(status["state"], "CONNECTING");
    assert_eq!(status["stale"], false);
    assert!(status["checkedAt"].is_string());
    assert_eq!(status["engine"], "sandbox");

    // The window is still live: connect returns it rather than opening another.
    let connect = app.get(&format!("/v1/numbers/{id}/connect"), &t.key).await;
    assert_eq!(connect["qrcodeBase64"], created["qrcodeBase64"]);
    assert_eq!(connect["pairingCode"], created["pairingCode"]);
    let primary = app.get(&format!("/v1/numbers/{id}/connect?link=primary"), &t.key).await;
    assert_eq!(primary["pairingCode"], created["pairingCode"]);
    // One device per number here: the documented secondary link is refused in plain words,
    // never answered with the primary one.
    app.expect_error(
        Method::POST,
        &format!("/v1/numbers/{id}/upgrade-to-dual"),
        Some(&t.key),
        None,
        StatusCode::BAD_REQUEST,
        "SECONDARY_LINK_NOT_SUPPORTED",
    )
    .await;
    app.expect_error(
        Method::GET,
        &format!("/v1/numbers/{id}/connect?link=secondary"),
        Some(&t.key),
        None,
        StatusCode::BAD_REQUEST,
        "SECONDARY_LINK_NOT_SUPPORTED",
    )
    .await;

    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;
    let status = app.get(&format!("/v1/numbers/{id}/status"), &t.key).await;
    assert_eq!(status["state"], "OPEN");
    assert_eq!(status["isFullyConnected"], true);
    let detail = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    assert_eq!(detail["state"], "OPEN");
    assert!(detail["connectedAt"].is_string());
    assert_eq!(detail["primaryLink"]["state"], "OPEN");

    app.expect_error(
        Method::GET,
        &format!("/v1/numbers/{id}/connect"),
        Some(&t.key),
        None,
        StatusCode::CONFLICT,
        "NUMBER_ALREADY_CONNECTED",
    )
    .await;
    app.expect_error(
        Method::POST,
        &format!("/v1/numbers/{id}/sandbox/scan"),
        Some(&t.key),
        None,
        StatusCode::CONFLICT,
        "NUMBER_ALREADY_CONNECTED",
    )
    .await;
    assert_eq!(app.event_kinds(&id, &t.key).await, ["number.created", "number.connected"]);
}

#[tokio::test]
async fn events_carry_the_documented_data_and_timestamps() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let id = app.create_number(&t.key, "Shop", "5511999998888").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;
    let events = app.get(&format!("/v1/numbers/{id}/events"), &t.key).await;
    let connected = &events[1];
    assert_eq!(connected["event"], "number.connected");
    let data = &connected["data"];
    assert_eq!(data["id"], connected["id"]);
    assert_eq!(data["numberId"], id.as_str());
    assert_eq!(data["phone"], "+5511999998888");
    assert_eq!(data["displayName"], "Shop");
    let at = chrono::DateTime::parse_from_rfc3339(data["createdAt"].as_str().unwrap()).unwrap();
    let created_at = chrono::DateTime::parse_from_rfc3339(events[0]["createdAt"].as_str().unwrap()).unwrap();
    assert!(at >= created_at);
}

#[tokio::test]
async fn unlinking_on_the_phone_closes_the_number_with_a_reason() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let id = app.create_number(&t.key, "Shop", "5511999998888").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.expect_error(
        Method::POST,
        &format!("/v1/numbers/{id}/sandbox/unlink"),
        Some(&t.key),
        None,
        StatusCode::CONFLICT,
        "NOT_CONNECTED",
    )
    .await;
    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &t.key).await;
    app.post(&format!("/v1/numbers/{id}/sandbox/unlink"), &t.key).await;
    assert_eq!(app.get(&format!("/v1/numbers/{id}"), &t.key).await["state"], "CLOSE");
    let events = app.get(&format!("/v1/numbers/{id}/events"), &t.key).await;
    assert_eq!(events[2]["event"], "number.disconnected");
    assert_eq!(events[2]["data"]["reason"], "device_removed");
    // A closed number can pair again.
    let again = app.get(&format!("/v1/numbers/{id}/connect"), &t.key).await;
    assert!(again["qrcodeBase64"].as_str().unwrap().starts_with("data:image/png"));
    assert_eq!(app.get(&format!("/v1/numbers/{id}"), &t.key).await["state"], "CONNECTING");
}

#[tokio::test]
async fn list_shows_the_tenants_numbers_with_key_summaries_only() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let a = app.create_number(&t.key, "A", "5511900000001").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create_number(&t.key, "B", "5511900000002").await;
    let key = app.number_key(&t, &a).await;
    let list = app.get("/v1/numbers", &t.key).await;
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], a.as_str());
    for k in [
        "id",
        "instanceName",
        "number",
        "name",
        "provider",
        "apiKeys",
        "state",
        "isFullyConnected",
        "createdAt",
        "updatedAt",
        "primaryLink",
        "secondaryLink",
        "extraChargeUnpaidSince",
        "extraChargeDisconnectAt",
    ] {
        assert!(items[0].get(k).is_some(), "list items carry {k}");
    }
    let keys = items[0]["apiKeys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["keyPrefix"], "pl_");
    assert_eq!(keys[0]["keyLast4"], &key[key.len() - 4..]);
    assert!(!list.to_string().contains(&key), "the key itself is never listed");
    assert!(!list.to_string().contains(&t.key));
}

#[tokio::test]
async fn bad_input_gets_a_400_naming_the_field() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let cases = [
        (r#"{"number": "5511999998888"}"#, "name: is required"),
        (r#"{"name": "  ", "number": "5511999998888"}"#, "name: is required"),
        (r#"{"name": "A"}"#, "number: is required"),
        (r#"{"name": "A", "number": "abc"}"#, "number: must be a phone number"),
        (r#"{"name": "A", "number": "123"}"#, "number: must have 8 to 15 digits"),
        (r#"{"name": 5, "number": "5511999998888"}"#, "name: invalid type"),
        (
            r#"{"name": "A", "number": "5511999998888", "linkToApiKey": "yes"}"#,
            "linkToApiKey: invalid type",
        ),
        ("", "name: is required"),
        ("{", "not valid JSON"),
        ("[]", "body: must be a JSON object"),
    ];
    for (body, message) in cases {
        let err = app
            .expect_error(
                Method::POST,
                "/v1/numbers",
                Some(&t.key),
                Some(body),
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
            )
            .await;
        assert!(err["error"].as_str().unwrap().contains(message), "{body} → {err}");
    }
    let long_name = "x".repeat(101);
    let body = json!({ "name": long_name, "number": "5511999998888" }).to_string();
    app.expect_error(
        Method::POST,
        "/v1/numbers",
        Some(&t.key),
        Some(&body),
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    )
    .await;
    let huge = json!({ "name": "x".repeat(70 * 1024), "number": "5511999998888" }).to_string();
    app.expect_error(
        Method::POST,
        "/v1/numbers",
        Some(&t.key),
        Some(&huge),
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
    )
    .await;
    // Nothing half-made: no number exists after all of that.
    assert_eq!(app.get("/v1/numbers", &t.key).await, json!([]));
}

#[tokio::test]
async fn a_phone_is_live_once_per_tenant_but_free_across_tenants() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    app.create_number(&t.key, "A", "5511999998888").await;
    let body = json!({ "name": "B", "number": "+5511999998888" }).to_string();
    app.expect_error(
        Method::POST,
        "/v1/numbers",
        Some(&t.key),
        Some(&body),
        StatusCode::CONFLICT,
        "NUMBER_ALREADY_EXISTS",
    )
    .await;
    app.create_number(&other.key, "A", "5511999998888").await;
}

#[tokio::test]
async fn keys_are_required_and_tenants_cannot_see_each_other() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let other = app.tenant("Other").await;
    let id = app.create_number(&t.key, "A", "5511999998888").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for key in [None, Some(""), Some("pl_wrong"), Some("ps_whatever")] {
        app.expect_error(Method::GET, "/v1/numbers", key, None, StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
            .await;
    }
    // Bearer works as well as x-api-key.
    let res = reqwest::Client::new()
        .get(format!("{}/v1/numbers", app.base))
        .bearer_auth(&t.key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    for (method, path) in [
        (Method::GET, format!("/v1/numbers/{id}")),
        (Method::GET, format!("/v1/numbers/{id}/status")),
        (Method::GET, format!("/v1/numbers/{id}/connect")),
        (Method::GET, format!("/v1/numbers/{id}/events")),
        (Method::DELETE, format!("/v1/numbers/{id}")),
        (Method::POST, format!("/v1/numbers/{id}/restore")),
        (Method::DELETE, format!("/v1/numbers/{id}/purge")),
        (Method::POST, format!("/v1/numbers/{id}/sandbox/scan")),
        (Method::GET, "/v1/numbers/num_doesnotexist".to_owned()),
    ] {
        app.expect_error(method, &path, Some(&other.key), None, StatusCode::NOT_FOUND, "NUMBER_NOT_FOUND")
            .await;
    }
    assert_eq!(app.get("/v1/numbers", &other.key).await, json!([]));
    assert_eq!(
        app.get(&format!("/v1/numbers/{id}"), &t.key).await["state"],
        "CONNECTING",
        "untouched by the other tenant"
    );
}

#[tokio::test]
async fn number_keys_see_their_own_number_and_follow_link_to_api_key() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let a = app.create_number(&t.key, "A", "5511900000001").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = app.create_number(&t.key, "B", "5511900000002").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = app.number_key(&t, &a).await;

    let list = app.get("/v1/numbers", &key).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], a.as_str());
    app.expect_error(
        Method::GET,
        &format!("/v1/numbers/{b}"),
        Some(&key),
        None,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    )
    .await;

    // Creating with the default linkToApiKey re-points the key to the new number.
    let created = app.create_number(&key, "C", "5511900000003").await;
    let c = created["instance"]["id"].as_str().unwrap().to_owned();
    assert!(created["linkedApiKeyId"].as_str().unwrap().starts_with("key_"));
    assert_eq!(created["instance"]["apiKeys"].as_array().unwrap().len(), 1);
    app.get(&format!("/v1/numbers/{c}"), &key).await;
    app.expect_error(
        Method::GET,
        &format!("/v1/numbers/{a}"),
        Some(&key),
        None,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    )
    .await;

    // With linkToApiKey false the key stays where it is.
    let body = json!({ "name": "D", "number": "5511900000004", "linkToApiKey": false });
    let created = app.expect(Method::POST, "/v1/numbers", &key, Some(body), StatusCode::CREATED).await;
    assert_eq!(created["linkedApiKeyId"], json!(null));
    app.get(&format!("/v1/numbers/{c}"), &key).await;
}

#[tokio::test]
async fn without_an_engine_numbers_are_refused_and_the_sandbox_is_invisible() {
    let app = spawn_with(Options {
        sandbox: false,
        configure: |c| c.embedded_engine = false,
        ..Options::default()
    })
    .await;
    let t = app.tenant("Acme").await;
    let body = json!({ "name": "A", "number": "5511999998888" }).to_string();
    app.expect_error(
        Method::POST,
        "/v1/numbers",
        Some(&t.key),
        Some(&body),
        StatusCode::SERVICE_UNAVAILABLE,
        "PROVIDER_NOT_CONFIGURED",
    )
    .await;
    assert_eq!(app.get("/v1/numbers", &t.key).await, json!([]), "nothing half-created");
    app.expect_error(
        Method::POST,
        "/v1/numbers/num_x/sandbox/scan",
        Some(&t.key),
        None,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
}

/// `PATCH /v1/numbers/{id}`: the documented data policy and settings, stored whole, merged
/// key by key, with `settingsSync` telling honestly that the sandbox acts on none of them;
/// settings given at creation (number or link) are kept instead of dropped.
#[tokio::test]
async fn numbers_take_pii_mode_and_settings_and_say_what_acts_on_them() {
    let app = spawn_app().await;
    let t = app.tenant("Acme").await;
    let created = app
        .expect(
            Method::POST,
            "/v1/numbers",
            &t.key,
            Some(json!({ "name": "A", "number": "5511900000001", "settings": { "rejectCall": true, "notASetting": 1 } })),
            StatusCode::CREATED,
        )
        .await;
    let id = created["instance"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["instance"]["settings"], json!({ "rejectCall": true }));
    assert_eq!(created["instance"]["piiMode"], "RELAY_ONLY");
    let link = app
        .create_link(
            &t.key,
            json!({ "name": "B", "number": "5511900000002", "settings": { "alwaysOnline": true } }),
        )
        .await;
    let linked = app
        .get(&format!("/v1/numbers/{}", link["numberId"].as_str().unwrap()), &t.key)
        .await;
    assert_eq!(linked["settings"], json!({ "alwaysOnline": true }));

    let path = format!("/v1/numbers/{id}");
    let body = json!({
        "piiMode": "STORE_X_DAYS",
        "piiRetentionDays": 30,
        "settings": { "msgRejectCall": "Busy, text me", "rejectCall": null, "markReadOnSend": true, "unknownThing": true }
    });
    let patched = app.expect(Method::PATCH, &path, &t.key, Some(body), StatusCode::OK).await;
    assert_eq!(
        (patched["id"].as_str(), &patched["piiMode"]),
        (Some(id.as_str()), &json!("STORE_X_DAYS"))
    );
    assert_eq!(patched["piiRetentionDays"], 30);
    assert_eq!(
        patched["settings"],
        json!({ "msgRejectCall": "Busy, text me", "markReadOnSend": true })
    );
    assert_eq!(
        patched["settingsSync"],
        json!({ "applied": [], "failed": [], "skipped": ["markReadOnSend", "msgRejectCall", "rejectCall", "unknownThing"] })
    );
    let detail = app.get(&path, &t.key).await;
    assert_eq!(
        (&detail["settings"], &detail["piiRetentionDays"]),
        (&patched["settings"], &json!(30))
    );
    let only_mode = app
        .expect(
            Method::PATCH,
            &path,
            &t.key,
            Some(json!({ "piiMode": "RELAY_ONLY" })),
            StatusCode::OK,
        )
        .await;
    assert!(only_mode.get("settingsSync").is_none(), "no settings sent, no sync: {only_mode}");
    assert_eq!(only_mode["settings"], patched["settings"]);

    for body in ["{}", "", r#"{"somethingElse": 1}"#] {
        let body = (!body.is_empty()).then_some(body);
        app.expect_error(Method::PATCH, &path, Some(&t.key), body, StatusCode::BAD_REQUEST, "EMPTY_PATCH")
            .await;
    }
    for (bad, field) in [
        (json!({ "piiMode": "FOREVER" }), "piiMode"),
        (json!({ "piiRetentionDays": 3651 }), "piiRetentionDays"),
        (json!({ "settings": { "alwaysOnline": "yes" } }), "settings.alwaysOnline"),
        (json!({ "settings": "all" }), "settings"),
    ] {
        let err = app
            .expect_error(
                Method::PATCH,
                &path,
                Some(&t.key),
                Some(&bad.to_string()),
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
            )
            .await;
        assert!(err["error"].as_str().unwrap().starts_with(field), "{bad} → {err}");
    }
    assert_eq!(
        app.get(&path, &t.key).await["settings"],
        patched["settings"],
        "refused changes change nothing"
    );
    let other = app.tenant("Other").await;
    app.expect_error(
        Method::PATCH,
        &path,
        Some(&other.key),
        Some(r#"{"piiMode": "RELAY_ONLY"}"#),
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    )
    .await;
}
