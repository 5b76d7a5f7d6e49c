//! Logo upload: content-checked PNG/JPEG/WebP up to 2 MB, served from our own URL, usable as
//! the tenant's logo (and only by that tenant).
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

use crate::admin_support::{Admin, assert_code, login, user};
use crate::helpers::spawn_app;

/// The first bytes of a PNG: what the server recognises it by.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// POSTs `content` as the multipart field `logo` (hand-built: the test client has no
/// multipart support), with the session cookie and `csrf` as a form field.
pub async fn upload(base: &str, cookie: Option<&str>, csrf: &str, name: &str, content: &[u8]) -> (StatusCode, Value, HeaderMap) {
    let boundary = "pairlinktestboundary7MA4YWxkTrZu0gW";
    let mut body = format!("--{boundary}\r\ncontent-disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
    body.extend_from_slice(
        format!("--{boundary}\r\ncontent-disposition: form-data; name=\"logo\"; filename=\"{name}\"\r\ncontent-type: image/png\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = reqwest::Client::new()
        .post(format!("{base}/api/branding/logo"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body);
    if let Some(cookie) = cookie {
        req = req.header("cookie", format!("pairlink_session={cookie}"));
    }
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)), headers)
}

pub async fn upload_png(ana: &Admin) -> Value {
    let (status, body, _) = upload(&ana.base, Some(&ana.cookie), &ana.csrf, "acme.png", PNG).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn refused(got: (StatusCode, Value, HeaderMap), status: StatusCode, code: &str) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["code"], code, "{}", got.1);
    assert!(got.1["error"].as_str().is_some_and(|e| !e.is_empty()), "{}", got.1);
}

#[tokio::test]
async fn a_png_is_stored_served_and_becomes_the_logo() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;

    let logo = upload_png(&ana).await;
    let path = logo["path"].as_str().unwrap().to_owned();
    assert!(path.starts_with("/assets/logos/logo_"), "{logo}");
    assert_eq!(logo["url"], format!("{}{path}", app.base).as_str());
    assert_eq!(
        (logo["mimeType"].as_str(), logo["fileName"].as_str()),
        (Some("image/png"), Some("acme.png"))
    );
    assert_eq!(logo["sizeBytes"], PNG.len());

    let res = reqwest::get(format!("{}{path}", app.base)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["cache-control"].to_str().unwrap().contains("max-age=31536000"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);

    let saved = ana.ok("branding/save", &[("input[logo_url]", &path)]).await;
    assert_eq!(saved["logoUrl"], path.as_str());
    let absolute = format!("{}{path}", app.base);
    let saved = ana.ok("branding/save", &[("input[logo_url]", &absolute)]).await;
    assert_eq!(saved["logoUrl"], path.as_str(), "our own base URL is kept as a path");
    // Stored as our path (the dashboard shows it so); API clients get the full URL.
    let rest = app.get("/v1/branding", &acme.key).await;
    assert_eq!(rest["branding"]["logoUrl"], absolute.as_str());
    let link = app
        .create_link(&acme.key, json!({ "name": "Cliente", "number": "5511900000001" }))
        .await;
    let token = link["remotePairingToken"].as_str().unwrap();
    let (_, info) = app.public(Method::GET, &format!("/v1/remote-pairing/{token}")).await;
    assert_eq!(info["branding"]["logoUrl"], absolute.as_str());
    let (_, page_branding) = app.public(Method::GET, &format!("/v1/connect/{token}/branding")).await;
    assert_eq!(page_branding["branding"]["logoUrl"], absolute.as_str());
    let (_, audit) = ana.read("audit", &[("action", "branding."), ("actor", ""), ("cursor", "")]).await;
    assert!(audit.to_string().contains("branding.logo_uploaded"), "{audit}");

    let missing = reqwest::get(format!("{}/assets/logos/logo_00000000000000000000000000000000", app.base))
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.json::<Value>().await.unwrap()["code"], "LOGO_NOT_FOUND");
}

#[tokio::test]
async fn wrong_content_size_session_or_token_is_refused() {
    let app = spawn_app().await;
    let acme = app.tenant("Acme").await;
    user(&app, &acme, "ana@acme.example").await;
    let ana = login(&app, "ana@acme.example").await;
    let (base, cookie, csrf) = (ana.base.as_str(), Some(ana.cookie.as_str()), ana.csrf.as_str());

    // A text file named .png, sent as image/png: the content decides.
    let text = upload(base, cookie, csrf, "logo.png", b"just some text, not an image").await;
    refused(text, StatusCode::BAD_REQUEST, "LOGO_TYPE_NOT_ALLOWED");
    let gif = upload(base, cookie, csrf, "logo.png", b"GIF89a\x01\0\x01\0\x80\0\0").await;
    refused(gif, StatusCode::BAD_REQUEST, "LOGO_TYPE_NOT_ALLOWED");

    let mut big = PNG.to_vec();
    big.resize(2 * 1024 * 1024 + 1, 0);
    refused(
        upload(base, cookie, csrf, "big.png", &big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "LOGO_TOO_LARGE",
    );
    big.resize(3 * 1024 * 1024, 0);
    refused(
        upload(base, cookie, csrf, "huge.png", &big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "LOGO_TOO_LARGE",
    );
    let mut exact = PNG.to_vec();
    exact.resize(2 * 1024 * 1024, 0);
    assert_eq!(
        upload(base, cookie, csrf, "max.png", &exact).await.0,
        StatusCode::OK,
        "2 MB exactly is fine"
    );

    refused(
        upload(base, None, csrf, "a.png", PNG).await,
        StatusCode::UNAUTHORIZED,
        "UNAUTHENTICATED",
    );
    refused(
        upload(base, cookie, "forged", "a.png", PNG).await,
        StatusCode::FORBIDDEN,
        "CSRF_FAILED",
    );

    // A logo path that names no upload of this tenant is not a logo.
    assert_code(
        ana.change(
            "branding/save",
            &[("input[logo_url]", "/assets/logos/logo_00000000000000000000000000000000")],
        )
        .await,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    );
}
