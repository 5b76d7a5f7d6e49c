//! The Meta rail of a link, public side: what the page posts after Embedded Signup or with
//! pasted credentials. Checked field by field, validated live with Meta, then the number is
//! created in the link's tenant and the link is used up.
use axum::http::StatusCode;

use super::{
    meta::{self, Credentials, Origin, Verified},
    public::{Access, Resolved, resolve},
};
use crate::server::{
    domain::Invalid,
    error::{ApiError, ApiResult},
    meta::MetaEngine,
    state::AppState,
    store::Link,
};
use crate::types::{
    links::{MetaCredentialsIn, MetaEmbeddedIn},
    meta::MetaLinkOut,
};

/// Embedded Signup's result: the code exchanged, the number registered and created.
pub async fn meta_embedded(state: &AppState, token: &str, input: &MetaEmbeddedIn) -> ApiResult<MetaLinkOut> {
    let r = meta_link(state, token, "embedded").await?;
    let code = required_text("code", input.code.as_deref(), 2048)?;
    let waba_id = meta::meta_id("wabaId", input.waba_id.as_deref())?;
    let phone_id = meta::meta_id("phoneNumberId", input.phone_number_id.as_deref())?;
    if input.business_id.is_some() {
        meta::meta_id("businessId", input.business_id.as_deref())?;
    }
    let engine = meta::engine(state)?;
    let verified = meta::verify_embedded(state, &engine, code, waba_id, phone_id).await?;
    finish(state, &engine, &r.link, verified).await
}

/// Pasted WABA credentials, validated live like `POST /v1/numbers/meta`.
pub async fn meta_credentials(state: &AppState, token: &str, input: &MetaCredentialsIn) -> ApiResult<MetaLinkOut> {
    let r = meta_link(state, token, "credentials").await?;
    let waba_id = meta::meta_id("wabaId", input.waba_id.as_deref())?;
    let phone_id = meta::meta_id("phoneNumberId", input.phone_number_id.as_deref())?;
    let (access, pin) = meta::check_secrets(input.access_token.as_deref(), input.pin.as_deref())?;
    let engine = meta::engine(state)?;
    let credentials = Credentials {
        waba_id,
        phone_number_id: phone_id,
        access_token: &access,
        pin: pin.as_deref(),
    };
    let verified = meta::verify_credentials(&engine, &credentials).await?;
    finish(state, &engine, &r.link, verified).await
}

async fn finish(state: &AppState, engine: &MetaEngine, link: &Link, verified: Verified) -> ApiResult<MetaLinkOut> {
    let origin = Origin {
        tenant: &link.tenant_id,
        name: None,
        expected_phone: None,
        link: Some(link),
    };
    let number = meta::create_number(state, engine, origin, verified).await?;
    let tenant_redirect = state.store.settings(&link.tenant_id).await?.branding.default_redirect_url;
    Ok(MetaLinkOut {
        ok: true,
        number_id: number.id.to_string(),
        state: number.state.as_str().into(),
        masked_number: number.phone.masked(),
        display_name: number.name,
        redirect_url: link
            .redirect_url
            .clone()
            .or_else(|| link.branding.default_redirect_url.clone())
            .or(tenant_redirect),
        external_ref: link.external_ref.clone(),
    })
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

fn required_text<'a>(field: &'static str, value: Option<&'a str>, max: usize) -> Result<&'a str, Invalid> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() && v.len() <= max => Ok(v),
        _ => Err(Invalid::new(field, "is required")),
    }
}
