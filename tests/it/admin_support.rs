//! Calling the dashboard's server functions as its pages do: a form-encoded POST to
//! `/api/admin/…` with the session cookie (and the CSRF token for changes).
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Tenant, TestApp};

pub const PASSWORD: &str = "correct horse battery";

/// A signed-in dashboard user.
pub struct Admin {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
    http: reqwest::Client,
}

/// Creates a user in `tenant` through the service layer (as the CLI does).
pub async fn user(app: &TestApp, tenant: &Tenant, email: &str) {
    let id = pairlink::server::domain::TenantId::from_trusted(tenant.id.clone());
    pairlink::server::services::accounts::create_user(&app.state, &id, email, PASSWORD)
        .await
        .unwrap();
}

/// POSTs a form to a server function; returns the status, the body as JSON, and the response.
pub async fn call(base: &str, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut req = crate::helpers::http_client().post(format!("{base}/api/admin/{path}")).form(form);
    if let Some(cookie) = cookie {
        req = req.header("cookie", format!("pairlink_session={cookie}"));
    }
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)), headers)
}

/// Signs in; panics unless it works.
pub async fn login(app: &TestApp, email: &str) -> Admin {
    login_at(&app.base, email).await
}

/// Signs in to the server at `base` (a `pairlink serve` process, say).
pub async fn login_at(base: &str, email: &str) -> Admin {
    let (status, body, headers) = call(base, "login", None, &[("email", email), ("password", PASSWORD)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let set = headers["set-cookie"].to_str().unwrap();
    let cookie = set.split(';').next().unwrap().strip_prefix("pairlink_session=").unwrap().to_owned();
    let (status, session, _) = call(base, "session", Some(&cookie), &[]).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    Admin {
        base: base.to_owned(),
        cookie,
        csrf: session["csrf"].as_str().unwrap().to_owned(),
        http: crate::helpers::http_client(),
    }
}

impl Admin {
    /// A read: no CSRF token.
    pub async fn read(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let (status, body, _) = call(&self.base, path, Some(&self.cookie), form).await;
        (status, body)
    }

    /// A change, with this session's CSRF token.
    pub async fn change(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut with = vec![("csrf", self.csrf.as_str())];
        with.extend_from_slice(form);
        let (status, body, _) = call(&self.base, path, Some(&self.cookie), &with).await;
        (status, body)
    }

    /// A change that must work; returns its body.
    pub async fn ok(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let (status, body) = self.change(path, form).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    /// A page, as the browser gets it.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html")
            .header("cookie", format!("pairlink_session={}", self.cookie))
            .send()
            .await
            .unwrap_or_else(|err| panic!("{path}: {err}"));
        (res.status(), res.text().await.unwrap())
    }
}

pub fn assert_code(got: (StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["code"], code, "{}", got.1);
}
