//! The numbers section: create opens a window with a QR, the live stream reports changes, and
//! delete / restore / purge work through the same rules as the API.
use reqwest::StatusCode;

use crate::admin_support::{assert_code, login, user};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_new_number_shows_its_qr_until_the_phone_links_and_the_stream_says_so() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;

    let made = ana
        .ok(
            "numbers/create",
            &[("input[name]", "Support"), ("input[phone]", "+55 11 99999-0001")],
        )
        .await;
    assert_eq!(
        (made["phone"].as_str(), made["engine"].as_str()),
        (Some("+5511999990001"), Some("sandbox"))
    );
    let id = made["id"].as_str().unwrap().to_owned();
    let (_, pairing) = ana.read("numbers/pairing", &[("id", &id)]).await;
    assert!(pairing["qr"].as_str().unwrap().starts_with("data:image/png;base64,"), "{pairing}");
    assert!(pairing["seconds_left"].as_i64().unwrap() > 0);

    // The stream is for signed-in people only.
    let res = reqwest::get(format!("{}/admin/live", app.base)).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let mut live = sse(&app.base, &ana.cookie).await;
    app.post(&format!("/v1/numbers/{id}/sandbox/scan"), &acme.key).await;
    loop {
        let (event, data) = live.recv().await.expect("the stream reports the change");
        if event == "number" && data == id {
            break;
        }
    }
    let (_, pairing) = ana.read("numbers/pairing", &[("id", &id)]).await;
    assert_eq!(pairing["state"], "OPEN");
    assert!(pairing["qr"].is_null());
    let (_, list) = ana.read("numbers", &[]).await;
    assert_eq!(list["live"][0]["state"], "OPEN");
    assert!(list["live"][0]["connected_at"].is_string());

    // Bad input is a clear error naming the field.
    let (status, body) = ana.change("numbers/create", &[("input[name]", "X"), ("input[phone]", "12")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().starts_with("number:"), "{body}");
    assert_code(
        ana.change("numbers/create", &[("input[name]", "Again"), ("input[phone]", "+5511999990001")])
            .await,
        StatusCode::CONFLICT,
        "NUMBER_ALREADY_EXISTS",
    );

    ana.ok("numbers/delete", &[("id", &id)]).await;
    let (_, list) = ana.read("numbers", &[]).await;
    assert!(list["live"].as_array().unwrap().is_empty());
    assert_eq!(list["deleted"][0]["id"], id.as_str());
    ana.ok("numbers/restore", &[("id", &id)]).await;
    assert_code(
        ana.change("numbers/restore", &[("id", &id)]).await,
        StatusCode::CONFLICT,
        "NUMBER_NOT_DELETED",
    );
    ana.ok("numbers/purge", &[("id", &id)]).await;
    let (_, list) = ana.read("numbers", &[]).await;
    assert!(list["live"].as_array().unwrap().is_empty() && list["deleted"].as_array().unwrap().is_empty());
}

/// `/admin/live` as `(event, data)` pairs.
pub(crate) async fn sse(base: &str, cookie: &str) -> tokio::sync::mpsc::Receiver<(String, String)> {
    use futures::StreamExt;
    let res = reqwest::Client::new()
        .get(format!("{base}/admin/live"))
        .header("cookie", format!("pairlink_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let mut body = res.bytes_stream();
    tokio::spawn(async move {
        let mut buf = String::new();
        while let Some(Ok(chunk)) = body.next().await {
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                let (mut event, mut data) = (String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data = v.trim().to_owned();
                    }
                }
                if !event.is_empty() && tx.send((event, data)).await.is_err() {
                    return;
                }
            }
        }
    });
    rx
}
