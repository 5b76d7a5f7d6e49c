//! Dashboard accounts: creating users, signing in and out, and the sessions that follow.
use axum::http::StatusCode;
use chrono::Duration;

use crate::server::{
    auth::ApiClient,
    domain::{Email, Password, PasswordHash, SessionId, SessionToken, TenantId, UserId},
    error::{ApiError, ApiResult},
    ratelimit::ClientAddress,
    state::AppState,
    store::{NewSession, Session, StoreError, User},
};

/// A sign-in that worked: the cookie's token (shown once) and the session it opens.
pub struct SignedIn {
    pub token: SessionToken,
    pub session: Session,
}

/// Where a sign-in came from, for its rate limits.
pub struct Origin {
    pub address: Option<ClientAddress>,
}

pub async fn create_user(state: &AppState, tenant: &TenantId, email: &str, password: &str) -> ApiResult<User> {
    let email = Email::parse(email)?;
    let password = Password::parse_new(password)?;
    match state.store.get_tenant(tenant).await {
        Err(StoreError::NotFound) => return Err(ApiError::new(StatusCode::NOT_FOUND, "TENANT_NOT_FOUND", "no such tenant")),
        other => other?,
    };
    let password_hash = hash(state, password).await?;
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
///
/// Guessing is slowed from every side without letting a stranger lock anyone out: a budget per
/// address (IPv6 by /64) and for everyone together, a bounded number of hashes at once (each
/// takes ~20 MB), and for an email that keeps failing a wait before its password is checked
/// that doubles per failure, instead of a refusal its owner would meet too.
pub async fn sign_in(state: &AppState, from: Origin, email: &str, password: &str) -> ApiResult<SignedIn> {
    let normalised = email.trim().to_lowercase();
    state.limits.check_login(from.address)?;
    let delay = state.limits.login_delay(&normalised);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let user = match Email::parse(&normalised) {
        Ok(email) => state.store.find_user_by_email(&email).await?,
        Err(_) => None,
    };
    let hash = user
        .as_ref()
        .map_or_else(|| PasswordHash::decoy().clone(), |u| u.password_hash.clone());
    let typed = Password::typed(password);
    let turn = state.limits.hash_turn().await?;
    let matches = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        hash.verify(&typed)
    })
    .await
    .map_err(ApiError::internal)?;
    let Some(user) = user.filter(|_| matches) else {
        state.limits.login_failed(&normalised);
        return Err(bad_credentials());
    };
    state.limits.login_succeeded(&normalised);
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

/// Argon2 is slow by design; keep it off the async workers, and take a turn like sign-ins do.
async fn hash(state: &AppState, password: Password) -> ApiResult<PasswordHash> {
    let turn = state.limits.hash_turn().await?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        password.hash()
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing a password: {e}")))
}
