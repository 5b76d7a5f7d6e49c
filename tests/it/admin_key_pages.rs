//! The dashboard for a tenant with many numbers (issue 24): the API keys page comes 50 at a
//! time with a cursor, searched and filtered by kind; the number pickers of the sender and
//! webhook forms ask for 20 matches at a time and never show another tenant's numbers, and
//! both forms still save (refusing another tenant's number).
use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::admin_support::{assert_code, login, user};
use crate::helpers::{Tenant, TestApp, spawn_app};

fn ids(page: &Value, list: &str) -> Vec<String> {
    page[list]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect()
}

/// `count` numbers named `Loja 00`… with phones `5511950000000`…, oldest first.
async fn numbers(app: &TestApp, tenant: &Tenant, count: usize) -> Vec<String> {
    let mut made = Vec::new();
    for i in 0..count {
        let n = app
            .create_number(&tenant.key, &format!("Loja {i:02}"), &format!("5511950000{i:03}"))
            .await;
        made.push(n["instance"]["id"].as_str().unwrap().to_owned());
    }
    made
}

#[tokio::test]
async fn keys_come_a_page_at_a_time_searched_and_filtered_by_kind() {
    let app = spawn_app().await;
    let (acme, other) = (app.tenant("Acme").await, app.tenant("Other").await);
    user(&app, &acme, "ana@acme.example").await;
    user(&app, &other, "eve@other.example").await;
    let (ana, eve) = (login(&app, "ana@acme.example").await, login(&app, "eve@other.example").await);
    let numbers = numbers(&app, &acme, 60).await;
    for n in &numbers {
        app.number_key(&acme, n).await;
    }
    let theirs = app.create_number(&other.key, "Loja 07", "5511950000007").await;
    app.number_key(&other, theirs["instance"]["id"].as_str().unwrap()).await;
    let backend = ana.ok("keys/create", &[("name", "Backend")]).await;

    let (status, first) = ana.read("keys", &[]).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(ids(&first, "items").len(), 50);
    assert_eq!(
        (first["counts"]["tenant"].as_i64(), first["counts"]["number"].as_i64()),
        (Some(2), Some(60))
    );
    assert_eq!(first["items"][0]["id"], backend["key"]["id"], "newest first");
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let (_, second) = ana.read("keys", &[("cursor", &cursor)]).await;
    assert_eq!(ids(&second, "items").len(), 12);
    assert!(second["next_cursor"].is_null());
    let all: HashSet<String> = ids(&first, "items").into_iter().chain(ids(&second, "items")).collect();
    assert_eq!(all.len(), 62, "each key once");

    // The search finds a number's name or phone however it is typed, and a key's name.
    let (_, found) = ana.read("keys", &[("q", "loja 07")]).await;
    assert_eq!(ids(&found, "items").len(), 1, "Eve's Loja 07 is not ours: {found}");
    assert_eq!(found["items"][0]["number_id"], numbers[7].as_str());
    assert_eq!(found["items"][0]["number_name"], "Loja 07");
    let (_, by_phone) = ana.read("keys", &[("q", "+55 11 950000012")]).await;
    assert_eq!(by_phone["items"][0]["number_id"], numbers[12].as_str(), "{by_phone}");
    let (_, by_name) = ana.read("keys", &[("q", "backend")]).await;
    assert_eq!(ids(&by_name, "items"), [backend["key"]["id"].as_str().unwrap()]);
    let (_, tenant_keys) = ana.read("keys", &[("kind", "tenant")]).await;
    assert_eq!(ids(&tenant_keys, "items").len(), 2);
    let (_, number_keys) = ana.read("keys", &[("kind", "number"), ("q", "Loja 0")]).await;
    assert_eq!(ids(&number_keys, "items").len(), 10);
    for (field, value) in [("limit", "501"), ("kind", "gone"), ("cursor", "bm90IGEgY3Vyc29y")] {
        let (status, body) = ana.read("keys", &[(field, value)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert!(body["message"].as_str().unwrap().starts_with(field), "{body}");
    }
    let (_, eves) = eve.read("keys", &[("q", "loja")]).await;
    assert_eq!(ids(&eves, "items").len(), 1, "{eves}");
    assert_eq!(eves["counts"]["number"], 1);

    // The page itself, without JavaScript.
    let (status, html) = ana.page("/admin/keys").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("data-key=").count(), 50);
    assert!(html.contains("62 keys: 2 tenant keys, 60 number keys."), "the counts");
    assert!(html.contains("href=\"/admin/keys?shown=100\""), "Show more");
    let (_, html) = ana.page("/admin/keys?kind=tenant").await;
    assert_eq!(html.matches("data-key=").count(), 2);
}

#[tokio::test]
async fn the_number_pickers_offer_twenty_matches_and_their_forms_still_save() {
    let app = spawn_app().await;
    let (acme, other) = (app.tenant("Acme").await, app.tenant("Other").await);
    user(&app, &acme, "ana@acme.example").await;
    user(&app, &other, "eve@other.example").await;
    let (ana, eve) = (login(&app, "ana@acme.example").await, login(&app, "eve@other.example").await);
    let numbers = numbers(&app, &acme, 25).await;
    let theirs = app.create_number(&other.key, "Loja 99", "5511950000099").await["instance"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let choices = |q: &'static str, chosen: String| {
        let ana = &ana;
        async move {
            let (status, out) = ana.read("numbers/choices", &[("q", q), ("chosen", &chosen)]).await;
            assert_eq!(status, StatusCode::OK, "{out}");
            out
        }
    };
    let out = choices("", String::new()).await;
    assert_eq!(ids(&out, "matches"), numbers[..20], "at most 20, oldest first");
    assert!(out["chosen"].is_null());
    let out = choices("loja 07", String::new()).await;
    assert_eq!(ids(&out, "matches"), [numbers[7].as_str()]);
    assert_eq!(out["matches"][0]["name"], "Loja 07");
    let out = choices("+55 11 950000012", String::new()).await;
    assert_eq!(ids(&out, "matches"), [numbers[12].as_str()], "{out}");
    assert!(
        ids(&choices("loja 9", String::new()).await, "matches").is_empty(),
        "Eve's Loja 99 is hers"
    );
    let out = choices("", numbers[24].clone()).await;
    assert_eq!(
        out["chosen"]["id"],
        numbers[24].as_str(),
        "the chosen number, though not among the matches"
    );
    assert!(choices("", theirs.clone()).await["chosen"].is_null(), "never another tenant's");
    let (_, eves) = eve.read("numbers/choices", &[("q", "")]).await;
    assert_eq!(ids(&eves, "matches"), [theirs.as_str()]);

    // The sender form saves a number found through the picker and shows it back.
    ana.ok("sender/set", &[("number_id", numbers[24].as_str())]).await;
    let (_, sender) = ana.read("sender", &[]).await;
    assert_eq!(sender["number"]["name"], "Loja 24", "{sender}");
    assert_code(
        ana.change("sender/set", &[("number_id", theirs.as_str())]).await,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    );
    let (_, html) = ana.page("/admin/keys").await;
    assert!(
        html.contains("Loja 24 · +5511950000024"),
        "the chosen sender shows without JavaScript"
    );
    assert!(!html.contains("Loja 23"), "and no other number is sent");

    // The webhook form binds an endpoint to one number, never to another tenant's.
    let hook = [("input[url]", "https://hooks.example.com/in"), ("input[events][]", "*")];
    let made = ana
        .ok("webhooks/create", &[hook[0], hook[1], ("input[number_id]", numbers[21].as_str())])
        .await;
    assert_eq!(made["webhook"]["whatsappNumberId"], numbers[21].as_str(), "{made}");
    assert_code(
        ana.change("webhooks/create", &[hook[0], hook[1], ("input[number_id]", theirs.as_str())])
            .await,
        StatusCode::NOT_FOUND,
        "NUMBER_NOT_FOUND",
    );
    let (_, listed) = ana.read("webhooks", &[]).await;
    assert!(listed.get("numbers").is_none(), "the page no longer carries every number: {listed}");
    assert_eq!(listed["endpoints"].as_array().unwrap().len(), 1);
}
