//! The first line of every dashboard server function: who is calling, and for changes, the
//! CSRF check. Failures set the HTTP status of the reply, so scripts and tests see 401/403.
use axum::http::{HeaderMap, request::Parts};
use leptos::prelude::*;

use crate::{
    error::AppError,
    server::{error::ApiError, session::TenantAdmin, state::AppState},
};

/// The signed-in caller, or 401 `UNAUTHENTICATED`.
pub async fn signed_in() -> Result<(AppState, TenantAdmin), AppError> {
    let state = expect_context::<AppState>();
    let admin = TenantAdmin::from_headers(&state, &headers()).await.map_err(fail)?;
    Ok((state, admin))
}

/// The signed-in caller of a state-changing call whose `csrf` matches their session.
pub async fn for_change(csrf: &str) -> Result<(AppState, TenantAdmin), AppError> {
    let (state, admin) = signed_in().await?;
    admin.check_csrf(&headers(), csrf).map_err(fail)?;
    Ok((state, admin))
}

pub fn headers() -> HeaderMap {
    use_context::<Parts>().map(|p| p.headers).unwrap_or_default()
}

/// Turns a service error into the UI's error, with its HTTP status on the reply.
pub fn fail(err: ApiError) -> AppError {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(err.status);
    }
    let out = AppError {
        code: err.code.into(),
        message: err.message.clone(),
    };
    if err.status.is_server_error() {
        // Rendering the REST reply logs the hidden cause, once, as for the API.
        drop(axum::response::IntoResponse::into_response(err));
    }
    out
}
