//! The Meta rail of a link, public side: what the page posts after Embedded Signup or with
//! pasted credentials, checked field by field. The Meta Cloud API engine that will act on it
//! is not here yet, so a valid request answers 501.
use axum::http::StatusCode;

use super::public::{Access, Resolved, resolve};
use crate::server::{
    domain::Invalid,
    error::{ApiError, ApiResult},
    state::AppState,
};
use crate::types::links::{MetaCredentialsIn, MetaEmbeddedIn};

/// Embedded Signup's result, checked; the Meta engine that would use it is not here yet.
pub async fn meta_embedded(state: &AppState, token: &str, input: &MetaEmbeddedIn) -> ApiResult<()> {
    meta_link(state, token, "embedded").await?;
    required_text("code", input.code.as_deref(), 2048)?;
    meta_id("wabaId", input.waba_id.as_deref())?;
    meta_id("phoneNumberId", input.phone_number_id.as_deref())?;
    if input.business_id.is_some() {
        meta_id("businessId", input.business_id.as_deref())?;
    }
    meta_not_available()
}

/// Pasted WABA credentials, checked; the Meta engine that would validate them live with the
/// Graph API is not here yet.
pub async fn meta_credentials(state: &AppState, token: &str, input: &MetaCredentialsIn) -> ApiResult<()> {
    meta_link(state, token, "credentials").await?;
    meta_id("wabaId", input.waba_id.as_deref())?;
    meta_id("phoneNumberId", input.phone_number_id.as_deref())?;
    let access = required_text("accessToken", input.access_token.as_deref(), 1024)?;
    if access.len() < 20 || access.chars().any(char::is_whitespace) {
        return Err(Invalid::new("accessToken", "must be a Meta access token (a long string without spaces)").into());
    }
    if let Some(pin) = input.pin.as_deref().map(str::trim).filter(|p| !p.is_empty())
        && !(pin.len() == 6 && pin.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(Invalid::new("pin", "must be 6 digits").into());
    }
    meta_not_available()
}

async fn meta_link(state: &AppState, token: &str, flow: &str) -> ApiResult<Resolved> {
    let r = resolve(state, token, Access::Act).await?;
    if r.link.meta_flow.as_deref() != Some(flow) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "FEATURE_NOT_SUPPORTED",
            format!("this link does not use Meta's {flow} flow"),
        ));
    }
    Ok(r)
}

fn meta_not_available() -> ApiResult<()> {
    Err(ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "META_NOT_AVAILABLE",
        "official WhatsApp numbers (Meta Cloud API) are not available on this server yet",
    ))
}

fn meta_id(field: &'static str, value: Option<&str>) -> Result<(), Invalid> {
    let v = value.map(str::trim).unwrap_or_default();
    if (5..=20).contains(&v.len()) && v.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Invalid::new(field, "must be the numeric id Meta shows"))
    }
}

fn required_text<'a>(field: &'static str, value: Option<&'a str>, max: usize) -> Result<&'a str, Invalid> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() && v.len() <= max => Ok(v),
        _ => Err(Invalid::new(field, "is required")),
    }
}
