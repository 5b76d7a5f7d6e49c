//! The tenant's connect-page branding, through the same rules as `PATCH /v1/branding`.
use leptos::prelude::*;

use crate::{
    error::AppError,
    types::{admin::BrandingFormIn, branding::Branding},
};

#[server(endpoint = "admin/branding")]
pub async fn admin_branding() -> Result<Branding, AppError> {
    use super::guard::{fail, signed_in};
    use crate::server::services::branding;

    let (state, admin) = signed_in().await?;
    branding::get(&state, &admin.client).await.map_err(fail)
}

/// Saves all eight fields; an empty one is cleared.
#[server(endpoint = "admin/branding/save")]
pub async fn admin_save_branding(csrf: String, input: BrandingFormIn) -> Result<Branding, AppError> {
    use super::guard::{fail, for_change};
    use crate::{server::services::branding, types::branding::BrandingPatch};

    let (state, admin) = for_change(&csrf).await?;
    let field = |s: String| Some(Some(s.trim().to_owned()).filter(|s| !s.is_empty()));
    let patch = BrandingPatch {
        logo_url: field(input.logo_url),
        primary_color: field(input.primary_color),
        background_color: field(input.background_color),
        company_name: field(input.company_name),
        subtitle: field(input.subtitle),
        support_url: field(input.support_url),
        default_redirect_url: field(input.default_redirect_url),
        hide_pilot_status_branding: Some(input.hide_pilot_status_branding.map(|_| true)),
    };
    branding::update(&state, &admin.client, patch).await.map_err(fail)
}
