//! The passkey ceremony through the API (docs/passkey-ceremony.md), against the sandbox's gate,
//! which checks assertions with real ES256 signatures as WhatsApp does. An authenticator here
//! is a P-256 key the test holds (ring), signing what a browser's would.
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use reqwest::{Method, StatusCode};
use ring::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Options, TestApp, pg_database, spawn_app, spawn_with};

const ORIGIN: &str = "https://web.whatsapp.com";
const UP_UV: u8 = 0x05;

struct Authenticator {
    key: EcdsaKeyPair,
    id: Vec<u8>,
    count: u32,
}

impl Authenticator {
    fn new() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        Self {
            key: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap(),
            id: format!("credential-{}", uuid::Uuid::new_v4()).into_bytes(),
            count: 0,
        }
    }

    /// `{credentialId, publicKey}` for the sandbox account.
    fn registration(&self) -> Value {
        let spki = pairlink::server::domain::passkey::p256_spki(self.key.public_key().as_ref());
        json!({ "credentialId": URL_SAFE_NO_PAD.encode(&self.id), "publicKey": URL_SAFE_NO_PAD.encode(spki) })
    }

    /// `PublicKeyCredential.toJSON()` of an assertion made on `origin` for `rp_id`.
    fn assert(&mut self, challenge: &str, origin: &str, rp_id: &str) -> Value {
        self.count += 1;
        let client = json!({ "type": "webauthn.get", "challenge": challenge, "origin": origin, "crossOrigin": false }).to_string();
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(UP_UV);
        data.extend_from_slice(&self.count.to_be_bytes());
        let mut signed = data.clone();
        signed.extend_from_slice(&Sha256::digest(client.as_bytes()));
        let signature = self.key.sign(&SystemRandom::new(), &signed).unwrap();
        let id = URL_SAFE_NO_PAD.encode(&self.id);
        json!({
            "id": id, "rawId": id, "type": "public-key",
            "response": {
                "clientDataJSON": URL_SAFE_NO_PAD.encode(client),
                "authenticatorData": URL_SAFE_NO_PAD.encode(data),
                "signature": URL_SAFE_NO_PAD.encode(signature.as_ref()),
                "userHandle": null,
            }
        })
    }
}

/// A link whose number WhatsApp asks for the passkey of `who`'s account; its token and id.
async fn gated(app: &TestApp, key: &str, who: &Authenticator) -> (String, String) {
    let link = app
        .create_link(
            key,
            json!({ "name": "Loja", "number": "5511988887777", "branding": { "companyName": "Passkey Shop" } }),
        )
        .await;
    let token = link["remotePairingToken"].as_str().unwrap().to_owned();
    let id = link["numberId"].as_str().unwrap().to_owned();
    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    let asked = who.registration().to_string();
    let (status, body) = app
        .raw(Method::POST, &format!("/v1/numbers/{id}/sandbox/passkey"), Some(key), Some(&asked))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (token, id)
}

async fn handoff(app: &TestApp, token: &str) -> String {
    let (status, body) = app
        .public(Method::POST, &format!("/v1/remote-pairing/{token}/passkey/handoff"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["code"].as_str().unwrap().to_owned()
}

async fn claim(app: &TestApp, code: &str) -> (StatusCode, Value) {
    app.raw(Method::POST, "/v1/passkey/claim", None, Some(&json!({ "code": code }).to_string()))
        .await
}

/// The extension's calls, with the ceremony's bearer secret.
async fn ext(app: &TestApp, method: Method, path: &str, secret: &str, body: Option<Value>) -> (StatusCode, Value) {
    let client = reqwest::Client::new();
    let mut req = client.request(method, format!("{}{path}", app.base)).bearer_auth(secret);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn page_status(app: &TestApp, token: &str) -> Value {
    app.public(Method::GET, &format!("/v1/remote-pairing/{token}/status")).await.1
}

async fn number_state(app: &TestApp, key: &str, id: &str) -> String {
    app.get(&format!("/v1/numbers/{id}"), key).await["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn the_ceremony_pairs(app: TestApp) {
    let t = app.tenant("Passkey Shop").await;
    let mut phone = Authenticator::new();
    let (token, id) = gated(&app, &t.key, &phone).await;
    let status = page_status(&app, &token).await;
    assert_eq!(status["linkState"], "passkey_required");
    assert!(status["passkey"].is_null(), "no ceremony before a hand-off: {status}");

    let code = handoff(&app, &token).await;
    assert_eq!(code.len(), 8);
    assert_eq!(page_status(&app, &token).await["passkey"]["stage"], "waiting");
    // Typed as people type it: lower case, with the dash the page shows.
    let typed = format!("{}-{}", &code[..4], &code[4..]).to_lowercase();
    let (status, claimed) = claim(&app, &typed).await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    let secret = claimed["ceremony"].as_str().unwrap().to_owned();
    assert_eq!(claimed["stage"], "challenge");
    assert_eq!(claimed["company"], "Passkey Shop");
    assert_eq!(claimed["number"], "+551198****7777");

    let (_, ceremony) = ext(&app, Method::GET, "/v1/passkey/ceremony", &secret, None).await;
    assert_eq!(ceremony["stage"], "challenge", "{ceremony}");
    let options = &ceremony["options"];
    assert_eq!(options["rpId"], "whatsapp.com");
    assert_eq!(options["userVerification"], "required");
    let challenge = options["challenge"].as_str().unwrap().to_owned();
    assert!(ceremony.get("ceremony").is_none(), "the secret is only in the claim's answer");
    let page = page_status(&app, &token).await;
    assert_eq!(page["passkey"]["stage"], "challenge");
    assert!(!page.to_string().contains(&challenge), "the page never sees WhatsApp's request");

    let assertion = phone.assert(&challenge, ORIGIN, "whatsapp.com");
    let (status, after) = ext(
        &app,
        Method::POST,
        "/v1/passkey/ceremony/assertion",
        &secret,
        Some(assertion.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["stage"], "confirmation");
    let shown = after["confirmationCode"].as_str().unwrap().to_owned();
    assert_eq!(shown.len(), 9, "XXXX-XXXX: {shown}");
    assert_eq!(page_status(&app, &token).await["passkey"]["stage"], "confirmation");
    assert_eq!(number_state(&app, &t.key, &id).await, "CONNECTING");

    // The same assertion again goes nowhere.
    let (status, again) = ext(&app, Method::POST, "/v1/passkey/ceremony/assertion", &secret, Some(assertion)).await;
    assert_eq!(
        (status, again["code"].as_str()),
        (StatusCode::CONFLICT, Some("CEREMONY_STAGE")),
        "{again}"
    );
    let (status, wrong) = ext(
        &app,
        Method::POST,
        "/v1/passkey/ceremony/confirm",
        &secret,
        Some(json!({ "code": "AAAA-AAAA" })),
    )
    .await;
    assert_eq!(
        (status, wrong["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("CONFIRMATION_MISMATCH"))
    );
    assert_eq!(number_state(&app, &t.key, &id).await, "CONNECTING");

    let (status, done) = ext(
        &app,
        Method::POST,
        "/v1/passkey/ceremony/confirm",
        &secret,
        Some(json!({ "code": shown })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["stage"], "done");
    for _ in 0..200 {
        if number_state(&app, &t.key, &id).await == "OPEN" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(number_state(&app, &t.key, &id).await, "OPEN");
    let (_, after) = ext(&app, Method::GET, "/v1/passkey/ceremony", &secret, None).await;
    assert_eq!(after["stage"], "done", "{after}");
    let kinds = app.event_kinds(&id, &t.key).await;
    assert_eq!(kinds.iter().filter(|k| *k == "number.connected").count(), 1, "{kinds:?}");
    // The hand-off is over: the code and secret are spent.
    assert_eq!(claim(&app, &code).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_gated_account_pairs_through_the_ceremony_on_sqlite() {
    the_ceremony_pairs(spawn_app().await).await;
}

#[tokio::test]
async fn a_gated_account_pairs_through_the_ceremony_on_postgres() {
    the_ceremony_pairs(
        spawn_with(Options {
            database: Some(pg_database().await),
            ..Options::default()
        })
        .await,
    )
    .await;
}

/// An assertion made on another origin, for another relying party, for another challenge,
/// unsigned, or by another key: each refused with a clear message, nothing connected.
#[tokio::test]
async fn bad_assertions_are_refused_and_nothing_connects() {
    let app = spawn_app().await;
    let t = app.tenant("Passkey Shop").await;
    let mut phone = Authenticator::new();
    let (token, id) = gated(&app, &t.key, &phone).await;
    let code = handoff(&app, &token).await;
    let secret = claim(&app, &code).await.1["ceremony"].as_str().unwrap().to_owned();
    let (_, ceremony) = ext(&app, Method::GET, "/v1/passkey/ceremony", &secret, None).await;
    let challenge = ceremony["options"]["challenge"].as_str().unwrap().to_owned();

    let mut unsigned = phone.assert(&challenge, ORIGIN, "whatsapp.com");
    unsigned["response"]["signature"] = "".into();
    let cases = [
        (
            phone.assert(&challenge, "https://evil.example", "whatsapp.com"),
            "https://evil.example",
        ),
        (phone.assert(&challenge, ORIGIN, "evil.example"), "another relying party"),
        (
            phone.assert(&URL_SAFE_NO_PAD.encode(b"another challenge"), ORIGIN, "whatsapp.com"),
            "another challenge",
        ),
        (unsigned, "no signature"),
    ];
    for (assertion, says) in cases {
        let (status, err) = ext(&app, Method::POST, "/v1/passkey/ceremony/assertion", &secret, Some(assertion)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(err["code"], "PASSKEY_ASSERTION_INVALID");
        assert!(err["error"].as_str().unwrap().contains(says), "{err} should say {says}");
        // Our own check refused it: the ceremony waits for a good one.
        assert_eq!(page_status(&app, &token).await["passkey"]["stage"], "challenge");
    }
    let (status, err) = ext(
        &app,
        Method::POST,
        "/v1/passkey/ceremony/assertion",
        &secret,
        Some(json!({ "id": 1 })),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("VALIDATION_ERROR")),
        "{err}"
    );

    // Signed by a key the account does not hold: WhatsApp refuses it, and the link fails.
    let mut stranger = Authenticator::new();
    stranger.id = phone.id.clone();
    let (status, err) = ext(
        &app,
        Method::POST,
        "/v1/passkey/ceremony/assertion",
        &secret,
        Some(stranger.assert(&challenge, ORIGIN, "whatsapp.com")),
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("PASSKEY_REJECTED")),
        "{err}"
    );
    assert!(err["error"].as_str().unwrap().contains("signature"), "{err}");
    let (_, after) = ext(&app, Method::GET, "/v1/passkey/ceremony", &secret, None).await;
    assert_eq!(after["stage"], "failed", "{after}");
    let status = page_status(&app, &token).await;
    assert_eq!(status["linkState"], "failed", "{status}");
    assert_eq!(status["failure"]["reason"], "passkey_rejected");
    assert_ne!(number_state(&app, &t.key, &id).await, "OPEN");

    // A new window asks again with a new challenge: the old assertion is a replay.
    let replay = phone.assert(&challenge, ORIGIN, "whatsapp.com");
    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    app.raw(
        Method::POST,
        &format!("/v1/numbers/{id}/sandbox/passkey"),
        Some(&t.key),
        Some(&phone.registration().to_string()),
    )
    .await;
    let code = handoff(&app, &token).await;
    let secret = claim(&app, &code).await.1["ceremony"].as_str().unwrap().to_owned();
    let (status, err) = ext(&app, Method::POST, "/v1/passkey/ceremony/assertion", &secret, Some(replay)).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("PASSKEY_ASSERTION_INVALID")),
        "{err}"
    );
    let kinds = app.event_kinds(&id, &t.key).await;
    assert!(!kinds.iter().any(|k| k == "number.connected"), "{kinds:?}");
}

/// Hand-off codes: single use, five minutes, five wrong tries; one holder per ceremony; and
/// every step ends with the link.
#[tokio::test]
async fn hand_off_codes_are_short_lived_single_use_and_guarded() {
    let app = spawn_app().await;
    let t = app.tenant("Passkey Shop").await;
    let phone = Authenticator::new();

    // Nothing to hand off before WhatsApp asks.
    let link = app.create_link(&t.key, json!({ "name": "Early", "number": "5511977776666" })).await;
    let early = link["remotePairingToken"].as_str().unwrap();
    let (status, err) = app
        .public(Method::POST, &format!("/v1/remote-pairing/{early}/passkey/handoff"))
        .await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::CONFLICT, Some("PASSKEY_NOT_REQUIRED")));

    let (token, id) = gated(&app, &t.key, &phone).await;
    for bad in ["", "ABCD", "ABCD-EFG0", "😀😀😀😀😀😀😀😀"] {
        let (status, err) = claim(&app, bad).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("HANDOFF_CODE_INVALID")),
            "{bad}: {err}"
        );
    }
    // Expired: five minutes pass.
    let code = handoff(&app, &token).await;
    app.clock.advance(Duration::minutes(5) + Duration::seconds(1));
    assert_eq!(claim(&app, &code).await.0, StatusCode::NOT_FOUND);
    assert_eq!(page_status(&app, &token).await["passkey"]["stage"], "expired");

    // Five wrong tries at a code end it, even for its right value.
    let code = handoff(&app, &token).await;
    let wrong = |i: usize| {
        let mut c = code.clone().into_bytes();
        c[7] = if c[7] == b'2' { b'3' } else { b'2' };
        c[6] = b"23456"[i];
        String::from_utf8(c).unwrap()
    };
    for i in 0..5 {
        assert_eq!(claim(&app, &wrong(i)).await.0, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        claim(&app, &code).await.0,
        StatusCode::NOT_FOUND,
        "the code died after five wrong tries"
    );

    // A fresh code: one claim, not two; and then no new code while the extension holds it.
    let code = handoff(&app, &token).await;
    let (status, first) = claim(&app, &code).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(claim(&app, &code).await.0, StatusCode::NOT_FOUND, "a second claim");
    let (status, err) = app
        .public(Method::POST, &format!("/v1/remote-pairing/{token}/passkey/handoff"))
        .await;
    assert_eq!((status, err["code"].as_str()), (StatusCode::CONFLICT, Some("PASSKEY_CLAIMED")));
    let secret = first["ceremony"].as_str().unwrap();
    for unknown in ["", "nope", &"x".repeat(500)] {
        let (status, err) = ext(&app, Method::GET, "/v1/passkey/ceremony", unknown, None).await;
        assert_eq!((status, err["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("CEREMONY_INVALID")));
    }

    // WhatsApp asks again (a new window): the old ceremony is over, and the page may hand
    // the new request off.
    app.post(&format!("/v1/numbers/{id}/sandbox/fail"), &t.key).await;
    app.public(Method::POST, &format!("/v1/remote-pairing/{token}/connect")).await;
    let asked = phone.registration().to_string();
    app.raw(
        Method::POST,
        &format!("/v1/numbers/{id}/sandbox/passkey"),
        Some(&t.key),
        Some(&asked),
    )
    .await;
    let (_, old) = ext(&app, Method::GET, "/v1/passkey/ceremony", secret, None).await;
    assert_eq!(old["stage"], "expired", "{old}");
    assert!(old.get("options").is_none(), "the new request is not the old holder's: {old}");
    let code = handoff(&app, &token).await;
    let (_, gone) = ext(&app, Method::GET, "/v1/passkey/ceremony", secret, None).await;
    assert_eq!(gone["code"], "CEREMONY_INVALID", "a new code ends the old holder's step: {gone}");
    let (_, claimed) = claim(&app, &code).await;
    let secret = claimed["ceremony"].as_str().unwrap();

    // The link is revoked: every step is refused.
    app.expect(
        Method::DELETE,
        &format!("/v1/numbers/{id}/remote-pairing"),
        &t.key,
        None,
        StatusCode::OK,
    )
    .await;
    let (status, _) = ext(&app, Method::GET, "/v1/passkey/ceremony", secret, None).await;
    assert_eq!(status, StatusCode::GONE);
    let (status, _) = ext(
        &app,
        Method::POST,
        "/v1/passkey/ceremony/confirm",
        secret,
        Some(json!({ "code": "AAAA-AAAA" })),
    )
    .await;
    assert_eq!(status, StatusCode::GONE);
    let (status, _) = app
        .public(Method::POST, &format!("/v1/remote-pairing/{token}/passkey/handoff"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_ne!(number_state(&app, &t.key, &id).await, "OPEN");
}

/// Several processes on one database: A runs the number's window, and every step of the
/// ceremony arrives at another process; each goes to A, and the page on B sees success.
#[tokio::test]
async fn every_step_reaches_the_owner_from_any_process() {
    use crate::cluster::{cluster_with, owned_by_a_watched_from_b};
    let (c, _dir) = cluster_with(3, &[]).await;
    let (token, id, _, mut page) = owned_by_a_watched_from_b(&c).await;
    let [b, third] = [&c.servers[1].base, &c.servers[2].base];
    let mut phone = Authenticator::new();
    let post = |base: &str, path: String, body: Value, key: bool| {
        let mut req = c.http.post(format!("{base}{path}")).json(&body);
        if key {
            req = req.header("x-api-key", &c.key);
        }
        async move {
            let res = req.send().await.unwrap();
            (res.status(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) = post(b, format!("/v1/numbers/{id}/sandbox/passkey"), phone.registration(), true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    page.until(std::time::Duration::from_secs(4), |s| s["linkState"] == "passkey_required")
        .await;
    let (status, handed) = post(third, format!("/v1/remote-pairing/{token}/passkey/handoff"), json!({}), false).await;
    assert_eq!(status, StatusCode::CREATED, "{handed}");
    let (status, claimed) = post(&c.proxy, "/v1/passkey/claim".into(), json!({ "code": handed["code"] }), false).await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    let secret = claimed["ceremony"].as_str().unwrap().to_owned();
    let challenge = claimed["options"]["challenge"].as_str().unwrap().to_owned();
    let bearer = |base: &str, path: &str, body: Value| {
        let req = c.http.post(format!("{base}{path}")).bearer_auth(&secret).json(&body);
        async move {
            let res = req.send().await.unwrap();
            (res.status(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, asserted) = bearer(
        b,
        "/v1/passkey/ceremony/assertion",
        phone.assert(&challenge, ORIGIN, "whatsapp.com"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{asserted}");
    page.until(std::time::Duration::from_secs(4), |s| s["passkey"]["stage"] == "confirmation")
        .await;
    let (status, done) = bearer(
        third,
        "/v1/passkey/ceremony/confirm",
        json!({ "code": asserted["confirmationCode"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    page.until(std::time::Duration::from_secs(4), |s| s["state"] == "OPEN").await;
    assert_eq!(c.connected_events(&id).await, 1);
}

/// Without the page's WASM: the passkey screen's button is a plain form whose answer is the
/// page with the code (never a URL carrying it); a claimed step sends the form back to the page.
#[tokio::test]
async fn the_hand_off_works_from_a_plain_form() {
    let app = spawn_app().await;
    let t = app.tenant("Forms").await;
    let phone = Authenticator::new();
    let (token, _) = gated(&app, &t.key, &phone).await;
    let (_, html) = app.public(Method::GET, &format!("/connect/{token}?lang=en")).await;
    let html = html.as_str().unwrap();
    assert!(html.contains(r#"data-screen="passkey""#), "{html}");
    assert!(html.contains(&format!(r#"action="/connect/{token}/handoff?lang=en""#)), "{html}");
    assert!(!html.contains("whatsapp.com\""), "WhatsApp's request stays off the page");

    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = no_redirects
        .post(format!("{}/connect/{token}/handoff?lang=en", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    let at = html.find(r#"id="handoff-code""#).expect("the code is on the page");
    let shown: String = html[at..].split('>').nth(1).unwrap().chars().take(9).collect();
    assert_eq!(shown.len(), 9, "{shown}");
    let (status, claimed) = claim(&app, &shown).await;
    assert_eq!(status, StatusCode::OK, "{claimed}");

    // Taken up on a computer: a second press cannot make another code.
    let res = no_redirects
        .post(format!("{}/connect/{token}/handoff?lang=en", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], format!("/connect/{token}?lang=en").as_str());
}
