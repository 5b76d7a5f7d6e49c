//! The audit log: actions through the dashboard and through the API are both recorded, with
//! who did them, and the log filters by kind and by person.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::admin_support::{assert_code, login, user};
use crate::helpers::spawn_app;

#[tokio::test]
async fn dashboard_and_api_actions_are_recorded_with_their_actor() {
    let app = spawn_app().await;
    let (acme, other) = (app.tenant("Acme").await, app.tenant("Other").await);
    user(&app, &acme, "ana@acme.example").await;
    user(&app, &other, "eve@other.example").await;
    let ana = login(&app, "ana@acme.example").await;
    ana.ok("keys/create", &[("name", "Backend")]).await;
    app.expect(
        Method::PUT,
        "/v1/branding",
        &acme.key,
        Some(json!({ "companyName": "Acme" })),
        StatusCode::OK,
    )
    .await;

    let (_, page) = ana.read("audit", &[("action", ""), ("actor", ""), ("cursor", "")]).await;
    assert!(page["next_cursor"].is_null(), "{page}");
    let all = page["items"].clone();
    let actions: Vec<&str> = all.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["branding.changed", "key.created", "session.signed_in"], "{all}");
    let last4 = &acme.key[acme.key.len() - 4..];
    assert_eq!(all[0]["actor"], "key");
    assert_eq!(all[0]["actor_label"], format!("API key …{last4}"));
    assert!(!all.to_string().contains(&acme.key), "never the key itself");
    assert_eq!(
        (all[1]["actor"].as_str(), all[1]["actor_label"].as_str()),
        (Some("user"), Some("ana@acme.example"))
    );

    let (_, keys_only) = ana.read("audit", &[("action", "key."), ("actor", ""), ("cursor", "")]).await;
    assert_eq!(keys_only["items"].as_array().unwrap().len(), 1);
    let ana_id = all[1]["actor_id"].as_str().unwrap();
    let (_, by_ana) = ana.read("audit", &[("action", ""), ("actor", ana_id), ("cursor", "")]).await;
    assert_eq!(by_ana["items"].as_array().unwrap().len(), 2);
    assert_code(
        ana.read("audit", &[("action", "x'; --"), ("actor", ""), ("cursor", "")]).await,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    );

    // Another tenant's log holds only its own sign-in.
    let eve = login(&app, "eve@other.example").await;
    let (_, theirs) = eve.read("audit", &[("action", ""), ("actor", ""), ("cursor", "")]).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1, "{theirs}");
    let (status, html) = ana.page("/admin/audit?action=key.").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("key.created") && !html.contains("branding.changed"));
}
