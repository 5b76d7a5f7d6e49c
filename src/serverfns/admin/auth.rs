//! Signing in and out, and the sessions of a tenant.
use leptos::prelude::*;

use crate::{
    error::AppError,
    types::admin::{SessionItem, SessionOut},
};

/// Signs in and sets the session cookie; then goes to the dashboard.
#[server(endpoint = "admin/login")]
pub async fn admin_login(email: String, password: String) -> Result<(), AppError> {
    use axum::{Extension, http::header};

    use super::guard::{fail, headers};
    use crate::server::ratelimit::ClientAddress;
    use crate::server::services::accounts;
    use crate::server::session;
    use crate::server::state::AppState;

    let state = expect_context::<AppState>();
    let headers = headers();
    session::same_origin(&headers).map_err(fail)?;
    // Named once for the whole request by the outermost middleware (`throttle`).
    let address = leptos_axum::extract::<Extension<ClientAddress>>().await.ok().map(|e| e.0);
    let from = accounts::Origin { address };
    let signed = accounts::sign_in(&state, from, &email, &password).await.map_err(fail)?;
    let max_age = (signed.session.expires_at - signed.session.created_at).num_seconds();
    let cookie = session::set_cookie(signed.token.reveal(), max_age, session::is_secure(&state, &headers));
    expect_context::<leptos_axum::ResponseOptions>().append_header(header::SET_COOKIE, cookie);
    leptos_axum::redirect("/admin/numbers");
    Ok(())
}

/// Ends this session and clears the cookie.
#[server(endpoint = "admin/logout")]
pub async fn admin_logout(csrf: String) -> Result<(), AppError> {
    use axum::http::header;

    use super::guard::{fail, for_change, headers};
    use crate::server::services::accounts;
    use crate::server::session;

    let (state, admin) = for_change(&csrf).await?;
    accounts::revoke_session(&state, &admin.client, &admin.session.id)
        .await
        .map_err(fail)?;
    let cookie = session::clear_cookie(session::is_secure(&state, &headers()));
    expect_context::<leptos_axum::ResponseOptions>().append_header(header::SET_COOKIE, cookie);
    leptos_axum::redirect("/admin/login");
    Ok(())
}

/// Who is signed in (401 when nobody is).
#[server(endpoint = "admin/session")]
pub async fn admin_session() -> Result<SessionOut, AppError> {
    use super::guard::{fail, signed_in};

    let (state, admin) = signed_in().await?;
    let tenant = state.store.get_tenant(&admin.client.tenant).await.map_err(|e| fail(e.into()))?;
    Ok(SessionOut {
        session_id: admin.session.id.to_string(),
        email: admin.session.email.as_str().to_owned(),
        tenant_id: tenant.id.to_string(),
        tenant_name: tenant.name,
        csrf: admin.session.csrf.clone(),
    })
}

/// Every live session of the tenant.
#[server(endpoint = "admin/sessions")]
pub async fn admin_sessions() -> Result<Vec<SessionItem>, AppError> {
    use super::guard::{fail, signed_in};
    use crate::server::services::accounts;

    let (state, admin) = signed_in().await?;
    let sessions = accounts::sessions(&state, &admin.client).await.map_err(fail)?;
    Ok(sessions
        .into_iter()
        .map(|s| SessionItem {
            current: s.id == admin.session.id,
            id: s.id.to_string(),
            email: s.email.as_str().to_owned(),
            created_at: s.created_at,
            expires_at: s.expires_at,
        })
        .collect())
}

/// Signs a session of the tenant out, wherever it is.
#[server(endpoint = "admin/sessions/revoke")]
pub async fn admin_revoke_session(csrf: String, id: String) -> Result<(), AppError> {
    use super::guard::{fail, for_change};
    use crate::server::domain::SessionId;
    use crate::server::services::accounts;

    let (state, admin) = for_change(&csrf).await?;
    accounts::revoke_session(&state, &admin.client, &SessionId::from_trusted(id))
        .await
        .map_err(fail)
}
