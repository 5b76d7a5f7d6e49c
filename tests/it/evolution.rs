//! The Evolution engine against a real HTTP stand-in (wiremock) answering with recorded
//! Evolution 2.3.6 shapes (`tests/fixtures/evolution`), and Evolution's webhooks posted to us.
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_partial_json, header, method, path, path_regex, query_param, query_param_is_missing},
};

use crate::helpers::{EVOLUTION_KEY, EVOLUTION_SECRET, Options, Tenant, TestApp, spawn_with};

const PHONE: &str = "5511999998888";
const OTHER_PHONE: &str = "5521977776666";
const CONNECT: &str = r"^/instance/connect/ten_[0-9a-f]+-num_[0-9a-f]+$";
const QR_2: &str = "2@SecondRefAAAA,bm9pc2U=,aWRlbnRpdHk=,YWR2,1";
const QR_3: &str = "2@ThirdRefBBBBB,bm9pc2U=,aWRlbnRpdHk=,YWR2,1";

pub fn fixture(name: &str, vars: &[(&str, &str)]) -> Value {
    let path = format!("{}/tests/fixtures/evolution/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let mut raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for (k, v) in vars {
        raw = raw.replace(&format!("{{{{{k}}}}}"), v);
    }
    serde_json::from_str(&raw).unwrap()
}

pub async fn evolution_app(evo: &MockServer) -> TestApp {
    spawn_with(Options {
        sandbox: false,
        evolution: Some(evo.uri()),
        ..Options::default()
    })
    .await
}

fn instance(t: &Tenant, number: &str) -> String {
    format!("{}-{number}", t.id)
}

/// Evolution accepts every instance creation.
pub async fn accept_creations(evo: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/instance/create"))
        .and(header("apikey", EVOLUTION_KEY))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("create_201", &[("instance", "x"), ("webhook_url", "x")])))
        .mount(evo)
        .await;
}

/// A remote-pairing link for a new Evolution number: `(token, number id, instance name)`.
pub async fn evolution_link(app: &TestApp, t: &Tenant, phone: &str) -> (String, String, String) {
    let link = app.create_link(&t.key, json!({ "name": "Cliente", "number": phone })).await;
    let id = link["numberId"].as_str().unwrap().to_owned();
    let instance = instance(t, &id);
    let token = link["remotePairingToken"].as_str().unwrap().to_owned();
    // The page opens (records `link.opened`), as a customer's would.
    app.public(Method::GET, &format!("/v1/remote-pairing/{token}")).await;
    (token, id, instance)
}

/// Posts an Evolution webhook fixture for `instance`; returns our status.
pub async fn hook(app: &TestApp, name: &str, instance: &str, vars: &[(&str, &str)]) -> StatusCode {
    let mut all = vec![("instance", instance), ("webhook_url", "x")];
    all.extend_from_slice(vars);
    let body = fixture(name, &all).to_string();
    app.raw(Method::POST, &format!("/hooks/evolution/{EVOLUTION_SECRET}"), None, Some(&body))
        .await
        .0
}

fn wuid(phone: &str) -> String {
    format!("{phone}:7@s.whatsapp.net")
}

/// Requests Evolution received for `method` and a path starting with `prefix`.
pub async fn calls(evo: &MockServer, verb: &str, prefix: &str) -> Vec<wiremock::Request> {
    evo.received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path().starts_with(prefix))
        .collect()
}

/// Waits (without a deadline in time, only in polls) until Evolution got `n` such calls.
pub async fn until_calls(evo: &MockServer, verb: &str, prefix: &str, n: usize) {
    for _ in 0..500 {
        if calls(evo, verb, prefix).await.len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("Evolution never got {n} {verb} {prefix}… calls");
}

async fn status(app: &TestApp, token: &str) -> Value {
    app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await.1
}

#[tokio::test]
async fn a_new_number_gets_an_instance_and_a_window_with_its_code_asked_once() {
    let evo = MockServer::start().await;
    let app = evolution_app(&evo).await;
    let t = app.tenant("Acme").await;
    let hook_url = format!("{}/hooks/evolution/{EVOLUTION_SECRET}", app.base);
    Mock::given(method("POST"))
        .and(path("/instance/create"))
        .and(header("apikey", EVOLUTION_KEY))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(json!({
            "integration": "WHATSAPP-BAILEYS",
            "qrcode": false,
            "webhook": { "url": hook_url, "byEvents": false, "base64": false, "events": ["QRCODE_UPDATED", "CONNECTION_UPDATE"] },
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("create_201", &[("instance", "x"), ("webhook_url", &hook_url)])))
        .expect(1)
        .mount(&evo)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(CONNECT))
        .and(query_param("number", PHONE))
        .and(header("apikey", EVOLUTION_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("connect_qr_with_code", &[])))
        .expect(1)
        .mount(&evo)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(CONNECT))
        .and(query_param_is_missing("number"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("connect_qr", &[])))
        .expect(0)
        .mount(&evo)
        .await;

    let created = app.create_number(&t.key, "Loja", PHONE).await;
    assert_eq!(created["instance"]["state"], "CONNECTING", "{created}");
    assert_eq!(created["pairingCode"], "WZYE-H1YY");
    assert!(created["qrcodeBase64"].as_str().unwrap().starts_with("data:image/png;base64,"));
    let id = created["instance"]["id"].as_str().unwrap();
    let created_with = &calls(&evo, "POST", "/instance/create").await[0];
    assert_eq!(created_with.body_json::<Value>().unwrap()["instanceName"], instance(&t, id));
    assert_eq!(
        calls(&evo, "GET", "/instance/connect/").await[0].url.path(),
        format!("/instance/connect/{}", instance(&t, id))
    );

    // QR refs rotate by webhook: the page sees each, and the code is not asked for again.
    let first = app.get(&format!("/v1/numbers/{id}"), &t.key).await;
    assert_eq!(first["state"], "CONNECTING");
    assert_eq!(
        hook(&app, "hook_qrcode_updated", &instance(&t, id), &[("qr", QR_2)]).await,
        StatusCode::OK
    );
    assert_eq!(
        hook(&app, "hook_qrcode_updated", &instance(&t, id), &[("qr", QR_3)]).await,
        StatusCode::OK
    );
    assert_eq!(calls(&evo, "GET", "/instance/connect/").await.len(), 1);
}

#[tokio::test]
async fn rotations_reach_the_page_and_the_expected_phone_connects() {
    let evo = MockServer::start().await;
    let app = evolution_app(&evo).await;
    accept_creations(&evo).await;
    Mock::given(method("GET"))
        .and(path_regex(CONNECT))
        .and(query_param("number", PHONE))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("connect_qr_with_code", &[])))
        .expect(1)
        .mount(&evo)
        .await;
    let t = app.tenant("Acme").await;
    let (token, id, instance) = evolution_link(&app, &t, PHONE).await;
    assert!(
        calls(&evo, "GET", "/instance/connect/").await.is_empty(),
        "a link holds no socket until its page asks"
    );
    let (code, connect) = app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    assert_eq!(code, StatusCode::OK, "{connect}");
    assert_eq!(connect["pairingCode"], "WZYE-H1YY");

    let before = status(&app, &token).await;
    assert_eq!(before["linkState"], "qr");
    assert_eq!(hook(&app, "hook_qrcode_updated", &instance, &[("qr", QR_2)]).await, StatusCode::OK);
    let after = status(&app, &token).await;
    assert_eq!(after["linkState"], "qr");
    assert_ne!(after["qrcodeBase64"], before["qrcodeBase64"], "the rotated QR is shown");
    assert_eq!(after["pairingCode"], "WZYE-H1YY", "the code stays");
    assert_eq!(
        hook(&app, "hook_connection_connecting_200", &instance, &[("wuid", "")]).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&app, &token).await["qrcodeBase64"],
        after["qrcodeBase64"],
        "connecting alone changes nothing"
    );

    assert_eq!(
        hook(&app, "hook_connection_open_200", &instance, &[("wuid", &wuid(PHONE))]).await,
        StatusCode::OK
    );
    let done = status(&app, &token).await;
    assert_eq!(
        (done["state"].as_str(), done["linkState"].as_str()),
        (Some("OPEN"), Some("connected"))
    );
    assert_eq!(
        app.event_kinds(&id, &t.key).await,
        ["number.created", "link.opened", "number.connected"]
    );
}

#[tokio::test]
async fn a_different_phone_is_refused_unlinked_and_reported() {
    let evo = MockServer::start().await;
    let app = evolution_app(&evo).await;
    accept_creations(&evo).await;
    Mock::given(method("GET"))
        .and(path_regex(CONNECT))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("connect_qr_with_code", &[])))
        .mount(&evo)
        .await;
    let t = app.tenant("Acme").await;
    let (token, id, instance) = evolution_link(&app, &t, PHONE).await;
    Mock::given(method("DELETE"))
        .and(path(format!("/instance/logout/{instance}")))
        .and(header("apikey", EVOLUTION_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("logout_ok", &[])))
        .expect(1)
        .mount(&evo)
        .await;
    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;

    assert_eq!(
        hook(&app, "hook_connection_open_200", &instance, &[("wuid", &wuid(OTHER_PHONE))]).await,
        StatusCode::OK
    );
    until_calls(&evo, "DELETE", "/instance/logout/", 1).await;
    // Evolution then reports the logout we asked for; the refusal's reason stays.
    assert_eq!(
        hook(&app, "hook_connection_close_401", &instance, &[("wuid", "")]).await,
        StatusCode::OK
    );
    let refused = status(&app, &token).await;
    assert_eq!(refused["state"], "CLOSE");
    assert_eq!(refused["linkState"], "failed");
    assert_eq!(refused["failure"], json!({ "reason": "wrong_number", "retryable": true }));
    let events = app.get(&format!("/v1/numbers/{id}/events"), &t.key).await;
    let kinds: Vec<_> = events.as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["number.created", "link.opened", "link.failed"]);
    assert_eq!(events[2]["data"]["reason"], "wrong_number");
    assert!(!events.to_string().contains(OTHER_PHONE), "the stranger's phone is not passed on");
    // The link still pairs the right phone.
    assert_eq!(
        app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn logouts_bans_and_flaps_after_connecting() {
    let evo = MockServer::start().await;
    let app = evolution_app(&evo).await;
    accept_creations(&evo).await;
    Mock::given(method("GET"))
        .and(path_regex(CONNECT))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("connect_qr", &[])))
        .mount(&evo)
        .await;
    let t = app.tenant("Acme").await;
    for (close, reason) in [("hook_connection_close_401", "logged_out"), ("hook_connection_close_403", "banned")] {
        let phone = if reason == "banned" { "5511900000002" } else { PHONE };
        let created = app.create_number(&t.key, "Loja", phone).await;
        let id = created["instance"]["id"].as_str().unwrap().to_owned();
        let instance = instance(&t, &id);
        hook(&app, "hook_connection_open_200", &instance, &[("wuid", &wuid(phone))]).await;
        // A flap (Evolution reconnects by itself) is no disconnection.
        for flap in [
            "hook_connection_close_408",
            "hook_connection_close_440",
            "hook_connection_close_515",
        ] {
            assert_eq!(hook(&app, flap, &instance, &[("wuid", "")]).await, StatusCode::OK);
        }
        assert_eq!(app.get(&format!("/v1/numbers/{id}"), &t.key).await["state"], "OPEN", "{reason}");
        hook(&app, close, &instance, &[("wuid", "")]).await;
        assert_eq!(app.get(&format!("/v1/numbers/{id}"), &t.key).await["state"], "CLOSE", "{reason}");
        let events = app.get(&format!("/v1/numbers/{id}/events"), &t.key).await;
        let last = events.as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["event"].as_str(), last["data"]["reason"].as_str()),
            (Some("number.disconnected"), Some(reason))
        );
        assert_eq!(
            app.event_kinds(&id, &t.key).await,
            ["number.created", "number.connected", "number.disconnected"]
        );
    }
}

#[tokio::test]
async fn webhooks_need_the_secret_and_ignore_what_is_not_ours() {
    let evo = MockServer::start().await;
    let app = evolution_app(&evo).await;
    accept_creations(&evo).await;
    let t = app.tenant("Acme").await;
    let (token, id, instance) = evolution_link(&app, &t, PHONE).await;
    let open = fixture(
        "hook_connection_open_200",
        &[("instance", &instance), ("wuid", &wuid(PHONE)), ("webhook_url", "x")],
    )
    .to_string();

    let (code, body) = app
        .raw(Method::POST, "/hooks/evolution/not-the-secret-at-all-000000", None, Some(&open))
        .await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("UNAUTHORIZED")));
    let (code, body) = app
        .raw(
            Method::POST,
            &format!("/hooks/evolution/{EVOLUTION_SECRET}"),
            None,
            Some("{not json"),
        )
        .await;
    assert_eq!((code, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("VALIDATION_ERROR")));
    for foreign in ["t42-n7", &format!("{}-num_0123456789abcdef", t.id)] {
        assert_eq!(
            hook(&app, "hook_connection_open_200", foreign, &[("wuid", &wuid(PHONE))]).await,
            StatusCode::OK
        );
    }
    assert_eq!(
        hook(&app, "hook_messages_upsert", &instance, &[("wuid", &wuid(PHONE))]).await,
        StatusCode::OK
    );
    assert_eq!(status(&app, &token).await["state"], "CLOSE", "nothing above touched the number");
    assert_eq!(app.event_kinds(&id, &t.key).await, ["number.created", "link.opened"]);
}

#[tokio::test]
async fn connect_answers_and_errors_map_to_clear_api_errors() {
    let evo = MockServer::start().await;
    let app = evolution_app(&evo).await;
    accept_creations(&evo).await;
    let t = app.tenant("Acme").await;
    let (token, _, instance) = evolution_link(&app, &t, PHONE).await;
    let connect = format!("/v1/remote-pairing/{token}/connect");
    let cases = [
        (
            ResponseTemplate::new(200).set_body_json(fixture("connect_error", &[])),
            StatusCode::SERVICE_UNAVAILABLE,
            "UPSTREAM_ERROR",
        ),
        (
            ResponseTemplate::new(401).set_body_json(fixture("unauthorized_401", &[])),
            StatusCode::SERVICE_UNAVAILABLE,
            "UPSTREAM_ERROR",
        ),
        (
            ResponseTemplate::new(404).set_body_json(fixture("not_found_404", &[("instance", &instance)])),
            StatusCode::SERVICE_UNAVAILABLE,
            "UPSTREAM_ERROR",
        ),
        (
            ResponseTemplate::new(500).set_body_string("boom"),
            StatusCode::SERVICE_UNAVAILABLE,
            "UPSTREAM_ERROR",
        ),
        (
            ResponseTemplate::new(200).set_body_json(fixture("connect_open", &[("instance", &instance)])),
            StatusCode::CONFLICT,
            "NUMBER_ALREADY_CONNECTED",
        ),
        (
            ResponseTemplate::new(429).insert_header("retry-after", "42"),
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
        ),
    ];
    for (answer, status, code) in cases {
        let _guard = Mock::given(method("GET"))
            .and(path(format!("/instance/connect/{instance}")))
            .respond_with(answer)
            .expect(1)
            .mount_as_scoped(&evo)
            .await;
        let body = app.expect_error(Method::POST, &connect, None, None, status, code).await;
        assert!(!body.to_string().contains(EVOLUTION_KEY));
        if code == "RATE_LIMITED" {
            assert_eq!(body["retryAfterSeconds"], 42);
        }
    }
}

#[tokio::test]
async fn delete_resume_and_state_use_their_routes() {
    let evo = MockServer::start().await;
    let app = evolution_app(&evo).await;
    accept_creations(&evo).await;
    Mock::given(method("GET"))
        .and(path_regex(CONNECT))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("connect_qr", &[])))
        .mount(&evo)
        .await;
    let t = app.tenant("Acme").await;
    let paired = app.create_number(&t.key, "A", PHONE).await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let gone = app.create_number(&t.key, "B", OTHER_PHONE).await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    hook(&app, "hook_connection_open_200", &instance(&t, &paired), &[("wuid", &wuid(PHONE))]).await;

    Mock::given(method("DELETE"))
        .and(path(format!("/instance/delete/{}", instance(&t, &gone))))
        .and(header("apikey", EVOLUTION_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("delete_ok", &[])))
        .expect(1)
        .mount(&evo)
        .await;
    app.expect(Method::DELETE, &format!("/v1/numbers/{gone}"), &t.key, None, StatusCode::OK)
        .await;
    // Purging a deleted number does not call Evolution again (the delete mock expects one call).
    app.expect(Method::DELETE, &format!("/v1/numbers/{gone}/purge"), &t.key, None, StatusCode::OK)
        .await;

    // A restart asks Evolution where each session stands, and opens no window.
    Mock::given(method("GET"))
        .and(path(format!("/instance/connectionState/{}", instance(&t, &paired))))
        .and(header("apikey", EVOLUTION_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("connection_state_open", &[("instance", "x")])))
        .expect(2)
        .mount(&evo)
        .await;
    let connects = calls(&evo, "GET", "/instance/connect/").await.len();
    let database = app.stop();
    let app = spawn_with(Options {
        sandbox: false,
        evolution: Some(evo.uri()),
        database: Some(database),
        ..Options::default()
    })
    .await;
    let status = app.get(&format!("/v1/numbers/{paired}/status"), &t.key).await;
    assert_eq!(status["state"], "OPEN");
    assert!(status["checkedAt"].is_string(), "{status}");
    assert_eq!(
        calls(&evo, "GET", "/instance/connect/").await.len(),
        connects,
        "no QR minted on restart"
    );
    // A restarted process with no cached state asks Evolution.
    let ctx = number_ctx(&app, &t, &paired).await;
    let engine = app.state.engines.get("evolution").unwrap();
    let fresh = pairlink::server::engines::evolution::EvolutionEngine::new(
        pairlink::server::engines::evolution::EvolutionSettings {
            base_url: evo.uri(),
            api_key: EVOLUTION_KEY.into(),
            webhook_url: "http://x/hooks/evolution/s".into(),
        },
        std::sync::Arc::new(app.state.pairing.windows().clone()),
        app.state.clock.clone(),
    )
    .unwrap();
    use pairlink::server::engines::Engine;
    assert!(matches!(
        fresh.status(&ctx).await.unwrap(),
        pairlink::server::engines::LinkState::Connected { .. }
    ));
    assert_eq!(engine.kind().as_str(), "evolution");
}

pub async fn number_ctx(app: &TestApp, t: &Tenant, id: &str) -> pairlink::server::engines::NumberCtx {
    let tenant = pairlink::server::domain::TenantId::from_trusted(t.id.clone());
    let number = app
        .state
        .store
        .get_number(&tenant, &pairlink::server::domain::NumberId::from_trusted(id))
        .await
        .unwrap();
    pairlink::server::engines::NumberCtx::of(&number)
}

#[tokio::test]
async fn links_are_sent_through_evolution() {
    let evo = MockServer::start().await;
    let app = evolution_app(&evo).await;
    accept_creations(&evo).await;
    Mock::given(method("GET"))
        .and(path_regex(CONNECT))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("connect_qr", &[])))
        .mount(&evo)
        .await;
    let t = app.tenant("Acme").await;
    let sender = app.create_number(&t.key, "Sender", PHONE).await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    hook(&app, "hook_connection_open_200", &instance(&t, &sender), &[("wuid", &wuid(PHONE))]).await;
    app.expect(
        Method::POST,
        "/v1/templates",
        &t.key,
        Some(json!({ "name": "pilot_status_remote_pairing", "category": "OTP", "language": "pt_BR", "body": "Oi {{name}}: {{link}}" })),
        StatusCode::CREATED,
    )
    .await;
    app.expect(
        Method::PUT,
        "/v1/settings",
        &t.key,
        Some(json!({ "defaultSenderNumberId": sender })),
        StatusCode::OK,
    )
    .await;

    let _sent = Mock::given(method("POST"))
        .and(path(format!("/message/sendText/{}", instance(&t, &sender))))
        .and(header("apikey", EVOLUTION_KEY))
        .and(body_partial_json(json!({ "number": "5511988887777" })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("send_text_201", &[("text", "x")])))
        .expect(1)
        .mount_as_scoped(&evo)
        .await;
    let link = app
        .create_link(&t.key, json!({ "name": "Ana", "number": "5511988887777", "sendViaWhatsApp": true }))
        .await;
    assert_eq!(link["messageSent"], true, "{link}");
    let sent = calls(&evo, "POST", "/message/sendText/").await;
    let url = link["remotePairingUrl"].as_str().unwrap();
    assert_eq!(
        sent[0].body_json::<Value>().unwrap(),
        json!({ "number": "5511988887777", "text": format!("Oi Ana: {url}"), "delay": 0 })
    );
    drop(_sent);

    Mock::given(method("POST"))
        .and(path(format!("/message/sendText/{}", instance(&t, &sender))))
        .and(body_partial_json(json!({ "number": "5511900000000" })))
        .respond_with(ResponseTemplate::new(400).set_body_json(fixture("send_text_not_on_whatsapp_400", &[])))
        .expect(1)
        .mount(&evo)
        .await;
    let link = app
        .create_link(&t.key, json!({ "name": "Bia", "number": "5511900000000", "sendViaWhatsApp": true }))
        .await;
    assert_eq!(link["messageSent"], false);
    assert_eq!(
        link["messageError"],
        "SEND_FAILED: engine unavailable: the recipient is not on WhatsApp"
    );
}

/// Evolution acts on some documented settings (its instance settings): a PATCH sends them
/// whole and reports them applied, the message-side ones skipped; when Evolution refuses,
/// they are reported failed and stay stored.
#[tokio::test]
async fn number_settings_reach_evolution_and_say_what_it_took() {
    let evo = MockServer::start().await;
    let app = evolution_app(&evo).await;
    accept_creations(&evo).await;
    let t = app.tenant("Acme").await;
    let (_, id, _) = evolution_link(&app, &t, PHONE).await;
    let set = Mock::given(method("POST"))
        .and(path(format!("/settings/set/{}", instance(&t, &id))))
        .and(header("apikey", EVOLUTION_KEY))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "settings": { "instanceName": instance(&t, &id) } })))
        .expect(1)
        .mount_as_scoped(&evo)
        .await;
    let body = json!({ "settings": { "rejectCall": true, "msgRejectCall": "Busy", "ignoreNewsletters": true } });
    let patched = app
        .expect(Method::PATCH, &format!("/v1/numbers/{id}"), &t.key, Some(body), StatusCode::OK)
        .await;
    assert_eq!(
        patched["settingsSync"],
        json!({ "applied": ["msgRejectCall", "rejectCall"], "failed": [], "skipped": ["ignoreNewsletters"] })
    );
    let sent = calls(&evo, "POST", "/settings/set/").await;
    assert_eq!(
        sent[0].body_json::<Value>().unwrap(),
        json!({ "rejectCall": true, "msgCall": "Busy", "groupsIgnore": false, "alwaysOnline": false,
                "readMessages": false, "readStatus": false, "syncFullHistory": false })
    );
    drop(set);

    Mock::given(method("POST"))
        .and(path(format!("/settings/set/{}", instance(&t, &id))))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({ "status": 404, "response": { "message": ["instance does not exist"] } })),
        )
        .mount(&evo)
        .await;
    let body = json!({ "settings": { "alwaysOnline": true } });
    let patched = app
        .expect(Method::PATCH, &format!("/v1/numbers/{id}"), &t.key, Some(body), StatusCode::OK)
        .await;
    assert_eq!(
        patched["settingsSync"],
        json!({ "applied": [], "failed": ["alwaysOnline"], "skipped": [] })
    );
    assert_eq!(patched["settings"]["alwaysOnline"], true, "kept for the next try");
}
