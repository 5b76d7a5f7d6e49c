//! The dashboard's Links list for a tenant with many links (issue 24): 50 at a time with a
//! cursor, searched and filtered, counted per status, and revoked many at once (never
//! another tenant's).
use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_support::{assert_code, login, user};
use crate::helpers::spawn_app;

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn links_come_a_page_at_a_time_searched_filtered_and_revoked_in_bulk() {
    let app = spawn_app().await;
    let (acme, other) = (app.tenant("Acme").await, app.tenant("Other").await);
    user(&app, &acme, "ana@acme.example").await;
    user(&app, &other, "eve@other.example").await;
    let (ana, eve) = (login(&app, "ana@acme.example").await, login(&app, "eve@other.example").await);
    let mut numbers = Vec::new();
    for i in 0..60 {
        let link = app
            .create_link(
                &acme.key,
                json!({ "name": format!("Loja {i:02}"), "number": format!("5511950000{i:03}") }),
            )
            .await;
        numbers.push(link["numberId"].as_str().unwrap().to_owned());
    }
    let theirs = app
        .create_link(&other.key, json!({ "name": "Loja 07", "number": "5511950000007" }))
        .await["numberId"]
        .as_str()
        .unwrap()
        .to_owned();

    // 50, then the rest after the cursor: each link once.
    let (status, first) = ana.read("links", &[]).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(ids(&first).len(), 50);
    assert_eq!(first["counts"]["active"], 60, "{}", first["counts"]);
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let (_, second) = ana.read("links", &[("cursor", &cursor)]).await;
    assert_eq!(ids(&second).len(), 10);
    assert!(second["next_cursor"].is_null());
    let all: HashSet<String> = ids(&first).into_iter().chain(ids(&second)).collect();
    assert_eq!(all.len(), 60);
    assert_eq!(first["items"][0]["number_name"], "Loja 59", "newest first");
    let (_, ten) = ana.read("links", &[("limit", "10")]).await;
    assert_eq!(ids(&ten), ids(&first)[..10]);

    // What the list refuses, it names.
    for (field, value) in [("limit", "501"), ("status", "gone"), ("cursor", "bm90IGEgY3Vyc29y")] {
        let (status, body) = ana.read("links", &[(field, value)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert!(body["message"].as_str().unwrap().starts_with(field), "{body}");
    }

    // The search finds a name or a phone however it is typed; Eve's "Loja 07" is not ours.
    let (_, found) = ana.read("links", &[("q", "loja 07")]).await;
    assert_eq!(ids(&found).len(), 1, "{found}");
    assert_eq!(found["items"][0]["number_id"], numbers[7].as_str());
    let (_, by_phone) = ana.read("links", &[("q", "+55 11 950000012")]).await;
    assert_eq!(by_phone["items"][0]["number_id"], numbers[12].as_str(), "{by_phone}");
    assert_eq!(ids(&by_phone).len(), 1);

    // Bulk revoke: ours are revoked, Eve's id and a made-up one are passed over.
    let form = [
        ("number_ids[0]", numbers[1].as_str()),
        ("number_ids[1]", numbers[2].as_str()),
        ("number_ids[2]", theirs.as_str()),
        ("number_ids[3]", "num_nothing"),
        ("number_ids[4]", numbers[1].as_str()),
    ];
    let forged: Vec<(&str, &str)> = [("csrf", "nope")].into_iter().chain(form).collect();
    assert_code(ana.read("links/revoke-many", &forged).await, StatusCode::FORBIDDEN, "CSRF_FAILED");
    assert_eq!(ana.ok("links/revoke-many", &form).await, 2);
    let (_, revoked) = ana.read("links", &[("status", "revoked")]).await;
    let revoked_numbers: HashSet<&str> = revoked["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["number_id"].as_str().unwrap())
        .collect();
    assert_eq!(revoked_numbers, HashSet::from([numbers[1].as_str(), numbers[2].as_str()]));
    assert_eq!(
        (revoked["counts"]["revoked"].as_i64(), revoked["counts"]["active"].as_i64()),
        (Some(2), Some(58))
    );
    let (_, active) = ana.read("links", &[("status", "active"), ("q", "Loja 0")]).await;
    assert_eq!(ids(&active).len(), 8, "Loja 00 to 09 but 01 and 02");
    let (_, eves) = eve.read("links", &[]).await;
    assert_eq!(eves["items"][0]["status"], "active", "{eves}");
    assert_eq!(eves["counts"]["active"], 1);
    // The page itself, without JavaScript: the filter in the URL, the counts, the rows.
    let (status, html) = ana.page("/admin/links?status=revoked").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("60 links: 58 active, 0 opened, 0 connected, 0 expired, 2 revoked, 0 replaced."));
    assert_eq!(html.matches("data-status=\"revoked\"").count(), 2, "{html}");
    let (_, html) = ana.page("/admin/links").await;
    assert_eq!(html.matches("data-link=").count(), 50);
    assert!(html.contains("href=\"/admin/links?shown=100\""), "Show more");
    let (_, audit) = ana
        .read("audit", &[("action", "link.revoked"), ("actor", ""), ("cursor", "")])
        .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 2, "{audit}");

    // More than 500 at once is refused, whole.
    let many: Vec<(String, String)> = (0..501).map(|i| (format!("number_ids[{i}]"), numbers[i % 60].clone())).collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, body) = ana.change("links/revoke-many", &many).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("at most 500"), "{body}");
    let (_, after) = ana.read("links", &[]).await;
    assert_eq!(after["counts"]["revoked"], 2);
}
