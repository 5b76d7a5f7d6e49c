//! The links section: every API option from the form, status and funnel in the list,
//! re-issue and revoke.
use reqwest::StatusCode;

use crate::admin_support::{assert_code, login, user};
use crate::helpers::spawn_app;

#[tokio::test]
async fn links_carry_every_option_and_their_funnel_follows_the_pairing() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;

    let made = ana
        .ok(
            "links/create",
            &[
                ("input[name]", "Loja"),
                ("input[phone]", "+5511988887777"),
                ("input[ttl_seconds]", "3600"),
                ("input[redirect_url]", "https://shop.example/done"),
                ("input[refresh_url]", "https://shop.example/again"),
                ("input[external_ref]", "cust-42"),
                ("input[locale]", "pt-BR"),
                ("input[company_name]", "Loja Azul"),
                ("input[primary_color]", "#123456"),
            ],
        )
        .await;
    let url = made["url"].as_str().unwrap();
    assert!(url.contains("/connect/rp_"), "{made}");
    let expires = chrono::DateTime::parse_from_rfc3339(made["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires.timestamp() - app.clock_now().timestamp()), 3600);
    let token = url.rsplit('/').next().unwrap();
    let (_, list) = ana.read("links", &[]).await;
    assert_eq!(list["items"][0]["status"], "active");
    assert_eq!(list["items"][0]["external_ref"], "cust-42");
    let (_, info) = app.public(reqwest::Method::GET, &format!("/v1/remote-pairing/{token}")).await;
    assert_eq!(info["branding"]["companyName"], "Loja Azul", "{info}");

    // The person opens the link and asks for a code: the funnel counts it.
    app.public(reqwest::Method::POST, &format!("/v1/remote-pairing/{token}/connect"))
        .await;
    let (_, list) = ana.read("links", &[]).await;
    assert_eq!(list["items"][0]["status"], "opened", "{list}");
    assert_eq!(list["items"][0]["windows_opened"], 1, "{list}");
    let number = list["items"][0]["number_id"].as_str().unwrap().to_owned();
    app.post(&format!("/v1/numbers/{number}/sandbox/scan"), &acme.key).await;
    let (_, list) = ana.read("links", &[]).await;
    assert_eq!(list["items"][0]["status"], "connected", "{list}");
    assert!(list["items"][0]["connected_at"].is_string());

    // A connected number gets no new link; bad input names its field.
    assert_code(
        ana.change("links/reissue", &[("number_id", &number)]).await,
        StatusCode::CONFLICT,
        "NUMBER_ALREADY_CONNECTED",
    );
    let (status, body) = ana
        .change(
            "links/create",
            &[
                ("input[name]", "X"),
                ("input[phone]", "+5511977776666"),
                ("input[ttl_seconds]", "5"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().starts_with("ttlSeconds"), "{body}");
}

#[tokio::test]
async fn reissue_replaces_and_revoke_ends_a_link() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;
    ana.ok("links/create", &[("input[name]", "Loja"), ("input[phone]", "+5511988880000")])
        .await;
    let (_, list) = ana.read("links", &[]).await;
    let number = list["items"][0]["number_id"].as_str().unwrap().to_owned();
    let again = ana
        .ok("links/reissue", &[("number_id", &number), ("input[ttl_seconds]", "600")])
        .await;
    let (_, list) = ana.read("links", &[]).await;
    let statuses: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["active", "replaced"]);
    ana.ok("links/revoke", &[("number_id", &number)]).await;
    let (_, list) = ana.read("links", &[]).await;
    assert_eq!(list["items"][0]["status"], "revoked");
    let token = again["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let (status, _) = app.public(reqwest::Method::GET, &format!("/v1/remote-pairing/{token}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_code(
        ana.change("links/revoke", &[("number_id", &number)]).await,
        StatusCode::NOT_FOUND,
        "LINK_NOT_FOUND",
    );
}
