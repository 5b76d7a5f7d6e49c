//! API-key authentication. The extractor ends the request with 401 before any handler runs,
//! and what it yields carries the tenant every later call is scoped by.
use axum::{extract::FromRequestParts, http::request::Parts};

use super::{
    domain::{ApiKeyId, ApiKeySecret, NumberId, TenantId, UserId},
    error::ApiError,
    state::AppState,
};

/// An authenticated caller: an API key, or a person signed in to the dashboard.
#[derive(Clone, Debug)]
pub struct ApiClient {
    pub tenant: TenantId,
    pub actor: Actor,
    /// `Some` for a number-scoped key: the one number it may act on.
    pub number: Option<NumberId>,
}

/// Who made a call, for the audit log.
#[derive(Clone, Debug)]
pub enum Actor {
    Key { id: ApiKeyId, last4: String },
    User { id: UserId, email: String },
}

impl ApiClient {
    /// A dashboard user acting for their tenant (tenant scope, no key).
    pub fn user(tenant: TenantId, id: UserId, email: String) -> Self {
        Self {
            tenant,
            actor: Actor::User { id, email },
            number: None,
        }
    }

    /// The API key that made this call, if a key made it.
    pub fn key(&self) -> Option<&ApiKeyId> {
        match &self.actor {
            Actor::Key { id, .. } => Some(id),
            Actor::User { .. } => None,
        }
    }

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

/// The caller `throttle` already found for this request (`None`: no valid key), so the
/// extractor does not look the key up again.
#[derive(Clone)]
pub struct Authenticated(pub Option<ApiClient>);

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let found = match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(found)) => found.clone(),
            None => authenticate(parts, state).await?,
        };
        found.ok_or_else(ApiError::unauthorized)
    }
}

/// The API key a request presents, checked: `None` when it presents none or a wrong one.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Option<ApiClient>, ApiError> {
    let found = match presented_key(parts) {
        Some(raw) => state.store.find_api_key(&ApiKeySecret::from_header(raw).hash()).await?,
        // The documented API also takes a key's id alone; an id is shown in responses
        // and logs, so it becomes a bearer credential: only when the operator says so.
        None if state.config.api_key_id_header => match presented_key_id(parts) {
            Some(id) => state.store.find_api_key_by_id(&ApiKeyId::from_trusted(id)).await?,
            None => None,
        },
        None => None,
    };
    Ok(found.map(|found| ApiClient {
        tenant: found.tenant_id,
        actor: Actor::Key {
            id: found.id,
            last4: found.last4,
        },
        number: found.number_id,
    }))
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

/// `x-api-key-id: <key id>`, honoured only with `api_key_id_header` on.
fn presented_key_id(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get("x-api-key-id")?.to_str().ok()?.trim();
    (!value.is_empty()).then_some(value)
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
            actor: Actor::Key {
                id: ApiKeyId::generate(),
                last4: "abcd".into(),
            },
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
