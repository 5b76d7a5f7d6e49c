//! Dashboard sessions: the cookie, and the signed-in caller it yields. State-changing calls
//! also need the session's CSRF token and, when the browser sends one, a same-origin `Origin`.
use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
};

use super::{
    auth::ApiClient,
    error::{ApiError, ApiResult},
    services::accounts,
    state::AppState,
    store::Session,
};

pub const COOKIE: &str = "pairlink_session";

/// A person signed in to the dashboard, acting for their tenant.
#[derive(Clone)]
pub struct TenantAdmin {
    pub client: ApiClient,
    pub session: Session,
}

impl TenantAdmin {
    pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> ApiResult<Self> {
        let token = cookie(headers).ok_or_else(accounts::unauthenticated)?;
        let session = accounts::session(state, token).await?.ok_or_else(accounts::unauthenticated)?;
        let client = ApiClient::user(
            session.tenant_id.clone(),
            session.user_id.clone(),
            session.email.as_str().to_owned(),
        );
        Ok(Self { client, session })
    }

    /// For calls that change something: the token must match the session's, compared in
    /// constant time, and the request must come from our own pages.
    pub fn check_csrf(&self, headers: &HeaderMap, token: &str) -> ApiResult<()> {
        same_origin(headers)?;
        let (a, b) = (self.session.csrf.as_bytes(), token.as_bytes());
        let differ = a.len() != b.len() || a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) != 0;
        if differ {
            return Err(csrf_failed());
        }
        Ok(())
    }
}

impl FromRequestParts<AppState> for TenantAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Self::from_headers(state, &parts.headers).await
    }
}

/// Refuses a request whose `Origin` names another site. Browsers send `Origin` on every
/// cross-origin POST, so a form on a foreign page cannot pass; non-browser clients send none.
pub fn same_origin(headers: &HeaderMap) -> ApiResult<()> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    if origin_host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
        return Err(csrf_failed());
    }
    Ok(())
}

fn csrf_failed() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "CSRF_FAILED",
        "this request did not come from the dashboard; reload the page and try again",
    )
}

/// The session token from the `Cookie` header(s).
pub fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value)
}

/// `Set-Cookie` for a new session: script-proof, not sent on cross-site subrequests, and
/// `Secure` when the server is reached over https.
pub fn set_cookie(token: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}");
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear_cookie(secure: bool) -> HeaderValue {
    set_cookie("", 0, secure)
}

/// Whether cookies must be `Secure`: the public URL is https, or a proxy says the request was.
pub fn is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.public_base.starts_with("https://")
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn finds_the_session_cookie_among_others() {
        assert_eq!(cookie(&headers(&[("cookie", "a=1; pairlink_session=tok; b=2")])), Some("tok"));
        assert_eq!(cookie(&headers(&[("cookie", "a=1"), ("cookie", "pairlink_session=x")])), Some("x"));
        assert_eq!(cookie(&headers(&[("cookie", "pairlink_session=")])), None);
        assert_eq!(cookie(&headers(&[("cookie", "xpairlink_session=1")])), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_behind_tls() {
        let c = set_cookie("tok", 60, true);
        assert_eq!(
            c.to_str().unwrap(),
            "pairlink_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(!set_cookie("tok", 60, false).to_str().unwrap().contains("Secure"));
        assert!(clear_cookie(false).to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn foreign_origins_are_refused() {
        assert!(same_origin(&headers(&[("host", "pair.example.com")])).is_ok());
        assert!(same_origin(&headers(&[("host", "pair.example.com"), ("origin", "https://pair.example.com")])).is_ok());
        let err = same_origin(&headers(&[("host", "pair.example.com"), ("origin", "https://evil.example")])).unwrap_err();
        assert_eq!((err.status.as_u16(), err.code), (403, "CSRF_FAILED"));
        assert!(same_origin(&headers(&[("host", "a"), ("origin", "null")])).is_err());
    }
}
