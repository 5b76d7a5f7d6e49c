//! The branding form saves through the same rules as `PATCH /v1/branding`.
use reqwest::StatusCode;

use crate::admin_support::{login, user};
use crate::helpers::spawn_app;

#[tokio::test]
async fn branding_saves_all_fields_and_names_a_bad_one() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;
    let saved = ana
        .ok(
            "branding/save",
            &[
                ("input[company_name]", "Acme"),
                ("input[primary_color]", "#1D4ED8"),
                ("input[support_url]", "https://acme.example/help"),
                ("input[hide_pilot_status_branding]", "on"),
            ],
        )
        .await;
    assert_eq!(saved["companyName"], "Acme");
    let rest = app.get("/v1/branding", &acme.key).await;
    assert_eq!(rest["branding"]["supportUrl"], "https://acme.example/help");
    assert_eq!(rest["branding"]["hidePilotStatusBranding"], true);

    let (status, body) = ana.change("branding/save", &[("input[primary_color]", "blue")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().starts_with("primaryColor"), "{body}");
    // An empty field clears it.
    let cleared = ana.ok("branding/save", &[("input[company_name]", "")]).await;
    assert!(cleared["companyName"].is_null() && cleared["primaryColor"].is_null());
}
