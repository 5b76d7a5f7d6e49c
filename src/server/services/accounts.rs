//! Dashboard accounts: creating users, signing in and out, and the sessions that follow.
use axum::http::StatusCode;
use chrono::Duration;

use crate::server::{
    auth::ApiClient,
    domain::{Email, Password, PasswordHash, SessionId, SessionToken, TenantId, UserId},
    error::{ApiError, ApiResult},
    state::AppState,
    store::{NewSession, Session, StoreError, User},
};

/// A sign-in that worked: the cookie's token (shown once) and the session it opens.
pub struct SignedIn {
    pub token: SessionToken,
    pub session: Session,
}

/// Where a sign-in came from, for its rate limits.
pub struct Origin<'a> {
    pub peer: Option<std::net::IpAddr>,
    pub forwarded: Option<&'a str>,
}

pub async fn create_user(state: &AppState, tenant: &TenantId, email: &str, password: &str) -> ApiResult<User> {
    let email = Email::parse(email)?;
    let password = Password::parse_new(password)?;
    match state.store.get_tenant(tenant).await {
        Err(StoreError::NotFound) => return Err(ApiError::new(StatusCode::NOT_FOUND, "TENANT_NOT_FOUND", "no such tenant")),
        other => other?,
    };
    let password_hash = hash(password).await?;
    let user = User {
        id: UserId::generate(),
        tenant_id: tenant.clone(),
        email,
        password_hash,
        created_at: state.clock.now(),
    };
    match state.store.create_user(tenant, &user).await {
        Err(StoreError::Conflict) => Err(ApiError::conflict("EMAIL_TAKEN", "a user with this email already exists")),
        other => Ok(other?),
    }
}

/// Checks the password (at the same cost whether or not the email exists) and opens a session.
pub async fn sign_in(state: &AppState, from: Origin<'_>, email: &str, password: &str) -> ApiResult<SignedIn> {
    let normalised = email.trim().to_lowercase();
    state.limits.check_login(from.peer, from.forwarded, &normalised)?;
    let user = match Email::parse(&normalised) {
        Ok(email) => state.store.find_user_by_email(&email).await?,
        Err(_) => None,
    };
    let hash = user
        .as_ref()
        .map_or_else(|| PasswordHash::decoy().clone(), |u| u.password_hash.clone());
    let typed = Password::typed(password);
    let matches = tokio::task::spawn_blocking(move || hash.verify(&typed))
        .await
        .map_err(ApiError::internal)?;
    let user = user.filter(|_| matches).ok_or_else(bad_credentials)?;
    let token = SessionToken::generate();
    let now = state.clock.now();
    let new = NewSession {
        id: SessionId::generate(),
        token_hash: token.hash(),
        user_id: user.id.clone(),
        csrf: SessionToken::generate().reveal().to_owned(),
        at: now,
        expires_at: now + Duration::hours(state.config.session_hours.into()),
    };
    state.store.create_session(&user.tenant_id, &new).await?;
    let session = state.store.find_session(&new.token_hash, now).await?.ok_or_else(bad_credentials)?;
    tracing::info!(tenant.id = %user.tenant_id, user.id = %user.id, "signed in to the dashboard");
    let client = ApiClient::user(user.tenant_id.clone(), user.id.clone(), user.email.as_str().to_owned());
    super::audit::record(state, &client, "session.signed_in", Some(new.id.as_str()), serde_json::json!({})).await;
    Ok(SignedIn { token, session })
}

/// The live session a cookie names, if any.
pub async fn session(state: &AppState, cookie: &str) -> ApiResult<Option<Session>> {
    let token = SessionToken::from_cookie(cookie);
    Ok(state.store.find_session(&token.hash(), state.clock.now()).await?)
}

pub async fn sessions(state: &AppState, client: &ApiClient) -> ApiResult<Vec<Session>> {
    Ok(state.store.list_sessions(&client.tenant, state.clock.now()).await?)
}

/// Ends a session of the caller's tenant (their own when signing out).
pub async fn revoke_session(state: &AppState, client: &ApiClient, id: &SessionId) -> ApiResult<()> {
    match state.store.revoke_session(&client.tenant, id, state.clock.now()).await {
        Err(StoreError::NotFound) => Err(ApiError::new(StatusCode::NOT_FOUND, "SESSION_NOT_FOUND", "no such session")),
        other => {
            other?;
            super::audit::record(state, client, "session.revoked", Some(id.as_str()), serde_json::json!({})).await;
            Ok(())
        }
    }
}

pub fn unauthenticated() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "please sign in")
}

fn bad_credentials() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "BAD_CREDENTIALS", "wrong email or password")
}

/// Argon2 is slow by design; keep it off the async workers.
async fn hash(password: Password) -> ApiResult<PasswordHash> {
    tokio::task::spawn_blocking(move || password.hash())
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing a password: {e}")))
}
