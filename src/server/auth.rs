//! API-key authentication. The extractor ends the request with 401 before any handler runs,
//! and what it yields carries the tenant every later call is scoped by.
use axum::{extract::FromRequestParts, http::request::Parts};

use super::{
    domain::{ApiKeyId, ApiKeySecret, NumberId, TenantId},
    error::ApiError,
    state::AppState,
};

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct ApiClient {
    pub tenant: TenantId,
    pub key: ApiKeyId,
    /// `Some` for a number-scoped key: the one number it may act on.
    pub number: Option<NumberId>,
}

impl ApiClient {
    /// For tenant-only endpoints (branding, keys, webhooks): 403 for number keys.
    pub fn require_tenant_scope(&self) -> Result<(), ApiError> {
        match self.number {
            None => Ok(()),
            Some(_) => Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "NUMBER_SCOPE_NOT_ALLOWED",
                "this endpoint needs a tenant-scoped API key",
            )),
        }
    }

    /// Whether the key may see this number: any of its tenant's for a tenant key, only its
    /// own for a number key. Callers answer 404 otherwise, as for another tenant's number.
    pub fn may_see(&self, number: &NumberId) -> bool {
        self.number.as_ref().is_none_or(|own| own == number)
    }
}

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let raw = presented_key(parts).ok_or_else(ApiError::unauthorized)?;
        let key = ApiKeySecret::from_header(raw);
        let found = state.store.find_api_key(&key.hash()).await?.ok_or_else(ApiError::unauthorized)?;
        Ok(Self {
            tenant: found.tenant_id,
            key: found.id,
            number: found.number_id,
        })
    }
}

/// `x-api-key: <key>`, or `Authorization: Bearer <key>`.
fn presented_key(parts: &Parts) -> Option<&str> {
    let headers = &parts.headers;
    if let Some(value) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(value).filter(|v| !v.trim().is_empty());
    }
    let auth = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = auth.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut req = Request::builder();
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(()).unwrap().into_parts().0
    }

    #[test]
    fn reads_x_api_key_or_bearer() {
        assert_eq!(presented_key(&parts(&[("x-api-key", "pl_a")])), Some("pl_a"));
        assert_eq!(presented_key(&parts(&[("authorization", "Bearer pl_b")])), Some("pl_b"));
        assert_eq!(presented_key(&parts(&[("authorization", "bearer  pl_c ")])), Some("pl_c"));
        assert_eq!(presented_key(&parts(&[("authorization", "Basic abc")])), None);
        assert_eq!(presented_key(&parts(&[("x-api-key", " ")])), None);
        assert_eq!(presented_key(&parts(&[])), None);
    }

    #[test]
    fn number_keys_see_only_their_number() {
        let own = NumberId::generate();
        let other = NumberId::generate();
        let tenant = ApiClient {
            tenant: TenantId::generate(),
            key: ApiKeyId::generate(),
            number: None,
        };
        let number = ApiClient {
            number: Some(own.clone()),
            ..tenant.clone()
        };
        assert!(tenant.may_see(&other) && tenant.require_tenant_scope().is_ok());
        assert!(number.may_see(&own) && !number.may_see(&other));
        assert_eq!(number.require_tenant_scope().unwrap_err().code, "NUMBER_SCOPE_NOT_ALLOWED");
    }
}
